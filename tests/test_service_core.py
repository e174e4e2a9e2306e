"""The service in-process: built from fakes, driven by messages, with a clock the test moves through days."""

from __future__ import annotations

import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dmer_tips.notify import ActionChosen
from dmer_tips.service.messages import ClockJumped, ControlRequest, Reload, Stop, TipFileTouched
from dmer_tips.service.protocol import Reply
from dmer_tips.views import WELCOME_TEXT, WELCOME_TITLE

from .fakes import Harness, build_service

START = datetime(2026, 3, 2, 7, 0, tzinfo=timezone.utc)  # a Monday, 08:00 in Berlin

AT_BANK = """\
settings:
  quiet_hours: "22:00-07:00"
  min_gap: 1m
  daily_max: 2
sources:
  art: "An article"
categories:
  water:
    title: Water
    schedule:
      at: ["09:00", "12:00", "15:00"]
    tips:
      - {id: one, text: "A sip of water.", source: art}
      - {id: two, text: "A glass nearby.", source: art}
sessions:
  feed:
    steps:
      - {after: 0s, title: "Breathe", text: "In for four, out for six.", source: art}
      - {after: 1m, title: "Look", text: "Name five things you can see.", source: art}
      - {after: 2m, title: "Drink", text: "A glass of water now.", source: art}
"""

EVERY_BANK = """\
settings:
  quiet_hours: none
  min_gap: 1m
  daily_max: 1000
sources:
  art: "An article"
categories:
  often:
    title: Often
    schedule:
      every: 20m
    tips:
      - {id: a, text: "Tip a.", source: art}
"""


def ask(harness: Harness, command: str, wanted: bool = True, **arguments: Any) -> Reply:
    """Send a control request as the control server would, and return the reply it got."""
    replies: list[Reply] = []
    harness.send(ControlRequest(command, arguments, replies.append, lambda: wanted))
    return replies[0] if replies else {}


def test_clock_times_arrive_at_their_times_within_the_daily_maximum(tmp_path: Path) -> None:
    """09:00 and 12:00 are sent each day; 15:00 is not, because the daily maximum is 2."""
    harness = build_service(tmp_path, AT_BANK, START)
    sent_at: list[datetime] = []
    for _ in range(3 * 24 * 4):
        before = len(harness.desktop.shown)
        harness.advance(timedelta(minutes=15))
        if len(harness.desktop.shown) > before:
            sent_at.append(harness.now)
    local = [f"{t.astimezone(harness.service.zone):%a %H:%M}" for t in sent_at]
    assert local == ["Mon 09:00", "Mon 12:00", "Tue 09:00", "Tue 12:00", "Wed 09:00", "Wed 12:00"]


def test_clock_set_back_re_anchors_an_interval_schedule_at_once(tmp_path: Path) -> None:
    """Setting the clock back an hour does not silence an every-20m schedule for that hour."""
    harness = build_service(tmp_path, EVERY_BANK, START)
    harness.advance(timedelta(minutes=41))
    assert len(harness.desktop.shown) == 2
    harness.now -= timedelta(hours=1)
    harness.send(ClockJumped(-timedelta(hours=1)))
    harness.advance(timedelta(minutes=21))
    assert len(harness.desktop.shown) == 3


def test_a_suspend_through_a_reminder_sends_it_once_then_carries_on(tmp_path: Path) -> None:
    """Waking an hour after a due reminder sends it (within grace) once, and the next day's go on as planned."""
    harness = build_service(tmp_path, AT_BANK, START)
    harness.now += timedelta(hours=1, minutes=30)  # asleep from 08:00 to 09:30: the 09:00 timer is overdue
    harness.send(ClockJumped(timedelta(hours=1, minutes=30)))
    harness.advance(timedelta(0))
    assert len(harness.desktop.shown) == 1
    harness.advance(timedelta(days=1))
    assert len(harness.desktop.shown) == 3


