"""Linux: the freedesktop.org notification spec, called directly over D-Bus (pure-Python jeepney).

plyer's Linux path is wrong in ways a user notices (tips never expire and pile up, text starting with `-`
vanishes, urgency has the wrong type, and a missing server goes unnoticed), so on Linux we follow the
spec ourselves: an explicit expiry (some servers, such as mako, otherwise keep a notification forever),
urgency normal as a byte, our app name, an icon that fits each kind, each notification replacing the last
of its slot (also after a restart), the body escaped exactly when the server renders markup, and every
failure raised.
"""

from __future__ import annotations

import os
from typing import Any

from dmer_tips.notify.base import APP_NAME, DESKTOP_ENTRY, Notification, Notifier, NotifyError
from dmer_tips.paths import icon_path

CALL_TIMEOUT_S = 2.0  # a hung server must never hold up the schedule for long
URGENCY_NORMAL = 1
NEVER_EXPIRE = 0
# Names from the freedesktop icon naming spec, which every icon theme provides; tips keep our own icon.
THEMED_ICONS = {"problem": "dialog-warning", "notice": "dialog-information"}


def escape_markup(text: str) -> str:
    """Escape only what breaks markup; quotes stay literal because some servers show entities raw."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class FreedesktopNotifier(Notifier):
    name = "the desktop"

    def __init__(self, app_name: str = APP_NAME) -> None:
        self.app_name = app_name
        self._connection: Any = None
        self._markup = False
        self._last_ids: dict[str, int] = {}

    def send(self, notification: Notification) -> int:
        body = escape_markup(notification.body) if self._connect_and_markup() else notification.body
        hints = {"urgency": ("y", URGENCY_NORMAL), "desktop-entry": ("s", DESKTOP_ENTRY)}
        shown_for = notification.show_for_s
        arguments: tuple[Any, ...] = (
            self.app_name,
            self._last_ids.get(notification.slot, 0),
            THEMED_ICONS.get(notification.kind) or str(icon_path()),
            notification.title,
            body,
            [],
            hints,
            NEVER_EXPIRE if shown_for is None else max(1, round(shown_for * 1000)),
        )
        (shown_as,) = self._call("Notify", "susssasa{sv}i", arguments)
        self._last_ids[notification.slot] = int(shown_as)
        return int(shown_as)

    def slot_ids(self) -> dict[str, int]:
        return dict(self._last_ids)

    def restore_slot_ids(self, ids: dict[str, int]) -> None:
        self._last_ids.update(ids)

    def probe(self) -> str:
        self._connect_and_markup()
        name, _vendor, _version, _spec = self._call("GetServerInformation", "", ())
        return f"the desktop ({name})"

    def _connect_and_markup(self) -> bool:
        if self._connection is None:
            if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
                raise NotifyError("no desktop session: DBUS_SESSION_BUS_ADDRESS is not set")
            from jeepney.io.blocking import open_dbus_connection

            try:
                self._connection = open_dbus_connection(bus="SESSION")
            except Exception as error:  # jeepney raises KeyError, OSError or its own errors here
                raise NotifyError(f"no D-Bus session bus: {error or type(error).__name__}") from error
            (capabilities,) = self._call("GetCapabilities", "", ())
            self._markup = "body-markup" in capabilities
        return self._markup

    def _call(self, method: str, signature: str, arguments: tuple[Any, ...]) -> tuple[Any, ...]:
        from jeepney import DBusAddress, new_method_call
        from jeepney.wrappers import DBusErrorResponse, unwrap_msg

        address = DBusAddress(
            "/org/freedesktop/Notifications",
            bus_name="org.freedesktop.Notifications",
            interface="org.freedesktop.Notifications",
        )
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

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            finally:
                self._connection = None
