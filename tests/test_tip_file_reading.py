"""Tip files that are not plain files: refused at once with a located message, and never able to block the service."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from dmer_tips.paths import AppPaths

from .conftest import MINIMAL_BANK
from .serviceproc import ServiceProcess, cli, wait_until


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    """`check` on a named pipe answers at once instead of hanging until something writes to it."""
    fifo = tmp_path / "tips.yaml"
    os.mkfifo(fifo)
    done = cli("check", str(fifo))  # would hang until the helper's time-out if it waited for a writer
    assert done.returncode == 1
    assert done.stderr == (
        f"Error: {fifo}: this is not a regular file (a pipe, socket or device) — point at a tips.yaml file\n"
    )


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/null"])
def test_a_link_to_a_device_is_refused(tmp_path: Path, target: str) -> None:
    """A link to an endless (or empty) device is refused before anything is read from it."""
    link = tmp_path / "tips.yaml"
    os.symlink(target, link)
    done = cli("check", str(link))
    assert done.returncode == 1 and "this is not a regular file (a pipe, socket or device)" in done.stderr


def test_a_folder_says_it_is_a_folder(tmp_path: Path) -> None:
    """A folder given as the tip file is called a folder, with the way out."""
    done = cli("check", str(tmp_path))
    assert done.returncode == 1
    assert done.stderr == (
        f"Error: {tmp_path}: this is a folder, not a tip file — give the path of the tips.yaml file inside it\n"
    )


def test_a_huge_file_is_refused_by_its_size(tmp_path: Path) -> None:
    """A 9 MB file is refused from its size, with its line and column."""
    huge = tmp_path / "tips.yaml"
    with open(huge, "wb") as handle:
        handle.truncate(9 * 1024 * 1024)
    done = cli("check", str(huge))
    assert done.returncode == 1
    assert f"{huge}:1:1: the file is 9.4 MB, over the 8 MB limit" in done.stderr


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.slow
def test_special_files_swapped_in_never_block_or_balloon_the_service(write_tips: Callable[[str], Path]) -> None:
    """A pipe, then a link to /dev/zero, saved over the tips: status answers, the problem is shown, memory stays
    small, and the next good save is picked up."""
    tips = write_tips(MINIMAL_BANK)
    with ServiceProcess(tips) as service:
        start_rss = _rss_kb(service.process.pid)
        fifo = tips.with_name("incoming")
        os.mkfifo(fifo)
        os.replace(fifo, tips)
        wait_until(lambda: not service.status()["reload"]["ok"], what="the pipe to be refused")
        assert "this is not a regular file" in service.status()["reload"]["problems"][0]
        tips.unlink()
        os.symlink("/dev/zero", tips)
        assert cli("reload").returncode == 1
        assert service.status()["tips"] == 1, "the last good tips stay in use"
        assert _rss_kb(service.process.pid) < start_rss + 50_000, "the service read from an endless device"
        tips.unlink()
        tips.write_text(MINIMAL_BANK.replace("Have a sip of water.", "Water, slowly."))
        wait_until(lambda: service.status()["reload"]["ok"], what="the good save after the bad ones")
        assert service.stop() == 0


@pytest.mark.parametrize("where", ["state.json", "control.json"])
def test_a_pipe_where_our_own_files_go_never_hangs_a_command(private_home: Path, where: str) -> None:
    """A pipe at the state file or the control file: commands refuse it at once, saying what to do."""
    fifo = AppPaths.for_user().state_dir / where
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    done = cli("status" if where == "control.json" else "run")
    assert done.returncode == 1
    expected = (
        "cannot be read — stop any running service, remove the file"
        if where == "control.json"
        else "this is not a regular file — move it away; dmer-tips makes the file itself"
    )
    assert f"Error: {fifo}" in done.stderr and expected in done.stderr, done.stderr


@pytest.mark.slow
def test_a_pipe_where_the_log_goes_leaves_the_service_running(private_home: Path) -> None:
    """A pipe at the log file: the service logs to its terminal instead, says why, and runs."""
    log = AppPaths.for_user().log_dir / "dmer-tips.log"
    log.parent.mkdir(parents=True)
    os.mkfifo(log)
    with ServiceProcess() as service:
        assert service.status()["running"] is True
        assert service.stop() == 0
    assert f"Warning: cannot write the log in {log.parent} ({log}: this is not a regular file" in service.output
