"""Turn located YAML nodes into a TipBank, collecting every problem with its place and its fix."""

from __future__ import annotations

import zlib
from datetime import timedelta
from typing import TypeVar

from dmer_tips.bank import fields
from dmer_tips.bank.checker import YES_NO_WORDS, Checker, did_you_mean_or
from dmer_tips.bank.companion_rules import rhythms, sessions
from dmer_tips.bank.fields import DEFAULT_QUIET_HOURS
from dmer_tips.bank.model import (
    TEXT_LIMIT,
    TITLE_LIMIT,
    Category,
    Rhythm,
    Settings,
    Source,
    Tip,
    TipBank,
    WaitWhile,
)
from dmer_tips.bank.yamlnodes import BOOL, INT, NULL, STR, Node, Scalar, Sequence
from dmer_tips.errors import Problem
from dmer_tips.timespec import format_duration, parse_duration, parse_window

T = TypeVar("T")
_DEFAULT_SETTINGS = Settings(
    quiet_hours=DEFAULT_QUIET_HOURS,
    min_gap=timedelta(minutes=45),
    daily_max=8,
    grace=timedelta(hours=1),
)
_TOP_KEYS = {
    "version": False,
    "settings": False,
    "sources": True,
    "categories": True,
    "sessions": False,
    "rhythm": False,
}
_SETTINGS_KEYS = {
    "quiet_hours": False,
    "min_gap": False,
    "daily_max": False,
    "grace": False,
    "show_for": False,
    "snooze": False,
    "wait_while": False,
    "discreet": False,
}
_WAIT_WHILE_KEYS = {"screen_locked": False, "away": False, "do_not_disturb": False, "heads_ups": False}
SHORTEST_AWAY, LONGEST_AWAY = timedelta(minutes=1), timedelta(hours=4)
UNTIL_DISMISSED = "until-dismissed"
LONGEST_SHOW_FOR = timedelta(hours=1)
LONGEST_SNOOZE = timedelta(days=1)
_CATEGORY_KEYS = {"title": False, "schedule": True, "tips": True}
_TIP_KEYS = {"id": False, "title": False, "text": True, "source": True}


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
    top = checker.mapping(root, "the tip file", _TOP_KEYS, dict.fromkeys(_SETTINGS_KEYS, "settings"))
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
    found_sessions = sessions(entries["sessions"][1], checker, sources) if "sessions" in entries else ()
    found_rhythms: tuple[Rhythm, ...] = ()
    if "rhythm" in entries:
        if not found_sessions and "sessions" not in entries:
            checker.problem(
                entries["rhythm"][0], "a rhythm needs a companion session", "add a sessions: section (see the README)"
            )
        found_rhythms = rhythms(entries["rhythm"][1], checker, settings, found_sessions)
    if checker.problems or settings is None:
        return None
    return TipBank(checker.path, settings, categories, found_sessions, tuple(checker.notes), found_rhythms)


def _settings(node: Node, checker: Checker) -> Settings | None:
    mapping = checker.mapping(node, "settings", _SETTINGS_KEYS)
    if mapping is None:
        return None
    values = {k: v for k, (_, v) in mapping.entries.items()}
    quiet = _DEFAULT_SETTINGS.quiet_hours
    if "quiet_hours" in values:
        quiet = (
            None
            if fields.is_none_word(values["quiet_hours"])
            else checker.spec(values["quiet_hours"], "quiet_hours", parse_window, '"22:00-08:00"')
        )
    min_gap = fields.optional(
        values, "min_gap", lambda n: checker.spec(n, "min_gap", parse_duration, "45m"), _DEFAULT_SETTINGS.min_gap
    )
    daily_max = fields.optional(
        values, "daily_max", lambda n: checker.whole_number(n, "daily_max", 1), _DEFAULT_SETTINGS.daily_max
    )
    grace = fields.optional(
        values, "grace", lambda n: checker.spec(n, "grace", parse_duration, "1h"), _DEFAULT_SETTINGS.grace
    )
    show_for = _DEFAULT_SETTINGS.show_for
    if "show_for" in values:
        readable, show_for = _show_for(values["show_for"], checker)
        if not readable:
            return None
    snooze = fields.optional(values, "snooze", lambda n: _snooze(n, checker), _DEFAULT_SETTINGS.snooze)
    wait_while = fields.optional(values, "wait_while", lambda n: _wait_while(n, checker), _DEFAULT_SETTINGS.wait_while)
    discreet = fields.optional(values, "discreet", lambda n: checker.yes_no(n, "discreet"), _DEFAULT_SETTINGS.discreet)
    if min_gap is None or daily_max is None or grace is None or snooze is None:
        return None
    if wait_while is None or discreet is None:
        return None
    return Settings(quiet, min_gap, daily_max, grace, show_for, snooze, wait_while, discreet)


