"""Where things live: the one paths object (config, state, log, data and runtime folders) and the tip file in use.

Built at call time from the environment, so tests point HOME and XDG_* at a temp folder. On Linux the XDG
rules are applied here directly: `dmer-tips status` must start fast, and platformdirs alone costs ~20 ms
to import; elsewhere platformdirs knows each platform's folders.
"""

from __future__ import annotations

import os
import sys
from collections import namedtuple
from collections.abc import Mapping
from pathlib import Path

from dmer_tips import PROGRAM

TIPS_ENV = "DMER_TIPS_FILE"
BUNDLED_NAME = "tips.yaml"
SCHEMA_NAME = "tips.schema.json"
SOCKET_PATH_LIMIT = 100  # AF_UNIX paths must stay under ~104-108 bytes


def bundled_tips_path() -> Path:
    """The default tip bank that ships inside the package."""
    return Path(__file__).with_name(BUNDLED_NAME)


def schema_path() -> Path:
    """The JSON Schema editors use for tips.yaml."""
    return Path(__file__).with_name(SCHEMA_NAME)


def icon_path() -> Path:
    """The app icon shown with notifications and on the launchers."""
    return Path(__file__).with_name("icon.png")


class AppPaths(namedtuple("AppPaths", "config_dir state_dir log_dir data_dir runtime_dir")):
    """The user's folders for this app (Paths; `runtime_dir` is None where the session has none)."""

    __slots__ = ()

    @classmethod
    def for_user(cls, environ: Mapping[str, str] = os.environ) -> AppPaths:
        if sys.platform.startswith("linux"):
            return cls._xdg(environ)
        import platformdirs  # only where the XDG rules do not apply

        dirs = platformdirs.PlatformDirs(PROGRAM, appauthor=False)
        return cls(
            Path(dirs.user_config_dir),
            Path(dirs.user_state_dir),
            Path(dirs.user_log_dir),
            Path(dirs.user_data_dir),
            None,
        )

    @classmethod
    def _xdg(cls, environ: Mapping[str, str]) -> AppPaths:
        home = Path(environ.get("HOME") or Path.home())

        def base(variable: str, default: str) -> Path:
            value = environ.get(variable, "").strip()
            return Path(value) if value and os.path.isabs(value) else home / default

        state = base("XDG_STATE_HOME", ".local/state") / PROGRAM
        runtime = environ.get("XDG_RUNTIME_DIR", "").strip()
        return cls(
            base("XDG_CONFIG_HOME", ".config") / PROGRAM,
            state,
            state / "log",
            base("XDG_DATA_HOME", ".local/share") / PROGRAM,
            Path(runtime) / PROGRAM if runtime and os.path.isabs(runtime) else None,
        )

    @property
    def user_tips_file(self) -> Path:
        return Path(self.config_dir, BUNDLED_NAME)

    @property
    def state_file(self) -> Path:
        return Path(self.state_dir, "state.json")

    @property
    def lock_file(self) -> Path:
        return Path(self.state_dir, "service.lock")

    @property
    def journal_file(self) -> Path:
        return Path(self.state_dir, "journal.sqlite3")

    @property
    def control_file(self) -> Path:
        """Where the running service says how to reach it (address and key); always in the private state folder."""
        return Path(self.state_dir, "control.json")

    @property
    def applications_dir(self) -> Path:
        """The folder of the user's application entries (~/.local/share/applications on Linux)."""
        return Path(self.data_dir).parent / "applications"

    @property
    def autostart_dir(self) -> Path:
        return Path(self.config_dir).parent / "autostart"


class TipsFile(namedtuple("TipsFile", "path reason follows_user_copy")):
    """The tip file in use (`path: Path`), why it was chosen (`reason: str`), and whether it is the default
    choice (`follows_user_copy: bool`): a service on the bundled tips switches when the user's copy appears.
    """

    __slots__ = ()


def resolve_tips_file(given: Path | None, environ: Mapping[str, str], paths: AppPaths) -> TipsFile:
    """`--tips PATH` > `$DMER_TIPS_FILE` > the user's copy in the config dir > the bundled default."""
    if given is not None:
        return TipsFile(given, "given with --tips", False)
    if environ.get(TIPS_ENV):
        return TipsFile(Path(environ[TIPS_ENV]).expanduser(), f"from ${TIPS_ENV}", False)
    if paths.user_tips_file.exists():
        return TipsFile(paths.user_tips_file, "your copy", True)
    return TipsFile(bundled_tips_path(), "the bundled default; `dmer-tips edit` makes your own copy", True)
