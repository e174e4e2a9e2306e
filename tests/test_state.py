"""The state file: atomic, private, and a damaged one never stops the service."""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmer_tips.bank.load import load_tip_bank
from dmer_tips.errors import DmerTipsError
from dmer_tips.paths import bundled_tips_path
from dmer_tips.schedule.pause import Pause
from dmer_tips.schedule.reminders import Reminders
from dmer_tips.schedule.state import ServiceState, StateFile
from dmer_tips.storage import write_atomically

from .robust import scale
from .serviceproc import ServiceProcess

BANK = load_tip_bank(bundled_tips_path())


def test_state_round_trips_with_private_permissions(tmp_path: Path) -> None:
    """Saved state loads back the same, in a file and folder only the user can read."""
    path = tmp_path / "state" / "state.json"
    state = ServiceState.fresh(42)
    StateFile(path).save(state)
    assert StateFile(path).load().to_json() == state.to_json()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_no_state_file_means_a_first_run(tmp_path: Path) -> None:
    """Without saved progress the person is new, and the welcome is still to come."""
    assert StateFile(tmp_path / "state.json").load().welcomed is False


def test_damaged_state_is_kept_aside_and_replaced(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A half-written or hand-damaged state file starts fresh, keeps the old copy as .bad, and logs why; the
    person is not greeted as new."""
    path = tmp_path / "state.json"
    path.write_text('{"seed": 1, "bags": {')
    state = StateFile(path).load()
    assert isinstance(state.rotation.seed, int) and state.welcomed
    assert (tmp_path / "state.bad").read_text() == '{"seed": 1, "bags": {'
    assert "could not be read" in caplog.text and "starting afresh" in caplog.text


def test_atomic_write_leaves_no_temp_files(tmp_path: Path) -> None:
    """Replacing a file leaves only the new content, with no temp files behind."""
    target = tmp_path / "own" / "f.json"
    for round_ in range(3):
        write_atomically(target, json.dumps({"round": round_}).encode())
    assert [p.name for p in target.parent.iterdir()] == ["f.json"]
    assert json.loads(target.read_text()) == {"round": 2}


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
INSTANTS = st.sampled_from(
    [
        "2026-01-01T00:00:00+00:00",
        "2026-01-01T00:00:00",
        "0001-01-01T00:00:00+00:00",
        "9999-12-31T23:59:59+00:00",
        "9999-12-31T23:59:59-23:59",
        "soon",
    ]
)
PLAUSIBLE = st.fixed_dictionaries(
    {},
    optional={
        "version": JSON,
        "seed": st.integers(-5, 2**64) | JSON,
        "bags": st.dictionaries(st.text(max_size=5), JSON, max_size=3) | JSON,
        "plan": st.fixed_dictionaries(
            {},
            optional={
                "cursors": st.dictionaries(st.text(max_size=5), INSTANTS | JSON, max_size=3),
                "last_sent": INSTANTS | JSON,
                "sent_day": st.sampled_from(["2026-01-01", "2026-13-01"]) | JSON,
                "sent_count": JSON,
            },
        )
        | JSON,
        "pause": st.fixed_dictionaries({"until": INSTANTS | JSON}) | JSON,
        "paused_until": st.sampled_from(["9999-01-01T00:00:00+00:00", "2026-01-01T00:00:00"]) | JSON,
    },
)


@pytest.mark.robustness
@settings(max_examples=scale(500, 5000), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(PLAUSIBLE | JSON)
def test_any_json_in_the_state_file_loads_or_is_set_aside(tmp_path: Path, data: object) -> None:
    """Whatever JSON a hand or another version leaves, loading gives a usable state or sets the file aside."""
    path = tmp_path / "fuzz" / "state.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(data))
    told: list[str] = []
    state = StateFile(path).load(tell=told.append)
    json.dumps(state.to_json())  # usable: it can be saved again
    now = datetime(2026, 6, 1, tzinfo=timezone.utc)
    Reminders(BANK, state, timezone.utc, now).next_due(now)  # and planned with
    if told:
        assert told[0].startswith(f"The saved progress in {path} could not be read (")
        assert path.with_suffix(".bad").read_text() == json.dumps(data)
        assert not path.exists()


def test_a_version_1_state_file_keeps_its_pause(tmp_path: Path) -> None:
    """An older file's pause (an instant; the year 9999 meaning "until you resume") is understood."""
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"seed": 3, "paused_until": "9999-01-01T00:00:00+00:00"}))
    assert StateFile(path).load().pause == Pause(None)
    path.write_text(json.dumps({"seed": 3, "paused_until": "2026-01-01T10:00:00+00:00"}))
    assert StateFile(path).load().pause == Pause(datetime(2026, 1, 1, 10, tzinfo=timezone.utc))


def test_a_state_file_of_ours_left_readable_is_made_private_again(tmp_path: Path) -> None:
    """A state file found 0644 (and its folder 0755) is tightened to 0600 and 0700 when read."""
    path = tmp_path / "state" / "state.json"
    StateFile(path).save(ServiceState.fresh(1))
    path.chmod(0o644)
    path.parent.chmod(0o755)
    StateFile(path).load()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_link_where_the_state_goes_is_never_written_through(tmp_path: Path) -> None:
    """A symlink at the state file's name is refused on reading and replaced, not followed, on saving."""
    target = tmp_path / "someone-elses-file"
    target.write_text("precious")
    path = tmp_path / "state" / "state.json"
    path.parent.mkdir()
    os.symlink(target, path)
    with pytest.raises(DmerTipsError, match="this is a link — remove it"):
        StateFile(path).load()
    StateFile(path).save(ServiceState.fresh(1))
    assert target.read_text() == "precious"
    assert not path.is_symlink() and json.loads(path.read_text())["seed"] == 1


@pytest.mark.slow
def test_the_service_says_when_it_sets_a_state_file_aside(private_home: Path) -> None:
    """A state file it cannot use is named in the service's first lines, and the service runs."""
    state = private_home / ".local" / "state" / "dmer-tips" / "state.json"
    state.parent.mkdir(parents=True)
    state.write_text('{"seed": "not a number"}')
    with ServiceProcess() as service:
        assert service.status()["running"] is True
        assert service.stop() == 0
    assert f"The saved progress in {state} could not be read (seed is not a whole number); starting afresh" in (
        service.output
    )
