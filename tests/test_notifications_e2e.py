"""How notifications look and behave on a real notification server: icons, slots, restarts, the app entry."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from dmer_tips.paths import AppPaths

from .desktop import running_desktop
from .serviceproc import ServiceProcess, cli, wait_until
from .test_service_e2e import FAST_TIPS

pytestmark = [pytest.mark.desktop, pytest.mark.slow]


def replaces_id(call: str) -> int:
    found = re.search(r"uint32 (\d+)", call)
    assert found is not None, call
    return int(found[1])


def icon(call: str) -> str:
    strings: list[str] = re.findall(r'^\s+string "(.*)"$', call, re.MULTILINE)
    return strings[1]


def test_a_restart_replaces_the_last_tip_instead_of_stacking(tmp_path: Path, write_tips: Callable[..., Path]) -> None:
    """The id of the tip on screen is kept with the state, so after a restart the next tip replaces it."""
    tips = write_tips(FAST_TIPS)
    with running_desktop(tmp_path) as desktop:
        with ServiceProcess(tips, env=desktop.env) as first:
            desktop.wait_for_calls(1)
            assert first.stop() == 0
        on_screen = json.loads(AppPaths.for_user().state_file.read_text())["notification_ids"]["main"]
        before = len(desktop.notify_calls())
        with ServiceProcess(tips, env=desktop.env) as second:
            calls = desktop.wait_for_calls(before + 1)
            displayed = desktop.displayed()
            assert second.stop() == 0
    assert replaces_id(calls[before]) == on_screen
    assert displayed == 1, "one D-MER notification on screen, not one per run"


def test_a_problem_gets_a_warning_icon_and_its_own_slot(tmp_path: Path, write_tips: Callable[..., Path]) -> None:
    """A broken save shows a warning that the next tips never replace unseen; tips keep the app's own icon."""
    tips = write_tips(FAST_TIPS)
    with running_desktop(tmp_path) as desktop, ServiceProcess(tips, env=desktop.env) as service:
        desktop.wait_for_calls(1)
        tips.write_text(FAST_TIPS.replace("every: 2s", "every: 2"))
        wait_until(lambda: any("dialog-warning" in call for call in desktop.notify_calls()), what="the warning")
        count = len(desktop.notify_calls())
        calls = desktop.wait_for_calls(count + 2)
        displayed = desktop.displayed()
        assert service.stop() == 0
    warnings = [call for call in calls if icon(call) == "dialog-warning"]
    tips_shown = [call for call in calls if icon(call) != "dialog-warning"]
    assert len(warnings) == 1 and replaces_id(warnings[0]) == 0
    assert all(icon(call).endswith("icon.png") for call in tips_shown)
    assert displayed == 2, "the warning stays beside the latest tip"


def test_on_a_desktop_the_service_adds_its_application_entry(tmp_path: Path, write_tips: Callable[..., Path]) -> None:
    """The entry our notifications name (`dmer-tips.desktop`) is written once, with the icon, and the service says so."""
    entry = AppPaths.for_user().applications_dir / "dmer-tips.desktop"
    with running_desktop(tmp_path) as desktop:
        with ServiceProcess(write_tips(FAST_TIPS), env=desktop.env) as service:
            wait_until(entry.exists, what="the application entry")
            assert service.stop() == 0
        with ServiceProcess(write_tips(FAST_TIPS), env=desktop.env) as again:
            assert again.stop() == 0
    assert "Icon=" in entry.read_text() and "X-GNOME-UsesNotifications=true" in entry.read_text()
    assert service.output.count("Added D-MER Tips to your applications") == 1
    assert "Added D-MER Tips" not in again.output


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
