"""Pulling the plug and hammering the file: the service's state stays whole and it stays up."""

from __future__ import annotations

import json
import random
import re
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from dmer_tips.paths import AppPaths

from .editors import SAVE_STYLES
from .robust import scale
from .serviceproc import ServiceProcess, wait_until
from .test_reload import bank_with

pytestmark = [pytest.mark.robustness, pytest.mark.slow]


def many_tips_bank(count: int) -> str:
    tips = "".join(f'      - id: tip-{i}\n        text: "Tip number {i}."\n        source: art\n' for i in range(count))
    return (
        'settings:\n  quiet_hours: none\n  min_gap: 1s\n  daily_max: 100000\nsources:\n  art: "A"\n'
        "categories:\n  fast:\n    schedule:\n      every: 1s\n    tips:\n" + tips
    )


def test_sigkill_at_random_moments_never_breaks_state_or_rotation(write_tips: Callable[[str], Path]) -> None:
    """Killed with SIGKILL again and again, the state file always loads and no tip is ever shown twice."""
    kills = scale(5, 100)
    tips = write_tips(many_tips_bank(max(300, kills * 4)))
    state = AppPaths.for_user().state_file
    shown: list[str] = []
    rng = random.Random(1)
    for _ in range(kills):
        service = ServiceProcess(tips)
        time.sleep(rng.uniform(0.2, 2.5))
        service.process.send_signal(signal.SIGKILL)
        out, _ = service.process.communicate(timeout=10)
        shown += re.findall(r"Tip number (\d+)\.", out)
        json.loads(state.read_text())  # whole JSON after every kill
        assert not state.with_suffix(".bad").exists()
    assert shown, "the service should have sent tips between kills"
    assert len(shown) == len(set(shown)), "a tip was repeated before its bag was empty"


def test_reload_storm_ends_on_the_last_valid_content(write_tips: Callable[[str], Path]) -> None:
    """Hundreds of mixed valid and broken saves in every style: the service stays up and ends on the last good save."""
    saves = scale(100, 1000)
    tips = write_tips(bank_with(1))
    service = ServiceProcess(tips)
    rng = random.Random(2)
    try:
        for index in range(saves):
            valid = rng.random() < 0.6
            text = (
                bank_with(2 + index % 9)
                if valid
                else rng.choice(["categories: [oops", "", "sources: 5\n", bank_with(3).replace('"10:00"', "10:00")])
            )
            SAVE_STYLES[index % len(SAVE_STYLES)](tips, text)
        SAVE_STYLES[0](tips, bank_with(11))
        wait_until(
            lambda: service.status()["tips"] == 11 and service.status()["reload"]["ok"], what="the last valid save"
        )
        assert service.process.poll() is None
    finally:
        assert service.stop() == 0
