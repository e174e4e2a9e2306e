"""The service's memory across restarts: rotation bags, schedule progress and pause, in one JSON file.

The file is ours, but a hand, a full disk, or an older or newer version can leave anything in it. Every
value is checked as it is read; a file that does not hold what we wrote is set aside (`state.bad`) with
a message, and the service starts fresh rather than not at all.
"""

from __future__ import annotations

import json
import logging
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from dmer_tips.schedule.pause import Pause
from dmer_tips.schedule.planner import Due, PlanState
from dmer_tips.schedule.rotation import Bag, Rotation
from dmer_tips.storage import open_private, write_atomically

STATE_VERSION = 2
STATE_LIMIT = 4 * 1024 * 1024  # far above any real state; a bigger file is not ours
_EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)  # moments outside these years are not ours (and the
_LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)  # calendar arithmetic would overflow near year 9999)
log = logging.getLogger(__name__)
T = TypeVar("T")


class StateFormatError(ValueError):
    """The state file does not hold what dmer-tips writes."""


@dataclass(frozen=True)
class Snoozed:
    """A tip the person asked to see again (Later), and from when."""

    category: str
    tip_id: str
    at: datetime


@dataclass(frozen=True)
class SnoozedHeadsUp:
    """A heads-up put off with its Snooze button: it comes back `at`, for the feed time `feed`."""

    at: datetime
    feed: datetime


@dataclass
class ServiceState:
    rotation: Rotation
    plan: PlanState = field(default_factory=PlanState)
    pause: Pause | None = None
    notification_ids: dict[str, int] = field(default_factory=dict)  # the last one on screen per slot
    snoozed: list[Snoozed] = field(default_factory=list)
    # Per rhythm: the last feed time whose heads-up was handled; a companion to start on its own at a feed time;
    # a heads-up snoozed (when it comes back, for which feed time).
    feeds: dict[str, datetime] = field(default_factory=dict)
    last_feed: datetime | None = None  # the last companion started or episode logged
    feed_starts: dict[str, datetime] = field(default_factory=dict)
    heads_ups_again: dict[str, SnoozedHeadsUp] = field(default_factory=dict)
    # What came due while the person could not see it, and why: the latest reminder (its slot is dealt with,
    # nothing drawn or counted), and per rhythm the feed time of a heads-up; see Reminders.hold.
    held: Due | None = None
    heads_ups_held: dict[str, datetime] = field(default_factory=dict)
    held_why: str = ""
    welcomed: bool = False  # the first-run welcome was shown

    @classmethod
    def fresh(cls, seed: int | None = None) -> ServiceState:
        return cls(Rotation(seed if seed is not None else random.SystemRandom().randrange(2**32)))

    def to_json(self) -> dict[str, Any]:
        plan = self.plan
        return {
            "version": STATE_VERSION,
            "seed": self.rotation.seed,
            "bags": {
                name: {"remaining": bag.remaining, "shown": bag.shown, "rounds": bag.rounds}
                for name, bag in self.rotation.bags.items()
            },
            "plan": {
                "cursors": {name: at.isoformat() for name, at in plan.cursors.items()},
                "last_sent": plan.last_sent.isoformat() if plan.last_sent else None,
                "sent_day": plan.sent_day.isoformat() if plan.sent_day else None,
                "sent_count": plan.sent_count,
            },
            "pause": self.pause.to_json() if self.pause else None,
            "notification_ids": self.notification_ids,
            "snoozed": [{"category": s.category, "tip": s.tip_id, "at": s.at.isoformat()} for s in self.snoozed],
            "feeds": {name: at.isoformat() for name, at in self.feeds.items()},
            "last_feed": self.last_feed.isoformat() if self.last_feed else None,
            "feed_starts": {name: at.isoformat() for name, at in self.feed_starts.items()},
            "heads_ups_again": {
                name: {"at": again.at.isoformat(), "feed": again.feed.isoformat()}
                for name, again in self.heads_ups_again.items()
            },
            "held": None if self.held is None else _held_json(self.held),
            "heads_ups_held": {name: at.isoformat() for name, at in self.heads_ups_held.items()},
            "held_why": self.held_why,
            "welcomed": self.welcomed,
        }

    @classmethod
    def from_json(cls, data: object) -> ServiceState:
        """Read what `to_json` wrote (or version 1's layout); StateFormatError for anything else."""
        top = _dict(data, "the file")
        seed = _int(top.get("seed"), "seed")
        bags = {
            name: Bag(
                _strings(raw.get("remaining", []), "remaining"),
                _strings(raw.get("shown", []), "shown"),
                _int(raw.get("rounds", 0), "rounds"),
            )
            for name, raw in ((name, _dict(raw, "a bag")) for name, raw in _dict(top.get("bags", {}), "bags").items())
        }
        plan = _dict(top.get("plan", {}), "plan")
        state = cls(
            Rotation(seed, bags),
            PlanState(
                {name: _instant(at, "a cursor") for name, at in _dict(plan.get("cursors", {}), "cursors").items()},
                _optional(plan.get("last_sent"), lambda v: _instant(v, "last_sent")),
                _optional(plan.get("sent_day"), lambda v: _day(v, "sent_day")),
                _int(plan.get("sent_count", 0), "sent_count"),
            ),
            _pause(top),
            {
                slot: _int(shown_as, "a notification id")
                for slot, shown_as in _dict(top.get("notification_ids", {}), "notification_ids").items()
            },
            [_snoozed(item) for item in _list(top.get("snoozed", []), "snoozed")],
            _instants(top.get("feeds", {}), "feeds"),
            _optional(top.get("last_feed"), lambda v: _instant(v, "last_feed")),
            _instants(top.get("feed_starts", {}), "feed_starts"),
            {
                name: _snoozed_heads_up(item)
                for name, item in _dict(top.get("heads_ups_again", {}), "heads_ups_again").items()
            },
            _optional(top.get("held"), _held),
            _instants(top.get("heads_ups_held", {}), "heads_ups_held"),
            _text(top.get("held_why", ""), "held_why"),
            # A file from before the welcome existed belongs to someone who is not new.
            _bool(top.get("welcomed", True), "welcomed"),
        )
        return state


