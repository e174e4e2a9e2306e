"""A faked wall clock for a real process (libfaketime), which a test can jump like a suspend or a clock set.

The process sees real time plus an offset read from a file on every clock read; its monotonic clock stays
real (DONT_FAKE_MONOTONIC), as after a real suspend. The kernel never sees a fake jump, so each jump is
followed by a real no-op set of the wall clock, which fires the kernel's clock-was-set notice exactly as
a resume or `date -s` does. That needs root.
"""

from __future__ import annotations

import glob
import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .conftest import require

LIBRARY_PATTERNS = ("/usr/lib/*/faketime/libfaketime.so.1", "/usr/lib/faketime/libfaketime.so.1")


def usable_faketime() -> tuple[str | None, str]:
    """The libfaketime library when a faked clock can be used here, else None and why not."""
    found = [path for pattern in LIBRARY_PATTERNS for path in glob.glob(pattern)]
    if not found:
        return None, "clock test needs libfaketime (Debian: apt-get install faketime)"
    if not hasattr(os, "getuid") or os.getuid() != 0:
        return None, "clock test needs root, so the kernel announces each jump"
    return found[0], ""


def faketime_library() -> str:
    """The libfaketime library; skips (or fails, where CI demands every test) when it cannot be used."""
    library, why_not = usable_faketime()
    require(library is not None, why_not)
    assert library is not None
    return library


class FakeWallClock:
    """The wall clock of processes started with `env`; starts at `start` and runs at real speed."""

    def __init__(self, folder: Path, start: datetime) -> None:
        self.library = faketime_library()
        self.file = folder / "faketime.offset"
        self.offset_s = round((start - datetime.now(timezone.utc)).total_seconds())
        self._write()

    @property
    def env(self) -> dict[str, str]:
        return {
            "LD_PRELOAD": self.library,
            "FAKETIME_TIMESTAMP_FILE": str(self.file),
            "FAKETIME_NO_CACHE": "1",
            "DONT_FAKE_MONOTONIC": "1",
        }

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + timedelta(seconds=self.offset_s)

    def jump(self, delta: timedelta) -> None:
        """Move the faked wall clock by `delta` at once (a suspend when forward; a clock set either way)."""
        self.offset_s += round(delta.total_seconds())
        self._write()
        self.kernel_notices()

    def jump_to(self, moment: datetime) -> None:
        self.jump(moment - self.now())

    @staticmethod
    def kernel_notices() -> None:
        time.clock_settime(time.CLOCK_REALTIME, time.clock_gettime(time.CLOCK_REALTIME))

    def _write(self) -> None:
        temp = self.file.with_suffix(".tmp")
        temp.write_text(f"{self.offset_s:+d}\n")
        os.replace(temp, self.file)
