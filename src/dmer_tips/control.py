"""The private channel between the CLI and the running service: the client side, kept light for the CLI.

A Unix socket (a named pipe on Windows) only the user can open, an auth key only the user can read, and
JSON messages: `multiprocessing.connection` handles the handshake, and we never unpickle anything.
"""

from __future__ import annotations

import json
import os
import sys
from collections import namedtuple
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Client, Connection
from pathlib import Path

from dmer_tips.errors import DmerTipsError

TYPE_CHECKING = False  # `typing` stays off the start-up of `dmer-tips status`
if TYPE_CHECKING:
    from typing import Any

REQUEST_LIMIT = 64 * 1024


class NotRunning(DmerTipsError):
    exit_code = 3

    def __init__(self) -> None:
        super().__init__("the service is not running — start it with `dmer-tips run`")


class Channel(namedtuple("Channel", "address key_file")):
    """Where the service listens (`address: str`) and the key that proves a client is this user (`key_file: Path`)."""

    __slots__ = ()

    @classmethod
    def in_dir(cls, folder: Path) -> Channel:
        if sys.platform == "win32":  # pragma: no cover
            return cls(rf"\\.\pipe\dmer-tips-{os.getlogin()}", folder / "control.key")
        return cls(str(folder / "control.sock"), folder / "control.key")

    def family(self) -> str:
        return "AF_PIPE" if sys.platform == "win32" else "AF_UNIX"


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
