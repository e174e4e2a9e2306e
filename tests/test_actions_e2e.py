"""One touch on a real notification server: buttons pressed through dunst itself, and what they lead to.

dunst's context menu hands a notification's buttons to a program of our choosing (`Desktop.press`), and
`dunstctl action` clicks a notification (`Desktop.click`), as a parent's one touch would.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from .conftest import ANY_TIME
from .desktop import Desktop, running_desktop
from .fakeclock import FakeWallClock
from .serviceproc import ServiceProcess, cli, wait_until

pytestmark = [pytest.mark.desktop, pytest.mark.slow]
BERLIN = ZoneInfo("Europe/Berlin")

BANK = (
    ANY_TIME.replace("  daily_max: 1000\n", "  daily_max: 1000\n  snooze: 3s\n")
    + """\
categories:
  water:
    title: Water
    schedule:
      at: "23:59"
    tips:
      - {id: sip, text: "A sip of water now.", source: art}
      - {id: glass, text: "A glass within reach.", source: art}
sessions:
  feed:
    steps:
      - {after: 0s, title: "Breathe", text: "In for four, out for six.", source: art}
      - {after: 2s, title: "Look", text: "Name five things you can see.", source: art}
      - {after: 30s, title: "Drink", text: "A glass of water now.", source: art}
  pump:
    steps:
      - {after: 0s, title: "Flanges on", text: "Shoulders down, slow breath out.", source: art}
"""
)
FEEDS_AT_TEN = 'rhythm:\n  feeds:\n    schedule:\n      at: "10:00"\n'
NINE_FIFTY_FIVE = datetime(2026, 3, 2, 9, 54, 57, tzinfo=BERLIN)


@pytest.fixture(scope="module")
def desktop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desktop]:
    with running_desktop(tmp_path_factory.mktemp("desktop"), "dunst") as running:
        yield running


@pytest.fixture
def service(desktop: Desktop, write_tips: Callable[..., Path]) -> Iterator[ServiceProcess]:
    with ServiceProcess(write_tips(BANK), env=desktop.variables) as running:
        yield running
    desktop.close_all()


@contextmanager
def heads_up_on_screen(
    desktop: Desktop, write_tips: Callable[..., Path], tmp_path: Path
) -> Iterator[tuple[ServiceProcess, FakeWallClock, int]]:
    """A service whose clock stands just before 09:55, until the heads-up for its 10:00 feed is on screen:
    the service, its clock, and how many notifications the desktop had before."""
    clock = FakeWallClock(tmp_path, NINE_FIFTY_FIVE)
    before = len(desktop.shown())
    with ServiceProcess(write_tips(BANK + FEEDS_AT_TEN), env=clock_env(desktop, clock)) as service:
        wait_until(lambda: "Coming up: feeds at 10:00" in titles_since(desktop, before), what="the heads-up")
        desktop.wait_for_replies(len(desktop.shown()))
        yield service, clock, before


def titles_since(desktop: Desktop, count: int) -> list[str]:
    return [title for title, _ in desktop.shown()[count:]]


def test_later_brings_the_same_tip_back(desktop: Desktop, service: ServiceProcess) -> None:
    """Later on a tip, pressed on the server: the same tip comes back after the snooze."""
    before = len(desktop.shown())
    assert cli("tip", env=desktop.variables).returncode == 0
    desktop.wait_for_replies(before + 1)
    body = desktop.shown()[before][1]
    desktop.press("Later")
    wait_until(lambda: service.status()["snoozed"] != [], what="the tip to be put off")
    desktop.wait_for_calls(before + 2)
    assert desktop.shown()[before + 1][1] == body


def test_stop_on_a_companion_step_ends_the_session(desktop: Desktop, service: ServiceProcess) -> None:
    """Stop on the first step: the steps still to come never arrive."""
    before = len(desktop.shown())
    assert cli("session", env=desktop.variables).returncode == 0
    desktop.wait_for_replies(before + 1)
    desktop.press("Stop")
    wait_until(lambda: service.status()["session"] is None, what="the session to stop")
    later = len(desktop.shown())
    desktop.wait_for_calls(later)  # nothing pending
    assert titles_since(desktop, before) == ["Breathe"]


def test_a_one_touch_answer_is_in_the_journal(desktop: Desktop, service: ServiceProcess, tmp_path: Path) -> None:
    """ "Strong" on the companion's last step writes intensity 4 to the journal, as `history --csv` shows."""
    text = BANK.replace("after: 30s", "after: 4s")
    before = len(desktop.shown())
    service.stop()
    with ServiceProcess(write_text(tmp_path / "quick.yaml", text), env=desktop.variables) as quick:
        assert cli("session", env=desktop.variables).returncode == 0
        wait_until(lambda: titles_since(desktop, before)[-1:] == ["Drink"], what="the last step")
        desktop.wait_for_replies(len(desktop.shown()))
        desktop.press("Strong")
        export = tmp_path / "journal.csv"
        wait_until(
            lambda: cli("history", "--csv", str(export), "--replace").returncode == 0 and "4" in _intensities(export),
            what="the answer",
        )
        assert quick.stop() == 0
    assert _intensities(export) == ["4"]


