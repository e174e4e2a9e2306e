"""One function per command: read the parsed arguments, make one call into the library, print the result.

Imports are inside the functions, so each command loads only what it uses.
"""

from __future__ import annotations

import argparse
import contextlib
import sys

from dmer_tips.cli.main import EXIT_OK, EXIT_USAGE, build_parser
from dmer_tips.terminal import counted, show

TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import datetime, tzinfo
    from typing import Any

    from dmer_tips.bank.model import TipBank
    from dmer_tips.journal import Journal
    from dmer_tips.paths import AppPaths, TipsFile
    from dmer_tips.schedule.reminders import Reminders


def cmd_no_command(args: argparse.Namespace) -> int:
    build_parser().print_help(sys.stderr)
    return EXIT_USAGE


# --- the service -------------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    from dmer_tips.service.logsetup import configure_logging
    from dmer_tips.service.run import run_service

    paths = _paths()
    configure_logging(paths.log_dir, args.verbose)
    return run_service(_tips_file(args.tips), paths, _local_zone())


def cmd_status(args: argparse.Namespace) -> int:
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
    if args.json:
        print(json.dumps(status, indent=2))
    else:
        show(status_text(status, _now()))
    return EXIT_OK


def cmd_pause(args: argparse.Namespace) -> int:
    from dmer_tips.schedule.pause import PauseRequest

    if args.length is not None:
        request = PauseRequest.for_length(args.length)
    else:
        request = PauseRequest(until_s=args.until, morning=args.until_morning)
    report = _ask("pause", pause=request.to_json())
    print(f"Reminders paused {report['text']}.")
    return EXIT_OK


def cmd_resume(args: argparse.Namespace) -> int:
    print("Reminders resumed." if _ask("resume")["was_paused"] else "Nothing was paused; reminders are on.")
    return EXIT_OK


def cmd_reload(args: argparse.Namespace) -> int:
    result = _ask("reload")
    if not result["ok"]:
        print("\n".join(result["problems"]), file=sys.stderr)
        print("Error: the tip file has problems; the service keeps the last good tips.", file=sys.stderr)
        return 1
    print(f"Reloaded: {counted(result['tips'], 'tip')}.")
    return EXIT_OK


def cmd_stop(args: argparse.Namespace) -> int:
    _ask("stop")
    print("Stopped.")
    return EXIT_OK


def cmd_tip(args: argparse.Namespace) -> int:
    from dmer_tips.service.control import NotRunning
    from dmer_tips.standalone import tip_here
    from dmer_tips.views import tip_for_terminal

    if args.tips is None:
        try:
            tip = _ask("tip", category=args.category)
        except NotRunning:
            pass
        else:
            where = (
                "Shown on the desktop"
                if tip["on_desktop"]
                else "The service printed it in its own terminal (the desktop cannot show it)"
            )
            show(f"{where}: {tip['title']}: {tip['text']}")
            return EXIT_OK
    show(tip_for_terminal(tip_here(_tips_file(args.tips), _paths(), args.category)))
    return EXIT_OK


def cmd_session(args: argparse.Namespace) -> int:
    from dmer_tips.service.control import NotRunning

    if args.stop:
        try:
            cancelled = _ask("session_stop")["cancelled"]
        except NotRunning:
            # A session run here in another terminal stops with Ctrl-C there; the service has none to stop.
            cancelled = 0
        print(f"Session stopped ({counted(cancelled, 'step')} cancelled)." if cancelled else "No session was running.")
        return EXIT_OK
    if args.dry_run:
        from dmer_tips.companion import describe_plan, plan_session

        show(describe_plan(plan_session(_load_bank(args.tips).session(args.name), _now()), _local_zone()))
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
    import time

    from dmer_tips.service.clock import utc_now
    from dmer_tips.service.logsetup import configure_logging
    from dmer_tips.standalone import session_here

    paths = _paths()
    configure_logging(paths.log_dir, verbose=False)
    run = session_here(
        _tips_file(args.tips), paths, args.name, args.respect_pause, _local_zone(), utc_now, time.sleep, sys.stdout
    )
    print("Session finished." if run.sent == run.steps else f"Session stopped after {run.sent} of {run.steps} steps.")
    return EXIT_OK


# --- the journal -------------------------------------------------------------------------------------


