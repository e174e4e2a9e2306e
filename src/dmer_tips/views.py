"""Plain-text and JSON renderings of the tip bank for the terminal."""

from __future__ import annotations

import json

from dmer_tips.model import Tip, TipBank
from dmer_tips.timespec import format_duration

NOT_MEDICAL_ADVICE = "dmer-tips offers gentle reminders, not medical advice; talk to your provider about your care."


def bank_summary(bank: TipBank) -> str:
    """What `check` prints for a valid bank: counts, the global rules, each schedule in words."""
    settings = bank.settings
    quiet = f"quiet {settings.quiet_hours}" if settings.quiet_hours else "no quiet hours"
    lines = [
        f"{bank.path}: OK, {len(bank.categories)} categories, {len(bank.tips)} tips.",
        f"{quiet}; at least {format_duration(settings.min_gap)} apart; at most {settings.daily_max} a day; "
        f"a missed reminder is still sent up to {format_duration(settings.grace)} late.",
    ]
    width = max(len(c.name) for c in bank.categories)
    for category in bank.categories:
        count = f"{len(category.tips)} tips"
        lines.append(f"  {category.name:<{width}}  {count:>8}  {category.schedule.describe()}")
    return "\n".join(lines)


def tips_listing(tips: list[Tip]) -> str:
    return "\n".join(f"{tip.category}/{tip.id}: {tip.title}: {tip.text}" for tip in tips)


def tips_json(tips: list[Tip]) -> str:
    records = [
        {"id": t.id, "category": t.category, "title": t.title, "text": t.text, "source": t.source.headline}
        for t in tips
    ]
    return json.dumps(records, indent=2, ensure_ascii=False)


def tip_for_terminal(tip: Tip) -> str:
    return f"{tip.title}\n{tip.text}\n(from “{tip.source.headline}”)"
