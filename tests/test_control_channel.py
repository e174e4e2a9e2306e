"""The control channel in-process, over a Unix socket (POSIX) and over loopback TCP (what Windows uses).

The server runs in a real event loop on a thread of its own; the handler stands in for the service.
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timezone
from pathlib import Path
from typing import Any

import pytest

from dmer_tips.errors import DmerTipsError
from dmer_tips.paths import AppPaths
from dmer_tips.service.control import NotRunning, connect, request
from dmer_tips.service.control_server import MAX_CLIENTS, ControlServer
from dmer_tips.service.loop import EventLoop
from dmer_tips.service.messages import ControlRequest

FAMILIES = {"unix socket": socket.AF_UNIX, "loopback tcp": socket.AF_INET}


class Recorder:
    """Answers with what it was asked, as the service would: only requests whose sender still waits."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.dropped: list[str] = []
        self.delay_s = 0.0

    def __call__(self, message: ControlRequest | Callable[[], None]) -> None:
        if not isinstance(message, ControlRequest):
            message()
            return
        time.sleep(self.delay_s)  # a busy service: everything waits, as on the real single thread
        if not message.still_wanted():
            self.dropped.append(message.command)
            return
        self.requests.append({"command": message.command, **message.arguments})
        if message.command == "fail":
            message.reply({"ok": False, "error": "that did not work"})
        else:
            message.reply({"ok": True, "result": {"command": message.command, **message.arguments}})


@dataclass
class Served:
    paths: AppPaths
    handler: Recorder
    server: ControlServer
    loop: EventLoop[Any]

    @property
    def endpoint(self) -> Path:
        return self.paths.control_file

    def address(self) -> Any:
        return json.loads(self.endpoint.read_text())["address"]

    def connect(self) -> socket.socket:
        """A connection like the CLI's (which waits while the service's queue is full)."""
        return connect(self.address(), 10)

    def raw(self, payload: bytes) -> dict[str, Any]:
        """Speak to the server directly, as another program on the machine could."""
        with self.connect() as connection:
            connection.sendall(payload)
            reply: dict[str, Any] = json.loads(connection.makefile("rb").readline())
            return reply

    def key(self) -> str:
        return str(json.loads(self.endpoint.read_text())["key"])


@pytest.fixture(params=list(FAMILIES), ids=list(FAMILIES))
def served(request: pytest.FixtureRequest, private_home: Path) -> Iterator[Served]:
    paths = AppPaths.for_user()
    handler = Recorder()
    loop: EventLoop[Any] = EventLoop(timezone.utc, handler)
    server = ControlServer(paths, loop, loop.post, FAMILIES[request.param])
    server.start()
    thread = threading.Thread(target=loop.start, daemon=True)
    thread.start()
    yield Served(paths, handler, server, loop)
    loop.post(server.stop)
    loop.post(loop.shutdown)
    thread.join(timeout=30)


def test_a_request_reaches_the_handler_with_its_arguments_but_without_the_key(served: Served) -> None:
    """The handler sees the command and its arguments; the key stays in the channel."""
    reply = request(served.endpoint, "pause", length="2h", note="ünïcode ✓")
    assert reply == {"ok": True, "result": {"command": "pause", "length": "2h", "note": "ünïcode ✓"}}
    assert "key" not in served.handler.requests[0] and "expires" not in served.handler.requests[0]


def test_the_endpoint_file_is_private_and_the_socket_too(served: Served) -> None:
    """control.json is 0600 in the private state folder; the socket is 0600 in a 0700 folder, or on loopback."""
    assert served.endpoint.stat().st_mode & 0o777 == 0o600
    assert served.endpoint.parent == served.paths.state_dir
    address = served.address()
    if served.server.family == socket.AF_INET:
        assert address[0] == "127.0.0.1"
    else:
        assert Path(address).stat().st_mode & 0o777 == 0o600
        assert Path(address).parent.stat().st_mode & 0o777 == 0o700


