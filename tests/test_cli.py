"""The command line as a user meets it: help, version, exit codes and plain `Error: …` messages."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from dmer_tips import __version__
from dmer_tips.cli.main import build_parser, main
from dmer_tips.paths import schema_path
from dmer_tips.terminal import wrap

from .columns import lines_too_long
from .conftest import MINIMAL_BANK
from .serviceproc import cli, wait_until

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


def test_a_mistyped_command_gets_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    """A misspelt command is one `Error:` line naming the closest command; a word like none points at --help."""
    with pytest.raises(SystemExit) as caught:
        main(["sttaus"])
    assert caught.value.code == 2
    assert capsys.readouterr().err == 'Error: there is no command "sttaus" — did you mean "status"?\n'
    with pytest.raises(SystemExit):
        main(["breakfast"])
    assert capsys.readouterr().err == (
        'Error: there is no command "breakfast" — the commands are listed by `dmer-tips --help`\n'
    )


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
    assert "OK, 11 categories" in out
    assert "grounding" in out and "at 11:00 every day, give or take 10m" in out
    assert "quiet 22:00-08:00; at least 45m apart; at most 6 a day" in out


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
    """`edit` copies the bundled tips (pointing at the installed schema), runs $VISUAL, then checks the result."""
    monkeypatch.setenv("VISUAL", editor(tmp_path, 'echo "# edited" >> "$1"'))
    code, out, _ = run(capsys, "edit")
    copy = private_home / ".config" / "dmer-tips" / "tips.yaml"
    assert code == 0
    assert f"Created your copy of the tips: {copy}" in out and "OK, 11 categories" in out
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
    """`preview --seed` prints the same timeline every time: 5 or 6 a day on the bundled tips, in order, local
    times."""
    argv = ["preview", "--days", "7", "--seed", "4", "--start", "2026-11-23T00:00", "--json"]
    first = json.loads(run(capsys, *argv)[1])
    second = json.loads(run(capsys, *argv)[1])
    assert first == second
    per_day = {day: [r["time"][:10] for r in first].count(day) for day in {r["time"][:10] for r in first}}
    assert len(per_day) == 7 and set(per_day.values()) <= {5, 6}
    assert [r["time"] for r in first] == sorted(r["time"] for r in first)
    assert all("08:00" <= r["time"][11:16] < "22:00" for r in first)
    text = run(capsys, "preview", "--days", "1", "--seed", "4", "--start", "2026-11-23T00:00")[1]
    assert text.splitlines()[0].startswith("Mon 2026-11-23 08:")


def test_next_lists_every_category(capsys: pytest.CaptureFixture[str]) -> None:
    """`next --json` gives a due time for each bundled category."""
    code, out, _ = run(capsys, "next", "--json")
    due = json.loads(out)
    assert code == 0 and len(due) == 11 and all(due.values())


def test_bad_start_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """An unreadable --start is rejected by the argument parser with exit 2."""
    with pytest.raises(SystemExit) as caught:
        main(["preview", "--start", "next tuesday"])
    assert caught.value.code == 2
    assert capsys.readouterr().err == 'Error: "next tuesday" is not a date and time — write it like 2026-12-01T08:00\n'


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (("history", "--days", "abc"), 'Error: "abc" is not a whole number — the number of days is 1 to 3660\n'),
        (("log",), "Error: intensity is missing — see `dmer-tips log --help`\n"),
        (("log", "7"), "Error: 7 is out of range — the intensity is 0 to 5\n"),
        (("preview", "--days", "100000"), "Error: 100000 is out of range — the number of days is 1 to 400\n"),
        (
            ("pause", "--until", "25:00"),
            'Error: "25:00" is not a clock time — use "HH:MM" in 24-hour time, like "09:05"\n',
        ),
        (
            ("tips", "--colour"),
            "Error: there is no option --colour for `dmer-tips tips` — see `dmer-tips tips --help`\n",
        ),
        (
            ("pause", "--untill", "09:00"),
            'Error: there is no option --untill for `dmer-tips pause` — did you mean "--until"?\n',
        ),
        (("--verison",), 'Error: there is no option --verison for `dmer-tips` — did you mean "--version"?\n'),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, tuple) else "",
)
def test_argument_mistakes_are_one_plain_line(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], error: str
) -> None:
    """A wrong argument gets one `Error:` line saying what to write, exit 2, no usage dump or argparse jargon."""
    with pytest.raises(SystemExit) as caught:
        main(list(argv))
    assert caught.value.code == 2
    assert capsys.readouterr().err == error


def test_output_fits_80_columns_and_breaks_only_between_words(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """check, preview, tips and a session's dry run all fit 80 columns, every word whole (a word longer than a
    line, such as a deep path, stays whole on a line of its own, so it can be copied)."""
    monkeypatch.setenv("COLUMNS", "80")
    for argv in (["check"], ["preview", "--days", "3", "--seed", "1"], ["tips"], ["session", "--dry-run"]):
        code, out, _ = run(capsys, *argv)
        assert code == 0
        lines = out.splitlines()
        assert lines_too_long(out, 80) == [], argv
        words = " ".join(line.strip() for line in lines).split()
        monkeypatch.setenv("COLUMNS", "1000")
        _, wide, _ = run(capsys, *argv)
        assert words == wide.split(), f"{argv}: a word was broken"
        monkeypatch.setenv("COLUMNS", "80")


def test_a_word_longer_than_the_line_is_kept_whole() -> None:
    """A path wider than the terminal is not cut in two: it overflows on a line of its own."""
    path = "/home/someone/" + "deep/" * 20 + "tips.yaml:265:1:"
    assert wrap(f"{path} the first sentence is long", 40) == [path, "  the first sentence is long"]


def test_a_long_path_stays_beside_its_label() -> None:
    """A path that fits the line but not after its label stays beside the label (moving it under the label
    would overflow as much), and what follows goes on under the column."""
    path = "/opt/somewhere/" + "x" * 55 + "/tips.yaml"
    assert wrap(f"tips file:   {path} (62 tips)", 80) == [f"tips file:   {path}", " " * 13 + "(62 tips)"]


def test_counts_read_as_english(capsys: pytest.CaptureFixture[str], write_tips: Callable[..., Path]) -> None:
    """One category and one tip are "1 category, 1 tip", not "1 categories"."""
    code, out, _ = run(capsys, "check", str(write_tips(MINIMAL_BANK)))
    assert code == 0 and ": OK, 1 category, 1 tip." in out and "     1 tip  at 10:00" in out


def test_check_notes_a_first_sentence_gnome_would_cut(
    capsys: pytest.CaptureFixture[str], write_tips: Callable[..., Path]
) -> None:
    """A tip whose first sentence runs past GNOME's one line gets a note with its place; the file still works."""
    long = "When the wave comes, remember that it is a reflex of the body and it passes soon. Breathe."
    path = write_tips(MINIMAL_BANK.replace("Have a sip of water.", long))
    code, out, _ = run(capsys, "check", str(path))
    assert code == 0
    assert out.splitlines()[-2:] == [
        "1 note (the file works; these would make it read better):",
        f"  {path}:9:15: the first sentence is 81 characters; GNOME shows about 60 in a banner — put the point in a"
        " first sentence of up to 60 characters; details can follow",
    ]


