"""Notification faults on a real desktop, and proof that the service never touches the network."""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from .desktop import running_desktop
from .serviceproc import ServiceProcess, cli, wait_until
from .test_service_e2e import FAST_TIPS

pytestmark = [pytest.mark.robustness, pytest.mark.desktop, pytest.mark.slow]


def on_desktop(status: dict[str, object]) -> bool:
    return status["notifications_to"] == "the desktop"


def test_server_crash_falls_back_and_recovers(tmp_path: Path, write_tips: Callable[[str], Path]) -> None:
    """dunst dies mid-run: tips are printed instead, the service stays up; dunst returns: tips go to it again."""
    with running_desktop(tmp_path) as desktop:
        service = ServiceProcess(write_tips(FAST_TIPS), env=desktop.env)
        try:
            desktop.wait_for_calls(2)
            desktop.crash_server()
            wait_until(lambda: not on_desktop(service.status()), what="the fallback after the crash")
            desktop.start_server()
            before = len(desktop.notify_calls())
            wait_until(
                lambda: on_desktop(service.status()) and len(desktop.notify_calls()) > before + 1, what="recovery"
            )
        finally:
            assert service.stop() == 0
    assert "Desktop notifications are not reachable" in service.output
    assert "Fast & <gentle>:" in service.output, "tips were printed while the desktop was down"


def test_hung_server_never_blocks_the_schedule(tmp_path: Path, write_tips: Callable[[str], Path]) -> None:
    """dunst frozen (SIGSTOP): calls time out, tips are printed, status still answers; thawed, it recovers."""
    with running_desktop(tmp_path) as desktop:
        service = ServiceProcess(write_tips(FAST_TIPS), env=desktop.env)
        try:
            desktop.wait_for_calls(1)
            assert desktop.server is not None
            os.kill(desktop.server.pid, signal.SIGSTOP)
            try:
                wait_until(lambda: not on_desktop(service.status()), timeout_s=20, what="the time-out fallback")
                assert cli("status").returncode == 0
            finally:
                os.kill(desktop.server.pid, signal.SIGCONT)
            wait_until(lambda: on_desktop(service.status()), timeout_s=20, what="recovery after thawing")
        finally:
            assert service.stop() == 0
    assert "did not answer within 2s" in service.output


AUDIT_WRAPPER = """
import json, runpy, socket, sys
log = open(sys.argv.pop(1), "a", buffering=1)
def hook(event, args):
    if event == "socket.__new__":
        log.write(json.dumps({"event": event, "family": int(args[1])}) + "\\n")
    elif event in ("socket.connect", "socket.bind", "socket.sendto"):
        log.write(json.dumps({"event": event, "address": repr(args[1])}) + "\\n")
sys.addaudithook(hook)
sys.argv[0] = "dmer-tips"
runpy.run_module("dmer_tips", run_name="__main__", alter_sys=True)
"""


def test_service_opens_no_network_connection(tmp_path: Path, write_tips: Callable[[str], Path]) -> None:
    """Every socket the service creates, while notifying a real desktop and answering the CLI, is a local Unix socket."""
    audit_log = tmp_path / "sockets.jsonl"
    wrapper = tmp_path / "audited.py"
    wrapper.write_text(AUDIT_WRAPPER)
    with running_desktop(tmp_path) as desktop:
        service = ServiceProcess(
            write_tips(FAST_TIPS), env=desktop.env, prefix=[sys.executable, str(wrapper), str(audit_log)]
        )
        try:
            desktop.wait_for_calls(2)
            assert cli("status").returncode == 0 and cli("tip").returncode == 0
        finally:
            assert service.stop() == 0
    events = [json.loads(line) for line in audit_log.read_text().splitlines()]
    families = {e["family"] for e in events if e["event"] == "socket.__new__"}
    assert families == {socket.AF_UNIX}, events
    assert any(e["event"] == "socket.connect" for e in events), "the audit saw the D-Bus connection"
