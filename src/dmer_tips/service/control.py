"""The private channel between the CLI and the running service: the client side, kept light for the CLI.

One request per connection: the client sends one line of JSON carrying the service's key, the service
answers with one line of JSON and hangs up. On POSIX the channel is a Unix socket, 0600 in a 0700 folder,
so only the user can reach it at all; Python on Windows has no Unix sockets, so there it is a loopback
TCP port, and the key (fresh and random at every start, in a file only the user can read) is what keeps
other users out. The service writes where it listens and its key to `control.json` in its state folder.

A request carries the moment (on the machine's monotonic clock) after which the client will have given
up waiting; the service refuses to act on it after that, so a command reported as failed never takes
effect later behind the user's back.
"""

from __future__ import annotations

import json
import os
import socket
import time

from dmer_tips.errors import DmerTipsError
from dmer_tips.storage import NotAPlainFile, open_plain

TYPE_CHECKING = False  # `typing` stays off the start-up of `dmer-tips status`
if TYPE_CHECKING:
    from typing import Any

    from dmer_tips.service.protocol import Endpoint, Reply

REQUEST_LIMIT = 64 * 1024
REPLY_LIMIT = 16 * REQUEST_LIMIT
DEFAULT_TIMEOUT_S = 15.0
GIVE_UP_MARGIN_S = 1.0  # the service stops acting on a request this long before the client stops waiting
SEE_THE_LOG = "see its log (`dmer-tips where`)"


class NotRunning(DmerTipsError):
    exit_code = 3

    def __init__(self) -> None:
        super().__init__("the service is not running — start it with `dmer-tips run`")


def request(
    endpoint_file: str | os.PathLike[str], command: str, timeout_s: float = DEFAULT_TIMEOUT_S, **arguments: Any
) -> Reply:
    """Send one command to the service that wrote `endpoint_file` and return its reply; NotRunning if none answers."""
    message = {"command": command, **arguments, "expires": time.monotonic() + timeout_s - GIVE_UP_MARGIN_S}
    try:
        endpoint = read_endpoint(endpoint_file)
        address, key = endpoint["address"], endpoint["key"]
    except FileNotFoundError:
        raise NotRunning() from None
    except (OSError, ValueError, KeyError, TypeError):
        raise DmerTipsError(
            f"{os.fspath(endpoint_file)} cannot be read — stop any running service, remove the file, and start again"
        ) from None
    try:
        with connect(address, timeout_s) as connection:
            connection.sendall(encode({"key": key, **message}))
            reply: Reply = json.loads(read_line(connection, REPLY_LIMIT))
    except (FileNotFoundError, ConnectionRefusedError):
        raise NotRunning() from None
    except TimeoutError:
        raise DmerTipsError(f"the service did not answer within {timeout_s:g}s — {SEE_THE_LOG}") from None
    except (ConnectionError, ValueError, RecursionError):
        raise DmerTipsError(f"the service hung up without a full answer — {SEE_THE_LOG}") from None
    except OSError as error:
        raise DmerTipsError(f"cannot reach the service ({error.strerror or error}) — {SEE_THE_LOG}") from None
    if not isinstance(reply, dict) or not reply.get("ok"):
        error_text = reply.get("error") if isinstance(reply, dict) else None
        raise DmerTipsError(str(error_text or "the service refused the request"))
    return reply


def read_endpoint(endpoint_file: str | os.PathLike[str]) -> Endpoint:
    """The service's address and key; FileNotFoundError when none runs, ValueError for anything odd there."""
    try:
        fd = open_plain(endpoint_file, follow_links=False)
    except NotAPlainFile:
        raise ValueError("control.json is not a regular file") from None
    with os.fdopen(fd, "rb") as handle:
        endpoint: Endpoint = json.loads(handle.read(REQUEST_LIMIT))
    return endpoint


def connect(address: str | list[Any], timeout_s: float) -> socket.socket:
    """A Unix socket path (a str) or a loopback [host, port] pair, as the service wrote it.

    A Unix socket whose queue is full refuses at once (EAGAIN) instead of waiting: try again until
    `timeout_s`, as a TCP connection would wait.
    """
    family = socket.AF_INET if isinstance(address, list) else socket.AF_UNIX
    deadline = time.monotonic() + timeout_s
    while True:
        connection = socket.socket(family, socket.SOCK_STREAM)
        connection.settimeout(timeout_s)
        try:
            connection.connect(tuple(address) if isinstance(address, list) else address)
            return connection
        except BlockingIOError:
            connection.close()
            if time.monotonic() > deadline:
                raise TimeoutError from None
            time.sleep(0.02)
        except BaseException:
            connection.close()
            raise


def encode(message: object) -> bytes:
    """One message on the wire: compact JSON (which never contains a raw newline) and a newline."""
    return json.dumps(message, separators=(",", ":")).encode("utf-8") + b"\n"


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
