"""`dmer-tips run`: the long-running service, wiring the reminders to APScheduler, the clock and the desktop.

Everything runs on APScheduler's one thread (its debug executor runs jobs in place), so the reminders and
their state are only ever touched by one thread, and an idle service sleeps until the next job.
Two kinds of job exist: the next delivery (a one-off at the planned time) and a once-a-minute look at
the clock, which notices a suspend or a clock change that APScheduler's monotonic wait cannot see.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, TextIO

from apscheduler.executors.debug import DebugExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from dmer_tips.clockwatch import ClockWatch, utc_now
from dmer_tips.notify import FallbackNotifier, Notification
from dmer_tips.reminders import Reminders
from dmer_tips.state import StateFile
from dmer_tips.tipbank import load_tip_bank
from dmer_tips.views import NOT_MEDICAL_ADVICE, describe_due

log = logging.getLogger(__name__)
CLOCK_LOOK = timedelta(minutes=1)


class _Scheduler(BlockingScheduler):  # type: ignore[misc]
    """Stops only between jobs.

    APScheduler's `shutdown` empties the job store; called from a signal handler while a job runs, the
    scheduler then fails to remove the finished job and dies with a traceback. So a stop request is
    honoured once the current round of jobs is done.
    """

    _stop_requested = False

    def request_stop(self) -> None:
        self._stop_requested = True
        self.wakeup()

    def _process_jobs(self) -> float | None:
        wait_seconds: float | None = super()._process_jobs()
        if self._stop_requested:
            self.shutdown(wait=False)
        return wait_seconds


@dataclass(frozen=True)
class ServiceConfig:
    tips_file: Path
    state_file: StateFile
    zone: tzinfo
    clock: Callable[[], datetime] = utc_now


class Service:
    def __init__(self, config: ServiceConfig, notifier: FallbackNotifier, out: TextIO) -> None:
        self.config = config
        self.notifier = notifier
        self.out = out
        self.scheduler = _Scheduler(
            executors={"default": DebugExecutor()},
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
            timezone=config.zone,
        )
        self.watch = ClockWatch(config.clock)
        self._armed: Any = None
        self._armed_count = 0
        self.reminders: Reminders

    def run(self) -> int:
        """Send reminders until SIGTERM or SIGINT; the tip file must be valid to start."""
        bank = load_tip_bank(self.config.tips_file)
        self.reminders = Reminders(bank, self.config.state_file.load(), self.config.zone, self.config.clock())
        self._say(f"dmer-tips is running with {len(bank.tips)} tips from {bank.path}.")
        self._say(f"Reminders go to {self.notifier.probe()}. {NOT_MEDICAL_ADVICE}")
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._stop)
        self.scheduler.add_job(self._look_at_clock, IntervalTrigger(seconds=CLOCK_LOOK.total_seconds()), id="clock")
        self._arm(announce=True)
        try:
            self.scheduler.start()
        finally:
            self._save()
            self.notifier.close()
            log.info("stopped")
        return 0

    def _deliver(self) -> None:
        self._armed = None  # APScheduler removes a finished one-off job itself
        now = self.config.clock()
        due = self.reminders.next_due(now)
        if due is not None and due.at <= now + timedelta(seconds=1):
            tip = self.reminders.take(due)
            self._save()
            log.info("sending %s/%s", tip.category, tip.id)
            self.notifier.send(Notification(tip.title, tip.text))
        self._arm()

    def _look_at_clock(self) -> None:
        jumped = self.watch.jump()
        if jumped < timedelta(0):
            log.info("the clock was set back by %s; re-anchoring the schedules", -jumped)
            self.reminders.clock_stepped(jumped)
        elif jumped > timedelta(0):
            log.info("the clock moved %s further than the time that passed (a suspend?)", jumped)
        if jumped:
            self._arm()

    def _arm(self, announce: bool = False) -> None:
        """Schedule the delivery job for the next due reminder, replacing any earlier plan."""
        if self._armed is not None:
            try:
                self._armed.remove()
            except JobLookupError:
                pass
        due = self.reminders.next_due(self.config.clock())
        self._armed = None
        if due is not None:
            self._armed_count += 1
            self._armed = self.scheduler.add_job(self._deliver, DateTrigger(run_date=due.at), id=f"deliver-{self._armed_count}")
        if announce:
            self._say("Next: " + (describe_due(due, self.config.zone, self.config.clock()) if due else "nothing is scheduled.") + " Stop with Ctrl-C.")

    def _save(self) -> None:
        try:
            self.config.state_file.save(self.reminders.state)
        except Exception:  # a full disk must not stop the reminders; the next save tries again
            log.exception("could not save the state")

    def _stop(self, signum: int, _frame: object) -> None:
        log.info("stopping on signal %s", signal.Signals(signum).name)
        self.scheduler.request_stop()

    def _say(self, line: str) -> None:
        print(line, file=self.out, flush=True)
        log.info(line)
