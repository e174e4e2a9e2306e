"""What every notification backend shares."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from dmer_tips.errors import DmerTipsError

APP_NAME = "D-MER Tips"
DESKTOP_ENTRY = "dmer-tips"  # our notifications name the application entry dmer-tips.desktop
DEFAULT_SHOW_FOR_S = 20.0
Kind = Literal["tip", "companion", "heads-up", "problem", "notice", "welcome"]
DEFAULT_ACTION = "default"  # the spec's key for a click on the notification itself
DISCREET_TITLES: dict[Kind, str] = {
    "tip": "A gentle reminder",
    "companion": "A moment for you",
    "heads-up": "Coming up soon",
    "problem": "Your reminders file needs a look",
    "notice": "Reminders",
    "welcome": "Welcome",
}


class NotifyError(DmerTipsError):
    """The desktop did not take the notification (no server, no bus, a refusal or a time-out)."""


@dataclass(frozen=True)
class Action:
    """A button: `key` comes back when it is pressed; `label` is what it says."""

    key: str
    label: str


# A click on a notification: without a default action, GNOME opens the application the notification names
# (ours starts the companion), which a click on a tip must not do; with it, a click just closes it.
CLOSE = Action(DEFAULT_ACTION, "Close")


@dataclass(frozen=True)
class Notification:
    """What the user sees. `body` is plain text: each backend escapes or shortens it as its platform needs.

    `kind` chooses the icon and which earlier notification this one replaces (see `slot`); it stays on
    screen for `show_for_s` seconds, or until dismissed when None. `actions` are its buttons where the
    desktop has buttons; where it has none, `hint` (say, the command to type) is added to the text instead.
    A `discreet` one names neither D-MER nor the application (see `discreetly`).
    """

    title: str
    body: str
    kind: Kind = "tip"
    show_for_s: float | None = DEFAULT_SHOW_FOR_S
    actions: tuple[Action, ...] = ()
    hint: str = ""
    discreet: bool = False

    def discreetly(self) -> Notification:
        """The same notification for a shared or work screen: a title that names neither D-MER, milk nor feeding,
        no application name that does, and no command hint (it names the program); the text stays, as the
        person wrote or chose it."""
        return replace(self, title=DISCREET_TITLES[self.kind], hint="", discreet=True)

    @property
    def slot(self) -> str:
        """Notifications of one kind replace each other on screen; one of another kind (a heads-up, a companion
        step, a problem notice) is never replaced unseen by the next tip."""
        return self.kind

    def with_hint(self) -> str:
        """The text for a place without buttons."""
        return f"{self.body} {self.hint}" if self.hint else self.body


@dataclass(frozen=True)
class ActionChosen:
    """The person pressed `action` on the notification the desktop calls `notification_id`."""

    notification_id: int
    action: str


@dataclass(frozen=True)
class Dismissed:
    """The notification `notification_id` went away: `reason` 1 expired, 2 closed by the person, 3 by us."""

    notification_id: int
    reason: int


NotificationEvent = ActionChosen | Dismissed


class Listener(Protocol):
    """Where a notifier that hears back from the desktop hands its socket and what it heard (the event loop)."""

    def watch(self, fileobj: Any, on_ready: Callable[[int], None]) -> None: ...

    def unwatch(self, fileobj: Any) -> None: ...

    def post(self, message: Any) -> None: ...


class Notifier(ABC):
    """A place notifications go. `send` raises NotifyError when the notification was not shown."""

    name: str = "notifier"

    @abstractmethod
    def send(self, notification: Notification) -> int | None:
        """Show it; returns the desktop's id for it where the platform has one."""

    def probe(self) -> str:
        """Where notifications will appear, in words; raises NotifyError if that place is unreachable."""
        return self.name

    def listen(self, listener: Listener) -> None:  # noqa: B027 - optional: most backends never hear back
        """Report buttons pressed and notifications closed to `listener`, from now on."""

    def withdraw(self, slot: str) -> None:  # noqa: B027 - optional: only a desktop with ids can take one back
        """Take the notification last shown in `slot` off the screen, if it is still there."""

    def slot_ids(self) -> dict[str, int]:
        """The id last shown in each slot, to be kept across a restart (none where ids do not exist)."""
        return {}

    def restore_slot_ids(self, ids: dict[str, int]) -> None:  # noqa: B027 - optional: most backends have no ids
        """Carry on replacing what an earlier run showed."""

    def close(self) -> None:  # noqa: B027 - optional hook: most backends hold no connection
        """Release connections; the default has none."""
