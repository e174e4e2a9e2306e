"""`dmer-tips edit`: make the user's own copy of the tips, open it in their editor, check it afterwards."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from dmer_tips.bank.load import load_tip_bank
from dmer_tips.bank.model import TipBank
from dmer_tips.errors import DmerTipsError
from dmer_tips.paths import bundled_tips_path, schema_path
from dmer_tips.storage import write_atomically

_SCHEMA_LINE = re.compile(r"^# yaml-language-server: \$schema=.*$", re.MULTILINE)
_FALLBACK_EDITORS = ("nano", "vi")


def ensure_user_copy(target: Path) -> bool:
    """Copy the bundled tips to `target` unless it exists; returns whether a copy was made.

    The copy's schema line points at the installed schema, so editor completion works wherever it lives.
    """
    if target.exists():
        return False
    text = bundled_tips_path().read_text(encoding="utf-8")
    text = _SCHEMA_LINE.sub(f"# yaml-language-server: $schema={schema_path().as_uri()}", text, count=1)
    write_atomically(target, text.encode("utf-8"), mode=0o644)
    return True


def editor_command(environ: Mapping[str, str]) -> list[str]:
    """`$VISUAL`, then `$EDITOR`, then the platform's plain editor."""
    for variable in ("VISUAL", "EDITOR"):
        if environ.get(variable):
            return shlex.split(environ[variable], posix=os.name != "nt")
    if os.name == "nt":
        return ["notepad"]
    found = next((name for name in _FALLBACK_EDITORS if shutil.which(name)), None)
    if found is None:
        raise DmerTipsError("no editor found — set $EDITOR, for example: export EDITOR=nano")
    return [found]


def edit_and_check(target: Path, environ: Mapping[str, str]) -> TipBank:
    """Open `target` in the user's editor and check it once the editor exits (raises TipBankError)."""
    command = [*editor_command(environ), str(target)]
    try:
        subprocess.run(command, check=False)
    except OSError as error:
        raise DmerTipsError(
            f"cannot start the editor {command[0]!r} ({error.strerror}) — check $VISUAL or $EDITOR"
        ) from None
    return load_tip_bank(target)
