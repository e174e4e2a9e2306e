"""A real `dmer-tips run` process under a test's private home, and a way to talk to it.

Timeouts here are generous because CI machines are busy: they only bound how long a broken test hangs.
A process that outlives its timeout is killed, so one failure never leaves a stray service behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dmer_tips.paths import AppPaths
from dmer_tips.schedule.state import ServiceState, StateFile
from dmer_tips.service.control import NotRunning, request

PROCESS_TIMEOUT_S = 60.0


def control_file() -> Path:
    return AppPaths.for_user().control_file


def ask(command: str, **arguments: Any) -> Any:
    return request(control_file(), command, **arguments)["result"]


def no_desktop_env() -> dict[str, str]:
    """This environment without a desktop session, so tests never notify the developer's real desktop."""
    return {k: v for k, v in os.environ.items() if k not in ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY")}


def cli(*argv: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dmer_tips", *argv],
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT_S,
        env={**no_desktop_env(), **(env or {})},
        input=stdin,
    )


def wait_until(condition: Callable[[], bool], timeout_s: float = 30.0, what: str = "condition") -> float:
    """Poll a real process's observable state; returns the seconds it took."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout_s:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(0.05)
    return time.monotonic() - started


def finish(process: subprocess.Popen[str], timeout_s: float = PROCESS_TIMEOUT_S) -> tuple[str, str]:
    """Wait for `process` to end and return its output; kill it if it outlives `timeout_s`."""
    try:
        return process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        raise AssertionError(f"the process outlived {timeout_s}s and was killed; its output:\n{out}\n{err}") from None


def _welcomed_before(path: Path) -> None:
    """Saved state, as after an earlier run, where there is none yet."""
    if path.exists():
        return
    state = ServiceState.fresh(7)
    state.welcomed = True
    StateFile(path).save(state)


class ServiceProcess:
    def __init__(
        self,
        tips: Path | None = None,
        env: dict[str, str] | None = None,
        prefix: list[str] | None = None,
        extra_args: list[str] | None = None,
        first_run: bool = False,
    ) -> None:
        """`env` adds to a desktop-less environment; `prefix` replaces `python -m dmer_tips` (e.g. a wrapper).
        Unless it is the `first_run`, the service finds saved state that says its welcome was already shown,
        so that what reaches the desktop is only what the test is about."""
        argv = (prefix or [sys.executable, "-m", "dmer_tips"]) + ["run"] + (["--tips", str(tips)] if tips else [])
        full_env = {**no_desktop_env(), **(env or {})}
        if not first_run:
            _welcomed_before(AppPaths.for_user(full_env).state_file)
        self.process = subprocess.Popen(
            argv + (extra_args or []),
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.output = ""
        try:
            wait_until(self._answers, what="the service to answer")
        except BaseException:
            self.kill()
            raise

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

    @staticmethod
    def log_text() -> str:
        """The service's log file so far (the test's own home, so only this test's services wrote it)."""
        log = AppPaths.for_user().log_dir / "dmer-tips.log"
        return log.read_text(errors="replace") if log.exists() else ""

    def stop(self, signum: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signum)
        return self.wait()

    def wait(self) -> int:
        """Wait for the service to end by itself (after `dmer-tips stop`); its exit code."""
        out, err = finish(self.process)
        self.output += out + err
        return self.process.returncode

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        out, err = finish(self.process)
        self.output += out + err

    def __enter__(self) -> ServiceProcess:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.process.poll() is None:
            self.kill()
