"""The ways editors save a file, for the reload tests and the reload benchmark."""

from __future__ import annotations

import os
from pathlib import Path


def save_in_place(path: Path, text: str) -> None:
    """Like nano: rewrite the same file."""
    with open(path, "r+", encoding="utf-8") as handle:
        handle.write(text)
        handle.truncate()


def save_truncate_then_write(path: Path, text: str) -> None:
    """Like VS Code: a reader can see the empty file between the two steps."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.flush()
        os.fsync(handle.fileno())
        handle.write(text)


def save_temp_and_rename(path: Path, text: str) -> None:
    """Like gedit and JetBrains: write a temp file beside it, then rename over it."""
    temp = path.with_name(f".{path.name}.tmp123")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def save_like_vim(path: Path, text: str) -> None:
    """Like vim outside /tmp: move the original to `tips.yaml~`, write a new file, remove the backup."""
    backup = path.with_name(path.name + "~")
    os.replace(path, backup)
    path.write_text(text, encoding="utf-8")
    backup.unlink()


def save_delete_and_recreate(path: Path, text: str) -> None:
    path.unlink()
    path.write_text(text, encoding="utf-8")


SAVE_STYLES = [save_in_place, save_truncate_then_write, save_temp_and_rename, save_like_vim, save_delete_and_recreate]
