"""The fallback: print the notification to standard output."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import TextIO

from dmer_tips.notify.base import Notification, Notifier
from dmer_tips.terminal import show


class ConsoleNotifier(Notifier):
    name = "the terminal"

    def __init__(self, stream: TextIO | None = None, clock: Callable[[], datetime] = datetime.now) -> None:
        self._stream = stream
        self._clock = clock

    def send(self, notification: Notification) -> None:
        stream = self._stream or sys.stdout
        show(f"[{self._clock():%H:%M}] {notification.title}: {notification.with_hint()}", stream)
