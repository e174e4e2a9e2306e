"""The private channel between the CLI and the running service: the client side, kept light for the CLI.

One request per connection: the client sends one line of JSON carrying the service's key, the service
answers with one line of JSON and hangs up. On POSIX the channel is a Unix socket, 0600 in a 0700
folder, so only the user can reach it at all; Python on Windows has no Unix sockets, so there it is a
loopback TCP port, and the key (fresh and random at every start, in a file only the user can read) is
what keeps other users out. The service writes where it listens and its key to `control.json`.
"""

from __future__ import annotations

import json
import os
import socket
import sys

from dmer_tips import PROGRAM
from dmer_tips.errors import DmerTipsError

TYPE_CHECKING = False  # `typing` stays off the start-up of `dmer-tips status`
if TYPE_CHECKING:
    from typing import Any

ENDPOINT_NAME = "control.json"
REQUEST_LIMIT = 64 * 1024
REPLY_LIMIT = 16 * REQUEST_LIMIT
SEE_THE_LOG = "see its log (`dmer-tips where`)"


class NotRunning(DmerTipsError):
    exit_code = 3

    def __init__(self) -> None:
        super().__init__("the service is not running — start it with `dmer-tips run`")


def control_dir() -> str:
    """Where the channel lives: short enough for a socket path (~104 bytes) and private to the user.

    On Linux that is `$XDG_RUNTIME_DIR/dmer-tips` when the variable is set (it often is not outside a
    desktop session); otherwise, or when the path is too long, a private folder in the temp dir. Computed
    without platformdirs or pathlib on Linux, because `status` and friends must start fast.
    """
    base = os.environ.get("XDG_RUNTIME_DIR", "")
    if sys.platform.startswith("linux"):
        candidate = os.path.join(base, PROGRAM) if base and os.path.isdir(base) else ""
    else:
        import platformdirs

        candidate = platformdirs.user_runtime_dir(PROGRAM, appauthor=False)
    if candidate and len(candidate) < 80:
        return candidate
    import tempfile

    owner = os.getuid() if hasattr(os, "getuid") else os.getlogin()
    return os.path.join(tempfile.gettempdir(), f"{PROGRAM}-{owner}")


def request(folder: str | os.PathLike[str], command: str, timeout_s: float = 15.0, **arguments: Any) -> dict[str, Any]:
    """Send one command to the service listening in `folder` and return its reply; NotRunning if none answers."""
    try:
        with open(os.path.join(folder, ENDPOINT_NAME), "rb") as endpoint_file:
            endpoint = json.loads(endpoint_file.read())
        with connect(endpoint["address"], timeout_s) as connection:
            connection.sendall(encode({"key": endpoint["key"], "command": command, **arguments}))
            reply: dict[str, Any] = json.loads(read_line(connection, REPLY_LIMIT))
    except (FileNotFoundError, ConnectionRefusedError):
        raise NotRunning() from None
    except TimeoutError:
        raise DmerTipsError(f"the service did not answer within {timeout_s:g}s — {SEE_THE_LOG}") from None
    except (ConnectionError, ValueError):
        raise DmerTipsError(f"the service hung up without a full answer — {SEE_THE_LOG}") from None
    if not reply.get("ok"):
        raise DmerTipsError(str(reply.get("error", "the service refused the request")))
    return reply


def connect(address: str | list[Any], timeout_s: float) -> socket.socket:
    """A Unix socket path (a str) or a loopback [host, port] pair, as the service wrote it."""
    family = socket.AF_INET if isinstance(address, list) else socket.AF_UNIX
    connection = socket.socket(family, socket.SOCK_STREAM)
    connection.settimeout(timeout_s)
    try:
        connection.connect(tuple(address) if isinstance(address, list) else address)
    except BaseException:
        connection.close()
        raise
    return connection


def encode(message: dict[str, Any]) -> bytes:
    """One message on the wire: compact JSON (which never contains a raw newline) and a newline."""
    return json.dumps(message).encode("utf-8") + b"\n"


def read_line(connection: socket.socket, limit: int) -> bytes:
    """Read the one message the other side sends; ValueError if it is longer than `limit` or cut short."""
    data = bytearray()
    while not data.endswith(b"\n"):
        chunk = connection.recv(65536)
        if not chunk:
            raise ValueError("the connection closed in the middle of a message")
        data += chunk
        if len(data) > limit:
            raise ValueError(f"message longer than {limit} bytes")
    return bytes(data)
