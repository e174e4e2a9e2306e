"""The project's one base error, and tip-bank problems that point at a place in a file."""

from __future__ import annotations

from collections import namedtuple


class DmerTipsError(Exception):
    """A mistake or condition the user can act on; the CLI shows it as `Error: …`, never a traceback."""

    exit_code = 1


class Problem(namedtuple("Problem", "path line column what fix")):
    """One thing wrong in a tip file, with where it is and how to fix it (1-based line and column).

    Fields: `path: str`, `line: int`, `column: int`, `what: str`, `fix: str`.
    """

    __slots__ = ()

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.what} — {self.fix}"


class TipBankError(DmerTipsError):
    """A tip file that cannot be used; carries every problem found, in file order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line, p.column))
        super().__init__("\n".join(str(p) for p in self.problems))


def did_you_mean(word: str, choices: list[str]) -> str | None:
    """`did you mean "x"?` for the closest choice, or None when nothing is close."""
    import difflib  # only when there is a mistake to explain

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f'did you mean "{close[0]}"?' if close else None
