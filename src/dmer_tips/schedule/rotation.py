"""Which tip comes next: a shuffled bag per category, so no tip repeats until all have been shown."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from dmer_tips.bank.model import Category, Tip, TipBank


@dataclass
class Bag:
    """`remaining` is drawn from the front; `shown` is what this round has used; `rounds` counts refills."""

    remaining: list[str] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)
    rounds: int = 0


@dataclass
class Rotation:
    """All bags; the same `seed` and the same edits always give the same order."""

    seed: int
    bags: dict[str, Bag] = field(default_factory=dict)

    def draw(self, category: Category) -> Tip:
        """The next tip of `category`; edits to its tips are folded into the bag without resetting it."""
        bag = self._synced(category)
        if not bag.remaining:
            self._refill(category.name, bag, [tip.id for tip in category.tips])
        tip_id = bag.remaining.pop(0)
        bag.shown.append(tip_id)
        return next(tip for tip in category.tips if tip.id == tip_id)

    def _synced(self, category: Category) -> Bag:
        bag = self.bags.setdefault(category.name, Bag())
        ids = [tip.id for tip in category.tips]
        current = set(ids)
        bag.remaining = [i for i in bag.remaining if i in current]
        bag.shown = [i for i in bag.shown if i in current]
        known = set(bag.remaining) | set(bag.shown)
        rng = self._rng(category.name, bag.rounds, "new")
        for new_id in (i for i in ids if i not in known):
            bag.remaining.insert(rng.randint(0, len(bag.remaining)), new_id)
        return bag

    def _refill(self, name: str, bag: Bag, ids: list[str]) -> None:
        bag.rounds += 1
        rng = self._rng(name, bag.rounds, "round")
        order = list(ids)
        rng.shuffle(order)
        # The new round opens with tips that did not close the last one (a third of the bag each), so no tip
        # comes back a day or two after it was shown; the rest follow in a shuffled order. A third, not a half:
        # with halves, the same tips would open every round.
        k = max(1, len(order) // 3) if len(order) > 1 else 0
        recent = set(bag.shown[-k:]) if k else set()
        head = [i for i in order if i not in recent][:k]
        tail = [i for i in order if i not in head]
        rng.shuffle(tail)
        bag.remaining, bag.shown = head + tail, []

    def _rng(self, name: str, rounds: int, purpose: str) -> random.Random:
        return random.Random(f"{self.seed}:{name}:{rounds}:{purpose}")


def pick_tip(bank: TipBank, rotation: Rotation, category_name: str | None, rng: random.Random) -> Tip:
    """The next tip of the named category, or of a category chosen at random."""
    category = rng.choice(bank.categories) if category_name is None else bank.category(category_name)
    return rotation.draw(category)
