"""The service's behaviour: what it does with each message, built from parts handed to it.

Nothing here reads a clock, sleeps, opens a socket or starts a thread: the clock, the timers, the
notifier, the state file and the way to end the loop are injected (`Parts`), so tests construct a
`Service` with fakes and step a fake clock through whole days. `service.run` wires the real parts.
"""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, Protocol

from dmer_tips.bank.model import Tip
from dmer_tips.companion import PlannedStep, plan_session, refuse_if_paused
from dmer_tips.errors import DmerTipsError, TipBankError
from dmer_tips.notify import FallbackNotifier, Notification
from dmer_tips.schedule.pause import PauseRequest
from dmer_tips.schedule.planner import Due
from dmer_tips.schedule.reminders import Reminders
from dmer_tips.schedule.rotation import pick_tip
from dmer_tips.schedule.state import StateFile
from dmer_tips.service.messages import (
    ClockJumped,
    ControlRequest,
    Deliver,
    Message,
    Reload,
    SessionStep,
    Stop,
    TipFileTouched,
)
from dmer_tips.service.protocol import PauseReport, ReloadReport, SessionStarted, Status, TipReport
from dmer_tips.service.reload import ReloadResult, read_bank_if_changed
from dmer_tips.views import NOT_MEDICAL_ADVICE, counted, describe_due

log = logging.getLogger(__name__)
SETTLE = timedelta(seconds=0.3)  # editors save in several steps; read the file once they are done
SESSION_STEP_GRACE = timedelta(minutes=2)  # a companion step later than this (a suspend) is skipped
DELIVER, RELOAD = "deliver", "reload"


class Timers(Protocol):
    """Wall-clock timers that post a message when they fire (APScheduler in the service, a fake in tests)."""

    def at(self, key: str, when: datetime, message: Message) -> None: ...

    def cancel(self, key: str) -> bool: ...

    def shift(self, delta: timedelta) -> None: ...


@dataclass
class Parts:
    """What the service is built from."""

    clock: Callable[[], datetime]
    local_zone: Callable[[], tzinfo]  # looked at again whenever the service wakes for time (travel)
    timers: Timers
    notifier: FallbackNotifier
    state_file: StateFile
    tips_file: Path
    say: Callable[[str], None]  # a line for the person who started the service (its terminal, and the log)
    end_loop: Callable[[], None]
    rng: random.Random = field(default_factory=random.Random)
    user_copy: Path | None = None  # when running on the bundled tips: the user's copy, to switch to once it appears


@dataclass
class _CompanionRun:
    run: int
    name: str
    steps: list[PlannedStep]
    sent: int = 0


