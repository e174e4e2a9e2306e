"""Print pip constraints pinning every dependency (and the test extra) to the lowest version pyproject declares.

CI installs with these constraints in a second environment, so an old release a user may still have is
tested as well as the newest. Every requirement must declare a lower bound (`>=`); one without fails here.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import tomllib

REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*([^;]*?)\s*(;.*)?$")


def lowest_pins(pyproject: Path, extras: list[str]) -> list[str]:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    pins = []
    for requirement in requirements:
        match = REQUIREMENT.match(requirement)
        lowest = re.search(r">=\s*([0-9][^,\s]*)", match[2]) if match else None
        if match is None or lowest is None:
            raise SystemExit(f"{requirement!r} declares no lower bound (>=); add one to pyproject.toml")
        pins.append(f"{match[1]}=={lowest[1]}{' ' + match[3].strip() if match[3] else ''}")
    return pins


if __name__ == "__main__":
    print("\n".join(lowest_pins(Path(sys.argv[1]), sys.argv[2:])))
