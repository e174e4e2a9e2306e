"""Generated tip banks for the benchmarks."""

from __future__ import annotations

HEADER = 'settings:\n  quiet_hours: "22:00-08:00"\nsources:\n  art: "An article"\ncategories:\n'


def generated_bank(tips: int, per_category: int = 100) -> str:
    """A valid bank of `tips` tips, `per_category` to a category."""
    parts = [HEADER]
    for index in range(tips):
        if index % per_category == 0:
            parts.append(
                f'  c{index // per_category}:\n    schedule:\n      at: "{10 + index // per_category % 10}:00"\n    tips:\n'
            )
        parts.append(
            f'      - id: t{index}\n        text: "Gentle tip number {index}: breathe slowly."\n        source: art\n'
        )
    return "".join(parts)