def cmd_log(args: argparse.Namespace) -> int:
    from dmer_tips.errors import DmerTipsError
    from dmer_tips.journal import Episode

    now = _now()
    feelings = tuple(word for word in args.feeling if word.strip())
    _journal().record(Episode(now, args.intensity, feelings, args.note))
    with contextlib.suppress(DmerTipsError):  # a running service plans the next feed from this one
        _ask("logged", timeout_s=2, at=now.isoformat())
    described = "no D-MER this time" if args.intensity == 0 else f"intensity {args.intensity}"
    said = f" ({', '.join(feelings)})" if feelings else ""
    print(f"Logged at {now.astimezone(_local_zone()):%H:%M}: {described}{said}. It stays on this computer.")
    return EXIT_OK


def cmd_history(args: argparse.Namespace) -> int:
    from datetime import datetime, timedelta

    from dmer_tips.journal import days, export_csv
    from dmer_tips.views import history_chart

    zone = _local_zone()
    today = _now().astimezone(zone).date()
    first = today - timedelta(days=args.days - 1)
    episodes = _journal().since(datetime.combine(first, datetime.min.time(), tzinfo=zone))
    show(history_chart(days(episodes, first, today, zone)))
    if args.csv:
        export_csv(episodes, _path(args.csv), zone, args.replace)
        print(f"Wrote {counted(len(episodes), 'entry', 'entries')} to {args.csv} (readable only by you).")
    return EXIT_OK


def _journal() -> Journal:
    from dmer_tips.journal import Journal

    return Journal(_paths().journal_file, tell=lambda line: print(line, file=sys.stderr))


# --- the tip bank ------------------------------------------------------------------------------------


