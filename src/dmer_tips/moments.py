"""How a moment is said to people, in one place for every command and message (light: `status` uses it)."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo


def describe_moment(moment: datetime, zone: tzinfo, now: datetime) -> str:
    """`15:00` today, `tomorrow 08:00`, `Wed 2 Dec 15:00` further away, and the year when it is another one."""
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    if local.date() == today:
        return f"{local:%H:%M}"
    if local.date() == today + timedelta(days=1):
        return f"tomorrow {local:%H:%M}"
    year = f" {local.year}" if local.year != today.year else ""
    return f"{local:%a} {local.day} {local:%b}{year} {local:%H:%M}"


def describe_wait(moment: datetime, now: datetime) -> str:
    """`in 1h20m`, `in 3d2h`, or `in under a minute`."""
    minutes = round(max((moment - now).total_seconds(), 0) / 60)
    if minutes == 0:
        return "in under a minute"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{value}{unit}" for value, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if value]
    return "in " + "".join(parts)
