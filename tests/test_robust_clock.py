"""Suspends and clock steps, simulated: the service's rules hold whatever the clock does."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dmer_tips.bank.load import load_tip_bank
from dmer_tips.paths import bundled_tips_path
from dmer_tips.schedule.reminders import Reminders
from dmer_tips.schedule.state import ServiceState

from .robust import scale

pytestmark = pytest.mark.robustness
BANK = load_tip_bank(bundled_tips_path())
ZONE = ZoneInfo("Europe/Berlin")

# (kind, minutes): run normally, sleep (suspend: time passes, nothing runs), or set the clock by a step.
EVENTS = st.lists(
    st.one_of(
        st.tuples(st.just("run"), st.integers(1, 600)),
        st.tuples(st.just("suspend"), st.integers(1, 16 * 60)),
        st.tuples(st.just("step"), st.integers(-180, 180)),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=scale(60, 600), deadline=None)
@given(EVENTS, st.integers(0, 2**32 - 1))
def test_rules_hold_through_suspends_and_clock_steps(events: list[tuple[str, int]], seed: int) -> None:
    """Never in quiet hours, never closer than the gap, at most one per category after a wake.

    The gap is measured in the time the service can know has passed: real time, plus forward clock steps,
    which no program can tell apart from a suspend (the wall clock moves, the monotonic one does not).
    """
    real = datetime(2026, 11, 2, 7, 0, tzinfo=timezone.utc)  # time as it really passes, plus forward steps
    offset = timedelta(0)  # how far the wall clock is from `real`: the sum of backward steps
    reminders = Reminders(BANK, ServiceState.fresh(seed), ZONE, real)
    sent: list[tuple[datetime, datetime, str]] = []  # (real, wall, category)
    settings_ = BANK.settings
    for kind, minutes in events:
        span = timedelta(minutes=minutes)
        if kind == "step" and span > timedelta(0):
            real += span  # indistinguishable from a suspend of the same length
            continue
        if kind == "step":
            offset += span
            reminders.clock_stepped(span)
            continue
        if kind == "suspend":
            real += span
            woke_wall = real + offset
            after_wake = [s for s in _run(reminders, woke_wall, woke_wall + settings_.grace, offset, sent)]
            categories = [c for _, _, c in after_wake]
            assert len(categories) == len(set(categories)), "a flood after waking"
            real = woke_wall + settings_.grace - offset
            continue
        _run(reminders, real + offset, real + offset + span, offset, sent)
        real += span
    for _, wall_at, _ in sent:
        assert settings_.quiet_hours is None or not settings_.quiet_hours.contains(wall_at.astimezone(ZONE).time())
    for (a, _, _), (b, _, _) in pairwise(sent):
        assert b - a >= settings_.min_gap - timedelta(seconds=1)


def _run(
    reminders: Reminders,
    start_wall: datetime,
    end_wall: datetime,
    offset: timedelta,
    sent: list[tuple[datetime, datetime, str]],
) -> list[tuple[datetime, datetime, str]]:
    """Drive the reminders with the wall clock from `start_wall` to `end_wall`, as the service would."""
    new = [(s.at - offset, s.at, s.tip.category) for s in reminders.timeline(start_wall, end_wall)]
    sent.extend(new)
    return new
