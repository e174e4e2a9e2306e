"""Waiting for the person, on a real desktop: the real `dmer-tips run` under a faked wall clock, a real
dunst, and a screensaver and idle monitor of the test's own on the same private session bus."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from .conftest import ANY_TIME
from .desktop import GNOME, Desktop, running_desktop
from .fakeclock import FakeWallClock
from .serviceproc import ServiceProcess, wait_until

pytestmark = [pytest.mark.desktop, pytest.mark.slow]
BERLIN = ZoneInfo("Europe/Berlin")
BANK = (
    ANY_TIME
    + """\
categories:
  water:
    title: Water
    schedule:
      at: "10:00"
    tips:
      - {id: sip, text: "A sip of water now.", source: art}
"""
)
JUST_BEFORE_TEN = datetime(2026, 3, 2, 9, 59, 57, tzinfo=BERLIN)


class Screensaver:
    """The test's screensaver and idle monitor (tests/screensaver.py), owned by a running process."""

    def __init__(self, desktop: Desktop, *options: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("screensaver.py")), *options],
            env=desktop.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.asked: list[str] = []
        self._until("ready")

    def tell(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        self._until("done")

    def _until(self, word: str) -> None:
        assert self.process.stdout is not None
        while (line := self.process.stdout.readline().strip()) != word:
            assert line, f"the test screensaver ended before saying {word}"
            self.asked.append(line)

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


@pytest.fixture(scope="module")
def desktop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desktop]:
    with running_desktop(tmp_path_factory.mktemp("desktop"), "dunst") as running:
        yield running


@pytest.fixture
def screensaver(desktop: Desktop) -> Iterator[Screensaver]:
    running = Screensaver(desktop)
    yield running
    running.close()


@pytest.fixture
def start_service(
    desktop: Desktop, write_tips: Callable[..., Path], tmp_path: Path
) -> Iterator[Callable[[], tuple[ServiceProcess, FakeWallClock]]]:
    """A service whose faked wall clock stands three seconds before a 10:00 tip."""
    started: list[ServiceProcess] = []

    def start() -> tuple[ServiceProcess, FakeWallClock]:
        clock = FakeWallClock(tmp_path, JUST_BEFORE_TEN)
        env = {**desktop.variables, **clock.env, "TZ": "Europe/Berlin"}
        started.append(ServiceProcess(write_tips(BANK), env=env))
        return started[-1], clock

    yield start
    for service in started:
        assert service.stop() == 0
    desktop.close_all()


def tip_calls(desktop: Desktop) -> int:
    return sum(1 for title, _ in desktop.shown() if title == "Water")


def test_a_tip_due_while_the_screen_is_locked_comes_when_it_is_unlocked(
    desktop: Desktop, screensaver: Screensaver, start_service: Callable[[], tuple[ServiceProcess, FakeWallClock]]
) -> None:
    """Locked at 10:00: nothing reaches the server and `status` says why; unlocked, the tip arrives once."""
    before = tip_calls(desktop)
    screensaver.tell("lock")
    service, _ = start_service()
    wait_until(lambda: service.status()["holding"] is not None, what="the tip to be held")
    assert service.status()["holding"]["why"] == "screen locked"
    assert tip_calls(desktop) == before and service.status()["sent_today"] == 0
    screensaver.tell("unlock")
    wait_until(lambda: tip_calls(desktop) == before + 1, what="the tip after unlocking")
    assert service.status()["holding"] is None and service.status()["sent_today"] == 1


def test_a_tip_held_while_away_comes_at_the_first_touch(
    desktop: Desktop, screensaver: Screensaver, start_service: Callable[[], tuple[ServiceProcess, FakeWallClock]]
) -> None:
    """Idle for ten minutes at 10:00 (more than the 5 minutes that count as away): the tip waits, and the idle
    monitor's watch brings it the moment the person is back."""
    before = tip_calls(desktop)
    screensaver.tell("idle 600000")
    service, _ = start_service()
    wait_until(lambda: service.status()["holding"] is not None, what="the tip to be held")
    assert service.status()["holding"]["why"] == "away from the computer"
    screensaver.tell("active")  # the watch was set before the tip was held, so it fires now
    assert "asked AddUserActiveWatch" in screensaver.asked
    wait_until(lambda: tip_calls(desktop) == before + 1, what="the tip on return")


