"""The service's side of the control channel, served on the service's own thread without ever blocking it.

Connections are non-blocking and read as bytes arrive, so a client that sends a byte every few seconds
holds up nobody; each has a few seconds to say its line, and past a small number of open connections a
new one is refused with a short answer instead of queueing. A request whose sender has hung up or given
up waiting is dropped instead of acted on.

Where it listens: `$XDG_RUNTIME_DIR/dmer-tips` when the session has a private runtime folder; otherwise
the state folder (in the user's home) when the path is short enough for a socket; otherwise a new folder
with a random name in the temp dir, which no other account can have made or linked in advance. Clients
find the address and key in `control.json` in the state folder.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import os
import selectors
import shutil
import socket
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dmer_tips import PROGRAM
from dmer_tips.errors import DmerTipsError
from dmer_tips.paths import SOCKET_PATH_LIMIT, AppPaths
from dmer_tips.service.control import REQUEST_LIMIT, encode, read_endpoint
from dmer_tips.service.loop import EventLoop
from dmer_tips.service.messages import ControlRequest
from dmer_tips.service.protocol import Endpoint, Reply
from dmer_tips.storage import private_dir, write_atomically

log = logging.getLogger(__name__)
SOCKET_PREFIX = "control-"  # + a random part new at every start, so a stale control.json never reaches a new service
SOCKET_NAME_LENGTH = len(SOCKET_PREFIX) + 8 + len(".sock")
CLIENT_TIMEOUT_S = 5.0  # a client has this long to send its request, and again to read the answer
MAX_CLIENTS = 16
DEFAULT_FAMILY = getattr(socket, "AF_UNIX", socket.AF_INET)  # Python on Windows has no AF_UNIX
_BUSY = encode({"ok": False, "error": "the service is busy with other requests — try again in a moment"})
_TEMP_PREFIX = f"{PROGRAM}-"


class ControlServer:
    """Accepts requests on `loop`'s thread and hands each one, typed, to `on_request`."""

    def __init__(
        self,
        paths: AppPaths,
        loop: EventLoop[Any],
        on_request: Callable[[ControlRequest], None],
        family: int = DEFAULT_FAMILY,
    ) -> None:
        self.paths = paths
        self.loop = loop
        self.on_request = on_request
        self.family = family
        self._key = ""
        self._listener: socket.socket | None = None
        self._socket_path: Path | None = None
        self._made_temp_dir = False
        self._clients: dict[socket.socket, _Client] = {}

    @property
    def endpoint_file(self) -> Path:
        return self.paths.control_file

    def start(self) -> None:
        _remove_left_overs(self.endpoint_file)
        self._key = os.urandom(32).hex()
        self._listener, address = self._listen()
        endpoint: Endpoint = {"address": address, "key": self._key, "pid": os.getpid()}
        write_atomically(self.endpoint_file, json.dumps(endpoint).encode("utf-8"))
        self.loop.watch(self._listener, self._accept)

    def stop(self) -> None:
        for client in list(self._clients.values()):
            client.close()
        if self._listener is not None:
            self.loop.unwatch(self._listener)
            self._listener.close()
            self._listener = None
        with contextlib.suppress(OSError):  # not ours to remove if it is not a file (a folder someone made)
            self.endpoint_file.unlink(missing_ok=True)
        if self._socket_path is not None:
            with contextlib.suppress(OSError):
                self._socket_path.unlink(missing_ok=True)
            if self._made_temp_dir:
                shutil.rmtree(self._socket_path.parent, ignore_errors=True)

    # --- listening ---------------------------------------------------------------------------------

    def _listen(self) -> tuple[socket.socket, str | list[Any]]:
        listener = socket.socket(self.family, socket.SOCK_STREAM)
        try:
            if self.family == socket.AF_INET:
                listener.bind(("127.0.0.1", 0))
                address: str | list[Any] = list(listener.getsockname())
            else:
                self._socket_path = self._choose_socket_dir() / f"{SOCKET_PREFIX}{os.urandom(4).hex()}.sock"
                address = str(self._socket_path)
                previous = os.umask(0o177)  # the socket is created 0600
                try:
                    listener.bind(address)
                finally:
                    os.umask(previous)
            listener.listen(128)
            listener.setblocking(False)
        except OSError as error:
            listener.close()
            raise DmerTipsError(f"cannot open the control channel ({error.strerror or error})") from None
        return listener, address

    def _choose_socket_dir(self) -> Path:
        for candidate in (self.paths.runtime_dir, self.paths.state_dir):
            if candidate is not None and len(str(candidate)) + 1 + SOCKET_NAME_LENGTH < SOCKET_PATH_LIMIT:
                try:
                    return private_dir(candidate)
                except DmerTipsError as error:
                    log.warning("not using %s for the control socket: %s", candidate, error)
        self._made_temp_dir = True
        return Path(tempfile.mkdtemp(prefix=_TEMP_PREFIX))  # 0700, a new random name: nobody can have planted it

    def _accept(self, _mask: int) -> None:
        assert self._listener is not None
        while True:
            try:
                connection, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as error:  # e.g. out of file descriptors: the pending ones wait for the next round
                log.warning("cannot accept a control connection: %s", error)
                return
            connection.setblocking(False)
            if len(self._clients) >= MAX_CLIENTS:
                with contextlib.suppress(OSError):
                    connection.send(_BUSY)
                connection.close()
                continue
            self._clients[connection] = _Client(self, connection)

    def _handle_line(self, client: _Client, line: bytes) -> None:
        try:
            message = json.loads(line)
        except (ValueError, RecursionError):  # RecursionError: a line of ten thousand brackets
            client.answer({"ok": False, "error": "the request is not valid JSON"})
            return
        if not isinstance(message, dict) or not _key_matches(message.pop("key", None), self._key):
            client.answer(
                {"ok": False, "error": "wrong or missing key; only the user running the service may control it"}
            )
            return
        command = message.pop("command", None)
        expires = message.pop("expires", None)
        if not isinstance(command, str):
            client.answer({"ok": False, "error": "the request names no command"})
            return
        self.on_request(
            ControlRequest(command, message, client.answer, lambda: client.still_wanted(expires)),
        )


