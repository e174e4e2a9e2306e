"""What the presence checks ask of the desktop and how they read the answers, with the bus faked (the real
desktop services are in test_presence_e2e)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from dmer_tips.bank.model import WaitWhile
from dmer_tips.desktop.bus import Bus, CallRefused, NoAnswer, Signals
from dmer_tips.desktop.presence import AWAY, DO_NOT_DISTURB, LOCKED, DesktopPresence


@dataclass
class Signal:
    body: tuple[Any, ...]


@dataclass
class FakeBus:
    """Answers calls from a table of (destination or interface, method) -> reply; anything else is refused."""

    answers: dict[tuple[str, str], tuple[Any, ...]] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    subscriptions: list[tuple[Signals, Callable[[deque[Any]], None]]] = field(default_factory=list)
    hangs: bool = False
    started_services: bool = False  # whether any call let the bus start a service to answer it

    def connect(self) -> None:
        pass

    def when_connected(self, then: Callable[[], None]) -> None:
        pass

    def subscribe(self, signals: Signals, heard: Callable[[deque[Any]], None]) -> None:
        self.subscriptions.append((signals, heard))

    def bus_call(self, method: str, signature: str = "", arguments: tuple[Any, ...] = ()) -> tuple[Any, ...]:
        return (self.names,)

    def call(
        self, destination: str, path: str, interface: str, method: str, *rest: Any, start_service: bool = True
    ) -> tuple[Any, ...]:
        self.started_services = self.started_services or start_service
        if self.hangs:
            raise NoAnswer(f"{destination} did not answer within 2s")
        arguments = rest[1] if len(rest) > 1 else ()
        for key in ((destination, method), (interface, method), (f"{destination} {arguments}", method)):
            if key in self.answers:
                return self.answers[key]
        raise CallRefused("org.freedesktop.DBus.Error.ServiceUnknown")

    def signal(self, member: str, *body: Any) -> None:
        """Deliver a signal to every subscriber of `member`, as a bus read would."""
        for signals, heard in self.subscriptions:
            if signals.member == member:
                heard(deque([Signal(body)]))


@dataclass
class Server:
    server_name: str = "dunst"
    server_vendor: str = "knopwob"
    capabilities: frozenset[str] = frozenset({"actions", "body"})


ALL = WaitWhile()


def presence(bus: FakeBus, server: Server | None = None, **kwargs: Any) -> tuple[DesktopPresence, list[int]]:
    changes: list[int] = []
    made = DesktopPresence(bus, server or Server(), lambda: changes.append(1), **kwargs)  # type: ignore[arg-type]
    return made, changes


def test_a_locked_screensaver_is_asked_without_starting_one() -> None:
    bus = FakeBus({("org.gnome.ScreenSaver", "GetActive"): (True,)}, names=["org.gnome.ScreenSaver"])
    assert presence(bus)[0].absence(ALL) == LOCKED
    assert presence(bus)[0].absence(WaitWhile(screen_locked=False)) is None
    assert not bus.started_services


def test_away_after_the_threshold_and_a_watch_for_the_return() -> None:
    """Idle ten minutes on GNOME is away (5 minutes by default, not 15 as set); the watch set then fires once."""
    monitor = "org.gnome.Mutter.IdleMonitor"
    bus = FakeBus({(monitor, "GetIdletime"): (600_000,), (monitor, "AddUserActiveWatch"): (7,)}, names=[monitor])
    checks, changes = presence(bus)
    assert checks.absence(WaitWhile(away=timedelta(minutes=15))) is None
    assert checks.absence(ALL) == AWAY
    bus.signal("WatchFired", 8)  # another program's watch
    assert changes == []
    bus.signal("WatchFired", 7)
    bus.signal("WatchFired", 7)
    assert changes == [1]


@pytest.mark.parametrize(
    ("server", "answers"),
    [
        (
            Server("dunst"),
            {("org.freedesktop.Notifications ('org.dunstproject.cmd0', 'paused')", "Get"): (("b", True),)},
        ),
        (
            Server("Xfce Notify Daemon", "Xfce"),
            {("org.xfce.Xfconf", "GetProperty"): (("b", True),)},
        ),
        (
            Server("Plasma", "KDE", frozenset({"inhibitions"})),
            {("org.freedesktop.Notifications ('org.freedesktop.Notifications', 'Inhibited')", "Get"): (("b", True),)},
        ),
    ],
    ids=["dunst", "xfce", "kde"],
)
def test_do_not_disturb_is_asked_of_the_server_that_runs(server: Server, answers: dict[Any, Any]) -> None:
    bus = FakeBus(answers, names=["org.freedesktop.Notifications"])
    assert presence(bus, server)[0].absence(ALL) == DO_NOT_DISTURB
    assert presence(bus, server)[0].absence(WaitWhile(do_not_disturb=False)) is None
    assert presence(bus, Server("some-other-server", "nobody"))[0].absence(ALL) is None


def test_only_a_change_that_can_end_a_wait_is_passed_on() -> None:
    """dunst announces every change of its counts: only `paused` (or KDE's `Inhibited`) says anything."""
    bus = FakeBus()
    _, changes = presence(bus)
    bus.signal("PropertiesChanged", "org.dunstproject.cmd0", {"displayedLength": ("u", 2)}, [])
    assert changes == []
    bus.signal("PropertiesChanged", "org.dunstproject.cmd0", {"paused": ("b", False)}, [])
    assert changes == [1]


def test_logind_says_locked_or_idle_since_when() -> None:
    """logind's hints on the system bus: locked; idle since ten minutes on the injected clock."""
    system = FakeBus()
    now_us = 1_000_000_000_000_000
    checks, _ = presence(FakeBus(), system=system, wall_us=lambda: now_us)
    hints = {"Id": ("s", "1"), "LockedHint": ("b", False), "IdleHint": ("b", True)}
    system.answers[("org.freedesktop.DBus.Properties", "GetAll")] = (
        {**hints, "IdleSinceHint": ("t", now_us - 600_000_000)},
    )
    assert checks.absence(ALL) == AWAY
    system.answers[("org.freedesktop.DBus.Properties", "GetAll")] = ({**hints, "LockedHint": ("b", True)},)
    assert checks.absence(ALL) == LOCKED


def test_a_desktop_that_hangs_is_taken_as_there() -> None:
    bus = FakeBus(names=["org.freedesktop.ScreenSaver"], hangs=True)
    assert presence(bus)[0].absence(ALL) is None


class Connection:
    """Enough of a jeepney connection for `Bus` to read from: nothing more has arrived."""

    sock = None

    def recv_messages(self, timeout: float) -> None:
        raise TimeoutError

    def close(self) -> None:
        pass


def test_a_malformed_signal_is_dropped_and_the_bus_goes_on() -> None:
    """Any program can send a signal of the wrong shape: it is dropped, and the next one is still heard."""
    bus = Bus()
    heard: list[Any] = []

    def reader(queue: deque[Any]) -> None:
        (value,) = queue.popleft()  # fails on a malformed body
        heard.append(value)

    bus.subscribe(Signals("org.example"), reader)
    bus._connection = Connection()
    bus._subscriptions[0].queue.append(("too", "many"))
    bus._drain()
    assert bus._subscriptions[0].queue == deque()
    bus._subscriptions[0].queue.append(("fine",))
    bus._drain()
    assert heard == ["fine"]


def test_only_our_logind_session_is_heard_and_only_once() -> None:
    """Once logind names our session, its property changes are subscribed to on its own path, once."""
    system = FakeBus()
    system.answers[("org.freedesktop.DBus.Properties", "GetAll")] = ({"Id": ("s", "c2"), "LockedHint": ("b", False)},)
    system.answers[("org.freedesktop.login1", "GetSession")] = ("/org/freedesktop/login1/session/c2",)
    checks, changes = presence(FakeBus(), system=system)
    for _ in range(3):
        assert checks.absence(ALL) is None
    assert [s.path for s, _ in system.subscriptions] == ["/org/freedesktop/login1/session/c2"]
    system.signal("PropertiesChanged", "org.freedesktop.login1.Session", {"LockedHint": ("b", True)}, [])
    assert changes == [1]
