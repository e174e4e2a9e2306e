"""Noticing that wall time jumped: a suspend, or the clock being set.

APScheduler waits on the monotonic clock, which stops while a laptop sleeps and ignores the clock being
set. Wall time minus monotonic time stays constant while time simply passes (NTP slews both alike), so a
change in that difference is a jump: forward after a suspend or a clock set forward, backward only when
the clock is set back. (`alarm.ClockSetAlarm` wakes the service the moment that happens, on Linux.)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone, tzinfo

TOLERANCE = timedelta(seconds=20)  # small NTP steps are not jumps worth re-planning for


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def local_zone() -> tzinfo:
    """The local time zone as it is now (tzlocal caches it, and a laptop may have travelled since)."""
    import tzlocal

    return tzlocal.reload_localzone()


class ClockWatch:
    """How far the wall clock moved beyond the time that passed, since the last look."""

    def __init__(self, wall: Callable[[], datetime] = utc_now, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._wall = wall
        self._monotonic = monotonic
        self._origin = self._wall_at_monotonic_zero()

    def _wall_at_monotonic_zero(self) -> datetime:
        """Constant while time simply passes; moves when the wall clock jumps."""
        return self._wall() - timedelta(seconds=self._monotonic())

    def jump(self) -> timedelta:
        """The jump since the last look (0 if none): positive after a suspend, negative when the clock was set back."""
        origin = self._wall_at_monotonic_zero()
        jumped, self._origin = origin - self._origin, origin
        return jumped if abs(jumped) > TOLERANCE else timedelta(0)
