"""Sending a notification: one small interface, a backend per platform, and the failure policy in one place."""

from __future__ import annotations

import sys

from dmer_tips.notify.base import Notification, Notifier, NotifyError
from dmer_tips.notify.console import ConsoleNotifier
from dmer_tips.notify.fallback import FallbackNotifier

__all__ = ["ConsoleNotifier", "FallbackNotifier", "Notification", "Notifier", "NotifyError", "desktop_notifier"]


def desktop_notifier(platform: str = sys.platform) -> Notifier:
    """The desktop backend for this platform; imported lazily so quick commands never load it."""
    if platform.startswith("linux"):
        from dmer_tips.notify.freedesktop import FreedesktopNotifier

        return FreedesktopNotifier()
    from dmer_tips.notify.plyer_backend import PlyerNotifier

    return PlyerNotifier()
