"""`dmer-tips run`: build the real parts, hand them to the service, and wait on all of them on one thread.

Threads: the main thread runs everything (timers, control requests, signals, notifications and the
desktop's signals on the session bus, handling of every message); watchdog's threads wait on the
kernel's file events and only post a message. Nothing
polls: the main thread sleeps in one selector until a timer is due, a socket has data, a signal arrives,
a message is posted, or (Linux) the kernel reports the wall clock set or the machine resumed.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
from collections.abc import Callable
from datetime import tzinfo
from typing import TextIO

from dmer_tips.bank.load import parse_tip_bank, read_tip_file
from dmer_tips.desktop.autostart import ensure_application_entry
from dmer_tips.desktop.bus import Bus
from dmer_tips.desktop.presence import AlwaysThere, DesktopPresence, Presence
from dmer_tips.errors import DmerTipsError
from dmer_tips.journal import Journal
from dmer_tips.notify import FallbackNotifier, make_notifier
from dmer_tips.notify.base import APP_NAME
from dmer_tips.notify.freedesktop import FreedesktopNotifier
from dmer_tips.paths import AppPaths, TipsFile
from dmer_tips.schedule.reminders import Reminders
from dmer_tips.schedule.state import StateFile
from dmer_tips.service.alarm import ClockSetAlarm
from dmer_tips.service.clock import ClockWatch, local_zone, utc_now
from dmer_tips.service.control_server import ControlServer
from dmer_tips.service.core import Parts, Service
from dmer_tips.service.instance import InstanceLock
from dmer_tips.service.loop import EventLoop, SchedulerTimers
from dmer_tips.service.messages import ClockJumped, Message, PresenceChanged, Reload, Stop, TipFileTouched
from dmer_tips.service.reload import ReloadResult
from dmer_tips.service.watch import TipFileWatcher
from dmer_tips.storage import private_dir
from dmer_tips.terminal import show

log = logging.getLogger(__name__)


def _name_ourselves_to_the_desktop(paths: AppPaths, notifier: FallbackNotifier, say: Callable[[str], None]) -> None:
    """On a Linux desktop, the application entry our notifications name: without it GNOME offers no switch for them."""
    if not sys.platform.startswith("linux") or not notifier.on_desktop:
        return
    try:
        if ensure_application_entry(paths):
            say(f"Added {APP_NAME} to your applications, so your desktop can list its notifications in its settings.")
    except DmerTipsError as error:
        log.warning("could not add the application entry: %s", error)


def _is_a_terminal(out: TextIO) -> bool:
    try:
        return out.isatty()
    except (ValueError, OSError):  # closed, or not a real file
        return False


def run_service(tips: TipsFile, paths: AppPaths, zone: tzinfo, out: TextIO = sys.stdout) -> int:
    """Send reminders until stopped; the tip file must be valid to start, and only one service may run."""
    lock = InstanceLock(paths.lock_file)
    lock.acquire()
    try:
        return _run_locked(tips, paths, zone, out)
    finally:
        lock.release()


def _run_locked(tips: TipsFile, paths: AppPaths, zone: tzinfo, out: TextIO) -> int:
    def say(line: str) -> None:
        log.info(line)
        with contextlib.suppress(OSError, ValueError):  # the terminal went away (`run | head`): the log has it
            show(line, out)

    data = read_tip_file(tips.path)
    bank = parse_tip_bank(data, str(tips.path))
    now = utc_now()
    state_file = StateFile(paths.state_file)
    reminders = Reminders(bank, state_file.load(tell=say), zone, now)

    service: Service | None = None

    def handle(message: Message) -> None:
        assert service is not None
        service.handle(message)

    loop: EventLoop[Message] = EventLoop(zone, handle, ClockSetAlarm.if_available())
    notifier = make_notifier(out)
    closing: list[Callable[[], None]] = [notifier.close]
    presence: Presence = AlwaysThere()
    if isinstance(notifier.primary, FreedesktopNotifier):
        desktop = notifier.primary
        system = Bus("SYSTEM")
        system.listen(loop)
        presence = DesktopPresence(desktop.bus, desktop, lambda: loop.post(PresenceChanged()), system)
        closing.append(system.close)
    user_copy = paths.user_tips_file if tips.follows_user_copy and tips.path != paths.user_tips_file else None
    parts = Parts(
        utc_now,
        local_zone,
        SchedulerTimers(loop),
        notifier,
        state_file,
        tips.path,
        say,
        loop.shutdown,
        Journal(paths.journal_file),
        user_copy=user_copy,
        presence=presence,
        at_a_terminal=_is_a_terminal(out),
    )
    service = Service(parts, reminders, ReloadResult.loaded(bank, data, now))
    control = ControlServer(paths, loop, loop.post)
    if user_copy is not None:
        private_dir(user_copy.parent)  # so it can be watched for the copy `dmer-tips edit` makes
    watched = [tips.path] if user_copy is None else [tips.path, user_copy]
    watcher = TipFileWatcher(watched, lambda path: loop.post(TipFileTouched(path)))
    clock = ClockWatch()

    def on_wake() -> None:
        watcher.ensure_alive()
        jumped = clock.jump()
        if jumped:
            loop.post(ClockJumped(jumped))

    loop.on_wake = on_wake
    notifier.listen(loop)
    handlers: dict[int, Callable[[], None]] = {
        signal.SIGTERM: lambda: loop.post(Stop("SIGTERM")),
        signal.SIGINT: lambda: loop.post(Stop("Ctrl-C")),
    }
    if hasattr(signal, "SIGHUP"):
        handlers[signal.SIGHUP] = lambda: loop.post(Reload())
    loop.handle_signals(handlers)
    try:
        control.start()
        watcher.start()
        service.start()
        _name_ourselves_to_the_desktop(paths, notifier, say)
        loop.start()
    finally:
        for step in (watcher.stop, control.stop, service.save, *closing, loop.close):
            try:
                step()
            except Exception:  # one part failing to stop must not keep the others from stopping
                log.exception("stopping %s failed", getattr(step, "__qualname__", step))
        log.info("stopped")
    return 0
