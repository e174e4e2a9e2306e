"""The failure policy, enforced in one place.

A notification the desktop does not take is printed instead, with a notice of why the first time; the
desktop is tried again for the next one. Nothing a backend raises stops the caller: unexpected errors are
logged with their traceback.
"""

from __future__ import annotations

import logging

from dmer_tips.notify.base import Listener, Notification, Notifier, NotifyError

log = logging.getLogger(__name__)


class FallbackNotifier(Notifier):
    def __init__(self, primary: Notifier, fallback: Notifier) -> None:
        self.primary = primary
        self.fallback = fallback
        self.name = primary.name
        self._down_reason: str | None = None

    def send(self, notification: Notification) -> int | None:
        try:
            shown_as = self.primary.send(notification)
        except NotifyError as error:
            log.warning("notification not shown by %s, printed instead: %s", self.primary.name, error)
            self._fall_back(notification, str(error))
        except Exception as error:  # a bug in a backend must never stop the reminders
            log.exception("notification backend %s failed unexpectedly", self.primary.name)
            self._fall_back(notification, f"{type(error).__name__}: {error}")
        else:
            if self._down_reason is not None:
                log.info("desktop notifications work again")
                self._down_reason = None
            return shown_as
        return None

    @property
    def on_desktop(self) -> bool:
        """Whether the last notification reached the desktop (rather than being printed)."""
        return self._down_reason is None

    @property
    def place(self) -> str:
        """Where notifications go right now, in words."""
        if self._down_reason is None:
            return self.primary.name
        return f"{self.fallback.name} (the desktop is not reachable: {self._down_reason})"

    def probe(self) -> str:
        try:
            return self.primary.probe()
        except NotifyError as error:
            self._went_down(str(error))
            return self.fallback.name

    def _fall_back(self, notification: Notification, reason: str) -> None:
        self._went_down(reason)
        self.fallback.send(notification)

    def _went_down(self, reason: str) -> None:
        """Say once per outage why reminders are printed instead of shown."""
        if self._down_reason is None:
            # Printed, never shown on a desktop (it is down), so it need not fit GNOME's one line.
            notice = (
                f"Desktop notifications are not reachable ({reason}); printing reminders here instead,"
                " and trying the desktop again for each one."
            )
            log.warning(notice)
            self.fallback.send(Notification("dmer-tips", notice, "notice"))
        self._down_reason = reason

    def listen(self, listener: Listener) -> None:
        self.primary.listen(listener)

    def withdraw(self, slot: str) -> None:
        try:
            self.primary.withdraw(slot)
        except NotifyError as error:  # it goes away on its own after its time
            log.info("could not take a notification back: %s", error)

    def slot_ids(self) -> dict[str, int]:
        return self.primary.slot_ids()

    def restore_slot_ids(self, ids: dict[str, int]) -> None:
        self.primary.restore_slot_ids(ids)

    def close(self) -> None:
        self.primary.close()
