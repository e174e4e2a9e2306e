"""A machine shared with others: another local account plants folders and links where dmer-tips writes.

The other account is `nobody`, acting through real processes; the service runs as the test's user.
Another user must never be able to stop, redirect or read the service, or make it write somewhere else.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from dmer_tips.paths import AppPaths

from .conftest import require
from .serviceproc import ServiceProcess, cli

pytestmark = pytest.mark.slow


@pytest.fixture
def intruder() -> pwd.struct_passwd:
    """The other local account, for tests that need root to act as it."""
    require(hasattr(os, "getuid") and os.getuid() == 0, "acting as a second local account needs root")
    return pwd.getpwnam("nobody")


def as_intruder(intruder: pwd.struct_passwd, code: str) -> subprocess.CompletedProcess[str]:
    """Run Python `code` as the other account (with a Python it may run); it prints what it managed to do."""
    python = shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin")
    require(python is not None, "acting as a second account needs a system python3 it may run")
    assert python is not None
    return subprocess.run(
        [python, "-c", code],
        user=intruder.pw_uid,
        group=intruder.pw_gid,
        extra_groups=[],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
        cwd="/",
    )


@pytest.fixture
def shared_folder(intruder: pwd.struct_passwd) -> Iterator[Path]:
    """A world-writable sticky folder like /tmp, private to this test."""
    folder = Path(tempfile.mkdtemp(prefix="dt-shared-"))
    folder.chmod(0o1777)
    yield folder
    subprocess.run(["rm", "-rf", str(folder)], check=False)


def test_without_a_runtime_dir_the_socket_folder_cannot_be_planted(
    intruder: pwd.struct_passwd, private_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With XDG_RUNTIME_DIR unset and a long home path, the predictable /tmp names others made are ignored."""
    deep_home = tmp_path / ("h" * 90)
    deep_home.mkdir()
    monkeypatch.setenv("HOME", str(deep_home))
    for variable in ("XDG_RUNTIME_DIR", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.delenv(variable, raising=False)
    planted = [Path(tempfile.gettempdir()) / f"dmer-tips-{os.getuid()}", Path(tempfile.gettempdir()) / "dmer-tips"]
    made = as_intruder(
        intruder,
        "import os\n"
        f"os.mkdir({str(planted[0])!r}, 0o777); os.chmod({str(planted[0])!r}, 0o777)\n"
        f"os.symlink('/', {str(planted[1])!r})\n"
        "print('planted')",
    )
    try:
        assert made.stdout == "planted\n", made.stderr
        with ServiceProcess() as service:
            address = Path(json.loads(AppPaths.for_user().control_file.read_text())["address"])
            folder_info = address.parent.stat()
            assert address.parent not in planted and address.parent.parent == Path(tempfile.gettempdir())
            assert folder_info.st_uid == os.getuid() and stat.S_IMODE(folder_info.st_mode) == 0o700
            assert list(planted[0].iterdir()) == [] and stat.S_IMODE(planted[0].stat().st_mode) == 0o777
            assert service.stop() == 0
        assert not address.parent.exists(), "the random folder is removed on stop"
    finally:
        subprocess.run(["rm", "-rf", str(planted[0]), str(planted[1])], check=False)


def test_another_account_cannot_reach_or_read_the_service(intruder: pwd.struct_passwd, private_home: Path) -> None:
    """As the other account: the key file cannot be read and the socket cannot be connected to."""
    private_home.chmod(0o755)  # a home others may look into, as on many systems
    for parent in private_home.parents:
        if parent != Path("/") and parent.stat().st_uid == os.getuid():
            parent.chmod(parent.stat().st_mode | 0o005)
    with ServiceProcess() as service:
        endpoint = AppPaths.for_user().control_file
        address = json.loads(endpoint.read_text())["address"]
        tried = as_intruder(
            intruder,
            "import socket\n"
            f"for what, act in (('read', lambda: open({str(endpoint)!r}).read()), "
            f"('connect', lambda: socket.socket(socket.AF_UNIX).connect({address!r}))):\n"
            "    try:\n        act(); print(what, 'worked')\n"
            "    except PermissionError:\n        print(what, 'refused')\n",
        )
        assert tried.stdout.splitlines() == ["read refused", "connect refused"], tried.stderr
        assert service.status()["running"] is True
        assert service.stop() == 0


def test_a_runtime_dir_that_is_not_ours_is_not_used(
    intruder: pwd.struct_passwd, shared_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """XDG_RUNTIME_DIR pointing at another account's folder: the socket goes elsewhere, nothing is written there."""
    theirs = shared_folder / "run"
    made = as_intruder(intruder, f"import os; os.mkdir({str(theirs)!r}, 0o777); os.chmod({str(theirs)!r}, 0o777)")
    assert made.returncode == 0, made.stderr
    assert theirs.stat().st_uid == intruder.pw_uid
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(theirs))
    made = as_intruder(intruder, f"import os; os.mkdir({str(theirs / 'dmer-tips')!r}, 0o777)")
    assert made.returncode == 0, made.stderr
    with ServiceProcess() as service:
        address = json.loads(AppPaths.for_user().control_file.read_text())["address"]
        assert not address.startswith(str(theirs))
        assert list((theirs / "dmer-tips").iterdir()) == []
        assert service.stop() == 0


@pytest.mark.parametrize("planted", ["a link", "a folder of theirs"])
def test_a_planted_state_folder_is_refused_with_a_clear_message(
    intruder: pwd.struct_passwd, shared_folder: Path, monkeypatch: pytest.MonkeyPatch, planted: str
) -> None:
    """XDG_STATE_HOME in a shared folder where another account made `dmer-tips` first: `run` refuses, writes nothing."""
    monkeypatch.setenv("XDG_STATE_HOME", str(shared_folder))
    target = shared_folder / "dmer-tips"
    lure = shared_folder / "lure"
    code = (
        f"import os; os.mkdir({str(lure)!r}, 0o777); os.chmod({str(lure)!r}, 0o777); os.symlink({str(lure)!r}, {str(target)!r})"
        if planted == "a link"
        else f"import os; os.mkdir({str(target)!r}, 0o777); os.chmod({str(target)!r}, 0o777)"
    )
    assert as_intruder(intruder, code).returncode == 0
    done = cli("run")
    assert done.returncode == 1
    expected = "this is a link, not a folder" if planted == "a link" else "belongs to another user"
    assert f"Error: {target}: " in done.stderr and expected in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert list((lure if planted == "a link" else target).iterdir()) == [], "nothing was written into their folder"


def test_links_inside_the_state_folder_are_never_written_through(private_home: Path, tmp_path: Path) -> None:
    """A link at the log's name: the service logs to its terminal instead and says why; a link at the state
    file's name: `run` refuses with what to do. Neither link's target is touched."""
    paths = AppPaths.for_user()
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    paths.log_dir.mkdir(parents=True)
    os.symlink(outside, paths.log_dir / "dmer-tips.log")
    with ServiceProcess() as service:
        assert service.stop() == 0
    assert "Warning: cannot write the log in " in service.output and "this is a link" in service.output
    paths.state_file.unlink()
    os.symlink(outside, paths.state_file)
    done = cli("run")
    assert done.returncode == 1
    assert (
        f"Error: {paths.state_file}: this is a link — remove it; dmer-tips only writes its own files\n" in done.stderr
    )
    assert outside.read_text() == "keep me"


def test_a_link_at_the_lock_file_is_refused(private_home: Path, tmp_path: Path) -> None:
    """The lock file's name taken by a link: `run` refuses with what to do, and the link's target is untouched."""
    paths = AppPaths.for_user()
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    paths.state_dir.mkdir(parents=True)
    os.symlink(outside, paths.lock_file)
    done = cli("run")
    assert done.returncode == 1
    assert done.stderr == f"Error: {paths.lock_file}: this is a link — remove it; dmer-tips only writes its own files\n"
    assert outside.read_text() == "keep me"


def test_files_of_ours_left_open_to_others_are_made_private(private_home: Path) -> None:
    """A state folder, log and lock found readable by others are tightened to 0700/0600 when the service starts."""
    paths = AppPaths.for_user()
    paths.log_dir.mkdir(parents=True)
    for file in (paths.log_dir / "dmer-tips.log", paths.lock_file):
        file.write_text("")
        file.chmod(0o644)
    paths.state_dir.chmod(0o755)
    with ServiceProcess() as service:
        assert service.stop() == 0
    assert stat.S_IMODE(paths.state_dir.stat().st_mode) == 0o700
    for file in (paths.log_dir / "dmer-tips.log", paths.lock_file, paths.state_file):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
