"""What to send and when: the planner's timing joined to the rotation's choice of tip, with no I/O.

The service drives this with the real clock; `preview` drives it with a simulated one. Both go through
`next_due` and `take`, so the preview is exactly what the service would send.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from dmer_tips.bank.model import Tip, TipBank
from dmer_tips.schedule.pause import Pause
from dmer_tips.schedule.planner import Bounds, Due, Planner
from dmer_tips.schedule.rhythm import Feed, planned_feeds
from dmer_tips.schedule.state import ServiceState, Snoozed


@dataclass(frozen=True)
class Sent:
    """One reminder in a timeline: when (local time), which category, which tip."""

    at: datetime
    tip: Tip


class Reminders:
    def __init__(self, bank: TipBank, state: ServiceState, zone: tzinfo, now: datetime) -> None:
        self.state = state
        self.zone = zone
        self.bank = bank
        self.planner = Planner(bank, zone, state.rotation.seed)
        state.plan.adopt(bank, now)

    def follow_zone(self, zone: tzinfo) -> bool:
        """Plan in `zone` from now on (the computer moved to another time zone); whether it changed."""
        if str(zone) == str(self.zone):
            return False
        self.zone = zone
        self.planner = Planner(self.bank, zone, self.state.rotation.seed)
        return True

    def replace_bank(self, bank: TipBank, now: datetime) -> None:
        """Use an edited bank; schedule progress, rotation bags and tips asked for later (if still there) carry over."""
        self.bank = bank
        self.planner = Planner(bank, self.zone, self.state.rotation.seed)
        self.state.plan.adopt(bank, now)
        known = {(tip.category, tip.id) for tip in bank.tips}
        self.state.snoozed = [s for s in self.state.snoozed if (s.category, s.tip_id) in known]

    def pause(self, now: datetime) -> Pause | None:
        """The pause in effect at `now`, or None."""
        pause = self.state.pause
        return pause if pause is not None and pause.active(now) else None

    def _floor(self, now: datetime) -> datetime | None:
        """From when reminders may go out: now, or the end of a pause; None while paused until resumed."""
        pause = self.pause(now)
        if pause is None:
            return now
        return pause.until

    def next_due(self, now: datetime, bounds: Bounds | None = None) -> Due | None:
        """The earliest reminder to send (a tip asked for later, or a scheduled one); on a tie the one waiting
        longest goes first; while paused, after the pause. `bounds` speeds up a run of calls (see Bounds)."""
        floor = self._floor(now)
        if floor is None:
            return None
        scheduled = self.planner.earliest(self.state.plan, floor, bounds)
        candidates = ([scheduled] if scheduled else []) + self._snoozed_due(now, floor)
        return min(candidates, key=lambda due: (due.at, due.slot), default=None)

    def snoozed_due(self, now: datetime) -> list[Due]:
        """The tips asked for later, each at the first moment the rules allow after `at` and any pause (none
        while paused until resumed); one whose moment passed more than `grace` ago (the laptop slept) is left
        out, and let go by `forget_missed`."""
        floor = self._floor(now)
        return [] if floor is None else self._snoozed_due(now, floor)

    def _snoozed_due(self, now: datetime, floor: datetime) -> list[Due]:
        plan, grace = self.state.plan, self.bank.settings.grace
        dues = (
            Due(s.category, s.at, self.planner.first_allowed(plan, max(s.at, floor)), s.tip_id)
            for s in self.state.snoozed
        )
        return [due for due in dues if now - due.at <= grace]

    def forget_missed(self, now: datetime) -> None:
        """Let go of tips asked for later whose time passed unseen (see `snoozed_due`)."""
        floor = self._floor(now)
        if floor is None:
            return  # nothing is due while paused until resumed, and nothing is missed either
        due = {(d.category, d.tip_id) for d in self._snoozed_due(now, floor)}
        self.state.snoozed = [s for s in self.state.snoozed if (s.category, s.tip_id) in due]

    def snooze(self, tip: Tip, until: datetime) -> bool:
        """Show `tip` again at `until` (or as soon after as the rules allow), instead of the next in its rotation;
        False when the tip is no longer in the bank (its notification outlived an edit)."""
        if not self.bank.has_tip(tip.category, tip.id):
            return False
        self._drop_snoozed(tip.category, tip.id)
        self.state.snoozed.append(Snoozed(tip.category, tip.id, until))
        return True

    def _drop_snoozed(self, category: str, tip_id: str) -> None:
        self.state.snoozed = [s for s in self.state.snoozed if (s.category, s.tip_id) != (category, tip_id)]

    def hold(self, due: Due, why: str) -> None:
        """`due` came while the person could not see it: its slot is dealt with but nothing is used up or counted;
        it replaces any reminder held before (they get the latest one, never a burst)."""
        if due.tip_id is None:
            self.state.plan.cursors[due.category] = due.slot
        else:
            self._drop_snoozed(due.category, due.tip_id)
        self.state.held, self.state.held_why = due, why

    def still_held(self, now: datetime) -> Due | None:
        """The held reminder while it could still go out (within grace of its time), else None."""
        due = self.state.held
        return due if due is not None and now - due.at <= self.bank.settings.grace else None

    def release(self, now: datetime) -> Due | None:
        """The person is back: the held reminder to send now, if it is still within grace and the rules allow it
        now (not paused, in quiet hours, too soon after another or over the daily maximum); it is let go either way."""
        due, self.state.held = self.still_held(now), None
        if due is None or self.pause(now) is not None:
            return None
        if due.tip_id is not None and not self.bank.has_tip(due.category, due.tip_id):
            return None
        if due.tip_id is None and due.category not in {c.name for c in self.bank.categories}:
            return None
        if self.planner.first_allowed(self.state.plan, now) > now:
            return None
        return Due(due.category, due.slot, now, due.tip_id)

    def upcoming(self, now: datetime) -> dict[str, Due | None]:
        """Each category's next reminder; while paused, the first after the pause (none while paused until resumed)."""
        floor = self._floor(now)
        if floor is None:
            return dict.fromkeys((c.name for c in self.bank.categories), None)
        return self.planner.next_per_category(self.state.plan, floor)

    def take(self, due: Due) -> Tip:
        """Mark `due` as sent and return the tip to show for it."""
        self.state.plan.record(due, due.at.astimezone(self.zone).date())
        self.state.held = None  # the person sees this one: an older held reminder would only be a burst
        if due.tip_id is not None:
            self._drop_snoozed(due.category, due.tip_id)
            return self.bank.tip(due.category, due.tip_id)
        return self.state.rotation.draw(self.bank.category(due.category))

    def clock_stepped(self, delta: timedelta) -> None:
        """The wall clock was set by `delta` without time passing (not a suspend): re-anchor to it.

        A pause asked for as a length keeps its length; one until a clock time stays at that time.
        """
        intervals = {c.name for c in self.bank.categories if c.schedule.every is not None}
        self.state.plan.shift(delta, intervals)
        pause = self.state.pause
        if pause is not None and pause.until is not None and pause.relative:
            self.state.pause = Pause(pause.until + delta, relative=True)

    def heads_ups(self, start: datetime, end: datetime) -> list[Feed]:
        """Every heads-up of the feeding or pumping rhythm from `start` to `end` (each feed taken as on time), but
        none while paused."""
        feeds = planned_feeds(self.bank, self.zone, start, end, self.state.last_feed)
        return [feed for feed in feeds if self.pause(feed.heads_up_at) is None]

    def timeline(self, start: datetime, end: datetime) -> list[Sent]:
        """Everything that would be sent from `start` to `end`, advancing a simulated clock."""
        sent: list[Sent] = []
        now = start
        bounds = Bounds()  # the simulated clock only moves forward, so the search can resume where it was
        while (due := self.next_due(now, bounds)) is not None and due.at <= end:
            sent.append(Sent(due.at.astimezone(self.zone), self.take(due)))
            now = due.at
        return sent
