"""The `dmer-tips` command: parses arguments, hands them to one command in `commands`, and turns our errors into
one `Error: …` line that says what to do (exit 1), or the program's own exit code.

Argument mistakes get the same treatment: argparse's own wording (`invalid _positive_int value`) never
reaches the user. Only the parser of the named command is built, and nothing heavy is imported before a
command runs: `--version` and `status` must start fast.
"""

from __future__ import annotations

import argparse
import errno
import os
import re
import sys

from dmer_tips import PROGRAM, __version__

TYPE_CHECKING = False  # `typing` stays out of start-up
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import NoReturn

    Commands = argparse._SubParsersAction[argparse.ArgumentParser]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
# Our errors carry their own exit codes: 3 when no service runs (NotRunning), 4 when one already does.
LONGEST_PREVIEW_DAYS = 400
# Commands that only talk to the service log nothing, so they need not pay for importing logging.
ONLY_ASK_THE_SERVICE = frozenset({"status", "pause", "resume", "reload", "stop"})
LONGEST_HISTORY_DAYS = 3660


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _run(sys.argv[1:] if argv is None else argv)
    except BrokenPipeError:
        # The reader went away (`dmer-tips tips | head`): nothing is wrong, and nothing more needs printing.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EIO, errno.EDQUOT):
            raise
        # The output itself cannot be written (`> /dev/full`, a full disk): say so where it can still go.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print(f"Error: the output could not be written ({error.strerror}) — free some space", file=sys.stderr)
        return EXIT_ERROR


