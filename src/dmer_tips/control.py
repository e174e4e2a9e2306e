"""The private channel between the CLI and the running service.

A Unix socket (a named pipe on Windows) only the user can open, an auth key only the user can read, and
JSON messages: `multiprocessing.connection` handles the handshake, and we never unpickle anything.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import sys
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path
from typing import Any, Iterator

from dmer_tips.errors import DmerTipsError
from dmer_tips.storage import private_dir, write_atomically

log = logging.getLogger(__name__)
REQUEST_LIMIT = 64 * 1024
Handler = Callable[[dict[str, Any]], dict[str, Any]]


class NotRunning(DmerTipsError):
    exit_code = 3

    def __init__(self) -> None:
        super().__init__("the service is not running — start it with `dmer-tips run`")


@dataclass(frozen=True)
class Channel:
    """Where the service listens and the key that proves a client is this user."""

    address: str
    key_file: Path

    @classmethod
    def in_dir(cls, folder: Path) -> Channel:
        if sys.platform == "win32":  # pragma: no cover
            return cls(rf"\\.\pipe\dmer-tips-{os.getlogin()}", folder / "control.key")
        return cls(str(folder / "control.sock"), folder / "control.key")

    def new_key(self) -> bytes:
        key = secrets.token_bytes(32)
        write_atomically(self.key_file, key)
        return key

    def family(self) -> str:
        return "AF_PIPE" if sys.platform == "win32" else "AF_UNIX"


class ControlServer:
    """Answers requests on a daemon thread; `handler` does the work and returns a JSON-able dict."""

    def __init__(self, channel: Channel, handler: Handler) -> None:
        self.channel = channel
        self.handler = handler
        self._listener: Listener | None = None

    def start(self) -> None:
        key = self.channel.new_key()
        if self.channel.family() == "AF_UNIX":
            private_dir(Path(self.channel.address).parent)
            Path(self.channel.address).unlink(missing_ok=True)  # left by a killed service; the lock proves it is dead
        previous = os.umask(0o177)  # the socket is created 0600
        try:
            self._listener = Listener(self.channel.address, self.channel.family(), authkey=key)
        finally:
            os.umask(previous)
        threading.Thread(target=self._serve, name="control", daemon=True).start()

    def _serve(self) -> None:
        assert self._listener is not None
        while True:
            try:
                connection = self._listener.accept()
            except OSError:
                return  # the listener was closed: the service is stopping
            except Exception:  # a wrong key or a broken handshake
                log.warning("refused a control connection", exc_info=True)
                continue
            with connection:
                self._answer(connection)

    def _answer(self, connection: Connection) -> None:
        try:
            request = json.loads(connection.recv_bytes(REQUEST_LIMIT))
            reply = self.handler(request)
        except DmerTipsError as error:
            reply = {"ok": False, "error": str(error)}
        except Exception as error:
            log.exception("control request failed")
            reply = {"ok": False, "error": f"internal error: {error}"}
        try:
            connection.send_bytes(json.dumps(reply).encode("utf-8"))
        except OSError:
            log.debug("client went away before the reply", exc_info=True)

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self.channel.family() == "AF_UNIX":
            Path(self.channel.address).unlink(missing_ok=True)


def request(channel: Channel, command: str, timeout_s: float = 15.0, **arguments: Any) -> dict[str, Any]:
    """Send one command to the running service and return its reply; raises NotRunning if none answers."""
    with _connected(channel) as connection:
        connection.send_bytes(json.dumps({"command": command, **arguments}).encode("utf-8"))
        if not connection.poll(timeout_s):
            raise DmerTipsError(f"the service did not answer within {timeout_s:g}s — see its log (`dmer-tips where`)")
        reply: dict[str, Any] = json.loads(connection.recv_bytes(REQUEST_LIMIT * 16))
    if not reply.get("ok"):
        raise DmerTipsError(str(reply.get("error", "the service refused the request")))
    return reply


@contextmanager
def _connected(channel: Channel) -> Iterator[Connection]:
    try:
        key = channel.key_file.read_bytes()
        connection = Client(channel.address, channel.family(), authkey=key)
    except (FileNotFoundError, ConnectionRefusedError):
        raise NotRunning() from None
    try:
        yield connection
    finally:
        connection.close()
