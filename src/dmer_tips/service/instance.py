"""One service per user: an exclusive lock on a file in the state dir, released by the OS on any exit."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

from dmer_tips.errors import DmerTipsError
from dmer_tips.storage import open_private


class AlreadyRunning(DmerTipsError):
    exit_code = 4

    def __init__(self, pid: str) -> None:
        super().__init__(f"already running (pid {pid}) — stop it with `dmer-tips stop`, or see `dmer-tips status`")


class InstanceLock:
    """Held for the life of the service; a killed service leaves no stale lock because the kernel drops it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        handle = open(open_private(self.path), "r+", encoding="ascii")  # noqa: SIM115 - held open while running
        try:
            _lock(handle)
        except OSError:
            handle.seek(0)
            pid = handle.read().strip() or "unknown"
            handle.close()
            raise AlreadyRunning(pid) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(handle: IO[str]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)

else:
    import fcntl

    def _lock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
