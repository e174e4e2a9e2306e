"""Starting the service at login: a systemd user unit, an XDG autostart entry, a launchd agent or a Startup script.

Entries are written only when the user asks (`install-service`) and removed only when asked
(`uninstall-service`); the service itself never creates one, so a removed entry stays removed.
"""

from __future__ import annotations

import plistlib
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dmer_tips.errors import DmerTipsError
from dmer_tips.paths import icon_path
from dmer_tips.storage import write_atomically

UNIT_NAME = "dmer-tips.service"
Runner = Callable[[Sequence[str]], int]


@dataclass(frozen=True)
class Entry:
    """One file that starts the service, and the commands that switch it on and off."""

    path: Path
    content: str
    enable: tuple[tuple[str, ...], ...] = field(default=())
    disable: tuple[tuple[str, ...], ...] = field(default=())


def service_command() -> list[str]:
    """How a login session starts the service: this very Python, so the right install is used."""
    return [sys.executable, "-m", "dmer_tips", "run"]


def systemd_user_available(run: Runner) -> bool:
    return shutil.which("systemctl") is not None and run(["systemctl", "--user", "show-environment"]) == 0


def plan(platform: str, home: Path, config_dir: Path, systemd: bool, data_dir: Path | None = None) -> list[Entry]:
    """The entries for this platform: the autostart one, and on Linux the companion's launcher.

    `config_dir` and `data_dir` are the user's config and data bases (e.g. ~/.config and ~/.local/share).
    """
    entries = [_autostart(platform, home, config_dir, systemd)]
    if platform.startswith("linux"):
        entries.append(
            _launcher((data_dir or home / ".local" / "share") / "applications" / "dmer-tips-companion.desktop")
        )
    return entries


def _launcher(path: Path) -> Entry:
    """A desktop launcher, "Start let-down companion", so a session starts with one click."""
    command = [sys.executable, "-m", "dmer_tips", "session"]
    return Entry(
        path,
        (
            "[Desktop Entry]\n"
            "Type=Application\n"
            "Name=Start let-down companion\n"
            "Comment=Gentle grounding steps through the let-down wave (dmer-tips)\n"
            f"Exec={' '.join(_desktop_quote(part) for part in command)}\n"
            f"Icon={icon_path()}\n"
            "Terminal=false\n"
            "Categories=Utility;\n"
        ),
    )


def _autostart(platform: str, home: Path, config_dir: Path, systemd: bool) -> Entry:
    command = service_command()
    if platform == "darwin":
        agent = {
            "Label": "org.dmer-tips",
            "ProgramArguments": command,
            "RunAtLoad": True,
            "KeepAlive": {"SuccessfulExit": False},
        }
        path = home / "Library" / "LaunchAgents" / "org.dmer-tips.plist"
        return Entry(
            path,
            plistlib.dumps(agent).decode(),
            (("launchctl", "load", "-w", str(path)),),
            (("launchctl", "unload", "-w", str(path)),),
        )
    if platform == "win32":
        startup = home / "AppData" / "Roaming" / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup"
        pythonw = str(Path(sys.executable).with_name("pythonw.exe"))
        return Entry(startup / "dmer-tips.cmd", f'@start "" /min "{pythonw}" -m dmer_tips run\r\n')
    if systemd:
        unit = (
            "[Unit]\n"
            "Description=dmer-tips: gentle D-MER reminders\n"
            "After=graphical-session.target\n\n"
            "[Service]\n"
            "Type=simple\n"
            f"ExecStart={shlex.join(command)}\n"
            "Restart=on-failure\n"
            "RestartSec=30\n\n"
            "[Install]\n"
            "WantedBy=default.target\n"
        )
        path = config_dir / "systemd" / "user" / UNIT_NAME
        return Entry(
            path,
            unit,
            (("systemctl", "--user", "daemon-reload"), ("systemctl", "--user", "enable", "--now", UNIT_NAME)),
            (("systemctl", "--user", "disable", "--now", UNIT_NAME), ("systemctl", "--user", "daemon-reload")),
        )
    desktop = (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=dmer-tips\n"
        "Comment=Gentle D-MER reminders\n"
        f"Exec={' '.join(_desktop_quote(part) for part in command)}\n"
        "NoDisplay=true\n"
        "X-GNOME-Autostart-enabled=true\n"
    )
    return Entry(config_dir / "autostart" / "dmer-tips.desktop", desktop)


def install(entries: list[Entry], dry_run: bool, run: Runner) -> list[str]:
    """Write each entry (unchanged content is left alone) and switch it on; returns what was (or would be) done."""
    return [line for entry in entries for line in _install(entry, dry_run, run)]


def uninstall(entries: list[Entry], dry_run: bool, run: Runner) -> list[str]:
    return [line for entry in entries for line in _uninstall(entry, dry_run, run)]


def _install(entry: Entry, dry_run: bool, run: Runner) -> list[str]:
    if dry_run:
        return [
            f"would write {entry.path}:",
            entry.content.rstrip("\n"),
            *(f"would run: {shlex.join(c)}" for c in entry.enable),
        ]
    done = []
    if entry.path.exists() and entry.path.read_text(encoding="utf-8") == entry.content:
        done.append(f"{entry.path} is already installed")
    else:
        write_atomically(entry.path, entry.content.encode("utf-8"), mode=0o644)
        done.append(f"wrote {entry.path}")
    done += _run_all(entry.enable, run)
    return done


def _uninstall(entry: Entry, dry_run: bool, run: Runner) -> list[str]:
    if not entry.path.exists():
        return [f"nothing to remove: {entry.path} does not exist"]
    if dry_run:
        return [*(f"would run: {shlex.join(c)}" for c in entry.disable), f"would remove {entry.path}"]
    done = _run_all(entry.disable[:1], run)
    entry.path.unlink()
    return [*done, f"removed {entry.path}", *_run_all(entry.disable[1:], run)]


def run_quietly(command: Sequence[str]) -> int:
    try:
        return subprocess.run(list(command), capture_output=True, check=False, timeout=30).returncode
    except (OSError, subprocess.TimeoutExpired):
        return 127


def _run_all(commands: Sequence[tuple[str, ...]], run: Runner) -> list[str]:
    done = []
    for command in commands:
        if run(command) != 0:
            raise DmerTipsError(f"`{shlex.join(command)}` failed — run it yourself to see why")
        done.append(f"ran: {shlex.join(command)}")
    return done


def _desktop_quote(part: str) -> str:
    """Quote an argument for a desktop entry's Exec line (the spec's rules, not the shell's)."""
    if not any(c in part for c in " \t\"'\\><~|&;$*?#()`"):
        return part
    escaped = part.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`").replace("$", "\\$")
    return f'"{escaped}"'
