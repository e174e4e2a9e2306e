"""Notifier rules that need no desktop: escaping, Windows limits, and the fallback policy."""

from __future__ import annotations

import io
import logging
from datetime import datetime
from pathlib import Path

import pytest

from dmer_tips.notify import ConsoleNotifier, FallbackNotifier, Notification, Notifier, NotifyError
from dmer_tips.notify.freedesktop import FreedesktopNotifier, escape_markup
from dmer_tips.notify.plyer_backend import UNTIL_DISMISSED_S, PlyerNotifier, shorten, utf16_len


def test_markup_escaping_keeps_quotes() -> None:
    """Only &, < and > are escaped; quotes stay literal because some servers show entities raw."""
    assert escape_markup('x < y & it\'s "fine" > z') == 'x &lt; y &amp; it\'s "fine" &gt; z'


def test_shorten_cuts_on_a_word_with_an_ellipsis() -> None:
    """Text over the Windows limit ends on a whole word with an ellipsis; short text is untouched."""
    text = "Take one slow breath before the pump starts, and notice five things you can see around you."
    assert shorten(text, 200) == text
    cut = shorten(text, 40)
    assert cut == "Take one slow breath before the pump…"
    assert utf16_len(cut) <= 40


def test_shorten_counts_utf16_units() -> None:
    """Emoji count as two units, as Windows counts them."""
    text = "🌙" * 40
    cut = shorten(text, 63)
    assert utf16_len(cut) <= 63 and cut.endswith("…")


def test_plyer_keeps_the_tip_up_for_show_for_and_adds_the_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    """macOS and Windows have no buttons: the text carries the hint, and the balloon stays for `show_for`
    (a long time for "until dismissed", since plyer removes a Windows balloon at once when told 0)."""
    import plyer

    calls: list[dict[str, object]] = []

    class Recorder:
        @staticmethod
        def notify(**kwargs: object) -> None:
            calls.append(kwargs)

    monkeypatch.setattr(plyer, "notification", Recorder)
    step = Notification("Drink", "A glass of water now.", "companion", 20.0, hint="Note it with: dmer-tips log 0-5")
    PlyerNotifier().send(step)
    PlyerNotifier().send(Notification("Water", "A sip now.", show_for_s=None))
    PlyerNotifier().send(Notification("Water", "A sip now.", show_for_s=0.4))
    assert calls[0]["message"] == "A glass of water now. Note it with: dmer-tips log 0-5"
    assert [call["timeout"] for call in calls] == [20, UNTIL_DISMISSED_S, 1]


def test_missing_session_bus_is_a_notify_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a D-Bus session the Linux notifier says so instead of failing silently."""
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    with pytest.raises(NotifyError, match="DBUS_SESSION_BUS_ADDRESS is not set"):
        FreedesktopNotifier().send(Notification("t", "b"))


class FlakyDesktop(Notifier):
    """A recording fake: fails while `down`, records what it showed otherwise."""

    name = "the fake desktop"

    def __init__(self) -> None:
        self.down: Exception | None = None
        self.shown: list[Notification] = []

    def send(self, notification: Notification) -> None:
        if self.down is not None:
            raise self.down
        self.shown.append(notification)


def console() -> tuple[ConsoleNotifier, io.StringIO]:
    stream = io.StringIO()
    return ConsoleNotifier(stream, clock=lambda: datetime(2026, 1, 1, 9, 30)), stream


def test_fallback_prints_with_one_notice_and_recovers() -> None:
    """While the desktop is down tips are printed (one notice per outage); when it returns, tips go there again."""
    desktop = FlakyDesktop()
    printer, printed = console()
    notifier = FallbackNotifier(desktop, printer)
    desktop.down = NotifyError("no server")
    notifier.send(Notification("One", "first"))
    notifier.send(Notification("Two", "second"))
    desktop.down = None
    notifier.send(Notification("Three", "third"))
    lines = printed.getvalue().splitlines()
    assert lines == [
        "[09:30] dmer-tips: Desktop notifications are not reachable (no server); printing reminders here instead, and trying the desktop again for each one.",
        "[09:30] One: first",
        "[09:30] Two: second",
    ]
    assert desktop.shown == [Notification("Three", "third")]


def test_unexpected_backend_error_is_logged_with_traceback_and_never_raised(caplog: pytest.LogCaptureFixture) -> None:
    """A bug inside a backend is logged with its traceback; the tip is still printed."""
    desktop = FlakyDesktop()
    desktop.down = ZeroDivisionError("oops")
    printer, printed = console()
    with caplog.at_level(logging.ERROR):
        FallbackNotifier(desktop, printer).send(Notification("One", "first"))
    assert "[09:30] One: first" in printed.getvalue()
    assert caplog.records[0].exc_info is not None and "ZeroDivisionError" in caplog.text


def test_what_the_program_writes_itself_keeps_its_point_in_one_line(tmp_path: Path) -> None:
    """A problem notice carries its point in its title and first sentence, which GNOME's one line shows."""
    from dmer_tips.bank.model import ONE_LINE, headline
    from dmer_tips.errors import Problem, TipBankError
    from dmer_tips.service.reload import ReloadResult

    long_problem = Problem(str(tmp_path / "tips.yaml"), 120, 7, "a very long description " * 10, "fix it")
    loaded = ReloadResult(True, None, 3, b"")
    notice = loaded.failed(TipBankError([long_problem]), datetime(2026, 1, 1)).notification()
    assert notice.title == "Your tips file needs a look"
    assert headline(notice.body) == "Your reminders go on with the last good tips."
    assert len(headline(notice.body)) <= ONE_LINE and notice.kind == "problem"
