"""The feeding or pumping rhythm inside the service: a heads-up before each time, and the companion at the time.

Each rhythm has one timer for its next heads-up; once shown, the next one is planned from that time on.
The heads-up has three buttons: Start companion (also a click on it), Snooze 10 min, and Skip. At the
time itself the companion starts on its own if the rhythm says `start`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo

from dmer_tips.bank.model import Rhythm, TipBank
from dmer_tips.notify import Action, Notification
from dmer_tips.notify.base import DEFAULT_ACTION
from dmer_tips.schedule.reminders import Reminders
from dmer_tips.schedule.rhythm import Feed, next_feed
from dmer_tips.service.messages import FeedTime, HeadsUpAgain, HeadsUpDue
from dmer_tips.service.timers import Timers

log = logging.getLogger(__name__)
SNOOZE_HEADS_UP = timedelta(minutes=10)
START, SNOOZE, SKIP = Action("start", "Start companion"), Action("snooze", "Snooze 10 min"), Action("skip", "Skip")
CLICK = Action(DEFAULT_ACTION, "Start companion")  # a click on the heads-up itself; servers show no button for it
Show = Callable[[Notification, Callable[[str], None] | None], None]


class Feeds:
    """Plans and shows the heads-ups of every rhythm in the bank; `start_companion(session)` starts one."""

    def __init__(
        self,
        clock: Callable[[], datetime],
        timers: Timers,
        reminders: Reminders,
        show: Show,
        start_companion: Callable[[str], object],
    ) -> None:
        self._clock = clock
        self._timers = timers
        self._reminders = reminders
        self._show = show
        self._start_companion = start_companion
        self._planned: dict[str, Feed] = {}
        self._snoozed: dict[str, datetime] = {}  # rhythm → when its snoozed heads-up comes back

    @property
    def _bank(self) -> TipBank:
        return self._reminders.bank

    @property
    def _zone(self) -> tzinfo:
        return self._reminders.zone

    def plan(self) -> None:
        """Set each rhythm's heads-up timer from its last handled time (after an edit, a clock jump, a new feed)."""
        now = self._clock()
        state = self._reminders.state
        for name in list(self._planned):
            if name not in {rhythm.name for rhythm in self._bank.rhythms}:
                self._timers.cancel(_heads_up_key(name))
                self._timers.cancel(_again_key(name))
                del self._planned[name]
                self._snoozed.pop(name, None)
        for rhythm in self._bank.rhythms:
            after = max(now, state.feeds.get(rhythm.name, now))
            feed = next_feed(rhythm, self._bank, self._zone, after, state.last_feed)
            if feed is None:
                self._planned.pop(rhythm.name, None)
                self._timers.cancel(_heads_up_key(rhythm.name))
            else:
                self._planned[rhythm.name] = feed
                self._timers.at(_heads_up_key(rhythm.name), feed.heads_up_at, HeadsUpDue(rhythm.name, feed.at))

    def heads_up_due(self, name: str, at: datetime) -> None:
        """Show the heads-up for the time `at` of rhythm `name` (unless paused, or the time already passed)."""
        now = self._clock()
        self._reminders.state.feeds[name] = at
        rhythm = self._rhythm(name)
        if rhythm is not None and at > now and self._reminders.pause(now) is None:
            self._show_heads_up(rhythm, at)
            if rhythm.at_the_time == "start":
                self._timers.at(_feed_key(name), at, FeedTime(name, at))
        self.plan()

    def feed_time(self, name: str, at: datetime) -> None:
        """The time itself, for a rhythm that starts the companion on its own."""
        rhythm = self._rhythm(name)
        if rhythm is not None and self._clock() - at < timedelta(minutes=2):
            log.info("%s: starting the companion at %s", name, at)
            self._start_companion(rhythm.session)

    def again(self, name: str, at: datetime) -> None:
        """A snoozed heads-up, shown again (the time may be close now, or passed)."""
        self._snoozed.pop(name, None)
        rhythm = self._rhythm(name)
        if rhythm is not None:
            self._show_heads_up(rhythm, at)

    def report(self) -> dict[str, str]:
        """Each rhythm's next heads-up: a snoozed one, or the one planned for its next time."""
        coming = {name: feed.heads_up_at for name, feed in self._planned.items()}
        for name, again_at in self._snoozed.items():
            coming[name] = min(again_at, coming.get(name, again_at))
        return {name: at.astimezone(self._zone).isoformat() for name, at in sorted(coming.items())}

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
        self._show(notification, lambda key: self._pressed(rhythm, at, key))

    def _pressed(self, rhythm: Rhythm, at: datetime, key: str) -> None:
        if key in (START.key, DEFAULT_ACTION):
            self._timers.cancel(_feed_key(rhythm.name))
            self._start_companion(rhythm.session)
        elif key == SNOOZE.key:
            again_at = self._clock() + SNOOZE_HEADS_UP
            self._snoozed[rhythm.name] = again_at
            self._timers.at(_again_key(rhythm.name), again_at, HeadsUpAgain(rhythm.name, at))
        elif key == SKIP.key:
            self._timers.cancel(_feed_key(rhythm.name))
            log.info("%s at %s skipped", rhythm.name, at)

    def _rhythm(self, name: str) -> Rhythm | None:
        return next((rhythm for rhythm in self._bank.rhythms if rhythm.name == name), None)


def _heads_up_key(name: str) -> str:
    return f"heads-up-{name}"


def _feed_key(name: str) -> str:
    return f"feed-{name}"


def _again_key(name: str) -> str:
    return f"heads-up-again-{name}"
