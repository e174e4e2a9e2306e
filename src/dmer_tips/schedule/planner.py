"""Which reminder is due next: the one scheduling calculation shared by `run`, `preview` and `next`.

Pure functions of the tip bank, the saved progress and `now`; nothing here reads a clock or sleeps.
All arithmetic is done in UTC, and slots are built from local wall-clock times, so a reminder at 09:00
stays at 09:00 across a DST change, a time that does not exist on a spring-forward day moves to just
after the gap, and a time that happens twice on a fall-back day is used once.
"""

from __future__ import annotations

import bisect
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo

from dmer_tips.bank.model import Category, Schedule, TipBank
from dmer_tips.timespec import clock_of

UTC = timezone.utc
_SEARCH_DAYS = 15  # a weekly schedule always has a slot within this many days


@dataclass(frozen=True)
class Due:
    """A reminder of `category` for its `slot` (the scheduled time), to be sent `at` (both UTC).

    `tip_id` names the tip when it is one the person asked to see again later; otherwise the rotation picks.
    """

    category: str
    slot: datetime
    at: datetime
    tip_id: str | None = None


@dataclass
class PlanState:
    """Progress through the schedules: the last slot dealt with per category, and today's sending."""

    cursors: dict[str, datetime] = field(default_factory=dict)
    last_sent: datetime | None = None
    sent_day: date | None = None
    sent_count: int = 0

    def adopt(self, bank: TipBank, now: datetime) -> None:
        """Start new categories from `now` (no backlog on first sight) and forget removed ones.

        Progress saved in the future (the clock was set back while nothing ran) is brought back to `now`,
        so a wrong clock once never silences the reminders for as long as it was wrong.
        """
        names = {c.name for c in bank.categories}
        now = now.astimezone(UTC)
        self.cursors = {name: min(at, now) for name, at in self.cursors.items() if name in names}
        for name in names - self.cursors.keys():
            self.cursors[name] = now
        if self.last_sent is not None and self.last_sent > now:
            self.last_sent = now

    def sent_on(self, day: date) -> int:
        return self.sent_count if day == self.sent_day else 0

    def record(self, due: Due, local_day: date) -> None:
        if due.tip_id is None:  # a tip brought back later leaves its category's schedule where it was
            self.cursors[due.category] = due.slot
        self.last_sent = due.at
        self.sent_count = self.sent_on(local_day) + 1
        self.sent_day = local_day

    def shift(self, delta: timedelta, intervals: set[str]) -> None:
        """The wall clock was set by `delta` without time passing: an interval schedule (`intervals`) keeps its
        distance from its last slot, and the gap keeps its length; clock-time schedules stay on their clock
        times, so a slot already sent is never sent again."""
        self.cursors = {name: at + delta if name in intervals else at for name, at in self.cursors.items()}
        if self.last_sent is not None:
            self.last_sent += delta


class Planner:
    """Applies a bank's schedules and its global rules (quiet hours, gap, daily maximum, grace)."""

    def __init__(self, bank: TipBank, zone: tzinfo, seed: int) -> None:
        self.bank = bank
        self.zone = zone
        self.seed = seed

    def next_per_category(self, state: PlanState, now: datetime) -> dict[str, Due | None]:
        """For each category, when its next reminder would go out if no other category got there first."""
        floor = now.astimezone(UTC)
        if state.last_sent is not None:
            floor = max(floor, state.last_sent + self.bank.settings.min_gap)
        return {c.name: self._candidate(c, state, floor, now) for c in self.bank.categories}

    def _candidate(self, category: Category, state: PlanState, floor: datetime, now: datetime) -> Due | None:
        settings = self.bank.settings
        # Slots more than `grace` before the floor can never be sent: start past them (a long pause or suspend).
        oldest_useful = floor - settings.grace - category.schedule.jitter - timedelta(seconds=1)
        slots = self.slots_after(category.schedule, max(state.cursors.get(category.name, now), oldest_useful))
        horizon = floor + timedelta(days=_SEARCH_DAYS)
        slot = next(slots)
        for following in slots:
            when, following_when = self._jittered(category, slot), self._jittered(category, following)
            at = max(when, floor)
            if when > horizon:
                return None
            local = at.astimezone(self.zone)
            passed_over = (
                following_when <= at  # a later slot is due too: only the newest counts, never a backlog
                or at - when > settings.grace
                or (settings.quiet_hours is not None and settings.quiet_hours.contains(local.time()))
                or state.sent_on(local.date()) >= settings.daily_max
            )
            if not passed_over:
                return Due(category.name, slot, at)
            slot = following
        return None  # pragma: no cover - slots_after never ends

    def first_allowed(self, state: PlanState, at: datetime) -> datetime:
        """The first moment from `at` on when a reminder may go out: after the gap, outside quiet hours, on a
        day that has room left under the daily maximum."""
        settings = self.bank.settings
        if state.last_sent is not None:
            at = max(at, state.last_sent + settings.min_gap)
        for _ in range(_SEARCH_DAYS * 2):
            local = at.astimezone(self.zone)
            quiet = settings.quiet_hours
            if quiet is not None and quiet.contains(local.time()):
                at = self._next_wall_time(local, quiet.end_s)
            elif state.sent_on(local.date()) >= settings.daily_max:
                at = self._instant(local.date() + timedelta(days=1), 0)
            else:
                return at
        return at

    def _next_wall_time(self, local: datetime, second_of_day: int) -> datetime:
        today = self._instant(local.date(), second_of_day)
        return today if today > local else self._instant(local.date() + timedelta(days=1), second_of_day)

    def slots_after(self, schedule: Schedule, after: datetime) -> Iterator[datetime]:
        """The schedule's slots strictly after `after`, in order, as UTC instants, without end."""
        after = after.astimezone(UTC)
        day = after.astimezone(self.zone).date() - timedelta(days=1)
        seconds = schedule.seconds_on_a_day()
        while True:
            if day.weekday() in schedule.days:
                local = after.astimezone(self.zone)
                # A wall time can sit an hour from its instant around DST, so start two hours early.
                start_s = local.hour * 3600 + local.minute * 60 - 7200 if day == local.date() else 0
                for second in seconds[bisect.bisect_left(seconds, start_s) :]:
                    at = self._instant(day, second)
                    if at > after:  # also drops a wall time that a DST gap pushed onto a later one
                        yield at
                        after = at
            day += timedelta(days=1)

    def _instant(self, day: date, second_of_day: int) -> datetime:
        wall = datetime.combine(day, clock_of(second_of_day), tzinfo=self.zone)
        # fold=0 picks the first of a repeated wall time; a missing one converts to just after the gap.
        return wall.astimezone(UTC)

    def _jittered(self, category: Category, slot: datetime) -> datetime:
        """The slot moved by its own jitter: the same offset every time the same slot is planned."""
        spread = int(category.schedule.jitter.total_seconds())
        if not spread:
            return slot
        # A hash of (seed, category, slot) rather than a seeded Random: as evenly spread, many times cheaper.
        mixed = zlib.crc32(f"{self.seed}:{category.name}:{int(slot.timestamp())}".encode())
        return slot + timedelta(seconds=mixed % (2 * spread + 1) - spread)