def test_a_wrong_or_missing_key_is_refused_and_the_server_carries_on(served: Served) -> None:
    """Someone without the key gets a refusal, the handler never hears of it, and the owner still gets through."""
    for message in ({"key": "0" * 64, "command": "stop"}, {"command": "stop"}):
        reply = served.raw(json.dumps(message).encode() + b"\n")
        assert reply == {"ok": False, "error": "wrong or missing key; only the user running the service may control it"}
    assert served.handler.requests == []
    assert request(served.endpoint, "status")["ok"] is True


@pytest.mark.parametrize(
    ("payload", "complaint"),
    [
        (b"not json\n", "the request is not valid JSON"),
        (b"[1, 2]\n", "wrong or missing key"),
        (b'{"command": "' + b"x" * 70_000, "the request is longer than 65536 bytes"),
        (b"[" * 30_000 + b"\n", "the request is not valid JSON"),
        ('{"key": "é", "command": "stop"}\n'.encode(), "wrong or missing key"),
        (b'{"key": 5, "command": "stop"}\n', "wrong or missing key"),
    ],
    ids=["garbage", "not an object", "oversized", "deep nesting", "a non-ascii key", "a key that is not text"],
)
def test_malformed_requests_get_a_clear_refusal(served: Served, payload: bytes, complaint: str) -> None:
    """Garbage, a non-object and an oversized request each get one plain sentence back."""
    reply = served.raw(payload)
    assert reply["ok"] is False and complaint in reply["error"]
    assert served.handler.requests == []
    assert request(served.endpoint, "status")["ok"] is True, "the server carries on"


def test_a_refusal_reaches_the_cli_as_our_error(served: Served) -> None:
    """A refusal from the service becomes a DmerTipsError carrying the service's sentence."""
    with pytest.raises(DmerTipsError, match=r"^that did not work$"):
        request(served.endpoint, "fail")
    assert request(served.endpoint, "status")["ok"] is True


def test_a_busy_service_gives_a_clear_timeout_and_never_acts_later(served: Served) -> None:
    """The CLI gives up with a clear message, and the service then drops the request instead of applying it."""
    served.handler.delay_s = 1.5
    with pytest.raises(DmerTipsError, match=r"did not answer within 1.2s — see its log"):
        request(served.endpoint, "pause", timeout_s=1.2)
    served.handler.delay_s = 0
    assert request(served.endpoint, "status")["ok"] is True
    assert served.handler.dropped == ["pause"]
    assert [r["command"] for r in served.handler.requests] == ["status"]


def test_a_request_from_a_client_that_hung_up_is_dropped(served: Served) -> None:
    """A client that sends its request and hangs up at once is not acted on."""
    served.handler.delay_s = 0.3
    with served.connect() as connection:
        connection.sendall(json.dumps({"key": served.key(), "command": "stop"}).encode() + b"\n")
    served.handler.delay_s = 0
    assert request(served.endpoint, "status")["ok"] is True
    assert served.handler.dropped == ["stop"]


@pytest.mark.robustness
def test_a_slow_client_holds_up_nobody(served: Served) -> None:
    """A client sending its request a byte at a time does not delay anyone else's `status`."""
    payload = json.dumps({"key": served.key(), "command": "slow"}).encode() + b"\n"
    with served.connect() as slow:
        for byte in payload[:10]:
            slow.sendall(bytes([byte]))
            assert request(served.endpoint, "status", timeout_s=4)["ok"] is True, "status waited for the slow client"
        slow.sendall(payload[10:])
        assert json.loads(slow.makefile("rb").readline())["ok"] is True


@pytest.mark.robustness
def test_a_flood_of_connections_is_refused_cleanly_and_control_comes_back(served: Served) -> None:
    """Hundreds of idle connections: the excess is told the service is busy, and `status` works once they go."""
    connections = []
    try:
        for _ in range(300):
            connections.append(served.connect())
        refusals = 0
        for connection in connections[MAX_CLIENTS:]:
            connection.settimeout(10)
            line = connection.makefile("rb").readline()
            if line:
                assert json.loads(line) == {
                    "ok": False,
                    "error": "the service is busy with other requests — try again in a moment",
                }
                refusals += 1
        assert refusals >= 300 - 2 * MAX_CLIENTS
    finally:
        for connection in connections:
            connection.close()
    deadline = time.monotonic() + 30
    while True:
        try:
            assert request(served.endpoint, "status")["ok"] is True
            break
        except DmerTipsError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_a_client_that_says_nothing_is_dropped_after_a_while(served: Served) -> None:
    """A connection that never sends its line is closed by the service, not kept forever."""
    with served.connect() as silent:
        silent.settimeout(60)
        assert silent.recv(1) == b"", "closed by the service, not by our own time-out"


