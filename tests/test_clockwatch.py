from datetime import datetime, timedelta, timezone

from dmer_tips.service.clock import ClockWatch


class FakeClocks:
    def __init__(self) -> None:
        self.wall = datetime(2026, 5, 4, 12, tzinfo=timezone.utc)
        self.mono = 1000.0

    def tick(self, seconds: float) -> None:
        self.wall += timedelta(seconds=seconds)
        self.mono += seconds


def test_normal_time_passing_is_no_jump() -> None:
    """A minute of ordinary time (with a little drift) reports no jump."""
    clocks = FakeClocks()
    watch = ClockWatch(lambda: clocks.wall, lambda: clocks.mono)
    clocks.tick(60)
    clocks.wall += timedelta(seconds=2)
    assert watch.jump() == timedelta(0)


def test_suspend_is_a_forward_jump() -> None:
    """8 hours of suspend (monotonic time stopped) reads as the wall clock jumping 8 hours ahead."""
    clocks = FakeClocks()
    watch = ClockWatch(lambda: clocks.wall, lambda: clocks.mono)
    clocks.tick(30)
    clocks.wall += timedelta(hours=8)
    assert watch.jump() == timedelta(hours=8)
    clocks.tick(60)
    assert watch.jump() == timedelta(0)


def test_clock_set_back_is_a_backward_jump() -> None:
    """Setting the clock back an hour reads as a jump of minus one hour."""
    clocks = FakeClocks()
    watch = ClockWatch(lambda: clocks.wall, lambda: clocks.mono)
    clocks.tick(60)
    clocks.wall -= timedelta(hours=1)
    assert watch.jump() == -timedelta(hours=1)
