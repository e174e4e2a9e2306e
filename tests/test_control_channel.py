"""The control channel in-process, over a Unix socket (POSIX) and over loopback TCP (what Windows uses)."""

from __future__ import annotations

import json
import os
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dmer_tips.errors import DmerTipsError
from dmer_tips.service.control import NotRunning, control_dir, request
from dmer_tips.service.control_server import ControlServer

FAMILIES = {"unix socket": socket.AF_UNIX, "loopback tcp": socket.AF_INET}


class Recorder:
    """A handler that answers with what it was asked, and can be made to fail or to wait."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.release = threading.Event()
        self.release.set()

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(request)
        self.release.wait(timeout=10)
        if request["command"] == "fail":
            raise DmerTipsError("that did not work")
        if request["command"] == "crash":
            raise RuntimeError("bug")
        return {"ok": True, "result": request}


@pytest.fixture(params=list(FAMILIES), ids=list(FAMILIES))
def served(request: pytest.FixtureRequest, private_home: Path) -> Iterator[tuple[Path, Recorder, ControlServer]]:
    folder = Path(control_dir())
    handler = Recorder()
    server = ControlServer(folder, handler, FAMILIES[request.param])
    server.start()
    yield folder, handler, server
    server.stop()


def raw(folder: Path, payload: bytes) -> dict[str, Any]:
    """Speak to the server directly, as another program on the machine could."""
    endpoint = json.loads((folder / "control.json").read_text())
    address = endpoint["address"]
    family = socket.AF_INET if isinstance(address, list) else socket.AF_UNIX
    with socket.socket(family) as connection:
        connection.settimeout(10)
        connection.connect(tuple(address) if family == socket.AF_INET else address)
        connection.sendall(payload)
        reply: dict[str, Any] = json.loads(connection.makefile("rb").readline())
        return reply


def test_a_request_reaches_the_handler_with_its_arguments_but_without_the_key(served: Any) -> None:
    folder, handler, _ = served
    reply = request(folder, "pause", **{"for": "2h", "note": "ünïcode ✓"})
    assert reply == {"ok": True, "result": {"command": "pause", "for": "2h", "note": "ünïcode ✓"}}
    assert "key" not in handler.requests[0]


def test_the_endpoint_file_is_private_and_loopback_only(served: Any) -> None:
    folder, _, server = served
    endpoint = folder / "control.json"
    assert endpoint.stat().st_mode & 0o777 == 0o600
    address = json.loads(endpoint.read_text())["address"]
    if server.family == socket.AF_INET:
        assert address[0] == "127.0.0.1"
    else:
        assert address == str(folder / "control.sock")
        assert (folder / "control.sock").stat().st_mode & 0o777 == 0o600


def test_a_wrong_or_missing_key_is_refused_and_the_server_carries_on(served: Any) -> None:
    folder, handler, _ = served
    for message in ({"key": "0" * 64, "command": "stop"}, {"command": "stop"}):
        reply = raw(folder, json.dumps(message).encode() + b"\n")
        assert reply["ok"] is False and "wrong or missing key" in reply["error"]
    assert handler.requests == []
    assert request(folder, "status")["ok"] is True


@pytest.mark.parametrize(
    ("payload", "complaint"),
    [
        (b"not json\n", "request refused: Expecting value"),
        (b"[1, 2]\n", "wrong or missing key"),
        (b'{"command": "' + b"x" * 70_000, "message longer than 65536 bytes"),
    ],
    ids=["garbage", "not an object", "oversized"],
)
def test_malformed_requests_get_a_clear_refusal(served: Any, payload: bytes, complaint: str) -> None:
    folder, handler, _ = served
    reply = raw(folder, payload)
    assert reply["ok"] is False and complaint in reply["error"]
    assert handler.requests == []


def test_handler_errors_become_replies_not_crashes(served: Any) -> None:
    folder, _, _ = served
    with pytest.raises(DmerTipsError, match=r"^that did not work$"):
        request(folder, "fail")
    with pytest.raises(DmerTipsError, match="internal error: bug"):
        request(folder, "crash")
    assert request(folder, "status")["ok"] is True


def test_a_slow_service_gives_a_clear_timeout(served: Any) -> None:
    folder, handler, _ = served
    handler.release.clear()
    try:
        with pytest.raises(DmerTipsError, match=r"did not answer within 0.2s — see its log"):
            request(folder, "status", timeout_s=0.2)
    finally:
        handler.release.set()


def test_stop_ends_the_thread_and_removes_what_it_wrote(served: Any) -> None:
    folder, _, server = served
    thread = server._thread
    server.stop()
    assert thread is not None and not thread.is_alive()
    assert list(folder.iterdir()) == []
    with pytest.raises(NotRunning):
        request(folder, "status")


def test_no_service_and_a_dead_service_are_both_not_running(private_home: Path, tmp_path: Path) -> None:
    """No endpoint file, or one left by a killed service whose socket nobody listens on: exit 3's error."""
    folder = tmp_path / "run"
    with pytest.raises(NotRunning):
        request(folder, "status")
    folder.mkdir()
    dead = socket.socket(socket.AF_UNIX)
    dead.bind(str(folder / "control.sock"))  # bound but never listening, like a killed service's leftover
    (folder / "control.json").write_text(json.dumps({"address": str(folder / "control.sock"), "key": "k"}))
    try:
        with pytest.raises(NotRunning):
            request(folder, "status")
    finally:
        dead.close()


def test_the_channel_lives_in_the_runtime_dir_or_a_private_temp_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """$XDG_RUNTIME_DIR/dmer-tips when it exists and is short enough for a socket path; else the temp dir."""
    fallback = os.path.join(tempfile.gettempdir(), f"dmer-tips-{os.getuid()}")
    short = Path(tempfile.mkdtemp(prefix="dt-"))
    try:
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(short))
        assert control_dir() == str(short / "dmer-tips")
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(short / "missing"))
        assert control_dir() == fallback
    finally:
        short.rmdir()
    long = tmp_path / ("x" * 80)
    long.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(long))
    assert control_dir() == fallback
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    assert control_dir() == fallback


def test_a_service_that_hangs_up_mid_request_gives_a_clear_error(tmp_path: Path) -> None:
    """A service that dies while answering: an error pointing at its log, not a traceback."""
    folder = tmp_path / "run"
    folder.mkdir()
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(folder / "control.sock"))
    listener.listen()
    (folder / "control.json").write_text(json.dumps({"address": str(folder / "control.sock"), "key": "k"}))

    def hang_up() -> None:
        connection, _ = listener.accept()
        connection.recv(65536)
        connection.sendall(b'{"ok": tr')
        connection.close()

    thread = threading.Thread(target=hang_up)
    thread.start()
    try:
        with pytest.raises(DmerTipsError, match=r"hung up without a full answer — see its log"):
            request(folder, "status")
    finally:
        thread.join(timeout=5)
        listener.close()