def _run(argv: Sequence[str]) -> int:
    parser = build_parser(argv)
    _refuse_unknown_options(parser, argv)
    args = parser.parse_args(argv)  # --version and --help end here, before anything heavy loads
    from dmer_tips.cli import commands
    from dmer_tips.errors import DmerTipsError, TipBankError
    from dmer_tips.terminal import counted, show

    if args.command not in ONLY_ASK_THE_SERVICE:
        import logging

        # Commands say what matters themselves; the service (and a session run here) also log to a file.
        logging.getLogger().addHandler(logging.NullHandler())
    handler: Callable[[argparse.Namespace], int] = getattr(commands, f"cmd_{args.command.replace('-', '_')}")
    try:
        return handler(args)
    except TipBankError as error:
        count = len(error.problems)
        show(f"{error}\nError: the tip file has {counted(count, 'problem')}, listed above.", sys.stderr)
        return EXIT_ERROR
    except DmerTipsError as error:
        show(f"Error: {error}", sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The whole parser; when `argv` names a command, only that one gets its own parser, which keeps start-up short."""
    parser = _parser(
        _Parser,
        prog=PROGRAM,
        description="Gentle desktop reminders for parents living with D-MER. Not medical advice.",
        example="dmer-tips run          # start the reminders\n  dmer-tips check        # check your tips file",
    )
    parser.add_argument("--version", action="version", version=f"{PROGRAM} {__version__}")
    parser.set_defaults(command="no-command")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    # The top-level options take no values, so the first word that is not an option is the command.
    named = next((word for word in argv if not word.startswith("-")), None)
    for name, add in ADDERS.items():
        if named not in ADDERS or name == named:
            add(commands, name)
    if named in ADDERS:  # words argparse cannot place are blamed on the top parser; the help to see is the command's
        parser.prog = f"{PROGRAM} {named}"
    return parser


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake on the command line is one plain `Error:` line with what to do instead."""

    def error(self, message: str) -> NoReturn:
        from dmer_tips.terminal import show

        show(f"Error: {_plain(message, self.prog)}", sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _plain(message: str, prog: str) -> str:
    """argparse's complaint, in our words."""
    choice = re.match(r"argument COMMAND: invalid choice: '(.*?)'", message)
    if choice is not None:
        from dmer_tips.errors import did_you_mean

        hint = did_you_mean(choice[1].lower(), list(ADDERS)) or "the commands are listed by `dmer-tips --help`"
        return f'there is no command "{choice[1]}" — {hint}'
    unknown = re.match(r"unrecognized arguments: (.*)", message)
    if unknown is not None:
        word = unknown[1].split()[0]
        if re.fullmatch(r"-\d.*", word):
            return f'"{word}" is negative — give a positive value (see `{prog} --help`)'
        if word in _options_of(prog):
            return f"{word} goes after the command: {prog} {word}"
        if prog.endswith(" log") and not word.startswith("-"):
            return (
                f'"{word}" is not understood here — words for how it felt go after --feeling: {prog} 3 --feeling {word}'
            )
        return f'"{word}" is not something `{prog}` understands — see `{prog} --help`'
    required = re.match(r"the following arguments are required: (.*)", message)
    if required is not None:
        return f"{required[1]} is missing — see `{prog} --help`"
    needs = re.match(r"argument (\S+): expected (one|at least one) argument", message)
    if needs is not None:
        what = "a value" if needs[2] == "one" else "at least one word"
        return f"{needs[1]} needs {what} after it — see `{prog} --help`"
    clash = re.match(r"argument (\S+): not allowed with argument (\S+)", message)
    if clash is not None:
        return f"give {clash[2]} or {clash[1]}, not both — see `{prog} --help`"
    return re.sub(r"^argument [^:]*: ", "", message) + ("" if " — " in message else f" — see `{prog} --help`")


class _Formatter(argparse.HelpFormatter):
    """Wraps descriptions to the terminal but keeps the example as written; asks the terminal for its width
    itself, as argparse would import shutil (and bz2, lzma) just for that."""

    def __init__(self, prog: str) -> None:
        from dmer_tips.terminal import terminal_width

        super().__init__(prog, width=(terminal_width() or 80) - 2)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("example:"):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def _parser(
    factory: Callable[..., argparse.ArgumentParser], *, example: str, **kwargs: object
) -> argparse.ArgumentParser:
    # No abbreviated options: `--restor` must not quietly mean `--restore`.
    return factory(formatter_class=_Formatter, epilog=f"example:\n  {example}", allow_abbrev=False, **kwargs)


def _refuse_unknown_options(parser: argparse.ArgumentParser, argv: Sequence[str]) -> None:
    """A misspelt option is named as such, with the closest real one, before argparse blames a word near it
    (`pause --untill 09:00` would otherwise be told that 09:00 is not a length of time)."""
    known = set(parser._option_string_actions)
    named = next((word for word in argv if not word.startswith("-")), None)
    if named in ADDERS:
        known |= _command_parser(parser, named)._option_string_actions.keys()
    for word in argv:
        if word == "--":
            return
        option = word.split("=", 1)[0]
        if option.startswith("--") and option not in known:
            from dmer_tips.errors import did_you_mean

            where = f"{PROGRAM} {named}" if named in ADDERS else PROGRAM
            hint = did_you_mean(option, sorted(known)) or f"see `{where} --help`"
            parser.exit(EXIT_USAGE, f"Error: there is no option {option} for `{where}` — {hint}\n")


def _command_parser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    commands = parser._subparsers._group_actions[0]  # type: ignore[union-attr]
    sub: argparse.ArgumentParser = commands.choices[name]  # type: ignore[index]
    return sub


def _options_of(prog: str) -> set[str]:
    """The options of the command named in `prog` (for "-v goes after the command")."""
    named = prog.removeprefix(f"{PROGRAM} ")
    if named not in ADDERS:
        return set()
    return set(_command_parser(build_parser([named]), named)._option_string_actions)


def _command(commands: Commands, name: str, summary: str, example: str) -> argparse.ArgumentParser:
    sub = _parser(commands.add_parser, name=name, help=summary, description=summary, example=example)
    sub.set_defaults(command=name)
    return sub


def _tips_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tips", metavar="PATH", help="tip file to use (default: $DMER_TIPS_FILE, your copy, or the bundled tips)"
    )


def _json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")


# --- value types: each says what is wrong and what to write instead ------------------------------------------


def _length(text: str) -> int:
    """A length of time in seconds, like 45m or 1h30m."""
    from dmer_tips.timespec import SpecError, parse_duration

    try:
        return int(parse_duration(text).total_seconds())
    except SpecError:
        raise argparse.ArgumentTypeError(
            f'"{text}" is not a length of time — use a number and a unit: 45s, 30m, 2h or 1d (or 1h30m)'
        ) from None


def _clock(text: str) -> int:
    from dmer_tips.timespec import SpecError, parse_clock

    try:
        return parse_clock(text)
    except SpecError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _whole_number(low: int, high: int, what: str) -> Callable[[str], int]:
    def read(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f'"{text}" is not a whole number — {what} is {low} to {high}') from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range — {what} is {low} to {high}")
        return value

    return read


def _iso_time(text: str) -> object:
    from datetime import datetime

    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'"{text}" is not a date and time — write it like 2026-12-01T08:00') from None


