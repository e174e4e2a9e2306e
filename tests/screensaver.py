"""A screensaver, an idle monitor and (optionally) logind on the test's private buses, driven by lines on
standard input.

On the session bus it owns org.freedesktop.ScreenSaver (GetActive, signal ActiveChanged) and
org.gnome.Mutter.IdleMonitor (GetIdletime, AddUserActiveWatch, RemoveWatch, signal WatchFired), as a desktop
does, so the service under test asks and hears a real bus. Lines: `lock`, `unlock`, `idle MS` (the idle
time reported), `active` (the person touched the keyboard: idle time 0, and every user-active watch fires
once). It prints `ready` once it owns its names, `asked METHOD` for each call, and `done` after each line.

With `--login1` it also owns org.freedesktop.login1 on the system bus (DBUS_SYSTEM_BUS_ADDRESS) and answers
for session "1" (GetSession, and its properties LockedHint, IdleHint and IdleSinceHint, announced with
PropertiesChanged):
lines `session-lock`, `session-unlock`, `session-idle-since USEC` (idle since that wall-clock moment, in
microseconds since 1970), `session-active`.

With `--notifications` it also stands in for a notification server (GetServerInformation, GetCapabilities,
Notify), for the benchmark of an idle service on a bus without a display.

Run as a script: `python screensaver.py [--login1] [--notifications]`.
"""

from __future__ import annotations

import selectors
import sys
from typing import Any

from jeepney import MessageType, new_error, new_method_return, new_signal
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection
from jeepney.wrappers import DBusAddress

SCREENSAVER = ("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver")
IDLE_MONITOR = ("org.gnome.Mutter.IdleMonitor", "/org/gnome/Mutter/IdleMonitor/Core")
NOTIFICATIONS = "org.freedesktop.Notifications"
LOGIN1 = "org.freedesktop.login1"
SESSION = ("org.freedesktop.login1.Session", "/org/freedesktop/login1/session/_31")
PROPERTIES = "org.freedesktop.DBus.Properties"


class Desk:
    def __init__(self, session_bus: Any, system_bus: Any) -> None:
        self.session_bus = session_bus
        self.system_bus = system_bus
        self.active = False
        self.idle_ms = 0
        self.watches: list[int] = []
        self.next_watch = 1
        self.logind: dict[str, Any] = {"Id": "1", "LockedHint": False, "IdleHint": False, "IdleSinceHint": 0}

    def command(self, line: str) -> None:
        word, _, value = line.strip().partition(" ")
        if word in ("lock", "unlock"):
            self.active = word == "lock"
            self.emit(SCREENSAVER, "ActiveChanged", "b", (self.active,))
        elif word == "idle":
            self.idle_ms = int(value)
        elif word == "active":
            self.idle_ms = 0
            fired, self.watches = self.watches, []
            for watch in fired:
                self.emit(IDLE_MONITOR, "WatchFired", "u", (watch,))
        elif word in ("session-lock", "session-unlock"):
            self.session_changed(LockedHint=word == "session-lock")
        elif word == "session-idle-since":
            self.session_changed(IdleHint=True, IdleSinceHint=int(value))
        elif word == "session-active":
            self.session_changed(IdleHint=False, IdleSinceHint=0)

    def session_changed(self, **changed: Any) -> None:
        self.logind.update(changed)
        body: tuple[Any, ...] = (SESSION[0], {name: _variant(value) for name, value in changed.items()}, [])
        self.system_bus.send(
            new_signal(DBusAddress(SESSION[1], interface=PROPERTIES), "PropertiesChanged", "sa{sv}as", body)
        )

    def emit(self, service: tuple[str, str], member: str, signature: str, body: tuple[Any, ...]) -> None:
        name, path = service
        self.session_bus.send(new_signal(DBusAddress(path, interface=name), member, signature, body))

    def answer(self, connection: Any, message: Any) -> None:
        member = message.header.fields.get(3)
        print(f"asked {member}", flush=True)
        replies: dict[str, tuple[str, tuple[Any, ...]]] = {
            "GetActive": ("b", (self.active,)),
            "GetIdletime": ("t", (self.idle_ms,)),
            "GetServerInformation": ("ssss", ("test-desk", "tests", "1", "1.2")),
            "GetCapabilities": ("as", (["body", "actions"],)),
            "Notify": ("u", (1,)),
            "RemoveWatch": ("", ()),
        }
        if member == "AddUserActiveWatch":
            self.watches.append(self.next_watch)
            replies[member] = ("u", (self.next_watch,))
            self.next_watch += 1
        if member == "GetAll" and connection is self.system_bus:
            replies[member] = ("a{sv}", ({name: _variant(value) for name, value in self.logind.items()},))
        if member == "GetSession" and connection is self.system_bus:
            replies[member] = ("o", (SESSION[1],))
        if member in replies:
            signature, body = replies[member]
            connection.send(new_method_return(message, signature or None, body))
        else:
            connection.send(new_error(message, "org.freedesktop.DBus.Error.UnknownMethod"))


def _variant(value: Any) -> tuple[str, Any]:
    if isinstance(value, bool):
        return ("b", value)
    return ("s", value) if isinstance(value, str) else ("t", value)


def main() -> None:
    session_bus = open_dbus_connection(bus="SESSION")
    names = [SCREENSAVER[0], IDLE_MONITOR[0]] + ([NOTIFICATIONS] if "--notifications" in sys.argv else [])
    for name in names:
        session_bus.send_and_get_reply(message_bus.RequestName(name))
    system_bus = None
    if "--login1" in sys.argv:
        system_bus = open_dbus_connection(bus="SYSTEM")
        system_bus.send_and_get_reply(message_bus.RequestName(LOGIN1))
    desk = Desk(session_bus, system_bus)
    print("ready", flush=True)
    selector = selectors.DefaultSelector()
    selector.register(sys.stdin, selectors.EVENT_READ, None)
    for connection in (session_bus, system_bus):
        if connection is not None:
            selector.register(connection.sock, selectors.EVENT_READ, connection)
    while True:
        for key, _ in selector.select():
            if key.data is None:
                line = sys.stdin.readline()
                if not line:
                    return
                desk.command(line)
                print("done", flush=True)
                continue
            try:
                while True:
                    message = key.data.receive(timeout=0)
                    if message.header.message_type == MessageType.method_call:
                        desk.answer(key.data, message)
            except TimeoutError:
                pass


if __name__ == "__main__":
    main()
