"""Autostart entries: correct per platform, idempotent, and a dry run changes nothing."""

from __future__ import annotations

import plistlib
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from dmer_tips.desktop.autostart import ensure_application_entry, install, plan, uninstall
from dmer_tips.paths import AppPaths

from .serviceproc import cli


class Recorder:
    def __init__(self) -> None:
        self.commands: list[tuple[str, ...]] = []

    def __call__(self, command: Sequence[str]) -> int:
        self.commands.append(tuple(command))
        return 0


def paths_in(home: Path) -> AppPaths:
    return AppPaths.for_user({"HOME": str(home)})


def test_systemd_unit_is_installed_enabled_and_removed(tmp_path: Path) -> None:
    """With a systemd user session, install writes the unit and enables it; uninstall disables and removes it."""
    entry, _application = plan("linux", tmp_path, paths_in(tmp_path), systemd=True)
    run = Recorder()
    assert install([entry], False, run)[0] == f"wrote {tmp_path}/.config/systemd/user/dmer-tips.service"
    assert f"ExecStart={sys.executable} -m dmer_tips run" in entry.path.read_text()
    assert run.commands == [
        ("systemctl", "--user", "daemon-reload"),
        ("systemctl", "--user", "enable", "--now", "dmer-tips.service"),
    ]
    assert install([entry], False, run)[0].endswith("is already installed")
    uninstall([entry], False, run)
    assert not entry.path.exists()
    assert run.commands[-2:] == [
        ("systemctl", "--user", "disable", "--now", "dmer-tips.service"),
        ("systemctl", "--user", "daemon-reload"),
    ]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_generated_unit_passes_systemd_analyze(tmp_path: Path) -> None:
    """`systemd-analyze verify` accepts the unit we write."""
    entry = plan("linux", tmp_path, paths_in(tmp_path), systemd=True)[0]
    install([entry], False, Recorder())
    done = subprocess.run(["systemd-analyze", "--user", "verify", str(entry.path)], capture_output=True, text=True)
    problems = [line for line in done.stderr.splitlines() if "dmer-tips.service" in line]
    assert done.returncode == 0 and problems == [], done.stderr


def test_macos_agent_and_windows_startup_entry(tmp_path: Path) -> None:
    """A launchd agent that runs at load, and a Startup script that starts the service minimised."""
    (agent,) = plan("darwin", tmp_path, paths_in(tmp_path), systemd=False)
    parsed = plistlib.loads(agent.content.encode())
    assert parsed["ProgramArguments"] == [sys.executable, "-m", "dmer_tips", "run"] and parsed["RunAtLoad"] is True
    assert agent.path == tmp_path / "Library" / "LaunchAgents" / "org.dmer-tips.plist"
    (startup,) = plan("win32", tmp_path, paths_in(tmp_path), systemd=False)
    assert startup.path.name == "dmer-tips.cmd" and "-m dmer_tips run" in startup.content


def test_cli_dry_run_then_install_and_uninstall(private_home: Path) -> None:
    """Without a systemd user session: `--dry-run` writes nothing; install and uninstall are idempotent.

    Install also adds the application entry, which names dmer-tips to the desktop and starts a session.
    """
    # The private XDG_RUNTIME_DIR from the fixture hides any real user manager, so nothing is enabled for real.
    entry = private_home / ".config" / "autostart" / "dmer-tips.desktop"
    launcher = private_home / ".local" / "share" / "applications" / "dmer-tips.desktop"
    dry = cli("install-service", "--dry-run")
    assert dry.returncode == 0 and dry.stdout.startswith(f"would write {entry}:") and not entry.exists()
    assert cli("install-service").stdout == f"wrote {entry}\nwrote {launcher}\n"
    assert f"Exec={sys.executable} -m dmer_tips run" in entry.read_text()
    assert "Name=D-MER Tips" in launcher.read_text() and "GenericName=Let-down companion" in launcher.read_text()
    assert f"Exec={sys.executable} -m dmer_tips session" in launcher.read_text()
    assert cli("install-service").stdout == f"{entry} is already installed\n{launcher} is already installed\n"
    assert cli("uninstall-service").stdout == f"removed {entry}\nremoved {launcher}\n"
    assert cli("uninstall-service").stdout.startswith(f"nothing to remove: {entry} does not exist\n")


def test_the_application_entry_is_written_once_and_kept_current(tmp_path: Path) -> None:
    """The entry our notifications name is written when missing or outdated, and left alone otherwise."""
    paths = paths_in(tmp_path)
    entry = paths.applications_dir / "dmer-tips.desktop"
    assert ensure_application_entry(paths) is True
    text = entry.read_text()
    assert "X-GNOME-UsesNotifications=true" in text and f"Icon={Path(__file__).anchor}" in text
    assert entry.stat().st_mode & 0o777 == 0o644
    assert ensure_application_entry(paths) is False
    entry.write_text(text.replace("Name=D-MER Tips", "Name=Old"))
    assert ensure_application_entry(paths) is True and "Name=D-MER Tips" in entry.read_text()