# --- commands (one `_add_<name>` each; the handlers are `commands.cmd_<name>`) --------------------------------


def _add_run(commands: Commands, name: str) -> None:
    sub = _command(
        commands, name, "Run the reminder service in the foreground (stop with Ctrl-C or SIGTERM).", "dmer-tips run"
    )
    sub.add_argument("-v", "--verbose", action="store_true", help="also print debug logging on stderr")
    _tips_option(sub)


def _add_status(commands: Commands, name: str) -> None:
    sub = _command(
        commands,
        name,
        "Show whether the service runs, its tip file, last reload, pause and what is next.",
        "dmer-tips status --json",
    )
    _json_option(sub)


def _add_pause(commands: Commands, name: str) -> None:
    sub = _command(
        commands,
        name,
        "Pause the reminders: for a while, until a time, until morning, or (with nothing after it) until you"
        " resume. A length is a number and a unit: s (seconds), m (minutes), h (hours), d (days), up to 60d.",
        "dmer-tips pause 2h",
    )
    group = sub.add_mutually_exclusive_group()
    group.add_argument("length", nargs="?", type=_length, metavar="LENGTH", help="how long: 45m, 2h, 1h30m or 3d")
    group.add_argument("--until", type=_clock, metavar="HH:MM", help="until this time of day (24-hour)")
    group.add_argument("--until-morning", action="store_true", help="until your quiet hours end")


def _add_resume(commands: Commands, name: str) -> None:
    _command(commands, name, "Resume paused reminders.", "dmer-tips resume")


def _add_reload(commands: Commands, name: str) -> None:
    _command(
        commands, name, "Make the service re-read its tip file now (it also does so on every save).", "dmer-tips reload"
    )


def _add_stop(commands: Commands, name: str) -> None:
    _command(commands, name, "Stop the running service.", "dmer-tips stop")


def _add_tip(commands: Commands, name: str) -> None:
    sub = _command(
        commands,
        name,
        "Show one tip now, through the running service (or here when none runs).",
        "dmer-tips tip grounding",
    )
    sub.add_argument("category", nargs="?", help="category to take it from (default: any)")
    _tips_option(sub)


def _add_session(commands: Commands, name: str) -> None:
    summary = "Start the let-down companion: grounding steps for one feed or pump (quiet hours do not apply)."
    sub = _command(commands, name, summary, "dmer-tips session pump")
    sub.add_argument("name", nargs="?", help="which session from tips.yaml (default: the first, e.g. feed)")
    sub.add_argument("--respect-pause", action="store_true", help="do not start while reminders are paused")
    sub.add_argument("--dry-run", action="store_true", help="print the steps with their times, send nothing")
    sub.add_argument("--stop", action="store_true", help="cancel the steps still to come")
    _tips_option(sub)


def _add_log(commands: Commands, name: str) -> None:
    sub = _command(
        commands,
        name,
        "Note how a feed or pump went in your private journal: 0 if there was no D-MER, 1 to 5 for how strong.",
        "dmer-tips log 3 --feeling sad anxious --note 'night feed'",
    )
    sub.add_argument(
        "intensity", type=_whole_number(0, 5, "the intensity"), help="0 (no D-MER this time) to 5 (the strongest)"
    )
    sub.add_argument("--feeling", nargs="+", default=[], metavar="WORD", help="words for how it felt, e.g. dread sad")
    sub.add_argument("--note", default="", metavar="TEXT", help="anything else worth remembering")


