"""Where things live: the platform's config, state, log and runtime dirs, and which tip file is in use."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Mapping
from pathlib import Path

from dmer_tips import PROGRAM

TIPS_ENV = "DMER_TIPS_FILE"
BUNDLED_NAME = "tips.yaml"
SCHEMA_NAME = "tips.schema.json"


def bundled_tips_path() -> Path:
    """The default tip bank that ships inside the package."""
    return Path(__file__).with_name(BUNDLED_NAME)


def schema_path() -> Path:
    """The JSON Schema editors use for tips.yaml."""
    return Path(__file__).with_name(SCHEMA_NAME)


def icon_path() -> Path:
    """The app icon shown with notifications and on the companion launcher."""
    return Path(__file__).with_name("icon.png")


class AppPaths(namedtuple("AppPaths", "config_dir state_dir log_dir")):
    """The user's dirs for this app (each a Path); built at call time so tests can point HOME/XDG_* at a temp dir."""

    __slots__ = ()

    @classmethod
    def for_user(cls) -> AppPaths:
        import platformdirs  # only commands that need these dirs pay for it

        dirs = platformdirs.PlatformDirs(PROGRAM, appauthor=False)
        return cls(Path(dirs.user_config_dir), Path(dirs.user_state_dir), Path(dirs.user_log_dir))

    @property
    def user_tips_file(self) -> Path:
        return Path(self.config_dir, BUNDLED_NAME)

    @property
    def state_file(self) -> Path:
        return Path(self.state_dir, "state.json")

    @property
    def lock_file(self) -> Path:
        return Path(self.state_dir, "service.lock")


class TipsFile(namedtuple("TipsFile", "path reason")):
    """The tip file in use (`path: Path`) and why it was chosen (`reason: str`, shown by `dmer-tips where`)."""

    __slots__ = ()


def resolve_tips_file(given: Path | None, environ: Mapping[str, str], paths: AppPaths) -> TipsFile:
    """`--tips PATH` > `$DMER_TIPS_FILE` > the user's copy in the config dir > the bundled default."""
    if given is not None:
        return TipsFile(given, "given with --tips")
    if environ.get(TIPS_ENV):
        return TipsFile(Path(environ[TIPS_ENV]).expanduser(), f"from ${TIPS_ENV}")
    if paths.user_tips_file.exists():
        return TipsFile(paths.user_tips_file, "your copy")
    return TipsFile(bundled_tips_path(), "the bundled default; `dmer-tips edit` makes your own copy")
