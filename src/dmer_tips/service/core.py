"""The service's behaviour: what it does with each message, built from parts handed to it.

Nothing here reads a clock, sleeps, opens a socket or starts a thread: the clock, the timers, the
notifier, the state file and the way to end the loop are injected (`Parts`), so tests construct a
`Service` with fakes and step a fake clock through whole days. `service.run` wires the real parts.
"""

from __future__ import annotations

import logging
import os
import random
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from dmer_tips.bank.model import Tip
from dmer_tips.companion import refuse_if_paused
from dmer_tips.desktop.presence import AlwaysThere, Presence
from dmer_tips.errors import DmerTipsError, TipBankError
from dmer_tips.journal import Journal
from dmer_tips.notify import Action, ActionChosen, Dismissed, FallbackNotifier, Notification
from dmer_tips.notify.base import CLOSE
from dmer_tips.schedule.pause import PauseRequest
from dmer_tips.schedule.planner import Due
from dmer_tips.schedule.reminders import Reminders
from dmer_tips.schedule.rotation import pick_tip
from dmer_tips.schedule.state import StateFile
from dmer_tips.service.commands import answer
from dmer_tips.service.companion_runs import CompanionRuns
from dmer_tips.service.feeds import Feeds
from dmer_tips.service.messages import (
    ClockJumped,
    ControlRequest,
    Deliver,
    FeedTime,
    HeadsUpAgain,
    HeadsUpDue,
    Message,
    PresenceChanged,
    Reload,
    SessionStep,
    Stop,
    TipFileTouched,
)
from dmer_tips.service.protocol import HoldingReport, PauseReport, SessionStarted, SnoozedReport, Status, TipReport
from dmer_tips.service.reload import ReloadResult, read_bank_if_changed
from dmer_tips.service.timers import Timers
from dmer_tips.terminal import counted
from dmer_tips.views import NOT_MEDICAL_ADVICE, WELCOME_TEXT, WELCOME_TITLE, describe_due

log = logging.getLogger(__name__)
SETTLE = timedelta(seconds=0.3)  # editors save in several steps; read the file once they are done
DELIVER, RELOAD = "deliver", "reload"
LATER, QUIET_TODAY = Action("later", "Later"), Action("quiet-today", "Quiet today")
TIP_ACTIONS = (CLOSE, LATER, QUIET_TODAY)
REMEMBERED_BUTTONS = 64


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
    journal: Journal
    rng: random.Random = field(default_factory=random.Random)
    user_copy: Path | None = None  # when running on the bundled tips: the user's copy, to switch to once it appears
    presence: Presence = field(default_factory=AlwaysThere)
    at_a_terminal: bool = False  # `say` and printed notifications reach a person at a terminal


