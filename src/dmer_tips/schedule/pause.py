"""A pause of the reminders: one value, parsed once from what the user asked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

from dmer_tips.errors import DmerTipsError
from dmer_tips.moments import describe_moment
from dmer_tips.timespec import DailyWindow, clock_of, format_duration

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dmer_tips.service.protocol import PauseReport

LONGEST_PAUSE = timedelta(days=60)
_MORNING_WITHOUT_QUIET_HOURS_S = 8 * 3600


@dataclass(frozen=True)
class Pause:
    """Reminders wait until `until` (an aware instant), or until the user resumes when `until` is None.

    `relative`: asked for as a length ("2h"), so it keeps that length if the clock is set; otherwise it ends
    at a clock time ("until 15:00", "until morning") whatever the clock does.
    """

    until: datetime | None
    relative: bool = False

    def active(self, now: datetime) -> bool:
        return self.until is None or self.until > now

    def describe(self, zone: tzinfo, now: datetime) -> str:
        """`until you resume`, `until 15:00`, `until tomorrow 08:00`, or `until Tue 1 Dec 08:00`."""
        if self.until is None:
            return "until you resume"
        return "until " + describe_moment(self.until, zone, now)

    def to_json(self) -> dict[str, str | bool | None]:
        return {"until": self.until.isoformat() if self.until else None, "relative": self.relative}

    def report(self, zone: tzinfo, now: datetime) -> PauseReport:
        """What `status` and `pause` tell the CLI."""
        return {"until": self.until.isoformat() if self.until else None, "text": self.describe(zone, now)}


@dataclass(frozen=True)
class PauseRequest:
    """What the user asked for: a length (`for_s`), a clock time (`until_s`), until morning, or until resumed."""

    for_s: int | None = None
    until_s: int | None = None
    morning: bool = False

    @classmethod
    def for_length(cls, seconds: int) -> PauseRequest:
        """A pause of `seconds`; refused when empty or longer than LONGEST_PAUSE."""
        if seconds <= 0:
            raise DmerTipsError("a pause must last a while — give a length like 30m or 2h")
        if seconds > LONGEST_PAUSE.total_seconds():
            length = format_duration(timedelta(seconds=seconds)) if seconds < 10**13 else "that"
            raise DmerTipsError(
                f"{length} is longer than a pause can be ({LONGEST_PAUSE.days} days)"
                " — leave out the length to pause until you resume, or stop the service"
            )
        return cls(for_s=seconds)

    def pause_from(self, now: datetime, zone: tzinfo, quiet_hours: DailyWindow | None) -> Pause:
        """The pause this request means at `now`; "morning" is when the quiet hours end (08:00 without them)."""
        if self.for_s is not None:
            return Pause(now + timedelta(seconds=self.for_s), relative=True)
        clock_s = self.until_s
        if self.morning:
            clock_s = quiet_hours.end_s if quiet_hours is not None else _MORNING_WITHOUT_QUIET_HOURS_S
        if clock_s is None:
            return Pause(None)
        local = now.astimezone(zone)
        end = datetime.combine(local.date(), clock_of(clock_s), tzinfo=zone)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), clock_of(clock_s), tzinfo=zone)
        return Pause(end.astimezone(timezone.utc))

    def to_json(self) -> dict[str, int | bool | None]:
        return {"for_s": self.for_s, "until_s": self.until_s, "morning": self.morning}

    @classmethod
    def from_json(cls, data: object) -> PauseRequest:
        """Read a request off the wire; anything malformed is a DmerTipsError, never a crash."""
        if not isinstance(data, dict):
            raise DmerTipsError("the pause request is malformed")
        for_s, until_s, morning = data.get("for_s"), data.get("until_s"), data.get("morning", False)
        if for_s is not None:
            if type(for_s) is not int:
                raise DmerTipsError("the pause length is malformed")
            return cls.for_length(for_s)
        if until_s is not None and (type(until_s) is not int or not 0 <= until_s < 86_400):
            raise DmerTipsError("the pause end is malformed")
        return cls(until_s=until_s, morning=bool(morning))
