"""Every kind of mistake in tips.yaml gets one exact `PATH:LINE:COL: what — fix` line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dmer_tips.bank.load import MAX_FILE_BYTES, load_tip_bank
from dmer_tips.errors import TipBankError

HEAD = """\
sources:
  art: "An article"
categories:
  water:
    schedule:
"""


def problems(path: Path) -> list[str]:
    with pytest.raises(TipBankError) as caught:
        load_tip_bank(path)
    return [line.replace(f"{path}:", "F:", 1) for line in str(caught.value).splitlines()]


CASES = {
    "unclosed quote": (
        HEAD + '      at: "10:00"\n    tips:\n      - text: "unclosed\n        source: art\n  more:\n    title: x\n',
        ["F:8:15: this quote is never closed — end the text with the same quote mark"],
    ),
    "unclosed bracket": (
        HEAD + '      at: ["10:00", "11:00"\n    tips:\n      - text: "fine"\n        source: art\n',
        ["F:6:11: this [ is never closed — close the list with ]"],
    ),
    "yaml syntax": (
        HEAD + '      at: "10:00"\n    tips:\n      - text: x: y\n',
        [
            'F:8:16: YAML syntax error: mapping values are not allowed in this context — put text that contains ": " in quotes'
        ],
    ),
    "tab indentation": (
        "sources:\n\tart: x\n",
        ["F:2:1: YAML syntax error: found character that cannot start any token — indent with spaces, not tabs"],
    ),
    "alias": (
        HEAD + '      at: &t "10:00"\n    tips:\n      - text: *t\n        source: art\n',
        ["F:8:15: aliases (*t) are not allowed — write the value out in full"],
    ),
    "duplicate key": (
        HEAD + '      at: "10:00"\n    tips:\n      - text: "One."\n        text: "Two."\n        source: art\n',
        ['F:9:9: duplicate key "text" (first at line 8) — remove one of them'],
    ),
    "unclosed bracket at the end": (
        'sources:\n  art: "A # not a comment [x"\ncategories: [\n',
        ["F:3:13: this [ is never closed — close the list with ]"],
    ),
    "unknown key": (
        HEAD + '      at: "10:00"\n    tips:\n      - text: "One."\n        titel: "Hi"\n        source: art\n',
        ['F:9:9: unknown key "titel" in a tip — did you mean "title"?'],
    ),
    "unquoted time": (
        HEAD + '      at: 9:05\n    tips:\n      - text: "One."\n        source: art\n',
        ['F:6:11: "at" 9:05 was read as a number of minutes — write "09:05" in quotes'],
    ),
    "duration without unit": (
        HEAD + '      every: 90\n    tips:\n      - text: "One."\n        source: art\n',
        ['F:6:14: "every" 90 has no unit — add one, like 90m or 90h'],
    ),
    "show_for without unit": (
        "settings:\n  show_for: 20\n"
        + HEAD
        + '      at: "10:00"\n    tips:\n      - text: "One."\n        source: art\n',
        ['F:2:13: "show_for" 20 has no unit — add one, like 20s or 20m'],
    ),
    "snooze for days": (
        "settings:\n  snooze: 2d\n"
        + HEAD
        + '      at: "10:00"\n    tips:\n      - text: "One."\n        source: art\n',
        ['F:2:11: "snooze" 2d is out of range — use up to 1d; Later is for a while, not for days'],
    ),
    "bad duration": (
        HEAD + '      every: 5 minutes\n    tips:\n      - text: "One."\n        source: art\n',
        ['F:6:14: "5 minutes" is not a duration — use a number and a unit: 45s, 90m or 2h'],
    ),
    "bad clock": (
        HEAD + '      at: "25:00"\n    tips:\n      - text: "One."\n        source: art\n',
        ['F:6:11: "25:00" is not a clock time — use "HH:MM" in 24-hour time, like "09:05"'],
    ),
    "bad weekday": (
        HEAD + '      at: "10:00"\n      days: mondy-fri\n    tips:\n      - text: "One."\n        source: art\n',
        ['F:7:13: "mondy-fri" is not a set of weekdays — did you mean "monday-fri"?'],
    ),
    "wrong type": (
        "settings:\n  daily_max: lots\n"
        + HEAD
        + '      at: "10:00"\n    tips:\n      - text: "One."\n        source: art\n',
        ['F:2:14: "daily_max" must be a whole number, not text — write it like: daily_max: 8'],
    ),
    "yes as text": (
        HEAD + '      at: "10:00"\n    tips:\n      - text: yes\n        source: art\n',
        ['F:8:15: "text" was read as a yes/no value (yes) — write it as text in quotes: text: "..."'],
    ),
    "empty text": (
        HEAD + '      at: "10:00"\n    tips:\n      - text: ""\n        source: art\n',
        ['F:8:15: "text" is empty — write a short, gentle sentence after the colon'],
    ),
    "over-long text": (
        HEAD + '      at: "10:00"\n    tips:\n      - text: "' + "a" * 201 + '"\n        source: art\n',
        ['F:8:15: "text" is 201 characters, over the limit of 200 — shorten it or split it into two tips'],
    ),
    "over-long title": (
        HEAD
        + '      at: "10:00"\n    tips:\n      - text: "One."\n        title: "'
        + "t" * 41
        + '"\n        source: art\n',
        ['F:9:16: "title" is 41 characters, over the limit of 40 — shorten it'],
    ),
    "duplicate ids": (
        HEAD
        + '      at: "10:00"\n    tips:\n      - {id: sip, text: "One.", source: art}\n      - {id: sip, text: "Two.", source: art}\n',
        ['F:9:9: duplicate tip id "sip" (first at line 8) — give each tip its own id'],
    ),
    "category without tips": (
        HEAD + '      at: "10:00"\n    tips: []\n',
        ['F:7:5: category "water" has no tips — add at least one tip or remove the category'],
    ),
    "unknown source": (
        HEAD + '      at: "10:00"\n    tips:\n      - text: "One."\n        source: arty\n',
        ['F:9:17: unknown source "arty" — did you mean "art"?'],
    ),
    "missing text": (
        HEAD + '      at: "10:00"\n    tips:\n      - source: art\n',
        ['F:8:9: a tip has no "text" — add text: under it'],
    ),
    "schedule with both": (
        HEAD + '      at: "10:00"\n      every: 2h\n    tips:\n      - text: "One."\n        source: art\n',
        ['F:6:7: a schedule has both "every" and "at" — keep one: every: 3h, or at: ["10:00", "15:00"]'],
    ),
    "second document": (
        HEAD + '      at: "10:00"\n    tips:\n      - text: "One."\n        source: art\n---\nmore: 1\n',
        ["F:10:1: a second YAML document starts here — keep everything in one document: remove the `---` line"],
    ),
    "empty file": (
        "",
        ["F:1:1: the file is empty — fill it in, or start again from the bundled tips with `dmer-tips edit --restore`"],
    ),
    "python tag": (
        HEAD + '      at: !!python/name:os.system "10:00"\n    tips:\n      - text: "One."\n        source: art\n',
        [
            "F:6:11: the tag tag:yaml.org,2002:python/name:os.system is not allowed — remove the tag and write plain text"
        ],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_mistake_has_its_exact_message(case: str, write_tips: Callable[[str], Path]) -> None:
    """The message names the place, what is wrong and how to fix it, word for word."""
    text, expected = CASES[case]
    assert problems(write_tips(text)) == expected


def test_all_problems_are_reported_at_once(write_tips: Callable[[str], Path]) -> None:
    """Several mistakes in one file are all listed, in file order, not just the first."""
    path = write_tips(
        'settings:\n  min_gap: 10\nsources:\n  art: "A"\ncategories:\n  water:\n    schedule:\n      at: 9:30\n'
        '    tips:\n      - text: ""\n        source: nope\n'
    )
    assert problems(path) == [
        'F:2:12: "min_gap" 10 has no unit — add one, like 10m or 10h',
        'F:8:11: "at" 9:30 was read as a number of minutes — write "09:30" in quotes',
        'F:10:15: "text" is empty — write a short, gentle sentence after the colon',
        'F:11:17: unknown source "nope" — add it under sources: with its headline',
    ]


def test_alias_bomb_is_refused_without_expanding(write_tips: Callable[[str], Path]) -> None:
    """A "billion laughs" file is refused at its first alias instead of being walked."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for index in range(1, 9):
        prev, name = chr(ord("a") + index - 1), chr(ord("a") + index)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    found = problems(write_tips("\n".join(lines) + "\n"))
    assert (
        found[0]
        == 'F:1:1: unknown key "a" in the tip file — allowed here: version, settings, sources, categories, sessions, rhythm'
    )
    assert "F:2:8: aliases (*a) are not allowed — write the value out in full" in found


