"""The journal under trouble: a full disk, another program holding it, many writers at once, a damaged file.

Whatever happens, an entry is either saved or the person is told plainly that it was not; never a traceback.
"""

from __future__ import annotations

import os
import resource
import sqlite3
import stat
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dmer_tips.paths import AppPaths

from .serviceproc import cli, no_desktop_env


def journal_path() -> Path:
    return AppPaths.for_user().journal_file


def logged() -> list[tuple[int | None, str]]:
    with sqlite3.connect(journal_path()) as db:
        return list(db.execute("SELECT intensity, note FROM episodes ORDER BY id"))


@pytest.mark.slow
def test_many_log_commands_at_once_lose_nothing() -> None:
    """Twenty `dmer-tips log` commands started together: all twenty entries are in the journal."""
    assert cli("log", "1", "--note", "first").returncode == 0
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda i: cli("log", str(i % 6), "--note", f"entry {i}"), range(20)))
    assert [r.returncode for r in results] == [0] * 20, [r.stderr for r in results if r.returncode]
    assert sorted(note for _, note in logged()) == sorted(["first", *(f"entry {i}" for i in range(20))])


def test_a_journal_held_by_another_program_is_explained(private_home: Path) -> None:
    """While another program holds the journal locked, recording waits, then says the entry was NOT saved."""
    from datetime import datetime, timezone

    from dmer_tips.errors import DmerTipsError
    from dmer_tips.journal import Episode, Journal

    assert cli("log", "2").returncode == 0
    holder = sqlite3.connect(journal_path(), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DmerTipsError) as refused:
            Journal(journal_path(), busy_timeout_s=0.5).record(Episode(datetime.now(timezone.utc), 3, (), "locked"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert str(refused.value) == (
        f"{journal_path()}: the journal is in use by another program — this entry was NOT saved;"
        " close the program that has it open and try again"
    )
    assert logged() == [(2, "")]
    assert cli("log", "3", "--note", "after").returncode == 0


def test_a_full_disk_is_explained_and_the_journal_stays_whole(private_home: Path) -> None:
    """When the disk is full mid-write, `log` says the entry was NOT saved; earlier entries are intact."""
    assert cli("log", "2", "--note", "before").returncode == 0
    size = journal_path().stat().st_size

    def full_disk() -> None:  # the file may not grow: as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    done = subprocess.run(
        [sys.executable, "-m", "dmer_tips", "log", "4", "--note", "x" * 20_000],
        capture_output=True,
        text=True,
        env=no_desktop_env(),
        preexec_fn=full_disk,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith(f"Error: {journal_path()}: ")
    assert "this entry was NOT saved" in done.stderr and "Traceback" not in done.stderr
    assert logged() == [(2, "before")]


def test_a_damaged_journal_is_set_aside_and_a_fresh_one_started(private_home: Path) -> None:
    """A journal that is no longer a database is kept aside with a message; the new entry is saved."""
    journal_path().parent.mkdir(parents=True)
    journal_path().write_bytes(b"this is not a database, it was overwritten by mistake" * 100)
    done = cli("log", "3", "--note", "after the damage")
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("Your journal could not be read (it is no longer a journal database); it is kept as ")
    kept = [p for p in journal_path().parent.iterdir() if p.name.startswith("journal.sqlite3.damaged-")]
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"this is not a database")
    assert logged() == [(3, "after the damage")]


def test_rows_damaged_by_hand_are_skipped_not_fatal(private_home: Path) -> None:
    """A row someone edited into nonsense is left out of the history; the rest still shows."""
    assert cli("log", "2").returncode == 0
    with sqlite3.connect(journal_path()) as db:
        db.execute("INSERT INTO episodes (at, intensity, feelings, note) VALUES ('yesterday', 'lots', 3, 4)")
    done = cli("history", "--days", "2")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].startswith("1 episode logged")


def test_the_journal_and_its_exports_are_private(private_home: Path, tmp_path: Path) -> None:
    """The journal is 0600 in a 0700 folder (tightened if loosened), and a CSV export is 0600 too."""
    assert cli("log", "2").returncode == 0
    journal_path().chmod(0o644)
    assert cli("log", "1").returncode == 0
    assert stat.S_IMODE(journal_path().stat().st_mode) == 0o600
    assert stat.S_IMODE(journal_path().parent.stat().st_mode) == 0o700
    export = tmp_path / "for-my-consultant.csv"
    assert cli("history", "--csv", str(export)).returncode == 0
    assert stat.S_IMODE(export.stat().st_mode) == 0o600
    assert export.read_text().startswith("time,intensity (0-5),feelings,note")


def test_an_export_never_writes_over_a_file_unless_asked(private_home: Path, tmp_path: Path) -> None:
    """`history --csv notes.txt` with notes.txt already there keeps the notes and says how to replace it."""
    assert cli("log", "2").returncode == 0
    notes = tmp_path / "notes.txt"
    notes.write_text("my important notes")
    refused = cli("history", "--csv", str(notes))
    assert refused.returncode == 1
    assert refused.stderr == f"Error: {notes} already exists — choose another name, or add --replace to write over it\n"
    assert notes.read_text() == "my important notes" and list(tmp_path.glob(".notes.txt.*")) == []
    assert cli("history", "--csv", str(notes), "--replace").returncode == 0
    assert notes.read_text().startswith("time,intensity (0-5)")


def test_a_link_planted_where_the_journal_goes_is_refused(private_home: Path, tmp_path: Path) -> None:
    """If the journal's name is a symlink (to anywhere), `log` refuses instead of writing through it."""
    target = tmp_path / "elsewhere.sqlite3"
    journal_path().parent.mkdir(parents=True)
    os.symlink(target, journal_path())
    done = cli("log", "2")
    assert done.returncode == 1
    assert done.stderr == f"Error: {journal_path()}: this is a link — remove it; dmer-tips only writes its own files\n"
    assert not target.exists()


def test_concurrent_writers_in_one_process_lose_nothing(private_home: Path) -> None:
    """Threads writing through separate Journal objects (as the service and the CLI do) keep every entry."""
    from datetime import datetime, timezone

    from dmer_tips.journal import Episode, Journal

    errors: list[BaseException] = []

    def write(index: int) -> None:
        try:
            Journal(journal_path()).record(Episode(datetime.now(timezone.utc), index % 6, (), f"t{index}"))
        except BaseException as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(logged()) == 30


def test_a_journal_damaged_inside_is_set_aside_when_writing(private_home: Path) -> None:
    """A journal whose pages were overwritten is set aside, with a message, and the new entry is saved."""
    from datetime import datetime, timezone

    from dmer_tips.journal import Episode, Journal

    assert cli("log", "2").returncode == 0
    with open(journal_path(), "r+b") as handle:
        handle.seek(100)  # past the header SQLite checks on opening: the damage shows only when pages are read
        handle.write(b"\xff" * 4000)
    told: list[str] = []
    Journal(journal_path(), tell=told.append).record(Episode(datetime.now(timezone.utc), 4, (), "after"))
    assert told and told[0].startswith("Your journal could not be read")
    assert len([p for p in journal_path().parent.iterdir() if ".damaged-" in p.name]) == 1
    assert logged() == [(4, "after")]
