"""Human time syntax shared by tips.yaml and the command line: `90m`, `"09:05"`, `"08:00-21:00"`, `mon-fri`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time, timedelta

from dmer_tips.errors import DmerTipsError, did_you_mean

SECONDS_PER_DAY = 86_400
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_WORDS = {
    "daily": frozenset(range(7)),
    "every day": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
}
_UNIT_SECONDS = {"d": SECONDS_PER_DAY, "h": 3600, "m": 60, "s": 1}
_DURATION = re.compile(r"(?:(\d+)([smhd]))+")
_DURATION_PART = re.compile(r"(\d+)([smhd])")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")


class SpecError(DmerTipsError):
    """A time, duration, window or weekday written in a way we cannot read."""

    def __init__(self, what: str, fix: str) -> None:
        self.what = what
        self.fix = fix
        super().__init__(f"{what} — {fix}")


@dataclass(frozen=True)
class DailyWindow:
    """A stretch of each day, `start` inclusive to `end` exclusive, in seconds after midnight.

    A window whose end is before its start runs over midnight (quiet hours `22:00-08:00`).
    """

    start_s: int
    end_s: int

    @property
    def wraps_midnight(self) -> bool:
        return self.end_s < self.start_s

    def contains(self, moment: time) -> bool:
        second = moment.hour * 3600 + moment.minute * 60 + moment.second
        if self.wraps_midnight:
            return second >= self.start_s or second < self.end_s
        return self.start_s <= second < self.end_s

    def __str__(self) -> str:
        return f"{format_clock(self.start_s)}-{format_clock(self.end_s)}"


def parse_duration(text: str) -> timedelta:
    """Read `45s`, `90m`, `2h`, `1d` or a sum such as `1h30m`."""
    compact = text.strip().lower().replace(" ", "")
    if not _DURATION.fullmatch(compact):
        raise SpecError(f'"{text}" is not a duration', "use a number and a unit: 45s, 90m or 2h")
    seconds = sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION_PART.findall(compact))
    return timedelta(seconds=seconds)


def parse_clock(text: str, *, allow_end_of_day: bool = False) -> int:
    """Read `"HH:MM"` (24-hour) into seconds after midnight; `"24:00"` only where a window ends."""
    match = _CLOCK.fullmatch(text.strip())
    hours, minutes = (int(match[1]), int(match[2])) if match else (99, 99)
    end_of_day = allow_end_of_day and (hours, minutes) == (24, 0)
    if not end_of_day and (hours > 23 or minutes > 59):
        raise SpecError(f'"{text}" is not a clock time', 'use "HH:MM" in 24-hour time, like "09:05"')
    return hours * 3600 + minutes * 60


def parse_window(text: str) -> DailyWindow:
    """Read `"08:00-21:00"`; the end may be `24:00`, and may be before the start (over midnight)."""
    start, dash, end = text.partition("-")
    if not dash:
        raise SpecError(f'"{text}" is not a time window', 'write it as "HH:MM-HH:MM", like "08:00-21:00"')
    window = DailyWindow(parse_clock(start), parse_clock(end, allow_end_of_day=True))
    if window.start_s == window.end_s:
        raise SpecError(f'the window "{text}" is empty', 'give it different start and end times, like "08:00-21:00"')
    return window


def parse_weekdays(text: str) -> frozenset[int]:
    """Read `mon-fri`, `sat,sun`, `daily`, `weekdays` or `weekends` into weekday numbers (Monday = 0)."""
    lowered = text.strip().lower()
    if lowered in _DAY_WORDS:
        return _DAY_WORDS[lowered]
    days: set[int] = set()
    for part in lowered.split(","):
        first, dash, last = (piece.strip() for piece in part.partition("-"))
        start = _weekday_number(first, text)
        stop = _weekday_number(last, text) if dash else start
        days.update((start + offset) % 7 for offset in range((stop - start) % 7 + 1))
    return frozenset(days)


def _weekday_number(name: str, whole: str) -> int:
    for number, (short, full) in enumerate(zip(WEEKDAYS, _FULL_WEEKDAYS, strict=True)):
        if name in (short, full):
            return number
    raise SpecError(f'"{whole}" is not a set of weekdays', _weekday_hint(name, whole.strip().lower()))


def _weekday_hint(part: str, whole: str) -> str:
    """`did you mean "weekdays"?` for a whole word, `"mon-fri"?` for a misspelt day inside a range."""
    import difflib

    if whole not in (part, "") and (day := difflib.get_close_matches(part, [*WEEKDAYS, *_FULL_WEEKDAYS], 1, 0.6)):
        return f'did you mean "{whole.replace(part, day[0])}"?'
    return did_you_mean(whole, [*_DAY_WORDS, *WEEKDAYS, *_FULL_WEEKDAYS]) or "use names like mon-fri, sat,sun or daily"


def format_clock(seconds_after_midnight: int) -> str:
    hours, rest = divmod(seconds_after_midnight, 3600)
    return f"{hours:02d}:{rest // 60:02d}"


def format_duration(span: timedelta) -> str:
    """The human form tips.yaml uses: `45s`, `1h30m`, `2h`."""
    seconds = int(span.total_seconds())
    if seconds == 0:
        return "0s"
    parts = []
    for unit, size in _UNIT_SECONDS.items():
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def format_weekdays(days: frozenset[int]) -> str:
    for word in ("daily", "weekdays", "weekends"):
        if days == _DAY_WORDS[word]:
            return "every day" if word == "daily" else word
    return ", ".join(WEEKDAYS[d].capitalize() for d in sorted(days))


def clock_of(seconds_after_midnight: int) -> time:
    hours, rest = divmod(seconds_after_midnight % SECONDS_PER_DAY, 3600)
    return time(hours, rest // 60, rest % 60)
