"""Every control command against a real service process with a temporary home."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dmer_tips.bank.load import load_tip_bank
from dmer_tips.paths import bundled_tips_path

from .columns import lines_too_long
from .conftest import MINIMAL_BANK
from .serviceproc import ServiceProcess, cli, control_file, wait_until
from .test_cli import editor

pytestmark = pytest.mark.slow


@pytest.fixture
def service() -> Iterator[ServiceProcess]:
    running = ServiceProcess()
    yield running
    running.stop()


def test_status_reports_the_running_service(service: ServiceProcess) -> None:
    """`status` shows pid, tip file, last reload, pause, what was sent today and what is next."""
    done = cli("status")
    assert done.returncode == 0
    assert f"dmer-tips is running (pid {service.process.pid})" in done.stdout
    assert "(60 tips)" in done.stdout and "last reload: OK" in done.stdout and "paused:      no" in done.stdout
    status = service.status()
    assert status["pid"] == service.process.pid and status["sent_today"] == 0
    assert set(status["next"]) >= {"grounding", "water"}


def test_commands_without_a_service_say_so_with_exit_3() -> None:
    """With no service, control commands explain and exit 3; `tip` prints a tip here instead."""
    for argv in (("status",), ("pause", "1h"), ("resume",), ("reload",), ("stop",)):
        done = cli(*argv)
        assert done.returncode == 3, argv
        assert "not running" in done.stdout + done.stderr
    done = cli("tip", "grounding")
    grounding = load_tip_bank(bundled_tips_path()).category("grounding").tips
    assert done.returncode == 0 and done.stdout.splitlines()[0] in {tip.title for tip in grounding}


def test_second_instance_is_refused(service: ServiceProcess) -> None:
    """A second `run` says it is already running, with the first one's pid, and exits 4."""
    done = cli("run")
    assert done.returncode == 4
    assert (
        done.stderr
        == f"Error: already running (pid {service.process.pid}) — stop it with `dmer-tips stop`, or see `dmer-tips status`\n"
    )


def test_killed_service_leaves_no_stale_lock_or_socket() -> None:
    """After SIGKILL a new service starts at once: no stale lock; the old socket is removed, and the old
    control.json can never reach the new service (its socket has a new name)."""
    first = ServiceProcess()
    old_address = json.loads(control_file().read_text())["address"]
    first.kill()
    second = ServiceProcess()
    assert second.status()["pid"] == second.process.pid
    assert json.loads(control_file().read_text())["address"] != old_address
    assert not Path(old_address).exists()
    assert second.stop() == 0


