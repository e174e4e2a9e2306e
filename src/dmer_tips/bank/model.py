"""The tip bank as frozen data: what tips.yaml means once it has been checked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from typing import Literal, TypeVar

from dmer_tips.errors import DmerTipsError, Problem, did_you_mean
from dmer_tips.timespec import DailyWindow, format_clock, format_duration, format_weekdays

TEXT_LIMIT = 200
TITLE_LIMIT = 40
ONE_LINE = 60  # GNOME shows the title and about this much of the body in a banner, then "…"
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")


def headline(text: str) -> str:
    """The first sentence of a text: what must carry its point where only one line is shown."""
    end = _SENTENCE_END.search(text)
    return text[: end.end()] if end else text


@dataclass(frozen=True)
class Source:
    key: str
    headline: str


@dataclass(frozen=True)
class Tip:
    id: str
    category: str
    title: str
    text: str
    source: Source


@dataclass(frozen=True)
class Schedule:
    """When a category's slots fall: fixed clock times, or every `every` within `window`, on `days`.

    Times are wall-clock seconds after midnight, so a slot stays at its local time across DST changes.
    `jitter` moves each slot by up to that much either way, the same way every time it is planned.
    """

    days: frozenset[int]
    jitter: timedelta
    at_s: tuple[int, ...] = ()
    every: timedelta | None = None
    window: DailyWindow | None = None

    def seconds_on_a_day(self) -> list[int]:
        """Every slot of one active day, in order (seconds after midnight)."""
        if self.every is None or self.window is None:
            return list(self.at_s)
        step = int(self.every.total_seconds())
        return list(range(self.window.start_s, self.window.end_s, step))

    def describe(self) -> str:
        if self.every is not None and self.window is not None:
            when = f"every {format_duration(self.every)} from {format_clock(self.window.start_s)} to {format_clock(self.window.end_s)}"
        else:
            when = "at " + _join([format_clock(s) for s in self.at_s])
        days = format_weekdays(self.days)
        on_days = days if days == "every day" else f"on {days}"
        jitter = f", give or take {format_duration(self.jitter)}" if self.jitter else ""
        return f"{when} {on_days}{jitter}"


@dataclass(frozen=True)
class Category:
    name: str
    title: str
    schedule: Schedule
    tips: tuple[Tip, ...]


@dataclass(frozen=True)
class WaitWhile:
    """When a due reminder is held until the person can see it: the screen locked, `away` (no input for that
    long; None: never), or the desktop in `do_not_disturb`. `heads_ups` holds the heads-up before a feed too."""

    screen_locked: bool = True
    away: timedelta | None = timedelta(minutes=5)
    do_not_disturb: bool = True
    heads_ups: bool = True

    @property
    def waits_for_anything(self) -> bool:
        return self.screen_locked or self.away is not None or self.do_not_disturb


@dataclass(frozen=True)
class Settings:
    """Rules over all categories: never in `quiet_hours`, at least `min_gap` apart, at most `daily_max` a day.

    A slot that cannot be delivered within `grace` of its time (after a suspend, or pushed back by the
    gap) is skipped rather than sent late. A tip stays on screen for `show_for` (None: until dismissed);
    its Later button brings it back after `snooze`. `wait_while` says when a reminder waits for the person;
    `discreet` titles never name D-MER, milk or feeding.
    """

    quiet_hours: DailyWindow | None
    min_gap: timedelta
    daily_max: int
    grace: timedelta
    show_for: timedelta | None = timedelta(seconds=20)
    snooze: timedelta = timedelta(minutes=30)
    wait_while: WaitWhile = WaitWhile()
    discreet: bool = False


@dataclass(frozen=True)
class Step:
    """One notification of a let-down session, `after` the session starts."""

    after: timedelta
    title: str
    text: str
    source: Source


@dataclass(frozen=True)
class Session:
    """A guided sequence for one feed or pump, started by the parent (`dmer-tips session NAME`)."""

    name: str
    steps: tuple[Step, ...]


AtTheTime = Literal["ask", "start", "nothing"]
AT_THE_TIME: tuple[AtTheTime, ...] = ("ask", "start", "nothing")


@dataclass(frozen=True)
class Rhythm:
    """Feeding or pumping times, and a gentle heads-up `heads_up` before each.

    The times are a `schedule` (clock times, or an interval in a window, on chosen days), or, as baby
    trackers do for feeding on demand, `after_last` a feed (the last companion started, or the last
    episode logged). At each time the companion `session` is offered on the heads-up (`ask`), started
    (`start`), or left alone (`nothing`). Heads-ups keep to quiet hours unless `at_night`.
    """

    name: str
    session: str
    heads_up: timedelta
    at_the_time: AtTheTime
    at_night: bool
    schedule: Schedule | None = None
    after_last: timedelta | None = None

    def describe(self) -> str:
        when = (
            self.schedule.describe()
            if self.schedule is not None
            else f"{format_duration(self.after_last or timedelta(0))} after the last feed"
        )
        night = ", also at night" if self.at_night else ""
        return f"{when}; a heads-up {format_duration(self.heads_up)} before{night}"


@dataclass(frozen=True)
class TipBank:
    """A checked tip file; `notes` are advice that does not stop it being used (`dmer-tips check` shows them)."""

    path: str
    settings: Settings
    categories: tuple[Category, ...]
    sessions: tuple[Session, ...] = ()
    notes: tuple[Problem, ...] = ()
    rhythms: tuple[Rhythm, ...] = ()

    def session(self, name: str | None) -> Session:
        """The named session, or the first one; a DmerTipsError that suggests the closest name otherwise."""
        if not self.sessions:
            raise DmerTipsError("the tip file has no sessions — add a sessions: section (see the README)")
        if name is None:
            return self.sessions[0]
        return _named(name, {s.name: s for s in self.sessions}, "session")

    @property
    def tips(self) -> tuple[Tip, ...]:
        return tuple(tip for category in self.categories for tip in category.tips)

    @cached_property
    def _by_name(self) -> dict[str, Category]:
        return {c.name: c for c in self.categories}

    def category(self, name: str) -> Category:
        """The category called `name`; a DmerTipsError that suggests the closest name otherwise."""
        return _named(name, self._by_name, "category")

    def has_tip(self, category: str, tip_id: str) -> bool:
        return category in self._by_name and any(tip.id == tip_id for tip in self._by_name[category].tips)

    def tip(self, category: str, tip_id: str) -> Tip:
        """The tip `tip_id` of `category`; a DmerTipsError when it is not there (any more)."""
        return _named(tip_id, {t.id: t for t in self.category(category).tips}, "tip")


T = TypeVar("T")


def _named(name: str, choices: dict[str, T], kind: str) -> T:
    if name in choices:
        return choices[name]
    hint = did_you_mean(name, list(choices)) or "choose one of: " + ", ".join(choices)
    raise DmerTipsError(f'there is no {kind} "{name}" — {hint}')


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
