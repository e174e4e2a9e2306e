"""A screensaver and an idle monitor on the test's private session bus, driven by lines on standard input.

It owns org.freedesktop.ScreenSaver (GetActive, signal ActiveChanged) and org.gnome.Mutter.IdleMonitor
(GetIdletime, AddUserActiveWatch, RemoveWatch, signal WatchFired), as a desktop does, so the service under
test asks and hears a real bus. Lines: `lock`, `unlock`, `idle MS` (the idle time reported), `active` (the
person touched the keyboard: idle time 0, and every user-active watch fires once). It prints `ready` once
it owns both names, and `asked METHOD` for each call, so the test knows what it was asked.

With `--notifications` it also stands in for a notification server (GetServerInformation, GetCapabilities,
Notify), for the benchmark of an idle service on a bus without a display.

Run as a script: `python screensaver.py [--notifications]` (the bus from DBUS_SESSION_BUS_ADDRESS).
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


class Desk:
    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.active = False
        self.idle_ms = 0
        self.watches: list[int] = []
        self.next_watch = 1

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

    def emit(self, service: tuple[str, str], member: str, signature: str, body: tuple[Any, ...]) -> None:
        name, path = service
        self.connection.send(new_signal(DBusAddress(path, interface=name), member, signature, body))

    def answer(self, message: Any) -> None:
        member = message.header.fields.get(3)
        print(f"asked {member}", flush=True)
        replies: dict[str, tuple[str, tuple[Any, ...]]] = {
            "GetActive": ("b", (self.active,)),
            "GetIdletime": ("t", (self.idle_ms,)),
            "GetServerInformation": ("ssss", ("test-desk", "tests", "1", "1.2")),
            "GetCapabilities": ("as", (["body", "actions"],)),
            "Notify": ("u", (1,)),
        }
        if member == "AddUserActiveWatch":
            self.watches.append(self.next_watch)
            replies[member] = ("u", (self.next_watch,))
            self.next_watch += 1
        if member == "RemoveWatch":
            replies[member] = ("", ())
        if member in replies:
            signature, body = replies[member]
            self.connection.send(new_method_return(message, signature or None, body))
        else:
            self.connection.send(new_error(message, "org.freedesktop.DBus.Error.UnknownMethod"))


def main() -> None:
    connection = open_dbus_connection(bus="SESSION")
    names = [SCREENSAVER[0], IDLE_MONITOR[0]] + ([NOTIFICATIONS] if "--notifications" in sys.argv else [])
    for name in names:
        connection.send_and_get_reply(message_bus.RequestName(name))
    desk = Desk(connection)
    print("ready", flush=True)
    selector = selectors.DefaultSelector()
    selector.register(sys.stdin, selectors.EVENT_READ, "commands")
    selector.register(connection.sock, selectors.EVENT_READ, "bus")
    while True:
        for key, _ in selector.select():
            if key.data == "commands":
                line = sys.stdin.readline()
                if not line:
                    return
                desk.command(line)
                print("done", flush=True)
            else:
                try:
                    while True:
                        message = connection.receive(timeout=0)
                        if message.header.message_type == MessageType.method_call:
                            desk.answer(message)
                except TimeoutError:
                    pass


if __name__ == "__main__":
    main()
