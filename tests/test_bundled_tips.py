"""The bundled tip bank: built from the two articles, gentle, complete, and shipped inside the package."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import dmer_tips
from dmer_tips.bank.load import load_tip_bank
from dmer_tips.bank.model import TipBank
from dmer_tips.paths import bundled_tips_path

REPO_TIPS = Path(__file__).resolve().parents[1] / "tips.yaml"
REQUIRED_CATEGORIES = {
    "hydration",
    "magnesium",
    "sleep",
    "caffeine-sugar",
    "reaching-out",
    "dopamine-food",
    "movement",
    "grounding",
    "self-kindness",
    "professional-support",
}
# Every concrete recommendation in the two articles, as words a tip must contain.
RECOMMENDATIONS = [
    "banana",
    "almond",
    "apple",
    "watermelon",
    "cherries",
    "yogurt",
    "beans",
    "eggs",
    "meat",
    "caffeine",
    "sugar",
    "magnesium",
    "exercise",
    "stress",
    "sleep",
    "partner",
    "support group",
    "d-mer.org",
    "book",
    "slideshow",
    "case studies",
    "la leche league",
    "endocrine society",
    "breath",
    "hand on your heart",
    "five things",
    "naming it",
    "lactation consultant",
    "therapist",
    "trusted friend",
    "medication",
    "healthcare professional",
    "flange",
    "weaning",
    "not postpartum depression",
    "no shame",
]
BRAND_NAMES = ["facebook", "natural vitality", "calm", "be well baby", "university health news"]
SHAMING = re.compile(r"\b(you should|you must|failed|lazy|bad mother)\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def bank() -> TipBank:
    return load_tip_bank(bundled_tips_path())


def test_installed_package_ships_the_top_level_tips_file() -> None:
    """The bundled default is the repository's tips.yaml, read from the installed package."""
    bundled = bundled_tips_path()
    assert bundled.parent == Path(dmer_tips.__file__).parent
    if REPO_TIPS.exists():
        assert bundled.read_bytes() == REPO_TIPS.read_bytes()
        assert "src" not in bundled.parts[-3:], "tests must run against the installed package"


def test_bank_size_and_categories(bank: TipBank) -> None:
    """At least 60 tips, every required category, at least 4 tips in each."""
    assert len(bank.tips) >= 60
    assert {c.name for c in bank.categories} >= REQUIRED_CATEGORIES
    assert all(len(c.tips) >= 4 for c in bank.categories)


@pytest.mark.parametrize("words", RECOMMENDATIONS)
def test_every_recommendation_appears_in_a_tip(bank: TipBank, words: str) -> None:
    """Each food, habit, person, technique and resource from the articles is in at least one tip."""
    assert any(words in tip.text.lower() for tip in bank.tips), words


def test_supplements_and_medication_always_say_ask_first(bank: TipBank) -> None:
    """Every magnesium tip, and any tip naming a supplement or medication, says to ask a provider first."""
    risky = [
        t for t in bank.tips if t.category == "magnesium" or re.search(r"supplement|medication", t.text, re.IGNORECASE)
    ]
    assert len(risky) >= 5
    assert [t.id for t in risky if "ask your provider first" not in t.text] == []


def test_tips_are_short_gentle_and_sourced(bank: TipBank) -> None:
    """No brand names, no shaming words, a known source and the length limits on every tip."""
    headlines = {"What is Dysphoric Milk Ejection Reflex?", "When Let-Down Doesn't Feel Good: Understanding DMER"}
    for tip in bank.tips:
        lowered = tip.text.lower()
        assert not any(brand in lowered for brand in BRAND_NAMES), tip.id
        assert not SHAMING.search(tip.text), tip.id
        assert tip.source.headline in headlines
        assert len(tip.text) <= 200 and len(tip.title) <= 40


def test_default_schedule_is_gentle(bank: TipBank) -> None:
    """Quiet from 22:00 to 08:00 by default, and no more than 10 reminders on any day."""
    quiet = bank.settings.quiet_hours
    assert quiet is not None and str(quiet) == "22:00-08:00"
    assert 6 <= bank.settings.daily_max <= 10
    for weekday in range(7):
        planned = sum(len(c.schedule.seconds_on_a_day()) for c in bank.categories if weekday in c.schedule.days)
        assert 6 <= planned <= 10, weekday


def test_file_opens_with_what_it_is_and_not_medical_advice() -> None:
    """The comment block at the top says what the file is, that it is not medical advice, and how to edit it."""
    head = bundled_tips_path().read_text(encoding="utf-8").split("\nversion:")[0]
    assert "yaml-language-server: $schema=" in head
    assert "not medical advice" in head.lower()
    assert "How to edit this file" in head
