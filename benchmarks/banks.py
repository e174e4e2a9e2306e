"""Generated tip banks for the benchmarks."""

from __future__ import annotations

HEADER = 'settings:\n  quiet_hours: "22:00-08:00"\nsources:\n  art: "An article"\ncategories:\n'


def generated_bank(tips: int, per_category: int = 100) -> str:
    """A valid bank of `tips` tips, `per_category` to a category."""
    parts = [HEADER]
    for index in range(tips):
        if index % per_category == 0:
            category = index // per_category
            # Each category its own time of day from 08:00 to 20:00 (37 and 720 share no factor), so that no
            # two categories share a schedule, which would let the planner list their slots once.
            minute = 8 * 60 + category * 37 % 720
            parts.append(
                f'  c{category}:\n    schedule:\n      at: "{minute // 60:02d}:{minute % 60:02d}"\n    tips:\n'
            )
        parts.append(
            f'      - id: t{index}\n        text: "Gentle tip number {index}: breathe slowly."\n        source: art\n'
        )
    return "".join(parts)
