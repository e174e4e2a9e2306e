"""What the service needs of timers: keyed one-shot timers on the wall clock that post a message when due."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol


class Timers(Protocol):
    """APScheduler in the service (`loop.SchedulerTimers`), a fake that a test's clock drives in tests."""

    def at(self, key: str, when: datetime, message: Any) -> None:
        """Post `message` at `when`; replaces the timer of the same key."""

    def cancel(self, key: str) -> bool:
        """Cancel the timer `key`; False when there was none (it already fired)."""

    def shift(self, delta: timedelta) -> None:
        """The wall clock was set by `delta` without time passing: every timer keeps its distance from now."""