def test_a_suspend_past_the_grace_skips_the_reminder(tmp_path: Path) -> None:
    """Waking three hours after 09:00 (grace 1h) skips it rather than sending it late; 12:00 still comes."""
    harness = build_service(tmp_path, AT_BANK, START)
    harness.now += timedelta(hours=3, minutes=30)
    harness.send(ClockJumped(timedelta(hours=3, minutes=30)))
    harness.advance(timedelta(minutes=1))
    assert harness.desktop.shown == []
    harness.advance(timedelta(hours=1))
    assert len(harness.desktop.shown) == 1


def test_pause_and_resume_through_control_requests(tmp_path: Path) -> None:
    """A pause holds the reminders and shows in status; resume says whether anything was paused."""
    harness = build_service(tmp_path, AT_BANK, START)
    reply = ask(harness, "pause", pause={"for_s": 6 * 3600})
    assert reply == {"ok": True, "result": {"until": "2026-03-02T13:00:00+00:00", "text": "until 14:00"}}
    harness.advance(timedelta(hours=5))
    assert harness.desktop.shown == []
    assert ask(harness, "status")["result"]["pause"]["text"] == "until 14:00"
    assert ask(harness, "resume")["result"] == {"was_paused": True}
    assert ask(harness, "resume")["result"] == {"was_paused": False}


def test_a_pause_that_cannot_be_saved_says_so(tmp_path: Path) -> None:
    """When the state cannot be written, `pause` holds the reminders for now but reports the failure."""
    harness = build_service(tmp_path, AT_BANK, START)
    state_dir = tmp_path / "state"
    for child in state_dir.iterdir():
        child.unlink()
    state_dir.rmdir()
    state_dir.write_text("not a folder")
    reply = ask(harness, "pause", pause={"for_s": 3600})
    assert reply["ok"] is False
    assert reply["error"].startswith("reminders are paused until 09:00, but the pause could not be saved (")
    assert "it ends if the service restarts" in reply["error"]


def test_a_request_whose_sender_gave_up_is_not_acted_on(tmp_path: Path) -> None:
    """A pause that arrives after the CLI stopped waiting is dropped, unanswered and without effect."""
    harness = build_service(tmp_path, AT_BANK, START)
    assert ask(harness, "pause", wanted=False, pause={"for_s": 3600}) == {}
    assert ask(harness, "status")["result"]["pause"] is None


def test_bad_requests_get_plain_answers_without_internals(tmp_path: Path) -> None:
    """Unknown commands, malformed or absurd arguments: a sentence for the user, never a Python message."""
    harness = build_service(tmp_path, AT_BANK, START)
    assert "does not know the command 'dance'" in ask(harness, "dance")["error"]
    assert ask(harness, "pause", pause={"for_s": 10**30})["error"].startswith("that is longer")
    assert ask(harness, "pause", pause="soon")["error"] == "the pause request is malformed"
    assert ask(harness, "tip", category=5)["error"] == "the category must be text"
    harness.service.reminders = None  # type: ignore[assignment]  # any bug inside a command
    reply = ask(harness, "status")
    assert reply == {"ok": False, "error": "the service could not do that — see its log (`dmer-tips where`)"}


def test_companion_steps_arrive_in_order_and_stop_cancels_the_rest(tmp_path: Path) -> None:
    """A session's steps come at their times; `session_stop` cancels what is left; a new one replaces it."""
    harness = build_service(tmp_path, AT_BANK, START)
    assert ask(harness, "session")["result"] == {"name": "feed", "steps": 3, "replaced": False, "on_desktop": True}
    harness.advance(timedelta(seconds=61))
    assert harness.titles == ["Breathe", "Look"]
    assert ask(harness, "status")["result"]["session"] == {"name": "feed", "steps_left": 1}
    assert ask(harness, "session_stop")["result"] == {"cancelled": 1}
    harness.advance(timedelta(minutes=5))
    assert harness.titles == ["Breathe", "Look"]
    ask(harness, "session")
    assert ask(harness, "session")["result"]["replaced"] is True
    harness.advance(timedelta(minutes=3))
    assert harness.titles == ["Breathe", "Look", "Breathe", "Look", "Drink"]