def test_a_heads_up_before_a_feed_starts_the_companion_with_one_click(
    desktop: Desktop, write_tips: Callable[..., Path], tmp_path: Path
) -> None:
    """Five minutes before a 10:00 feed the heads-up comes; a click on it starts the companion at once."""
    with heads_up_on_screen(desktop, write_tips, tmp_path) as (service, _clock, before):
        desktop.click()
        wait_until(lambda: "Breathe" in titles_since(desktop, before), what="the companion")
        assert service.status()["session"] is not None
        assert service.stop() == 0


def test_snooze_on_a_heads_up_brings_it_back_ten_minutes_later(
    desktop: Desktop, write_tips: Callable[..., Path], tmp_path: Path
) -> None:
    """Snooze 10 min at 09:55: `status` says 10:05, and at 10:05 the heads-up is back, saying it is time."""
    with heads_up_on_screen(desktop, write_tips, tmp_path) as (service, clock, before):
        desktop.press("Snooze 10 min")
        wait_until(
            lambda: service.status()["heads_up"]["feeds"]["heads_up"].startswith("2026-03-02T10:05"), what="the snooze"
        )
        clock.jump(timedelta(minutes=10))
        wait_until(lambda: "Time for feeds (10:00)" in titles_since(desktop, before), what="the snoozed heads-up")
        assert service.stop() == 0


def test_skip_on_a_heads_up_keeps_the_companion_from_starting(
    desktop: Desktop, write_tips: Callable[..., Path], tmp_path: Path
) -> None:
    """Feeds at 10:00 and pumping at 10:01 both start the companion on their own; Skip on the feed's heads-up
    means only the pumping companion comes."""
    rhythms = FEEDS_AT_TEN + '    at_the_time: start\n  pumping:\n    schedule:\n      at: "10:01"\n'
    rhythms += "    session: pump\n    at_the_time: start\n"
    clock = FakeWallClock(tmp_path, NINE_FIFTY_FIVE)
    before = len(desktop.shown())
    with ServiceProcess(write_tips(BANK + rhythms), env=clock_env(desktop, clock)) as service:
        wait_until(lambda: "Coming up: feeds at 10:00" in titles_since(desktop, before), what="the heads-up")
        desktop.wait_for_replies(len(desktop.shown()))
        desktop.press("Skip")
        wait_until(lambda: "skipped" in service.log_text(), what="the skip")
        clock.jump_to(datetime(2026, 3, 2, 10, 0, 58, tzinfo=BERLIN))  # past 10:00, before 10:01
        wait_until(lambda: "Flanges on" in titles_since(desktop, before), what="the pumping companion")
        assert "Breathe" not in titles_since(desktop, before)
        assert service.stop() == 0


def clock_env(desktop: Desktop, clock: FakeWallClock) -> dict[str, str]:
    return {**desktop.variables, **clock.env, "TZ": "Europe/Berlin"}


def write_text(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _intensities(export: Path) -> list[str]:
    if not export.exists():
        return []
    return [row["intensity (0-5)"] for row in csv.DictReader(io.StringIO(export.read_text()))]


def test_a_companion_run_without_the_service_shows_no_buttons_nobody_hears(
    desktop: Desktop, write_tips: Callable[..., Path]
) -> None:
    """`session` with no service running: the steps come with no Stop or answer buttons (nothing would hear
    them), a click still just closes them, and the last step says how to note the feed instead."""
    quick = BANK.replace("after: 2s", "after: 1s").replace("after: 30s", "after: 2s")
    before = len(desktop.notify_calls())
    done = cli("session", "--tips", str(write_tips(quick)), env=desktop.variables)
    assert done.returncode == 0, done.stderr
    calls = desktop.wait_for_calls(before + 3)[before:]
    assert all('string "stop"' not in call and 'string "strong"' not in call for call in calls)
    assert all('string "default"' in call for call in calls)
    assert "How was it? Note it with: dmer-tips log 0-5" in calls[-1]
