"""Logging for the service: a rotating file in the platform log dir, and debug lines on stderr with -v."""

from __future__ import annotations

import logging
import os
import sys
from io import TextIOWrapper
from logging.handlers import RotatingFileHandler
from pathlib import Path

from dmer_tips.errors import DmerTipsError
from dmer_tips.storage import open_private

LOG_NAME = "dmer-tips.log"
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(log_dir: Path, verbose: bool) -> Path | None:
    """Log to `log_dir` (kept to about 2 MB); returns the log file, or None if it cannot be written."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if verbose else logging.WARNING)
    # watchdog reports every event in the watched folders at debug level, which -v would print; a log written
    # into the tips file's folder (`run -v > run.log`) would then report its own growth without end.
    logging.getLogger("watchdog").setLevel(logging.INFO)
    if verbose:
        stderr = logging.StreamHandler(sys.stderr)
        stderr.setFormatter(logging.Formatter(_FORMAT))
        root.addHandler(stderr)
    try:
        handler = _PrivateLog(log_dir / LOG_NAME, maxBytes=512_000, backupCount=3, encoding="utf-8")
    except (DmerTipsError, OSError) as error:
        print(f"Warning: cannot write the log in {log_dir} ({error}); logging to stderr only.", file=sys.stderr)
        root.addHandler(logging.StreamHandler(sys.stderr))
        return None
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    return Path(handler.baseFilename)


class _PrivateLog(RotatingFileHandler):
    """A rotating log opened like every file of ours: 0600, never through a planted link."""

    def _open(self) -> TextIOWrapper:
        fd = open_private(Path(self.baseFilename), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        return open(fd, "a", encoding=self.encoding)
