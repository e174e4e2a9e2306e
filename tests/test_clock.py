"""Noticing wall-clock jumps: the arithmetic with fake clocks, and the kernel's alarm on the real clock."""

from __future__ import annotations

import os
import select
import time
from datetime import datetime, timedelta, timezone

import pytest

from dmer_tips.service.alarm import ClockSetAlarm
from dmer_tips.service.clock import ClockWatch


class FakeClocks:
    def __init__(self) -> None:
        self.wall = datetime(2026, 5, 4, 12, tzinfo=timezone.utc)
        self.mono = 1000.0

    def tick(self, seconds: float) -> None:
        self.wall += timedelta(seconds=seconds)
        self.mono += seconds


def test_normal_time_passing_is_no_jump() -> None:
    """A minute of ordinary time (with a little drift) reports no jump."""
    clocks = FakeClocks()
    watch = ClockWatch(lambda: clocks.wall, lambda: clocks.mono)
    clocks.tick(60)
    clocks.wall += timedelta(seconds=2)
    assert watch.jump() == timedelta(0)


def test_suspend_is_a_forward_jump() -> None:
    """8 hours of suspend (monotonic time stopped) reads as the wall clock jumping 8 hours ahead."""
    clocks = FakeClocks()
    watch = ClockWatch(lambda: clocks.wall, lambda: clocks.mono)
    clocks.tick(30)
    clocks.wall += timedelta(hours=8)
    assert watch.jump() == timedelta(hours=8)
    clocks.tick(60)
    assert watch.jump() == timedelta(0)


def test_clock_set_back_is_a_backward_jump() -> None:
    """Setting the clock back an hour reads as a jump of minus one hour."""
    clocks = FakeClocks()
    watch = ClockWatch(lambda: clocks.wall, lambda: clocks.mono)
    clocks.tick(60)
    clocks.wall -= timedelta(hours=1)
    assert watch.jump() == -timedelta(hours=1)


def test_slow_drift_never_adds_up_to_a_jump() -> None:
    """A second of drift a minute for an hour is never reported: each look compares with the one before."""
    clocks = FakeClocks()
    watch = ClockWatch(lambda: clocks.wall, lambda: clocks.mono)
    for _ in range(60):
        clocks.tick(60)
        clocks.wall += timedelta(seconds=1)
        assert watch.jump() == timedelta(0)


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="setting the clock needs root")
def test_the_alarm_wakes_when_the_clock_is_set() -> None:
    """A no-op set of the wall clock (as after a resume or `date -s`) makes the alarm readable at once."""
    alarm = ClockSetAlarm.if_available()
    assert alarm is not None
    try:
        readable, _, _ = select.select([alarm], [], [], 0)
        assert readable == [] and not alarm.clock_was_set()
        time.clock_settime(time.CLOCK_REALTIME, time.clock_gettime(time.CLOCK_REALTIME))
        readable, _, _ = select.select([alarm], [], [], 5)
        assert readable == [alarm] and alarm.clock_was_set()
        alarm.arm()
        readable, _, _ = select.select([alarm], [], [], 0)
        assert readable == [], "armed again, it waits for the next change"
    finally:
        alarm.close()


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="setting the clock needs root")
def test_the_service_survives_the_clock_being_set_again_and_again() -> None:
    """Hundreds of clock sets milliseconds apart (a resume, then NTP steps) never stop the service."""
    from .serviceproc import ServiceProcess

    with ServiceProcess() as service:
        for index in range(300):
            time.clock_settime(time.CLOCK_REALTIME, time.clock_gettime(time.CLOCK_REALTIME))
            if index % 30 == 0:
                assert service.status()["running"] is True
        assert service.stop() == 0
