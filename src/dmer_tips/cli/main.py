"""The `dmer-tips` command: parses arguments, delegates, and turns our errors into `Error: …` + exit 1."""

from __future__ import annotations

import argparse
import os
import sys

from dmer_tips import PROGRAM, __version__

# `typing`, `pathlib` and `datetime` stay out of start-up: `--version` and `status` must be quick.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime, tzinfo
    from pathlib import Path
    from typing import Any

    Handler = Callable[[argparse.Namespace], int]
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]
    from dmer_tips.bank.model import TipBank
    from dmer_tips.desktop.autostart import Entry
    from dmer_tips.journal import Journal
    from dmer_tips.paths import AppPaths, TipsFile
    from dmer_tips.schedule.reminders import Reminders

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
# Our errors carry their own exit codes: 3 when no service runs (NotRunning), 4 when one already does.


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _run(sys.argv[1:] if argv is None else argv)
    except BrokenPipeError:
        # The reader went away (`dmer-tips tips | head`): nothing is wrong, and nothing more needs printing.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _run(argv: Sequence[str]) -> int:
    args = build_parser(argv).parse_args(argv)  # --version and --help end here, before anything heavy loads
    from dmer_tips.errors import DmerTipsError, TipBankError

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
        return error.exit_code
    except KeyboardInterrupt:
        return 130


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The whole parser; when `argv` names a command, only that one gets its own parser, which keeps start-up short."""
    parser = _parser(
        argparse.ArgumentParser,
        prog=PROGRAM,
        description="Gentle desktop reminders for parents living with D-MER. Not medical advice.",
        example="dmer-tips run          # start the reminders\n  dmer-tips check        # check your tips file",
    )
    parser.add_argument("--version", action="version", version=f"{PROGRAM} {__version__}")
    parser.set_defaults(handler=lambda _: _no_command(parser))
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    adders = {
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
    # The top-level options take no values, so the first word that is not an option is the command.
    named = next((word for word in argv if not word.startswith("-")), None)
    for name, add in adders.items():
        if named not in adders or name == named:
            add(commands, name)
    return parser


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Asks the terminal for its width itself: argparse would import shutil (and bz2, lzma) just for that."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=_terminal_width() - 2)


def _terminal_width() -> int:
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size().columns
    except OSError:  # not a terminal
        return 80


def _parser(
    factory: Callable[..., argparse.ArgumentParser], *, example: str, **kwargs: object
) -> argparse.ArgumentParser:
    return factory(formatter_class=_Formatter, epilog=f"example:\n  {example}", **kwargs)


def _command(commands: Commands, name: str, summary: str, example: str, handler: Handler) -> argparse.ArgumentParser:
    sub = _parser(commands.add_parser, name=name, help=summary, description=summary, example=example)
    sub.set_defaults(handler=handler)
    return sub


def _tips_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tips",
        type=_path,
        metavar="PATH",
        help="tip file to use (default: $DMER_TIPS_FILE, your copy, or the bundled tips)",
    )


def _no_command(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def _add_run(commands: Commands, name: str) -> None:
    sub = _command(
        commands,
        name,
        "Run the reminder service in the foreground (stop with Ctrl-C or SIGTERM).",
        "dmer-tips run --tips ~/my-tips.yaml",
        _cmd_run,
    )
    sub.add_argument("-v", "--verbose", action="store_true", help="also print debug logging on stderr")
    _tips_option(sub)


def _cmd_run(args: argparse.Namespace) -> int:
    from dmer_tips.service.logsetup import configure_logging
    from dmer_tips.service.run import run_service

    paths = _paths()
    configure_logging(paths.log_dir, args.verbose)
    return run_service(_tips_file(args.tips), paths, _local_zone())


def _add_status(commands: Commands, name: str) -> None:
    sub = _command(
        commands,
        name,
        "Show whether the service runs, its tip file, last reload, pause and what is next.",
        "dmer-tips status --json",
        _cmd_status,
    )
    sub.add_argument("--json", action="store_true", help="print JSON")


def _cmd_status(args: argparse.Namespace) -> int:
    import json

    from dmer_tips.cli.statusview import status_text
    from dmer_tips.service.control import NotRunning

    try:
        status = _ask("status")
    except NotRunning:
        print(
            json.dumps({"running": False}) if args.json else "dmer-tips is not running (start it with `dmer-tips run`)."
        )
        return NotRunning.exit_code
    print(json.dumps(status, indent=2) if args.json else status_text(status, _now()))
    return EXIT_OK


def _add_pause(commands: Commands, name: str) -> None:
    sub = _command(
        commands,
        name,
        "Pause the reminders: for a while, until a time, until morning, or until you resume.",
        "dmer-tips pause 2h",
        _cmd_pause,
    )
    group = sub.add_mutually_exclusive_group()
    group.add_argument("duration", nargs="?", type=_duration, help="how long, e.g. 45m or 2h")
    group.add_argument("--until", type=_clock, metavar="HH:MM", help="until this time of day")
    group.add_argument("--until-morning", action="store_true", help="until your quiet hours end")


def _cmd_pause(args: argparse.Namespace) -> int:
    from dmer_tips.schedule.pause import PauseRequest
    from dmer_tips.timespec import parse_clock, parse_duration

    if args.duration is not None:
        request = PauseRequest.for_length(int(parse_duration(args.duration).total_seconds()))
    else:
        request = PauseRequest(until_s=parse_clock(args.until) if args.until else None, morning=args.until_morning)
    report = _ask("pause", pause=request.to_json())
    print(f"Reminders paused {report['text']}.")
    return EXIT_OK


def _add_resume(commands: Commands, name: str) -> None:
    _command(commands, name, "Resume paused reminders.", "dmer-tips resume", _cmd_resume)


def _cmd_resume(args: argparse.Namespace) -> int:
    print("Reminders resumed." if _ask("resume")["was_paused"] else "Nothing was paused; reminders are on.")
    return EXIT_OK


def _add_reload(commands: Commands, name: str) -> None:
    _command(
        commands,
        name,
        "Make the service re-read its tip file now (it also does so on every save).",
        "dmer-tips reload",
        _cmd_reload,
    )


def _cmd_reload(args: argparse.Namespace) -> int:
    result = _ask("reload")
    if not result["ok"]:
        print("\n".join(result["problems"]), file=sys.stderr)
        print("Error: the tip file has problems; the service keeps the last good tips.", file=sys.stderr)
        return EXIT_ERROR
    print(f"Reloaded: {result['tips']} tips.")
    return EXIT_OK


def _add_stop(commands: Commands, name: str) -> None:
    _command(commands, name, "Stop the running service.", "dmer-tips stop", _cmd_stop)


def _cmd_stop(args: argparse.Namespace) -> int:
    _ask("stop")
    print("Stopped.")
    return EXIT_OK


def _add_session(commands: Commands, name: str) -> None:
    summary = "Start the let-down companion: grounding steps for one feed or pump (quiet hours do not apply)."
    sub = _command(commands, name, summary, "dmer-tips session pump", _cmd_session)
    sub.add_argument("name", nargs="?", help="which session from tips.yaml (default: the first, e.g. feed)")
    sub.add_argument("--respect-pause", action="store_true", help="do not start while reminders are paused")
    sub.add_argument("--dry-run", action="store_true", help="print the steps with their times, send nothing")
    sub.add_argument("--stop", action="store_true", help="cancel the steps still to come")
    _tips_option(sub)


def _cmd_session(args: argparse.Namespace) -> int:
    from dmer_tips.companion import describe_plan, plan_session
    from dmer_tips.service.control import NotRunning

    if args.stop:
        cancelled = _ask("session_stop")["cancelled"]
        print(
            f"Session stopped ({cancelled} step{'s' if cancelled != 1 else ''} cancelled)."
            if cancelled
            else "No session was running."
        )
        return EXIT_OK
    if args.dry_run:
        print(describe_plan(plan_session(_load_bank(args.tips).session(args.name), _now()), _local_zone()))
        return EXIT_OK
    if args.tips is None:
        try:
            started = _ask("session", name=args.name, respect_pause=args.respect_pause)
        except NotRunning:
            pass
        else:
            again = " (the one already running was restarted)" if started["replaced"] else ""
            print(
                f'Session "{started["name"]}" started: {started["steps"]} steps{again}. `dmer-tips session --stop` cancels it.'
            )
            return EXIT_OK
    return _session_here(args)


def _session_here(args: argparse.Namespace) -> int:
    """No service runs: send the steps from this process, in the foreground."""
    import time

    from dmer_tips.companion import plan_session, refuse_if_paused, run_here
    from dmer_tips.notify import ConsoleNotifier, FallbackNotifier, desktop_notifier
    from dmer_tips.schedule.state import StateFile

    session = _load_bank(args.tips).session(args.name)
    if args.respect_pause:
        refuse_if_paused(StateFile(_paths().state_file).load().pause, _now(), _local_zone())
    planned = plan_session(session, _now())
    print(f'Session "{session.name}" runs here ({len(planned)} steps); Ctrl-C stops it.', flush=True)
    sent = run_here(planned, FallbackNotifier(desktop_notifier(), ConsoleNotifier()), _now, time.sleep)
    print("Session finished." if sent == len(planned) else f"Session stopped after {sent} of {len(planned)} steps.")
    return EXIT_OK


def _add_log(commands: Commands, name: str) -> None:
    sub = _command(
        commands,
        name,
        "Note a D-MER episode in your private journal.",
        "dmer-tips log 3 --feeling sad anxious --note 'night feed'",
        _cmd_log,
    )
    sub.add_argument("intensity", nargs="?", type=int, help="0 (none this time) to 5 (the strongest)")
    sub.add_argument(
        "--feeling", nargs="+", default=[], metavar="WORD", help="words for how it felt, e.g. dread sad angry"
    )
    sub.add_argument("--note", default="", metavar="TEXT", help="anything else worth remembering")


def _cmd_log(args: argparse.Namespace) -> int:
    from dmer_tips.journal import Episode

    now = _now()
    _journal().record(Episode(now, args.intensity, tuple(args.feeling), args.note))
    described = "no intensity" if args.intensity is None else f"intensity {args.intensity}"
    feelings = f" ({', '.join(args.feeling)})" if args.feeling else ""
    print(f"Logged at {now.astimezone(_local_zone()):%H:%M}: {described}{feelings}. It stays on this computer.")
    return EXIT_OK


def _add_history(commands: Commands, name: str) -> None:
    sub = _command(
        commands,
        name,
        "Chart your logged episodes per day, or export them as CSV.",
        "dmer-tips history --days 28 --csv dmer.csv",
        _cmd_history,
    )
    sub.add_argument("--days", type=_positive_int, default=14, metavar="N", help="how many days back (default 14)")
    sub.add_argument(
        "--csv", type=_path, metavar="FILE", help="also write the episodes to FILE, to share if you choose"
    )


def _cmd_history(args: argparse.Namespace) -> int:
    from datetime import datetime, timedelta

    from dmer_tips.journal import days, export_csv
    from dmer_tips.views import history_chart

    zone = _local_zone()
    today = _now().astimezone(zone).date()
    first = today - timedelta(days=args.days - 1)
    episodes = _journal().since(datetime.combine(first, datetime.min.time(), tzinfo=zone))
    print(history_chart(days(episodes, first, today, zone)))
    if args.csv:
        export_csv(episodes, args.csv, zone)
        print(f"Wrote {len(episodes)} episodes to {args.csv}.")
    return EXIT_OK


def _journal() -> Journal:
    from dmer_tips.journal import Journal

    return Journal(_paths().journal_file, tell=lambda line: print(line, file=sys.stderr))


def _add_install_service(commands: Commands, name: str) -> None:
    summary = "Start the service at login (systemd user unit, XDG autostart, launchd agent or Startup entry)."
    sub = _command(commands, name, summary, "dmer-tips install-service --dry-run", _cmd_install_service)
    sub.add_argument("--dry-run", action="store_true", help="print what would be written and run, change nothing")


def _cmd_install_service(args: argparse.Namespace) -> int:
    from dmer_tips.desktop.autostart import install, run_quietly

    print("\n".join(install(_autostart_entries(), args.dry_run, run_quietly)))
    return EXIT_OK


def _add_uninstall_service(commands: Commands, name: str) -> None:
    sub = _command(
        commands,
        name,
        "Stop starting the service at login.",
        "dmer-tips uninstall-service",
        _cmd_uninstall_service,
    )
    sub.add_argument("--dry-run", action="store_true", help="print what would be removed, change nothing")


def _cmd_uninstall_service(args: argparse.Namespace) -> int:
    from dmer_tips.desktop.autostart import run_quietly, uninstall

    print("\n".join(uninstall(_autostart_entries(), args.dry_run, run_quietly)))
    return EXIT_OK


def _autostart_entries() -> list[Entry]:
    from dmer_tips.desktop.autostart import plan, run_quietly, systemd_user_available

    data_base = _path(os.environ["XDG_DATA_HOME"]) if os.environ.get("XDG_DATA_HOME") else None
    return plan(sys.platform, _path("~"), _paths().config_dir.parent, systemd_user_available(run_quietly), data_base)


def _add_preview(commands: Commands, name: str) -> None:
    sub = _command(
        commands,
        name,
        "Show exactly what the service would send, and when.",
        "dmer-tips preview --days 7 --seed 1",
        _cmd_preview,
    )
    sub.add_argument("--days", type=_positive_int, default=7, metavar="N", help="how many days ahead (default 7)")
    sub.add_argument("--start", type=_iso_time, metavar="ISO", help="start time, e.g. 2026-12-01T08:00 (default: now)")
    sub.add_argument(
        "--seed", type=int, metavar="N", help="start from a fresh rotation with this seed (default: your saved one)"
    )
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


def _add_next(commands: Commands, name: str) -> None:
    sub = _command(
        commands, name, "Show when each category's next reminder is due.", "dmer-tips next --json", _cmd_next
    )
    sub.add_argument("--json", action="store_true", help="print JSON")
    _tips_option(sub)


def _cmd_next(args: argparse.Namespace) -> int:
    from dmer_tips.views import upcoming_json, upcoming_text

    now = _now()
    upcoming = _reminders(args.tips, None, now).upcoming(now)
    print(upcoming_json(upcoming, _local_zone()) if args.json else upcoming_text(upcoming, _local_zone(), now))
    return EXIT_OK


def _add_check(commands: Commands, name: str) -> None:
    sub = _command(
        commands, name, "Check a tip file and summarise its schedules.", "dmer-tips check ~/my-tips.yaml", _cmd_check
    )
    sub.add_argument("path", nargs="?", type=_path, help="file to check (default: the tip file in use)")


def _cmd_check(args: argparse.Namespace) -> int:
    from dmer_tips.bank.load import load_tip_bank
    from dmer_tips.views import bank_summary

    print(bank_summary(load_tip_bank(_tips_file(args.path).path)))
    return EXIT_OK


def _add_tips(commands: Commands, name: str) -> None:
    sub = _command(commands, name, "List the tips.", "dmer-tips tips --category grounding", _cmd_tips)
    sub.add_argument("--category", metavar="C", help="only this category")
    sub.add_argument("--json", action="store_true", help="print JSON")
    _tips_option(sub)


def _cmd_tips(args: argparse.Namespace) -> int:
    from dmer_tips.views import tips_json, tips_listing

    bank = _load_bank(args.tips)
    tips = list(bank.category(args.category).tips) if args.category else list(bank.tips)
    print(tips_json(tips) if args.json else tips_listing(tips))
    return EXIT_OK


def _add_tip(commands: Commands, name: str) -> None:
    summary = "Send one tip now through the running service (or print it here when none runs)."
    sub = _command(commands, name, summary, "dmer-tips tip grounding", _cmd_tip)
    sub.add_argument("category", nargs="?", help="category to take it from (default: any)")
    _tips_option(sub)


def _cmd_tip(args: argparse.Namespace) -> int:
    from dmer_tips.service.control import NotRunning

    if args.tips is None:
        try:
            tip = _ask("tip", category=args.category)
        except NotRunning:
            pass
        else:
            print(f"Sent: {tip['title']}: {tip['text']}")
            return EXIT_OK
    return _print_tip_here(args)


def _print_tip_here(args: argparse.Namespace) -> int:
    import random

    from dmer_tips.schedule.rotation import pick_tip
    from dmer_tips.schedule.state import StateFile
    from dmer_tips.views import tip_for_terminal

    bank = _load_bank(args.tips)
    state_file = StateFile(_paths().state_file)
    state = state_file.load()
    tip = pick_tip(bank, state.rotation, args.category, random.Random())
    state_file.save(state)
    print(tip_for_terminal(tip))
    return EXIT_OK


def _add_edit(commands: Commands, name: str) -> None:
    _command(
        commands,
        name,
        "Open your tips file in $VISUAL/$EDITOR (made from the bundled one if absent), then check it.",
        "EDITOR=nano dmer-tips edit",
        _cmd_edit,
    )


def _cmd_edit(args: argparse.Namespace) -> int:
    from dmer_tips.bank.edit import edit_and_check, ensure_user_copy
    from dmer_tips.views import bank_summary

    target = _tips_file(None).path if os.environ.get("DMER_TIPS_FILE") else _paths().user_tips_file
    if ensure_user_copy(target):
        print(f"Created your copy of the tips: {target}")
    print(bank_summary(edit_and_check(target, os.environ)))
    _mention_if_service_uses_another_file(target)
    return EXIT_OK


def _mention_if_service_uses_another_file(edited: Path) -> None:
    """A running service keeps the file it started with; say so when that is not the one just edited."""
    from dmer_tips.service.control import NotRunning

    try:
        in_use = _ask("status")["tips_file"]
    except NotRunning:
        return
    if _path(in_use).resolve() != edited.resolve():
        print(
            f"Note: the running service uses {in_use}; restart it (`dmer-tips stop`, then `dmer-tips run`) to use {edited}."
        )


def _add_where(commands: Commands, name: str) -> None:
    sub = _command(
        commands,
        name,
        "Show which tip file is in use and where settings, state and logs live.",
        "dmer-tips where",
        _cmd_where,
    )
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
    from dmer_tips.schedule.reminders import Reminders
    from dmer_tips.schedule.state import ServiceState, StateFile

    state = ServiceState.fresh(seed) if seed is not None else StateFile(_paths().state_file).load()
    return Reminders(_load_bank(given), state, _local_zone(), now)


def _local_zone() -> tzinfo:
    import tzlocal

    return tzlocal.get_localzone()


def _now() -> datetime:
    from dmer_tips.service.clock import utc_now

    return utc_now()


def _path(text: str) -> Path:
    from pathlib import Path

    return Path(text).expanduser()


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _iso_time(text: str) -> datetime:
    from datetime import datetime

    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date and time like 2026-12-01T08:00") from None


def _ask(command: str, **arguments: Any) -> Any:
    """One request to the running service; NotRunning when there is none."""
    from dmer_tips.paths import control_file
    from dmer_tips.service.control import request

    return request(control_file(), command, **arguments)["result"]


def _duration(text: str) -> str:
    from dmer_tips.timespec import SpecError, parse_duration

    try:
        parse_duration(text)
    except SpecError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def _clock(text: str) -> str:
    from dmer_tips.timespec import SpecError, parse_clock

    try:
        parse_clock(text)
    except SpecError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def _paths() -> AppPaths:
    from dmer_tips.paths import AppPaths

    return AppPaths.for_user()


def _tips_file(given: Path | None) -> TipsFile:
    from dmer_tips.paths import resolve_tips_file

    return resolve_tips_file(given, os.environ, _paths())


def _load_bank(given: Path | None) -> TipBank:
    from dmer_tips.bank.load import load_tip_bank

    return load_tip_bank(_tips_file(given).path)
