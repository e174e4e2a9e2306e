"""When the next feed or pump is, and when its heads-up comes: pure functions shared by the service and `preview`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from itertools import islice

from dmer_tips.bank.model import Rhythm, TipBank
from dmer_tips.schedule.planner import Planner

_LOOK_AHEAD = 400  # slots of a schedule to look through for one outside quiet hours (weeks of any schedule)


@dataclass(frozen=True)
class Feed:
    """A feed or pump time of `rhythm` (`at`, UTC) and the moment its heads-up is due."""

    rhythm: str
    at: datetime
    heads_up_at: datetime


def next_feed(rhythm: Rhythm, bank: TipBank, zone: tzinfo, after: datetime, last_feed: datetime | None) -> Feed | None:
    """The first time of `rhythm` after `after` whose heads-up may be shown: outside quiet hours, unless the
    rhythm is for the night too. For feeding on demand, the one time `after_last` the last feed, if still ahead."""
    for at in _times(rhythm, bank, zone, after, last_feed):
        heads_up_at = at - rhythm.heads_up
        if heads_up_allowed(rhythm, bank, zone, heads_up_at):
            return Feed(rhythm.name, at, heads_up_at)
    return None


def heads_up_allowed(rhythm: Rhythm, bank: TipBank, zone: tzinfo, moment: datetime) -> bool:
    """Whether a heads-up of `rhythm` may be shown at `moment`: outside quiet hours, or at any time for the night."""
    quiet = None if rhythm.at_night else bank.settings.quiet_hours
    return quiet is None or not quiet.contains(moment.astimezone(zone).time())


def _times(
    rhythm: Rhythm, bank: TipBank, zone: tzinfo, after: datetime, last_feed: datetime | None
) -> Iterator[datetime]:
    if rhythm.schedule is not None:
        yield from islice(Planner(bank, zone, 0).slots_after(rhythm.schedule, after), _LOOK_AHEAD)
    elif rhythm.after_last is not None and last_feed is not None and last_feed + rhythm.after_last > after:
        yield last_feed + rhythm.after_last


def planned_feeds(
    bank: TipBank, zone: tzinfo, start: datetime, end: datetime, last_feed: datetime | None
) -> list[Feed]:
    """Every heads-up from `start` to `end`, for `preview`: each planned feed is taken to happen on time."""
    feeds: list[Feed] = []
    for rhythm in bank.rhythms:
        after, last = start, last_feed
        while (feed := next_feed(rhythm, bank, zone, after, last)) is not None and feed.heads_up_at <= end:
            if feed.heads_up_at >= start:
                feeds.append(feed)
            after, last = feed.at, feed.at
    return sorted(feeds, key=lambda feed: feed.heads_up_at)
