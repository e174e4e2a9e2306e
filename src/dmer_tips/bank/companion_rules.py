"""The let-down companion's part of tips.yaml: sessions of steps, and the feeding or pumping rhythm."""

from __future__ import annotations

from datetime import timedelta

from dmer_tips.bank import fields
from dmer_tips.bank.checker import Checker, did_you_mean_or
from dmer_tips.bank.model import (
    AT_THE_TIME,
    TEXT_LIMIT,
    TITLE_LIMIT,
    AtTheTime,
    Rhythm,
    Schedule,
    Session,
    Settings,
    Source,
    Step,
)
from dmer_tips.bank.yamlnodes import Node
from dmer_tips.timespec import clock_of, format_clock, format_duration, parse_duration

STEP_KEYS = {"after": True, "title": False, "text": True, "source": True}
MAX_STEP_AFTER = timedelta(hours=1)


def sessions(node: Node, checker: Checker, sources: dict[str, Source]) -> tuple[Session, ...]:
    mapping = checker.mapping(node, "sessions")
    sessions = []
    for name, (key_node, value) in mapping.entries.items() if mapping else []:
        if checker.name(key_node, "session name", "night-feed") is None:
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
        mapping = checker.mapping(item, "a step", STEP_KEYS)
        if mapping is None:
            continue
        entries = {k: v for k, (_, v) in mapping.entries.items()}
        after = checker.spec(entries["after"], "after", parse_duration, "45s") if "after" in entries else None
        text = checker.text(entries["text"], "text", TEXT_LIMIT) if "text" in entries else None
        if text is not None:
            checker.one_line(entries["text"], text)
        title = checker.text(entries["title"], "title", TITLE_LIMIT) if "title" in entries else "Let-down companion"
        source = fields.source(entries["source"], checker, sources) if "source" in entries else None
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


RHYTHM_KEYS = {
    "schedule": False,
    "after_last": False,
    "session": False,
    "heads_up": False,
    "at_the_time": False,
    "at_night": False,
}
DEFAULT_HEADS_UP = timedelta(minutes=5)
LONGEST_HEADS_UP = timedelta(hours=1)


def rhythms(
    node: Node, checker: Checker, settings: Settings | None, known_sessions: tuple[Session, ...]
) -> tuple[Rhythm, ...]:
    """The `rhythm:` section: named feeding or pumping times, each with its heads-up."""
    mapping = checker.mapping(node, "rhythm")
    found = []
    for name, (key_node, value) in mapping.entries.items() if mapping else []:
        if checker.name(key_node, "rhythm name", "pumping") is not None:
            rhythm = _rhythm(name, value, checker, settings, known_sessions)
            if rhythm is not None:
                found.append(rhythm)
    return tuple(found)


def _rhythm(
    name: str, node: Node, checker: Checker, settings: Settings | None, known_sessions: tuple[Session, ...]
) -> Rhythm | None:
    mapping = checker.mapping(node, f'rhythm "{name}"', RHYTHM_KEYS)
    if mapping is None:
        return None
    values = {k: v for k, (_, v) in mapping.entries.items()}
    if ("schedule" in values) == ("after_last" in values):
        both = "schedule" in values
        checker.problem(
            mapping,
            f'rhythm "{name}" has both a schedule and after_last' if both else f'rhythm "{name}" has no times',
            "give a schedule (at: or every:), or after_last: 2h30m for feeding on demand",
        )
        return None
    when = fields.schedule(values["schedule"], checker, settings) if "schedule" in values else None
    after_last = (
        checker.spec(values["after_last"], "after_last", parse_duration, "2h30m") if "after_last" in values else None
    )
    session = _session_name(values.get("session"), checker, known_sessions)
    heads_up = fields.optional(values, "heads_up", lambda n: _heads_up(n, checker), DEFAULT_HEADS_UP)
    at_the_time: AtTheTime | None = fields.optional(values, "at_the_time", lambda n: _choice(n, checker), "ask")
    at_night = fields.optional(values, "at_night", lambda n: checker.yes_no(n, "at_night"), False)
    if None in (session, heads_up, at_the_time, at_night) or (when is None and after_last is None):
        return None
    assert session is not None and heads_up is not None and at_the_time is not None and at_night is not None
    if when is not None and not at_night and settings is not None:
        _note_silent_times(name, values["schedule"], when, heads_up, settings, checker)
    return Rhythm(name, session, heads_up, at_the_time, at_night, when, after_last)


def _note_silent_times(
    name: str, node: Node, when: Schedule, heads_up: timedelta, settings: Settings, checker: Checker
) -> None:
    """A time whose heads-up would fall in quiet hours gets none: say so, rather than leave it out unseen."""
    quiet = settings.quiet_hours
    if quiet is None:
        return
    lead = int(heads_up.total_seconds())
    silent = [s for s in when.seconds_on_a_day() if quiet.contains(clock_of((s - lead) % 86_400))]
    if silent:
        times = ", ".join(format_clock(s) for s in silent[:3]) + (" and more" if len(silent) > 3 else "")
        checker.note(
            node,
            f'rhythm "{name}" has no heads-up for {times}: it would come in quiet hours ({quiet})',
            "add at_night: true to the rhythm for heads-ups at night too, or change quiet_hours",
        )


def _session_name(node: Node | None, checker: Checker, known: tuple[Session, ...]) -> str | None:
    names = [s.name for s in known]
    if node is None:
        if not names:
            return None  # reported once, for the whole section, by the caller's check of sessions
        return names[0]
    name = checker.text(node, "session")
    if name is not None and name not in names:
        checker.problem(
            node, f'there is no session "{name}"', did_you_mean_or(name, names, "add it under sessions: with its steps")
        )
        return None
    return name


def _heads_up(node: Node, checker: Checker) -> timedelta | None:
    lead = checker.spec(node, "heads_up", parse_duration, "5m")
    if lead is not None and lead > LONGEST_HEADS_UP:
        checker.problem(node, f'"heads_up" {format_duration(lead)} is over 1h', "a heads-up is a few minutes, like 5m")
        return None
    return lead


def _choice(node: Node, checker: Checker) -> AtTheTime | None:
    word = checker.text(node, "at_the_time")
    for choice in AT_THE_TIME:
        if word == choice:
            return choice
    if word is not None:
        checker.problem(
            node,
            f'"at_the_time" cannot be "{word}"',
            did_you_mean_or(word, list(AT_THE_TIME), "use ask, start or nothing"),
        )
    return None
