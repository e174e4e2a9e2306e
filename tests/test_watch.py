"""The file watcher on its own: every save style is seen, errors do not stop it, and it comes back if its thread dies."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from dmer_tips.service.watch import TipFileWatcher

from .editors import SAVE_STYLES


class Calls:
    def __init__(self, fail_first: bool = False) -> None:
        self.count = 0
        self.fail_first = fail_first
        self.seen = threading.Event()

    def __call__(self, _path: Path) -> None:
        self.count += 1
        self.seen.set()
        if self.fail_first and self.count == 1:
            raise RuntimeError("a bug in the reload")


@contextmanager
def watching(tmp_path: Path, calls: Calls) -> Iterator[tuple[TipFileWatcher, Path]]:
    """A started watcher on a fresh tips.yaml in `tmp_path`, stopped afterwards."""
    path = tmp_path / "tips.yaml"
    path.write_text("a")
    watcher = TipFileWatcher([path], calls)
    watcher.start()
    try:
        yield watcher, path
    finally:
        watcher.stop()


def saved_and_noticed(calls: Calls, path: Path, text: str, style: int = 0) -> bool:
    calls.seen.clear()
    SAVE_STYLES[style](path, text)
    return calls.seen.wait(timeout=30)


def test_every_save_style_is_noticed(tmp_path: Path) -> None:
    """In place, truncate then write, temp and rename, like vim, delete and recreate: each save is seen."""
    calls = Calls()
    with watching(tmp_path, calls) as (_, path):
        for style in range(len(SAVE_STYLES)):
            assert saved_and_noticed(calls, path, f"version {style}", style), SAVE_STYLES[style].__name__


def test_an_error_in_the_reload_does_not_stop_watching(tmp_path: Path) -> None:
    """If handling one event fails, the next save is still noticed."""
    calls = Calls(fail_first=True)
    with watching(tmp_path, calls) as (_, path):
        assert saved_and_noticed(calls, path, "b")
        assert saved_and_noticed(calls, path, "c")


def test_a_dead_watcher_is_restarted(tmp_path: Path) -> None:
    """`ensure_alive` (run whenever the service wakes) brings back a watcher whose thread stopped."""
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


def test_a_watcher_whose_kernel_reader_died_is_restarted(tmp_path: Path) -> None:
    """If a thread the watcher relies on dies while the observer lives on, it is noticed and saves are seen again."""
    calls = Calls()
    with watching(tmp_path, calls) as (watcher, path):
        observer = watcher._observer
        helpers = [
            value
            for owner in (observer, *observer.emitters)
            for value in vars(owner).values()
            if isinstance(value, threading.Thread)
        ]
        if not helpers:
            pytest.skip("this platform's watcher has no thread of its own to lose")
        for helper in helpers:
            helper.stop()  # type: ignore[attr-defined]  # watchdog's threads can be stopped
            helper.join(timeout=10)
        assert observer.is_alive(), "only the helper thread is gone"
        watcher.ensure_alive()
        assert watcher._observer is not observer
        assert saved_and_noticed(calls, path, "after the restart")
