"""The let-down companion: a short sequence of grounding notifications for one feed or pump.

A session ignores quiet hours (a night feed is exactly when it is needed) and the daily maximum. The
service runs it when there is one; otherwise it runs here, in the foreground, until done or Ctrl-C.
Every step has a Stop button; the last one asks "How was it?" with one-touch answers for the journal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from dmer_tips.bank.model import Session
from dmer_tips.errors import DmerTipsError
from dmer_tips.notify import Action, Notification, Notifier
from dmer_tips.notify.base import CLOSE
from dmer_tips.schedule.pause import Pause

QUESTION = "How was it?"
LOG_HINT = "Note it with: dmer-tips log 0-5"
STOP = Action("stop", "Stop")
# One touch at the end writes the journal entry: no wave (0), a mild wave (2), a strong one (4) on the 0-5 scale.
ANSWERS = {"none": 0, "mild": 2, "strong": 4}
ANSWER_ACTIONS = (Action("none", "No wave"), Action("mild", "Mild"), Action("strong", "Strong"))
STEP_SHOW_FOR_S = 120.0  # a step stays until the next one has come
LAST_STEP_SHOW_FOR_S = 600.0  # time to answer once the hands are free


@dataclass(frozen=True)
class PlannedStep:
    at: datetime
    notification: Notification


def plan_session(session: Session, start: datetime, discreet: bool = False) -> list[PlannedStep]:
    """Each step's time and what it shows: a Stop button on each, and on the last the one-touch answers
    (`discreet`: titles that do not say what it is about, see Notification.discreetly)."""
    planned = []
    for index, step in enumerate(session.steps):
        if index < len(session.steps) - 1:
            shown = Notification(step.title, step.text, "companion", STEP_SHOW_FOR_S, (CLOSE, STOP))
        else:
            shown = Notification(
                step.title,
                f"{step.text} {QUESTION}",
                "companion",
                LAST_STEP_SHOW_FOR_S,
                (CLOSE, *ANSWER_ACTIONS),
                LOG_HINT,
            )
        planned.append(PlannedStep(start + step.after, shown.discreetly() if discreet else shown))
    return planned


def refuse_if_paused(pause: Pause | None, now: datetime, zone: tzinfo) -> None:
    """For `--respect-pause`: a session does not start while reminders are paused."""
    if pause is not None and pause.active(now):
        raise DmerTipsError(
            f"reminders are paused {pause.describe(zone, now)}, so the session was not started"
            " — leave out --respect-pause to start it anyway"
        )


def describe_plan(planned: list[PlannedStep], zone: tzinfo) -> str:
    return "\n".join(
        f"{p.at.astimezone(zone):%H:%M:%S}  {p.notification.title}: {p.notification.body}" for p in planned
    )


def run_here(
    planned: list[PlannedStep],
    notifier: Notifier,
    clock: Callable[[], datetime],
    sleep: Callable[[float], None],
) -> int:
    """Send each step at its time; returns how many were sent. Ctrl-C (KeyboardInterrupt) stops early."""
    sent = 0
    try:
        for step in planned:
            wait = (step.at - clock()).total_seconds()
            if wait > 0:
                sleep(wait)
            notifier.send(step.notification)
            sent += 1
    except KeyboardInterrupt:
        pass
    return sent
