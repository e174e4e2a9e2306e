"""`dmer-tips run` as a real process: on a real notification server, and with no desktop at all."""

from __future__ import annotations

import html
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from dmer_tips.views import WELCOME_TITLE

from .conftest import ANY_TIME
from .desktop import running_desktop
from .serviceproc import finish

FAST_TIPS = (
    ANY_TIME
    + """\
categories:
  fast:
    title: "Fast & <gentle>"
    schedule:
      every: 2s
    tips:
      - id: markup
        text: "x < y and y > z & it's fine"
        source: art
      - id: dash
        text: "-starts with a dash"
        source: art
"""
)


def start_service(tips: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "dmer_tips", "run", "--tips", str(tips)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(service: subprocess.Popen[str]) -> tuple[int, str, str]:
    """SIGTERM, then the exit code and output (how fast it stops is measured in benchmarks/)."""
    service.send_signal(signal.SIGTERM)
    out, err = finish(service)
    return service.returncode, out, err


@pytest.mark.desktop
@pytest.mark.slow
def test_tips_reach_a_real_notification_server(tmp_path: Path, write_tips: Callable[[str], Path]) -> None:
    """On the first run dunst receives the welcome, then tips with our app name, title and a readable body,
    normal urgency, a 20 s expiry, one tip replacing the last; a second run sends no welcome."""
    tips = write_tips(FAST_TIPS)
    with running_desktop(tmp_path) as desktop:
        env = {**os.environ, **desktop.env}
        service = start_service(tips, env)
        try:
            calls = desktop.wait_for_calls(4)
            displayed = desktop.displayed()
        finally:
            code, out, err = stop(service)
        history = desktop.history()
        again = start_service(tips, env)
        try:
            desktop.wait_for_calls(len(desktop.notify_calls()) + 1)
        finally:
            stop(again)
        titles = [title for title, _ in desktop.shown()]
    assert code == 0, err
    assert "Reminders go to the desktop (dunst)." in out
    assert titles[0] == WELCOME_TITLE and titles.count(WELCOME_TITLE) == 1
    assert displayed == 2, "the welcome stays until it is read; each tip replaces the previous one"
    tip_calls = calls[1:4]
    for call in tip_calls:
        assert 'string "D-MER Tips"' in call
        assert re.search(r'string "urgency"\s+variant\s+byte 1', call), call
        assert call.rstrip().splitlines()[-1].strip() == "int32 20000", "shown for 20 s, whatever the server's default"
    replaces = [int(re.search(r"uint32 (\d+)", call)[1]) for call in tip_calls]  # type: ignore[index]
    assert replaces[0] == 0 and all(r > 0 for r in replaces[1:])
    newest = next(item for item in history if item["summary"] != WELCOME_TITLE)
    assert newest["appname"] == "D-MER Tips"
    assert newest["summary"] == "Fast & <gentle>"
    assert newest["timeout"] != 0, "a tip must expire"
    bodies = {html.unescape(str(item["body"])) for item in history if item["summary"] != WELCOME_TITLE}
    assert bodies <= {"x < y and y > z & it's fine", "-starts with a dash"}
    assert any(str(item["body"]) == "x &lt; y and y &gt; z &amp; it's fine" for item in history) or "x < y" not in str(
        newest["body"]
    )


@pytest.mark.slow
def test_without_a_desktop_tips_are_printed_and_it_says_why(
    tmp_path: Path, write_tips: Callable[[str], Path], private_home: Path
) -> None:
    """With no session bus the service prints each tip, explains once, stops cleanly and keeps its state."""
    env = {k: v for k, v in os.environ.items() if k not in ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY")}
    service = start_service(write_tips(FAST_TIPS), env)
    deadline = time.monotonic() + 15
    state = private_home / ".local" / "state" / "dmer-tips" / "state.json"
    while not (state.exists() and '"sent_count": 0' not in state.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)  # until the first reminder has been sent
    code, out, err = stop(service)
    assert code == 0, err
    assert (
        out.count("Desktop notifications are not reachable (no desktop session: DBUS_SESSION_BUS_ADDRESS is not set)")
        == 1
    )
    assert "Reminders go to the terminal." in out
    assert re.search(
        r"^\[\d\d:\d\d\] Fast & <gentle>: (x < y and y > z & it's fine|-starts with a dash)$", out, re.MULTILINE
    )
    assert '"sent_count": 0' not in state.read_text()
    assert (private_home / ".local" / "state" / "dmer-tips" / "log" / "dmer-tips.log").exists()


def test_broken_tips_file_stops_run_with_the_problems(
    capsys: pytest.CaptureFixture[str], write_tips: Callable[[str], Path]
) -> None:
    """`run` refuses a broken file at start with its located problems and exit 1."""
    from dmer_tips.cli.main import main

    code = main(["run", "--tips", str(write_tips(FAST_TIPS.replace("every: 2s", "every: 2")))])
    assert code == 1
    assert '"every" 2 has no unit — add one, like 2m or 2h' in capsys.readouterr().err


@pytest.mark.desktop
@pytest.mark.slow
def test_session_steps_reach_the_notification_server_in_order(
    tmp_path: Path, write_tips: Callable[[str], Path]
) -> None:
    """A standalone companion session's steps arrive at dunst one after another, in order."""
    text = FAST_TIPS + (
        "sessions:\n  feed:\n    steps:\n"
        '      - {after: 0s, title: "Breathe", text: "In for four, out for six.", source: art}\n'
        '      - {after: 1s, title: "Five things", text: "Name five things you can see.", source: art}\n'
        '      - {after: 2s, title: "The wave passes", text: "It is a reflex, not you.", source: art}\n'
    )
    with running_desktop(tmp_path) as desktop:
        done = subprocess.run(
            [sys.executable, "-m", "dmer_tips", "session", "--tips", str(write_tips(text))],
            env={**os.environ, **desktop.env},
            capture_output=True,
            text=True,
            timeout=30,
        )
        calls = desktop.wait_for_calls(3)
    assert done.returncode == 0 and done.stdout.endswith("Session finished.\n"), done.stderr
    summaries = [re.findall(r'string "(.*)"', call)[2] for call in calls]
    assert summaries == ["Breathe", "Five things", "The wave passes"]
