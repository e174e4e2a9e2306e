"""Where things live: the platform's config, state and log dirs, and which tip file is in use."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dmer_tips.tipbank import BUNDLED_NAME, bundled_tips_path

if TYPE_CHECKING:
    import platformdirs

APP_NAME = "dmer-tips"
TIPS_ENV = "DMER_TIPS_FILE"


@dataclass(frozen=True)
class AppPaths:
    """The user's dirs for this app; built at call time so tests can point HOME/XDG_* at a temp dir."""

    config_dir: Path
    state_dir: Path
    log_dir: Path
    runtime_dir: Path

    @classmethod
    def for_user(cls) -> AppPaths:
        import platformdirs  # only commands that need paths pay for it

        dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
        return cls(Path(dirs.user_config_dir), Path(dirs.user_state_dir), Path(dirs.user_log_dir), _runtime_dir(dirs))

    @property
    def lock_file(self) -> Path:
        return self.state_dir / "service.lock"

    @property
    def user_tips_file(self) -> Path:
        return self.config_dir / BUNDLED_NAME

    @property
    def state_file(self) -> Path:
        return self.state_dir / "state.json"


@dataclass(frozen=True)
class TipsFile:
    """The tip file in use and why it was chosen (shown by `dmer-tips where`)."""

    path: Path
    reason: str


def resolve_tips_file(given: Path | None, environ: Mapping[str, str], paths: AppPaths) -> TipsFile:
    """`--tips PATH` > `$DMER_TIPS_FILE` > the user's copy in the config dir > the bundled default."""
    if given is not None:
        return TipsFile(given, "given with --tips")
    if environ.get(TIPS_ENV):
        return TipsFile(Path(environ[TIPS_ENV]).expanduser(), f"from ${TIPS_ENV}")
    if paths.user_tips_file.exists():
        return TipsFile(paths.user_tips_file, "your copy")
    return TipsFile(bundled_tips_path(), "the bundled default; `dmer-tips edit` makes your own copy")


def _runtime_dir(dirs: platformdirs.PlatformDirs) -> Path:
    """Where the control socket lives: short enough for a socket path (~104 bytes) and private to the user.

    On Linux that is `$XDG_RUNTIME_DIR/dmer-tips` when the variable is set (it often is not outside a
    desktop session); otherwise, or when the path is too long, a private folder in the temp dir.
    """
    base = os.environ.get("XDG_RUNTIME_DIR", "")
    if sys.platform.startswith("linux"):
        candidate = Path(base) / APP_NAME if base and Path(base).is_dir() else None
    else:
        candidate = Path(dirs.user_runtime_dir)
    if candidate is not None and len(str(candidate)) < 80:
        return candidate
    owner = os.getuid() if hasattr(os, "getuid") else os.getlogin()
    return Path(tempfile.gettempdir()) / f"{APP_NAME}-{owner}"
