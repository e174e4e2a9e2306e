"""Plain-text and JSON renderings of the tip bank for the terminal."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from dmer_tips.bank.model import Tip, TipBank, WaitWhile
from dmer_tips.moments import describe_moment, describe_wait
from dmer_tips.schedule.planner import Due
from dmer_tips.schedule.reminders import Sent
from dmer_tips.schedule.rhythm import Feed
from dmer_tips.terminal import counted
from dmer_tips.timespec import format_duration

if TYPE_CHECKING:
    from dmer_tips.journal import Day

NOT_MEDICAL_ADVICE = "dmer-tips offers gentle reminders, not medical advice; talk to your provider about your care."
# Shown once, the first time the service runs (and the same words open the README).
WELCOME_TITLE = "Welcome to D-MER Tips"
WELCOME_TEXT = (
    "Gentle D-MER reminders, not medical advice. Thoughts of harming yourself or your baby? Tell someone near "
    "you now and call your local emergency number or a crisis line where you live. To pause: press Quiet today "
    "on any reminder, or run dmer-tips pause."
)


def bank_summary(bank: TipBank) -> str:
    """What `check` prints for a valid bank: counts, the global rules, each schedule in words, then any notes."""
    settings = bank.settings
    quiet = f"quiet {settings.quiet_hours}" if settings.quiet_hours else "no quiet hours"
    shown = f"shown for {format_duration(settings.show_for)}" if settings.show_for else "shown until dismissed"
    lines = [
        f"{bank.path}: OK, {counted(len(bank.categories), 'category', 'categories')}, {counted(len(bank.tips), 'tip')}.",
        f"{quiet}; at least {format_duration(settings.min_gap)} apart; at most {settings.daily_max} a day; "
        f"a missed reminder is still sent up to {format_duration(settings.grace)} late; {shown};"
        f" Later brings a tip back after {format_duration(settings.snooze)}.",
        _waiting(settings.wait_while, has_rhythms=bool(bank.rhythms))
        + (" Discreet titles." if settings.discreet else ""),
    ]
    width = max((len(c.name) for c in bank.categories), default=0)
    for category in bank.categories:
        lines.append(
            f"  {category.name:<{width}}  {counted(len(category.tips), 'tip'):>8}  {category.schedule.describe()}"
        )
    lines += [f"  rhythm {rhythm.name}: {rhythm.describe()}" for rhythm in bank.rhythms]
    if bank.notes:
        lines.append(f"{counted(len(bank.notes), 'note')} (the file works; these would make it read better):")
        lines += [f"  {note}" for note in bank.notes]
    return "\n".join(lines)


def _waiting(wait: WaitWhile, has_rhythms: bool) -> str:
    """When a due reminder waits for the person, in words (and whether heads-ups do, where there are any)."""
    reasons = [
        *(["the screen is locked"] if wait.screen_locked else []),
        *([f"you are away ({format_duration(wait.away)} without keyboard or mouse)"] if wait.away else []),
        *(["do-not-disturb is on"] if wait.do_not_disturb else []),
    ]
    if not reasons:
        return "Reminders never wait (wait_while: no)."
    listed = ", ".join(reasons[:-1]) + (" or " if len(reasons) > 1 else "") + reasons[-1]
    if not has_rhythms:
        return f"A reminder waits while {listed}."
    return f"A reminder waits while {listed}" + ("; heads-ups too." if wait.heads_ups else "; heads-ups do not.")


def tips_listing(tips: list[Tip]) -> str:
    return "\n".join(f"{tip.category}/{tip.id}: {titled(tip.title, tip.text)}" for tip in tips)


def titled(title: str, text: str) -> str:
    """`Title: text`, or `Title? text` when the title ends its own sentence; spaces as one (a double space in a
    text would read as a column gap to the terminal's wrapping)."""
    text = " ".join(text.split())
    return f"{title} {text}" if title.endswith(("?", "!", ".")) else f"{title}: {text}"


def tips_json(tips: list[Tip]) -> str:
    records = [
        {"id": t.id, "category": t.category, "title": t.title, "text": t.text, "source": t.source.headline}
        for t in tips
    ]
    return json.dumps(records, indent=2, ensure_ascii=False)


def tip_for_terminal(tip: Tip) -> str:
    return f"{tip.title}\n{tip.text}\n(from “{tip.source.headline}”)"


def describe_due(due: Due, zone: tzinfo, now: datetime) -> str:
    """`grounding at Sun 10:04 (in 1h12m).`"""
    return f"{due.category} at {_when_at(due.at, zone, now)}."


def _when_at(at: datetime, zone: tzinfo, now: datetime) -> str:
    """`Mon 10:00 (in 1h)`, with the date when it is not within the coming week."""
    day = f"{at.astimezone(zone):%a %H:%M}" if at - now < timedelta(days=6) else describe_moment(at, zone, now)
    return f"{day} ({describe_wait(at, now)})"


def timeline_text(sent: list[Sent], heads_ups: list[Feed], zone: tzinfo) -> str:
    """Tips and heads-ups in time order, one per line."""
    if not sent and not heads_ups:
        return "Nothing would be sent in that time."
    width = max([len(s.tip.category) for s in sent] + [len(f.rhythm) for f in heads_ups])
    rows = [(s.at, f"{s.tip.category:<{width}}  {titled(s.tip.title, s.tip.text)}") for s in sent] + [
        (f.heads_up_at, f"{f.rhythm:<{width}}  heads-up for {f.at.astimezone(zone):%H:%M}") for f in heads_ups
    ]
    return "\n".join(f"{at.astimezone(zone):%a %Y-%m-%d %H:%M}  {row}" for at, row in sorted(rows, key=lambda r: r[0]))


def timeline_json(sent: list[Sent], heads_ups: list[Feed], zone: tzinfo) -> str:
    # Ordered by the instant, not by the text of the time: in the repeated hour of autumn, 02:30+01:00
    # comes after 02:30+02:00.
    records: list[tuple[datetime, dict[str, str]]] = [
        (
            s.at,
            {
                "time": s.at.isoformat(),
                "category": s.tip.category,
                "id": s.tip.id,
                "title": s.tip.title,
                "text": s.tip.text,
            },
        )
        for s in sent
    ] + [
        (
            f.heads_up_at,
            {
                "time": f.heads_up_at.astimezone(zone).isoformat(),
                "rhythm": f.rhythm,
                "heads_up_for": f.at.astimezone(zone).isoformat(),
            },
        )
        for f in heads_ups
    ]
    ordered = [record for _, record in sorted(records, key=lambda item: item[0])]
    return json.dumps(ordered, indent=2, ensure_ascii=False)


def upcoming_text(upcoming: dict[str, datetime | None], zone: tzinfo, now: datetime, paused: str | None = None) -> str:
    """Each category's next reminder, soonest first (after the pause, if `paused` says there is one)."""
    if paused == "until you resume":
        return "Reminders are paused until you resume (`dmer-tips resume`): nothing comes until then."
    width = max(len(name) for name in upcoming)
    ordered = sorted(upcoming.items(), key=lambda item: (item[1] is None, item[1] or now))
    lines = [f"{name:<{width}}  " + (_when_at(at, zone, now) if at else "not within two weeks") for name, at in ordered]
    return "\n".join(([f"Reminders are paused {paused}; after that:"] if paused else []) + lines)


def upcoming_json(upcoming: dict[str, datetime | None], zone: tzinfo) -> str:
    return json.dumps(
        {name: at.astimezone(zone).isoformat() if at else None for name, at in upcoming.items()}, indent=2
    )


def history_chart(days: list[Day]) -> str:
    """Episodes per day as a bar, the day's average intensity as five dots, oldest first.

    Entries of 0 ("no D-MER this time") are not episodes: they show as a count of calm feeds.
    """
    lines = [f"D-MER over the last {counted(len(days), 'day')} (episodes per day; average intensity 1-5)"]
    for d in days:
        bar = "■" * min(d.episodes, 20) + ("+" if d.episodes > 20 else "")
        dots = "" if d.average is None else "●" * _dots(d.average) + "○" * (5 - _dots(d.average)) + f" {d.average:.1f}"
        calm = f"   {d.calm} without" if d.calm else ""
        lines.append(f"{d.day:%a %Y-%m-%d}  {bar:<21} {d.episodes:>2}   {dots}{calm}".rstrip())
    total, calm_total = sum(d.episodes for d in days), sum(d.calm for d in days)
    summary = f"{counted(total, 'episode')} logged"
    if calm_total:
        summary += f", and {counted(calm_total, 'feed')} without D-MER"
    rated = [d.average for d in days if d.average is not None]
    if rated:
        half = len(days) // 2
        early = [d.average for d in days[:half] if d.average is not None]
        late = [d.average for d in days[half:] if d.average is not None]
        if early and late:
            summary += f"; average intensity {sum(early) / len(early):.1f} in the first half, {sum(late) / len(late):.1f} in the second"
    return "\n".join([*lines, summary + "."])


def _dots(average: float) -> int:
    """Filled dots for an average: 2.5 shows three (rounding half up, as people read it)."""
    return min(5, int(average + 0.5))
