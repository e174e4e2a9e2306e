from datetime import time, timedelta

import pytest

from dmer_tips.timespec import SpecError, format_duration, parse_clock, parse_duration, parse_weekdays, parse_window


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45s", timedelta(seconds=45)),
        ("90m", timedelta(minutes=90)),
        ("2h", timedelta(hours=2)),
        ("1h30m", timedelta(minutes=90)),
        ("1d", timedelta(days=1)),
    ],
)
def test_durations_read_as_written(text: str, expected: timedelta) -> None:
    """Durations in the human forms the README documents read as the span they name."""
    assert parse_duration(text) == expected
    assert parse_duration(format_duration(expected)) == expected


@pytest.mark.parametrize("text", ["5 minutes", "m5", "", "1.5h", "-3m"])
def test_bad_durations_say_how_to_write_one(text: str) -> None:
    """A duration we cannot read names itself and shows the accepted forms."""
    with pytest.raises(SpecError) as caught:
        parse_duration(text)
    assert str(caught.value) == f'"{text}" is not a duration — use a number and a unit: 45s, 90m or 2h'


def test_clock_times_and_their_limits() -> None:
    """`HH:MM` is 24-hour; 24:00 is only allowed where a window ends."""
    assert parse_clock("09:05") == 9 * 3600 + 5 * 60
    assert parse_clock("9:05") == 9 * 3600 + 5 * 60
    with pytest.raises(SpecError, match='"24:00" is not a clock time'):
        parse_clock("24:00")
    assert parse_clock("24:00", allow_end_of_day=True) == 86_400
    with pytest.raises(SpecError, match='"12:60" is not a clock time — use "HH:MM" in 24-hour time, like "09:05"'):
        parse_clock("12:60")


def test_windows_may_run_over_midnight() -> None:
    """Quiet hours such as 22:00-08:00 contain late evening and early morning, not midday."""
    quiet = parse_window("22:00-08:00")
    assert quiet.contains(time(23, 30)) and quiet.contains(time(7, 59)) and not quiet.contains(time(8, 0))
    day = parse_window("08:00-21:00")
    assert day.contains(time(8, 0)) and not day.contains(time(21, 0))
    with pytest.raises(SpecError, match="is empty"):
        parse_window("08:00-08:00")


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("sat,sun", {5, 6}),
        ("daily", set(range(7))),
        ("fri-mon", {4, 5, 6, 0}),
        ("Tuesday", {1}),
        ("weekends", {5, 6}),
    ],
)
def test_weekdays_by_name(text: str, days: set[int]) -> None:
    """Weekdays are names, ranges and lists; a range may wrap over the weekend."""
    assert parse_weekdays(text) == days


def test_unknown_weekday_is_explained() -> None:
    """A misspelt day says which forms work."""
    with pytest.raises(SpecError) as caught:
        parse_weekdays("mondy")
    assert str(caught.value) == '"mondy" is not a set of weekdays — did you mean "monday"?'