def test_companion_steps_missed_in_a_suspend_are_skipped_not_burst(tmp_path: Path) -> None:
    """Asleep through a session: on waking, the overdue steps are dropped instead of arriving all at once."""
    harness = build_service(tmp_path, AT_BANK, START)
    ask(harness, "session")
    harness.now += timedelta(minutes=30)
    harness.send(ClockJumped(timedelta(minutes=30)))
    harness.advance(timedelta(0))
    assert harness.titles == []
    assert ask(harness, "status")["result"]["session"] is None


def test_a_burst_of_saves_is_read_once_after_it_settles(tmp_path: Path) -> None:
    """Ten save events in quick succession lead to one reload, a moment after the last."""
    harness = build_service(tmp_path, AT_BANK, START)
    tips = harness.service.parts.tips_file
    for _ in range(10):
        harness.send(TipFileTouched(tips))
        harness.advance(timedelta(milliseconds=100))
    tips.write_text(tips.read_text().replace("A sip of water.", "A sip of water, slowly."))
    before = ask(harness, "status")["result"]["reload"]["at"]
    harness.advance(timedelta(milliseconds=400))
    after = ask(harness, "status")["result"]["reload"]
    assert after["at"] != before and after["ok"] is True
    assert harness.timers.pending().keys() == {"deliver"}


def test_a_broken_save_keeps_the_last_good_tips_and_says_so_once(tmp_path: Path) -> None:
    """A save with a mistake: one notification naming the line, the old tips go on, a fix is picked up."""
    harness = build_service(tmp_path, AT_BANK, START)
    tips = harness.service.parts.tips_file
    good = tips.read_text()
    tips.write_text(good.replace('"12:00"', "12:00"))
    harness.send(Reload())
    harness.send(Reload())
    assert harness.titles == ["Your tips file needs a look"]
    assert "tips.yaml line 11" in harness.desktop.shown[0].body
    harness.advance(timedelta(hours=1, minutes=1))
    assert harness.titles[-1] == "Water"
    tips.write_text(good)
    harness.send(Reload())
    assert ask(harness, "status")["result"]["reload"]["ok"] is True
    assert harness.desktop.withdrawn == ["problem"], "the fixed file's warning is taken off the screen"


def test_stop_ends_the_loop(tmp_path: Path) -> None:
    """A Stop message (a signal) and the `stop` command both end the loop."""
    harness = build_service(tmp_path, AT_BANK, START)
    harness.send(Stop("SIGTERM"))
    assert harness.stopped
    again = build_service(tmp_path / "again", AT_BANK, START)
    assert ask(again, "stop") == {"ok": True, "result": None}
    assert again.stopped


def test_start_says_where_reminders_go_and_what_is_next(tmp_path: Path) -> None:
    """The first lines a user sees name the tip count, the desktop, the disclaimer and the next reminder."""
    harness = build_service(tmp_path, AT_BANK, START)
    assert harness.said[0].startswith("dmer-tips is running with 2 tips from ")
    assert harness.said[1].startswith(
        "Reminders go to the test desktop. dmer-tips offers gentle reminders, not medical"
    )
    assert harness.said[2] == "Next: water at Mon 09:00 (in 1h). Stop with Ctrl-C."


def test_setting_the_clock_back_never_sends_a_clock_time_twice(tmp_path: Path) -> None:
    """09:00 is sent; at 09:30 the clock is set back an hour; 09:00 is not sent again, 12:00 still comes."""
    harness = build_service(tmp_path, AT_BANK, START)
    harness.advance(timedelta(hours=1, minutes=30))
    assert len(harness.desktop.shown) == 1
    harness.now -= timedelta(hours=1)
    harness.send(ClockJumped(-timedelta(hours=1)))
    harness.advance(timedelta(hours=2))
    assert len(harness.desktop.shown) == 1
    harness.advance(timedelta(hours=2))
    assert len(harness.desktop.shown) == 2


