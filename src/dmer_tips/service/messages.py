"""Everything that can happen to the running service, as messages handled one at a time on its one thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dmer_tips.notify.base import ActionChosen, Dismissed
from dmer_tips.service.protocol import Reply


@dataclass(frozen=True)
class Deliver:
    """The reminder timer fired: send what is due now, then plan the next one."""


@dataclass(frozen=True)
class ClockJumped:
    """Wall time moved by `delta` more than the time that passed: a suspend (forward) or the clock set."""

    delta: timedelta


@dataclass(frozen=True)
class TipFileTouched:
    """A save touched `path` (the tip file, or the user's copy appearing); the service reloads once the saving
    has settled."""

    path: Path


@dataclass(frozen=True)
class Reload:
    """Read the tip file now (the saving settled, `dmer-tips reload`, or SIGHUP)."""


@dataclass(frozen=True)
class SessionStep:
    """Step `index` of companion run `run` is due."""

    run: int
    index: int


@dataclass(frozen=True)
class HeadsUpDue:
    """The heads-up before the time `at` of rhythm `rhythm` is due."""

    rhythm: str
    at: datetime


@dataclass(frozen=True)
class HeadsUpAgain:
    """A heads-up the person snoozed comes back."""

    rhythm: str
    at: datetime


@dataclass(frozen=True)
class FeedTime:
    """The time `at` of a rhythm that starts the companion on its own."""

    rhythm: str
    at: datetime


@dataclass(frozen=True)
class PresenceChanged:
    """The desktop announced a change that may end a wait (the screen unlocked, input again, do-not-disturb off)."""


@dataclass(frozen=True)
class Stop:
    """End the service (a signal, or `dmer-tips stop`)."""

    reason: str


@dataclass(frozen=True)
class ControlRequest:
    """A command from the CLI. `reply` answers it; `still_wanted()` is False once the client has given up."""

    command: str
    arguments: dict[str, Any]
    reply: Callable[[Reply], None] = field(compare=False)
    still_wanted: Callable[[], bool] = field(compare=False, default=lambda: True)


Message = (
    Deliver
    | ClockJumped
    | TipFileTouched
    | Reload
    | SessionStep
    | HeadsUpDue
    | HeadsUpAgain
    | FeedTime
    | ActionChosen
    | Dismissed
    | PresenceChanged
    | Stop
    | ControlRequest
)