def _wait_while(node: Node, checker: Checker) -> WaitWhile | None:
    """`wait_while: no` never waits; otherwise each signal on or off, and how long without input is away."""
    if isinstance(node, Scalar) and (node.tag == BOOL or node.text.strip().lower() in YES_NO_WORDS):
        on = checker.yes_no(node, "wait_while")
        if on is None:
            return None
        return WaitWhile() if on else WaitWhile(screen_locked=False, away=None, do_not_disturb=False, heads_ups=False)
    if isinstance(node, Scalar):
        checker.problem(
            node,
            f'"wait_while" cannot be "{node.text.strip()}"',
            "write no to never wait, yes for the defaults, or list screen_locked, away, do_not_disturb under it",
        )
        return None
    mapping = checker.mapping(node, "wait_while", _WAIT_WHILE_KEYS)
    if mapping is None:
        return None
    values = {k: v for k, (_, v) in mapping.entries.items()}
    default = _DEFAULT_SETTINGS.wait_while
    switches = {
        key: checker.yes_no(values[key], key) if key in values else getattr(default, key)
        for key in ("screen_locked", "do_not_disturb", "heads_ups")
    }
    away = fields.optional(values, "away", lambda n: _away(n, checker), (True, default.away))
    if None in switches.values() or away is None or not away[0]:
        return None
    return WaitWhile(
        bool(switches["screen_locked"]), away[1], bool(switches["do_not_disturb"]), bool(switches["heads_ups"])
    )


def _away(node: Node, checker: Checker) -> tuple[bool, timedelta | None]:
    """How long without input counts as away (None: never wait for it), and whether it could be read."""
    if isinstance(node, Scalar) and node.tag == BOOL:
        on = checker.yes_no(node, "away")
        return True, (_DEFAULT_SETTINGS.wait_while.away if on else None)
    fix = "use a length from 1m to 4h, like 10m, or no (without quotes) to never wait for it"
    if isinstance(node, Scalar) and node.tag == INT:
        checker.problem(node, f'"away" {node.text.strip()} has no unit', fix)
        return False, None
    if isinstance(node, Scalar) and node.tag == STR and not node.text.strip()[:1].isdigit():
        checker.problem(node, f'"away" cannot be "{node.text.strip()}"', fix)
        return False, None
    length = checker.spec(node, "away", parse_duration, "5m")
    if length is not None and not SHORTEST_AWAY <= length <= LONGEST_AWAY:
        checker.problem(
            node,
            f'"away" {format_duration(length)} is out of range',
            "use 1m to 4h of no keyboard or mouse, or no to never wait for it",
        )
        return False, None
    return length is not None, length


def _at_least_a_second(node: Node, checker: Checker, field: str, example: str) -> timedelta | None:
    length = checker.spec(node, field, parse_duration, example)
    if length is not None and length < timedelta(seconds=1):
        checker.problem(node, f'"{field}" must be at least 1s', f"use a length like {example}")
        return None
    return length


def _snooze(node: Node, checker: Checker) -> timedelta | None:
    length = _at_least_a_second(node, checker, "snooze", "30m")
    if length is not None and length > LONGEST_SNOOZE:
        checker.problem(
            node,
            f'"snooze" {format_duration(length)} is out of range',
            "use up to 1d; Later is for a while, not for days",
        )
        return None
    return length


def _show_for(node: Node, checker: Checker) -> tuple[bool, timedelta | None]:
    """How long a tip stays on screen (None: until dismissed), and whether the value could be read."""
    if fields.is_word(node, UNTIL_DISMISSED):
        return True, None
    if isinstance(node, Scalar) and node.tag == STR and not node.text.strip()[:1].isdigit():
        checker.problem(
            node,
            f'"show_for" cannot be "{node.text}"',
            did_you_mean_or(
                node.text.strip().lower(), [UNTIL_DISMISSED], f"use a length like 20s, or {UNTIL_DISMISSED}"
            ),
        )
        return False, None
    shown = checker.spec(node, "show_for", parse_duration, f"20s or {UNTIL_DISMISSED}", units=("s", "m"))
    if shown is not None and not timedelta(seconds=1) <= shown <= LONGEST_SHOW_FOR:
        checker.problem(
            node,
            f'"show_for" {format_duration(shown)} is out of range',
            f"use 1s to 1h, or {UNTIL_DISMISSED} to keep tips until you close them",
        )
        return False, None
    return shown is not None, shown


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
    schedule = fields.schedule(entries["schedule"][1], checker, settings) if "schedule" in entries else None
    tips = _tips(name, title or name, entries["tips"], checker, sources, seen_ids) if "tips" in entries else []
    if title is None or schedule is None or not tips:
        return None
    return Category(name, title, schedule, tuple(tips))


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
    source = fields.source(entries["source"], checker, sources) if "source" in entries else None
    if text is None or title is None or tip_id is None or source is None:
        return None
    return Tip(tip_id, category, title, text, source)