def test_a_pause_for_a_while_keeps_its_length_when_the_clock_is_set_back(tmp_path: Path) -> None:
    """ "Pause 2h" lasts two hours of real time whatever the clock does; "until 12:00" stays at 12:00."""
    harness = build_service(tmp_path, EVERY_BANK, START)
    ask(harness, "pause", pause={"for_s": 2 * 3600})
    harness.now -= timedelta(hours=1)
    harness.send(ClockJumped(-timedelta(hours=1)))
    assert ask(harness, "status")["result"]["pause"]["text"] == "until 09:00"
    ask(harness, "pause", pause={"until_s": 12 * 3600})
    harness.now -= timedelta(hours=1)
    harness.send(ClockJumped(-timedelta(hours=1)))
    assert ask(harness, "status")["result"]["pause"]["text"] == "until 12:00"


def test_reminders_follow_the_computer_to_another_time_zone(tmp_path: Path) -> None:
    """After travelling from Berlin to New York, 09:00 means 09:00 in New York from the next wake-up on."""
    harness = build_service(tmp_path, AT_BANK, START)
    harness.zone = ZoneInfo("America/New_York")
    harness.advance(timedelta(hours=1, minutes=1))  # the Berlin 09:00 timer fires: 03:00 in New York
    assert harness.desktop.shown == []
    harness.advance(timedelta(hours=7))  # 09:01 in New York
    assert len(harness.desktop.shown) == 1
    assert f"{harness.desktop.times[0].astimezone(harness.zone):%H:%M}" == "09:00"


def heads_ups(harness: Harness) -> dict[str, str]:
    """When each rhythm's next heads-up comes, as `status` says."""
    return {name: coming["heads_up"] for name, coming in ask(harness, "status")["result"]["heads_up"].items()}


RHYTHM_BANK = (
    AT_BANK
    + """\
rhythm:
  feeds:
    schedule:
      at: ["10:00", "14:00"]
    heads_up: 5m
"""
)


def test_later_brings_the_same_tip_back_after_the_snooze_within_the_rules(tmp_path: Path) -> None:
    """Later on a tip shows that same tip again 30 minutes on (and `status` lists it meanwhile)."""
    harness = build_service(tmp_path, AT_BANK, START)
    harness.advance(timedelta(hours=1, minutes=1))
    first = harness.desktop.shown[0]
    assert [a.label for a in first.actions] == ["Close", "Later", "Quiet today"]
    harness.press("Water", "later")
    status = ask(harness, "status")["result"]
    assert status["snoozed"] == [{"title": "Water", "at": "2026-03-02T09:31:00+01:00"}]
    harness.advance(timedelta(minutes=31))
    assert harness.desktop.shown[1].body == first.body
    assert ask(harness, "status")["result"]["snoozed"] == []


def test_a_snoozed_tip_waits_out_quiet_hours_and_a_full_day(tmp_path: Path) -> None:
    """Later at the day's last allowed tip: it comes back the next morning, after quiet hours, not at night."""
    harness = build_service(tmp_path, AT_BANK.replace("daily_max: 2", "daily_max: 3"), START)
    harness.advance(timedelta(hours=7, minutes=1))  # 09:00, 12:00 and 15:00 sent: the day is full
    assert len(harness.desktop.shown) == 3
    harness.press("Water", "later")
    harness.advance(timedelta(hours=12))
    assert len(harness.desktop.shown) == 3, "not again the same day, and not in quiet hours"
    harness.advance(timedelta(hours=4))  # Tue 07:01
    assert len(harness.desktop.shown) == 4
    assert f"{harness.desktop.times[3].astimezone(harness.zone):%a %H:%M}" == "Tue 07:00"


