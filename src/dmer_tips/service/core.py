"""`dmer-tips run`: the long-running service, wiring the reminders to APScheduler, the clock and the desktop.

Everything that touches the reminders runs on APScheduler's one thread (its debug executor runs jobs in
place; signals, file events and control requests are queued to run between jobs), so no locks are
needed and an idle service sleeps until the next job. Jobs: the next delivery (a one-off at the planned
time) and a once-a-minute look at the clock and the file watcher; the clock look notices a suspend or a
clock change that APScheduler's monotonic wait cannot see.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, TextIO

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from dmer_tips.bank.load import parse_tip_bank, read_tip_file
from dmer_tips.companion import plan_session, refuse_if_paused
from dmer_tips.errors import DmerTipsError, TipBankError
from dmer_tips.notify import FallbackNotifier, Notification
from dmer_tips.paths import AppPaths
from dmer_tips.schedule.reminders import Reminders
from dmer_tips.schedule.state import StateFile
from dmer_tips.service.clock import ClockWatch, utc_now
from dmer_tips.service.control import control_dir
from dmer_tips.service.control_server import ControlServer
from dmer_tips.service.instance import InstanceLock
from dmer_tips.service.loop import QueueingScheduler
from dmer_tips.service.reload import ReloadResult, read_bank_if_changed
from dmer_tips.service.watch import TipFileWatcher
from dmer_tips.timespec import parse_clock, parse_duration
from dmer_tips.views import NOT_MEDICAL_ADVICE, describe_due, describe_pause

log = logging.getLogger(__name__)
CLOCK_LOOK = timedelta(minutes=1)


@dataclass(frozen=True)
class ServiceConfig:
    tips_file: Path
    paths: AppPaths
    zone: tzinfo
    clock: Callable[[], datetime] = utc_now


class Service:
    def __init__(self, config: ServiceConfig, notifier: FallbackNotifier, out: TextIO) -> None:
        self.config = config
        self.notifier = notifier
        self.out = out
        self.state_file = StateFile(config.paths.state_file)
        self.scheduler = QueueingScheduler(config.zone)
        self.watch = ClockWatch(config.clock)
        self.watcher = TipFileWatcher(config.tips_file, lambda: self.scheduler.between_jobs(self.reload))
        self.control = ControlServer(Path(control_dir()), self._on_request)
        self.lock = InstanceLock(config.paths.lock_file)
        self.last_reload = ReloadResult.initial()
        self._armed: Any = None
        self._armed_count = 0
        self._session: tuple[str, list[Any]] | None = None
        self.reminders: Reminders

    def run(self) -> int:
        """Send reminders until stopped; the tip file must be valid to start, and only one service may run."""
        self.lock.acquire()
        try:
            return self._run_locked()
        finally:
            self.lock.release()

    def _run_locked(self) -> int:
        data = read_tip_file(self.config.tips_file)
        bank = parse_tip_bank(data, str(self.config.tips_file))
        self.last_reload = ReloadResult.loaded(bank, data, self.config.clock())
        self.reminders = Reminders(bank, self.state_file.load(), self.config.zone, self.config.clock())
        self._save()  # the schedule's starting point, so a crash before the first reminder loses nothing
        self._say(f"dmer-tips is running with {len(bank.tips)} tips from {bank.path}.")
        self._say(f"Reminders go to {self.notifier.probe()}. {NOT_MEDICAL_ADVICE}")
        paused = self.reminders.paused_until(self.config.clock())
        if paused is not None:
            self._say(
                f"Reminders are paused {describe_pause(paused, self.config.zone)}; `dmer-tips resume` starts them again."
            )
        self._install_signals()
        self.control.start()
        self.watcher.start()
        self.scheduler.add_job(self._look_at_clock, IntervalTrigger(seconds=CLOCK_LOOK.total_seconds()), id="clock")
        self._arm(announce=True)
        try:
            self.scheduler.start()
        finally:
            self.watcher.stop()
            self.control.stop()
            self._save()
            self.notifier.close()
            log.info("stopped")
        return 0

    def _install_signals(self) -> None:
        signal.signal(signal.SIGTERM, self._on_stop_signal)
        signal.signal(signal.SIGINT, self._on_stop_signal)
        if hasattr(signal, "SIGHUP"):
            signal.signal(signal.SIGHUP, lambda _s, _f: self.scheduler.between_jobs(self.reload))

    def _on_stop_signal(self, signum: int, _frame: object) -> None:
        log.info("stopping on signal %s", signal.Signals(signum).name)
        self.scheduler.between_jobs(self.stop)

    # --- jobs -------------------------------------------------------------------------------------

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
        self.watcher.ensure_alive()
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
            with contextlib.suppress(JobLookupError):
                self._armed.remove()
        due = self.reminders.next_due(self.config.clock())
        self._armed = None
        if due is not None:
            self._armed_count += 1
            self._armed = self.scheduler.add_job(
                self._deliver, DateTrigger(run_date=due.at), id=f"deliver-{self._armed_count}"
            )
        if announce:
            self._say(
                "Next: "
                + (describe_due(due, self.config.zone, self.config.clock()) if due else "nothing is scheduled.")
                + " Stop with Ctrl-C."
            )

    # --- actions (always on the scheduler thread) -------------------------------------------------

    def reload(self) -> ReloadResult:
        """Re-read the tip file: a valid edit takes over; a broken one keeps the last good bank and says so once."""
        now = self.config.clock()
        try:
            change = read_bank_if_changed(self.config.tips_file, self.last_reload)
        except TipBankError as error:
            self._reload_failed(self.last_reload.failed(error, now))
            return self.last_reload
        if change is None:
            self.last_reload = self.last_reload.checked(now)
            return self.last_reload
        bank, data = change
        self.reminders.replace_bank(bank, now)
        self.last_reload = ReloadResult.loaded(bank, data, now)
        log.info("reloaded %s: %d tips", self.config.tips_file, len(bank.tips))
        self._arm()
        return self.last_reload

    def _reload_failed(self, result: ReloadResult) -> None:
        first_time = result.problems != self.last_reload.problems
        self.last_reload = result
        log.warning("the tip file has problems; keeping the last good tips:\n%s", "\n".join(map(str, result.problems)))
        if first_time:
            self.notifier.send(result.notification())

    def pause(self, request: dict[str, Any]) -> str:
        """Pause for `for` (a duration), until `until` ("HH:MM"), until `morning`, or until resumed."""
        duration = parse_duration(request["for"]) if request.get("for") else None
        until_s = parse_clock(request["until"]) if request.get("until") else None
        until = self.reminders.pause_end(self.config.clock(), duration, until_s, bool(request.get("morning")))
        self.reminders.state.paused_until = until
        self._save()
        self._arm()
        log.info("paused %s", describe_pause(until, self.config.zone))
        return describe_pause(until, self.config.zone)

    def resume(self) -> None:
        self.reminders.state.paused_until = None
        self._save()
        self._arm()

    def start_session(self, name: str | None, respect_pause: bool) -> dict[str, Any]:
        """Schedule a session's steps from now; a session already running is replaced, never doubled."""
        session = self.reminders.bank.session(name)
        now = self.config.clock()
        if respect_pause:
            refuse_if_paused(self.reminders.paused_until(now), now, self.config.zone)
        replaced = self.stop_session() > 0
        self._armed_count += 1
        jobs = [
            self.scheduler.add_job(
                self.notifier.send,
                DateTrigger(run_date=step.at),
                args=[step.notification],
                id=f"session-{self._armed_count}-{i}",
            )
            for i, step in enumerate(plan_session(session, now))
        ]
        self._session = (session.name, jobs)
        log.info(
            "session %s started (%d steps)%s",
            session.name,
            len(jobs),
            ", replacing the one running" if replaced else "",
        )
        return {"name": session.name, "steps": len(jobs), "replaced": replaced}

    def stop_session(self) -> int:
        """Cancel the steps still to come; returns how many there were."""
        cancelled = 0
        for job in self._session[1] if self._session else []:
            try:
                job.remove()
                cancelled += 1
            except JobLookupError:
                pass  # already sent
        self._session = None
        return cancelled

    def _session_status(self) -> dict[str, Any] | None:
        if self._session is None:
            return None
        name, jobs = self._session
        pending = sum(1 for job in jobs if self.scheduler.get_job(job.id) is not None)
        return {"name": name, "steps_left": pending} if pending else None

    def send_tip_now(self, category: str | None) -> dict[str, str]:
        import random

        from dmer_tips.schedule.rotation import pick_tip

        tip = pick_tip(self.reminders.bank, self.reminders.state.rotation, category, random.Random())
        self._save()
        self.notifier.send(Notification(tip.title, tip.text))
        return {"category": tip.category, "id": tip.id, "title": tip.title, "text": tip.text}

    def status(self) -> dict[str, Any]:
        now = self.config.clock()
        paused = self.reminders.paused_until(now)
        plan = self.reminders.state.plan
        upcoming = self.reminders.upcoming(now)
        return {
            "running": True,
            "pid": os.getpid(),
            "tips_file": str(self.config.tips_file),
            "tips": len(self.reminders.bank.tips),
            "reload": self.last_reload.to_json(),
            "paused_until": paused.isoformat() if paused else None,
            "paused": describe_pause(paused, self.config.zone) if paused else None,
            "sent_today": plan.sent_on(now.astimezone(self.config.zone).date()),
            "next": {
                name: due.at.astimezone(self.config.zone).isoformat() if due else None for name, due in upcoming.items()
            },
            "notifications_to": self.notifier.place,
            "session": self._session_status(),
        }

    def stop(self) -> None:
        if self.scheduler.state != STATE_STOPPED:
            self.scheduler.shutdown(wait=False)

    # --- plumbing ---------------------------------------------------------------------------------

    def _on_request(self, request: dict[str, Any]) -> dict[str, Any]:
        """Runs on the control thread: hand the work to the scheduler thread and wait for its answer."""
        command = request.get("command")
        actions: dict[str, Callable[[], Any]] = {
            "status": self.status,
            "reload": lambda: self.reload().to_json(),
            "pause": lambda: self.pause(request),
            "resume": self.resume,
            "tip": lambda: self.send_tip_now(request.get("category")),
            "stop": self.stop,
            "session": lambda: self.start_session(request.get("name"), bool(request.get("respect_pause"))),
            "session_stop": self.stop_session,
        }
        if command not in actions:
            raise DmerTipsError(f"unknown command {command!r}")
        return {"ok": True, "result": self.scheduler.call(actions[command])}

    def _save(self) -> None:
        try:
            self.state_file.save(self.reminders.state)
        except Exception:  # a full disk must not stop the reminders; the next save tries again
            log.exception("could not save the state")

    def _say(self, line: str) -> None:
        print(line, file=self.out, flush=True)
        log.info(line)
