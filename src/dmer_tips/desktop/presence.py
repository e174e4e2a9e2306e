"""Is the person there, and may we speak? Asked of the desktop at the moment of sending, never polled.

Each answer comes from whatever the session offers, and each is optional: a desktop that offers none of
them is taken as "there", which is how dmer-tips behaved before it asked.
- the screen locked: the screensaver services (freedesktop, GNOME, MATE, Cinnamon) say whether they are
  active; a call never starts one (no auto-start); logind's `LockedHint` for the session, on the system bus;
- away: no keyboard or mouse for a while (GNOME's idle monitor; KDE's screensaver service; logind's
  `IdleHint` and `IdleSinceHint`);
- do-not-disturb: a property of the notification server that is running (KDE's `Inhibited`, dunst's
  `paused`), or its setting (XFCE's xfconf, GNOME's and MATE's gsettings).
The same services announce a change (a screensaver deactivating, the idle monitor's watch firing, a
property or setting changing, logind's session properties): each announcement calls `changed`, so a held reminder can go out when the
person is back, without polling.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol

from dmer_tips.bank.model import WaitWhile
from dmer_tips.desktop.bus import Bus, BusError, CallRefused, Signals

log = logging.getLogger(__name__)
LOCKED, AWAY, DO_NOT_DISTURB = "screen locked", "away from the computer", "do not disturb"
_SCREENSAVERS = (
    ("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver"),
    ("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver"),
    ("org.mate.ScreenSaver", "/org/mate/ScreenSaver"),
    ("org.cinnamon.ScreenSaver", "/org/cinnamon/ScreenSaver"),
)
_IDLE_MONITOR = ("org.gnome.Mutter.IdleMonitor", "/org/gnome/Mutter/IdleMonitor/Core")
_NOTIFICATIONS = ("org.freedesktop.Notifications", "/org/freedesktop/Notifications")
_PROPERTIES = "org.freedesktop.DBus.Properties"
_DND_PROPERTIES = {"Inhibited", "paused"}  # KDE's and dunst's
_GSETTINGS_DND = {  # a word in the server's name or vendor -> (schema, key, the value that means do-not-disturb)
    "gnome-shell": ("org.gnome.desktop.notifications", "show-banners", "false"),
    "mate": ("org.mate.NotificationDaemon", "do-not-disturb", "true"),
}
_LOGIN1 = "org.freedesktop.login1"
_LOGIN1_SESSION = "org.freedesktop.login1.Session"
# logind's name for "the caller's session, else the user's graphical one" (a service started by systemd
# --user belongs to no session itself).
_AUTO_SESSION = "/org/freedesktop/login1/session/auto"
_DCONF_FOLDERS = ("/org/gnome/desktop/notifications/", "/org/mate/notification-daemon/")
GSETTINGS_TIMEOUT_S = 2.0


class NotificationServer(Protocol):
    """The notification server the notifier met on connecting: what it calls itself, and what it can do."""

    server_name: str
    server_vendor: str

    @property
    def capabilities(self) -> frozenset[str]: ...


class Presence(Protocol):
    def absence(self, wait: WaitWhile) -> str | None:
        """Why the person cannot see a notification now (e.g. "screen locked"), or None when they can."""


class AlwaysThere:
    """Where the desktop can tell nothing (macOS, Windows, no session bus): always there, as before."""

    def absence(self, wait: WaitWhile) -> str | None:
        return None


class DesktopPresence:
    """Presence from the session bus the notifier uses; `changed` is called (on the loop's thread) whenever the
    desktop announces that something that may end a wait changed."""

    def __init__(
        self,
        bus: Bus,
        server: NotificationServer,
        changed: Callable[[], None],
        system: Bus | None = None,
        wall_us: Callable[[], int] = lambda: time.time_ns() // 1000,
    ) -> None:
        self.bus = bus
        self.system = system
        self._wall_us = wall_us  # logind's idle-since is a wall-clock moment in microseconds
        self._session_path: str | None = None  # our logind session's object path, once known
        self._server = server
        self._changed = changed
        self._watch: int | None = None  # the idle monitor's watch for the person's return, while one is set
        for name, _path in _SCREENSAVERS:
            bus.subscribe(Signals(name, "ActiveChanged"), self._heard)
        bus.subscribe(Signals(_IDLE_MONITOR[0], "WatchFired", _IDLE_MONITOR[1]), self._heard_return)
        bus.subscribe(Signals(_PROPERTIES, "PropertiesChanged", _NOTIFICATIONS[1]), self._heard_property)
        bus.subscribe(Signals("org.xfce.Xfconf", "PropertyChanged", first_argument="xfce4-notifyd"), self._heard)
        for folder in _DCONF_FOLDERS:
            bus.subscribe(Signals("ca.desrt.dconf.Writer", "Notify", first_argument=folder), self._heard)
        bus.when_connected(self._forget_watch)

    def absence(self, wait: WaitWhile) -> str | None:
        session = self._session_hints()
        if wait.screen_locked and session.get("LockedHint"):
            return LOCKED
        if wait.away is not None and self._idle_for(session) >= wait.away:
            return AWAY
        try:
            self.bus.connect()
            (names,) = self.bus.bus_call("ListNames")
            present = set(names)
            if wait.screen_locked and self._locked(present):
                return LOCKED
            if wait.away is not None and self._away(present, wait.away):
                return AWAY
            if wait.do_not_disturb and _NOTIFICATIONS[0] in present and self._do_not_disturb():
                return DO_NOT_DISTURB
        except BusError as error:  # no bus, or a service that hangs: ask no further, and do not hold back
            log.debug("cannot ask the desktop whether anyone is there: %s", error)
        return None

    def _session_hints(self) -> dict[str, Any]:
        """logind's view of the session (locked, idle and since when), or nothing where it cannot be asked."""
        if self.system is None:
            return {}
        try:
            (properties,) = self.system.call(
                _LOGIN1, _AUTO_SESSION, _PROPERTIES, "GetAll", "s", (_LOGIN1_SESSION,), start_service=False
            )
            hints = {name: _value(value) for name, value in properties.items()}
            self._hear_session(hints.get("Id"))
        except BusError as error:
            log.debug("cannot ask logind about the session: %s", error)
            return {}
        return hints

    def _hear_session(self, session_id: object) -> None:
        """Once: hear our session's property changes (only ours: other people's sessions must not wake us)."""
        system = self.system
        if system is None or self._session_path is not None or not isinstance(session_id, str):
            return
        try:
            (path,) = system.call(
                _LOGIN1, "/org/freedesktop/login1", f"{_LOGIN1}.Manager", "GetSession", "s", (session_id,)
            )
        except BusError as error:  # its answers still count; only its changes go unheard
            log.debug("cannot find our logind session: %s", error)
            return
        self._session_path = str(path)
        system.subscribe(
            Signals(_PROPERTIES, "PropertiesChanged", self._session_path, first_argument=_LOGIN1_SESSION), self._heard
        )

    def _idle_for(self, session: dict[str, Any]) -> timedelta:
        """How long logind has counted the session idle (the desktop tells it), or 0."""
        since = session.get("IdleSinceHint")
        if not session.get("IdleHint") or not isinstance(since, int) or since <= 0:
            return timedelta(0)
        return timedelta(microseconds=max(0, self._wall_us() - since))

    # --- asking ----------------------------------------------------------------------------------

    def _locked(self, present: set[str]) -> bool:
        return any(self._ask(name, path, name, "GetActive") for name, path in _SCREENSAVERS if name in present)

    def _away(self, present: set[str], after: timedelta) -> bool:
        if _IDLE_MONITOR[0] in present:
            idle_ms = self._ask(*_IDLE_MONITOR, _IDLE_MONITOR[0], "GetIdletime")
            away = idle_ms is not None and int(idle_ms) >= after.total_seconds() * 1000
            if away:
                self._watch_for_return()
            return away
        screensaver = _SCREENSAVERS[0]
        if screensaver[0] in present:  # KDE's answers in seconds
            idle_s = self._ask(*screensaver, screensaver[0], "GetSessionIdleTime")
            return idle_s is not None and int(idle_s) >= after.total_seconds()
        return False

    def _do_not_disturb(self) -> bool:
        """Asked of the notification server that is running (as the notifier met it on connecting)."""
        server = f"{self._server.server_name} {self._server.server_vendor}".lower()
        if "inhibitions" in self._server.capabilities and _value(self._property(_NOTIFICATIONS[0], "Inhibited")):
            return True
        if "dunst" in server:
            return bool(_value(self._property("org.dunstproject.cmd0", "paused")))
        if "xfce" in server:
            xfconf = ("org.xfce.Xfconf", "/org/xfce/Xfconf", "org.xfce.Xfconf")
            return bool(_value(self._ask(*xfconf, "GetProperty", "ss", ("xfce4-notifyd", "/do-not-disturb"))))
        for desktop, (schema, key, meaning) in _GSETTINGS_DND.items():
            if desktop in server:
                return _gsetting(schema, key) == meaning
        return False

    def _property(self, interface: str, name: str) -> Any:
        return self._ask(*_NOTIFICATIONS, _PROPERTIES, "Get", "ss", (interface, name))

    def _ask(self, *call: Any) -> Any:
        """The first value of a call's reply, or None when that service cannot answer (not there, or too old);
        BusError when the bus or the service is not answering at all."""
        reply = self._ask_all(*call)
        return reply[0] if reply else None

    def _ask_all(self, destination: str, path: str, interface: str, method: str, *arguments: Any) -> tuple[Any, ...]:
        try:
            return self.bus.call(destination, path, interface, method, *arguments, start_service=False)
        except CallRefused as error:  # not there, or an older version without that method
            log.debug("%s.%s: %s", interface, method, error.name)
            return ()

    def _watch_for_return(self) -> None:
        """Have the idle monitor say when the person next touches the keyboard or mouse (once)."""
        if self._watch is None:
            watch = self._ask(*_IDLE_MONITOR, _IDLE_MONITOR[0], "AddUserActiveWatch")
            self._watch = None if watch is None else int(watch)

    def _forget_watch(self) -> None:
        self._watch = None  # a watch belongs to the connection that set it

    # --- hearing ---------------------------------------------------------------------------------

    def _heard(self, queue: deque[Any]) -> None:
        queue.clear()
        self._changed()

    def _heard_return(self, queue: deque[Any]) -> None:
        fired = {message.body[0] for message in queue if message.body}
        queue.clear()
        if self._watch is not None and self._watch in fired:
            self._watch = None  # a user-active watch fires once
            self._changed()

    def _heard_property(self, queue: deque[Any]) -> None:
        relevant = False
        for message in queue:
            _interface, changed, invalidated = message.body
            relevant = relevant or bool(_DND_PROPERTIES & (set(changed) | set(invalidated)))
        queue.clear()
        if relevant:  # dunst also announces every change of its counts, which says nothing about presence
            self._changed()


def _value(reply: Any) -> Any:
    """A variant's value (jeepney gives a variant as (signature, value))."""
    return reply[1] if isinstance(reply, tuple) and len(reply) == 2 else reply


def _gsetting(schema: str, key: str) -> str | None:
    """A desktop setting as `gsettings` prints it, or None where it cannot be read."""
    import shutil  # only on GNOME and MATE, and only at send time
    import subprocess

    program = shutil.which("gsettings")
    if program is None:
        return None
    try:
        done = subprocess.run(
            [program, "get", schema, key], capture_output=True, text=True, timeout=GSETTINGS_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None