def test_quiet_today_pauses_until_quiet_hours_end(tmp_path: Path) -> None:
    """Quiet today on a tip pauses the reminders until tomorrow morning."""
    harness = build_service(tmp_path, AT_BANK, START)
    harness.advance(timedelta(hours=1, minutes=1))
    harness.press("Water", "quiet-today")
    assert ask(harness, "status")["result"]["pause"]["text"] == "until tomorrow 07:00"


def test_the_companion_stops_on_stop_and_notes_a_one_touch_answer(tmp_path: Path) -> None:
    """Stop on a step cancels the rest; on a later session, "Mild" on the last step writes 2 to the journal."""
    harness = build_service(tmp_path, AT_BANK, START)
    ask(harness, "session")
    harness.advance(timedelta(seconds=1))
    harness.press("Breathe", "stop")
    harness.advance(timedelta(minutes=5))
    assert harness.titles == ["Breathe"]
    ask(harness, "session")
    harness.advance(timedelta(minutes=3))
    assert harness.titles[-1] == "Drink"
    harness.press("Drink", "mild")
    episodes = harness.service.parts.journal.since(START)
    assert [(e.intensity, e.note) for e in episodes] == [(2, "noted from the companion")]


def test_a_closed_notification_has_no_buttons_left(tmp_path: Path) -> None:
    """Once the companion's last step is closed, a late press with its id (a reused id, another app's
    notification) writes nothing to the journal."""
    harness = build_service(tmp_path, AT_BANK, START)
    ask(harness, "session")
    harness.advance(timedelta(minutes=3))
    shown_as = harness.desktop.id_of("Drink")
    harness.close("Drink")
    harness.send(ActionChosen(shown_as, "mild"))
    assert harness.service.parts.journal.since(START) == []


def test_a_button_of_a_notification_from_before_a_restart_is_ignored(tmp_path: Path) -> None:
    """Later pressed on a tip that the previous run showed (GNOME keeps it in its list) changes nothing:
    this run does not know what that notification was."""
    before = build_service(tmp_path, AT_BANK, START)
    before.advance(timedelta(hours=1, minutes=1))
    shown_as = before.desktop.id_of("Water")
    after = build_service(tmp_path, AT_BANK, before.now)
    after.send(ActionChosen(shown_as, "later"))
    assert ask(after, "status")["result"]["snoozed"] == []
    before.send(ActionChosen(shown_as, "later"))  # the same press reaches the run that showed it
    assert ask(before, "status")["result"]["snoozed"] != []


def test_a_heads_up_comes_before_each_feed_with_its_buttons(tmp_path: Path) -> None:
    """Five minutes before 10:00 and 14:00 a heads-up offers the companion; Start starts it at once."""
    harness = build_service(tmp_path, RHYTHM_BANK, START)
    assert heads_ups(harness) == {"feeds": "2026-03-02T09:55:00+01:00"}
    harness.advance(timedelta(hours=1, minutes=56))
    heads_up = harness.desktop.shown[-1]
    assert heads_up.title == "Coming up: feeds at 10:00" and heads_up.kind == "heads-up"
    assert [a.key for a in heads_up.actions] == ["default", "start", "snooze", "skip"]
    assert [a.label for a in heads_up.actions][1:] == ["Start companion", "Snooze 10 min", "Skip"]
    harness.press("Coming up: feeds at 10:00", "start")
    harness.advance(timedelta(seconds=1))
    assert harness.titles[-1] == "Breathe"
    assert heads_ups(harness) == {"feeds": "2026-03-02T13:55:00+01:00"}