def test_socket_and_key_are_private(service: ServiceProcess) -> None:
    """The socket is 0600 in a 0700 folder, and the file with the key is 0600."""
    socket_path = Path(json.loads(control_file().read_text())["address"])
    assert stat.S_IMODE(socket_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(socket_path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(control_file().stat().st_mode) == 0o600


def test_pause_resume_and_pause_across_a_restart() -> None:
    """A pause shows in status, survives a restart (which says so once), and `resume` ends it."""
    service = ServiceProcess()
    done = cli("pause", "2h")
    assert done.returncode == 0 and done.stdout.startswith("Reminders paused until ")
    until = service.status()["pause"]["until"]
    assert all(at is None or at >= until for at in service.status()["next"].values())
    assert service.stop() == 0
    again = ServiceProcess()
    assert again.status()["pause"]["until"] == until
    assert cli("resume").stdout == "Reminders resumed.\n"
    assert again.status()["pause"] is None
    assert again.stop() == 0
    assert again.output.count("Reminders are paused until ") == 1


def test_pause_until_a_time_and_until_morning(service: ServiceProcess) -> None:
    """`--until HH:MM` and `--until-morning` pause to a wall time; no argument pauses until resumed."""
    assert cli("pause", "--until", "23:59").returncode == 0
    assert service.status()["pause"]["text"] in ("until 23:59", "until tomorrow 23:59")
    assert cli("pause", "--until-morning").returncode == 0
    assert service.status()["pause"]["text"] in ("until 08:00", "until tomorrow 08:00")
    assert cli("pause").stdout == "Reminders paused until you resume.\n"
    bad = cli("pause", "soon")
    assert bad.returncode == 2
    assert (
        bad.stderr == 'Error: "soon" is not a length of time — use a number and a unit: 45s, 30m, 2h or 1d (or 1h30m)\n'
    )


def test_tip_goes_through_the_service_and_says_where_it_went(service: ServiceProcess) -> None:
    """`tip` asks the service, which shows it (here: prints it in its own terminal, having no desktop) and says so."""
    done = cli("tip", "magnesium")
    prefix = "The service printed it in its own terminal (the desktop cannot show it): Magnesium, gently: "
    assert done.returncode == 0 and done.stdout.startswith(prefix), done.stdout
    sent_text = done.stdout.removeprefix(prefix).strip()
    service.stop()
    assert sent_text in service.output


def test_stop_ends_the_service(service: ServiceProcess) -> None:
    """`stop` ends the service promptly with exit 0 and removes its socket."""
    socket_path = Path(json.loads(control_file().read_text())["address"])
    assert cli("stop").stdout == "Stopped.\n"
    assert service.wait() == 0
    assert not socket_path.exists() and not control_file().exists()


def test_sighup_reloads(service: ServiceProcess) -> None:
    """SIGHUP makes the service re-read its file (the reload time moves on)."""
    before = service.status()["reload"]["at"]
    time.sleep(0.01)
    os.kill(service.process.pid, signal.SIGHUP)
    wait_until(lambda: service.status()["reload"]["at"] != before, what="the reload after SIGHUP")


def test_reload_command_reports_problems(write_tips: Callable[[str], Path]) -> None:
    """`reload` on a broken file lists the problems and exits 1; the service keeps its tips."""
    tips = write_tips(MINIMAL_BANK)
    service = ServiceProcess(tips)
    try:
        tips.write_text(MINIMAL_BANK.replace('"10:00"', "10:00"))
        done = cli("reload")
        assert done.returncode == 1
        assert f'{tips}:6:11: "at" 10:00 was read as a number of minutes' in done.stderr
        assert service.status()["tips"] == 1
    finally:
        service.stop()


def test_the_service_switches_to_the_copy_edit_makes(service: ServiceProcess, tmp_path: Path) -> None:
    """A service on the bundled tips picks up the user's copy as soon as `edit` makes it: no restart needed."""
    assert service.status()["tips_file"].endswith(os.path.join("dmer_tips", "tips.yaml"))
    done = cli("edit", env={"VISUAL": editor(tmp_path, "sed -i 's/Through the wave/Through it all/' \"$1\"")})
    assert done.returncode == 0, done.stderr
    copy = private_home_tips()
    wait_until(lambda: service.status()["tips_file"] == str(copy), what="the service to switch to the copy")
    assert "Note:" not in done.stdout
    wait_until(lambda: service.status()["reload"]["ok"], what="the copy to be loaded")
    assert "Through it all" in cli("tips", "--category", "grounding").stdout


def test_edit_points_out_a_service_that_uses_another_file(write_tips: Callable[[str], Path], tmp_path: Path) -> None:
    """A service started with --tips keeps its file; `edit` of the user's copy says so, with how to switch."""
    with ServiceProcess(write_tips(MINIMAL_BANK)) as service:
        done = cli("edit", env={"VISUAL": editor(tmp_path, "exit 0")})
        assert done.returncode == 0, done.stderr
        assert "Note: the running service uses " in done.stdout
        assert "restart it (`dmer-tips stop`, then `dmer-tips run`)" in done.stdout
        assert service.stop() == 0


def private_home_tips() -> Path:
    from dmer_tips.paths import AppPaths

    return AppPaths.for_user().user_tips_file


def test_pause_lengths_read_as_people_say_them(service: ServiceProcess) -> None:
    """A long pause names its date; an empty, negative or absurd one is refused in one line; resume says if it did anything."""
    long = cli("pause", "30d")
    assert long.returncode == 0 and re.fullmatch(
        r"Reminders paused until \w{3} \d{1,2} \w{3} \d\d:\d\d\.\n", long.stdout
    )
    for argv, error in (
        (("pause", "0m"), "Error: a pause must last a while — give a length like 30m or 2h\n"),
        (("pause", "-5m"), 'Error: "-5m" is negative — give a positive value (see `dmer-tips pause --help`)\n'),
    ):
        done = cli(*argv)
        assert done.returncode in (1, 2) and done.stderr == error, argv
    absurd = cli("pause", "100000h")
    assert absurd.returncode == 1 and absurd.stderr.startswith(
        "Error: 4166d16h is longer than a pause can be (60 days)"
    )
    assert cli("pause").returncode == 0
    status = cli("status").stdout
    assert "paused:      until you resume" in status and "next:        nothing until you resume" in status
    assert cli("preview", "--days", "2").stdout == (
        "Reminders are paused until you resume (`dmer-tips resume` ends the pause).\n"
        "Nothing would be sent in that time.\n"
    )
    assert cli("resume").stdout == "Reminders resumed.\n"
    assert cli("resume").stdout == "Nothing was paused; reminders are on.\n"


def test_status_fits_80_columns_without_breaking_words(service: ServiceProcess) -> None:
    """In an 80-column terminal every status line fits, broken only between words (a path longer than the line,
    as from a deep install, stays whole on a line of its own)."""
    done = cli("status", env={"COLUMNS": "80"})
    assert done.returncode == 0
    assert lines_too_long(done.stdout, 80) == [], done.stdout


def test_next_follows_the_running_service_and_its_file(write_tips: Callable[[str], Path]) -> None:
    """With a service on another tips file, `next` lists that file's categories, as the service will send them."""
    with ServiceProcess(write_tips(MINIMAL_BANK)) as service:
        done = cli("next", "--json")
        assert done.returncode == 0 and list(json.loads(done.stdout)) == ["water"]
        assert service.stop() == 0


def test_control_json_taken_by_a_folder_is_one_clear_error(private_home: Path) -> None:
    """A folder where the control file goes: `run` stops with one error line and leaves nothing behind."""
    (private_home / ".local" / "state" / "dmer-tips" / "control.json").mkdir(parents=True)
    done = cli("run")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1].startswith("Error: ") and "control.json" in done.stderr
    assert list((private_home / ".local" / "state" / "dmer-tips").glob("control-*.sock")) == []
