"""Noticing that the tip file was saved, however the editor saves it, without polling while idle.

Editors save in place, truncate then write, write a temp file and rename it over the original, or delete
and recreate. So we watch the file's folder (kernel file events through watchdog) and report every event
that names the file; the service waits for the saving to settle before it reads, so a half-written file
is never used.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class TipFileWatcher:
    """Calls `on_touch()` (from watchdog's thread) for every save event of `path`. Never raises from its threads."""

    def __init__(self, path: Path, on_touch: Callable[[], None]) -> None:
        self.path = path.resolve()
        self.on_touch = on_touch
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
        log.error("cannot watch %s for changes; will try again later", self.path.parent)

    def ensure_alive(self) -> None:
        """Restart the watch if its thread died or never started (the service calls this whenever it wakes)."""
        if self._observer is None or not self._observer.is_alive():
            if self._observer is not None:
                log.warning("the file watcher stopped; restarting it")
            self._observer = None
            self.start()

    def _saw(self, event: Any) -> None:
        names = {Path(str(p)).name for p in (getattr(event, "src_path", ""), getattr(event, "dest_path", "")) if p}
        if self.path.name in names:
            self.on_touch()

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=2)
            self._observer = None
