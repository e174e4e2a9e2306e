"""Files: only plain ones are opened, ours are private and never reached through a planted link, and whole-file
writes leave no half file.

Every file the program opens goes through `open_plain`, which never blocks (a pipe or a device saved
where a file should be is refused at once, not waited on). Every file it writes (state, lock, log,
journal, control endpoint, exports) also goes through here: folders are made 0700 and must be the user's
own, files are opened without following a final symlink and created 0600, and a file of ours found with
looser modes is tightened. Whole-file writes go to a temp file in the same folder, are flushed to disk,
then renamed over the target in one step.

Kept light (pathlib and tempfile are imported where used): `dmer-tips status` reads the control file here.
"""

from __future__ import annotations

import os
import stat

from dmer_tips.errors import DmerTipsError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # Windows has no symlinks to plant in the user's folders
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class NotAPlainFile(OSError):
    """The path names a folder, a pipe, a socket or a device rather than a regular file."""

    def __init__(self, path: str | os.PathLike[str], mode: int) -> None:
        self.is_folder = stat.S_ISDIR(mode)
        super().__init__(f"{os.fspath(path)} is not a regular file")


def open_plain(path: str | os.PathLike[str], flags: int = os.O_RDONLY, *, follow_links: bool = True) -> int:
    """Open a regular file without ever blocking on what stands in its place; the descriptor then blocks as usual.

    Raises NotAPlainFile for anything but a regular file, and OSError as `os.open` does.
    """
    fd = os.open(path, flags | _NONBLOCK | _CLOEXEC | (0 if follow_links else _NOFOLLOW), PRIVATE_FILE)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotAPlainFile(path, mode)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) if needed; it must be a real folder of the user's, closed to others.

    Every folder on the way is looked at before anything is made inside it: a link or folder that another
    account planted there (in a shared folder such as /tmp) is refused, never written through.
    """
    from pathlib import Path

    path = Path(os.path.abspath(path))
    current = Path(path.anchor)
    for part in path.parts[1:]:
        current = current / part
        last = current == path
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            info = _make_folder(current)
        except OSError as error:
            raise DmerTipsError(f"{current}: cannot look at this folder ({error.strerror})") from None
        _check_folder(current, info, last)
    if os.lstat(path).st_mode & 0o077:
        try:
            os.chmod(path, PRIVATE_DIR)
        except OSError as error:
            raise DmerTipsError(f"{path}: cannot make this folder private ({error.strerror})") from None
    return path


def _make_folder(folder: Path) -> os.stat_result:
    try:
        os.mkdir(folder, PRIVATE_DIR)
    except FileExistsError:
        pass  # made meanwhile: looked at like any other
    except OSError as error:
        raise DmerTipsError(
            f"{folder}: cannot create this folder ({error.strerror}) — check its parent's permissions"
        ) from None
    return os.lstat(folder)


def _check_folder(folder: Path, info: os.stat_result, last: bool) -> None:
    """A folder on the way to ours: a real folder (or a link) of the user's or the system's, not others' to change."""
    trusted = _owner_is_us_or_system(info)
    if stat.S_ISLNK(info.st_mode):
        if last:
            raise DmerTipsError(f"{folder}: this is a link, not a folder — remove the link; dmer-tips makes the folder")
        if not trusted:
            raise DmerTipsError(f"{folder}: this is a link another user made — remove it or point XDG_* elsewhere")
        return
    if not stat.S_ISDIR(info.st_mode):
        raise DmerTipsError(f"{folder}: this is a file, not a folder — move it away; dmer-tips makes the folder")
    if not trusted or (last and hasattr(os, "getuid") and info.st_uid != os.getuid()):
        raise DmerTipsError(
            f"{folder}: this folder belongs to another user — remove it, or point XDG_* at a folder of your own"
        )
    if info.st_mode & 0o002 and not info.st_mode & stat.S_ISVTX and not last:
        raise DmerTipsError(f"{folder}: anyone may change what is in this folder — use a folder only you can write to")


def _owner_is_us_or_system(info: os.stat_result) -> bool:
    return not hasattr(os, "getuid") or info.st_uid in (os.getuid(), 0)


def open_private(path: Path, flags: int = os.O_RDWR | os.O_CREAT) -> int:
    """Open (or create, 0600) a file of ours in a private folder, refusing links, odd files and other owners.

    Returns the file descriptor; a file of ours that others could read is made private again.
    """
    private_dir(path.parent)
    try:
        fd = open_plain(path, flags, follow_links=False)
    except OSError as error:
        raise _refusal(path, error) from None
    try:
        info = os.fstat(fd)
        _require_own(path, info, "file")
        if info.st_mode & 0o077 and hasattr(os, "fchmod"):
            os.fchmod(fd, PRIVATE_FILE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _refusal(path: Path, error: OSError) -> DmerTipsError:
    """Why one of our files could not be opened, in the user's terms."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        mode = stat.S_IFREG
    if stat.S_ISLNK(mode):
        return DmerTipsError(f"{path}: this is a link — remove it; dmer-tips only writes its own files")
    if isinstance(error, NotAPlainFile) or not stat.S_ISREG(mode):  # a pipe refuses a writer with ENXIO
        return DmerTipsError(f"{path}: this is not a regular file — move it away; dmer-tips makes the file itself")
    return DmerTipsError(f"{path}: cannot be opened ({error.strerror}) — check its permissions")


def write_atomically(path: Path, data: bytes, mode: int = PRIVATE_FILE) -> None:
    """Write to a temp file in the same folder, flush it to disk, then rename over `path` in one step.

    The rename replaces whatever was at `path` (a link included) instead of writing through it.
    """
    private_dir(path.parent)
    replace_atomically(path, data, mode)


def replace_atomically(path: Path, data: bytes, mode: int = PRIVATE_FILE, overwrite: bool = True) -> None:
    """`write_atomically` into a folder that is not ours to tighten (an export's destination, ~/.config/autostart).

    Without `overwrite`, a file already at `path` is left alone and FileExistsError raised.
    """
    import tempfile
    from pathlib import Path

    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except FileNotFoundError:
        raise DmerTipsError(f"{path}: the folder {path.parent} does not exist — create it or choose another") from None
    except OSError as error:
        raise DmerTipsError(f"{path}: cannot be written ({error.strerror}) — check the folder's permissions") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(temp_name, path)
        else:
            os.link(temp_name, path)  # made in one step, and only where nothing is yet
            os.unlink(temp_name)
    except FileExistsError:
        Path(temp_name).unlink(missing_ok=True)
        raise
    except OSError as error:
        Path(temp_name).unlink(missing_ok=True)
        raise DmerTipsError(
            f"{path}: cannot be written ({error.strerror}) — check free space and permissions"
        ) from None
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); best effort, as not every file system allows it."""
    if os.name == "nt":
        return
    try:
        fd = os.open(folder, os.O_RDONLY | _CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _require_own(path: Path, info: os.stat_result, kind: str) -> None:  # a file's owner, for open_private
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise DmerTipsError(
            f"{path}: this {kind} belongs to another user — remove it, or point XDG_* at a folder of your own"
        )
