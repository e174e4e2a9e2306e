"""The schedule over simulated days and months: counts, quiet hours, gap, daily maximum, DST, suspend."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmer_tips.bank.load import load_tip_bank
from dmer_tips.bank.model import Category, Schedule, Source, Tip, TipBank
from dmer_tips.paths import bundled_tips_path
from dmer_tips.schedule.planner import Due
from dmer_tips.schedule.reminders import Reminders, Sent
from dmer_tips.schedule.rotation import Rotation
from dmer_tips.schedule.state import ServiceState

from .robust import scale

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def bank_from(write_tips: Callable[[str], Path], settings: str, categories: str) -> TipBank:
    text = f'settings:\n{settings}\nsources:\n  art: "A"\ncategories:\n{categories}'
    return load_tip_bank(write_tips(text))


def category(name: str, schedule: str, tips: int = 3) -> str:
    lines = [f"  {name}:", "    schedule:"] + [f"      {line}" for line in schedule.splitlines()] + ["    tips:"]
    lines += [f'      - {{id: {name}-{i}, text: "Tip {i} of {name}.", source: art}}' for i in range(tips)]
    return "\n".join(lines) + "\n"


def simulate(bank: TipBank, zone: ZoneInfo, start: datetime, days: int, seed: int = 7) -> list[Sent]:
    return Reminders(bank, ServiceState.fresh(seed), zone, start).timeline(start, start + timedelta(days=days))


def test_bundled_month_matches_each_schedule() -> None:
    """Over 4 weeks each bundled category is sent exactly as often as its schedule says."""
    bank = load_tip_bank(bundled_tips_path())
    start = datetime(2026, 11, 2, 0, 0, tzinfo=BERLIN)  # a Monday
    sent = simulate(bank, BERLIN, start, 28)
    counts = Counter(s.tip.category for s in sent)
    for cat in bank.categories:
        expected = 4 * len(cat.schedule.days) * len(cat.schedule.seconds_on_a_day())
        assert counts[cat.name] == expected, cat.name


def test_rules_hold_for_a_busy_bank_over_two_months(write_tips: Callable[[str], Path]) -> None:
    """Nothing in quiet hours, never closer than the gap, never more than the daily maximum."""
    bank = bank_from(
        write_tips,
        '  quiet_hours: "21:00-09:00"\n  min_gap: 40m\n  daily_max: 6',
        category("a", 'every: 30m\nwindow: "00:00-24:00"\njitter: 10m')
        + category("b", 'at: ["09:00", "12:00", "20:59", "23:00"]'),
    )
    sent = simulate(bank, BERLIN, datetime(2026, 9, 1, tzinfo=BERLIN), 61)
    assert len(sent) == 61 * 6
    assert all(not (s.at.hour >= 21 or s.at.hour < 9) for s in sent)
    assert all(b.at - a.at >= timedelta(minutes=40) for a, b in pairwise(sent))
    assert max(Counter(s.at.date() for s in sent).values()) == 6


def test_two_slots_at_once_never_stack(write_tips: Callable[[str], Path]) -> None:
    """When two categories fall together, the second moves later by the gap; both are sent."""
    bank = bank_from(write_tips, "  min_gap: 45m", category("a", 'at: "10:00"') + category("b", 'at: "10:00"'))
    sent = simulate(bank, BERLIN, datetime(2026, 6, 1, tzinfo=BERLIN), 1)
    assert [(s.tip.category, s.at.strftime("%H:%M")) for s in sent] == [("a", "10:00"), ("b", "10:45")]


def test_a_slot_pushed_beyond_grace_is_skipped(write_tips: Callable[[str], Path]) -> None:
    """A third reminder that the gap would push more than `grace` late is dropped, not sent late."""
    bank = bank_from(write_tips, "  min_gap: 45m\n  grace: 1h", "".join(category(n, 'at: "10:00"') for n in "abc"))
    sent = simulate(bank, BERLIN, datetime(2026, 6, 1, tzinfo=BERLIN), 1)
    assert [(s.tip.category, s.at.strftime("%H:%M")) for s in sent] == [("a", "10:00"), ("b", "10:45")]


def test_a_slot_in_quiet_hours_waits_for_their_end_within_grace(write_tips: Callable[[str], Path]) -> None:
    """A 13:10 reminder during quiet hours of 13:00-13:30 goes out at 13:30; one that would be more than
    `grace` late by then (07:00 before quiet hours ending at 08:30, grace 1h) is skipped."""
    bank = bank_from(
        write_tips,
        '  quiet_hours: "13:00-13:30"\n  grace: 1h',
        category("lunch", 'at: "13:10"') + category("early", 'at: "07:00"'),
    )
    sent = simulate(bank, BERLIN, datetime(2026, 6, 1, tzinfo=BERLIN), 1)
    assert [(s.tip.category, s.at.strftime("%H:%M")) for s in sent] == [("early", "07:00"), ("lunch", "13:30")]
    night = bank_from(write_tips, '  quiet_hours: "22:00-08:30"\n  grace: 1h', category("early", 'at: "07:00"'))
    assert simulate(night, BERLIN, datetime(2026, 6, 1, tzinfo=BERLIN), 3) == []


@pytest.mark.parametrize(
    ("zone", "spring", "autumn", "repeated"),
    [
        (BERLIN, date(2026, 3, 29), date(2026, 10, 25), "02:30"),
        (NEW_YORK, date(2026, 3, 8), date(2026, 11, 1), "01:30"),
    ],
)
def test_wall_times_hold_across_dst(
    write_tips: Callable[[str], Path], zone: ZoneInfo, spring: date, autumn: date, repeated: str
) -> None:
    """09:00 stays 09:00 across both changes; a time in the fall-back hour is sent once; a missing one moves past the gap."""
    bank = bank_from(
        write_tips,
        "  quiet_hours: none\n  min_gap: 1m",
        category("morning", 'at: "09:00"')
        + category("missing", 'at: "02:15"')
        + category("repeated", f'at: "{repeated}"'),
    )
    for day in (spring, autumn):
        start = datetime.combine(day - timedelta(days=2), datetime.min.time(), tzinfo=zone)
        sent = simulate(bank, zone, start, 4)
        times = {name: [s.at for s in sent if s.tip.category == name] for name in ("morning", "missing", "repeated")}
        assert [m.strftime("%H:%M") for m in times["morning"]] == ["09:00"] * 4
        assert len(times["repeated"]) == 4, "one a day, never twice in the repeated hour"
        on_the_day = {
            name: next(t for t in found if t.date() == day).strftime("%H:%M") for name, found in times.items()
        }
        if day == spring:
            assert on_the_day["missing"] == "03:15"
        else:
            assert on_the_day["repeated"] == repeated


def test_no_repeats_until_the_bag_is_empty_even_across_a_restart(write_tips: Callable[[str], Path]) -> None:
    """Every tip is shown once before any repeats, and a restart (state saved and reloaded) keeps the bag."""
    bank = bank_from(
        write_tips, "  quiet_hours: none\n  min_gap: 1m\n  daily_max: 100", category("a", "every: 1h", tips=7)
    )
    zone = BERLIN
    start = datetime(2026, 5, 4, tzinfo=zone)
    first = Reminders(bank, ServiceState.fresh(3), zone, start)
    before = first.timeline(start, start + timedelta(hours=4, minutes=30))
    saved = json.loads(json.dumps(first.state.to_json()))
    restarted = Reminders(bank, ServiceState.from_json(saved), zone, start)
    after = restarted.timeline(start + timedelta(hours=4, minutes=30), start + timedelta(hours=14))
    ids = [s.tip.id for s in before + after]
    assert len(before) == 4
    assert len(set(ids[:7])) == 7 and len(set(ids[7:14])) == 7
    assert ids[6] != ids[7], "a new round does not open with the tip that closed the last one"


def test_a_new_round_opens_with_tips_from_early_in_the_last_and_the_order_still_changes() -> None:
    """The third of a bag shown last never opens the next round (no tip back within a third of a bag), and over
    many rounds every tip gets to open one: the rounds do not settle into fixed halves."""
    tips = tuple(Tip(f"t{i}", "c", "T", f"Tip {i}.", Source("s", "S")) for i in range(10))
    category = Category("c", "T", Schedule(frozenset(range(7)), timedelta(0), at_s=(36000,)), tips)
    rotation = Rotation(seed=4)
    drawn = [rotation.draw(category).id for _ in range(10 * 30)]
    rounds = [drawn[i : i + 10] for i in range(0, len(drawn), 10)]
    for before, after in pairwise(rounds):
        assert not set(before[-3:]) & set(after[:3])
    assert {round_[0] for round_ in rounds} == {tip.id for tip in tips}


def test_editing_tips_keeps_the_bag(write_tips: Callable[[str], Path]) -> None:
    """Adding a tip puts it in the current round; removing one drops it; what was shown is not shown again."""
    zone = BERLIN
    start = datetime(2026, 5, 4, tzinfo=zone)
    settings = "  quiet_hours: none\n  min_gap: 1m\n  daily_max: 100"
    reminders = Reminders(
        bank_from(write_tips, settings, category("a", "every: 1h", tips=4)), ServiceState.fresh(5), zone, start
    )
    edit_at = start + timedelta(hours=2, minutes=30)
    shown = [s.tip.id for s in reminders.timeline(start, edit_at)]
    edited = category("a", "every: 1h", tips=4).replace("a-3", "a-new")
    reminders.replace_bank(bank_from(write_tips, settings, edited), edit_at)
    rest = [s.tip.id for s in reminders.timeline(edit_at, edit_at + timedelta(hours=3))]
    assert len(shown) == 2 and len(rest) == 3
    assert "a-3" not in rest and not set(shown) & set(rest)
    assert set(shown) - {"a-3"} | set(rest) == {"a-0", "a-1", "a-2", "a-new"}


def test_after_a_long_suspend_only_recent_slots_are_sent(write_tips: Callable[[str], Path]) -> None:
    """Waking 8 hours later sends at most one per category, only within grace, spaced by the gap."""
    bank = bank_from(
        write_tips,
        "  quiet_hours: none\n  min_gap: 10m\n  grace: 30m",
        category("often", "every: 5m") + category("hourly", "every: 1h") + category("morning", 'at: "09:00"'),
    )
    zone = BERLIN
    asleep = datetime(2026, 5, 4, 9, 1, tzinfo=zone)
    reminders = Reminders(bank, ServiceState.fresh(1), zone, asleep)
    woke = asleep + timedelta(hours=8)
    burst = reminders.timeline(woke, woke + timedelta(minutes=9))
    assert [(s.tip.category, s.at) for s in burst] == [("often", woke)]
    then = reminders.timeline(woke + timedelta(minutes=9), woke + timedelta(minutes=25))
    assert [s.tip.category for s in then] == ["hourly", "often"]
    assert all(s.tip.category != "morning" for s in burst + then)


def test_clock_set_back_re_anchors(write_tips: Callable[[str], Path]) -> None:
    """After the clock is stepped back an hour, an every-10-minutes schedule resumes within 10 minutes."""
    bank = bank_from(write_tips, "  quiet_hours: none\n  min_gap: 1m\n  daily_max: 100", category("a", "every: 10m"))
    zone = BERLIN
    start = datetime(2026, 5, 4, 12, 0, 30, tzinfo=zone)
    reminders = Reminders(bank, ServiceState.fresh(1), zone, start)
    reminders.timeline(start, start + timedelta(minutes=30))
    stepped_to = start + timedelta(minutes=30) - timedelta(hours=1)
    reminders.clock_stepped(-timedelta(hours=1))
    due = reminders.next_due(stepped_to)
    assert due is not None and due.at - stepped_to <= timedelta(minutes=10)


def test_preview_is_deterministic_for_a_seed() -> None:
    """The same seed gives the same timeline, jitter and tips included; another seed differs."""
    bank = load_tip_bank(bundled_tips_path())
    start = datetime(2026, 11, 2, tzinfo=timezone.utc)
    one, two, other = (simulate(bank, BERLIN, start, 7, seed) for seed in (1, 1, 2))
    assert [(s.at, s.tip.id) for s in one] == [(s.at, s.tip.id) for s in two]
    assert [(s.at, s.tip.id) for s in one] != [(s.at, s.tip.id) for s in other]


def test_progress_saved_in_the_future_does_not_silence_the_reminders() -> None:
    """A state written while the clock was a year ahead (then set right while nothing ran) re-anchors to now."""
    bank = load_tip_bank(bundled_tips_path())
    start = datetime(2026, 3, 2, 7, 0, tzinfo=timezone.utc)
    state = ServiceState.fresh(3)
    ahead = Reminders(bank, state, BERLIN, start + timedelta(days=365))
    ahead.take(ahead.next_due(start + timedelta(days=365)))  # type: ignore[arg-type]
    back = Reminders(bank, state, BERLIN, start)
    due = back.next_due(start)
    assert due is not None and due.at - start < timedelta(days=1)


CATEGORY = st.tuples(
    st.one_of(
        st.lists(st.integers(0, 24 * 60 - 1), min_size=1, max_size=4).map(lambda ms: {"at": ms}),
        st.tuples(st.integers(5, 300), st.integers(0, 22), st.integers(1, 23)).map(
            lambda t: {"every": t[0], "window": (t[1], min(t[1] + t[2], 23))}
        ),
    ),
    st.sampled_from(["daily", "weekdays", "sat,sun", "mon,wed"]),
    st.sampled_from([0, 5, 30, 90]),
)


def _category_yaml(index: int, spec: tuple[dict[str, object], str, int]) -> str:
    when, days, jitter = spec
    if "at" in when:
        minutes = when["at"]
        assert isinstance(minutes, list)
        timing = "at: [" + ", ".join(f'"{m // 60:02d}:{m % 60:02d}"' for m in sorted(set(minutes))) + "]"
    else:
        window = when["window"]
        assert isinstance(window, tuple)
        start, end = window
        timing = f'every: {when["every"]}m\n      window: "{start:02d}:00-{end:02d}:00"'
    return (
        f"  c{index}:\n    schedule:\n      {timing}\n      days: {days}\n      jitter: {jitter}m\n"
        f'    tips:\n      - {{id: t{index}, text: "Tip {index}.", source: art}}\n'
    )


@settings(max_examples=scale(25, 250), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(CATEGORY, min_size=1, max_size=12),
    st.sampled_from(['"22:00-08:00"', '"13:00-13:30"', "none"]),
    st.sampled_from(["1m", "45m", "3h"]),
    st.integers(1, 9),
    st.sampled_from(["10m", "1h", "6h"]),
    st.integers(0, 2**32 - 1),
)
def test_the_quick_search_finds_what_looking_at_every_category_finds(
    tmp_path: Path,
    categories: list[tuple[dict[str, object], str, int]],
    quiet: str,
    gap: str,
    daily_max: int,
    grace: str,
    seed: int,
) -> None:
    """A preview skips categories that cannot be next; over three weeks it sends exactly what computing
    every category's next reminder at each step (as `next` does) would send."""
    text = (
        f"settings:\n  quiet_hours: {quiet}\n  min_gap: {gap}\n  daily_max: {daily_max}\n  grace: {grace}\n"
        'sources:\n  art: "An article"\ncategories:\n'
        + "".join(_category_yaml(i, spec) for i, spec in enumerate(categories))
    )
    path = tmp_path / f"bank-{seed}.yaml"
    path.write_text(text)
    bank = load_tip_bank(path)
    start = datetime(2026, 3, 20, 5, 17, tzinfo=timezone.utc)  # the month of a DST change in Berlin
    end = start + timedelta(days=21)
    quick = Reminders(bank, ServiceState.fresh(seed), BERLIN, start).timeline(start, end)
    plain = Reminders(bank, ServiceState.fresh(seed), BERLIN, start)
    expected, now = [], start
    while (due := _first_of_all(plain, now)) is not None and due.at <= end:
        expected.append((due.at, plain.take(due).id))
        now = due.at
    assert [(s.at, s.tip.id) for s in quick] == expected


def _first_of_all(reminders: Reminders, now: datetime) -> Due | None:
    return min(
        (due for due in reminders.upcoming(now).values() if due), key=lambda due: (due.at, due.slot), default=None
    )
