"""A real, private desktop for end-to-end tests: Xvfb, a D-Bus session bus, dunst, and a D-Bus monitor."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from .conftest import require

PROGRAMS = ("Xvfb", "dbus-daemon", "dbus-monitor", "dunst", "dunstctl")


def require_desktop_programs() -> None:
    """Skip (or, where CI demands every test, fail) when the desktop programs are missing."""
    missing = [name for name in PROGRAMS if shutil.which(name) is None]
    require(not missing, f"desktop test needs {', '.join(missing)} (Debian: apt-get install xvfb dunst libnotify-bin)")


@dataclass
class Desktop:
    env: dict[str, str]
    monitor_log: Path
    stack: ExitStack
    server: subprocess.Popen[bytes] | None = None

    def start_server(self) -> None:
        """Start dunst and wait until it answers on the bus."""
        self.server = _start(self.stack, ["dunst"], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while subprocess.run(["dunstctl", "count"], env=self.env, capture_output=True).returncode != 0:
            if time.monotonic() > deadline:
                raise AssertionError("dunst did not come up on the private bus")
            time.sleep(0.05)

    def crash_server(self) -> None:
        assert self.server is not None
        self.server.kill()
        self.server.wait()

    def dunstctl(self, *args: str) -> str:
        return subprocess.run(
            ["dunstctl", *args], env=self.env, capture_output=True, text=True, check=True, timeout=10
        ).stdout

    def history(self) -> list[dict[str, object]]:
        """Every notification dunst has closed, newest first, as plain values."""
        self.dunstctl("close-all")
        raw = json.loads(self.dunstctl("history"))
        return [{key: field["data"] for key, field in item.items()} for item in raw["data"][0]]

    def displayed(self) -> int:
        return int(self.dunstctl("count", "displayed").strip())

    def notify_calls(self) -> list[str]:
        """The raw `Notify` method calls seen on the bus, one text block each."""
        text = self.monitor_log.read_text(errors="replace")
        return [block for block in text.split("method call ")[1:] if "member=Notify" in block.splitlines()[0]]

    def shown(self) -> list[tuple[str, str]]:
        """(title, body) of every `Notify` call so far, oldest first."""
        found = []
        for call in self.notify_calls():
            strings = re.findall(r'^\s+string "(.*)"$', call, re.MULTILINE)
            found.append((strings[2], strings[3]))
        return found

    def wait_for_calls(self, count: int, timeout_s: float = 30.0) -> list[str]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            calls = self.notify_calls()
            if len(calls) >= count:
                return calls
            time.sleep(0.1)
        raise AssertionError(f"the notification server saw {len(self.notify_calls())} Notify calls, expected {count}")


def _read_line_from(fd: int, timeout_s: float = 10.0) -> str:
    deadline = time.monotonic() + timeout_s
    data = b""
    os.set_blocking(fd, False)
    while not data.endswith(b"\n") and time.monotonic() < deadline:
        try:
            data += os.read(fd, 256)
        except BlockingIOError:
            time.sleep(0.02)
    return data.decode().strip()


def _start(stack: ExitStack, command: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
    process: subprocess.Popen[bytes] = subprocess.Popen(command, **kwargs)  # type: ignore[call-overload]

    def end() -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    stack.callback(end)
    return process


@contextmanager
def running_desktop(tmp_path: Path) -> Iterator[Desktop]:
    require_desktop_programs()
    with ExitStack() as stack:
        env = {
            k: v for k, v in os.environ.items() if k not in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "WAYLAND_DISPLAY")
        }
        read_fd, write_fd = os.pipe()
        _start(
            stack,
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            pass_fds=(write_fd,),
            stderr=subprocess.DEVNULL,
        )
        os.close(write_fd)
        env["DISPLAY"] = ":" + _read_line_from(read_fd)
        os.close(read_fd)
        read_fd, write_fd = os.pipe()
        _start(stack, ["dbus-daemon", "--session", "--nofork", f"--print-address={write_fd}"], pass_fds=(write_fd,))
        os.close(write_fd)
        env["DBUS_SESSION_BUS_ADDRESS"] = _read_line_from(read_fd)
        os.close(read_fd)
        monitor_log = tmp_path / "dbus-monitor.log"
        with open(monitor_log, "wb") as sink:
            _start(
                stack,
                ["dbus-monitor", "--session", "interface='org.freedesktop.Notifications'"],
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        desktop = Desktop(env, monitor_log, stack)
        desktop.start_server()
        deadline = time.monotonic() + 10
        while monitor_log.stat().st_size == 0:
            if time.monotonic() > deadline:
                raise AssertionError("dbus-monitor did not start")
            time.sleep(0.05)
        yield desktop
