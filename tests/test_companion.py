"""The let-down companion and the episode journal."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from dmer_tips.bank.load import load_tip_bank
from dmer_tips.companion import LOG_HINT, plan_session, run_here
from dmer_tips.errors import DmerTipsError, TipBankError
from dmer_tips.journal import Episode, Journal, days, export_csv
from dmer_tips.notify import Notification, Notifier
from dmer_tips.paths import bundled_tips_path
from dmer_tips.views import history_chart

from .conftest import MINIMAL_BANK
from .serviceproc import ServiceProcess, ask, cli, wait_until
from .test_service_e2e import FAST_TIPS

START = datetime(2026, 11, 21, 3, 10, tzinfo=timezone.utc)


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.slept: list[float] = []

    def clock(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


class Recorder(Notifier):
    def __init__(self, time: FakeTime, stop_after: int | None = None) -> None:
        self.time = time
        self.stop_after = stop_after
        self.sent: list[tuple[datetime, Notification]] = []

    def send(self, notification: Notification) -> None:
        if self.stop_after is not None and len(self.sent) == self.stop_after:
            raise KeyboardInterrupt
        self.sent.append((self.time.now, notification))


def test_bundled_sessions_run_in_order_at_their_offsets() -> None:
    """`feed` sends its steps at 0s, 45s, 1m30s, 2m30s (for a wave still there, or a second one) and 6m, each
    with Stop; the last asks how it was, with one-touch answers (or, where there are no buttons, the command)."""
    session = load_tip_bank(bundled_tips_path()).session("feed")
    time = FakeTime(START)
    notifier = Recorder(time)
    assert run_here(plan_session(session, START), notifier, time.clock, time.sleep) == 5
    offsets = [(at - START).total_seconds() for at, _ in notifier.sent]
    assert offsets == [0, 45, 90, 150, 360]
    assert [n.title for _, n in notifier.sent][:2] == ["Breathe: in for four, out for six", "Five things"]
    last = notifier.sent[-1][1]
    assert last.body.endswith("How was it?") and last.with_hint().endswith(LOG_HINT)
    assert [a.label for a in last.actions] == ["Close", "No wave", "Mild", "Strong"]
    assert all([a.label for a in n.actions] == ["Close", "Stop"] for _, n in notifier.sent[:-1])


def test_ctrl_c_cancels_the_remaining_steps() -> None:
    """Interrupting a standalone session stops it; the steps still to come are not sent."""
    session = load_tip_bank(bundled_tips_path()).session("pump")
    time = FakeTime(START)
    notifier = Recorder(time, stop_after=2)
    assert run_here(plan_session(session, START), notifier, time.clock, time.sleep) == 2
    assert len(notifier.sent) == 2


def test_default_session_is_the_first_and_unknown_names_get_a_hint() -> None:
    """No name means the first session; a misspelt one suggests the closest."""
    bank = load_tip_bank(bundled_tips_path())
    assert bank.session(None).name == "feed"
    with pytest.raises(DmerTipsError, match='there is no session "pmp" — did you mean "pump"\\?'):
        bank.session("pmp")


def test_steps_out_of_order_are_refused(write_tips: Callable[[str], Path]) -> None:
    """Step offsets must run forward in time."""
    text = (
        MINIMAL_BANK
        + 'sessions:\n  feed:\n    steps:\n      - {after: 1m, text: "B", source: art}\n      - {after: 30s, text: "A", source: art}\n'
    )
    with pytest.raises(TipBankError) as caught:
        load_tip_bank(write_tips(text))
    assert "is out of order or over 1h — list steps in time order, each within the hour" in str(caught.value)


def test_journal_round_trip_chart_and_csv(tmp_path: Path) -> None:
    """Episodes are kept privately, charted per day with averages, and exported as CSV."""
    journal = Journal(tmp_path / "state" / "journal.sqlite3")
    journal.record(Episode(START, 4, ("dread",), "night feed"))
    journal.record(Episode(START + timedelta(hours=5), 2, ("sad", "tired"), ""))
    journal.record(Episode(START + timedelta(days=2), None, (), "no rating"))
    episodes = journal.since(START - timedelta(days=1))
    assert [e.intensity for e in episodes] == [4, 2, None]
    assert (tmp_path / "state" / "journal.sqlite3").stat().st_mode & 0o777 == 0o600
    chart = history_chart(days(episodes, date(2026, 11, 20), date(2026, 11, 23), timezone.utc))
    assert chart.splitlines() == [
        "D-MER over the last 4 days (episodes per day; average intensity 1-5)",
        "Fri 2026-11-20                         0",
        "Sat 2026-11-21  ■■                     2   ●●●○○ 3.0",
        "Sun 2026-11-22                         0",
        "Mon 2026-11-23  ■                      1",
        "3 episodes logged.",
    ]
    export_csv(episodes, tmp_path / "out.csv", timezone.utc)
    rows = list(csv.reader(io.StringIO((tmp_path / "out.csv").read_text())))
    assert rows[0] == ["time", "intensity (0-5)", "feelings", "note"]
    assert rows[1] == ["2026-11-21T03:10+00:00", "4", "dread", "night feed"]
    assert rows[3][1] == ""


def test_chart_shows_intensity_easing(tmp_path: Path) -> None:
    """The summary compares the first and second half, so easing over the weeks is visible."""
    journal = Journal(tmp_path / "journal.sqlite3")
    for day in range(14):
        journal.record(Episode(START + timedelta(days=day), 4 if day < 7 else 1, (), ""))
    found = days(journal.since(START), START.date(), START.date() + timedelta(days=13), timezone.utc)
    assert (
        history_chart(found).splitlines()[-1]
        == "14 episodes logged; average intensity 4.0 in the first half, 1.0 in the second."
    )


def test_bad_journal_input_is_explained(private_home: Path) -> None:
    """Intensity 9 and a state dir that cannot be created give clear errors, not tracebacks."""
    done = cli("log", "9")
    assert done.returncode == 2
    assert done.stderr == "Error: 9 is out of range — the intensity is 0 to 5\n"
    state = private_home / ".local" / "state"
    state.mkdir(parents=True)
    (state / "dmer-tips").write_text("a file where the folder should be")
    done = cli("log", "2")
    assert done.returncode == 1
    assert (
        done.stderr
        == f"Error: {state / 'dmer-tips'}: this is a file, not a folder — move it away; dmer-tips makes the folder\n"
    )
    assert "Traceback" not in done.stderr


def test_history_with_no_journal_is_empty_not_an_error() -> None:
    """Before anything is logged, history shows empty days."""
    done = cli("history", "--days", "3")
    assert done.returncode == 0 and done.stdout.splitlines()[-1] == "0 episodes logged."


@pytest.mark.slow
def test_service_runs_sessions_restarts_them_and_ignores_quiet_hours(write_tips: Callable[[str], Path]) -> None:
    """Through the service: quiet hours do not apply, a second start restarts, --stop cancels, --respect-pause refuses."""
    always_quiet = 'settings:\n  quiet_hours: "00:00-24:00"\n' + MINIMAL_BANK
    text = (
        always_quiet
        + 'sessions:\n  feed:\n    steps:\n      - {after: 0s, text: "Breathe now.", source: art}\n      - {after: 10m, text: "Later.", source: art}\n'
    )
    service = ServiceProcess(write_tips(text))
    try:
        first = cli("session", "feed")
        assert first.stdout == 'Session "feed" started: 2 steps. `dmer-tips session --stop` cancels it.\n'
        wait_until(
            lambda: ask("status")["session"] == {"name": "feed", "steps_left": 1}, what="the first step to be sent"
        )
        again = cli("session")
        assert "(the one already running was restarted)" in again.stdout
        assert ask("status")["session"]["steps_left"] in (1, 2)
        assert cli("session", "--stop").stdout.startswith("Session stopped (")
        assert ask("status")["session"] is None
        assert cli("pause", "1h").returncode == 0
        refused = cli("session", "--respect-pause")
        assert refused.returncode == 1 and "so the session was not started" in refused.stderr
        assert cli("session").returncode == 0, "an explicit pause only counts when asked"
    finally:
        service.stop()
    assert service.output.count("Let-down companion: Breathe now.") >= 2


def test_standalone_session_prints_without_a_desktop(write_tips: Callable[[str], Path]) -> None:
    """With no service and no desktop, a session runs here and prints its steps."""
    text = MINIMAL_BANK + 'sessions:\n  feed:\n    steps:\n      - {after: 0s, text: "Breathe now.", source: art}\n'
    done = cli("session", "--tips", str(write_tips(text)))
    assert done.returncode == 0
    assert "Let-down companion: Breathe now. How was it? " + LOG_HINT in done.stdout
    assert done.stdout.startswith('Session "feed" runs here (1 step); Ctrl-C stops it.')
    assert done.stdout.endswith("Session finished.\n")


@pytest.mark.slow
def test_a_session_without_desktop_or_service_prints_its_steps_plainly(write_tips: Callable[..., Path]) -> None:
    """`session` with no desktop and no service: the steps are printed, one notice says why, no traceback."""
    text = FAST_TIPS + (
        "sessions:\n  pump:\n    steps:\n"
        '      - {after: 0s, title: "Breathe", text: "In for four, out for six.", source: art}\n'
        '      - {after: 1s, title: "Look", text: "Name five things you can see.", source: art}\n'
    )
    done = cli("session", "pump", "--tips", str(write_tips(text)))
    assert done.returncode == 0 and done.stderr == ""
    lines = done.stdout.splitlines()
    assert lines[0] == 'Session "pump" runs here (2 steps); Ctrl-C stops it.'
    assert sum("Desktop notifications are not reachable" in line for line in lines) == 1
    assert [line.split("] ", 1)[1] for line in lines[2:4]] == [
        "Breathe: In for four, out for six.",
        "Look: Name five things you can see. How was it? Note it with: dmer-tips log 0-5",
    ]
    assert lines[-1] == "Session finished."
