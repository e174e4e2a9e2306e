"""Suspends and clock steps on the real `dmer-tips run`, under a faked wall clock, checked on a real desktop.

Each test starts the service at a chosen local time (Europe/Berlin), jumps its wall clock as a suspend or
a clock set would, lets the kernel announce the jump, and asserts what reached the notification server.
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from .desktop import Desktop, running_desktop
from .fakeclock import FakeWallClock
from .serviceproc import ServiceProcess, wait_until

pytestmark = [pytest.mark.desktop, pytest.mark.slow]
BERLIN = ZoneInfo("Europe/Berlin")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def bank(settings: str, categories: str) -> str:
    return (
        textwrap.dedent(settings)
        + 'sources:\n  art: "An article"\ncategories:\n'
        + textwrap.indent(textwrap.dedent(categories), "  ")
    )


@pytest.fixture(scope="module")
def desktop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desktop]:
    with running_desktop(tmp_path_factory.mktemp("desktop")) as running:
        yield running


class Run:
    """A service under a fake clock, and what the desktop showed since it started."""

    def __init__(self, desktop: Desktop, tips: Path, clock: FakeWallClock) -> None:
        self.desktop = desktop
        self.clock = clock
        self.before = len(desktop.shown())
        self.service = ServiceProcess(tips, env={**desktop.variables, **clock.env, "TZ": "Europe/Berlin"})

    def bodies(self) -> list[str]:
        return [body for _, body in self.desktop.shown()[self.before :]]

    def wait_for(self, count: int, what: str, timeout_s: float = 30) -> list[str]:
        try:
            wait_until(lambda: len(self.bodies()) >= count, timeout_s=timeout_s, what=what)
        except AssertionError as error:
            raise AssertionError(
                f"{error}; shown so far {self.bodies()}; the service's log:\n{self.service.log_text()}"
            ) from None
        return self.bodies()

    def quiet_for(self, seconds: float) -> list[str]:
        """What arrived over `seconds` of real time (used before a positive check that proves it is alive)."""
        time.sleep(seconds)
        return self.bodies()

    def alive(self) -> bool:
        return self.service.process.poll() is None and self.service.status()["running"] is True

    def stop(self) -> None:
        assert self.service.stop() == 0, self.service.output


@pytest.fixture
def start(desktop: Desktop, tmp_path: Path, write_tips: Callable[[str], Path]) -> Iterator[Callable[..., Run]]:
    runs: list[Run] = []

    def start_at(moment: datetime, text: str) -> Run:
        run = Run(desktop, write_tips(text), FakeWallClock(tmp_path, moment))
        runs.append(run)
        return run

    yield start_at
    for run in runs:
        if run.service.process.poll() is None:
            run.stop()


AT_BANK = bank(
    """\
    settings:
      quiet_hours: "22:00-07:00"
      min_gap: 1m
      daily_max: 2
      grace: 1h
    """,
    """\
    morning:
      schedule: {at: ["09:00"]}
      tips:
        - {id: m, text: "Morning tip.", source: art}
    evening:
      schedule: {at: ["21:00"]}
      tips:
        - {id: e, text: "Evening tip.", source: art}
    """,
)


@pytest.mark.parametrize(
    ("asleep", "woke_at"),
    [(timedelta(hours=1), "09:30"), (timedelta(minutes=59), "09:29")],
    ids=["an hour", "just inside the grace"],
)
def test_a_suspend_through_an_at_reminder_sends_it_and_keeps_running(
    start: Callable[..., Run], asleep: timedelta, woke_at: str
) -> None:
    """Asleep across 09:00: on waking it is sent once, the service stays up, and the evening one follows."""
    run = start(local("2026-03-02T08:30:00"), AT_BANK)
    run.clock.jump(asleep)
    assert run.wait_for(1, f"the overdue 09:00 tip after waking at {woke_at}") == ["Morning tip."]
    assert run.alive()
    run.clock.jump_to(local("2026-03-02T20:59:57"))
    assert run.wait_for(2, "the 21:00 tip on the same day") == ["Morning tip.", "Evening tip."]
    assert run.alive()


def test_an_overnight_suspend_across_midnight_resets_the_daily_maximum(start: Callable[..., Run]) -> None:
    """With one tip a day: 21:00 is sent, the laptop sleeps past midnight, and 09:00 the next day is sent too."""
    run = start(local("2026-03-02T20:59:57"), AT_BANK.replace("daily_max: 2", "daily_max: 1"))
    assert run.wait_for(1, "the 21:00 tip") == ["Evening tip."]
    run.clock.jump_to(local("2026-03-03T09:20:00"))
    assert run.wait_for(2, "the next morning's tip after an overnight suspend") == ["Evening tip.", "Morning tip."]
    assert run.quiet_for(2) == ["Evening tip.", "Morning tip."], "no backlog of the night"
    assert run.alive()


def test_a_long_suspend_past_the_grace_skips_and_carries_on(start: Callable[..., Run]) -> None:
    """Waking three hours after 09:00 (grace 1h) skips it; the 21:00 reminder still comes."""
    run = start(local("2026-03-02T08:30:00"), AT_BANK)
    run.clock.jump(timedelta(hours=3, minutes=30))
    time.sleep(2)
    run.clock.jump_to(local("2026-03-02T20:59:57"))
    assert run.wait_for(1, "the 21:00 tip") == ["Evening tip."]
    assert run.alive()


EVERY_BANK = bank(
    """\
    settings:
      quiet_hours: "22:00-07:00"
      min_gap: 1s
      daily_max: 100
      grace: 1h
    """,
    """\
    often:
      schedule: {every: 30m, window: "07:00-22:00"}
      tips:
        - {id: o, text: "Interval tip.", source: art}
    """,
)


def test_a_suspend_across_an_interval_schedule_sends_one_not_a_backlog(start: Callable[..., Run]) -> None:
    """Every 30 minutes, asleep for three hours: one tip on waking, then the schedule goes on from there."""
    run = start(local("2026-03-02T10:29:57"), EVERY_BANK)
    assert run.wait_for(1, "the 10:30 tip") == ["Interval tip."]
    run.clock.jump(timedelta(hours=3))
    assert run.wait_for(2, "one tip on waking") == ["Interval tip."] * 2
    assert run.quiet_for(2) == ["Interval tip."] * 2, "six missed slots must not arrive as a flood"
    run.clock.jump_to(local("2026-03-02T13:59:57"))
    assert run.wait_for(3, "the 14:00 tip") == ["Interval tip."] * 3


def test_into_and_out_of_quiet_hours(start: Callable[..., Run]) -> None:
    """Nothing at 22:00 and overnight (quiet hours, even after a jump into them); 07:00 comes as usual."""
    run = start(local("2026-03-02T21:59:57"), EVERY_BANK)
    assert run.quiet_for(3) == []
    run.clock.jump_to(local("2026-03-03T03:00:00"))
    assert run.quiet_for(2) == []
    run.clock.jump_to(local("2026-03-03T06:59:57"))
    assert run.wait_for(1, "the 07:00 tip as quiet hours end") == ["Interval tip."]


STEP_BANK = bank(
    """\
    settings:
      quiet_hours: none
      min_gap: 1s
      daily_max: 10000
    """,
    """\
    often:
      schedule: {every: 2s}
      tips:
        - {id: f, text: "Every two seconds.", source: art}
    """,
)


def test_setting_the_clock_back_an_hour_does_not_silence_an_interval(start: Callable[..., Run]) -> None:
    """Every 2 seconds; the clock is set back an hour; the next tips still come within seconds."""
    run = start(local("2026-03-02T12:00:00"), STEP_BANK)
    first = len(run.wait_for(1, "the first tip"))
    run.clock.jump(-timedelta(hours=1))
    run.wait_for(first + 2, "tips after the clock was set back", timeout_s=30)
    assert run.alive()


def test_setting_the_clock_forward_is_not_a_flood(start: Callable[..., Run]) -> None:
    """Every 2 seconds; the clock is set two hours ahead; at most one tip for the jump, then the usual pace."""
    run = start(local("2026-03-02T12:00:00"), STEP_BANK)
    first = len(run.wait_for(1, "the first tip"))
    run.clock.jump(timedelta(hours=2))
    time.sleep(3)
    after = len(run.bodies())
    assert after - first <= 4, "3,600 missed 2-second slots must not arrive at once"
    run.wait_for(after + 1, "the schedule going on")


DST_BANK = bank(
    """\
    settings:
      quiet_hours: none
      min_gap: 1m
      daily_max: 10
    """,
    """\
    breakfast:
      schedule: {at: ["08:00"]}
      tips:
        - {id: b, text: "Eight o'clock tip.", source: art}
    """,
)


def test_a_clock_time_stays_at_its_local_time_across_the_spring_change(start: Callable[..., Run]) -> None:
    """08:00 on the morning clocks go forward arrives at 08:00 summer time, not an hour late or early."""
    run = start(local("2026-03-28T23:59:50"), DST_BANK)
    run.clock.jump_to(local("2026-03-29T07:59:55"))  # 05:59:55 UTC: 8 local hours later are 7 real ones
    assert run.quiet_for(1) == []
    assert run.wait_for(1, "08:00 summer time") == ["Eight o'clock tip."]
