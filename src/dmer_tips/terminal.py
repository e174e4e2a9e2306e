"""Printing for people at a terminal: long lines wrap between words, continuing under their own column.

Wrapping happens only for a terminal (or when $COLUMNS says how wide): output piped into another program,
or into a log, keeps one record per line. The CLI and the service's own terminal lines both print here.
"""

from __future__ import annotations

import os
import re
import sys

TYPE_CHECKING = False  # `typing` costs every command's start-up a few milliseconds; annotations need no import
if TYPE_CHECKING:
    from typing import TextIO

_COLUMN_GAP = re.compile(r"\S(\s{2,})(?=\S)")  # two or more spaces between columns of a table line
_FALLBACK_INDENT = 2
NARROWEST = 20


def terminal_width(stream: TextIO | None = None) -> int | None:
    """$COLUMNS, else the width of the terminal `stream` (standard output) writes to, else None (not a terminal,
    or a width too small to be real: some terminals report 0)."""
    try:
        width = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        try:
            width = os.get_terminal_size((stream or sys.stdout).fileno()).columns
        except (OSError, ValueError, AttributeError):
            return None
    return width if width >= NARROWEST else None


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """`1 tip`, `2 tips`, `3 categories`."""
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def show(text: str, stream: TextIO | None = None) -> None:
    """Print `text` to `stream` (standard output), each long line wrapped to the terminal."""
    out = stream or sys.stdout
    width = terminal_width(out)
    lines = text.split("\n") if width is None else [part for line in text.split("\n") for part in wrap(line, width)]
    print("\n".join(lines), file=out, flush=True)


def wrap(line: str, width: int) -> list[str]:
    """`line` broken between words to fit `width`; continuations start under the line's last column."""
    if len(line) <= width:
        return [line]
    indent = _hanging_indent(line, width)
    lines: list[str] = []
    current = line
    while len(current) > width:
        cut = current.rfind(" ", indent + 1, width + 1)
        if cut <= indent or not current[indent:cut].strip():
            # One word longer than the line (a path): it overflows whole, so it can still be copied.
            cut = current.find(" ", width)
            if cut < 0:
                break
        lines.append(current[:cut].rstrip())
        current = " " * indent + current[cut:].lstrip()
    lines.append(current)
    return lines


def _hanging_indent(line: str, width: int) -> int:
    """Where continuation lines start: after the last column gap in the first two thirds, else a little in."""
    gaps = [match.end(1) for match in _COLUMN_GAP.finditer(line) if match.end(1) <= width * 2 // 3]
    if gaps:
        return gaps[-1]
    leading = len(line) - len(line.lstrip(" "))
    return min(leading + _FALLBACK_INDENT, width // 2)
