"""The feeding or pumping rhythm inside the service: a heads-up before each time, and the companion at the time.

Each rhythm has one timer for its next heads-up; once shown, the next one is planned from that time on.
The heads-up has three buttons: Start companion (also a click on it), Snooze 10 min, and Skip. At the
time itself the companion starts on its own if the rhythm says `start`. What is still to happen (a
snoozed heads-up, a companion to start) is kept with the state, so a restart loses neither.

A companion already running, or started shortly before a time, counts as that feed: no heads-up then, and
nothing started over it. A pause silences heads-ups, snoozed ones and automatic starts alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo

from dmer_tips.bank.model import Rhythm, TipBank
from dmer_tips.notify import Action, Notification
from dmer_tips.notify.base import DEFAULT_ACTION
from dmer_tips.schedule.reminders import Reminders
from dmer_tips.schedule.rhythm import Feed, heads_up_allowed, next_feed
from dmer_tips.schedule.state import ServiceState, SnoozedHeadsUp
from dmer_tips.service.companion_runs import STEP_GRACE, Show
from dmer_tips.service.messages import FeedTime, HeadsUpAgain, HeadsUpDue
from dmer_tips.service.protocol import HeadsUpReport
from dmer_tips.service.timers import Timers

log = logging.getLogger(__name__)
SNOOZE_HEADS_UP = timedelta(minutes=10)
# A companion started this long before a feed time (or its heads-up lead, if longer) is that feed.
EARLY_FEED = timedelta(minutes=15)
START, SNOOZE, SKIP = Action("start", "Start companion"), Action("snooze", "Snooze 10 min"), Action("skip", "Skip")
CLICK = Action(DEFAULT_ACTION, "Start companion")  # a click on the heads-up itself; servers show no button for it


class Feeds:
    """Plans and shows the heads-ups of every rhythm in the bank; `start_companion(session)` starts one."""

    def __init__(
        self,
        clock: Callable[[], datetime],
        timers: Timers,
        reminders: Reminders,
        show: Show,
        start_companion: Callable[[str], object],
        companion_running: Callable[[], bool],
        absent: Callable[[], str | None],
    ) -> None:
        self._clock = clock
        self._timers = timers
        self._reminders = reminders
        self._show = show
        self._start_companion = start_companion
        self._companion_running = companion_running
        self._absent = absent
        self._planned: dict[str, Feed] = {}

    @property
    def _bank(self) -> TipBank:
        return self._reminders.bank

    @property
    def _state(self) -> ServiceState:
        return self._reminders.state

    @property
    def _zone(self) -> tzinfo:
        return self._reminders.zone

    def plan(self) -> None:
        """Set every rhythm's timers from the state (after a start, an edit, a clock jump, a new feed)."""
        now = self._clock()
        names = {rhythm.name for rhythm in self._bank.rhythms}
        state = self._state
        for name in (
            set(self._planned) | set(state.feed_starts) | set(state.heads_ups_again) | set(state.heads_ups_held)
        ):
            if name not in names:
                self._forget(name)
        for rhythm in self._bank.rhythms:
            self._plan_next(rhythm, now)
            start = state.feed_starts.get(rhythm.name)
            if start is not None:
                self._timers.at(_feed_key(rhythm.name), start, FeedTime(rhythm.name, start))
            again = state.heads_ups_again.get(rhythm.name)
            if again is not None:
                self._timers.at(_again_key(rhythm.name), again.at, HeadsUpAgain(rhythm.name, again.feed))

    def heads_up_due(self, name: str, at: datetime) -> None:
        """Show the heads-up for the time `at` of rhythm `name` (unless it cannot be, or is not needed now)."""
        self._state.feeds[name] = at
        rhythm = self._rhythm(name)
        if rhythm is not None and at > self._clock() and self._may_speak():
            if not self._hold_if_absent(name, at):
                self._show_heads_up(rhythm, at)
            if rhythm.at_the_time == "start":  # the companion itself is never held
                self._state.feed_starts[name] = at
        self.plan()

    def back(self) -> None:
        """The person is back: each heads-up held for them is shown if its feed is not long past, outside quiet
        hours (as the rhythm says) and with no pause or companion running."""
        now = self._clock()
        held, self._state.heads_ups_held = self._state.heads_ups_held, {}
        for name, at in held.items():
            rhythm = self._rhythm(name)
            if (
                rhythm is not None
                and now - at < STEP_GRACE
                and heads_up_allowed(rhythm, self._bank, self._zone, now)
                and self._may_speak()
            ):
                self._show_heads_up(rhythm, at)

    def still_held(self, now: datetime) -> list[datetime]:
        """When each heads-up held for the person was due, for those whose feed is not long past."""
        held = self._state.heads_ups_held.items()
        return [at - self._lead(name) for name, at in held if now - at < STEP_GRACE]

    def _lead(self, name: str) -> timedelta:
        rhythm = self._rhythm(name)
        return rhythm.heads_up if rhythm is not None else timedelta(0)

    def _hold_if_absent(self, name: str, at: datetime) -> bool:
        """Hold the heads-up for the time `at` while the person cannot see it (the latest one per rhythm);
        whether it was held."""
        why = self._absent()
        if why is not None:
            self._state.heads_ups_held[name] = at
            self._state.held_why = why
            log.info("holding the heads-up for %s until you are back: %s", name, why)
        return why is not None

    def feed_time(self, name: str, at: datetime) -> None:
        """The time itself, for a rhythm that starts the companion on its own."""
        self._state.feed_starts.pop(name, None)
        rhythm = self._rhythm(name)
        on_time = self._clock() - at < STEP_GRACE
        if rhythm is not None and rhythm.at_the_time == "start" and on_time and self._may_speak():
            log.info("%s: starting the companion at %s", name, at)
            self._start_companion(rhythm.session)

    def again(self, name: str, at: datetime) -> None:
        """A snoozed heads-up comes back (the time may be close now, or passed); not when the computer slept
        through its moment, nor in quiet hours."""
        snoozed = self._state.heads_ups_again.pop(name, None)
        now = self._clock()
        rhythm = self._rhythm(name)
        on_time = snoozed is None or now - snoozed.at < STEP_GRACE
        if (
            rhythm is not None
            and on_time
            and heads_up_allowed(rhythm, self._bank, self._zone, now)
            and self._may_speak()
            and not self._hold_if_absent(name, at)
        ):
            self._show_heads_up(rhythm, at)

    def clock_stepped(self, delta: timedelta) -> None:
        """The clock was set by `delta`: a snoozed heads-up still comes back ten minutes after its press."""
        self._state.heads_ups_again = {
            name: SnoozedHeadsUp(again.at + delta, again.feed) for name, again in self._state.heads_ups_again.items()
        }

    def companion_started(self, now: datetime) -> None:
        """A companion started now: it is the feed of any time close by, whose heads-up and start are not needed."""
        for rhythm in self._bank.rhythms:
            early = max(EARLY_FEED, rhythm.heads_up)
            planned = self._planned.get(rhythm.name)
            if planned is not None and planned.at - early <= now:
                self._state.feeds[rhythm.name] = planned.at
            start = self._state.feed_starts.get(rhythm.name)
            if start is not None and start - early <= now:
                self._timers.cancel(_feed_key(rhythm.name))
                del self._state.feed_starts[rhythm.name]
            held = self._state.heads_ups_held.get(rhythm.name)
            if held is not None and held - early <= now:
                del self._state.heads_ups_held[rhythm.name]
            again = self._state.heads_ups_again.get(rhythm.name)
            if again is not None and again.feed - early <= now:
                self._timers.cancel(_again_key(rhythm.name))
                del self._state.heads_ups_again[rhythm.name]
        self.plan()

    def report(self) -> dict[str, HeadsUpReport]:
        """Each rhythm's next time and when its heads-up comes (a snoozed one first)."""
        coming = {name: (feed.at, feed.heads_up_at) for name, feed in self._planned.items()}
        for name, again in self._state.heads_ups_again.items():
            if name not in coming or again.at < coming[name][1]:
                coming[name] = (again.feed, again.at)
        return {
            name: HeadsUpReport(
                time=at.astimezone(self._zone).isoformat(), heads_up=heads_up.astimezone(self._zone).isoformat()
            )
            for name, (at, heads_up) in sorted(coming.items())
        }

    def _plan_next(self, rhythm: Rhythm, now: datetime) -> None:
        after = max(now, self._state.feeds.get(rhythm.name, now))
        feed = next_feed(rhythm, self._bank, self._zone, after, self._state.last_feed)
        if feed is None:
            self._planned.pop(rhythm.name, None)
            self._timers.cancel(_heads_up_key(rhythm.name))
        else:
            self._planned[rhythm.name] = feed
            self._timers.at(_heads_up_key(rhythm.name), feed.heads_up_at, HeadsUpDue(rhythm.name, feed.at))

    def _forget(self, name: str) -> None:
        for key in (_heads_up_key(name), _feed_key(name), _again_key(name)):
            self._timers.cancel(key)
        self._planned.pop(name, None)
        self._state.feed_starts.pop(name, None)
        self._state.heads_ups_again.pop(name, None)
        self._state.heads_ups_held.pop(name, None)

    def _may_speak(self) -> bool:
        """Not while paused, and not over a companion already running (it is this feed)."""
        if self._reminders.pause(self._clock()) is not None:
            return False
        if self._companion_running():
            log.info("a companion is running: it is this feed, so no heads-up or second start")
            return False
        return True

    def _show_heads_up(self, rhythm: Rhythm, at: datetime) -> None:
        local = at.astimezone(self._zone)
        # A snoozed heads-up can come back after its time: then "coming up" would be wrong.
        passed = at <= self._clock()
        notification = Notification(
            f"Time for {rhythm.name} ({local:%H:%M})" if passed else f"Coming up: {rhythm.name} at {local:%H:%M}",
            "Water and a snack within reach. If a wave comes, it passes.",
            "heads-up",
            max((at - self._clock()).total_seconds(), 60.0),
            (CLICK, START, SNOOZE, SKIP),
            f"Start the companion: dmer-tips session {rhythm.session}",
        )
        self._show(notification, lambda key: self._pressed(rhythm.name, at, key))

    def _pressed(self, name: str, at: datetime, key: str) -> None:
        rhythm = self._rhythm(name)  # as the tips file says now: it may have been edited since
        if rhythm is None:
            return
        self._state.feed_starts.pop(name, None)
        self._timers.cancel(_feed_key(name))  # whichever button: nothing starts on its own over the choice
        if key in (START.key, DEFAULT_ACTION):
            self._start_companion(rhythm.session)
        elif key == SNOOZE.key:
            again = SnoozedHeadsUp(self._clock() + SNOOZE_HEADS_UP, at)
            self._state.heads_ups_again[name] = again
            self._timers.at(_again_key(name), again.at, HeadsUpAgain(name, at))
        elif key == SKIP.key:
            self._state.heads_ups_again.pop(name, None)
            self._timers.cancel(_again_key(name))
            log.info("%s at %s skipped", name, at)

    def _rhythm(self, name: str) -> Rhythm | None:
        return next((rhythm for rhythm in self._bank.rhythms if rhythm.name == name), None)


def _heads_up_key(name: str) -> str:
    return f"heads-up-{name}"


def _feed_key(name: str) -> str:
    return f"feed-{name}"


def _again_key(name: str) -> str:
    return f"heads-up-again-{name}"
