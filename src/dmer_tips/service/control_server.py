"""The service's side of the control channel: answers requests, one at a time, on a daemon thread."""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dmer_tips.errors import DmerTipsError
from dmer_tips.service.control import ENDPOINT_NAME, REQUEST_LIMIT, connect, encode, read_line
from dmer_tips.storage import private_dir, write_atomically

log = logging.getLogger(__name__)
Handler = Callable[[dict[str, Any]], dict[str, Any]]
SOCKET_NAME = "control.sock"
CLIENT_TIMEOUT_S = 5.0  # a client that connects and says nothing must not hold up the next one
DEFAULT_FAMILY = getattr(socket, "AF_UNIX", socket.AF_INET)  # Python on Windows has no AF_UNIX


class ControlServer:
    """Listens in `folder`; `handler` does the work for each request and returns a JSON-able dict."""

    def __init__(self, folder: Path, handler: Handler, family: int = DEFAULT_FAMILY) -> None:
        self.folder = folder
        self.handler = handler
        self.family = family
        self._key = ""
        self._address: str | list[Any] = ""
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False

    @property
    def socket_path(self) -> Path:
        return self.folder / SOCKET_NAME

    @property
    def endpoint_file(self) -> Path:
        return self.folder / ENDPOINT_NAME

    def start(self) -> None:
        private_dir(self.folder)
        self._key = os.urandom(32).hex()
        self._stopping = False
        self._listener, self._address = self._listen()
        endpoint = {"address": self._address, "key": self._key}
        write_atomically(self.endpoint_file, json.dumps(endpoint).encode("utf-8"))
        self._thread = threading.Thread(target=self._serve, args=(self._listener,), name="control", daemon=True)
        self._thread.start()

    def _listen(self) -> tuple[socket.socket, str | list[Any]]:
        listener = socket.socket(self.family, socket.SOCK_STREAM)
        try:
            if self.family == socket.AF_INET:
                listener.bind(("127.0.0.1", 0))
                address: str | list[Any] = list(listener.getsockname())
            else:
                address = str(self.socket_path)
                self.socket_path.unlink(missing_ok=True)  # left by a killed service; the lock proves it is dead
                previous = os.umask(0o177)  # the socket is created 0600
                try:
                    listener.bind(address)
                finally:
                    os.umask(previous)
            listener.listen()
        except OSError as error:
            listener.close()
            raise DmerTipsError(f"{self.folder}: cannot open the control channel ({error})") from None
        return listener, address

    def _serve(self, listener: socket.socket) -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                log.warning("the control channel failed; `dmer-tips` commands cannot reach the service", exc_info=True)
                return
            with connection:
                if self._stopping:
                    return
                connection.settimeout(CLIENT_TIMEOUT_S)
                self._answer(connection)

    def _answer(self, connection: socket.socket) -> None:
        try:
            reply = self.handler(self._read_request(connection))
        except DmerTipsError as error:
            reply = {"ok": False, "error": str(error)}
        except (OSError, ValueError) as error:
            log.warning("refused a control request: %s", error)
            reply = {"ok": False, "error": f"request refused: {error}"}
        except Exception as error:
            log.exception("control request failed")
            reply = {"ok": False, "error": f"internal error: {error}"}
        try:
            connection.sendall(encode(reply))
        except OSError:
            log.debug("client went away before the reply", exc_info=True)

    def _read_request(self, connection: socket.socket) -> dict[str, Any]:
        request = json.loads(read_line(connection, REQUEST_LIMIT))
        if not isinstance(request, dict) or not hmac.compare_digest(str(request.pop("key", "")), self._key):
            raise PermissionError("wrong or missing key; only the user running the service may control it")
        return request

    def stop(self) -> None:
        if self._listener is not None:
            self._stopping = True
            # Closing a socket does not wake a thread blocked in accept() on every system; a connection does.
            with contextlib.suppress(OSError), connect(self._address, CLIENT_TIMEOUT_S):
                pass
            if self._thread is not None:
                self._thread.join(timeout=CLIENT_TIMEOUT_S)
            self._listener.close()
            self._listener = None
        self.endpoint_file.unlink(missing_ok=True)
        if self.family != socket.AF_INET:
            self.socket_path.unlink(missing_ok=True)