def test_absurd_nesting_stops_early(write_tips: Callable[[str], Path]) -> None:
    """5,000 levels of brackets are refused with a message, not a RecursionError."""
    path = write_tips("x: " + "[" * 5000 + "]" * 5000 + "\n")
    assert (
        problems(path)[-1]
        == "F:1:19: nesting is deeper than 16 levels — a tip bank needs only a few levels; check the indentation and brackets"
    )


def test_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    """A file over the size cap is refused at once with its size."""
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    assert problems(path) == [
        "F:1:1: the file is 8.4 MB, over the 8 MB limit — a tip bank is far smaller; check that this is the right file"
    ]


def test_non_utf8_byte_is_located(tmp_path: Path) -> None:
    """A stray Latin-1 byte is reported at its line and column."""
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"sources:\n  art: caf\xe9\n")
    assert problems(path) == ["F:2:11: byte 0xe9 is not UTF-8 text — save the file with UTF-8 encoding"]


def test_ids_are_derived_from_their_own_text(write_tips: Callable[..., Path]) -> None:
    """A tip without an id keeps the same id when other tips are edited, added or removed."""
    one = HEAD + '      at: "10:00"\n    tips:\n      - text: "Keep me."\n        source: art\n'
    two = (
        HEAD
        + '      at: "10:00"\n    tips:\n      - text: "New one first."\n        source: art\n      - text: "Keep me."\n        source: art\n'
    )
    before = load_tip_bank(write_tips(one, "one.yaml")).tips[0].id
    after = [t.id for t in load_tip_bank(write_tips(two, "two.yaml")).tips]
    assert before in after and before.startswith("water-")


def test_control_character_is_located(tmp_path: Path) -> None:
    """A stray control character (found by fuzzing) is reported at its place, not as a crash."""
    path = tmp_path / "ctrl.yaml"
    path.write_bytes(b"sources:\n  art: ok\x07\n")
    assert problems(path) == [
        "F:2:10: character U+0007 is not allowed in YAML — delete it; control characters cannot appear in the file"
    ]
