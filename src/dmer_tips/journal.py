"""The episode journal: a private SQLite file in the state dir. Nothing ever leaves the machine."""

from __future__ import annotations

import csv
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path

from dmer_tips.errors import DmerTipsError
from dmer_tips.storage import PRIVATE_FILE, private_dir

MAX_INTENSITY = 5
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
    intensity: int | None
    feelings: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class Day:
    """One day of the chart: how many episodes, and their average intensity (None when none was given)."""

    day: date
    episodes: int
    average: float | None


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path

    def record(self, episode: Episode) -> None:
        if episode.intensity is not None and not 0 <= episode.intensity <= MAX_INTENSITY:
            raise DmerTipsError(
                f"intensity {episode.intensity} is out of range — use 0 (no D-MER this time) to 5 (the strongest)"
            )
        with closing(self._connect()) as db, db:
            db.execute(
                "INSERT INTO episodes (at, intensity, feelings, note) VALUES (?, ?, ?, ?)",
                (
                    episode.at.astimezone(timezone.utc).isoformat(),
                    episode.intensity,
                    " ".join(episode.feelings),
                    episode.note,
                ),
            )

    def since(self, start: datetime) -> list[Episode]:
        if not self.path.exists():
            return []
        with closing(self._connect()) as db:
            rows = db.execute("SELECT at, intensity, feelings, note FROM episodes ORDER BY at").fetchall()
        episodes = [
            Episode(datetime.fromisoformat(at), intensity, tuple(feelings.split()), note)
            for at, intensity, feelings, note in rows
        ]
        return [e for e in episodes if e.at >= start]

    def _connect(self) -> sqlite3.Connection:
        private_dir(self.path.parent)
        fresh = not self.path.exists()
        try:
            db = sqlite3.connect(self.path)
            db.execute(_SCHEMA)
        except sqlite3.Error as error:
            raise DmerTipsError(
                f"{self.path}: the journal cannot be opened ({error}) — check the file and its folder"
            ) from None
        if fresh:
            self.path.chmod(PRIVATE_FILE)
        return db


def days(episodes: list[Episode], first: date, last: date, zone: tzinfo) -> list[Day]:
    """Every day from `first` to `last` (local dates), including days with no episodes."""
    by_day: dict[date, list[Episode]] = {}
    for episode in episodes:
        by_day.setdefault(episode.at.astimezone(zone).date(), []).append(episode)
    result = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        found = by_day.get(day, [])
        rated = [e.intensity for e in found if e.intensity is not None]
        result.append(Day(day, len(found), sum(rated) / len(rated) if rated else None))
    return result


def export_csv(episodes: list[Episode], target: Path, zone: tzinfo) -> None:
    """One row per episode, in local time, for a lactation consultant or provider."""
    try:
        with open(target, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
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
    except OSError as error:
        raise DmerTipsError(f"{target}: cannot be written ({error.strerror}) — choose another place") from None
