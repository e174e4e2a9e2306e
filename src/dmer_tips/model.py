"""The tip bank as frozen data: what tips.yaml means once it has been checked."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import timedelta

from dmer_tips.errors import DmerTipsError
from dmer_tips.timespec import DailyWindow, format_clock, format_duration, format_weekdays

TEXT_LIMIT = 200
TITLE_LIMIT = 40


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
class Settings:
    """Rules over all categories: never in `quiet_hours`, at least `min_gap` apart, at most `daily_max` a day.

    A slot that cannot be delivered within `grace` of its time (after a suspend, or pushed back by the
    gap) is skipped rather than sent late.
    """

    quiet_hours: DailyWindow | None
    min_gap: timedelta
    daily_max: int
    grace: timedelta


@dataclass(frozen=True)
class TipBank:
    path: str
    settings: Settings
    categories: tuple[Category, ...]

    @property
    def tips(self) -> tuple[Tip, ...]:
        return tuple(tip for category in self.categories for tip in category.tips)

    def category(self, name: str) -> Category:
        """The category called `name`; a DmerTipsError that suggests the closest name otherwise."""
        found = next((c for c in self.categories if c.name == name), None)
        if found is None:
            names = [c.name for c in self.categories]
            close = difflib.get_close_matches(name, names, n=1)
            hint = f'did you mean "{close[0]}"?' if close else "choose one of: " + ", ".join(names)
            raise DmerTipsError(f'there is no category "{name}" — {hint}')
        return found


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