def _add_history(commands: Commands, name: str) -> None:
    sub = _command(
        commands,
        name,
        "Chart your logged episodes per day, or export them as CSV.",
        "dmer-tips history --days 28 --csv dmer.csv",
    )
    sub.add_argument(
        "--days",
        type=_whole_number(1, LONGEST_HISTORY_DAYS, "the number of days"),
        default=14,
        metavar="N",
        help="how many days back (default 14)",
    )
    sub.add_argument("--csv", metavar="FILE", help="also write the episodes to FILE, to share if you choose")
    sub.add_argument("--replace", action="store_true", help="write over FILE if it already exists")


def _add_preview(commands: Commands, name: str) -> None:
    sub = _command(
        commands, name, "Show exactly what the service would send, and when.", "dmer-tips preview --days 7 --seed 1"
    )
    sub.add_argument(
        "--days",
        type=_whole_number(1, LONGEST_PREVIEW_DAYS, "the number of days"),
        default=7,
        metavar="N",
        help=f"how many days ahead (default 7, at most {LONGEST_PREVIEW_DAYS})",
    )
    sub.add_argument("--start", type=_iso_time, metavar="ISO", help="start time, e.g. 2026-12-01T08:00 (default: now)")
    sub.add_argument(
        "--seed",
        type=_whole_number(0, 2**32 - 1, "the seed"),
        metavar="N",
        help="start from a fresh rotation with this seed (default: your saved one)",
    )
    _json_option(sub)
    _tips_option(sub)


def _add_next(commands: Commands, name: str) -> None:
    sub = _command(commands, name, "Show when each category's next reminder is due.", "dmer-tips next --json")
    _json_option(sub)
    _tips_option(sub)


def _add_check(commands: Commands, name: str) -> None:
    sub = _command(commands, name, "Check a tip file and summarise its schedules.", "dmer-tips check ~/my-tips.yaml")
    sub.add_argument("path", nargs="?", help="file to check (default: the tip file in use)")


def _add_tips(commands: Commands, name: str) -> None:
    sub = _command(commands, name, "List the tips.", "dmer-tips tips --category grounding")
    sub.add_argument("--category", metavar="C", help="only this category")
    _json_option(sub)
    _tips_option(sub)


def _add_edit(commands: Commands, name: str) -> None:
    sub = _command(
        commands,
        name,
        "Open your tips file (made from the bundled one if absent) in $VISUAL/$EDITOR, nano, or the desktop's"
        " editor, then check it.",
        "EDITOR=nano dmer-tips edit",
    )
    sub.add_argument(
        "--restore",
        action="store_true",
        help="start again from the bundled tips (your file is kept as a backup next to it)",
    )


def _add_where(commands: Commands, name: str) -> None:
    sub = _command(
        commands, name, "Show which tip file is in use and where settings, state and logs live.", "dmer-tips where"
    )
    _tips_option(sub)


def _add_install_service(commands: Commands, name: str) -> None:
    sub = _command(
        commands,
        name,
        "Start the service at login (systemd user unit, XDG autostart, launchd agent or Startup entry).",
        "dmer-tips install-service --dry-run",
    )
    sub.add_argument("--dry-run", action="store_true", help="print what would be written and run, change nothing")


def _add_uninstall_service(commands: Commands, name: str) -> None:
    sub = _command(commands, name, "Stop starting the service at login.", "dmer-tips uninstall-service")
    sub.add_argument("--dry-run", action="store_true", help="print what would be removed, change nothing")


ADDERS: dict[str, Callable[[Commands, str], None]] = {
    "run": _add_run,
    "status": _add_status,
    "pause": _add_pause,
    "resume": _add_resume,
    "tip": _add_tip,
    "reload": _add_reload,
    "stop": _add_stop,
    "preview": _add_preview,
    "next": _add_next,
    "session": _add_session,
    "log": _add_log,
    "history": _add_history,
    "check": _add_check,
    "tips": _add_tips,
    "edit": _add_edit,
    "where": _add_where,
    "install-service": _add_install_service,
    "uninstall-service": _add_uninstall_service,
}