def test_snooze_shows_the_heads_up_again_and_skip_lets_it_go(tmp_path: Path) -> None:
    """Snooze 10 min brings the heads-up back (`status` says when); Skip on it leaves the companion unstarted."""
    bank = RHYTHM_BANK.replace("heads_up: 5m", "heads_up: 15m") + "    at_the_time: start\n"
    harness = build_service(tmp_path, bank, START)
    harness.advance(timedelta(hours=1, minutes=46))  # 09:46
    harness.press("Coming up: feeds at 10:00", "snooze")
    assert heads_ups(harness) == {"feeds": "2026-03-02T09:56:00+01:00"}
    harness.advance(timedelta(minutes=11))
    assert harness.titles.count("Coming up: feeds at 10:00") == 2
    assert heads_ups(harness) == {"feeds": "2026-03-02T13:45:00+01:00"}
    harness.press("Coming up: feeds at 10:00", "skip")
    harness.advance(timedelta(minutes=10))
    assert "Breathe" not in harness.titles


def test_a_heads_up_snoozed_past_its_time_says_it_is_time(tmp_path: Path) -> None:
    """Snoozed at 09:55 for a 10:00 feed, the heads-up returns at 10:05 as "Time for feeds", not "Coming up"."""
    harness = build_service(tmp_path, RHYTHM_BANK, START)
    harness.advance(timedelta(hours=1, minutes=55, seconds=1))
    harness.press("Coming up: feeds at 10:00", "snooze")
    harness.advance(timedelta(minutes=10))
    assert harness.titles[-1] == "Time for feeds (10:00)"
    harness.press("Time for feeds (10:00)", "start")
    harness.advance(timedelta(seconds=1))
    assert harness.titles[-1] == "Breathe"


def test_a_rhythm_set_to_start_starts_the_companion_at_the_time(tmp_path: Path) -> None:
    """With at_the_time: start, the companion begins at 10:00 without a touch."""
    harness = build_service(tmp_path, RHYTHM_BANK + "    at_the_time: start\n", START)
    harness.advance(timedelta(hours=2, seconds=30))
    assert harness.titles[-2:] == ["Coming up: feeds at 10:00", "Breathe"]


def test_feeding_on_demand_follows_the_last_feed(tmp_path: Path) -> None:
    """after_last: the heads-up comes 2h30m after the last companion (or logged feed), less the heads-up."""
    text = AT_BANK + "rhythm:\n  on-demand:\n    after_last: 2h30m\n"
    harness = build_service(tmp_path, text, START)
    assert heads_ups(harness) == {}
    ask(harness, "session")
    assert heads_ups(harness) == {"on-demand": "2026-03-02T10:25:00+01:00"}
    ask(harness, "logged", at="2026-03-02T09:00:00+01:00")
    assert heads_ups(harness) == {"on-demand": "2026-03-02T11:25:00+01:00"}


def test_heads_ups_keep_to_quiet_hours_unless_the_rhythm_is_for_the_night(tmp_path: Path) -> None:
    """A 03:00 feed has no heads-up by default; with at_night: true it has one at 02:55."""
    night = AT_BANK + 'rhythm:\n  night-feed:\n    schedule:\n      at: "03:00"\n'
    harness = build_service(tmp_path, night, START)
    assert heads_ups(harness) == {}
    harness = build_service(tmp_path / "night", night + "    at_night: true\n", START)
    assert heads_ups(harness) == {"night-feed": "2026-03-03T02:55:00+01:00"}


def edit(harness: Harness, text: str) -> None:
    """Save `text` as the tips file and let the service read it."""
    harness.service.parts.tips_file.write_text(text)
    harness.send(Reload())


def test_a_tip_put_off_comes_back_after_a_pause(tmp_path: Path) -> None:
    """Later, then a pause until resumed: `status` says the tip waits for the resume; after resuming it comes."""
    harness = build_service(tmp_path, AT_BANK, START)
    harness.advance(timedelta(hours=1, minutes=1))  # 09:01, the first tip
    harness.press("Water", "later")
    ask(harness, "pause", pause={})
    assert ask(harness, "status")["result"]["snoozed"] == [{"title": "Water", "at": None}]
    harness.advance(timedelta(hours=1))
    ask(harness, "resume")
    harness.advance(timedelta(minutes=1))
    assert len(harness.desktop.shown) == 2 and harness.desktop.shown[1].body == harness.desktop.shown[0].body


