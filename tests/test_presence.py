"""Waiting for the person: a reminder due while the screen is locked, they are away or the desktop is in
do-not-disturb is held, not used up, and goes out once when they are back (the service in-process, with the
desktop's answer faked; the real desktop services are in test_presence_e2e)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from dmer_tips.bank.load import load_tip_bank
from dmer_tips.bank.model import WaitWhile
from dmer_tips.cli.main import main
from dmer_tips.errors import TipBankError
from dmer_tips.service.messages import PresenceChanged

from .fakes import Harness, build_service
from .test_service_core import AT_BANK, EVERY_BANK, RHYTHM_BANK, START, ask, edit

LOCKED = "screen locked"


def status(harness: Harness) -> dict[str, object]:
    return dict(ask(harness, "status")["result"])


def back(harness: Harness) -> None:
    """The person returns, and the desktop says so."""
    harness.presence.why = None
    harness.send(PresenceChanged())


def test_a_tip_due_while_locked_waits_and_goes_out_once_when_they_are_back(tmp_path: Path) -> None:
    """09:00 comes with the screen locked: nothing is shown or counted, `status` says what is held and why;
    unlocked at 09:20, the tip goes out once."""
    harness = build_service(tmp_path, AT_BANK, START)
    harness.presence.why = LOCKED
    harness.advance(timedelta(hours=1, minutes=20))
    assert harness.desktop.shown == []
    now = status(harness)
    assert now["holding"] == {"reminders": 1, "why": LOCKED, "since": "2026-03-02T09:00:00+01:00"}
    assert now["sent_today"] == 0
    back(harness)
    back(harness)
    assert harness.titles == ["Water"]
    assert status(harness)["holding"] is None and status(harness)["sent_today"] == 1


def test_a_reminder_held_past_grace_is_let_go_without_using_anything_up(tmp_path: Path) -> None:
    """Locked from 09:00 to 10:30 (grace 1h): the 09:00 tip never comes; 12:00 brings the tip 09:00 would have,
    and 15:00 still fits the daily maximum of 2, because nothing was counted."""
    never_held = build_service(tmp_path / "a", AT_BANK, START)
    never_held.advance(timedelta(hours=2, minutes=1))
    first_tip = never_held.desktop.shown[0].body

    harness = build_service(tmp_path / "b", AT_BANK, START)
    harness.presence.why = LOCKED
    harness.advance(timedelta(hours=3, minutes=30))
    back(harness)
    assert harness.desktop.shown == []
    harness.advance(timedelta(hours=7))
    assert [n.body for n in harness.desktop.shown][:1] == [first_tip]
    assert len(harness.desktop.shown) == 2


def test_after_a_long_wait_only_the_latest_reminder_goes_out(tmp_path: Path) -> None:
    """Away through three reminders of an every-20m schedule: one arrives on return, never a burst."""
    harness = build_service(tmp_path, EVERY_BANK, START)
    harness.presence.why = "away from the computer"
    harness.advance(timedelta(hours=1, minutes=5))
    assert harness.desktop.shown == []
    assert status(harness)["holding"] == {
        "reminders": 1,
        "why": "away from the computer",
        "since": "2026-03-02T09:00:00+01:00",
    }
    back(harness)
    harness.advance(timedelta(minutes=1))
    assert len(harness.desktop.shown) == 1


def test_a_held_reminder_survives_a_restart(tmp_path: Path) -> None:
    """Held at 09:00, the service restarts at 09:10 with the screen still locked: unlocked at 09:15, the tip
    comes. Restarted with the person back (a new login, no signal), it comes at the start."""
    harness = build_service(tmp_path / "locked", AT_BANK, START)
    harness.presence.why = LOCKED
    harness.advance(timedelta(hours=1, minutes=10))
    again = build_service(tmp_path / "locked", AT_BANK, harness.now, absent=LOCKED)
    again.advance(timedelta(minutes=5))
    assert again.titles == [] and status(again)["holding"] is not None
    back(again)
    assert again.titles == ["Water"]

    harness = build_service(tmp_path / "back", AT_BANK, START)
    harness.presence.why = LOCKED
    harness.advance(timedelta(hours=1, minutes=10))
    assert build_service(tmp_path / "back", AT_BANK, harness.now).titles == ["Water"]


def test_the_heads_up_waits_like_a_tip_and_a_companion_started_is_never_held(tmp_path: Path) -> None:
    """The 09:55 heads-up waits while locked, with the 09:00 tip, and both come on return; a companion the
    parent starts while the screen is locked (say, from a terminal) shows its steps."""
    harness = build_service(tmp_path, RHYTHM_BANK, START)
    harness.presence.why = LOCKED
    harness.advance(timedelta(hours=1, minutes=56))
    assert harness.titles == []
    assert status(harness)["holding"] == {"reminders": 2, "why": LOCKED, "since": "2026-03-02T09:55:00+01:00"}
    back(harness)
    assert harness.titles == ["Water", "Coming up: feeds at 10:00"]
    harness.presence.why = LOCKED
    assert ask(harness, "session", name=None, respect_pause=False).get("ok")
    harness.advance(timedelta(seconds=1))
    assert harness.titles[-1] == "Breathe"


def test_heads_ups_can_be_set_not_to_wait(tmp_path: Path) -> None:
    bank = RHYTHM_BANK.replace("  daily_max: 2\n", "  daily_max: 2\n  wait_while: {heads_ups: no}\n")
    harness = build_service(tmp_path, bank, START)
    harness.presence.why = LOCKED
    harness.advance(timedelta(hours=1, minutes=56))
    assert harness.titles == ["Coming up: feeds at 10:00"]  # the 09:00 tip, though, waits


def test_what_to_wait_for_is_what_the_tips_file_says(tmp_path: Path) -> None:
    """The settings reach the question asked of the desktop; `wait_while: no` never holds anything."""
    bank = AT_BANK.replace("  daily_max: 2\n", "  daily_max: 2\n  wait_while: {away: 10m, do_not_disturb: no}\n")
    harness = build_service(tmp_path, bank, START)
    harness.advance(timedelta(hours=1, minutes=1))
    assert harness.presence.asked[-1] == WaitWhile(away=timedelta(minutes=10), do_not_disturb=False)

    never = build_service(
        tmp_path / "never", AT_BANK.replace("  daily_max: 2\n", "  daily_max: 2\n  wait_while: no\n"), START
    )
    never.presence.why = LOCKED  # what a desktop would say, were it asked: with nothing to wait for, it is not
    never.advance(timedelta(hours=1, minutes=1))
    assert never.titles == ["Water"]


def test_discreet_titles_name_nothing_personal(tmp_path: Path) -> None:
    """With discreet: yes, a tip, a heads-up and a companion step carry neutral titles; the text stays."""
    bank = RHYTHM_BANK.replace("  daily_max: 2\n", "  daily_max: 2\n  discreet: yes\n")
    harness = build_service(tmp_path, bank, START)
    harness.advance(timedelta(hours=1, minutes=56))
    assert harness.titles == ["A gentle reminder", "Coming up soon"]
    assert all(n.discreet for n in harness.desktop.shown)
    assert harness.desktop.shown[0].body in {"A sip of water.", "A glass nearby."}
    assert ask(harness, "tip", category=None)["result"]["title"] == "A gentle reminder"
    harness.press("Coming up soon", "start")
    harness.advance(timedelta(seconds=1))
    assert harness.titles[-1] == "A moment for you" and harness.desktop.shown[-1].body == "In for four, out for six."


@pytest.mark.parametrize(
    ("settings", "error"),
    [
        ("  wait_while: {away: 30s}\n", '"away" 30s is out of range — use 1m to 4h of no keyboard or mouse'),
        ("  wait_while: {screen_locked: maybe}\n", '"screen_locked" must be yes or no'),
        ("  wait_while: {locked: no}\n", "locked"),
        ("  wait_while: sometimes\n", "wait_while"),
        ("  discreet: please\n", '"discreet" must be yes or no'),
        (
            '  discreet: "yes"\n',
            '"discreet" is "yes" in quotes, which is text — write it without quotes: discreet: yes',
        ),
        ('  wait_while: "no"\n', "write it without quotes: wait_while: no"),
        ("  wait_while: maybe\n", 'cannot be "maybe" — write no to never wait'),
        ("  wait_while: {away: 10}\n", '"away" 10 has no unit — use a length from 1m to 4h, like 10m, or no'),
        ("  wait_while: {away: never}\n", '"away" cannot be "never"'),
    ],
)
def test_wait_settings_mistakes_are_located(write_tips: Callable[[str], Path], settings: str, error: str) -> None:
    path = write_tips(AT_BANK.replace("  daily_max: 2\n", "  daily_max: 2\n" + settings))
    with pytest.raises(TipBankError) as caught:
        load_tip_bank(path)
    assert f"{path}:5:" in str(caught.value) and error in str(caught.value)


LATE_BANK = AT_BANK.replace('at: ["09:00", "12:00", "15:00"]', 'at: "21:30"')


def test_a_held_reminder_never_goes_out_in_quiet_hours(tmp_path: Path) -> None:
    """Held at 21:30 and back at 22:10 (within grace, but quiet hours began at 22:00): nothing comes, and
    nothing is held any more."""
    harness = build_service(tmp_path, LATE_BANK, START)
    harness.presence.why = LOCKED
    harness.advance(timedelta(hours=14, minutes=10))
    back(harness)
    assert harness.desktop.shown == [] and status(harness)["holding"] is None


def test_a_hold_past_its_time_is_not_reported(tmp_path: Path) -> None:
    """A tip held at 09:00 and a heads-up held at 09:55, with no sign of the person: by 11:00 neither can go
    out any more, and `status` no longer claims to hold them."""
    harness = build_service(tmp_path, RHYTHM_BANK, START, absent=LOCKED)
    harness.advance(timedelta(hours=1, minutes=56))
    assert status(harness)["holding"] is not None
    harness.advance(timedelta(hours=2))
    assert status(harness)["holding"] is None


def test_a_companion_set_to_start_starts_though_its_heads_up_waited(tmp_path: Path) -> None:
    """With at_the_time: start, the heads-up held at 09:55 still leaves the companion to start at 10:00."""
    harness = build_service(tmp_path, RHYTHM_BANK + "    at_the_time: start\n", START, absent=LOCKED)
    harness.advance(timedelta(hours=2, seconds=1))
    assert harness.titles == ["Breathe"]


class BrokenPresence:
    def absence(self, wait: WaitWhile) -> str | None:
        raise RuntimeError("the desktop answered nonsense")


def test_a_failing_presence_check_never_keeps_a_tip_back(tmp_path: Path) -> None:
    harness = build_service(tmp_path, AT_BANK, START)
    harness.service.parts.presence = BrokenPresence()
    harness.advance(timedelta(hours=1, minutes=1))
    assert harness.titles == ["Water"]


def test_a_setting_at_the_top_level_is_pointed_under_settings(write_tips: Callable[[str], Path]) -> None:
    path = write_tips(AT_BANK + "wait_while: no\n")
    with pytest.raises(TipBankError) as caught:
        load_tip_bank(path)
    assert 'unknown key "wait_while" in the tip file — it belongs under settings: indent it there' in str(caught.value)


def test_turning_waiting_off_sends_what_was_held(tmp_path: Path) -> None:
    """Held in do-not-disturb, then the tips file says `wait_while: no`: the reload sends the held tip."""
    harness = build_service(tmp_path, AT_BANK, START, absent="do not disturb")
    harness.advance(timedelta(hours=1, minutes=5))
    assert harness.titles == []
    edit(harness, AT_BANK.replace("  daily_max: 2\n", "  daily_max: 2\n  wait_while: no\n"))
    assert harness.titles == ["Water"] and status(harness)["holding"] is None


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ("", "A reminder waits while the screen is locked, you are away (5m without keyboard or mouse) or"),
        ("  wait_while: no\n  discreet: yes\n", "Reminders never wait (wait_while: no). Discreet titles."),
        ("  wait_while: {away: no, heads_ups: no}\n", "waits while the screen is locked or do-not-disturb is on."),
    ],
)
def test_check_says_what_reminders_wait_for(
    capsys: pytest.CaptureFixture[str], write_tips: Callable[[str], Path], settings: str, said: str
) -> None:
    path = write_tips(AT_BANK.replace("  daily_max: 2\n", "  daily_max: 2\n" + settings))
    assert main(["check", str(path)]) == 0
    assert said in " ".join(capsys.readouterr().out.split())
