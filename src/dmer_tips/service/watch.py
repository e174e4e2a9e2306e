"""Noticing that the tip file was saved, however the editor saves it, without polling while idle.

Editors save in place, truncate then write, write a temp file and rename it over the original, or delete
and recreate. So we watch the file's folder (kernel file events through watchdog) and report every event
that names the file; the service waits for the saving to settle before it reads, so a half-written file
is never used.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class TipFileWatcher:
    """Calls `on_touch(path)` (from watchdog's thread) for every save event of one of `paths`.

    Never raises from its threads. (Two paths when the service uses the bundled tips: it also watches for
    the user's own copy to appear.)
    """

    def __init__(self, paths: list[Path], on_touch: Callable[[Path], None]) -> None:
        # Events name the real folder (links resolved); the service knows each file by the path it was given.
        self.given = {path.parent.resolve() / path.name: path for path in paths}
        self.paths = set(self.given)
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
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        # Only what a save does: another program merely reading a file in the folder must not wake us.
        save_events = [FileCreatedEvent, FileModifiedEvent, FileClosedEvent, FileDeletedEvent, FileMovedEvent]
        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: Any) -> None:
                try:
                    watcher._saw(event)
                except Exception:  # an exception escaping here would kill the observer for good
                    log.exception("error while handling a file event")

        folders = sorted({path.parent for path in self.paths})
        # Kernel events first; stat polling only where they cannot be had (e.g. inotify limits reached).
        for how, make in (("kernel events", Observer), ("stat polling", PollingObserver)):
            observer = make()
            try:
                for folder in folders:
                    observer.schedule(Handler(), str(folder), recursive=False, event_filter=save_events)
                observer.start()
            except Exception:  # a missing folder or exhausted watches: try the next way, then retry later
                log.warning("cannot watch %s with %s", ", ".join(map(str, folders)), how, exc_info=True)
                continue
            self._observer = observer
            log.info("watching %s for changes (%s)", ", ".join(map(str, sorted(self.paths))), how)
            return
        log.error("cannot watch %s for changes; will try again later", ", ".join(map(str, folders)))

    def ensure_alive(self) -> None:
        """Restart the watch if any of its threads died or it never started (the service calls this on waking)."""
        if self._observer is not None and _all_alive(self._observer):
            return
        if self._observer is not None:
            log.warning("the file watcher stopped; restarting it")
            self.stop()
        self.start()

    def _saw(self, event: Any) -> None:
        for name in (getattr(event, "src_path", ""), getattr(event, "dest_path", "")):
            if not name:
                continue
            path = Path(os.fsdecode(name))
            touched = self.given.get(path.parent.resolve() / path.name)
            if touched is not None:
                self.on_touch(touched)

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=2)
            self._observer = None


def _all_alive(observer: Any) -> bool:
    """The observer, each folder's emitter, and every thread they hold (the one reading the kernel's events
    lives in a different place in each watchdog version, so it is found by what it is rather than by name)."""
    threads = [observer, *observer.emitters]
    for owner in list(threads):
        threads += [value for value in vars(owner).values() if isinstance(value, threading.Thread)]
    return all(thread.is_alive() for thread in threads)