def test_check_notes_a_feed_time_whose_heads_up_would_be_in_quiet_hours(
    capsys: pytest.CaptureFixture[str], write_tips: Callable[..., Path]
) -> None:
    """A 07:00 pump with quiet hours until 08:00 gets no heads-up: `check` says so, with the fix."""
    rhythm = (
        "sessions:\n  pump:\n    steps:\n      - {after: 0s, text: Breathe out slowly., source: art}\n"
        'rhythm:\n  pumping:\n    schedule:\n      at: ["07:00", "12:00"]\n'
    )
    path = write_tips(MINIMAL_BANK + rhythm)
    code, out, _ = run(capsys, "check", str(path))
    assert code == 0
    assert out.splitlines()[-1] == (
        f'  {path}:18:7: rhythm "pumping" has no heads-up for 07:00: it would come in quiet hours (22:00-08:00)'
        " — add at_night: true to the rhythm for heads-ups at night too, or change quiet_hours"
    )
    code, out, _ = run(capsys, "check", str(write_tips(MINIMAL_BANK + rhythm + "    at_night: true\n")))
    assert "no heads-up" not in out and "1 note" not in out


def test_the_journal_counts_episodes_not_calm_feeds(private_home: Path) -> None:
    """`log 0` is a feed without D-MER: history shows it apart, and averages round half up."""
    for intensity in ("0", "2", "3"):
        assert cli("log", intensity).returncode == 0
    done = cli("history", "--days", "1")
    day, summary = done.stdout.splitlines()[1:]
    assert day.split()[2:] == ["■■", "2", "●●●○○", "2.5", "1", "without"]
    assert summary == "2 episodes logged, and 1 feed without D-MER."


def test_an_empty_tips_file_leads_out_to_the_bundled_tips(private_home: Path, tmp_path: Path) -> None:
    """An emptied copy: `check` points at `edit --restore`, which brings the bundled tips back and keeps a backup."""
    copy = private_home / ".config" / "dmer-tips" / "tips.yaml"
    copy.parent.mkdir(parents=True)
    copy.write_text("")
    broken = cli("check")
    assert (
        broken.returncode == 1 and "start again from the bundled tips with `dmer-tips edit --restore`" in broken.stderr
    )
    restored = cli("edit", "--restore", env={"VISUAL": editor(tmp_path, "exit 0")})
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.startswith(f"Restored the bundled tips in {copy} (your previous file is kept as {copy}.bak-")
    assert cli("check").returncode == 0
    assert [p.read_text() for p in copy.parent.glob("tips.yaml.bak-*")] == [""]


