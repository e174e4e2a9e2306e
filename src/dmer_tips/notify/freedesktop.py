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
import os
from collections import deque
from typing import Any

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
CALL_TIMEOUT_S = 2.0  # a hung server must never hold up the schedule for long
URGENCY_NORMAL = 1
NEVER_EXPIRE = 0
# Names from the freedesktop icon naming spec, which every icon theme provides; tips keep our own icon.
THEMED_ICONS = {"problem": "dialog-warning"}


def escape_markup(text: str) -> str:
    """Escape only what breaks markup; quotes stay literal because some servers show entities raw."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class FreedesktopNotifier(Notifier):
    """Notify over D-Bus, and hear back (buttons pressed, notifications closed) on the same connection.

    The connection's socket is handed to the listener (the service's event loop), which calls back when it
    is readable: no polling and no thread of our own.
    """

    name = "the desktop"

    def __init__(self, app_name: str = APP_NAME) -> None:
        self.app_name = app_name
        self._connection: Any = None
        self._capabilities: frozenset[str] = frozenset()
        self._last_ids: dict[str, int] = {}
        self._remembered: dict[str, int] = {}  # from an earlier run: "<bus id>/<server> <slot>" -> id
        self._server = ""  # this bus and this server: ids mean nothing to another login or another server
        self._listener: Listener | None = None
        self._heard: deque[Any] = deque()

    def send(self, notification: Notification) -> int:
        self._connect()
        shown_actions = self._actions(notification)
        buttons = any(action.key != DEFAULT_ACTION for action in shown_actions)
        text = notification.body if buttons else notification.with_hint()
        body = escape_markup(text) if "body-markup" in self._capabilities else text
        hints = {"urgency": ("y", URGENCY_NORMAL), "desktop-entry": ("s", DESKTOP_ENTRY)}
        actions = [part for action in shown_actions for part in (action.key, action.label)]
        shown_for = notification.show_for_s
        arguments: tuple[Any, ...] = (
            self.app_name,
            self._last_ids.get(notification.slot, 0),
            THEMED_ICONS.get(notification.kind) or str(icon_path()),
            notification.title,
            body,
            actions,
            hints,
            NEVER_EXPIRE if shown_for is None else min(max(1, round(shown_for * 1000)), _LONGEST_MS),
        )
        (reply,) = self._call("Notify", "susssasa{sv}i", arguments, report=False)
        shown_as = int(reply)
        # A close heard before this reply was of the notification this one replaced, which had the same id:
        # reported, it would take this one's buttons away.
        kept = [message for message in self._heard if not _closes(message, shown_as)]
        self._heard.clear()  # in place: the connection's filters hold this very queue
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
        if self._connection is not None:
            listener.watch(self._connection.sock, self._readable)

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
        name, _vendor, _version, _spec = self._call("GetServerInformation", "", ())
        return f"the desktop ({name})"

    def _connect(self) -> None:
        if self._connection is not None:
            return
        if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            raise NotifyError("no desktop session: DBUS_SESSION_BUS_ADDRESS is not set")
        from jeepney.io.blocking import open_dbus_connection

        try:
            self._connection = open_dbus_connection(bus="SESSION")
        except Exception as error:  # jeepney raises KeyError, OSError or its own errors here
            raise NotifyError(f"no D-Bus session bus: {error or type(error).__name__}") from error
        server = self._server_identity()
        try:
            self._hear_signals(server.partition("/")[2])
        except Exception as error:  # a bus that refuses a match rule, or does not answer
            self.close()
            raise NotifyError(
                f"the session bus would not pass on the notification server's signals: {error}"
            ) from error
        (capabilities,) = self._call("GetCapabilities", "", ())
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
        if self._listener is not None:
            self._listener.watch(self._connection.sock, self._readable)

    def _server_identity(self) -> str:
        """This session bus's id and the notification server's name on it: both change with a new login."""
        from jeepney import message_bus
        from jeepney.wrappers import unwrap_msg

        try:
            (bus_id,) = unwrap_msg(self._connection.send_and_get_reply(message_bus.GetId(), timeout=CALL_TIMEOUT_S))
            (owner,) = unwrap_msg(
                self._connection.send_and_get_reply(message_bus.GetNameOwner(_INTERFACE), timeout=CALL_TIMEOUT_S)
            )
        except Exception:  # an old or odd bus: then nothing from an earlier run is trusted
            log.debug("could not tell which notification server this is", exc_info=True)
            return ""
        return f"{bus_id}/{owner}"

    def _hear_signals(self, owner: str) -> None:
        """Ask the bus for the server's signals (only from the server itself, when known: another program on
        the bus must not press our buttons), and keep them as they arrive (also while awaiting a reply)."""
        from jeepney import MatchRule, message_bus

        for member in _SIGNALS:
            rule = MatchRule(type="signal", sender=owner or None, interface=_INTERFACE, path=_PATH, member=member)
            self._connection.send_and_get_reply(message_bus.AddMatch(rule), timeout=CALL_TIMEOUT_S)
            self._connection.filter(rule, queue=self._heard)

    def _readable(self, _mask: int) -> None:
        """The loop saw data on the connection: take every message that has arrived, then report the signals."""
        self._drain()
        self._report()

    def _drain(self) -> None:
        """Take every message already arrived (also those read into the connection's buffer with a reply, for
        which the socket will not become readable again)."""
        try:
            while self._connection is not None:
                self._connection.recv_messages(timeout=0)
        except TimeoutError:
            pass  # nothing more has arrived
        except (OSError, EOFError, ConnectionError, ValueError):
            log.warning("lost the D-Bus connection; it is opened again for the next notification", exc_info=True)
            self.close()

    def _report(self) -> None:
        while self._heard:
            event = _event(self._heard.popleft())
            if isinstance(event, Dismissed):  # gone: the next of its slot gets a new id rather than reusing this one
                self._last_ids = {
                    slot: shown_as for slot, shown_as in self._last_ids.items() if shown_as != event.notification_id
                }
            if event is not None and self._listener is not None:
                self._listener.post(event)

    def _call(self, method: str, signature: str, arguments: tuple[Any, ...], report: bool = True) -> tuple[Any, ...]:
        from jeepney import DBusAddress, new_method_call
        from jeepney.wrappers import DBusErrorResponse, unwrap_msg

        address = DBusAddress(_PATH, bus_name=_INTERFACE, interface=_INTERFACE)
        try:
            reply = self._connection.send_and_get_reply(
                new_method_call(address, method, signature, arguments), timeout=CALL_TIMEOUT_S
            )
            return tuple(unwrap_msg(reply))
        except DBusErrorResponse as error:
            self.close()
            raise NotifyError(f"the notification server refused: {error.name}") from error
        except TimeoutError as error:
            self.close()
            raise NotifyError(f"the notification server did not answer within {CALL_TIMEOUT_S:g}s") from error
        except (OSError, EOFError, ConnectionError) as error:
            self.close()
            raise NotifyError(f"lost the D-Bus connection: {error}") from error
        finally:
            if self._connection is not None:
                self._drain()
            if report:
                self._report()  # signals that came while we waited for the reply

    def close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            if self._listener is not None:
                self._listener.unwatch(connection.sock)
            connection.close()


_INTERFACE = "org.freedesktop.Notifications"
_PATH = "/org/freedesktop/Notifications"
_SIGNALS = ("ActionInvoked", "NotificationClosed")
_LONGEST_MS = 2**31 - 1  # the spec's expire_timeout is an int32
_MEMBER = 3  # jeepney.HeaderFields.member


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
