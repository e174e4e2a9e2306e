"""The episode journal: a private SQLite file in the state dir. Nothing ever leaves the machine.

`sqlite3` is imported where the file is opened: the service holds a Journal all day but opens it only when
an answer is written, and the module costs an idle service about 1 MB.
"""

from __future__ import annotations

import csv
import io
import logging
import os
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from dmer_tips.errors import DmerTipsError

if TYPE_CHECKING:
    import sqlite3
from dmer_tips.storage import open_private, replace_atomically

MAX_INTENSITY = 5
BUSY_TIMEOUT_S = 10.0  # how long to wait for another program (or another `dmer-tips log`) to finish writing
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26
log = logging.getLogger(__name__)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS episodes (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,          -- UTC, ISO 8601
    intensity INTEGER,         -- 0 (none) to 5 (strongest), or NULL when not given
    feelings TEXT NOT NULL,    -- space-separated words
    note TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class Episode:
    at: datetime
    intensity: int | None  # 0: a feed or pump without D-MER; 1 to 5: how strong the wave was
    feelings: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class Day:
    """One day of the chart: episodes of D-MER, entries saying "none this time" (`calm`), and the average
    intensity of the rated episodes (None when none was rated)."""

    day: date
    episodes: int
    calm: int
    average: float | None


class Journal:
    """The private journal at `path`. Every failure is a DmerTipsError that says the entry was not saved;
    a journal that is not a database any more is set aside (`tell` says where) and a fresh one started.
    """

    def __init__(
        self, path: Path, tell: Callable[[str], None] = log.warning, busy_timeout_s: float = BUSY_TIMEOUT_S
    ) -> None:
        self.path = path
        self.tell = tell
        self.busy_timeout_s = busy_timeout_s

    def record(self, episode: Episode) -> None:
        if episode.intensity is not None and not 0 <= episode.intensity <= MAX_INTENSITY:
            raise DmerTipsError(
                f"intensity {episode.intensity} is out of range — use 0 (no D-MER this time) to 5 (the strongest)"
            )
        row = (
            episode.at.astimezone(timezone.utc).isoformat(),
            episode.intensity,
            " ".join(episode.feelings),
            episode.note,
        )
        import sqlite3

        try:
            self._write(row)
        except sqlite3.DatabaseError as error:
            if not _is_damaged(error):  # damage SQLite notices only when writing: set it aside, write afresh
                raise DmerTipsError(
                    f"{self.path}: {_explain(error)} — this entry was NOT saved; {_fix(error)}"
                ) from None
            self._set_aside()
            self._write(row)
        except sqlite3.Error as error:
            raise DmerTipsError(f"{self.path}: {_explain(error)} — this entry was NOT saved; {_fix(error)}") from None

    def _write(self, row: tuple[object, ...]) -> None:
        with closing(self._open()) as db, db:
            db.execute("INSERT INTO episodes (at, intensity, feelings, note) VALUES (?, ?, ?, ?)", row)

    def latest(self) -> datetime | None:
        """When the last entry was made, or None for an empty or missing journal."""
        episodes = self.since(datetime.min.replace(tzinfo=timezone.utc))
        return episodes[-1].at if episodes else None

    def since(self, start: datetime) -> list[Episode]:
        """Episodes from `start` on, oldest first; rows damaged by hand are skipped (and counted in the log)."""
        if not os.path.lexists(self.path):
            return []
        import sqlite3

        try:
            with closing(self._open()) as db:
                rows = db.execute("SELECT at, intensity, feelings, note FROM episodes ORDER BY at").fetchall()
        except sqlite3.Error as error:
            raise DmerTipsError(f"{self.path}: {_explain(error)} — {_fix(error)}") from None
        episodes = [episode for episode in map(_episode, rows) if episode is not None]
        if len(episodes) < len(rows):
            log.warning("skipped %d damaged rows in %s", len(rows) - len(episodes), self.path)
        return [e for e in episodes if e.at >= start]

    def _open(self) -> sqlite3.Connection:
        import sqlite3

        try:
            return self._connect()
        except sqlite3.DatabaseError as error:
            if not _is_damaged(error):
                raise
        self._set_aside()
        return self._connect()

    def _set_aside(self) -> None:
        """Keep a damaged journal (with SQLite's files beside it, which belong to it) under a new name."""
        aside = self.path.with_name(f"{self.path.name}.damaged-{datetime.now():%Y%m%d-%H%M%S-%f}")
        try:
            os.replace(self.path, aside)
            for suffix in ("-journal", "-wal", "-shm"):
                beside = self.path.with_name(self.path.name + suffix)
                if os.path.lexists(beside):
                    os.replace(beside, aside.with_name(aside.name + suffix))
        except OSError as error:
            raise DmerTipsError(
                f"{self.path}: the journal is damaged and cannot be set aside ({error.strerror}) — move it away by hand"
            ) from None
        self.tell(
            f"Your journal could not be read (it is no longer a journal database); it is kept as {aside}"
            " and a new one was started."
        )

    def _connect(self) -> sqlite3.Connection:
        os.close(open_private(self.path))  # private, ours, and not a planted link, before SQLite opens it by name
        import sqlite3

        db = sqlite3.connect(self.path, timeout=self.busy_timeout_s)
        try:
            db.execute(_SCHEMA)
        except BaseException:
            db.close()
            raise
        return db


def _episode(row: tuple[object, ...]) -> Episode | None:
    at, intensity, feelings, note = row
    try:
        moment = datetime.fromisoformat(at) if isinstance(at, str) else None
    except ValueError:
        return None
    if moment is None or moment.tzinfo is None or not isinstance(feelings, str) or not isinstance(note, str):
        return None
    if intensity is not None and (type(intensity) is not int or not 0 <= intensity <= MAX_INTENSITY):
        return None
    return Episode(moment, intensity, tuple(feelings.split()), note)


def _is_damaged(error: sqlite3.DatabaseError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    return "not a database" in str(error) or "malformed" in str(error)


def _explain(error: sqlite3.Error) -> str:
    text = str(error)
    if "locked" in text or "busy" in text:
        return "the journal is in use by another program"
    if "full" in text:
        return "the disk is full"
    return f"the journal could not be used ({text})"


def _fix(error: sqlite3.Error) -> str:
    text = str(error)
    if "locked" in text or "busy" in text:
        return "close the program that has it open and try again"
    return "free some space or check the state folder (`dmer-tips where`), then try again"


def days(episodes: list[Episode], first: date, last: date, zone: tzinfo) -> list[Day]:
    """Every day from `first` to `last` (local dates), including days with no episodes."""
    by_day: dict[date, list[Episode]] = {}
    for episode in episodes:
        by_day.setdefault(episode.at.astimezone(zone).date(), []).append(episode)
    result = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        found = by_day.get(day, [])
        episodes = [e for e in found if e.intensity != 0]
        rated = [e.intensity for e in episodes if e.intensity is not None]
        result.append(Day(day, len(episodes), len(found) - len(episodes), sum(rated) / len(rated) if rated else None))
    return result


def export_csv(episodes: list[Episode], target: Path, zone: tzinfo, replace: bool = False) -> None:
    """One row per episode, in local time, for a lactation consultant or provider; private (0600) like the journal.
    A file already at `target` is written over only when `replace` says so."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["time", "intensity (0-5)", "feelings", "note"])
    for e in episodes:
        writer.writerow(
            [
                e.at.astimezone(zone).isoformat(timespec="minutes"),
                "" if e.intensity is None else e.intensity,
                " ".join(e.feelings),
                e.note,
            ]
        )
    try:
        replace_atomically(target, buffer.getvalue().encode("utf-8"), overwrite=replace)
    except FileExistsError:
        raise DmerTipsError(
            f"{target} already exists — choose another name, or add --replace to write over it"
        ) from None