def test_logind_locked_and_idle_hints_hold_a_tip_until_they_clear(
    desktop: Desktop, start_service: Callable[[], tuple[ServiceProcess, FakeWallClock]]
) -> None:
    """With no screensaver on the session bus, logind (on the system bus) says the session is locked: the tip
    waits until its LockedHint clears; then, idle for ten minutes by logind's IdleHint, the next one waits
    until the session is active again."""
    desktop.start_system_bus()
    logind = Screensaver(desktop, "--login1")
    try:
        before = tip_calls(desktop)
        logind.tell("session-lock")
        service, clock = start_service()
        wait_until(lambda: service.status()["holding"] is not None, what="the tip to be held")
        assert service.status()["holding"]["why"] == "screen locked"
        logind.tell("session-unlock")
        wait_until(lambda: tip_calls(desktop) == before + 1, what="the tip once logind says unlocked")
        tomorrow = clock.now() + timedelta(days=1) - timedelta(seconds=5)  # just before tomorrow's 10:00
        idle_since = tomorrow - timedelta(minutes=10)  # on the session's clock, which the service shares
        logind.tell(f"session-idle-since {int(idle_since.timestamp() * 1_000_000)}")
        clock.jump_to(tomorrow)
        wait_until(lambda: service.status()["holding"] is not None, what="the next tip to be held")
        assert service.status()["holding"]["why"] == "away from the computer"
        logind.tell("session-active")
        wait_until(lambda: tip_calls(desktop) == before + 2, what="the tip once logind says active")
    finally:
        logind.close()


@pytest.fixture(scope="module", params=["dunst", "xfce", GNOME])
def any_desktop(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desktop]:
    with running_desktop(tmp_path_factory.mktemp(f"dnd-{request.param}"), request.param) as running:
        yield running


def test_a_tip_waits_out_do_not_disturb(any_desktop: Desktop, write_tips: Callable[..., Path]) -> None:
    """Do-not-disturb on, as each desktop's own setting turns it on (dunst paused, XFCE's xfconf, GNOME's
    show-banners): a tip every 2 seconds is held and `status` says why; turned off, the latest arrives.
    (The real clock here: under libfaketime, `gsettings` cannot be run with a time-out, as sleeping fails.)"""
    desktop = any_desktop
    before = tip_calls(desktop)
    # The desktop's settings live in its own config folder (GNOME's are read from there with gsettings).
    env = {**desktop.variables, "XDG_CONFIG_HOME": desktop.session_env["XDG_CONFIG_HOME"]}
    desktop.do_not_disturb(True)
    try:
        with ServiceProcess(write_tips(BANK.replace('at: "10:00"', "every: 2s")), env=env) as service:
            wait_until(lambda: service.status()["holding"] is not None, what="the tip to be held")
            assert service.status()["holding"]["why"] == "do not disturb"
            assert tip_calls(desktop) == before and service.status()["sent_today"] == 0
            desktop.do_not_disturb(False)
            wait_until(lambda: tip_calls(desktop) > before, what="the tip after do-not-disturb")
            assert service.stop() == 0
    finally:
        desktop.do_not_disturb(False)


def test_a_held_tip_is_let_go_after_a_suspend_past_grace(
    desktop: Desktop, screensaver: Screensaver, start_service: Callable[[], tuple[ServiceProcess, FakeWallClock]]
) -> None:
    """Held at 10:00, then the laptop sleeps two hours (the wall clock jumps): unlocked after, the tip is past
    its grace (1h), so nothing comes and nothing is held any more."""
    before = tip_calls(desktop)
    screensaver.tell("lock")
    service, clock = start_service()
    wait_until(lambda: service.status()["holding"] is not None, what="the tip to be held")
    clock.jump(timedelta(hours=2))
    screensaver.tell("unlock")
    wait_until(lambda: service.status()["holding"] is None, what="the held tip to be let go")
    assert tip_calls(desktop) == before and service.status()["sent_today"] == 0
