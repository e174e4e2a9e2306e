"""Where things live: the platform's config, state and log dirs, and which tip file is in use."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dmer_tips.tipbank import BUNDLED_NAME, bundled_tips_path

APP_NAME = "dmer-tips"
TIPS_ENV = "DMER_TIPS_FILE"


@dataclass(frozen=True)
class AppPaths:
    """The user's dirs for this app; built at call time so tests can point HOME/XDG_* at a temp dir."""

    config_dir: Path
    state_dir: Path
    log_dir: Path

    @classmethod
    def for_user(cls) -> AppPaths:
        import platformdirs  # only commands that need paths pay for it

        dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
        return cls(Path(dirs.user_config_dir), Path(dirs.user_state_dir), Path(dirs.user_log_dir))

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
