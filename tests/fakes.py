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
from dmer_tips.journal import Journal
from dmer_tips.notify import ActionChosen, FallbackNotifier, Notification, Notifier, NotifyError
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
        self.times: list[datetime] = []
        self.withdrawn: list[str] = []
        self.down = False
        self._clock = clock

    def send(self, notification: Notification) -> int:
        if self.down:
            raise NotifyError("the test desktop is down")
        self.shown.append(notification)
        if self._clock is not None:
            self.times.append(self._clock())
        return len(self.shown)  # the desktop's id for it: its place in the list, from 1

    def withdraw(self, slot: str) -> None:
        self.withdrawn.append(slot)


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

    def press(self, title: str, key: str) -> None:
        """Press button `key` on the latest notification titled `title`, as the desktop would report it."""
        shown_as = max(i for i, n in enumerate(self.desktop.shown, start=1) if n.title == title)
        self.send(ActionChosen(shown_as, key))


def build_service(
    tmp_path: Path,
    bank_text: str,
    start: datetime,
    zone: tzinfo = BERLIN,
    seed: int = 7,
) -> Harness:
    """A started service on `bank_text`, its clock at `start`, its state in `tmp_path`."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    tips = tmp_path / "tips.yaml"
    tips.write_text(textwrap.dedent(bank_text), encoding="utf-8")
    data = tips.read_bytes()
    bank = parse_tip_bank(data, str(tips))
    timers = FakeTimers()
    holder: list[Harness] = []
    desktop = RecordingNotifier(clock=lambda: holder[0].now)
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
    )
    reminders = Reminders(bank, ServiceState.fresh(seed), zone, start)
    service = Service(parts, reminders, ReloadResult.loaded(bank, data, start))
    holder.append(Harness(service, timers, desktop, start, zone))
    service.start()
    return holder[0]
