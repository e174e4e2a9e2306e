"""Fitting into the desktop: starting at login (a systemd user unit, an XDG autostart entry, a launchd agent or a
Startup script), and on Linux the application entry that names dmer-tips to the desktop.

Autostart entries are written only when the user asks (`install-service`) and removed only when asked
(`uninstall-service`); the service never creates one, so a removed entry stays removed. The application
entry `dmer-tips.desktop` is different: notifications name it (the `desktop-entry` hint), and without it
GNOME lists no switch for dmer-tips in Settings → Notifications, so the service adds it when missing.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dmer_tips.errors import DmerTipsError
from dmer_tips.notify.base import APP_NAME, DESKTOP_ENTRY
from dmer_tips.paths import AppPaths, icon_path
from dmer_tips.storage import replace_atomically

UNIT_NAME = "dmer-tips.service"
APPLICATION_ENTRY = f"{DESKTOP_ENTRY}.desktop"  # the entry our notifications name in their desktop-entry hint
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


def plan(platform: str, home: Path, paths: AppPaths, systemd: bool) -> list[Entry]:
    """The entries for this platform: the autostart one, and on Linux the application entry."""
    entries = [_autostart(platform, home, paths, systemd)]
    if platform.startswith("linux"):
        entries.append(application_entry(paths))
    return entries


def retired(paths: AppPaths) -> list[Entry]:
    """Entries earlier versions wrote that this one no longer does, for `uninstall-service` to remove."""
    return [Entry(paths.applications_dir / "dmer-tips-companion.desktop", "")]


def application_entry(paths: AppPaths) -> Entry:
    """`dmer-tips.desktop`: the name and icon the desktop shows for our notifications (and its per-app
    notification switch), and a launcher that starts the let-down companion with one click."""
    command = [sys.executable, "-m", "dmer_tips", "session"]
    return Entry(
        paths.applications_dir / APPLICATION_ENTRY,
        (
            "[Desktop Entry]\n"
            "Type=Application\n"
            f"Name={APP_NAME}\n"
            "GenericName=Let-down companion\n"
            "Comment=Start the let-down companion: gentle steps through the wave\n"
            f"Exec={' '.join(_desktop_quote(part) for part in command)}\n"
            f"Icon={icon_path()}\n"
            "Terminal=false\n"
            "Categories=Utility;\n"
            "X-GNOME-UsesNotifications=true\n"
        ),
    )


def ensure_application_entry(paths: AppPaths) -> bool:
    """Write the application entry when it is missing or outdated; whether it was written."""
    entry = application_entry(paths)
    if entry.path.exists() and entry.path.read_text(encoding="utf-8") == entry.content:
        return False
    _write(entry)
    return True


def _autostart(platform: str, home: Path, paths: AppPaths, systemd: bool) -> Entry:
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
            _plist(agent),
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
        path = paths.config_dir.parent / "systemd" / "user" / UNIT_NAME
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
    return Entry(paths.autostart_dir / "dmer-tips.desktop", desktop)


def install(entries: list[Entry], dry_run: bool, run: Runner) -> list[str]:
    """Write each entry (unchanged content is left alone) and switch it on; returns what was (or would be) done."""
    return [line for entry in entries for line in _install(entry, dry_run, run)]


def uninstall(entries: list[Entry], dry_run: bool, run: Runner, old: Sequence[Entry] = ()) -> list[str]:
    """Switch off and remove each entry; entries of earlier versions (`old`) are removed when they exist."""
    done = [line for entry in entries for line in _uninstall(entry, dry_run, run)]
    return done + [line for entry in old if entry.path.exists() for line in _uninstall(entry, dry_run, run)]


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
        _write(entry)
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


def _write(entry: Entry) -> None:
    """Desktop folders are shared with other programs: made if missing, never tightened."""
    try:
        entry.path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DmerTipsError(f"{entry.path.parent}: cannot create this folder ({error.strerror})") from None
    replace_atomically(entry.path, entry.content.encode("utf-8"), mode=0o644)


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


def _plist(agent: dict[str, object]) -> str:
    import plistlib  # macOS only: the Linux service never pays for it (with its XML parser)

    return plistlib.dumps(agent).decode()
