"""The service's one thread: APScheduler's timers and every other input, waited on together.

`EventLoop` is an APScheduler scheduler whose main loop waits in a selector instead of on an event, so
a due job, a control connection, a signal and a message posted from another thread all wake the same
thread. Jobs only post messages; every message is handled between rounds of job
processing, in arrival order, so nothing handling a message ever changes the job store while APScheduler
walks it, and nothing needs a lock.

APScheduler waits on the monotonic clock, which stops while a laptop sleeps and does not see the wall
clock being set. On Linux a timerfd on the wall clock, armed with TFD_TIMER_CANCEL_ON_SET, is cancelled
by the kernel the moment the clock is set or the machine resumes, so the loop wakes at once and sleeps
otherwise (no polling). Elsewhere the loop looks at the clock at least once a minute.
"""

from __future__ import annotations

import contextlib
import heapq
import logging
import selectors
import signal
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from itertools import count
from typing import Any, Generic, TypeVar

from apscheduler.executors.debug import DebugExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from apscheduler.triggers.date import DateTrigger

from dmer_tips.service.alarm import ClockSetAlarm

log = logging.getLogger(__name__)
M = TypeVar("M")
WITHOUT_ALARM_LOOK_S = 60.0  # how often the clock is looked at where the kernel cannot tell us it was set
LONGEST_SLEEP_S = 86_400.0  # selectors take a bounded timeout; one wake-up a day is nothing


