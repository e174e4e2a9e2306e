"""Where things live: the one paths object (config, state, log, data and runtime folders) and the tip file in use.

Built at call time from the environment, so tests point HOME and XDG_* at a temp folder. On Linux the XDG
rules are applied here directly: `dmer-tips status` must start fast, and platformdirs alone costs ~20 ms
to import (pathlib a few more, so it is imported only where a Path is made); elsewhere platformdirs knows
each platform's folders.
"""

from __future__ import annotations

import os
import sys
from collections import namedtuple

from dmer_tips import PROGRAM

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

TIPS_ENV = "DMER_TIPS_FILE"
BUNDLED_NAME = "tips.yaml"
SCHEMA_NAME = "tips.schema.json"
CONTROL_NAME = "control.json"
SOCKET_PATH_LIMIT = 100  # AF_UNIX paths must stay under ~104-108 bytes


def control_file(environ: Mapping[str, str] = os.environ) -> str:
    """Where the running service says how to reach it: `control.json` in the private state folder."""
    if sys.platform.startswith("linux"):
        return os.path.join(_xdg_base(environ, "XDG_STATE_HOME", ".local/state"), PROGRAM, CONTROL_NAME)
    return str(AppPaths.for_user(environ).control_file)


def _xdg_base(environ: Mapping[str, str], variable: str, default: str) -> str:
    """An XDG base folder: the variable when it holds an absolute path, else its default under HOME."""
    value = environ.get(variable, "").strip()
    if value and os.path.isabs(value):
        return value
    return os.path.join(environ.get("HOME") or os.path.expanduser("~"), default)


def package_file(name: str) -> Path:
    """A file shipped inside the package."""
    from pathlib import Path

    return Path(__file__).with_name(name)


def bundled_tips_path() -> Path:
    """The default tip bank that ships inside the package."""
    return package_file(BUNDLED_NAME)


def schema_path() -> Path:
    """The JSON Schema editors use for tips.yaml."""
    return package_file(SCHEMA_NAME)


def icon_path() -> Path:
    """The app icon shown with notifications and on the launchers."""
    return package_file("icon.png")


class AppPaths(namedtuple("AppPaths", "config_dir state_dir log_dir data_dir runtime_dir")):
    """The user's folders for this app (Paths; `runtime_dir` is None where the session has none)."""

    __slots__ = ()
    if TYPE_CHECKING:
        config_dir: Path
        state_dir: Path
        log_dir: Path
        data_dir: Path
        runtime_dir: Path | None

    @classmethod
    def for_user(cls, environ: Mapping[str, str] = os.environ) -> AppPaths:
        from pathlib import Path

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
        from pathlib import Path

        state = Path(_xdg_base(environ, "XDG_STATE_HOME", ".local/state"), PROGRAM)
        runtime = environ.get("XDG_RUNTIME_DIR", "").strip()
        return cls(
            Path(_xdg_base(environ, "XDG_CONFIG_HOME", ".config"), PROGRAM),
            state,
            state / "log",
            Path(_xdg_base(environ, "XDG_DATA_HOME", ".local/share"), PROGRAM),
            Path(runtime, PROGRAM) if runtime and os.path.isabs(runtime) else None,
        )

    @property
    def user_tips_file(self) -> Path:
        return self.config_dir / BUNDLED_NAME

    @property
    def state_file(self) -> Path:
        return self.state_dir / "state.json"

    @property
    def lock_file(self) -> Path:
        return self.state_dir / "service.lock"

    @property
    def journal_file(self) -> Path:
        return self.state_dir / "journal.sqlite3"

    @property
    def control_file(self) -> Path:
        """Where the running service says how to reach it (address and key); always in the private state folder."""
        return self.state_dir / CONTROL_NAME

    @property
    def applications_dir(self) -> Path:
        """The folder of the user's application entries (~/.local/share/applications on Linux)."""
        return self.data_dir.parent / "applications"

    @property
    def autostart_dir(self) -> Path:
        return self.config_dir.parent / "autostart"


class TipsFile(namedtuple("TipsFile", "path reason follows_user_copy")):
    """The tip file in use (`path: Path`), why it was chosen (`reason: str`), and whether it is the default
    choice (`follows_user_copy: bool`): a service on the bundled tips switches when the user's copy appears.
    """

    __slots__ = ()


def resolve_tips_file(given: Path | None, environ: Mapping[str, str], paths: AppPaths) -> TipsFile:
    """`--tips PATH` > `$DMER_TIPS_FILE` > the user's copy in the config dir > the bundled default."""
    if given is not None:
        return TipsFile(given, "given with --tips", False)
    from pathlib import Path

    if environ.get(TIPS_ENV):
        return TipsFile(Path(environ[TIPS_ENV]).expanduser(), f"from ${TIPS_ENV}", False)
    if paths.user_tips_file.exists():
        return TipsFile(paths.user_tips_file, "your copy", True)
    return TipsFile(bundled_tips_path(), "the bundled default; `dmer-tips edit` makes your own copy", True)
