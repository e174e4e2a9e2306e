"""The running service's status, for people (kept light: `dmer-tips status` must start fast)."""

from __future__ import annotations

from datetime import datetime

TYPE_CHECKING = False  # `typing` stays off the start-up of `dmer-tips status`
if TYPE_CHECKING:
    from typing import Any


def status_text(status: dict[str, Any], now: datetime) -> str:
    """The running service's status for people."""
    reload = status["reload"]
    reload_line = (
        f"OK at {_clock_of(reload['at'])}"
        if reload["ok"]
        else "PROBLEM, keeping the last good tips:\n    " + "\n    ".join(reload["problems"])
    )
    paused_line = status["pause"]["text"] if status["pause"] else "no"
    upcoming = sorted(((at, name) for name, at in status["next"].items() if at), key=lambda item: item[0])
    lines = [
        f"dmer-tips is running (pid {status['pid']}), sending to {status['notifications_to']}.",
        f"tips file:   {status['tips_file']} ({status['tips']} tips)",
        f"last reload: {reload_line}",
        f"paused:      {paused_line}",
        f"sent today:  {status['sent_today']}",
        "next:",
    ]
    width = max((len(name) for _, name in upcoming), default=0)
    lines += [f"  {name:<{width}}  {_clock_of(at)}" for at, name in upcoming]
    return "\n".join(lines)


def _clock_of(iso: str | None) -> str:
    return datetime.fromisoformat(iso).strftime("%a %H:%M") if iso else "-"