class EventLoop(BaseScheduler, Generic[M]):  # type: ignore[misc]
    """Runs until `shutdown()`; hands each posted message to `handler` on this thread, in order."""

    def __init__(self, zone: tzinfo, handler: Callable[[M], None], alarm: ClockSetAlarm | None = None) -> None:
        # Jobs run in place on this thread (the debug executor); all they do is post their message.
        # No misfire grace, coalescing: a job late after a suspend runs once, and its handler judges lateness.
        super().__init__(
            executors={"default": DebugExecutor()},
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
            timezone=zone,
        )
        self._handler = handler
        self._inbox: deque[M] = deque()
        self._selector = selectors.DefaultSelector()
        # A socket pair rather than a pipe: signal.set_wakeup_fd and selectors on Windows take only sockets.
        self._wake_reader, self._wake_writer = socket.socketpair()
        for end in (self._wake_reader, self._wake_writer):
            end.setblocking(False)
        self._selector.register(self._wake_reader, selectors.EVENT_READ, self._drain_wake)
        self._alarm = alarm
        self._later: list[tuple[float, int, Callable[[], None]]] = []
        self._later_ids = count()
        self._closed = False
        self.on_wake: Callable[[], None] = lambda: None  # the service looks at the clock whenever the loop wakes
        if alarm is not None:
            self._selector.register(alarm, selectors.EVENT_READ, self._alarm_rang)

    # --- what other parts use --------------------------------------------------------------------

    def post(self, message: M) -> None:
        """Queue a message for the loop's thread; safe from any thread and from signal handlers."""
        self._inbox.append(message)
        self.wakeup()

    def watch(self, fileobj: Any, on_ready: Callable[[int], None], events: int = selectors.EVENT_READ) -> None:
        """Call `on_ready(mask)` on this thread whenever `fileobj` is ready; replaces an earlier watch."""
        with contextlib.suppress(KeyError):
            self._selector.unregister(fileobj)
        self._selector.register(fileobj, events, on_ready)

    def unwatch(self, fileobj: Any) -> None:
        with contextlib.suppress(KeyError, ValueError, OSError):
            self._selector.unregister(fileobj)

    def call_later(self, delay_s: float, work: Callable[[], None]) -> int:
        """Run `work` on this thread after `delay_s` of elapsed time (for I/O time-outs); returns a handle."""
        handle = next(self._later_ids)
        heapq.heappush(self._later, (time.monotonic() + delay_s, handle, work))
        return handle

    def cancel_later(self, handle: int) -> None:
        """Forget a timed task, so that it never wakes the loop."""
        self._later = [entry for entry in self._later if entry[1] != handle]
        heapq.heapify(self._later)

    def handle_signals(self, handlers: dict[int, Callable[[], None]]) -> None:
        """Run each handler for its signal on this thread, promptly, whichever thread the signal landed on."""
        signal.set_wakeup_fd(self._wake_writer.fileno(), warn_on_full_buffer=False)
        for number, handler in handlers.items():
            signal.signal(number, _ignoring_frame(handler))

    # --- APScheduler's side --------------------------------------------------------------------------

    def start(self, paused: bool = False) -> None:
        """Process jobs and messages until `shutdown()`; blocks, like APScheduler's BlockingScheduler."""
        super().start(paused)
        try:
            self._main_loop()
        finally:
            self.close()

    def shutdown(self, wait: bool = False) -> None:
        if self.state != STATE_STOPPED:
            super().shutdown(wait=False)
        self.wakeup()

    def wakeup(self) -> None:
        with contextlib.suppress(BlockingIOError, OSError):  # a full buffer is already a pending wake-up
            self._wake_writer.send(b"\0")

    def _main_loop(self) -> None:
        while self.state != STATE_STOPPED:
            wait_s = self._process_jobs()
            self._run_due_later()
            worked = self._run_inbox()
            # After work, only glance at sockets and signals: the work may have changed what is due next,
            # and a schedule that keeps the loop busy must never starve a waiting `dmer-tips status`.
            self._arm_alarm()
            for key, mask in self._selector.select(0 if worked else self._timeout(wait_s)):
                self._guarded(key.data, mask)
            self._guarded(self.on_wake)

    @staticmethod
    def _guarded(work: Callable[..., None], *arguments: int) -> None:
        """Run a reader or the wake-up hook; a failure in one is logged and never ends the reminders."""
        try:
            work(*arguments)
        except Exception:
            log.exception("handling an event failed")

    def _run_inbox(self) -> bool:
        """Handle the messages waiting now (those they post wait for the next round); whether there were any."""
        waiting = len(self._inbox)
        for _ in range(waiting):
            if self.state == STATE_STOPPED:
                break
            message = self._inbox.popleft()
            try:
                self._handler(message)
            except Exception:  # one bad message must never end the reminders
                log.exception("handling %r failed", message)
        return waiting > 0

    def _timeout(self, wait_s: float | None) -> float:
        longest = LONGEST_SLEEP_S if self._alarm is not None else WITHOUT_ALARM_LOOK_S
        timeout = longest if wait_s is None else min(wait_s, longest)
        if self._later:
            timeout = min(timeout, max(self._later[0][0] - time.monotonic(), 0.0))
        return timeout

    def _run_due_later(self) -> None:
        now = time.monotonic()
        while self._later and self._later[0][0] <= now:
            _, _, work = heapq.heappop(self._later)
            try:
                work()
            except Exception:
                log.exception("a timed task failed")

    def _arm_alarm(self) -> None:
        if self._alarm is not None:
            try:
                self._alarm.arm()
            except OSError:  # the clock keeps being set this very moment: the next round arms it again
                log.warning("cannot arm the clock alarm this round", exc_info=True)

    def _alarm_rang(self, _mask: int) -> None:
        assert self._alarm is not None
        if self._alarm.clock_was_set():
            log.debug("the kernel says the wall clock was set (or the machine resumed)")

    def _drain_wake(self, _mask: int) -> None:
        with contextlib.suppress(BlockingIOError, OSError):
            while self._wake_reader.recv(4096):
                pass

    def close(self) -> None:
        """Release the loop's sockets, alarm and signal wake-up (also for a loop that never started); idempotent."""
        if self._closed:
            return
        self._closed = True
        if threading.current_thread() is threading.main_thread():
            with contextlib.suppress(ValueError):
                signal.set_wakeup_fd(-1)
        self._selector.close()
        self._wake_reader.close()
        self._wake_writer.close()
        if self._alarm is not None:
            self._alarm.close()


def _ignoring_frame(handler: Callable[[], None]) -> Callable[[int, object], None]:
    return lambda _signum, _frame: handler()


class SchedulerTimers(Generic[M]):
    """The service's timers on APScheduler: each one posts its message to the loop at a wall-clock time."""

    def __init__(self, loop: EventLoop[M]) -> None:
        self._loop = loop

    def at(self, key: str, when: datetime, message: M) -> None:
        """Post `message` at `when`; replaces the timer of the same key."""
        self._loop.add_job(self._loop.post, DateTrigger(run_date=when), args=[message], id=key, replace_existing=True)

    def cancel(self, key: str) -> bool:
        """Cancel the timer `key`; False when there was none (it already fired)."""
        try:
            self._loop.remove_job(key)
        except JobLookupError:
            return False
        return True

    def shift(self, delta: timedelta) -> None:
        """The wall clock was set by `delta` without time passing: every timer keeps its distance from now."""
        for job in self._loop.get_jobs():
            if job.next_run_time is not None:
                self.at(job.id, job.next_run_time + delta, job.args[0])
