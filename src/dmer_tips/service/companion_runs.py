"""The let-down companion inside the service: one run at a time, its steps on timers, its one-touch answers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from dmer_tips.bank.model import Session
from dmer_tips.companion import ANSWERS, STOP, PlannedStep, plan_session
from dmer_tips.errors import DmerTipsError
from dmer_tips.journal import Episode, Journal
from dmer_tips.notify import Notification
from dmer_tips.notify.base import CLOSE
from dmer_tips.service.messages import SessionStep
from dmer_tips.service.protocol import SessionReport
from dmer_tips.service.timers import Timers

log = logging.getLogger(__name__)
STEP_GRACE = timedelta(minutes=2)  # a step later than this (the laptop slept) is skipped, not sent late
NOT_SAVED_SHOW_FOR_S = 60.0
Show = Callable[[Notification, Callable[[str], None] | None], None]


@dataclass
class _Run:
    run: int
    name: str
    started: datetime
    steps: list[PlannedStep]
    sent: int = 0


class CompanionRuns:
    """Starts, steps through and stops companion sessions; a one-touch answer on the last step goes to the journal."""

    def __init__(self, clock: Callable[[], datetime], timers: Timers, show: Show, journal: Journal) -> None:
        self._clock = clock
        self._timers = timers
        self._show = show
        self._journal = journal
        self._current: _Run | None = None
        self._runs = 0

    def start(self, session: Session) -> bool:
        """Plan `session`'s steps from now; one already running is replaced, never doubled (then True)."""
        replaced = self.stop() > 0
        self._runs += 1
        now = self._clock()
        steps = plan_session(session, now)
        self._current = _Run(self._runs, session.name, now, steps)
        for index, step in enumerate(steps):
            self._timers.at(_step_key(self._runs, index), step.at, SessionStep(self._runs, index))
        log.info("session %s started (%d steps)%s", session.name, len(steps), ", replacing one" if replaced else "")
        return replaced

    def stop(self) -> int:
        """Cancel the steps still to come; returns how many there were."""
        run, self._current = self._current, None
        if run is None:
            return 0
        return sum(self._timers.cancel(_step_key(run.run, index)) for index in range(len(run.steps)))

    def step(self, run: int, index: int) -> None:
        """Step `index` of run `run` is due: show it, unless that run was stopped or replaced, or it is stale."""
        current = self._current
        if current is None or current.run != run:
            return
        step = current.steps[index]
        late = self._clock() - step.at
        if late > STEP_GRACE:
            log.info("skipping companion step %d, %s late (the computer was asleep?)", index + 1, late)
        else:
            self._show(step.notification, lambda key: self._pressed(current, key))
        current.sent = index + 1
        if current.sent == len(current.steps):
            self._current = None

    def _pressed(self, run: _Run, key: str) -> None:
        if key == STOP.key:
            if self._current is run:
                log.info("session stopped from its notification (%d steps cancelled)", self.stop())
        elif key in ANSWERS:
            # Dated when the feed began, so the journal and "the last feed" of a rhythm agree after a restart.
            try:
                self._journal.record(Episode(run.started, ANSWERS[key], (), "noted from the companion"))
            except DmerTipsError as error:
                log.error("the one-touch answer could not be saved: %s", error)
                self._show(not_saved(error), None)
                return
            log.info("noted from the companion: %s", key)

    @property
    def running(self) -> bool:
        return self._current is not None

    def report(self) -> SessionReport | None:
        current = self._current
        return {"name": current.name, "steps_left": len(current.steps) - current.sent} if current else None


def not_saved(error: DmerTipsError) -> Notification:
    return Notification(
        "Your answer was not saved",
        f"Note it later with: dmer-tips log 0-5. The journal said: {error}",
        "notice",
        NOT_SAVED_SHOW_FOR_S,
        (CLOSE,),
    )


def _step_key(run: int, index: int) -> str:
    return f"session-{run}-{index}"