class Service:
    def __init__(self, parts: Parts, reminders: Reminders, loaded: ReloadResult) -> None:
        self.parts = parts
        self.reminders = reminders
        self.last_reload = loaded
        self.tips_file = parts.tips_file
        self.companion = CompanionRuns(parts.clock, parts.timers, self._show, parts.journal)
        self.feeds = Feeds(
            parts.clock,
            parts.timers,
            reminders,
            self._show,
            self._start_for_rhythm,
            lambda: self.companion.running,
            lambda: self._absence(heads_up=True),
        )
        # What a button press on each notification still on screen means; the oldest are forgotten.
        self._buttons: OrderedDict[int, Callable[[str], None]] = OrderedDict()

    # --- start -----------------------------------------------------------------------------------

    def start(self) -> None:
        """Say what is happening, save the starting point, and plan the first reminder."""
        now = self.parts.clock()
        self.parts.notifier.restore_slot_ids(self.reminders.state.notification_ids)
        if any(rhythm.after_last is not None for rhythm in self.reminders.bank.rhythms):
            self.feed_logged(self._journal_latest())  # an episode logged while the service was not running
        self.save()  # so a crash before the first reminder loses nothing
        bank = self.reminders.bank
        self.parts.say(f"dmer-tips is running with {counted(len(bank.tips), 'tip')} from {bank.path}.")
        # The first run's welcome says it is not medical advice; every later start says so here.
        advice = "" if not self.reminders.state.welcomed else f" {NOT_MEDICAL_ADVICE}"
        self.parts.say(f"Reminders go to {self.parts.notifier.probe()}.{advice}")
        pause = self.reminders.pause(now)
        if pause is not None:
            self.parts.say(
                f"Reminders are paused {pause.describe(self.zone, now)}; `dmer-tips resume` starts them again."
            )
        self._welcome_once()
        self._maybe_back()  # held before a restart or a new login, with the person here now
        due = self._arm()
        self.feeds.plan()
        upcoming = describe_due(due, self.zone, now) if due else "nothing is scheduled."
        self.parts.say(f"Next: {upcoming} Stop with Ctrl-C.")

    def _welcome_once(self) -> None:
        """The first time the service runs: what this is, that it is not medical advice, where urgent help is."""
        state = self.reminders.state
        if not state.welcomed:
            self._show(Notification(WELCOME_TITLE, WELCOME_TEXT, "welcome", None, (CLOSE,)))
            # Printed into a log by a service started at login before the desktop was up, it was not seen.
            state.welcomed = self.parts.notifier.on_desktop or self.parts.at_a_terminal
            self.save()

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
                self.companion.step(run, index)
            case HeadsUpDue(rhythm, at):
                self.feeds.heads_up_due(rhythm, at)
                self.save()
            case HeadsUpAgain(rhythm, at):
                self.feeds.again(rhythm, at)
                self.save()
            case FeedTime(rhythm, at):
                self.feeds.feed_time(rhythm, at)
                self.save()
            case ActionChosen(notification_id, action):
                self._pressed(notification_id, action)
            case Dismissed(notification_id):
                self._buttons.pop(notification_id, None)
            case PresenceChanged():
                self._maybe_back()
            case Stop(reason):
                log.info("stopping: %s", reason)
                self.parts.end_loop()
            case ControlRequest():
                answer(self, message)

    def _deliver(self) -> None:
        now = self.parts.clock()
        self.reminders.forget_missed(now)
        due = self.reminders.next_due(now)
        if due is not None and due.at <= now + timedelta(seconds=1):
            why = self._absence()
            if why is None:
                self._send(due)  # the newest: an older held reminder is let go
                self._heads_ups_back()
            else:
                self.reminders.hold(due, why)
                self.save()
                log.info("holding %s until you are back: %s", due.category, why)
        self._arm()

    def _send(self, due: Due) -> None:
        tip = self.reminders.take(due)
        self.save()
        log.info("sending %s/%s", tip.category, tip.id)
        self._show_tip(tip)

    def _absence(self, heads_up: bool = False) -> str | None:
        """Why the person cannot see a reminder now (as the settings choose what to wait for), or None."""
        wait = self.reminders.bank.settings.wait_while
        if not wait.waits_for_anything or (heads_up and not wait.heads_ups):
            return None
        try:
            return self.parts.presence.absence(wait)
        except Exception:  # asking is a courtesy: it must never keep a reminder from going out
            log.exception("could not tell whether you are there; sending anyway")
            return None

    def _maybe_back(self) -> None:
        """Something changed on the desktop: if the person is back, what waited for them goes out (the latest
        reminder within grace, and heads-ups whose feed is still ahead)."""
        if self.reminders.state.held is None and not self.reminders.state.heads_ups_held:
            return
        if self._absence() is not None:
            return
        due = self.reminders.release(self.parts.clock())
        if due is not None:
            log.info("you are back: sending the reminder held for you")
            self._send(due)
        self._heads_ups_back()
        self._arm()

    def _heads_ups_back(self) -> None:
        """The person is here: heads-ups held for them go out, and nothing is held any more."""
        state = self.reminders.state
        if not state.heads_ups_held and not state.held_why:
            return  # nothing was held: nothing to send or to save
        self.feeds.back()
        state.held_why = ""
        self.save()

    def _follow_the_zone(self) -> None:
        if self.reminders.follow_zone(self.parts.local_zone()):
            log.info("the time zone is now %s; reminders follow its clock", self.zone)
            self._arm()
            self.feeds.plan()

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
            self.feeds.clock_stepped(delta)
            self.parts.timers.shift(delta)
        else:
            log.info("the clock moved %s further than the time that passed (a suspend?)", delta)
        self._maybe_back()  # after a resume the person is often back, with no signal to say so
        self._arm()
        self.feeds.plan()

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
        if not self.last_reload.ok:
            self.parts.notifier.withdraw("problem")  # fixed: the warning has nothing left to say
        self.reminders.replace_bank(bank, now)
        self.last_reload = ReloadResult.loaded(bank, data, now)
        log.info("reloaded %s: %d tips", self.tips_file, len(bank.tips))
        self._maybe_back()  # the edit may have stopped waiting for what holds a reminder
        self._arm()
        self.feeds.plan()
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
        self._show_tip(tip)
        return {
            "category": tip.category,
            "id": tip.id,
            "title": self._as_shown(self._tip_notification(tip)).title,
            "text": tip.text,
            "on_desktop": self.parts.notifier.on_desktop,
        }

    def start_session(self, name: str | None, respect_pause: bool) -> SessionStarted:
        """Start a companion session now (one already running is replaced); it counts as a feed for the rhythm."""
        session = self.reminders.bank.session(name)
        now = self.parts.clock()
        if respect_pause:
            refuse_if_paused(self.reminders.state.pause, now, self.zone)
        replaced = self.companion.start(session)
        self.feed_logged(now)
        self.feeds.companion_started(now)
        self.save()
        return {
            "name": session.name,
            "steps": len(session.steps),
            "replaced": replaced,
            "on_desktop": self.parts.notifier.on_desktop,
        }

    def _start_for_rhythm(self, session: str) -> None:
        self.start_session(session, respect_pause=False)

    def feed_logged(self, at: datetime | None) -> None:
        """A feed happened at `at` (a companion started, an episode logged): plan the next one from it."""
        state = self.reminders.state
        if at is not None and (state.last_feed is None or at > state.last_feed):
            state.last_feed = at
            self.feeds.plan()
            self.save()

    def _journal_latest(self) -> datetime | None:
        try:
            return self.parts.journal.latest()
        except DmerTipsError as error:
            log.warning("could not read the journal: %s", error)
            return None

    def status(self) -> Status:
        now = self.parts.clock()
        zone = self.zone
        pause = self.reminders.pause(now)
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
            "session": self.companion.report(),
            "snoozed": self._snoozed_report(now, paused=pause is not None),
            "heads_up": self.feeds.report(),
            "holding": self._holding_report(now),
        }

    def _holding_report(self, now: datetime) -> HoldingReport | None:
        tip = self.reminders.still_held(now)
        held = ([tip.at] if tip else []) + self.feeds.still_held(now)
        if not held:
            return None
        why = self.reminders.state.held_why
        return {"reminders": len(held), "why": why, "since": max(held).astimezone(self.zone).isoformat()}

    def _snoozed_report(self, now: datetime, paused: bool) -> list[SnoozedReport]:
        """Tips put off with Later, and when each comes back (None while paused until resumed)."""
        bank, reminders = self.reminders.bank, self.reminders
        due_at = {(due.category, due.tip_id): due.at for due in reminders.snoozed_due(now)}
        report: list[SnoozedReport] = []
        for snoozed in reminders.state.snoozed:
            at = due_at.get((snoozed.category, snoozed.tip_id))
            if bank.has_tip(snoozed.category, snoozed.tip_id) and (at is not None or paused):
                title = bank.tip(snoozed.category, snoozed.tip_id).title
                report.append({"title": title, "at": at.astimezone(self.zone).isoformat() if at else None})
        return report

    # --- plumbing --------------------------------------------------------------------------------

    def _tip_notification(self, tip: Tip) -> Notification:
        show_for = self.reminders.bank.settings.show_for
        return Notification(tip.title, tip.text, "tip", show_for.total_seconds() if show_for else None, TIP_ACTIONS)

    def _show_tip(self, tip: Tip) -> None:
        self._show(self._tip_notification(tip), lambda key: self._tip_pressed(tip, key))

    def _tip_pressed(self, tip: Tip, key: str) -> None:
        now = self.parts.clock()
        if key == LATER.key:
            if self.reminders.snooze(tip, now + self.reminders.bank.settings.snooze):
                log.info("%s/%s comes back later", tip.category, tip.id)
            else:
                log.info(
                    "Later on %s/%s, which the tips file no longer has: nothing to bring back", tip.category, tip.id
                )
        elif key == QUIET_TODAY.key:
            self.reminders.state.pause = PauseRequest(morning=True).pause_from(
                now, self.zone, self.reminders.bank.settings.quiet_hours
            )
            log.info("quiet for today, from the tip's button")
        self._arm()

    def _show(self, notification: Notification, on_button: Callable[[str], None] | None = None) -> None:
        """Show it (discreetly, if so set); remember what its buttons mean; a new id for a slot is saved, so a
        restart replaces it."""
        notification = self._as_shown(notification)
        before = self.parts.notifier.slot_ids()
        shown_as = self.parts.notifier.send(notification)
        if shown_as is not None and on_button is not None:
            self._buttons[shown_as] = on_button
            self._buttons.move_to_end(shown_as)
            while len(self._buttons) > REMEMBERED_BUTTONS:
                self._buttons.popitem(last=False)
        if self.parts.notifier.slot_ids() != before:
            self.save()

    def _as_shown(self, notification: Notification) -> Notification:
        return notification.discreetly() if self.reminders.bank.settings.discreet else notification

    def _pressed(self, notification_id: int, key: str) -> None:
        """A button on one of our notifications (one shown before a restart, or another app's, is not ours)."""
        on_button = self._buttons.get(notification_id)
        if on_button is None:
            log.debug("ignored button %r of notification %d, which is not one of ours now", key, notification_id)
            return
        on_button(key)
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
