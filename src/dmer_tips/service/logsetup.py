"""Logging for the service: a rotating file in the platform log dir, and debug lines on stderr with -v."""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

from dmer_tips.errors import DmerTipsError
from dmer_tips.storage import private_dir

LOG_NAME = "dmer-tips.log"
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(log_dir: Path, verbose: bool) -> Path | None:
    """Log to `log_dir` (kept to about 2 MB); returns the log file, or None if it cannot be written."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if verbose else logging.WARNING)
    if verbose:
        stderr = logging.StreamHandler(sys.stderr)
        stderr.setFormatter(logging.Formatter(_FORMAT))
        root.addHandler(stderr)
    try:
        path = private_dir(log_dir) / LOG_NAME
        handler = RotatingFileHandler(path, maxBytes=512_000, backupCount=3, encoding="utf-8")
    except (DmerTipsError, OSError) as error:
        print(f"Warning: cannot write the log in {log_dir} ({error}); logging to stderr only.", file=sys.stderr)
        root.addHandler(logging.StreamHandler(sys.stderr))
        return None
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    return path
