"""The README's examples of tips.yaml are what the loader accepts, so a reader who copies them gets a working file."""

from __future__ import annotations

import re
from pathlib import Path

from dmer_tips.bank.load import load_tip_bank

README = Path(__file__).resolve().parents[1] / "README.md"


def yaml_examples() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_the_readme_examples_together_are_a_clean_tip_file(tmp_path: Path) -> None:
    """The reference, the rhythm and the sessions examples, pasted into one file, load with no problems."""
    examples = yaml_examples()
    assert [e.splitlines()[0].split(":")[0] for e in examples] == ["# yaml-language-server", "rhythm", "sessions"]
    tips = tmp_path / "tips.yaml"
    tips.write_text("".join(examples), encoding="utf-8")
    bank = load_tip_bank(tips)
    assert bank.notes == ()
    assert [r.name for r in bank.rhythms] == ["pumping", "night-feeds"]
    assert [r.session for r in bank.rhythms] == ["pump", "pump"]
    assert bank.rhythms[1].at_night and bank.rhythms[0].at_the_time == "ask"