def _key_matches(given: object, key: str) -> bool:
    """A constant-time comparison that any value sent can go through (compare_digest refuses non-ASCII text)."""
    return isinstance(given, str) and hmac.compare_digest(given.encode("utf-8"), key.encode("utf-8"))


class _Client:
    """One connection: its request arriving a piece at a time, then its answer leaving the same way."""

    def __init__(self, server: ControlServer, connection: socket.socket) -> None:
        self.server = server
        self.connection = connection
        self.incoming = bytearray()
        self.outgoing = b""
        self.closed = False
        self.timeout = server.loop.call_later(CLIENT_TIMEOUT_S, self.close)
        server.loop.watch(connection, self._readable)

    def _readable(self, _mask: int) -> None:
        try:
            chunk = self.connection.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.close()
            return
        if not chunk:
            self.close()  # hung up before finishing its request
            return
        self.incoming += chunk
        if len(self.incoming) > REQUEST_LIMIT:
            self.answer({"ok": False, "error": f"the request is longer than {REQUEST_LIMIT} bytes"})
        elif b"\n" in self.incoming:
            # The request is in: from now on it waits for the service, and its own `expires` says how long.
            self.server.loop.unwatch(self.connection)
            self.server.loop.cancel_later(self.timeout)
            line = bytes(self.incoming[: self.incoming.index(b"\n")])
            self.server._handle_line(self, line)

    def still_wanted(self, expires: object) -> bool:
        """Whether the sender is still waiting: connected, and not past the moment it said it would give up."""
        if self.closed:
            return False
        if isinstance(expires, int | float) and not isinstance(expires, bool) and time.monotonic() > expires:
            return False
        try:
            return self.connection.recv(1, socket.MSG_PEEK) != b""
        except (BlockingIOError, InterruptedError):
            return True  # connected, nothing more to say: still waiting for the answer
        except OSError:
            return False

    def answer(self, reply: Reply) -> None:
        if self.closed:
            return
        self.outgoing = encode(reply)
        self.timeout = self.server.loop.call_later(CLIENT_TIMEOUT_S, self.close)  # a client that never reads
        self._write(selectors.EVENT_WRITE)

    def _write(self, _mask: int) -> None:
        try:
            sent = self.connection.send(self.outgoing)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            self.close()
            return
        self.outgoing = self.outgoing[sent:]
        if self.outgoing:
            self.server.loop.watch(self.connection, self._write, selectors.EVENT_WRITE)
        else:
            self.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.server.loop.cancel_later(self.timeout)
        self.server.loop.unwatch(self.connection)
        self.server._clients.pop(self.connection, None)
        self.connection.close()


def _remove_left_overs(endpoint_file: Path) -> None:
    """A killed service leaves its socket (and maybe its temp folder) behind; remove what is plainly ours.

    The instance lock proves that service is dead.
    """
    try:
        address = read_endpoint(endpoint_file)["address"]
    except (OSError, ValueError, KeyError, TypeError):
        return
    if not isinstance(address, str) or not Path(address).name.startswith(SOCKET_PREFIX):
        return
    socket_path = Path(address)
    with contextlib.suppress(OSError):
        info = os.lstat(socket_path)
        if stat.S_ISSOCK(info.st_mode) and info.st_uid == os.getuid():
            socket_path.unlink()
    folder = socket_path.parent
    if folder.parent == Path(tempfile.gettempdir()) and folder.name.startswith(_TEMP_PREFIX):
        with contextlib.suppress(OSError):
            info = os.lstat(folder)
            if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid():
                shutil.rmtree(folder, ignore_errors=True)
