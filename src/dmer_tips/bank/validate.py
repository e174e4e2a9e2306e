"""Turn located YAML nodes into a TipBank, collecting every problem with its place and its fix."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from dmer_tips.bank.checker import Checker, did_you_mean_or
from dmer_tips.bank.model import (
    TEXT_LIMIT,
    TITLE_LIMIT,
    Category,
    Schedule,
    Session,
    Settings,
    Source,
    Step,
    Tip,
    TipBank,
)
from dmer_tips.bank.yamlnodes import NULL, STR, Node, Scalar, Sequence
from dmer_tips.errors import Problem
from dmer_tips.timespec import (
    SECONDS_PER_DAY,
    DailyWindow,
    format_duration,
    parse_clock,
    parse_duration,
    parse_weekdays,
    parse_window,
)

T = TypeVar("T")
_DEFAULT_SETTINGS = Settings(
    quiet_hours=DailyWindow(22 * 3600, 8 * 3600),
    min_gap=timedelta(minutes=45),
    daily_max=8,
    grace=timedelta(hours=1),
)
_TOP_KEYS = {"version": False, "settings": False, "sources": True, "categories": True, "sessions": False}
_SETTINGS_KEYS = {"quiet_hours": False, "min_gap": False, "daily_max": False, "grace": False, "show_for": False}
UNTIL_DISMISSED = "until-dismissed"
_CATEGORY_KEYS = {"title": False, "schedule": True, "tips": True}
_SCHEDULE_KEYS = {"at": False, "every": False, "window": False, "days": False, "jitter": False}
_TIP_KEYS = {"id": False, "title": False, "text": True, "source": True}
_STEP_KEYS = {"after": True, "title": False, "text": True, "source": True}
MAX_STEP_AFTER = timedelta(hours=1)


def derived_tip_id(category: str, text: str) -> str:
    """An id from the tip's own category and text, so editing other tips never changes it.

    CRC-32 rather than a cryptographic hash: it needs no OpenSSL in the service's memory, and the rare
    collision is caught as a duplicate id like any other.
    """
    return f"{category}-{zlib.crc32(text.encode()):08x}"


def build_tip_bank(root: Node | None, checker: Checker) -> TipBank | None:
    """Check the whole document; returns None when any problem was recorded."""
    if root is None or (isinstance(root, Scalar) and root.tag == NULL):
        checker.problems.append(
            Problem(
                checker.path,
                1,
                1,
                "the file is empty",
                "fill it in, or start again from the bundled tips with `dmer-tips edit --restore`",
            )
        )
        return None
    top = checker.mapping(root, "the tip file", _TOP_KEYS)
    if top is None:
        return None
    entries = top.entries
    if "version" in entries and checker.whole_number(entries["version"][1], "version", 1) not in (None, 1):
        checker.problem(
            entries["version"][1], "this file is for a newer dmer-tips", "set version: 1 or upgrade dmer-tips"
        )
    settings = _settings(entries["settings"][1], checker) if "settings" in entries else _DEFAULT_SETTINGS
    sources = _sources(entries["sources"][1], checker) if "sources" in entries else {}
    categories = _categories(entries["categories"][1], checker, sources, settings) if "categories" in entries else ()
    sessions = _sessions(entries["sessions"][1], checker, sources) if "sessions" in entries else ()
    if checker.problems or settings is None:
        return None
    return TipBank(checker.path, settings, categories, sessions, tuple(checker.notes))


def _settings(node: Node, checker: Checker) -> Settings | None:
    mapping = checker.mapping(node, "settings", _SETTINGS_KEYS)
    if mapping is None:
        return None
    values = {k: v for k, (_, v) in mapping.entries.items()}
    quiet = _DEFAULT_SETTINGS.quiet_hours
    if "quiet_hours" in values:
        quiet = (
            None
            if _is_none_word(values["quiet_hours"])
            else checker.spec(values["quiet_hours"], "quiet_hours", parse_window, '"22:00-08:00"')
        )
    min_gap = _optional(
        values, "min_gap", lambda n: checker.spec(n, "min_gap", parse_duration, "45m"), _DEFAULT_SETTINGS.min_gap
    )
    daily_max = _optional(
        values, "daily_max", lambda n: checker.whole_number(n, "daily_max", 1), _DEFAULT_SETTINGS.daily_max
    )
    grace = _optional(
        values, "grace", lambda n: checker.spec(n, "grace", parse_duration, "1h"), _DEFAULT_SETTINGS.grace
    )
    show_for = _DEFAULT_SETTINGS.show_for
    if "show_for" in values:
        show_for = None if _is_word(values["show_for"], UNTIL_DISMISSED) else _show_for(values["show_for"], checker)
        if show_for == timedelta(0):
            return None
    if min_gap is None or daily_max is None or grace is None:
        return None
    return Settings(quiet, min_gap, daily_max, grace, show_for)


def _show_for(node: Node, checker: Checker) -> timedelta:
    """How long a tip stays on screen; timedelta(0) after recording a problem."""
    shown = checker.spec(node, "show_for", parse_duration, f"20s or {UNTIL_DISMISSED}")
    if shown is not None and shown < timedelta(seconds=1):
        checker.problem(node, '"show_for" must be at least 1s', f"use a length like 20s, or {UNTIL_DISMISSED}")
        return timedelta(0)
    return shown or timedelta(0)


def _sources(node: Node, checker: Checker) -> dict[str, Source]:
    mapping = checker.mapping(node, "sources")
    if mapping is None:
        return {}
    sources = {}
    for key, (key_node, value) in mapping.entries.items():
        if checker.name(key_node, "source name") is not None and (headline := checker.text(value, "headline")):
            sources[key] = Source(key, headline)
    return sources


def _categories(
    node: Node, checker: Checker, sources: dict[str, Source], settings: Settings | None
) -> tuple[Category, ...]:
    mapping = checker.mapping(node, "categories")
    if mapping is None:
        return ()
    if not mapping.entries:
        checker.problem(node, "there are no categories", "add at least one category with a schedule and tips")
    seen_ids: dict[str, int] = {}
    categories = []
    for name, (key_node, value) in mapping.entries.items():
        category = _category(name, key_node, value, checker, sources, settings, seen_ids)
        if category is not None:
            categories.append(category)
    return tuple(categories)


def _category(
    name: str,
    key_node: Scalar,
    node: Node,
    checker: Checker,
    sources: dict[str, Source],
    settings: Settings | None,
    seen_ids: dict[str, int],
) -> Category | None:
    if checker.name(key_node, "category name") is None:
        return None
    mapping = checker.mapping(node, f'category "{name}"', _CATEGORY_KEYS)
    if mapping is None:
        return None
    entries = mapping.entries
    title = (
        checker.text(entries["title"][1], "title", TITLE_LIMIT)
        if "title" in entries
        else name.replace("-", " ").capitalize()
    )
    schedule = _schedule(entries["schedule"][1], checker, settings) if "schedule" in entries else None
    tips = _tips(name, title or name, entries["tips"], checker, sources, seen_ids) if "tips" in entries else []
    if title is None or schedule is None or not tips:
        return None
    return Category(name, title, schedule, tuple(tips))


def _schedule(node: Node, checker: Checker, settings: Settings | None) -> Schedule | None:
    mapping = checker.mapping(node, "schedule", _SCHEDULE_KEYS)
    if mapping is None:
        return None
    values = {k: v for k, (_, v) in mapping.entries.items()}
    if ("at" in values) == ("every" in values):
        what = 'a schedule has both "every" and "at"' if "at" in values else 'a schedule needs "every" or "at"'
        checker.problem(mapping, what, 'keep one: every: 3h, or at: ["10:00", "15:00"]')
        return None
    days = _optional(values, "days", lambda n: checker.spec(n, "days", parse_weekdays, "mon-fri"), frozenset(range(7)))
    jitter = _optional(values, "jitter", lambda n: checker.spec(n, "jitter", parse_duration, "10m"), timedelta(0))
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
    window = _optional(
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


def _tips(
    category: str,
    default_title: str,
    entry: tuple[Scalar, Node],
    checker: Checker,
    sources: dict[str, Source],
    seen_ids: dict[str, int],
) -> list[Tip]:
    key, node = entry
    if (isinstance(node, Scalar) and node.tag == NULL) or (isinstance(node, Sequence) and not node.items):
        checker.problem(key, f'category "{category}" has no tips', "add at least one tip or remove the category")
        return []
    sequence = checker.sequence(node, f'the tips of "{category}"')
    tips = []
    for item in sequence.items if sequence else []:
        tip = _tip(category, default_title, item, checker, sources)
        if tip is None:
            continue
        if tip.id in seen_ids:
            checker.problem(
                item, f'duplicate tip id "{tip.id}" (first at line {seen_ids[tip.id]})', "give each tip its own id"
            )
            continue
        seen_ids[tip.id] = item.mark.line
        tips.append(tip)
    return tips


def _tip(category: str, default_title: str, node: Node, checker: Checker, sources: dict[str, Source]) -> Tip | None:
    mapping = checker.mapping(node, "a tip", _TIP_KEYS)
    if mapping is None:
        return None
    entries = {k: v for k, (_, v) in mapping.entries.items()}
    text = checker.text(entries["text"], "text", TEXT_LIMIT) if "text" in entries else None
    if text is not None:
        checker.one_line(entries["text"], text)
    title = checker.text(entries["title"], "title", TITLE_LIMIT) if "title" in entries else default_title
    tip_id = (
        checker.name(entries["id"], "tip id") if "id" in entries else (derived_tip_id(category, text) if text else None)
    )
    source = _source(entries["source"], checker, sources) if "source" in entries else None
    if text is None or title is None or tip_id is None or source is None:
        return None
    return Tip(tip_id, category, title, text, source)


def _source(node: Node, checker: Checker, sources: dict[str, Source]) -> Source | None:
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


def _sessions(node: Node, checker: Checker, sources: dict[str, Source]) -> tuple[Session, ...]:
    mapping = checker.mapping(node, "sessions")
    sessions = []
    for name, (key_node, value) in mapping.entries.items() if mapping else []:
        if checker.name(key_node, "session name") is None:
            continue
        body = checker.mapping(value, f'session "{name}"', {"steps": True})
        steps_node = body.entries["steps"][1] if body and "steps" in body.entries else None
        steps = _steps(name, steps_node, checker, sources) if steps_node is not None else []
        if steps:
            sessions.append(Session(name, tuple(steps)))
    return tuple(sessions)


def _steps(session: str, node: Node, checker: Checker, sources: dict[str, Source]) -> list[Step]:
    sequence = checker.sequence(node, f'the steps of "{session}"')
    if sequence is not None and not sequence.items:
        checker.problem(node, f'session "{session}" has no steps', "add at least one step with after: and text:")
    steps: list[Step] = []
    for item in sequence.items if sequence else []:
        mapping = checker.mapping(item, "a step", _STEP_KEYS)
        if mapping is None:
            continue
        entries = {k: v for k, (_, v) in mapping.entries.items()}
        after = checker.spec(entries["after"], "after", parse_duration, "45s") if "after" in entries else None
        text = checker.text(entries["text"], "text", TEXT_LIMIT) if "text" in entries else None
        if text is not None:
            checker.one_line(entries["text"], text)
        title = checker.text(entries["title"], "title", TITLE_LIMIT) if "title" in entries else "Let-down companion"
        source = _source(entries["source"], checker, sources) if "source" in entries else None
        if after is not None and (after > MAX_STEP_AFTER or (steps and after < steps[-1].after)):
            checker.problem(
                entries["after"],
                f'"after" {format_duration(after)} is out of order or over 1h',
                "list steps in time order, each within the hour",
            )
            continue
        if after is not None and text is not None and title is not None and source is not None:
            steps.append(Step(after, title, text, source))
    return steps


def _optional(values: dict[str, Node], key: str, read: Callable[[Node], T | None], default: T) -> T | None:
    return read(values[key]) if key in values else default


def _default_window(settings: Settings | None) -> DailyWindow:
    """Without a window, `every` runs in the waking day: outside quiet hours, or all day without them."""
    quiet = settings.quiet_hours if settings else _DEFAULT_SETTINGS.quiet_hours
    if quiet is None or not quiet.wraps_midnight:
        return DailyWindow(0, SECONDS_PER_DAY)
    return DailyWindow(quiet.end_s, quiet.start_s)


def _is_none_word(node: Node) -> bool:
    return _is_word(node, "none")


def _is_word(node: Node, word: str) -> bool:
    return isinstance(node, Scalar) and node.tag == STR and node.text.strip().lower() == word
