"""What every notification backend shares."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from dmer_tips.errors import DmerTipsError

APP_NAME = "D-MER Tips"


class NotifyError(DmerTipsError):
    """The desktop did not take the notification (no server, no bus, a refusal or a time-out)."""


@dataclass(frozen=True)
class Notification:
    """What the user sees. `body` is plain text: each backend escapes or shortens it as its platform needs."""

    title: str
    body: str


class Notifier(ABC):
    """A place notifications go. `send` raises NotifyError when the notification was not shown."""

    name: str = "notifier"

    @abstractmethod
    def send(self, notification: Notification) -> None: ...

    def probe(self) -> str:
        """Where notifications will appear, in words; raises NotifyError if that place is unreachable."""
        return self.name

    def close(self) -> None:  # noqa: B027 - optional hook: most backends hold no connection
        """Release connections; the default has none."""
