"""A connection to the desktop's session bus (Linux), shared by the notifier and the presence checks, or to
the system bus (logind, for the presence checks).

Opened when first needed and again after it is lost; its socket is handed to the service's event loop, so
signals (a button pressed, the screen unlocked) are read when they arrive: no polling, no thread of its own.
Each user of the bus subscribes with a match rule and a queue; after every read, the bus calls the
subscribers whose queues received something, on the loop's thread.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from dmer_tips.errors import DmerTipsError
from dmer_tips.notify.base import Listener

log = logging.getLogger(__name__)
CALL_TIMEOUT_S = 2.0  # a hung desktop service must never hold up the schedule for long
_NO_AUTO_START = 2  # jeepney.low_level.HeaderFlags.no_auto_start


class BusError(DmerTipsError):
    """The session bus, or a service on it, could not be reached or refused a call."""


class CallRefused(BusError):
    """A service on the bus answered a call with an error (`name` is the D-Bus error name)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class NoAnswer(BusError):
    """A service on the bus did not answer within CALL_TIMEOUT_S."""


@dataclass(frozen=True)
class Signals:
    """Signals from `interface` (optionally only `member`, from `path`, from `sender`); `first_argument`
    narrows them to those whose first argument is that string or path namespace."""

    interface: str
    member: str | None = None
    path: str | None = None
    sender: str | None = None
    first_argument: str | None = None


@dataclass
class _Subscription:
    signals: Signals
    heard: Callable[[deque[Any]], None]
    queue: deque[Any] = field(default_factory=deque)


class Bus:
    """A bus connection (`which`: "SESSION" or "SYSTEM"); every failure is a BusError, after which the next
    use connects again."""

    def __init__(self, which: Literal["SESSION", "SYSTEM"] = "SESSION") -> None:
        self.which = which
        self._connection: Any = None
        self._listener: Listener | None = None
        self._subscriptions: list[_Subscription] = []
        self._on_connect: list[Callable[[], None]] = []

    def connect(self) -> None:
        """Open the connection if it is not open, and ask for every subscription's signals."""
        if self._connection is not None:
            return
        if self.which == "SESSION" and not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            raise BusError("no desktop session: DBUS_SESSION_BUS_ADDRESS is not set")
        from jeepney.io.blocking import open_dbus_connection

        try:
            self._connection = open_dbus_connection(bus=self.which)
        except Exception as error:  # jeepney raises KeyError, OSError or its own errors here
            raise BusError(f"no D-Bus {self.which.lower()} bus: {error or type(error).__name__}") from error
        try:
            for subscription in self._subscriptions:
                self._add_match(subscription)
        except BusError:
            self.close()
            raise
        if self._listener is not None:
            self._listener.watch(self._connection.sock, self._readable)
        try:
            for then in self._on_connect:
                then()
        except Exception as error:  # half met is not connected: the next use starts again
            self.close()
            raise BusError(str(error)) from error

    def when_connected(self, then: Callable[[], None]) -> None:
        """Call `then` after each (re)connection, once the subscriptions are in place."""
        self._on_connect.append(then)

    def listen(self, listener: Listener) -> None:
        """Let `listener` (the event loop) watch the socket from now on, including after a reconnection."""
        self._listener = listener
        if self._connection is not None:
            listener.watch(self._connection.sock, self._readable)

    def subscribe(self, signals: Signals, heard: Callable[[deque[Any]], None]) -> None:
        """Keep the messages matching `signals` and hand their queue to `heard` (which takes them out) after
        each read; also after a reconnection."""
        subscription = _Subscription(signals, heard)
        self._subscriptions.append(subscription)
        if self._connection is not None:
            self._add_match(subscription)

    def call(
        self,
        destination: str,
        path: str,
        interface: str,
        method: str,
        signature: str = "",
        arguments: tuple[Any, ...] = (),
        *,
        start_service: bool = True,
    ) -> tuple[Any, ...]:
        """Call a method and return its reply. `start_service=False` never lets the bus start a service just
        to answer (asking whether a screensaver is active must not start one)."""
        self.connect()
        from jeepney import DBusAddress, new_method_call
        from jeepney.wrappers import DBusErrorResponse, unwrap_msg

        message = new_method_call(DBusAddress(path, destination, interface), method, signature or None, arguments)
        if not start_service:
            message.header.flags |= _NO_AUTO_START
        try:
            return tuple(unwrap_msg(self._connection.send_and_get_reply(message, timeout=CALL_TIMEOUT_S)))
        except DBusErrorResponse as error:
            raise CallRefused(str(error.name)) from error
        except TimeoutError as error:  # the connection is fine: a late reply is simply dropped when it comes
            raise NoAnswer(f"{destination} did not answer within {CALL_TIMEOUT_S:g}s") from error
        except (OSError, EOFError, ConnectionError) as error:
            self.close()
            raise BusError(f"lost the D-Bus connection: {error}") from error
        finally:
            self._drain()  # a reply may have brought signals in with it, for which the socket stays quiet

    def bus_call(self, method: str, signature: str = "", arguments: tuple[Any, ...] = ()) -> tuple[Any, ...]:
        """A call to the bus itself (org.freedesktop.DBus)."""
        return self.call(
            "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", method, signature, arguments
        )

    def _add_match(self, subscription: _Subscription) -> None:
        from jeepney import MatchRule

        signals = subscription.signals
        rule = MatchRule(
            type="signal", sender=signals.sender, interface=signals.interface, member=signals.member, path=signals.path
        )
        if signals.first_argument is not None:
            kind = "path" if signals.first_argument.startswith("/") else "string"
            rule.add_arg_condition(0, signals.first_argument, kind)
        self._connection.filter(rule, queue=subscription.queue)
        self.bus_call("AddMatch", "s", (rule.serialise(),))

    def _readable(self, _mask: int) -> None:
        self._drain()

    def _drain(self) -> None:
        """Take every message already arrived (also those read into the buffer along with a reply), then hand
        each subscriber what it received."""
        try:
            while self._connection is not None:
                self._connection.recv_messages(timeout=0)
        except TimeoutError:
            pass  # nothing more has arrived
        except (OSError, EOFError, ConnectionError, ValueError):
            log.warning("lost the D-Bus connection; it is opened again when next needed", exc_info=True)
            self.close()
        for subscription in self._subscriptions:
            if subscription.queue:
                try:
                    subscription.heard(subscription.queue)
                except Exception:  # any program on the bus can send a malformed signal: it must not wedge the bus
                    log.warning("ignored a signal that could not be read", exc_info=True)
                subscription.queue.clear()

    def close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            if self._listener is not None:
                self._listener.unwatch(connection.sock)
            connection.close()
