"""The bundled tip bank: balanced, honest about evidence, readable in one line, clear on when to get help,
and shipped inside the package. What reading alone can judge (the voice) is not tested here."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import dmer_tips
from dmer_tips.bank.load import load_tip_bank
from dmer_tips.bank.model import ONE_LINE, TipBank, headline
from dmer_tips.paths import bundled_tips_path
from dmer_tips.schedule.reminders import Reminders, Sent
from dmer_tips.schedule.state import ServiceState
from dmer_tips.views import WELCOME_TEXT, WELCOME_TITLE

REPO_TIPS = Path(__file__).resolve().parents[1] / "tips.yaml"
README = Path(__file__).resolve().parents[1] / "README.md"
ARTICLES = {"What is Dysphoric Milk Ejection Reflex?", "When Let-Down Doesn't Feel Good: Understanding DMER"}
CENTRE = {"self-kindness", "grounding", "reaching-out"}
LIFESTYLE = {"water", "easy-food", "caffeine-sugar", "magnesium"}
HELP = "when-to-get-help"
# Every concrete recommendation in the two articles, as words a tip must contain.
ARTICLE_RECOMMENDATIONS = [
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
# What reputable D-MER guidance adds to the articles.
GAPS_FILLED = [
    "music",  # a distraction during let-down
    "snack within reach",  # a drink and a snack ready before starting
    "dmer-tips log",  # a log to show a provider
    "between feeds",  # spontaneous let-downs
    "over weeks or months",  # it often eases
    "dark thoughts",  # strong D-MER is a reason to tell a provider
]
BRAND_NAMES = ["facebook", "natural vitality", "calm", "be well baby", "university health news"]
SHAMING = re.compile(r"\b(you should|you must|failed|lazy|bad mother)\b", re.IGNORECASE)
PROMISES = re.compile(r"(support|boost|increase|raise)s? (your )?dopamine|may (ease|soften|help) d-mer", re.IGNORECASE)
HEDGES = re.compile(r"thought to|believe|suggest|not proven|research|some parents", re.IGNORECASE)
ASSUMPTIONS = re.compile(r"your partner|in your arms|pram|\bmama\b|\bwomen\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def bank() -> TipBank:
    return load_tip_bank(bundled_tips_path())


def four_weeks(bank: TipBank, asleep_on: int | None = None) -> list[Sent]:
    """What the service sends over 28 days from a Monday in Berlin (`asleep_on`: a weekday the laptop sleeps
    through, every week)."""
    zone = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 3, 2, 6, 0, tzinfo=timezone.utc)
    sent = Reminders(bank, ServiceState.fresh(5), zone, start).timeline(start, start + timedelta(days=28))
    return [s for s in sent if s.at.weekday() != asleep_on]


def test_installed_package_ships_the_top_level_tips_file() -> None:
    """The bundled default is the repository's tips.yaml, read from the installed package."""
    bundled = bundled_tips_path()
    assert bundled.parent == Path(dmer_tips.__file__).parent
    if REPO_TIPS.exists():
        assert bundled.read_bytes() == REPO_TIPS.read_bytes()
        assert "src" not in bundled.parts[-3:], "tests must run against the installed package"


def test_check_is_clean(bank: TipBank) -> None:
    """`dmer-tips check` has no note on the bundled bank: every first sentence fits GNOME's one line."""
    assert bank.notes == ()


def test_four_to_six_a_day_with_kindness_grounding_and_reaching_out_at_the_centre(bank: TipBank) -> None:
    """Over four weeks every day has 4 to 6; the three central groups come every day and are over half of all;
    food, drink, caffeine and magnesium together are under a third."""
    sent = four_weeks(bank)
    per_day = Counter(s.at.date() for s in sent)
    assert len(per_day) == 28 and set(per_day.values()) <= {4, 5, 6}
    per_category = Counter(s.tip.category for s in sent)
    assert all(per_category[name] == 28 for name in CENTRE)
    assert sum(per_category[name] for name in CENTRE) > len(sent) / 2
    assert sum(per_category[name] for name in LIFESTYLE) < len(sent) / 3


@pytest.mark.parametrize("asleep_on", [None, *range(7)])
def test_help_comes_at_least_every_two_weeks_whatever_day_the_laptop_sleeps(
    bank: TipBank, asleep_on: int | None
) -> None:
    """The getting-help tips come within every 14 days, even if the laptop sleeps through one weekday each week."""
    helps = [s.at for s in four_weeks(bank, asleep_on) if s.tip.category == HELP]
    moments = [datetime(2026, 3, 2, tzinfo=helps[0].tzinfo), *helps, datetime(2026, 3, 30, tzinfo=helps[0].tzinfo)]
    assert max(later - earlier for earlier, later in pairwise(moments)) <= timedelta(days=14)


