"""What the CLI does itself when no service runs: show one tip, or keep a companion session in the foreground."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TextIO

from dmer_tips.bank.load import load_tip_bank
from dmer_tips.bank.model import Tip
from dmer_tips.companion import plan_session, refuse_if_paused, run_here
from dmer_tips.errors import DmerTipsError
from dmer_tips.notify import make_notifier
from dmer_tips.paths import AppPaths, TipsFile
from dmer_tips.schedule.rotation import pick_tip
from dmer_tips.schedule.state import StateFile
from dmer_tips.terminal import counted


def tip_here(tips: TipsFile, paths: AppPaths, category: str | None) -> Tip:
    """The next tip of `category` (or of any), taken from the saved rotation as the service would."""
    bank = load_tip_bank(tips.path)
    state_file = StateFile(paths.state_file)
    state = state_file.load()
    tip = pick_tip(bank, state.rotation, category, random.Random())
    state_file.save(state)
    return tip


@dataclass(frozen=True)
class SessionRun:
    name: str
    steps: int
    sent: int


def session_here(
    tips: TipsFile,
    paths: AppPaths,
    name: str | None,
    respect_pause: bool,
    zone: tzinfo,
    clock: Callable[[], datetime],
    sleep: Callable[[float], None],
    out: TextIO,
) -> SessionRun:
    """Run a companion session in this process, showing each step at its time; Ctrl-C ends it early."""
    bank = load_tip_bank(tips.path)
    session = bank.session(name)
    state_file = StateFile(paths.state_file)
    state = state_file.load()
    if respect_pause:
        refuse_if_paused(state.pause, clock(), zone)
    state.last_feed = clock()  # a feed, for a rhythm that follows the last one, when the service starts again
    try:
        state_file.save(state)
    except DmerTipsError as error:  # a full disk must not keep the companion from the parent
        print(f"Note: this feed could not be remembered for your rhythm ({error}).", file=out, flush=True)
    planned = plan_session(session, clock(), bank.settings.discreet)
    print(
        f'Session "{session.name}" runs here ({counted(len(planned), "step")}); Ctrl-C stops it.', file=out, flush=True
    )
    notifier = make_notifier(out)
    try:
        sent = run_here(planned, notifier, clock, sleep)
    finally:
        notifier.close()
    return SessionRun(session.name, len(planned), sent)
