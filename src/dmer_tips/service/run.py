"""`dmer-tips run`: build the real parts, hand them to the service, and wait on all of them on one thread.

Threads: the main thread runs everything (timers, control requests, signals, D-Bus replies, handling of
every message); watchdog's threads wait on the kernel's file events and only post a message. Nothing
polls: the main thread sleeps in one selector until a timer is due, a socket has data, a signal arrives,
a message is posted, or (Linux) the kernel reports the wall clock set or the machine resumed.
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from datetime import tzinfo
from typing import TextIO

from dmer_tips.bank.load import parse_tip_bank, read_tip_file
from dmer_tips.notify import ConsoleNotifier, FallbackNotifier, desktop_notifier
from dmer_tips.paths import AppPaths, TipsFile
from dmer_tips.schedule.reminders import Reminders
from dmer_tips.schedule.state import StateFile
from dmer_tips.service.alarm import ClockSetAlarm
from dmer_tips.service.clock import ClockWatch, utc_now
from dmer_tips.service.control_server import ControlServer
from dmer_tips.service.core import Parts, Service
from dmer_tips.service.instance import InstanceLock
from dmer_tips.service.loop import EventLoop, SchedulerTimers
from dmer_tips.service.messages import ClockJumped, Message, Reload, Stop, TipFileTouched
from dmer_tips.service.reload import ReloadResult
from dmer_tips.service.watch import TipFileWatcher

log = logging.getLogger(__name__)


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
        print(line, file=out, flush=True)
        log.info(line)

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
    notifier = FallbackNotifier(desktop_notifier(), ConsoleNotifier(out))
    parts = Parts(utc_now, zone, SchedulerTimers(loop), notifier, state_file, tips.path, say, loop.shutdown)
    service = Service(parts, reminders, ReloadResult.loaded(bank, data, now))
    control = ControlServer(paths, loop, loop.post)
    watcher = TipFileWatcher(tips.path, lambda: loop.post(TipFileTouched()))
    clock = ClockWatch()

    def on_wake() -> None:
        watcher.ensure_alive()
        jumped = clock.jump()
        if jumped:
            loop.post(ClockJumped(jumped))

    loop.on_wake = on_wake
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
        loop.start()
    finally:
        watcher.stop()
        control.stop()
        service.save()
        notifier.close()
        log.info("stopped")
    return 0
