"""Generated tip banks and the editors' save styles, shared by the benchmarks."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

HEADER = 'settings:\n  quiet_hours: "22:00-08:00"\nsources:\n  art: "An article"\ncategories:\n'


def generated_bank(tips: int, per_category: int = 100) -> str:
    """A valid bank of `tips` tips, `per_category` to a category."""
    parts = [HEADER]
    for index in range(tips):
        if index % per_category == 0:
            parts.append(
                f'  c{index // per_category}:\n    schedule:\n      at: "{10 + index // per_category % 10}:00"\n    tips:\n'
            )
        parts.append(
            f'      - id: t{index}\n        text: "Gentle tip number {index}: breathe slowly."\n        source: art\n'
        )
    return "".join(parts)


def _in_place(path: Path, text: str) -> None:
    with open(path, "r+", encoding="utf-8") as handle:
        handle.write(text)
        handle.truncate()


def _truncate_then_write(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.flush()
        os.fsync(handle.fileno())
        handle.write(text)


def _temp_and_rename(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def _like_vim(path: Path, text: str) -> None:
    backup = path.with_name(path.name + "~")
    os.replace(path, backup)
    path.write_text(text, encoding="utf-8")
    backup.unlink()


def _delete_and_recreate(path: Path, text: str) -> None:
    path.unlink()
    path.write_text(text, encoding="utf-8")


def save_styles() -> dict[str, Callable[[Path, str], None]]:
    return {
        "in place": _in_place,
        "truncate then write": _truncate_then_write,
        "temp file + rename": _temp_and_rename,
        "vim (backup~ + new)": _like_vim,
        "delete + recreate": _delete_and_recreate,
    }
