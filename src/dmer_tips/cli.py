"""The `dmer-tips` command: parses arguments, delegates, and turns our errors into `Error: …` + exit 1."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from dmer_tips import __version__
from dmer_tips.errors import DmerTipsError, TipBankError

if TYPE_CHECKING:
    from dmer_tips.model import TipBank
    from dmer_tips.paths import AppPaths, TipsFile
    from dmer_tips.reminders import Reminders

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2

Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except TipBankError as error:
        print(error, file=sys.stderr)
        count = len(error.problems)
        print(f"Error: the tip file has {count} problem{'s' if count != 1 else ''}, listed above.", file=sys.stderr)
        return EXIT_ERROR
    except DmerTipsError as error:
        print(f"Error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = _parser(
        argparse.ArgumentParser,
        prog="dmer-tips",
        description="Gentle desktop reminders for parents living with D-MER. Not medical advice.",
        example="dmer-tips run          # start the reminders\n  dmer-tips check        # check your tips file",
    )
    parser.add_argument("--version", action="version", version=f"dmer-tips {__version__}")
    parser.set_defaults(handler=lambda _: _no_command(parser))
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for add in (_add_run, _add_preview, _add_next, _add_check, _add_tips, _add_tip, _add_edit, _add_where):
        add(commands)
    return parser


def _parser(factory: Callable[..., argparse.ArgumentParser], *, example: str, **kwargs: object) -> argparse.ArgumentParser:
    return factory(formatter_class=argparse.RawDescriptionHelpFormatter, epilog=f"example:\n  {example}", **kwargs)


def _command(commands: argparse._SubParsersAction, name: str, summary: str, example: str, handler: Handler) -> argparse.ArgumentParser:
    sub = _parser(commands.add_parser, name=name, help=summary, description=summary, example=example)
    sub.set_defaults(handler=handler)
    return sub


def _tips_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tips", type=Path, metavar="PATH", help="tip file to use (default: $DMER_TIPS_FILE, your copy, or the bundled tips)")


def _no_command(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def _add_run(commands: argparse._SubParsersAction) -> None:
    sub = _command(commands, "run", "Run the reminder service in the foreground (stop with Ctrl-C or SIGTERM).", "dmer-tips run --tips ~/my-tips.yaml", _cmd_run)
    sub.add_argument("-v", "--verbose", action="store_true", help="also print debug logging on stderr")
    _tips_option(sub)


def _cmd_run(args: argparse.Namespace) -> int:
    from dmer_tips.logsetup import configure_logging
    from dmer_tips.notify import ConsoleNotifier, FallbackNotifier, desktop_notifier
    from dmer_tips.service import Service, ServiceConfig
    from dmer_tips.state import StateFile

    paths = _paths()
    configure_logging(paths.log_dir, args.verbose)
    config = ServiceConfig(_tips_file(args.tips).path, StateFile(paths.state_file), _local_zone())
    return Service(config, FallbackNotifier(desktop_notifier(), ConsoleNotifier()), sys.stdout).run()


def _add_preview(commands: argparse._SubParsersAction) -> None:
    sub = _command(commands, "preview", "Show exactly what the service would send, and when.", "dmer-tips preview --days 7 --seed 1", _cmd_preview)
    sub.add_argument("--days", type=_positive_int, default=7, metavar="N", help="how many days ahead (default 7)")
    sub.add_argument("--start", type=_iso_time, metavar="ISO", help="start time, e.g. 2026-12-01T08:00 (default: now)")
    sub.add_argument("--seed", type=int, metavar="N", help="start from a fresh rotation with this seed (default: your saved one)")
    sub.add_argument("--json", action="store_true", help="print JSON")
    _tips_option(sub)


def _cmd_preview(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from dmer_tips.views import timeline_json, timeline_text

    zone = _local_zone()
    start = (args.start.replace(tzinfo=zone) if args.start and args.start.tzinfo is None else args.start) or _now()
    reminders = _reminders(args.tips, args.seed, start)
    sent = reminders.timeline(start, start + timedelta(days=args.days))
    print(timeline_json(sent) if args.json else timeline_text(sent))
    return EXIT_OK


def _add_next(commands: argparse._SubParsersAction) -> None:
    sub = _command(commands, "next", "Show when each category's next reminder is due.", "dmer-tips next --json", _cmd_next)
    sub.add_argument("--json", action="store_true", help="print JSON")
    _tips_option(sub)


def _cmd_next(args: argparse.Namespace) -> int:
    from dmer_tips.views import upcoming_json, upcoming_text

    now = _now()
    upcoming = _reminders(args.tips, None, now).upcoming(now)
    print(upcoming_json(upcoming, _local_zone()) if args.json else upcoming_text(upcoming, _local_zone(), now))
    return EXIT_OK


def _add_check(commands: argparse._SubParsersAction) -> None:
    sub = _command(commands, "check", "Check a tip file and summarise its schedules.", "dmer-tips check ~/my-tips.yaml", _cmd_check)
    sub.add_argument("path", nargs="?", type=Path, help="file to check (default: the tip file in use)")


def _cmd_check(args: argparse.Namespace) -> int:
    from dmer_tips.tipbank import load_tip_bank
    from dmer_tips.views import bank_summary

    print(bank_summary(load_tip_bank(_tips_file(args.path).path)))
    return EXIT_OK


def _add_tips(commands: argparse._SubParsersAction) -> None:
    sub = _command(commands, "tips", "List the tips.", "dmer-tips tips --category grounding", _cmd_tips)
    sub.add_argument("--category", metavar="C", help="only this category")
    sub.add_argument("--json", action="store_true", help="print JSON")
    _tips_option(sub)


def _cmd_tips(args: argparse.Namespace) -> int:
    from dmer_tips.views import tips_json, tips_listing

    bank = _load_bank(args.tips)
    tips = list(bank.category(args.category).tips) if args.category else list(bank.tips)
    print(tips_json(tips) if args.json else tips_listing(tips))
    return EXIT_OK


def _add_tip(commands: argparse._SubParsersAction) -> None:
    sub = _command(commands, "tip", "Show one tip now (the next one in its category's rotation).", "dmer-tips tip grounding", _cmd_tip)
    sub.add_argument("category", nargs="?", help="category to take it from (default: any)")
    _tips_option(sub)


def _cmd_tip(args: argparse.Namespace) -> int:
    import random

    from dmer_tips.rotation import pick_tip
    from dmer_tips.state import StateFile
    from dmer_tips.views import tip_for_terminal

    bank = _load_bank(args.tips)
    state_file = StateFile(_paths().state_file)
    state = state_file.load()
    tip = pick_tip(bank, state.rotation, args.category, random.Random())
    state_file.save(state)
    print(tip_for_terminal(tip))
    return EXIT_OK


def _add_edit(commands: argparse._SubParsersAction) -> None:
    _command(commands, "edit", "Open your tips file in $VISUAL/$EDITOR (made from the bundled one if absent), then check it.", "EDITOR=nano dmer-tips edit", _cmd_edit)


def _cmd_edit(args: argparse.Namespace) -> int:
    from dmer_tips.editing import edit_and_check, ensure_user_copy
    from dmer_tips.views import bank_summary

    target = _tips_file(None).path if os.environ.get("DMER_TIPS_FILE") else _paths().user_tips_file
    if ensure_user_copy(target):
        print(f"Created your copy of the tips: {target}")
    print(bank_summary(edit_and_check(target, os.environ)))
    return EXIT_OK


def _add_where(commands: argparse._SubParsersAction) -> None:
    sub = _command(commands, "where", "Show which tip file is in use and where settings, state and logs live.", "dmer-tips where", _cmd_where)
    _tips_option(sub)


def _cmd_where(args: argparse.Namespace) -> int:
    paths = _paths()
    chosen = _tips_file(args.tips)
    print(f"tips file: {chosen.path} ({chosen.reason})")
    print(f"config:    {paths.config_dir}")
    print(f"state:     {paths.state_dir}")
    print(f"logs:      {paths.log_dir}")
    return EXIT_OK


def _reminders(given: Path | None, seed: int | None, now: datetime) -> Reminders:
    """The reminders as the service would see them: your saved progress, or a fresh start for a seed."""
    from dmer_tips.reminders import Reminders
    from dmer_tips.state import ServiceState, StateFile

    state = ServiceState.fresh(seed) if seed is not None else StateFile(_paths().state_file).load()
    return Reminders(_load_bank(given), state, _local_zone(), now)


def _local_zone() -> tzinfo:
    import tzlocal

    return tzlocal.get_localzone()


def _now() -> datetime:
    from dmer_tips.clockwatch import utc_now

    return utc_now()


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _iso_time(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date and time like 2026-12-01T08:00") from None


def _paths() -> AppPaths:
    from dmer_tips.paths import AppPaths

    return AppPaths.for_user()


def _tips_file(given: Path | None) -> TipsFile:
    from dmer_tips.paths import resolve_tips_file

    return resolve_tips_file(given, os.environ, _paths())


def _load_bank(given: Path | None) -> TipBank:
    from dmer_tips.tipbank import load_tip_bank

    return load_tip_bank(_tips_file(given).path)
