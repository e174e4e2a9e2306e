"""Noticing that the tip file was saved, however the editor saves it, without polling while idle.

Editors save in place, truncate then write, write a temp file and rename it over the original, or delete
and recreate. So we watch the file's folder (kernel file events through watchdog), react to any event
that names the file, and report a change only after a quiet period, so a half-written file is never used.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
QUIET_PERIOD_S = 0.3


class TipFileWatcher:
    """Calls `on_change()` once a burst of saves to `path` has settled. Never raises from its threads."""

    def __init__(self, path: Path, on_change: Callable[[], None], quiet_period_s: float = QUIET_PERIOD_S) -> None:
        self.path = path.resolve()
        self.on_change = on_change
        self.quiet_period_s = quiet_period_s
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()
        self._observer: Any = None

    def start(self) -> None:
        """Begin watching; a folder that cannot be watched is logged, and `ensure_alive` retries later."""
        from watchdog.events import (
            FileClosedEvent,
            FileCreatedEvent,
            FileDeletedEvent,
            FileModifiedEvent,
            FileMovedEvent,
            FileSystemEventHandler,
        )

        # Only what a save does: another program merely reading a file in the folder must not wake us.
        SAVE_EVENTS = [FileCreatedEvent, FileModifiedEvent, FileClosedEvent, FileDeletedEvent, FileMovedEvent]
        from watchdog.observers import Observer

        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: Any) -> None:
                try:
                    watcher._saw(event)
                except Exception:  # an exception escaping here would kill the observer for good
                    log.exception("error while handling a file event")

        from watchdog.observers.polling import PollingObserver

        # Kernel events first; stat polling only where they cannot be had (e.g. inotify limits reached).
        for how, make in (("kernel events", Observer), ("stat polling", PollingObserver)):
            observer = make()
            try:
                observer.schedule(Handler(), str(self.path.parent), recursive=False, event_filter=SAVE_EVENTS)
                observer.start()
            except Exception:  # a missing folder or exhausted watches: try the next way, then retry later
                log.warning("cannot watch %s with %s", self.path.parent, how, exc_info=True)
                continue
            self._observer = observer
            log.info("watching %s for changes (%s)", self.path, how)
            return
        log.error("cannot watch %s for changes; will try again in a minute", self.path.parent)

    def ensure_alive(self) -> None:
        """Restart the watch if its thread died or never started (called once a minute)."""
        if self._observer is None or not self._observer.is_alive():
            if self._observer is not None:
                log.warning("the file watcher stopped; restarting it")
            self._observer = None
            self.start()

    def _saw(self, event: Any) -> None:
        names = {Path(str(p)).name for p in (getattr(event, "src_path", ""), getattr(event, "dest_path", "")) if p}
        if self.path.name not in names:
            return
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(self.quiet_period_s, self._settled)
            self._timer.daemon = True
            self._timer.start()

    def _settled(self) -> None:
        try:
            self.on_change()
        except Exception:
            log.exception("error while reloading after a change")

    def stop(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=2)
