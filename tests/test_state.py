"""The state file: atomic, private, and a damaged one never stops the service."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from dmer_tips.schedule.state import ServiceState, StateFile
from dmer_tips.storage import write_atomically


def test_state_round_trips_with_private_permissions(tmp_path: Path) -> None:
    """Saved state loads back the same, in a file and folder only the user can read."""
    path = tmp_path / "state" / "state.json"
    state = ServiceState.fresh(42)
    StateFile(path).save(state)
    assert StateFile(path).load().to_json() == state.to_json()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_damaged_state_is_kept_aside_and_replaced(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A half-written or hand-damaged state file starts fresh, keeps the old copy as .bad, and logs why."""
    path = tmp_path / "state.json"
    path.write_text('{"seed": 1, "bags": {')
    state = StateFile(path).load()
    assert isinstance(state.rotation.seed, int)
    assert (tmp_path / "state.bad").read_text() == '{"seed": 1, "bags": {'
    assert "could not be read" in caplog.text


def test_atomic_write_leaves_no_temp_files(tmp_path: Path) -> None:
    """Replacing a file leaves only the new content, with no temp files behind."""
    target = tmp_path / "own" / "f.json"
    for round_ in range(3):
        write_atomically(target, json.dumps({"round": round_}).encode())
    assert [p.name for p in target.parent.iterdir()] == ["f.json"]
    assert json.loads(target.read_text()) == {"round": 2}
