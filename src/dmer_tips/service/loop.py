"""APScheduler's blocking scheduler, with a queue of work that runs between jobs on its own thread."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from datetime import tzinfo
from typing import TypeVar

from apscheduler.executors.debug import DebugExecutor
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.schedulers.blocking import BlockingScheduler

log = logging.getLogger(__name__)
T = TypeVar("T")


class QueueingScheduler(BlockingScheduler):  # type: ignore[misc]
    """Runs queued work between jobs, on the scheduler's own thread.

    APScheduler's `shutdown` empties the job store; called from a signal handler while a job runs, the
    scheduler then fails to remove the finished job and dies. Queued work avoids that, and gives signal
    handlers, file events and control requests one safe place to touch the reminders.
    """

    def __init__(self, zone: tzinfo) -> None:
        # Jobs run in place on this one thread (the debug executor), so nothing else ever races them.
        # No misfire grace and coalescing: a job late after a suspend runs once, never a backlog.
        super().__init__(
            executors={"default": DebugExecutor()},
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
            timezone=zone,
        )
        self._queued: queue.SimpleQueue[Callable[[], object]] = queue.SimpleQueue()
        self._event = threading.Event()  # so work can be queued before start(), which keeps this event

    def between_jobs(self, work: Callable[[], object]) -> None:
        self._queued.put(work)
        self.wakeup()

    def _process_jobs(self) -> float | None:
        wait_seconds: float | None = super()._process_jobs()
        while self.state != STATE_STOPPED and not self._queued.empty():
            work = self._queued.get_nowait()
            try:
                work()
            except Exception:
                log.exception("queued work failed")
        return wait_seconds

    def call(self, work: Callable[[], T], timeout_s: float = 10.0) -> T:
        """Run `work` between jobs and wait for its result (for threads other than the scheduler's)."""
        done: Future[T] = Future()

        def run() -> None:
            try:
                done.set_result(work())
            except BaseException as error:  # handed to the waiting thread, which re-raises it
                done.set_exception(error)

        self.between_jobs(run)
        return done.result(timeout=timeout_s)