class Service:
    def __init__(self, parts: Parts, reminders: Reminders, loaded: ReloadResult) -> None:
        self.parts = parts
        self.reminders = reminders
        self.last_reload = loaded
        self.tips_file = parts.tips_file
        self._companion: _CompanionRun | None = None
        self._runs = 0

    # --- start -----------------------------------------------------------------------------------

    def start(self) -> None:
        """Say what is happening, save the starting point, and plan the first reminder."""
        now = self.parts.clock()
        self.parts.notifier.restore_slot_ids(self.reminders.state.notification_ids)
        self.save()  # so a crash before the first reminder loses nothing
        bank = self.reminders.bank
        self.parts.say(f"dmer-tips is running with {counted(len(bank.tips), 'tip')} from {bank.path}.")
        self.parts.say(f"Reminders go to {self.parts.notifier.probe()}. {NOT_MEDICAL_ADVICE}")
        pause = self.reminders.pause(now)
        if pause is not None:
            self.parts.say(
                f"Reminders are paused {pause.describe(self.zone, now)}; `dmer-tips resume` starts them again."
            )
        due = self._arm()
        upcoming = describe_due(due, self.zone, now) if due else "nothing is scheduled."
        self.parts.say(f"Next: {upcoming} Stop with Ctrl-C.")

    # --- messages --------------------------------------------------------------------------------

    @property
    def zone(self) -> tzinfo:
        return self.reminders.zone

    def handle(self, message: Message) -> None:
        match message:
            case Deliver():
                self._follow_the_zone()
                self._deliver()
            case ClockJumped(delta):
                self._follow_the_zone()
                self._clock_jumped(delta)
            case TipFileTouched(path):
                self._touched(path)
            case Reload():
                self.reload()
            case SessionStep(run, index):
                self._session_step(run, index)
            case Stop(reason):
                log.info("stopping: %s", reason)
                self.parts.end_loop()
            case ControlRequest():
                self._answer(message)

    def _deliver(self) -> None:
        now = self.parts.clock()
        due = self.reminders.next_due(now)
        if due is not None and due.at <= now + timedelta(seconds=1):
            tip = self.reminders.take(due)
            self.save()
            log.info("sending %s/%s", tip.category, tip.id)
            self._show(self._tip_notification(tip))
        self._arm()

    def _follow_the_zone(self) -> None:
        if self.reminders.follow_zone(self.parts.local_zone()):
            log.info("the time zone is now %s; reminders follow its clock", self.zone)
            self._arm()

    def _touched(self, path: Path) -> None:
        if path == self.parts.user_copy and path != self.tips_file and path.exists():
            log.info("your own copy of the tips appeared at %s; switching to it", path)
            self.tips_file = path
            self.last_reload = self.last_reload.for_another_file()
        if path == self.tips_file:
            self.parts.timers.at(RELOAD, self.parts.clock() + SETTLE, Reload())

    def _clock_jumped(self, delta: timedelta) -> None:
        if delta < timedelta(0):
            log.info("the clock was set back by %s; re-anchoring the schedules", -delta)
            self.reminders.clock_stepped(delta)
            self.parts.timers.shift(delta)
        else:
            log.info("the clock moved %s further than the time that passed (a suspend?)", delta)
        self._arm()

    def _arm(self) -> Due | None:
        """Plan the delivery timer for the next due reminder, replacing any earlier plan; returns that Due."""
        due = self.reminders.next_due(self.parts.clock())
        if due is None:
            self.parts.timers.cancel(DELIVER)
        else:
            self.parts.timers.at(DELIVER, due.at, Deliver())
        return due

    # --- actions ---------------------------------------------------------------------------------

    def reload(self) -> ReloadResult:
        """Re-read the tip file: a valid edit takes over; a broken one keeps the last good bank and says so once."""
        now = self.parts.clock()
        try:
            change = read_bank_if_changed(self.tips_file, self.last_reload)
        except TipBankError as error:
            self._reload_failed(self.last_reload.failed(error, now))
            return self.last_reload
        if change is None:
            self.last_reload = self.last_reload.checked(now)
            return self.last_reload
        bank, data = change
        self.reminders.replace_bank(bank, now)
        self.last_reload = ReloadResult.loaded(bank, data, now)
        log.info("reloaded %s: %d tips", self.tips_file, len(bank.tips))
        self._arm()
        return self.last_reload

    def _reload_failed(self, result: ReloadResult) -> None:
        first_time = result.problems != self.last_reload.problems
        self.last_reload = result
        log.warning("the tip file has problems; keeping the last good tips:\n%s", "\n".join(map(str, result.problems)))
        if first_time:
            self._show(result.notification())

    def pause(self, request: PauseRequest) -> PauseReport:
        now = self.parts.clock()
        pause = request.pause_from(now, self.zone, self.reminders.bank.settings.quiet_hours)
        self.reminders.state.pause = pause
        self._arm()
        report = pause.report(self.zone, now)
        log.info("paused %s", report["text"])
        problem = self.save()
        if problem is not None:
            raise DmerTipsError(
                f"reminders are paused {report['text']}, but the pause could not be saved ({problem})"
                " — it ends if the service restarts; free some space or check the state folder"
            )
        return report

    def resume(self) -> bool:
        """End a pause; False when nothing was paused."""
        was_paused = self.reminders.pause(self.parts.clock()) is not None
        self.reminders.state.pause = None
        self._arm()
        problem = self.save()
        if problem is not None and was_paused:
            raise DmerTipsError(
                f"reminders are back on, but that could not be saved ({problem}) — after a restart the old pause returns"
            )
        return was_paused

    def send_tip_now(self, category: str | None) -> TipReport:
        tip = pick_tip(self.reminders.bank, self.reminders.state.rotation, category, self.parts.rng)
        self.save()
        self._show(self._tip_notification(tip))
        return {
            "category": tip.category,
            "id": tip.id,
            "title": tip.title,
            "text": tip.text,
            "on_desktop": self.parts.notifier.on_desktop,
        }

    def start_session(self, name: str | None, respect_pause: bool) -> SessionStarted:
        """Plan a companion session's steps from now; one already running is replaced, never doubled."""
        session = self.reminders.bank.session(name)
        now = self.parts.clock()
        if respect_pause:
            refuse_if_paused(self.reminders.state.pause, now, self.zone)
        replaced = self.stop_session() > 0
        self._runs += 1
        steps = plan_session(session, now)
        self._companion = _CompanionRun(self._runs, session.name, steps)
        for index, step in enumerate(steps):
            self.parts.timers.at(_step_key(self._runs, index), step.at, SessionStep(self._runs, index))
        log.info("session %s started (%d steps)%s", session.name, len(steps), ", replacing one" if replaced else "")
        return {"name": session.name, "steps": len(steps), "replaced": replaced}

    def stop_session(self) -> int:
        """Cancel the steps still to come; returns how many there were."""
        run, self._companion = self._companion, None
        if run is None:
            return 0
        return sum(self.parts.timers.cancel(_step_key(run.run, index)) for index in range(len(run.steps)))

    def _session_step(self, run: int, index: int) -> None:
        companion = self._companion
        if companion is None or companion.run != run:
            return  # a step of a session that was stopped or replaced
        step = companion.steps[index]
        late = self.parts.clock() - step.at
        if late > SESSION_STEP_GRACE:
            log.info("skipping companion step %d, %s late (the computer was asleep?)", index + 1, late)
        else:
            self._show(step.notification)
        companion.sent = index + 1
        if companion.sent == len(companion.steps):
            self._companion = None

    def status(self) -> Status:
        now = self.parts.clock()
        zone = self.zone
        pause = self.reminders.pause(now)
        companion = self._companion
        return {
            "running": True,
            "pid": os.getpid(),
            "tips_file": str(self.tips_file),
            "tips": len(self.reminders.bank.tips),
            "reload": self.last_reload.report(),
            "pause": pause.report(zone, now) if pause else None,
            "sent_today": self.reminders.state.plan.sent_on(now.astimezone(zone).date()),
            "next": {
                name: due.at.astimezone(zone).isoformat() if due else None
                for name, due in self.reminders.upcoming(now).items()
            },
            "notifications_to": self.parts.notifier.place,
            "session": {"name": companion.name, "steps_left": len(companion.steps) - companion.sent}
            if companion
            else None,
        }

    # --- the control channel ---------------------------------------------------------------------

    def _answer(self, request: ControlRequest) -> None:
        if not request.still_wanted():
            log.warning("ignored a %r request that came after its sender had given up", request.command)
            return
        try:
            result = self._run_command(request.command, request.arguments)
        except DmerTipsError as error:
            request.reply({"ok": False, "error": str(error)})
        except Exception:
            log.exception("the %r request failed", request.command)
            request.reply({"ok": False, "error": "the service could not do that — see its log (`dmer-tips where`)"})
        else:
            request.reply({"ok": True, "result": result})

    def _run_command(self, command: str, arguments: dict[str, Any]) -> object:
        if command == "status":
            return self.status()
        if command == "reload":
            report: ReloadReport = self.reload().report()
            return report
        if command == "pause":
            return self.pause(PauseRequest.from_json(arguments.get("pause")))
        if command == "resume":
            return {"was_paused": self.resume()}
        if command == "tip":
            return self.send_tip_now(_optional_text(arguments, "category"))
        if command == "session":
            return self.start_session(_optional_text(arguments, "name"), arguments.get("respect_pause") is True)
        if command == "session_stop":
            return {"cancelled": self.stop_session()}
        if command == "stop":
            self.parts.end_loop()
            return None
        raise DmerTipsError(f"the service does not know the command {command!r} — is the CLI newer than the service?")

    # --- plumbing --------------------------------------------------------------------------------

    def _tip_notification(self, tip: Tip) -> Notification:
        show_for = self.reminders.bank.settings.show_for
        return Notification(tip.title, tip.text, "tip", show_for.total_seconds() if show_for else None)

    def _show(self, notification: Notification) -> None:
        """Show it; a new id for a slot is saved, so a restart replaces it instead of stacking a second."""
        before = self.parts.notifier.slot_ids()
        self.parts.notifier.send(notification)
        if self.parts.notifier.slot_ids() != before:
            self.save()

    def save(self) -> str | None:
        """Save the state; returns what went wrong, or None. A full disk never stops the reminders."""
        self.reminders.state.notification_ids = self.parts.notifier.slot_ids()
        try:
            self.parts.state_file.save(self.reminders.state)
        except DmerTipsError as error:
            log.error("could not save the state: %s", error)
            return str(error)
        return None


def _step_key(run: int, index: int) -> str:
    return f"session-{run}-{index}"


def _optional_text(arguments: dict[str, Any], name: str) -> str | None:
    value = arguments.get(name)
    if value is not None and not isinstance(value, str):
        raise DmerTipsError(f"the {name} must be text")
    return value
