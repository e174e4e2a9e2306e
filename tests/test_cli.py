"""The command line as a user meets it: help, version, exit codes and plain `Error: …` messages."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from dmer_tips import __version__
from dmer_tips.cli.main import build_parser, main
from dmer_tips.paths import schema_path

from .conftest import MINIMAL_BANK

COMMANDS = sorted(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr, arg-type]
README = Path(__file__).resolve().parents[1] / "README.md"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_version_via_the_installed_script() -> None:
    """`python -m dmer_tips --version` prints the one version the package defines."""
    done = subprocess.run([sys.executable, "-m", "dmer_tips", "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == f"dmer-tips {__version__}"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`dmer-tips COMMAND --help` exits 0 and ends with an example."""
    with pytest.raises(SystemExit) as caught:
        main([command, "--help"])
    out = capsys.readouterr().out
    assert caught.value.code == 0
    assert "example:\n  dmer-tips" in out or "example:\n  EDITOR=" in out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme(command: str) -> None:
    """The README documents every command."""
    assert f"dmer-tips {command}" in README.read_text(encoding="utf-8")


def test_no_command_shows_help_and_usage_exit(capsys: pytest.CaptureFixture[str]) -> None:
    """Running without a command shows the help on stderr and exits 2."""
    code, _, err = run(capsys)
    assert code == 2 and "commands:" in err


def test_a_mistyped_command_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    """Only the named command's parser is built, but a word that names none still gets the full list."""
    with pytest.raises(SystemExit) as caught:
        main(["sttaus"])
    err = capsys.readouterr().err
    assert caught.value.code == 2
    assert "invalid choice: 'sttaus'" in err and all(repr(name) in err for name in COMMANDS)


def test_help_fits_the_terminal_width(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Help text wraps at $COLUMNS, like other command-line tools."""
    for columns in (40, 100):
        monkeypatch.setenv("COLUMNS", str(columns))
        with pytest.raises(SystemExit):
            main(["pause", "--help"])
        wrapped = [line for line in capsys.readouterr().out.splitlines() if not line.startswith("Pause the reminders")]
        widest = max(map(len, wrapped))
        assert widest <= columns and (widest > 40) is (columns == 100)


def test_check_on_bundled_bank_summarises(capsys: pytest.CaptureFixture[str]) -> None:
    """`check` with no argument checks the bundled bank and shows each schedule in words."""
    code, out, _ = run(capsys, "check")
    assert code == 0
    assert "OK, 10 categories" in out
    assert "grounding" in out and "at 10:00 every day, give or take 10m" in out
    assert "quiet 22:00-08:00; at least 45m apart; at most 8 a day" in out


def test_check_reports_problems_and_exits_1(
    capsys: pytest.CaptureFixture[str], write_tips: Callable[[str], Path]
) -> None:
    """A broken file gives its located problems on stderr, a summary line and exit 1, never a traceback."""
    path = write_tips(MINIMAL_BANK.replace('at: "10:00"', "at: 10:00"))
    code, out, err = run(capsys, "check", str(path))
    assert code == 1 and out == ""
    assert err == (
        f'{path}:6:11: "at" 10:00 was read as a number of minutes — write "10:00" in quotes\n'
        "Error: the tip file has 1 problem, listed above.\n"
    )


def test_missing_file_is_a_plain_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A path that does not exist is an `Error:` line with a way forward."""
    code, _, err = run(capsys, "check", str(tmp_path / "nope.yaml"))
    assert code == 1
    assert (
        err
        == f"Error: {tmp_path / 'nope.yaml'}: the file does not exist — check the path, or run `dmer-tips edit` to make your own copy\n"
    )


def test_tips_json_lists_a_category(capsys: pytest.CaptureFixture[str]) -> None:
    """`tips --category C --json` gives that category's tips as JSON records."""
    code, out, _ = run(capsys, "tips", "--category", "magnesium", "--json")
    records = json.loads(out)
    assert code == 0 and len(records) >= 4
    assert {r["category"] for r in records} == {"magnesium"}
    assert set(records[0]) == {"id", "category", "title", "text", "source"}


def test_tip_rotates_without_repeats(capsys: pytest.CaptureFixture[str]) -> None:
    """`tip CATEGORY` shows every tip of the category once before any repeats, across separate runs."""
    shown = []
    for _ in range(4):
        code, out, _ = run(capsys, "tip", "magnesium")
        assert code == 0
        shown.append(out.splitlines()[1])
    assert len(set(shown)) == 4


def test_unknown_category_suggests_the_closest(capsys: pytest.CaptureFixture[str]) -> None:
    """A misspelt category gets a did-you-mean."""
    code, _, err = run(capsys, "tip", "groundng")
    assert code == 1
    assert err == 'Error: there is no category "groundng" — did you mean "grounding"?\n'


def test_tips_file_resolution_order(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    write_tips: Callable[..., Path],
    private_home: Path,
) -> None:
    """--tips beats $DMER_TIPS_FILE, which beats the user's copy, which beats the bundled default."""
    assert "(the bundled default" in run(capsys, "where")[1]
    user_copy = private_home / ".config" / "dmer-tips" / "tips.yaml"
    user_copy.parent.mkdir(parents=True)
    user_copy.write_text(MINIMAL_BANK)
    assert f"tips file: {user_copy} (your copy)" in run(capsys, "where")[1]
    env_file = write_tips(MINIMAL_BANK, "env.yaml")
    monkeypatch.setenv("DMER_TIPS_FILE", str(env_file))
    assert f"tips file: {env_file} (from $DMER_TIPS_FILE)" in run(capsys, "where")[1]
    given = write_tips(MINIMAL_BANK, "given.yaml")
    assert f"tips file: {given} (given with --tips)" in run(capsys, "where", "--tips", str(given))[1]
    out = run(capsys, "where")[1]
    assert f"state:     {private_home / '.local/state/dmer-tips'}" in out


def editor(tmp_path: Path, script: str) -> str:
    path = tmp_path / "fake-editor"
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)
    return str(path)


