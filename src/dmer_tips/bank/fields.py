"""Readers for values that several parts of tips.yaml share: schedules, sources, optional values, words."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from dmer_tips.bank.checker import Checker, did_you_mean_or
from dmer_tips.bank.model import Schedule, Settings, Source
from dmer_tips.bank.yamlnodes import STR, Node, Scalar, Sequence
from dmer_tips.timespec import SECONDS_PER_DAY, DailyWindow, parse_clock, parse_duration, parse_weekdays, parse_window

T = TypeVar("T")
SCHEDULE_KEYS = {"at": False, "every": False, "window": False, "days": False, "jitter": False}
DEFAULT_QUIET_HOURS = DailyWindow(22 * 3600, 8 * 3600)


def schedule(node: Node, checker: Checker, settings: Settings | None) -> Schedule | None:
    mapping = checker.mapping(node, "schedule", SCHEDULE_KEYS)
    if mapping is None:
        return None
    values = {k: v for k, (_, v) in mapping.entries.items()}
    if ("at" in values) == ("every" in values):
        what = 'a schedule has both "every" and "at"' if "at" in values else 'a schedule needs "every" or "at"'
        checker.problem(mapping, what, 'keep one: every: 3h, or at: ["10:00", "15:00"]')
        return None
    days = optional(values, "days", lambda n: checker.spec(n, "days", parse_weekdays, "mon-fri"), frozenset(range(7)))
    jitter = optional(values, "jitter", lambda n: checker.spec(n, "jitter", parse_duration, "10m"), timedelta(0))
    if "at" in values:
        if "window" in values:
            checker.problem(values["window"], '"window" only goes with "every"', 'remove it; "at" times are exact')
        at_s = _clock_list(values["at"], checker)
        if days is None or jitter is None or at_s is None:
            return None
        return Schedule(days, jitter, at_s=at_s)
    every = checker.spec(values["every"], "every", parse_duration, "3h")
    if every is not None and every < timedelta(seconds=1):
        checker.problem(values["every"], '"every" must be at least 1s', "use a longer interval, like 3h")
        every = None
    window = optional(
        values, "window", lambda n: checker.spec(n, "window", parse_window, '"08:00-21:00"'), _default_window(settings)
    )
    if window is not None and window.wraps_midnight:
        checker.problem(
            values["window"], f'the window "{window}" runs over midnight', 'use a daytime window, like "08:00-21:00"'
        )
        window = None
    if days is None or jitter is None or every is None or window is None:
        return None
    return Schedule(days, jitter, every=every, window=window)


def _clock_list(node: Node, checker: Checker) -> tuple[int, ...] | None:
    items = [node] if isinstance(node, Scalar) else (checker.sequence(node, '"at"') or Sequence([], node.mark)).items
    times = [checker.spec(item, "at", parse_clock, '"09:05"') for item in items]
    if not items or None in times:
        if not items:
            checker.problem(node, '"at" has no times', 'list one or more, like at: ["10:00", "15:00"]')
        return None
    return tuple(sorted(set(t for t in times if t is not None)))


def source(node: Node, checker: Checker, sources: dict[str, Source]) -> Source | None:
    key = checker.text(node, "source")
    if key is None:
        return None
    if key not in sources:
        checker.problem(
            node,
            f'unknown source "{key}"',
            did_you_mean_or(key, list(sources), "add it under sources: with its headline"),
        )
        return None
    return sources[key]


def optional(values: dict[str, Node], key: str, read: Callable[[Node], T | None], default: T) -> T | None:
    return read(values[key]) if key in values else default


def _default_window(settings: Settings | None) -> DailyWindow:
    """Without a window, `every` runs in the waking day: outside quiet hours, or all day without them."""
    quiet = settings.quiet_hours if settings else DEFAULT_QUIET_HOURS
    if quiet is None or not quiet.wraps_midnight:
        return DailyWindow(0, SECONDS_PER_DAY)
    return DailyWindow(quiet.end_s, quiet.start_s)


def is_none_word(node: Node) -> bool:
    return is_word(node, "none")


def is_word(node: Node, word: str) -> bool:
    return isinstance(node, Scalar) and node.tag == STR and node.text.strip().lower() == word
