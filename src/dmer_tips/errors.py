"""The project's one base error, and tip-bank problems that point at a place in a file."""

from __future__ import annotations

from dataclasses import dataclass


class DmerTipsError(Exception):
    """A mistake or condition the user can act on; the CLI shows it as `Error: …`, never a traceback."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a tip file, with where it is and how to fix it (1-based line and column)."""

    path: str
    line: int
    column: int
    what: str
    fix: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.what} — {self.fix}"


class TipBankError(DmerTipsError):
    """A tip file that cannot be used; carries every problem found, in file order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line, p.column))
        super().__init__("\n".join(str(p) for p in self.problems))
