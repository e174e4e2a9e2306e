"""Linux: the freedesktop.org notification spec, called directly over D-Bus (pure-Python jeepney).

plyer's Linux path is wrong in ways a user notices (tips never expire and pile up, text starting with `-`
vanishes, urgency has the wrong type, and a missing server goes unnoticed), so on Linux we follow the
spec ourselves: an explicit expiry (some servers, such as mako, otherwise keep a notification forever),
urgency normal as a byte, our app name, an icon that fits each kind, each notification replacing the last
of its slot (also after a restart), the body escaped exactly when the server renders markup, and every
failure raised.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any

from dmer_tips.desktop.bus import CALL_TIMEOUT_S, Bus, BusError, CallRefused, NoAnswer, Signals
from dmer_tips.notify.base import (
    APP_NAME,
    DEFAULT_ACTION,
    DESKTOP_ENTRY,
    Action,
    ActionChosen,
    Dismissed,
    Listener,
    Notification,
    NotificationEvent,
    Notifier,
    NotifyError,
)
from dmer_tips.paths import icon_path

log = logging.getLogger(__name__)
URGENCY_NORMAL = 1
NEVER_EXPIRE = 0
# Names from the freedesktop icon naming spec, which every icon theme provides; tips keep our own icon.
THEMED_ICONS = {"problem": "dialog-warning"}


def escape_markup(text: str) -> str:
    """Escape only what breaks markup; quotes stay literal because some servers show entities raw."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class FreedesktopNotifier(Notifier):
    """Notify over D-Bus, and hear back (buttons pressed, notifications closed) on the same connection, which
    the service's event loop watches (see `Bus`): no polling and no thread of our own."""

    name = "the desktop"

    def __init__(self, bus: Bus | None = None, app_name: str = APP_NAME) -> None:
        self.bus = bus or Bus()
        self.app_name = app_name
        self._capabilities: frozenset[str] = frozenset()
        self._last_ids: dict[str, int] = {}
        self._remembered: dict[str, int] = {}  # from an earlier run: "<bus id>/<server> <slot>" -> id
        self._server = ""  # this bus and this server: ids mean nothing to another login or another server
        self.server_name = ""  # what the server calls itself ("dunst", "gnome-shell", "Xfce Notify Daemon", ...)
        self.server_vendor = ""  # and who made it ("MATE", "KDE", ...)
        self._listener: Listener | None = None
        self._heard: deque[Any] = deque()
        self._sending = False
        self._owner: str | None = None  # the server's connection on the bus, once known
        self.bus.subscribe(Signals(_INTERFACE, path=_PATH), self._signals)
        self.bus.when_connected(self._met_the_server)

    @property
    def capabilities(self) -> frozenset[str]:
        return self._capabilities

    def send(self, notification: Notification) -> int:
        self._connect()
        shown_actions = self._actions(notification)
        buttons = any(action.key != DEFAULT_ACTION for action in shown_actions)
        text = notification.body if buttons else notification.with_hint()
        body = escape_markup(text) if "body-markup" in self._capabilities else text
        hints: dict[str, tuple[str, Any]] = {"urgency": ("y", URGENCY_NORMAL)}
        if not notification.discreet:  # the application entry is named D-MER Tips, and desktops show its name
            hints["desktop-entry"] = ("s", DESKTOP_ENTRY)
        actions = [part for action in shown_actions for part in (action.key, action.label)]
        shown_for = notification.show_for_s
        arguments: tuple[Any, ...] = (
            DISCREET_APP_NAME if notification.discreet else self.app_name,
            self._last_ids.get(notification.slot, 0),
            THEMED_ICONS.get(notification.kind) or str(icon_path()),
            notification.title,
            body,
            actions,
            hints,
            NEVER_EXPIRE if shown_for is None else min(max(1, round(shown_for * 1000)), _LONGEST_MS),
        )
        self._sending = True
        try:
            (reply,) = self._call("Notify", "susssasa{sv}i", arguments)
        finally:
            self._sending = False
        shown_as = int(reply)
        # A close heard before this reply was of the notification this one replaced, which had the same id:
        # reported, it would take this one's buttons away.
        kept = [message for message in self._heard if not _closes(message, shown_as)]
        self._heard.clear()
        self._heard.extend(kept)
        self._last_ids[notification.slot] = shown_as
        self._report()
        return shown_as

    def _actions(self, notification: Notification) -> tuple[Action, ...]:
        """Buttons only where someone hears them pressed (the service); elsewhere the text says what to type,
        and only a click's default action is kept, so that a click closes the notification."""
        if "actions" not in self._capabilities:
            return ()
        if self._listener is None:
            return tuple(action for action in notification.actions if action.key == DEFAULT_ACTION)
        return notification.actions

    def listen(self, listener: Listener) -> None:
        self._listener = listener
        self.bus.listen(listener)

    def withdraw(self, slot: str) -> None:
        shown_as = self._last_ids.pop(slot, None)
        if shown_as is not None:
            self._connect()
            self._call("CloseNotification", "u", (shown_as,))

    def slot_ids(self) -> dict[str, int]:
        return {**self._remembered, **{f"{self._server} {slot}": shown_as for slot, shown_as in self._last_ids.items()}}

    def restore_slot_ids(self, ids: dict[str, int]) -> None:
        self._remembered = dict(ids)

    def probe(self) -> str:
        self._connect()
        return f"the desktop ({self.server_name})"

    def _connect(self) -> None:
        try:
            self.bus.connect()
        except BusError as error:
            raise NotifyError(str(error)) from error

    def _met_the_server(self) -> None:
        """After each connection: which server this is, what it can do, and whose earlier ids still mean ours."""
        server = self._server_identity()
        (self.server_name, self.server_vendor, _version, _spec) = self._call("GetServerInformation")
        (capabilities,) = self._call("GetCapabilities")
        self._capabilities = frozenset(capabilities)
        if server != self._server or not server:
            # Another login, or the server restarted: an id may now be another app's notification.
            mine = f"{server} " if server else None
            self._last_ids = {
                key.partition(" ")[2]: shown_as
                for key, shown_as in self._remembered.items()
                if mine and key.startswith(mine)
            }
            self._server, self._remembered = server, {}

    def _server_identity(self) -> str:
        """This session bus's id and the notification server's connection on it: both change with a new login."""
        try:
            (bus_id,) = self.bus.bus_call("GetId")
            (owner,) = self.bus.bus_call("GetNameOwner", "s", (_INTERFACE,))
        except BusError:  # an old or odd bus: then nothing from an earlier run is trusted
            log.debug("could not tell which notification server this is", exc_info=True)
            self._owner = None
            return ""
        self._owner = str(owner)
        return f"{bus_id}/{owner}"

    def _signals(self, queue: deque[Any]) -> None:
        """Signals from the server: only from the server itself (another program on the bus must not press our
        buttons), and, while a Notify call waits for its reply, kept until the reply says which id is new."""
        while queue:
            message = queue.popleft()
            if self._owner is None or message.header.fields.get(_SENDER) == self._owner:
                self._heard.append(message)
        if not self._sending:
            self._report()

    def _report(self) -> None:
        while self._heard:
            event = _event(self._heard.popleft())
            if isinstance(event, Dismissed):  # gone: the next of its slot gets a new id rather than reusing this one
                self._last_ids = {
                    slot: shown_as for slot, shown_as in self._last_ids.items() if shown_as != event.notification_id
                }
            if event is not None and self._listener is not None:
                self._listener.post(event)

    def _call(self, method: str, signature: str = "", arguments: tuple[Any, ...] = ()) -> tuple[Any, ...]:
        try:
            return self.bus.call(_INTERFACE, _PATH, _INTERFACE, method, signature, arguments)
        except CallRefused as error:
            self.bus.close()
            raise NotifyError(f"the notification server refused: {error.name}") from error
        except NoAnswer as error:
            raise NotifyError(f"the notification server did not answer within {CALL_TIMEOUT_S:g}s") from error
        except BusError as error:
            raise NotifyError(str(error)) from error

    def close(self) -> None:
        self.bus.close()


_INTERFACE = "org.freedesktop.Notifications"
_PATH = "/org/freedesktop/Notifications"
_LONGEST_MS = 2**31 - 1  # the spec's expire_timeout is an int32
_MEMBER, _SENDER = 3, 7  # jeepney.HeaderFields
DISCREET_APP_NAME = "Reminders"


def _closes(message: Any, notification_id: int) -> bool:
    event = _event(message)
    return isinstance(event, Dismissed) and event.notification_id == notification_id


def _event(message: Any) -> NotificationEvent | None:
    """A signal from the server as an event, or None for anything malformed."""
    member, body = message.header.fields.get(_MEMBER), message.body
    try:
        if member == "ActionInvoked":
            notification_id, action = body
            return ActionChosen(int(notification_id), str(action))
        if member == "NotificationClosed":
            notification_id, reason = body
            return Dismissed(int(notification_id), int(reason))
    except (TypeError, ValueError):
        pass
    return None