def test_edit_creates_a_copy_opens_it_and_checks_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, private_home: Path
) -> None:
    """`edit` copies the bundled tips (pointing at the installed schema), runs $EDITOR, then checks the result."""
    monkeypatch.setenv("EDITOR", editor(tmp_path, 'echo "# edited" >> "$1"'))
    code, out, _ = run(capsys, "edit")
    copy = private_home / ".config" / "dmer-tips" / "tips.yaml"
    assert code == 0
    assert f"Created your copy of the tips: {copy}" in out and "OK, 10 categories" in out
    text = copy.read_text()
    assert text.startswith(f"# yaml-language-server: $schema={schema_path().as_uri()}\n")
    assert text.endswith("# edited\n")


def test_edit_that_breaks_the_file_keeps_it_and_says_where(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, private_home: Path
) -> None:
    """An edit that leaves a mistake keeps the user's text and reports the problem with its line."""
    monkeypatch.setenv("VISUAL", editor(tmp_path, 'printf "settings:\\n  daily_max: many\\n" >> "$1"'))
    code, _, err = run(capsys, "edit")
    copy = private_home / ".config" / "dmer-tips" / "tips.yaml"
    assert code == 1
    assert "daily_max: many" in copy.read_text()
    assert f"{copy}:" in err and 'duplicate key "settings"' in err


def test_preview_shows_a_deterministic_week(capsys: pytest.CaptureFixture[str]) -> None:
    """`preview --seed` prints the same timeline every time: 8 a day on the bundled tips, in order, local times."""
    argv = ["preview", "--days", "7", "--seed", "4", "--start", "2026-11-23T00:00", "--json"]
    first = json.loads(run(capsys, *argv)[1])
    second = json.loads(run(capsys, *argv)[1])
    assert first == second
    assert len(first) == 7 * 8
    assert [r["time"] for r in first] == sorted(r["time"] for r in first)
    assert all("08:00" <= r["time"][11:16] < "22:00" for r in first)
    text = run(capsys, "preview", "--days", "1", "--seed", "4", "--start", "2026-11-23T00:00")[1]
    assert text.splitlines()[0].startswith("Mon 2026-11-23 08:")


def test_next_lists_every_category(capsys: pytest.CaptureFixture[str]) -> None:
    """`next --json` gives a due time for each bundled category."""
    code, out, _ = run(capsys, "next", "--json")
    due = json.loads(out)
    assert code == 0 and len(due) == 10 and all(due.values())


def test_bad_start_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """An unreadable --start is rejected by the argument parser with exit 2."""
    with pytest.raises(SystemExit) as caught:
        main(["preview", "--start", "next tuesday"])
    assert caught.value.code == 2
    assert "is not a date and time like 2026-12-01T08:00" in capsys.readouterr().err
