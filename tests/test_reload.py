"""Hot reload of tips.yaml in a running service, for every way editors save."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .conftest import MINIMAL_BANK
from .editors import SAVE_STYLES, save_in_place
from .serviceproc import ServiceProcess, wait_until

pytestmark = pytest.mark.slow


def bank_with(tips: int) -> str:
    extra = "".join(
        f'      - id: more-{i}\n        text: "Another gentle tip, number {i}."\n        source: art\n'
        for i in range(tips - 1)
    )
    return MINIMAL_BANK + extra


@pytest.fixture
def tips_and_service(write_tips: Callable[[str], Path]) -> Iterator[tuple[Path, ServiceProcess]]:
    tips = write_tips(bank_with(1))
    service = ServiceProcess(tips)
    yield tips, service
    assert service.stop() == 0


@pytest.mark.parametrize("save", SAVE_STYLES, ids=lambda f: f.__name__)
def test_every_save_style_is_picked_up(
    save: Callable[[Path, str], None], tips_and_service: tuple[Path, ServiceProcess]
) -> None:
    """A valid edit saved in this style becomes the service's tip bank, with no error along the way."""
    tips, service = tips_and_service
    save(tips, bank_with(3))
    wait_until(lambda: service.status()["tips"] == 3, what="the edit to be loaded")
    save(tips, bank_with(5))
    wait_until(lambda: service.status()["tips"] == 5, what="the second edit to be loaded")
    assert service.status()["reload"]["ok"] is True
    service.stop()
    assert "needs a look" not in service.output


def test_broken_edit_keeps_the_last_good_bank_and_tells_once(tips_and_service: tuple[Path, ServiceProcess]) -> None:
    """A broken save keeps the old tips, notifies once with file and line, shows in status; a fix reloads."""
    tips, service = tips_and_service
    broken = bank_with(2).replace('at: "10:00"', "at: 10:00")
    save_in_place(tips, broken)
    wait_until(lambda: service.status()["reload"]["ok"] is False, what="the broken edit to be noticed")
    status = service.status()
    assert status["tips"] == 1
    assert status["reload"]["problems"] == [
        f'{tips}:6:11: "at" 10:00 was read as a number of minutes — write "10:00" in quotes'
    ]
    save_in_place(tips, broken + "\n")  # saved again, still the same problem
    save_in_place(tips, bank_with(4))
    wait_until(lambda: service.status()["tips"] == 4, what="the fixed file to be loaded")
    assert service.status()["reload"]["ok"] is True
    service.stop()
    notice = (
        "Your tips file needs a look: Your reminders go on with the last good tips."
        ' tips.yaml line 6: "at" 10:00 was read as a number of minutes — write "10:00" in quotes.'
    )
    assert service.output.count(notice) == 1


def test_a_burst_of_saves_ends_on_the_last_one(tips_and_service: tuple[Path, ServiceProcess]) -> None:
    """Twenty quick saves, valid and not, in every style, leave the service on the final content."""
    tips, service = tips_and_service
    for round_ in range(20):
        text = bank_with(2 + round_ % 5) if round_ % 3 else "categories: [oops"
        SAVE_STYLES[round_ % len(SAVE_STYLES)](tips, text)
    SAVE_STYLES[0](tips, bank_with(7))
    wait_until(lambda: service.status()["tips"] == 7 and service.status()["reload"]["ok"], what="the final content")
