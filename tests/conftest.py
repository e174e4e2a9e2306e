"""Shared fixtures: a private home for every test, and helpers to write tip files."""

from __future__ import annotations

import os
import shutil
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# For a test that wants each reminder when it is due: any hour, a second apart, no daily limit.
ANY_TIME = """\
settings:
  quiet_hours: none
  min_gap: 1s
  daily_max: 1000
sources:
  art: "An article"
"""
MINIMAL_BANK = """\
sources:
  art: "An article"
categories:
  water:
    schedule:
      at: "10:00"
    tips:
      - id: sip
        text: "Have a sip of water."
        source: art
"""


@pytest.fixture(autouse=True)
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own HOME and XDG dirs, so nothing touches the real user's files."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for variable, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_DATA_HOME", ".local/share"),
    ):
        monkeypatch.setenv(variable, str(home / sub))
    monkeypatch.delenv("DMER_TIPS_FILE", raising=False)
    # Socket paths must stay short, and tmp_path is long: a private runtime dir of its own.
    runtime = Path(tempfile.mkdtemp(prefix="dt-"))
    runtime.chmod(0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    yield home
    shutil.rmtree(runtime, ignore_errors=True)


@pytest.fixture
def write_tips(tmp_path: Path) -> Callable[[str], Path]:
    """Write dedented YAML to a fresh tips file and return its path."""

    def write(text: str, name: str = "tips.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


def require(condition: bool, reason: str) -> None:
    """Skip a test whose machine lacks something (a program, root), or fail it where CI demands every test run."""
    if condition:
        return
    if os.environ.get("DMER_TIPS_REQUIRE_ALL"):
        pytest.fail(reason)
    pytest.skip(reason)