def cmd_preview(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from dmer_tips.views import timeline_json, timeline_text

    zone = _local_zone()
    start = (args.start.replace(tzinfo=zone) if args.start and args.start.tzinfo is None else args.start) or _now()
    reminders, end = _reminders(args.tips, args.seed, start), start + timedelta(days=args.days)
    sent, heads_ups = reminders.timeline(start, end), reminders.heads_ups(start, end)
    if args.json:
        print(timeline_json(sent, heads_ups, zone))
        return EXIT_OK
    pause = reminders.pause(start)
    if pause is not None:
        show(f"Reminders are paused {pause.describe(zone, start)} (`dmer-tips resume` ends the pause).")
    show(timeline_text(sent, heads_ups, zone))
    return EXIT_OK


def cmd_next(args: argparse.Namespace) -> int:
    from datetime import datetime, timedelta

    from dmer_tips.service.control import NotRunning
    from dmer_tips.views import upcoming_json, upcoming_text

    now = _now()
    try:
        if args.tips is not None:
            raise NotRunning()
        # The running service knows best: it may use another file (--tips) and has its own progress.
        status = _ask("status")
        upcoming = {name: datetime.fromisoformat(at) if at else None for name, at in status["next"].items()}
        upcoming |= {
            _heads_up_label(name, datetime.fromisoformat(coming["time"])): datetime.fromisoformat(coming["heads_up"])
            for name, coming in status["heads_up"].items()
        }
        upcoming |= {
            f"{item['title']} (again, after Later)": datetime.fromisoformat(item["at"])
            for item in status["snoozed"]
            if item["at"]
        }
        paused = status["pause"]["text"] if status["pause"] else None
    except NotRunning:
        reminders = _reminders(args.tips, None, now)
        upcoming = {name: due.at if due else None for name, due in reminders.upcoming(now).items()}
        seen: set[str] = set()
        for feed in reminders.heads_ups(now, now + timedelta(days=15)):
            if feed.rhythm not in seen:
                seen.add(feed.rhythm)
                upcoming[_heads_up_label(feed.rhythm, feed.at)] = feed.heads_up_at
        for due in reminders.snoozed_due(now):
            if due.tip_id is not None:
                upcoming[f"{reminders.bank.tip(due.category, due.tip_id).title} (again, after Later)"] = due.at
        pause = reminders.pause(now)
        paused = pause.describe(_local_zone(), now) if pause else None
    if args.json:
        print(upcoming_json(upcoming, _local_zone()))
    else:
        show(upcoming_text(upcoming, _local_zone(), now, paused))
    return EXIT_OK


def _heads_up_label(rhythm: str, at: datetime) -> str:
    return f"heads-up for {rhythm} at {at.astimezone(_local_zone()):%H:%M}"


def cmd_check(args: argparse.Namespace) -> int:
    from dmer_tips.views import bank_summary

    show(bank_summary(_load_bank(args.path)))
    return EXIT_OK


def cmd_tips(args: argparse.Namespace) -> int:
    from dmer_tips.views import tips_json, tips_listing

    bank = _load_bank(args.tips)
    tips = list(bank.category(args.category).tips) if args.category else list(bank.tips)
    if args.json:
        print(tips_json(tips))
    else:
        show(tips_listing(tips))
    return EXIT_OK


def cmd_edit(args: argparse.Namespace) -> int:
    import os

    from dmer_tips.bank.edit import ensure_user_copy, open_for_editing, restore_bundled
    from dmer_tips.views import bank_summary

    paths = _paths()
    chosen = _tips_file(None)
    target = chosen.path if not chosen.follows_user_copy else paths.user_tips_file
    if args.restore:
        from datetime import datetime

        backup = restore_bundled(target, datetime.now())
        kept = f" (your previous file is kept as {backup})" if backup else ""
        print(f"Restored the bundled tips in {target}{kept}.")
    elif ensure_user_copy(target):
        print(f"Created your copy of the tips: {target}")
    opened = open_for_editing(target, os.environ, sys.stdin.isatty() and sys.stdout.isatty())
    if opened.checked is None:
        show(
            f"The file is {opened.how}. Save it there: a running service picks up each save by itself,"
            " and `dmer-tips check` shows any problem with its line."
        )
    else:
        show(bank_summary(opened.checked))
    _mention_if_service_uses_another_file(target)
    return EXIT_OK


def _mention_if_service_uses_another_file(edited: Any) -> None:
    """A service started with --tips or $DMER_TIPS_FILE keeps that file; say so when it is not the one edited."""
    from dmer_tips.paths import bundled_tips_path
    from dmer_tips.service.control import NotRunning

    try:
        in_use = _ask("status")["tips_file"]
    except NotRunning:
        return
    # A service on the bundled tips switches to the user's copy by itself, perhaps a moment after this asks.
    if _path(in_use).resolve() not in (edited.resolve(), bundled_tips_path().resolve()):
        show(
            f"Note: the running service uses {in_use}; restart it (`dmer-tips stop`, then `dmer-tips run`) to use {edited}."
        )


def cmd_where(args: argparse.Namespace) -> int:
    paths = _paths()
    chosen = _tips_file(args.tips)
    missing = "" if chosen.path.exists() else " — it does not exist"
    show(
        f"tips file: {chosen.path} ({chosen.reason}){missing}\n"
        f"config:    {paths.config_dir}\n"
        f"state:     {paths.state_dir}\n"
        f"logs:      {paths.log_dir}"
    )
    return EXIT_OK


# --- the desktop -------------------------------------------------------------------------------------


def cmd_install_service(args: argparse.Namespace) -> int:
    from dmer_tips.desktop.autostart import install, plan, run_quietly, systemd_user_available

    entries = plan(sys.platform, _path("~"), _paths(), systemd_user_available(run_quietly))
    print("\n".join(install(entries, args.dry_run, run_quietly)))
    return EXIT_OK


def cmd_uninstall_service(args: argparse.Namespace) -> int:
    from dmer_tips.desktop.autostart import plan, retired, run_quietly, systemd_user_available, uninstall

    paths = _paths()
    entries = plan(sys.platform, _path("~"), paths, systemd_user_available(run_quietly))
    print("\n".join(uninstall(entries, args.dry_run, run_quietly, retired(paths))))
    return EXIT_OK


# --- shared ------------------------------------------------------------------------------------------


def _ask(command: str, timeout_s: float | None = None, **arguments: Any) -> Any:
    """One request to the running service; NotRunning when there is none."""
    from dmer_tips.paths import control_file
    from dmer_tips.service.control import DEFAULT_TIMEOUT_S, request

    return request(control_file(), command, timeout_s or DEFAULT_TIMEOUT_S, **arguments)["result"]


def _reminders(given: str | None, seed: int | None, now: datetime) -> Reminders:
    """The reminders as the service would see them: your saved progress, or a fresh start for a seed."""
    from dmer_tips.schedule.reminders import Reminders
    from dmer_tips.schedule.state import ServiceState, StateFile

    state = ServiceState.fresh(seed) if seed is not None else StateFile(_paths().state_file).load()
    return Reminders(_load_bank(given), state, _local_zone(), now)


def _local_zone() -> tzinfo:
    from dmer_tips.service.clock import local_zone

    return local_zone()


def _now() -> datetime:
    from dmer_tips.service.clock import utc_now

    return utc_now()


def _path(text: str) -> Any:
    from pathlib import Path

    return Path(text).expanduser()


def _paths() -> AppPaths:
    from dmer_tips.paths import AppPaths

    return AppPaths.for_user()


def _tips_file(given: str | None) -> TipsFile:
    import os

    from dmer_tips.paths import resolve_tips_file

    return resolve_tips_file(_path(given) if given else None, os.environ, _paths())


def _load_bank(given: str | None) -> TipBank:
    from dmer_tips.bank.load import load_tip_bank

    return load_tip_bank(_tips_file(given).path)
