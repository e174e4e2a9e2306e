"""Fakes for in-process tests: a clock the test moves, timers that fire when it moves, a notifier that records."""

from __future__ import annotations

import random
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from dmer_tips.bank.load import parse_tip_bank
from dmer_tips.bank.model import WaitWhile
from dmer_tips.journal import Journal
from dmer_tips.notify import ActionChosen, Dismissed, FallbackNotifier, Notification, Notifier, NotifyError
from dmer_tips.schedule.reminders import Reminders
from dmer_tips.schedule.state import ServiceState, StateFile
from dmer_tips.service.core import Parts, Service
from dmer_tips.service.messages import Message
from dmer_tips.service.reload import ReloadResult

BERLIN = ZoneInfo("Europe/Berlin")


class FakeTimers:
    """Keyed one-shot timers; `Harness.advance` fires them in time order."""

    def __init__(self) -> None:
        self.timers: dict[str, tuple[datetime, Message]] = {}

    def at(self, key: str, when: datetime, message: Message) -> None:
        self.timers[key] = (when, message)

    def cancel(self, key: str) -> bool:
        return self.timers.pop(key, None) is not None

    def pending(self) -> dict[str, datetime]:
        return {key: when for key, (when, _) in self.timers.items()}

    def shift(self, delta: timedelta) -> None:
        self.timers = {key: (when + delta, message) for key, (when, message) in self.timers.items()}

    def pop_next(self, until: datetime) -> tuple[datetime, Message] | None:
        """The earliest timer due by `until`, removed, or None."""
        if not self.timers:
            return None
        key = min(self.timers, key=lambda k: self.timers[k][0])
        when, message = self.timers[key]
        if when > until:
            return None
        del self.timers[key]
        return when, message


class RecordingNotifier(Notifier):
    """The desktop, as a list of what it was asked to show (and when, by `clock`); `down` makes it refuse."""

    name = "the test desktop"

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.shown: list[Notification] = []
        self.ids: list[int] = []  # the desktop's id for each of `shown`
        self.times: list[datetime] = []
        self.withdrawn: list[str] = []
        self.down = False
        self._clock = clock
        self._slot_ids: dict[str, int] = {}
        self._next_id = 1

    def send(self, notification: Notification) -> int:
        """Like a real server, a notification that replaces the last of its slot keeps that one's id."""
        if self.down:
            raise NotifyError("the test desktop is down")
        shown_as = self._slot_ids.get(notification.slot)
        if shown_as is None:
            shown_as, self._next_id = self._next_id, self._next_id + 1
            self._slot_ids[notification.slot] = shown_as
        self.shown.append(notification)
        self.ids.append(shown_as)
        if self._clock is not None:
            self.times.append(self._clock())
        return shown_as

    def withdraw(self, slot: str) -> None:
        self.withdrawn.append(slot)
        self._slot_ids.pop(slot, None)

    def closed(self, shown_as: int) -> None:
        """The person closed notification `shown_as`: the next of its slot gets a new id."""
        self._slot_ids = {slot: known for slot, known in self._slot_ids.items() if known != shown_as}

    def id_of(self, title: str) -> int:
        """The id of the latest notification titled `title`."""
        latest = max(i for i, n in enumerate(self.shown) if n.title == title)
        return self.ids[latest]


@dataclass
class FakePresence:
    """The desktop's answer to "is anyone there?", set by the test; remembers what it was asked to wait for."""

    why: str | None = None
    asked: list[WaitWhile] = field(default_factory=list)

    def absence(self, wait: WaitWhile) -> str | None:
        self.asked.append(wait)
        return self.why


@dataclass
class Harness:
    """A service built from fakes, and a wall clock the test moves forward, backward or by a suspend."""

    service: Service
    timers: FakeTimers
    desktop: RecordingNotifier
    now: datetime
    zone: tzinfo = BERLIN
    said: list[str] = field(default_factory=list)
    stopped: bool = False
    presence: FakePresence = field(default_factory=FakePresence)

    def advance(self, span: timedelta) -> None:
        """Let `span` of time pass, firing every timer at its own time, as the real loop would."""
        target = self.now + span
        while (fired := self.timers.pop_next(target)) is not None:
            self.now = max(self.now, fired[0])
            self.service.handle(fired[1])
        self.now = target

    def send(self, message: Message) -> None:
        self.service.handle(message)

    @property
    def titles(self) -> list[str]:
        return [n.title for n in self.desktop.shown]

    def close(self, title: str) -> None:
        """Close the latest notification titled `title`, as the person would, and tell the service."""
        shown_as = self.desktop.id_of(title)
        self.desktop.closed(shown_as)
        self.send(Dismissed(shown_as, 2))

    def press(self, title: str, key: str) -> None:
        """Press button `key` on the latest notification titled `title`, as the desktop would report it."""
        self.send(ActionChosen(self.desktop.id_of(title), key))


def build_service(
    tmp_path: Path,
    bank_text: str,
    start: datetime,
    zone: tzinfo = BERLIN,
    seed: int = 7,
    first_run: bool = False,
    absent: str | None = None,
    desktop_down: bool = False,
) -> Harness:
    """A started service on `bank_text`, its clock at `start`, its state in `tmp_path` (where an earlier one
    saved its state, this one carries on from it, as after a restart)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    tips = tmp_path / "tips.yaml"
    tips.write_text(textwrap.dedent(bank_text), encoding="utf-8")
    data = tips.read_bytes()
    bank = parse_tip_bank(data, str(tips))
    timers = FakeTimers()
    holder: list[Harness] = []
    presence = FakePresence(absent)
    desktop = RecordingNotifier(clock=lambda: holder[0].now)
    desktop.down = desktop_down
    notifier = FallbackNotifier(desktop, RecordingNotifier())
    state_file = StateFile(tmp_path / "state" / "state.json")
    parts = Parts(
        clock=lambda: holder[0].now,
        local_zone=lambda: holder[0].zone,
        timers=timers,
        notifier=notifier,
        state_file=state_file,
        tips_file=tips,
        say=lambda line: holder[0].said.append(line),
        end_loop=lambda: setattr(holder[0], "stopped", True),
        journal=Journal(tmp_path / "state" / "journal.sqlite3"),
        rng=random.Random(seed),
        presence=presence,
    )
    state = state_file.load() if state_file.path.exists() else ServiceState.fresh(seed)
    if not state_file.path.exists():
        state.welcomed = not first_run  # only a test of the first run wants to see the welcome
    reminders = Reminders(bank, state, zone, start)
    service = Service(parts, reminders, ReloadResult.loaded(bank, data, start))
    holder.append(Harness(service, timers, desktop, start, zone, presence=presence))
    service.start()
    return holder[0]
