"""The JSON Schema editors use and our loader agree on what a valid tip file is."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
import yaml

from dmer_tips.bank.load import load_tip_bank
from dmer_tips.errors import TipBankError
from dmer_tips.paths import bundled_tips_path, schema_path

from .conftest import MINIMAL_BANK


def schema_errors(text: str) -> list[str]:
    validator = jsonschema.Draft202012Validator(json.loads(schema_path().read_text()))
    return [e.message for e in validator.iter_errors(yaml.safe_load(text))]


def loader_accepts(path: Path) -> bool:
    try:
        load_tip_bank(path)
    except TipBankError:
        return False
    return True


def test_bundled_file_validates_against_the_schema() -> None:
    """The bundled tips.yaml passes the schema it points editors at."""
    assert schema_errors(bundled_tips_path().read_text(encoding="utf-8")) == []


WITH_SESSION = 'sessions:\n  feed:\n    steps:\n      - {after: 0s, text: "Breathe out slowly.", source: art}\n'
GOOD = [
    MINIMAL_BANK,
    MINIMAL_BANK.replace(
        'at: "10:00"', 'every: 90m\n      window: "08:00-21:00"\n      days: mon-fri\n      jitter: 5m'
    ),
    MINIMAL_BANK.replace('at: "10:00"', 'at: ["09:00", "15:30"]\n      days: sat,sun'),
    "settings:\n  quiet_hours: none\n  min_gap: 1h30m\n  daily_max: 6\n" + MINIMAL_BANK,
    MINIMAL_BANK.replace("      - id: sip\n", '      - title: "Water"\n'),
    "settings:\n  show_for: until-dismissed\n" + MINIMAL_BANK,
    MINIMAL_BANK
    + WITH_SESSION
    + 'rhythm:\n  feeds:\n    schedule:\n      at: ["06:00", "09:30"]\n    at_night: true\n',
    MINIMAL_BANK
    + WITH_SESSION
    + "rhythm:\n  on-demand:\n    after_last: 2h30m\n    heads_up: 10m\n    at_the_time: start\n",
]
BAD = [
    MINIMAL_BANK.replace('at: "10:00"', "at: 10:00"),
    MINIMAL_BANK.replace('at: "10:00"', 'at: "10:00"\n      every: 2h'),
    MINIMAL_BANK.replace('at: "10:00"', "every: 2 hours"),
    MINIMAL_BANK.replace('at: "10:00"', 'at: "10:00"\n      days: someday'),
    MINIMAL_BANK.replace("source: art", "source: art\n        colour: blue"),
    MINIMAL_BANK.replace('"Have a sip of water."', '"' + "x" * 201 + '"'),
    MINIMAL_BANK.replace("id: sip", "id: Sip Water"),
    "settings:\n  daily_max: 0\n" + MINIMAL_BANK,
    MINIMAL_BANK.replace('      - id: sip\n        text: "Have a sip of water."\n        source: art\n', "      []\n"),
    "settings:\n  show_for: forever\n" + MINIMAL_BANK,
    MINIMAL_BANK + WITH_SESSION + "rhythm:\n  feeds:\n    after_last: 2h\n    schedule:\n      every: 3h\n",
    MINIMAL_BANK + WITH_SESSION + "rhythm:\n  feeds:\n    after_last: 2h\n    at_the_time: later\n",
    MINIMAL_BANK + WITH_SESSION + "rhythm:\n  feeds:\n    after_last: 2h\n    at_night: sometimes\n",
]


@pytest.mark.parametrize("text", GOOD)
def test_schema_and_loader_accept_the_same_good_files(text: str, write_tips: Callable[[str], Path]) -> None:
    """A file the loader accepts passes the schema too."""
    assert loader_accepts(write_tips(text))
    assert schema_errors(text) == []


@pytest.mark.parametrize("text", BAD)
def test_schema_and_loader_reject_the_same_bad_files(text: str, write_tips: Callable[[str], Path]) -> None:
    """A file the loader rejects is flagged by the schema as well, so editors warn early."""
    assert not loader_accepts(write_tips(text))
    assert schema_errors(text) != []