def test_stop_removes_what_it_wrote(served: Served) -> None:
    """After stopping, the endpoint file and the socket are gone, and clients are told nobody runs."""
    address = served.address()
    done = threading.Event()

    def stop() -> None:
        served.server.stop()
        done.set()

    served.loop.post(stop)
    assert done.wait(timeout=30)
    assert not served.endpoint.exists()
    assert isinstance(address, list) or not Path(address).exists()
    with pytest.raises(NotRunning):
        request(served.endpoint, "status")


def test_no_service_and_a_dead_service_are_both_not_running(tmp_path: Path) -> None:
    """No endpoint file, or one left by a killed service whose socket nobody listens on: exit 3's error."""
    endpoint = tmp_path / "control.json"
    with pytest.raises(NotRunning):
        request(endpoint, "status")
    dead = socket.socket(socket.AF_UNIX)
    dead.bind(str(tmp_path / "control.sock"))  # bound but never listening, like a killed service's leftover
    endpoint.write_text(json.dumps({"address": str(tmp_path / "control.sock"), "key": "k", "pid": 1}))
    try:
        with pytest.raises(NotRunning):
            request(endpoint, "status")
    finally:
        dead.close()


def test_a_service_that_hangs_up_mid_answer_gives_a_clear_error(tmp_path: Path) -> None:
    """A service that dies while answering: an error pointing at its log, not a traceback."""
    sock_dir = Path(tempfile.mkdtemp(prefix="dt-"))
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(sock_dir / "c.sock"))
    listener.listen()
    endpoint = tmp_path / "control.json"
    endpoint.write_text(json.dumps({"address": str(sock_dir / "c.sock"), "key": "k", "pid": 1}))

    def hang_up() -> None:
        connection, _ = listener.accept()
        connection.recv(65536)
        connection.sendall(b'{"ok": tr')
        connection.close()

    thread = threading.Thread(target=hang_up)
    thread.start()
    try:
        with pytest.raises(DmerTipsError, match=r"hung up without a full answer — see its log"):
            request(endpoint, "status")
    finally:
        thread.join(timeout=10)
        listener.close()
        (sock_dir / "c.sock").unlink()
        sock_dir.rmdir()


def where_it_listens(home: Path, runtime: str | None) -> str:
    """The socket folder a service picks for this home and runtime dir (and clean up after it)."""
    env = {"HOME": str(home), **({"XDG_RUNTIME_DIR": runtime} if runtime else {})}
    paths = AppPaths.for_user(env)
    loop: EventLoop[Any] = EventLoop(timezone.utc, lambda _m: None)
    server = ControlServer(paths, loop, loop.post)
    server.start()
    try:
        return str(Path(json.loads(paths.control_file.read_text())["address"]).parent)
    finally:
        server.stop()


def test_the_socket_lives_in_the_runtime_dir_the_state_dir_or_a_fresh_temp_folder(tmp_path: Path) -> None:
    """Runtime dir when set; else the state dir when short enough; else a new random temp folder, removed after."""
    short = Path(tempfile.mkdtemp(prefix="dt-"))
    try:
        (short / "home").mkdir()
        assert where_it_listens(short / "home", str(short / "run")) == str(short / "run" / "dmer-tips")
        assert where_it_listens(short / "home", None) == str(short / "home" / ".local" / "state" / "dmer-tips")
    finally:
        import shutil

        shutil.rmtree(short)
    deep = tmp_path / ("x" * 90)
    deep.mkdir()
    first, second = where_it_listens(deep, None), where_it_listens(deep, None)
    assert Path(first).parent == Path(tempfile.gettempdir()) and Path(first).name.startswith("dmer-tips-")
    assert first != second, "the temp folder's name must not be predictable"
    assert not os.path.exists(first) and not os.path.exists(second)
