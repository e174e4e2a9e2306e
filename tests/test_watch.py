"""The file watcher on its own: it settles bursts, survives errors, and comes back if its thread dies."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dmer_tips.service.watch import TipFileWatcher

from .editors import SAVE_STYLES


class Calls:
    def __init__(self, fail_first: bool = False) -> None:
        self.count = 0
        self.fail_first = fail_first
        self.seen = threading.Event()

    def __call__(self) -> None:
        self.count += 1
        self.seen.set()
        if self.fail_first and self.count == 1:
            raise RuntimeError("a bug in the reload")


@contextmanager
def watching(tmp_path: Path, calls: Calls, quiet_period_s: float = 0.05) -> Iterator[tuple[TipFileWatcher, Path]]:
    """A started watcher on a fresh tips.yaml in `tmp_path`, stopped afterwards."""
    path = tmp_path / "tips.yaml"
    path.write_text("a")
    watcher = TipFileWatcher(path, calls, quiet_period_s=quiet_period_s)
    watcher.start()
    try:
        yield watcher, path
    finally:
        watcher.stop()


def saved_and_noticed(calls: Calls, path: Path, text: str) -> bool:
    calls.seen.clear()
    SAVE_STYLES[0](path, text)
    return calls.seen.wait(timeout=5)


def test_a_burst_of_saves_is_one_change(tmp_path: Path) -> None:
    """Ten quick saves in every style are reported once, after they settle."""
    calls = Calls()
    with watching(tmp_path, calls, quiet_period_s=0.3) as (_, path):
        for index in range(10):
            SAVE_STYLES[index % len(SAVE_STYLES)](path, f"version {index}")
        assert calls.seen.wait(timeout=5)
    assert calls.count == 1


def test_an_error_in_the_reload_does_not_stop_watching(tmp_path: Path) -> None:
    """If handling one change fails, the next save is still noticed."""
    calls = Calls(fail_first=True)
    with watching(tmp_path, calls) as (_, path):
        assert saved_and_noticed(calls, path, "b")
        assert saved_and_noticed(calls, path, "c")
    assert calls.count == 2


def test_a_dead_watcher_is_restarted(tmp_path: Path) -> None:
    """`ensure_alive` (run once a minute by the service) brings back a watcher whose thread stopped."""
    calls = Calls()
    with watching(tmp_path, calls) as (watcher, path):
        watcher.stop()
        watcher.ensure_alive()
        assert saved_and_noticed(calls, path, "b")


def test_other_files_in_the_folder_are_ignored(tmp_path: Path) -> None:
    """Saving a different file next to tips.yaml is not a change to the tips."""
    calls = Calls()
    with watching(tmp_path, calls):
        (tmp_path / "notes.txt").write_text("hello")
        assert not calls.seen.wait(timeout=0.5)
