"""A real `dmer-tips run` process under a test's private home, and a way to talk to it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dmer_tips.service import control
from dmer_tips.service.control import NotRunning, request


def control_dir() -> Path:
    return Path(control.control_dir())


def ask(command: str, **arguments: Any) -> Any:
    return request(control_dir(), command, **arguments)["result"]


def no_desktop_env() -> dict[str, str]:
    """This environment without a desktop session, so tests never notify the developer's real desktop."""
    return {k: v for k, v in os.environ.items() if k not in ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY")}


def cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dmer_tips", *argv], capture_output=True, text=True, timeout=30, env=no_desktop_env()
    )


def wait_until(condition: Callable[[], bool], timeout_s: float = 10.0, what: str = "condition") -> float:
    """Poll a real process's observable state; returns the seconds it took."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout_s:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(0.05)
    return time.monotonic() - started


class ServiceProcess:
    def __init__(
        self, tips: Path | None = None, env: dict[str, str] | None = None, prefix: list[str] | None = None
    ) -> None:
        """`env` adds to a desktop-less environment; `prefix` replaces `python -m dmer_tips` (e.g. a wrapper)."""
        argv = (prefix or [sys.executable, "-m", "dmer_tips"]) + ["run"] + (["--tips", str(tips)] if tips else [])
        self.process = subprocess.Popen(
            argv, env={**no_desktop_env(), **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.output = ""
        wait_until(self._answers, what="the service to answer")

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"the service exited: {self.process.communicate()}")
        try:
            ask("status")
        except NotRunning:
            return False
        return True

    def status(self) -> dict[str, Any]:
        result: dict[str, Any] = ask("status")
        return result

    def stop(self, signum: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signum)
        out, err = self.process.communicate(timeout=10)
        self.output += out + err
        return self.process.returncode

    def kill(self) -> None:
        self.process.kill()
        self.process.communicate(timeout=10)