def _held_json(due: Due) -> dict[str, Any]:
    return {"category": due.category, "slot": due.slot.isoformat(), "at": due.at.isoformat(), "tip": due.tip_id}


def _held(value: object) -> Due:
    item = _dict(value, "a held reminder")
    category, tip_id = item.get("category"), item.get("tip")
    if not isinstance(category, str) or not isinstance(tip_id, (str, type(None))):
        raise StateFormatError("a held reminder names no reminder")
    return Due(category, _instant(item.get("slot"), "a held slot"), _instant(item.get("at"), "a held moment"), tip_id)


def _bool(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise StateFormatError(f"{what} is not true or false")
    return value


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or len(value) > 200:
        raise StateFormatError(f"{what} is not a short text")
    return value


def _pause(top: dict[str, Any]) -> Pause | None:
    if "paused_until" in top:  # version 1: an instant, with the year 9999 standing for "until resumed"
        raw = top["paused_until"]
        if isinstance(raw, str) and raw.startswith("9999-"):
            return Pause(None)
        until = _optional(raw, lambda v: _instant(v, "paused_until"))
        return None if until is None else Pause(until)
    raw = top.get("pause")
    if raw is None:
        return None
    pause = _dict(raw, "pause")
    relative = pause.get("relative", False)
    if not isinstance(relative, bool):
        raise StateFormatError("pause is not a pause")
    return Pause(_optional(pause.get("until"), lambda v: _instant(v, "pause")), relative)


def _snoozed(value: object) -> Snoozed:
    item = _dict(value, "a tip for later")
    category, tip_id = item.get("category"), item.get("tip")
    if not isinstance(category, str) or not isinstance(tip_id, str):
        raise StateFormatError("a tip for later names no tip")
    return Snoozed(category, tip_id, _instant(item.get("at"), "a tip for later"))


def _snoozed_heads_up(value: object) -> SnoozedHeadsUp:
    item = _dict(value, "a snoozed heads-up")
    return SnoozedHeadsUp(_instant(item.get("at"), "a snoozed heads-up"), _instant(item.get("feed"), "a feed"))


def _instants(value: object, what: str) -> dict[str, datetime]:
    return {name: _instant(at, f"a moment in {what}") for name, at in _dict(value, what).items()}


def _list(value: object, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise StateFormatError(f"{what} is not a JSON list")
    return value


def _dict(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise StateFormatError(f"{what} is not a JSON object")
    return value


def _int(value: object, what: str) -> int:
    if type(value) is not int or not 0 <= value < 2**63:
        raise StateFormatError(f"{what} is not a whole number")
    return value


def _strings(value: object, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise StateFormatError(f"{what} is not a list of names")
    return list(value)


def _instant(value: object, what: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or not _EARLIEST <= moment <= _LATEST:
        raise StateFormatError(f"{what} is not a moment in time dmer-tips could have written")
    return moment


def _day(value: object, what: str) -> date:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else _fail(what)
    except ValueError:
        return _fail(what)


def _fail(what: str) -> date:
    raise StateFormatError(f"{what} is not a date")


def _optional(value: object, read: Any) -> Any:
    return None if value is None else read(value)


@dataclass(frozen=True)
class StateFile:
    path: Path

    def load(self, tell: Callable[[str], None] = log.warning) -> ServiceState:
        """The saved state; a missing file starts fresh, one we cannot use is set aside as `.bad` and `tell` says so.

        Raises DmerTipsError only when the file cannot be opened safely (a planted link, another owner).
        """
        if not os.path.lexists(self.path):
            return ServiceState.fresh()
        with os.fdopen(open_private(self.path, os.O_RDONLY), "rb") as handle:
            data = handle.read(STATE_LIMIT + 1)
        try:
            if len(data) > STATE_LIMIT:
                raise StateFormatError("the file is far too big")
            return ServiceState.from_json(json.loads(data.decode("utf-8")))
        except (ValueError, RecursionError) as error:
            aside = self.path.with_suffix(".bad")
            self.path.replace(aside)
            tell(
                f"The saved progress in {self.path} could not be read ({error}); starting afresh"
                f" (the old file is kept as {aside.name})."
            )
            fresh = ServiceState.fresh()
            fresh.welcomed = True  # someone with saved progress has been welcomed already
            return fresh

    def save(self, state: ServiceState) -> None:
        write_atomically(self.path, json.dumps(state.to_json(), indent=1).encode("utf-8"))
