"""Sending a notification: one small interface, a backend per platform, and the failure policy in one place."""

from __future__ import annotations

import sys
from typing import TextIO

from dmer_tips.notify.base import (
    Action,
    ActionChosen,
    Dismissed,
    Listener,
    Notification,
    NotificationEvent,
    Notifier,
    NotifyError,
)
from dmer_tips.notify.console import ConsoleNotifier
from dmer_tips.notify.fallback import FallbackNotifier

__all__ = [
    "Action",
    "ActionChosen",
    "ConsoleNotifier",
    "Dismissed",
    "FallbackNotifier",
    "Listener",
    "Notification",
    "NotificationEvent",
    "Notifier",
    "NotifyError",
    "desktop_notifier",
    "make_notifier",
]


def make_notifier(out: TextIO | None = None) -> FallbackNotifier:
    """The desktop, falling back to printing on `out` (standard output by default) when it cannot show one."""
    return FallbackNotifier(desktop_notifier(), ConsoleNotifier(out))


def desktop_notifier(platform: str = sys.platform) -> Notifier:
    """The desktop backend for this platform; imported lazily so quick commands never load it."""
    if platform.startswith("linux"):
        from dmer_tips.notify.freedesktop import FreedesktopNotifier

        return FreedesktopNotifier()
    from dmer_tips.notify.plyer_backend import PlyerNotifier

    return PlyerNotifier()