def test_edit_without_an_editor_or_terminal_never_hangs(private_home: Path, tmp_path: Path) -> None:
    """No $EDITOR and no terminal: the desktop's opener when there is a desktop, else a clear message."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    opened = tmp_path / "opened.txt"
    opener = bin_dir / "xdg-open"
    opener.write_text(f'#!/bin/sh\necho "$1" > {opened}.part && mv {opened}.part {opened}\n')
    opener.chmod(0o755)
    env = {"EDITOR": "", "VISUAL": "", "PATH": f"{bin_dir}:/usr/bin:/bin"}
    no_desktop = cli("edit", env=env, stdin="")
    (bin_dir / "failing").mkdir()
    failing_opener = bin_dir / "failing" / "xdg-open"
    failing_opener.write_text("#!/bin/sh\nexit 3\n")  # what xdg-open does when it finds nothing to open a file with
    failing_opener.chmod(0o755)
    nothing_opens = cli("edit", env={**env, "DISPLAY": ":99", "PATH": f"{bin_dir / 'failing'}:/usr/bin:/bin"}, stdin="")
    assert nothing_opens.returncode == 1 and "the desktop could not open" in nothing_opens.stderr
    assert nothing_opens.stderr.endswith(
        "— run `dmer-tips edit` in a terminal, or set $VISUAL to an editor that opens its own window\n"
    )
    assert no_desktop.returncode == 1
    assert no_desktop.stderr.startswith("Error: there is no editor to open ")
    assert no_desktop.stderr.endswith(
        "— run `dmer-tips edit` in a terminal, or set $VISUAL to an editor that opens its own window\n"
    )
    on_desktop = cli("edit", env={**env, "DISPLAY": ":99"}, stdin="")
    assert on_desktop.returncode == 0, on_desktop.stderr
    assert "opened in your desktop's text editor" in on_desktop.stdout
    wait_until(opened.exists, what="the desktop opener")
    assert opened.read_text().strip() == str(private_home / ".config" / "dmer-tips" / "tips.yaml")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_output_to_a_full_disk_is_one_error_line() -> None:
    """Writing the output where there is no room gives one `Error:` line, not a traceback."""
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "dmer_tips", "preview", "--days", "30"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert done.returncode == 1
    assert done.stderr == "Error: the output could not be written (No space left on device) — free some space\n"


def test_a_far_pause_names_its_date_and_year() -> None:
    """Today says the time, tomorrow says "tomorrow", further names the day, and another year names the year."""
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    from dmer_tips.moments import describe_moment

    zone, now = ZoneInfo("Europe/Berlin"), datetime(2026, 11, 29, 12, tzinfo=timezone.utc)
    said = [describe_moment(now + timedelta(days=days, hours=2), zone, now) for days in (0, 1, 3, 40)]
    assert said == ["15:00", "tomorrow 15:00", "Wed 2 Dec 15:00", "Fri 8 Jan 2027 15:00"]


def test_next_says_when_reminders_are_paused(private_home: Path) -> None:
    """`next` during a pause until resumed says so, instead of listing every category as "not within two weeks"."""
    from dmer_tips.paths import AppPaths
    from dmer_tips.schedule.pause import Pause
    from dmer_tips.schedule.state import ServiceState, StateFile

    state = ServiceState.fresh(1)
    state.pause = Pause(None)
    StateFile(AppPaths.for_user().state_file).save(state)
    done = cli("next")
    assert done.stdout == "Reminders are paused until you resume (`dmer-tips resume`): nothing comes until then.\n"


def test_empty_feeling_words_are_left_out(private_home: Path) -> None:
    """`--feeling ""` adds nothing: the entry says only its intensity."""
    done = cli("log", "3", "--feeling", "")
    assert done.returncode == 0 and ": intensity 3. It stays" in done.stdout


def test_where_says_when_the_chosen_tips_file_is_missing(private_home: Path, tmp_path: Path) -> None:
    """$DMER_TIPS_FILE pointing nowhere: `where` says the file does not exist, instead of looking fine."""
    missing = tmp_path / "nope.yaml"
    done = cli("where", env={"DMER_TIPS_FILE": str(missing)})
    assert done.stdout.splitlines()[0] == f"tips file: {missing} (from $DMER_TIPS_FILE) — it does not exist"


def test_stopping_a_session_with_no_service_says_none_was_running(private_home: Path) -> None:
    """`session --stop` with no service: nothing to stop, said plainly (not "start the service")."""
    done = cli("session", "--stop")
    assert (done.returncode, done.stdout) == (0, "No session was running.\n")
