"""Re-reading an edited tip file: what changed, and what the user is told when it is broken."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from dmer_tips.bank.load import TipFileUnreadable, parse_tip_bank, read_tip_file
from dmer_tips.bank.model import TipBank
from dmer_tips.errors import Problem, TipBankError
from dmer_tips.notify import Notification
from dmer_tips.notify.base import CLOSE
from dmer_tips.service.protocol import ReloadReport

NOTIFICATION_LIMIT = 240
PROBLEM_SHOW_FOR_S = 60.0


@dataclass(frozen=True)
class ReloadResult:
    """The outcome of the latest (re)load; `good_bytes` is the file content of the bank in use."""

    ok: bool
    at: datetime | None
    tips: int
    good_bytes: bytes
    problems: tuple[Problem, ...] = field(default=())

    @classmethod
    def loaded(cls, bank: TipBank, data: bytes, at: datetime) -> ReloadResult:
        return cls(True, at, len(bank.tips), data)

    def for_another_file(self) -> ReloadResult:
        """The bank in use stays, but the next read takes whatever the (new) file holds."""
        return replace(self, good_bytes=b"")

    def checked(self, at: datetime) -> ReloadResult:
        """The file was read again and still holds the bank in use."""
        return replace(self, ok=True, at=at, problems=())

    def failed(self, error: TipBankError, at: datetime) -> ReloadResult:
        return ReloadResult(False, at, self.tips, self.good_bytes, tuple(error.problems))

    def notification(self) -> Notification:
        """One gentle notification: its first line says the reminders go on; then the file, line and problem."""
        first = self.problems[0]
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        body = (
            f"Your reminders go on with the last good tips. {Path(first.path).name} line {first.line}:"
            f" {first.what} — {first.fix}{more}."
        )
        if len(body) > NOTIFICATION_LIMIT:
            body = body[: NOTIFICATION_LIMIT - 1].rsplit(" ", 1)[0] + "…"
        return Notification("Your tips file needs a look", body, "problem", PROBLEM_SHOW_FOR_S, (CLOSE,))

    def report(self) -> ReloadReport:
        return {
            "ok": self.ok,
            "at": self.at.isoformat() if self.at else None,
            "tips": self.tips,
            "problems": [str(p) for p in self.problems],
        }


def read_bank_if_changed(path: Path, last: ReloadResult) -> tuple[TipBank, bytes] | None:
    """The new bank and its bytes, or None when the file holds the bank already in use.

    Raises TipBankError when the file is broken or gone, so the caller keeps the last good bank.
    """
    try:
        data = read_tip_file(path)
    except TipFileUnreadable as error:
        raise TipBankError([error.problem]) from None
    if last.ok and data == last.good_bytes:
        return None
    return parse_tip_bank(data, str(path)), data
