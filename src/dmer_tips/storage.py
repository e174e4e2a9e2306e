"""Files we own: written atomically with private permissions, so a crash never leaves half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from dmer_tips.errors import DmerTipsError

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) if needed, and make sure it is the user's own and closed to others."""
    try:
        path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        if hasattr(os, "getuid"):
            info = path.stat()
            if info.st_uid != os.getuid():
                raise DmerTipsError(f"{path}: this folder belongs to someone else — remove it or point XDG_* elsewhere")
            if info.st_mode & 0o077:
                path.chmod(PRIVATE_DIR)
    except OSError as error:
        raise DmerTipsError(
            f"{path}: cannot create this folder ({error.strerror}) — check its parent's permissions"
        ) from None
    return path


def write_atomically(path: Path, data: bytes, mode: int = PRIVATE_FILE) -> None:
    """Write to a temp file in the same dir, flush it to disk, then rename over `path` in one step."""
    private_dir(path.parent)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, mode)
        os.replace(temp_name, path)
    except OSError as error:
        Path(temp_name).unlink(missing_ok=True)
        raise DmerTipsError(
            f"{path}: cannot be written ({error.strerror}) — check free space and permissions"
        ) from None
