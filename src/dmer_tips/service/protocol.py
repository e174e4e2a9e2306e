"""What travels over the control channel, as types both ends agree on (one JSON line each way)."""

from __future__ import annotations

from typing import Any, TypedDict


class Endpoint(TypedDict):
    """`control.json`: where the service listens (a socket path, or [host, port]) and its key."""

    address: str | list[Any]
    key: str
    pid: int


class Reply(TypedDict, total=False):
    ok: bool
    result: Any
    error: str


class ReloadReport(TypedDict):
    ok: bool
    at: str | None
    tips: int
    problems: list[str]


class PauseReport(TypedDict):
    until: str | None
    text: str


class SessionReport(TypedDict):
    name: str
    steps_left: int


class SnoozedReport(TypedDict):
    title: str
    at: str | None  # None while reminders are paused until resumed


class HeadsUpReport(TypedDict):
    time: str  # the feed or pump time
    heads_up: str  # when its heads-up comes


class HoldingReport(TypedDict):
    reminders: int  # a tip and any heads-ups waiting for the person
    why: str  # "screen locked", "away from the computer", "do not disturb"
    since: str  # when the latest of them came due


class Status(TypedDict):
    running: bool
    pid: int
    tips_file: str
    tips: int
    reload: ReloadReport
    pause: PauseReport | None
    sent_today: int
    next: dict[str, str | None]
    notifications_to: str
    session: SessionReport | None
    snoozed: list[SnoozedReport]
    heads_up: dict[str, HeadsUpReport]  # per rhythm
    holding: HoldingReport | None


class TipReport(TypedDict):
    category: str
    id: str
    title: str
    text: str
    on_desktop: bool


class SessionStarted(TypedDict):
    name: str
    steps: int
    replaced: bool
    on_desktop: bool
