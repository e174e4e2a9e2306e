"""The real event loop and APScheduler-backed timers, in-process: what the service's fakes stand in for."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest

from dmer_tips.service.loop import EventLoop, SchedulerTimers


@dataclass
class Inbox:
    """The handler: records messages in order, signals each arrival, and fails on "boom"."""

    seen: list[str] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def __call__(self, message: str) -> None:
        with self.arrived:
            self.seen.append(message)
            self.arrived.notify_all()
        if message == "boom":
            raise RuntimeError("a bug while handling a message")

    def wait_for(self, count: int) -> list[str]:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.seen) >= count, timeout=30), self.seen
            return list(self.seen)


@pytest.fixture
def running() -> Iterator[tuple[EventLoop[str], SchedulerTimers[str], Inbox]]:
    inbox = Inbox()
    loop: EventLoop[str] = EventLoop(timezone.utc, inbox)
    thread = threading.Thread(target=loop.start, daemon=True)
    thread.start()
    yield loop, SchedulerTimers(loop), inbox
    loop.post("stop")
    loop.shutdown()
    thread.join(timeout=30)
    assert not thread.is_alive()


def now() -> datetime:
    return datetime.now(timezone.utc)


def test_a_timer_posts_its_message_once_and_a_replaced_one_only_its_new_message(
    running: tuple[EventLoop[str], SchedulerTimers[str], Inbox],
) -> None:
    """A due timer's message arrives once; setting the same key again replaces it instead of adding one."""
    loop, timers, inbox = running
    timers.at("a", now() - timedelta(seconds=1), "overdue")
    timers.at("b", now() + timedelta(hours=1), "old")
    timers.at("b", now() - timedelta(seconds=1), "new")
    assert sorted(inbox.wait_for(2)) == ["new", "overdue"]
    loop.post("marker")
    assert inbox.wait_for(3)[-1] == "marker"


def test_a_cancelled_timer_never_fires(running: tuple[EventLoop[str], SchedulerTimers[str], Inbox]) -> None:
    """Cancelling says whether the timer was still pending, and its message never arrives."""
    loop, timers, inbox = running
    timers.at("later", now() + timedelta(hours=1), "later")
    assert timers.cancel("later") is True
    assert timers.cancel("later") is False
    loop.post("marker")
    assert inbox.wait_for(1) == ["marker"]


def test_shifting_moves_every_timer_by_the_clock_step(
    running: tuple[EventLoop[str], SchedulerTimers[str], Inbox],
) -> None:
    """After the clock is set back an hour, a timer an hour and a bit away is due a bit from now."""
    _, timers, inbox = running
    timers.at("soon", now() + timedelta(hours=1, milliseconds=200), "moved")
    timers.shift(-timedelta(hours=1))
    assert inbox.wait_for(1) == ["moved"]


def test_messages_from_other_threads_arrive_in_order_and_a_failure_ends_nothing(
    running: tuple[EventLoop[str], SchedulerTimers[str], Inbox],
) -> None:
    """Posts from several threads are handled in the order they were made; a handler that raises is logged only."""
    loop, _, inbox = running
    loop.post("boom")
    threads = [threading.Thread(target=loop.post, args=(f"m{i}",)) for i in range(5)]
    for thread in threads:
        thread.start()
        thread.join()
    assert inbox.wait_for(6) == ["boom", "m0", "m1", "m2", "m3", "m4"]


def test_a_failing_reader_does_not_end_the_loop() -> None:
    """A socket reader that raises is logged; the loop goes on waiting on everything else."""
    inbox = Inbox()
    loop: EventLoop[str] = EventLoop(timezone.utc, inbox)
    ours, theirs = socket.socketpair()

    def broken(_mask: int) -> None:
        ours.recv(1)
        raise RuntimeError("a bug in a reader")

    loop.watch(ours, broken)
    thread = threading.Thread(target=loop.start, daemon=True)
    thread.start()
    try:
        theirs.send(b"x")
        loop.post("still here")
        assert inbox.wait_for(1) == ["still here"]
    finally:
        loop.shutdown()
        thread.join(timeout=30)
        ours.close()
        theirs.close()
    assert not thread.is_alive()