def test_a_tip_put_off_during_a_timed_pause_comes_when_the_pause_ends(tmp_path: Path) -> None:
    """Later at 09:01 (back at 09:31), with a pause until 11:00: the tip comes at 11:00, not lost."""
    harness = build_service(tmp_path, AT_BANK, START)
    harness.advance(timedelta(hours=1, minutes=1))
    harness.press("Water", "later")
    ask(harness, "pause", pause={"until_s": 11 * 3600})
    assert ask(harness, "status")["result"]["snoozed"] == [{"title": "Water", "at": "2026-03-02T11:00:00+01:00"}]
    harness.advance(timedelta(hours=2))
    assert [f"{t.astimezone(harness.zone):%H:%M}" for t in harness.desktop.times] == ["09:00", "11:00"]


def test_later_on_a_tip_deleted_since_changes_nothing(tmp_path: Path) -> None:
    """The tip's notification outlived an edit that removed the tip: Later does nothing, and the reminders
    go on as planned."""
    harness = build_service(tmp_path, AT_BANK, START)
    harness.advance(timedelta(hours=1, minutes=1))
    deleted = harness.desktop.shown[0].body
    kept = "A glass nearby." if deleted == "A sip of water." else "A sip of water."
    edit(harness, "\n".join(line for line in AT_BANK.splitlines() if deleted not in line) + "\n")
    harness.press("Water", "later")
    assert ask(harness, "status")["result"]["snoozed"] == []
    harness.advance(timedelta(hours=3))
    assert [n.body for n in harness.desktop.shown] == [deleted, kept]


def test_quiet_today_silences_tips_and_heads_ups_until_the_morning(tmp_path: Path) -> None:
    """Quiet today on the 09:00 tip: no tip at 12:00, no heads-up for 14:00; the next morning tips return."""
    harness = build_service(tmp_path, RHYTHM_BANK, START)
    harness.advance(timedelta(hours=1, minutes=1))
    harness.press("Water", "quiet-today")
    assert ask(harness, "status")["result"]["pause"]["text"] == "until tomorrow 07:00"
    harness.advance(timedelta(hours=20))  # Tue 05:01
    assert harness.titles == ["Water"]
    harness.advance(timedelta(hours=4))  # Tue 09:01
    assert harness.titles == ["Water", "Water"]


def test_a_pause_after_the_heads_up_stops_the_companion_starting_on_its_own(tmp_path: Path) -> None:
    """A rhythm that starts the companion at 10:00: after its heads-up the parent pauses; nothing starts."""
    harness = build_service(tmp_path, RHYTHM_BANK + "    at_the_time: start\n", START)
    harness.advance(timedelta(hours=1, minutes=56))  # 09:56, heads-up shown
    ask(harness, "pause", pause={"for_s": 3600})
    harness.advance(timedelta(minutes=10))
    assert "Breathe" not in harness.titles


def test_a_companion_started_before_a_feed_is_that_feed(tmp_path: Path) -> None:
    """The parent starts the companion at 09:52 for a 10:00 feed: no heads-up at 09:55 over it, and no second
    companion at 10:00; the 14:00 feed is planned as usual."""
    harness = build_service(tmp_path, RHYTHM_BANK + "    at_the_time: start\n", START)
    harness.advance(timedelta(hours=1, minutes=52))
    ask(harness, "session")
    harness.advance(timedelta(minutes=10))
    assert "Coming up: feeds at 10:00" not in harness.titles
    assert harness.titles.count("Breathe") == 1
    assert heads_ups(harness) == {"feeds": "2026-03-02T13:55:00+01:00"}


