"""Shared fixtures: a private home for every test, and helpers to write tip files."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

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
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own HOME and XDG dirs, so nothing touches the real user's files."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for variable, sub in (("XDG_CONFIG_HOME", ".config"), ("XDG_STATE_HOME", ".local/state"), ("XDG_CACHE_HOME", ".cache")):
        monkeypatch.setenv(variable, str(home / sub))
    monkeypatch.delenv("DMER_TIPS_FILE", raising=False)
    return home


@pytest.fixture
def write_tips(tmp_path: Path) -> Callable[[str], Path]:
    """Write dedented YAML to a fresh tips file and return its path."""
    def write(text: str, name: str = "tips.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write
