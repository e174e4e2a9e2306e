"""How big a robustness run is: a fast subset in CI, the full run with DMER_TIPS_FULL_ROBUSTNESS=1."""

from __future__ import annotations

import os

FULL = bool(os.environ.get("DMER_TIPS_FULL_ROBUSTNESS"))


def scale(fast: int, full: int) -> int:
    return full if FULL else fast