def test_snoozing_a_heads_up_holds_back_the_companion_and_survives_a_restart(tmp_path: Path) -> None:
    """Snooze at 09:55 on a rhythm that starts the companion: nothing starts at 10:00 over the choice; the
    service restarts at 10:02 and the heads-up still comes back at 10:05, saying it is time."""
    bank = RHYTHM_BANK + "    at_the_time: start\n"
    harness = build_service(tmp_path, bank, START)
    harness.advance(timedelta(hours=1, minutes=55, seconds=1))
    harness.press("Coming up: feeds at 10:00", "snooze")
    harness.advance(timedelta(minutes=7))  # 10:02
    assert "Breathe" not in harness.titles
    restarted = build_service(tmp_path, bank, harness.now)
    assert heads_ups(restarted)["feeds"] == "2026-03-02T10:05:01+01:00"
    restarted.advance(timedelta(minutes=4))
    assert restarted.titles == ["Time for feeds (10:00)"]


def test_an_edit_to_ask_after_the_heads_up_means_nothing_starts(tmp_path: Path) -> None:
    """After the heads-up, the parent edits the rhythm from start to ask: at 10:00 nothing starts by itself."""
    harness = build_service(tmp_path, RHYTHM_BANK + "    at_the_time: start\n", START)
    harness.advance(timedelta(hours=1, minutes=56))
    edit(harness, textwrap.dedent(RHYTHM_BANK) + "    at_the_time: ask\n")
    harness.advance(timedelta(minutes=10))
    assert "Breathe" not in harness.titles


def test_a_tip_never_replaces_a_companion_step_or_a_heads_up(tmp_path: Path) -> None:
    """Tips, companion steps and heads-ups each have their own place: a tip at 09:00 during a session shows
    beside the step, not over it."""
    harness = build_service(tmp_path, AT_BANK, START)
    harness.advance(timedelta(minutes=59, seconds=30))
    ask(harness, "session")
    harness.advance(timedelta(minutes=1))
    assert harness.titles == ["Breathe", "Water", "Look"]
    assert harness.desktop.ids[0] == harness.desktop.ids[2] != harness.desktop.ids[1]


def test_a_one_touch_answer_is_dated_when_the_feed_began(tmp_path: Path) -> None:
    """ "Mild" pressed minutes after the last step is noted at the session's start, the feed's own time."""
    harness = build_service(tmp_path, AT_BANK, START)
    ask(harness, "session")
    harness.advance(timedelta(minutes=8))
    harness.press("Drink", "mild")
    assert [e.at for e in harness.service.parts.journal.since(START)] == [START]


def test_the_welcome_comes_once_on_the_first_run(tmp_path: Path) -> None:
    """The very first start shows the welcome (not medical advice, urgent help, how to pause) until it is read;
    a restart does not show it again, and neither does an upgrade from a version without it."""
    first = build_service(tmp_path / "new", AT_BANK, START, first_run=True)
    welcome = first.desktop.shown[0]
    assert welcome.title == WELCOME_TITLE and welcome.body == WELCOME_TEXT and welcome.show_for_s is None
    assert "crisis line" in welcome.body and "dmer-tips pause" in welcome.body
    again = build_service(tmp_path / "new", AT_BANK, START + timedelta(hours=1))
    assert again.desktop.shown == []

    older = tmp_path / "older" / "state"
    older.mkdir(parents=True, mode=0o700)
    (older / "state.json").write_text('{"version": 2, "seed": 3}')
    (older / "state.json").chmod(0o600)
    assert build_service(tmp_path / "older", AT_BANK, START, first_run=True).desktop.shown == []


def test_a_welcome_only_printed_to_a_log_comes_again(tmp_path: Path) -> None:
    """Started at login before the desktop was up, the service could only print the welcome into its log:
    it comes again on the next start, and once it reached the desktop, never again."""
    unseen = build_service(tmp_path, AT_BANK, START, first_run=True, desktop_down=True)
    assert unseen.desktop.shown == []
    seen = build_service(tmp_path, AT_BANK, START + timedelta(minutes=5))
    assert [n.title for n in seen.desktop.shown] == [WELCOME_TITLE]
    assert build_service(tmp_path, AT_BANK, START + timedelta(minutes=10)).desktop.shown == []
