"""Load and check a tip file: bytes → text → located YAML nodes → a frozen TipBank, or every problem at once."""

from __future__ import annotations

import gc
from pathlib import Path

from dmer_tips.bank.checker import Checker
from dmer_tips.bank.model import TipBank
from dmer_tips.bank.validate import build_tip_bank
from dmer_tips.bank.yamlnodes import FatalYaml, Issue, compose
from dmer_tips.errors import DmerTipsError, Problem, TipBankError

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 16


def load_tip_bank(path: Path) -> TipBank:
    """Read and check `path`; raises TipBankError listing every problem as `PATH:LINE:COL: what — fix`."""
    return parse_tip_bank(read_tip_file(path), str(path))


def read_tip_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise DmerTipsError(
            f"{path}: no such file — check the path, or run `dmer-tips edit` to create your own copy"
        ) from None
    except OSError as error:
        raise DmerTipsError(f"{path}: cannot be read ({error.strerror}) — check its permissions") from None


def parse_tip_bank(data: bytes, label: str) -> TipBank:
    """Check tip-file bytes; `label` is the path shown in messages."""
    if len(data) > MAX_FILE_BYTES:
        size = f"{len(data) / 1_000_000:.1f} MB"
        raise TipBankError(
            [
                Problem(
                    label,
                    1,
                    1,
                    f"the file is {size}, over the {MAX_FILE_BYTES // 1_048_576} MB limit",
                    "a tip bank is far smaller; check that this is the right file",
                )
            ]
        )
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
