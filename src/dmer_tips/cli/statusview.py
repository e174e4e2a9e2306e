"""The running service's status, for people (kept light: `dmer-tips status` must start fast)."""

from __future__ import annotations

from datetime import datetime, timedelta

from dmer_tips.moments import describe_moment
from dmer_tips.terminal import counted

TYPE_CHECKING = False  # `typing` stays off the start-up of `dmer-tips status`
if TYPE_CHECKING:
    from dmer_tips.service.protocol import Status


def status_text(status: Status, now: datetime) -> str:
    """The running service's status for people."""
    reload = status["reload"]
    reload_line = (
        f"OK at {_clock_of(reload['at'])}"
        if reload["ok"]
        else "PROBLEM, keeping the last good tips:\n    " + "\n    ".join(reload["problems"])
    )
    pause = status["pause"]
    upcoming = sorted(((at, name) for name, at in status["next"].items() if at), key=lambda item: item[0])
    tips = counted(status["tips"], "tip")
    lines = [
        f"dmer-tips is running (pid {status['pid']}), sending to {status['notifications_to']}.",
        f"tips file:   {status['tips_file']} ({tips})",
        f"last reload: {reload_line}",
        f"paused:      {pause['text'] if pause else 'no'}",
        f"sent today:  {status['sent_today']}",
    ]
    holding = status["holding"]
    if holding is not None:
        lines.append(
            f"holding:     {counted(holding['reminders'], 'reminder')}: {holding['why']}"
            f" (since {_clock_of(holding['since'], '%H:%M')}; it goes out when you are back, within grace)"
        )
    if pause is not None and pause["until"] is None:
        lines.append("next:        nothing until you resume (`dmer-tips resume`)")
    elif not upcoming:
        lines.append("next:        nothing within two weeks")
    else:
        lines.append("next:" + (" (after the pause)" if pause else ""))
        width = max(len(name) for _, name in upcoming)
        lines += [f"  {name:<{width}}  {_when(at, now)}" for at, name in upcoming]
    lines += [
        f"later:       {item['title']} again " + (f"at {_when(item['at'], now)}" if item["at"] else "after you resume")
        for item in status["snoozed"]
    ]
    lines += [
        f"coming up:   {name} at {_when(coming['time'], now)} (heads-up {_clock_of(coming['heads_up'], '%H:%M')})"
        for name, coming in sorted(status["heads_up"].items())
    ]
    session = status["session"]
    if session is not None:
        lines.append(f"companion:   {session['name']} is running, {counted(session['steps_left'], 'step')} to come")
    return "\n".join(lines)


def _clock_of(iso: str | None, form: str = "%a %H:%M") -> str:
    return datetime.fromisoformat(iso).strftime(form) if iso else "-"


def _when(iso: str, now: datetime) -> str:
    """`Mon 09:00`, with the date when it is not within the coming week."""
    moment = datetime.fromisoformat(iso)  # the service sends local times, with their offset
    if moment - now < timedelta(days=6) or moment.tzinfo is None:
        return f"{moment:%a %H:%M}"
    return describe_moment(moment, moment.tzinfo, now)