@pytest.mark.parametrize("seed", range(4))
def test_each_when_to_get_help_tip_comes_within_every_two_weeks(bank: TipBank, seed: int) -> None:
    """Urgent help, the signs of depression and the rest of the group: each shown within every 14 days, over
    half a year, whatever the rotation's seed."""
    zone = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 3, 2, 6, 0, tzinfo=timezone.utc)
    sent = Reminders(bank, ServiceState.fresh(seed), zone, start).timeline(start, start + timedelta(weeks=26))
    for tip in bank.category(HELP).tips:
        moments = [start, *(s.at for s in sent if s.tip.id == tip.id), start + timedelta(weeks=26)]
        assert max(later - earlier for earlier, later in pairwise(moments)) <= timedelta(days=14), tip.id


def test_no_tip_comes_back_within_days_of_being_shown(bank: TipBank) -> None:
    """A new round of a category does not open with the tips that closed the last one: none back within three days."""
    last_seen: dict[str, datetime] = {}
    for sent in four_weeks(bank):
        key = f"{sent.tip.category}/{sent.tip.id}"
        earlier = last_seen.get(key)
        # Three days, less the jitter that can move either of the two reminders by up to 10 minutes.
        assert earlier is None or sent.at - earlier >= timedelta(days=3, minutes=-20), key
        last_seen[key] = sent.at


@pytest.mark.parametrize("words", ARTICLE_RECOMMENDATIONS + GAPS_FILLED)
def test_every_recommendation_appears_in_a_tip(bank: TipBank, words: str) -> None:
    """Each food, habit, person, technique and resource from the articles, and what guidance adds, is in a tip."""
    assert any(words in tip.text.lower() for tip in bank.tips), words


def test_urgent_help_names_the_baby_someone_near_and_a_crisis_line(bank: TipBank) -> None:
    urgent = bank.tip(HELP, "urgent-help").text
    assert "your baby" in urgent and "tell someone near you" in urgent.lower() and "crisis line" in urgent
    signs = bank.tip(HELP, "signs-of-ppd").text
    assert "two weeks" in signs and "sleeping" in signs and "frightening thoughts" in signs


def test_supplements_and_medication_always_say_ask_first(bank: TipBank) -> None:
    """Every magnesium tip, and any tip naming a supplement or medication, says to ask a provider first."""
    risky = [
        t for t in bank.tips if t.category == "magnesium" or re.search(r"supplement|medication", t.text, re.IGNORECASE)
    ]
    assert len(risky) >= 5
    assert [t.id for t in risky if "ask your provider first" not in t.text.lower()] == []


def test_no_claim_beyond_the_evidence(bank: TipBank) -> None:
    """No food or supplement is promised to change dopamine or ease D-MER; dopamine is always "thought to"."""
    texts = [tip.text for tip in bank.tips] + [step.text for session in bank.sessions for step in session.steps]
    assert [text for text in texts if PROMISES.search(text)] == []
    assert [text for text in texts if "dopamine" in text and not HEDGES.search(text)] == []


def test_tips_are_short_gentle_inclusive_and_honestly_sourced(bank: TipBank) -> None:
    """No brand names, shaming words or assumptions about the family; a source that is one of the two articles,
    the published case report, or says plainly that it is general guidance; the length limits on every tip."""
    for tip in bank.tips:
        assert not any(brand in tip.text.lower() for brand in BRAND_NAMES), tip.id
        assert not SHAMING.search(tip.text) and not ASSUMPTIONS.search(tip.text), tip.id
        source = tip.source.headline
        assert source in ARTICLES or "case report" in source or "not from the two articles" in source, tip.id
        assert len(tip.text) <= 200 and len(tip.title) <= 40
    drink_tips = [tip for tip in bank.tips if tip.category == "water" and "caffeine" not in tip.text]
    assert drink_tips and all(tip.source.headline not in ARTICLES for tip in drink_tips), (
        "the articles never mention water"
    )


def test_every_line_the_program_shows_has_its_point_in_one_line(bank: TipBank) -> None:
    """Companion steps and the welcome carry their point in the title and a first sentence GNOME shows whole."""
    steps = [step for session in bank.sessions for step in session.steps]
    assert [step.text for step in steps if len(headline(step.text)) > ONE_LINE] == []
    assert all(len(step.title) <= 40 for step in steps)
    assert len(headline(WELCOME_TEXT)) <= ONE_LINE


def test_the_companion_allows_a_second_wave_and_assumes_none(bank: TipBank) -> None:
    for session in bank.sessions:
        texts = [step.text for step in session.steps]
        assert any("will pass" in text for text in texts[:1]), session.name
        assert any("second" in text or "comes again" in text for text in texts), session.name
        assert "wave or no wave" in texts[-1], session.name


def test_the_readme_gives_the_welcome_and_the_tip_bank_balance() -> None:
    readme = README.read_text(encoding="utf-8")
    assert WELCOME_TITLE in readme and " ".join(WELCOME_TEXT.split()) in " ".join(readme.split())
    assert "## The bundled tips" in readme


def test_file_opens_with_what_it_is_and_not_medical_advice() -> None:
    """The comment block at the top says what the file is, that it is not medical advice, and how to edit it."""
    head = bundled_tips_path().read_text(encoding="utf-8").split("\nversion:")[0]
    assert "yaml-language-server: $schema=" in head
    assert "not medical advice" in head.lower()
    assert "How to edit this file" in head
