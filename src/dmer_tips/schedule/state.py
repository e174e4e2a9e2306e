"""The service's memory across restarts: rotation bags, schedule progress, pause; one JSON file in the state dir."""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from dmer_tips.schedule.planner import PlanState
from dmer_tips.schedule.rotation import Rotation
from dmer_tips.storage import write_atomically

STATE_VERSION = 1
log = logging.getLogger(__name__)


@dataclass
class ServiceState:
    rotation: Rotation
    plan: PlanState = field(default_factory=PlanState)
    paused_until: datetime | None = None

    @classmethod
    def fresh(cls, seed: int | None = None) -> ServiceState:
        return cls(Rotation(seed if seed is not None else random.SystemRandom().randrange(2**32)))

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "seed": self.rotation.seed,
            "bags": self.rotation.to_json(),
            "plan": self.plan.to_json(),
            "paused_until": self.paused_until.isoformat() if self.paused_until else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ServiceState:
        paused = data.get("paused_until")
        return cls(
            Rotation.from_json(int(data["seed"]), data.get("bags", {})),
            PlanState.from_json(data.get("plan", {})),
            datetime.fromisoformat(paused) if paused else None,
        )


@dataclass(frozen=True)
class StateFile:
    path: Path

    def load(self) -> ServiceState:
        """The saved state; a missing file starts fresh, an unreadable one is kept aside as `.bad` and logged."""
        try:
            return ServiceState.from_json(json.loads(self.path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return ServiceState.fresh()
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            aside = self.path.with_suffix(".bad")
            log.warning(
                "state file %s could not be read (%s); starting fresh, old copy kept as %s", self.path, error, aside
            )
            self.path.replace(aside)
            return ServiceState.fresh()

    def save(self, state: ServiceState) -> None:
        write_atomically(self.path, json.dumps(state.to_json(), indent=1).encode("utf-8"))
