"""`dmer-tips edit`: make the user's own copy of the tips, open it in an editor, and check it afterwards.

The editor is the one the user chose ($VISUAL, or at a terminal $EDITOR). Without one: a terminal editor
when there is a terminal to run it in, else the desktop's own way of opening a text file. Never a terminal
editor with no terminal, which would hang invisibly.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from dmer_tips.bank.load import load_tip_bank
from dmer_tips.bank.model import TipBank
from dmer_tips.errors import DmerTipsError
from dmer_tips.paths import bundled_tips_path, schema_path
from dmer_tips.storage import replace_atomically

_SCHEMA_LINE = re.compile(r"^# yaml-language-server: \$schema=.*$", re.MULTILINE)
_TERMINAL_EDITORS = ("nano", "vi")
_DESKTOP_OPENERS = {"linux": ["xdg-open"], "darwin": ["open", "-t"]}
OPENER_WAIT_S = 10.0


def bundled_copy_text() -> str:
    """The bundled tips, with the schema line pointing at the installed schema so editor completion works."""
    text = bundled_tips_path().read_text(encoding="utf-8")
    return _SCHEMA_LINE.sub(f"# yaml-language-server: $schema={schema_path().as_uri()}", text, count=1)


def ensure_user_copy(target: Path) -> bool:
    """Copy the bundled tips to `target` unless it exists; returns whether a copy was made."""
    if target.exists():
        return False
    _write_copy(target)
    return True


def restore_bundled(target: Path, now: datetime) -> Path | None:
    """Put the bundled tips in `target`, keeping what was there as `tips.yaml.bak-…`; returns that backup."""
    backup = None
    if target.exists():
        backup = target.with_name(f"{target.name}.bak-{now:%Y%m%d-%H%M%S-%f}")
        try:
            os.replace(target, backup)
        except OSError as error:
            raise DmerTipsError(f"{target}: cannot keep a backup ({error.strerror}) — nothing was changed") from None
    _write_copy(target)
    return backup


def _write_copy(target: Path) -> None:
    """Private like our own files, in whatever folder the user chose ($DMER_TIPS_FILE may point anywhere)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DmerTipsError(f"{target.parent}: cannot create this folder ({error.strerror})") from None
    replace_atomically(target, bundled_copy_text().encode("utf-8"))


@dataclass(frozen=True)
class Opened:
    """How the file was opened: `checked` is the bank after the editor closed, or None when the editor
    runs on its own (the desktop's), in which case `how` says what the user should expect."""

    how: str
    checked: TipBank | None


def open_for_editing(target: Path, environ: Mapping[str, str], interactive: bool) -> Opened:
    """Open `target` as the user would expect (see the module docstring); raises TipBankError when a waited-for
    edit leaves the file broken, and DmerTipsError when there is nothing to open it with."""
    # $EDITOR is by custom a terminal editor: without a terminal it would wait unseen. $VISUAL may be graphical.
    for variable in ("VISUAL", "EDITOR") if interactive else ("VISUAL",):
        if environ.get(variable):
            command = shlex.split(environ[variable], posix=os.name != "nt")
            return _edit_and_check(command, target, f"${variable}")
    terminal_editor = next((name for name in _TERMINAL_EDITORS if shutil.which(name)), None)
    if interactive and terminal_editor is not None:
        return _edit_and_check([terminal_editor], target, terminal_editor)
    if _has_desktop(environ):
        return _open_on_desktop(target, interactive)
    raise DmerTipsError(
        f"there is no editor to open {target} with{'' if interactive else ' here'} — {_editor_advice(interactive)}"
    )


def _edit_and_check(command: list[str], target: Path, chosen: str) -> Opened:
    try:
        subprocess.run([*command, str(target)], check=False)
    except OSError as error:
        raise DmerTipsError(
            f"cannot start the editor {command[0]!r} ({error.strerror}) — check $VISUAL or $EDITOR"
        ) from None
    return Opened(f"edited with {chosen}", load_tip_bank(target))


def _has_desktop(environ: Mapping[str, str]) -> bool:
    if os.name == "nt" or sys.platform == "darwin":
        return True
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def _open_on_desktop(target: Path, interactive: bool) -> Opened:
    opener = next(
        (command for platform, command in _DESKTOP_OPENERS.items() if sys.platform.startswith(platform)), None
    )
    try:
        if opener is None:
            os.startfile(target)  # type: ignore[attr-defined]  # Windows only
        else:
            _run_opener([*opener, str(target)])
    except OSError as error:
        raise DmerTipsError(
            f"the desktop could not open {target} ({error.strerror}) — {_editor_advice(interactive)}"
        ) from None
    return Opened("opened in your desktop's text editor", None)


def _run_opener(command: list[str]) -> None:
    """Run the desktop's opener; it hands the file to an editor and returns, or says it found none (exit 3)."""
    try:
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=OPENER_WAIT_S)
    except subprocess.TimeoutExpired:
        return  # some openers wait for the editor itself: it is open
    if done.returncode != 0:
        raise OSError(done.returncode, "the desktop has no editor for it")


def _editor_advice(interactive: bool) -> str:
    """What to do instead: at a terminal, name an editor; elsewhere $EDITOR would not be used (see above)."""
    if not interactive:
        return "run `dmer-tips edit` in a terminal, or set $VISUAL to an editor that opens its own window"
    editor = next((name for name in _TERMINAL_EDITORS if shutil.which(name)), "nano")
    return f"set one, for example: EDITOR={editor} dmer-tips edit"
