"""Suspends and clock steps in any order, in-process: the service's own handling keeps its rules.

The real `Service` on the bundled tips, built from fakes; hypothesis picks a sequence of ordinary time,
suspends and clock steps, applied as the loop would (timers fire at their times; a jump is announced
with ClockJumped). The real process under a faked clock is tested in test_clock_real.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmer_tips.paths import bundled_tips_path
from dmer_tips.service.messages import ClockJumped

from .fakes import build_service
from .robust import scale

pytestmark = pytest.mark.robustness

# (kind, minutes): time passes normally, the laptop sleeps (the wall clock jumps ahead), or the clock is set.
EVENTS = st.lists(
    st.one_of(
        st.tuples(st.just("run"), st.integers(1, 600)),
        st.tuples(st.just("suspend"), st.integers(1, 16 * 60)),
        st.tuples(st.just("step"), st.integers(-180, 180)),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=scale(40, 400), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(EVENTS, st.integers(0, 2**32 - 1))
def test_rules_hold_through_suspends_and_clock_steps(tmp_path: Path, events: list[tuple[str, int]], seed: int) -> None:
    """Never in quiet hours, never closer than the gap, at most one per category after a wake.

    The gap is measured in the time the service can know has passed: real time plus forward jumps, which
    no program can tell apart from a suspend (the wall clock moves, the monotonic one does not).
    """
    start = datetime(2026, 11, 2, 7, 0, tzinfo=timezone.utc)
    harness = build_service(tmp_path / str(seed), bundled_tips_path().read_text(), start, seed=seed)
    bank = harness.service.reminders.bank
    category_of = {tip.text: tip.category for tip in bank.tips}
    known = timedelta(0)  # the time the service can know has passed
    sent: list[tuple[timedelta, datetime]] = []  # (known time, wall time) of each tip

    def run_for(span: timedelta) -> list[str]:
        """Let `span` pass; the categories sent meanwhile."""
        nonlocal known
        first, wall = len(harness.desktop.shown), harness.now
        harness.advance(span)
        for when in harness.desktop.times[first:]:
            sent.append((known + (when - wall), when))
        known += span
        return [category_of[n.body] for n in harness.desktop.shown[first:]]

    for kind, minutes in events:
        span = timedelta(minutes=minutes)
        if kind == "run":
            run_for(span)
            continue
        harness.now += span
        if span > timedelta(0):
            known += span  # a suspend, or the clock set ahead: both look like time that passed
        harness.send(ClockJumped(span))
        if kind == "suspend":
            categories = run_for(bank.settings.grace)
            assert len(categories) == len(set(categories)), "a flood after waking"
    if known >= timedelta(days=2):
        assert sent, "two days passed and nothing was sent: the service is not working at all"
    quiet, zone = bank.settings.quiet_hours, harness.service.zone
    for _, wall in sent:
        assert quiet is None or not quiet.contains(wall.astimezone(zone).time())
    for (a, _), (b, _) in pairwise(sent):
        assert b - a >= bank.settings.min_gap - timedelta(seconds=1)
