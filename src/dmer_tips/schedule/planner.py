"""Which reminder is due next: the one scheduling calculation shared by `run`, `preview` and `next`.

Pure functions of the tip bank, the saved progress and `now`; nothing here reads a clock or sleeps.
All arithmetic is done in UTC, and slots are built from local wall-clock times, so a reminder at 09:00
stays at 09:00 across a DST change, a time that does not exist on a spring-forward day moves to just
after the gap, and a time that happens twice on a fall-back day is used once.
"""

from __future__ import annotations

import bisect
import heapq
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from itertools import islice

from dmer_tips.bank.model import Category, Schedule, TipBank
from dmer_tips.timespec import clock_of

UTC = timezone.utc
_SEARCH_DAYS = 15  # a weekly schedule always has a slot within this many days
_HORIZON = timedelta(days=_SEARCH_DAYS)
_BATCH = 64  # slots listed at a time
_SECOND = timedelta(seconds=1)


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


@dataclass
class Bounds:
    """Lower bounds of each category's next reminder, kept across `Planner.earliest` calls whose clock and
    progress only move forward (a preview). A slot passed over stays passed over as time moves on (see
    `Planner`), so a category's next reminder found earlier is a lower bound of its next one later."""

    heap: list[tuple[datetime, datetime, int]] = field(default_factory=list)
    floor: datetime | None = None  # the floor they were last used with; an earlier one means start again


@dataclass
class _Slots:
    """One category's slots, made once as sorted lists (they depend only on the schedule, the zone and the
    seed), so a planning step is a bisect instead of a walk through the calendar."""

    start: datetime  # the slots strictly after this moment are listed
    source: Iterator[datetime]
    slots: list[datetime] = field(default_factory=list)
    whens: list[datetime] = field(default_factory=list)  # each slot moved by its jitter
    days: list[date] = field(default_factory=list)  # the local date of each `when`
    quiet: list[bool] = field(default_factory=list)  # whether each `when` falls in quiet hours


class Planner:
    """Applies a bank's schedules and its global rules (quiet hours, gap, daily maximum, grace).

    A slot goes out at its time, or, when the gap, quiet hours or a full day are in the way, at the first
    moment they allow; it is passed over when that is more than `grace` late, or when the next slot of its
    category is due by then (only the newest counts, never a backlog). Both only get truer as time moves
    on, so a slot passed over is never taken up again.
    """

    def __init__(self, bank: TipBank, zone: tzinfo, seed: int) -> None:
        self.bank = bank
        self.zone = zone
        self.seed = seed
        # Categories on the same schedule without jitter have the same slots: they share one table.
        self._tables: dict[str | Schedule, _Slots] = {}

    def next_per_category(self, state: PlanState, now: datetime) -> dict[str, Due | None]:
        """For each category, when its next reminder would go out if no other category got there first."""
        floor = self._floor(state, now)
        allowed = self.first_allowed(state, floor)
        return {c.name: self._candidate(c, state, floor, allowed, now) for c in self.bank.categories}

    def earliest(self, state: PlanState, now: datetime, bounds: Bounds | None = None) -> Due | None:
        """The first reminder of any category from `now` (on a tie, the oldest slot, then the first category).

        Categories are looked at in the order of a lower bound of their next reminder, and the search stops
        once no bound can beat the best found, so with many categories most are never computed.
        """
        floor = self._floor(state, now)
        allowed = self.first_allowed(state, floor)
        categories = self.bank.categories
        bounds = bounds if bounds is not None else Bounds()
        if bounds.floor is None or floor < bounds.floor:
            bounds.heap = [self._bound(index, state, floor, now) for index in range(len(categories))]
            heapq.heapify(bounds.heap)
        bounds.floor = floor
        heap = bounds.heap
        best: tuple[datetime, datetime, int] | None = None
        found: Due | None = None
        nothing_soon = []  # categories with nothing within the horizon: back in the heap once this search is done
        while heap and (best is None or heap[0] < best):
            index = heapq.heappop(heap)[2]
            due = self._candidate(categories[index], state, floor, allowed, now)
            if due is None:
                nothing_soon.append(self._bound(index, state, floor, now))
                continue
            heapq.heappush(heap, (due.at, due.slot, index))
            if best is None or (due.at, due.slot, index) < best:
                best, found = (due.at, due.slot, index), due
        for bound in nothing_soon:
            heapq.heappush(heap, bound)
        return found

    def _floor(self, state: PlanState, now: datetime) -> datetime:
        floor = now.astimezone(UTC)
        if state.last_sent is not None:
            floor = max(floor, state.last_sent + self.bank.settings.min_gap)
        return floor

    def _first(self, category: Category, state: PlanState, floor: datetime, now: datetime) -> tuple[_Slots, int]:
        """The category's slots and the index of the first that may still be sent."""
        # Slots more than `grace` before the floor can never be sent: start past them (a long pause or suspend).
        oldest_useful = floor - self.bank.settings.grace - category.schedule.jitter - _SECOND
        return self._table(category, max(state.cursors.get(category.name, now), oldest_useful))

    def _bound(self, index: int, state: PlanState, floor: datetime, now: datetime) -> tuple[datetime, datetime, int]:
        """Not later than the category's next (at, slot): nothing is sent before the floor, no slot earlier
        than its jitter allows, and none before the first slot still to come."""
        category = self.bank.categories[index]
        table, i = self._first(category, state, floor, now)
        return max(floor, table.slots[i] - category.schedule.jitter), table.slots[i], index

    def _candidate(
        self, category: Category, state: PlanState, floor: datetime, allowed: datetime, now: datetime
    ) -> Due | None:
        """The category's next reminder; `allowed` is `first_allowed` of the floor (every moment from the floor
        until then is not allowed, so any slot due before it goes out then)."""
        settings = self.bank.settings
        table, i = self._first(category, state, floor, now)
        horizon = floor + _HORIZON
        while True:
            if len(table.slots) < i + 2:
                self._fill(category, table, i + 2)
            when = table.whens[i]
            if when > horizon:
                return None
            if when < allowed:
                at = allowed
            elif table.quiet[i] or state.sent_on(table.days[i]) >= settings.daily_max:
                at = self.first_allowed(state, when)
            else:
                at = when
            if at - when <= settings.grace and table.whens[i + 1] > at:
                return Due(category.name, table.slots[i], at)
            i += 1

    def _table(self, category: Category, after: datetime) -> tuple[_Slots, int]:
        """The category's slots, and the index of the first one strictly after `after`."""
        schedule = category.schedule
        key = category.name if schedule.jitter else schedule
        table = self._tables.get(key)
        if table is None or after < table.start:  # first use, or the clock went back past the listed slots
            table = _Slots(after, self.slots_after(schedule, after))
            self._tables[key] = table
        while not table.slots or table.slots[-1] <= after:
            self._fill(category, table, len(table.slots) + 1)
        return table, bisect.bisect_right(table.slots, after)

    def _fill(self, category: Category, table: _Slots, count: int) -> None:
        """List at least `count` slots, a batch at a time."""
        quiet_hours = self.bank.settings.quiet_hours
        while len(table.slots) < count:
            for slot in islice(table.source, _BATCH):
                when = self._jittered(category, slot)
                local = when.astimezone(self.zone)
                table.slots.append(slot)
                table.whens.append(when)
                table.days.append(local.date())
                table.quiet.append(quiet_hours is not None and quiet_hours.contains(local.time()))

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
