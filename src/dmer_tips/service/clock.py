"""Noticing that wall time jumped: a suspend, or the clock being set.

APScheduler waits on the monotonic clock, which stops while a laptop sleeps, so it cannot see either.
Comparing how far the wall clock and the monotonic clock moved between two looks tells us.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

TOLERANCE = timedelta(seconds=20)  # small NTP slews are not jumps


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class ClockWatch:
    def __init__(self, wall: Callable[[], datetime] = utc_now, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._wall = wall
        self._monotonic = monotonic
        self._last_wall = wall()
        self._last_monotonic = monotonic()

    def jump(self) -> timedelta:
        """How far the wall clock moved beyond the time that really passed since the last look (0 if none)."""
        wall, monotonic = self._wall(), self._monotonic()
        jumped = (wall - self._last_wall) - timedelta(seconds=monotonic - self._last_monotonic)
        self._last_wall, self._last_monotonic = wall, monotonic
        return jumped if abs(jumped) > TOLERANCE else timedelta(0)
