"""The service's side of the control channel: answers requests on a daemon thread."""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection, Listener
from pathlib import Path
from typing import Any

from dmer_tips.control import REQUEST_LIMIT, Channel
from dmer_tips.errors import DmerTipsError
from dmer_tips.storage import private_dir, write_atomically

log = logging.getLogger(__name__)
Handler = Callable[[dict[str, Any]], dict[str, Any]]


class ControlServer:
    """Answers requests on a daemon thread; `handler` does the work and returns a JSON-able dict."""

    def __init__(self, channel: Channel, handler: Handler) -> None:
        self.channel = channel
        self.handler = handler
        self._listener: Listener | None = None

    def start(self) -> None:
        key = secrets.token_bytes(32)
        write_atomically(self.channel.key_file, key)
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
