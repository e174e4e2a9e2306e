"""Load and check a tip file: bytes → text → located YAML nodes → a frozen TipBank, or every problem at once."""

from __future__ import annotations

import gc
import os
from pathlib import Path

from dmer_tips.bank.checker import Checker
from dmer_tips.bank.model import TipBank
from dmer_tips.bank.validate import build_tip_bank
from dmer_tips.bank.yamlnodes import FatalYaml, Issue, compose
from dmer_tips.errors import DmerTipsError, Problem, TipBankError
from dmer_tips.storage import NotAPlainFile, open_plain

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 16


def load_tip_bank(path: Path) -> TipBank:
    """Read and check `path`; raises TipBankError listing every problem as `PATH:LINE:COL: what — fix`."""
    return parse_tip_bank(read_tip_file(path), str(path))


def read_tip_file(path: Path) -> bytes:
    """The file's bytes, read with a bound: a folder, a pipe, a device or a huge file is refused at once.

    Raises TipFileUnreadable when there is nothing to read, TipBankError when the file is too big.
    """
    try:
        with os.fdopen(open_plain(path), "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > MAX_FILE_BYTES:
                raise _too_big(str(path), size)
            return handle.read(MAX_FILE_BYTES + 1)
    except NotAPlainFile as error:
        if error.is_folder:
            raise _unreadable(
                path, "this is a folder, not a tip file", "give the path of the tips.yaml file inside it"
            ) from None
        raise _unreadable(
            path, "this is not a regular file (a pipe, socket or device)", "point at a tips.yaml file"
        ) from None
    except (FileNotFoundError, NotADirectoryError):
        raise _unreadable(
            path, "the file does not exist", "check the path, or run `dmer-tips edit` to make your own copy"
        ) from None
    except IsADirectoryError:
        raise _unreadable(
            path, "this is a folder, not a tip file", "give the path of the tips.yaml file inside it"
        ) from None
    except PermissionError:
        raise _unreadable(path, "you may not read this file", "check its permissions (chmod u+r)") from None
    except OSError as error:
        raise _unreadable(path, f"the file cannot be read ({error.strerror})", "check the path and the disk") from None


class TipFileUnreadable(DmerTipsError):
    """The tip file cannot be read at all (missing, a folder, a pipe, no permission): `PATH: what — fix`."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(f"{problem.path}: {problem.what} — {problem.fix}")


def _unreadable(path: Path, what: str, fix: str) -> TipFileUnreadable:
    return TipFileUnreadable(Problem(str(path), 1, 1, what, fix))


def _too_big(label: str, size: int) -> TipBankError:
    return TipBankError(
        [
            Problem(
                label,
                1,
                1,
                f"the file is {size / 1_000_000:.1f} MB, over the {MAX_FILE_BYTES // 1_048_576} MB limit",
                "a tip bank is far smaller; check that this is the right file",
            )
        ]
    )


def parse_tip_bank(data: bytes, label: str) -> TipBank:
    """Check tip-file bytes; `label` is the path shown in messages."""
    if len(data) > MAX_FILE_BYTES:
        raise _too_big(label, len(data))
    text = _decode(data, label)
    # The node tree has no cycles, so the cyclic garbage collector's passes over it are wasted work that
    # grows with the file; pausing it keeps loading linear in size.
    collecting = gc.isenabled()
    gc.disable()
    try:
        composed = compose(text, max_depth=MAX_DEPTH)
        checker = Checker(label)
        checker.problems.extend(_located(issue, label) for issue in composed.issues)
        bank = build_tip_bank(composed.root, checker)
    except FatalYaml as fatal:
        raise TipBankError([_located(issue, label) for issue in fatal.issues]) from None
    finally:
        if collecting:
            gc.enable()
    if bank is None or checker.problems:
        raise TipBankError(checker.problems)
    return bank


def _decode(data: bytes, label: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        bad = data[error.start]
        raise TipBankError(
            [Problem(label, line, column, f"byte 0x{bad:02x} is not UTF-8 text", "save the file with UTF-8 encoding")]
        ) from None


def _located(issue: Issue, label: str) -> Problem:
    return Problem(label, issue.mark.line, issue.mark.column, issue.what, issue.fix)
