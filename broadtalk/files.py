"""Files with client data are their owner's alone: the database and its write-ahead log, backups,
the file a restore writes, logs and exported documents. The command line and the app also run
with a private umask, so whatever else they create is private too."""

from __future__ import annotations

import errno
import os
import stat
from contextlib import suppress
from pathlib import Path


class NotAnOrdinaryFile(OSError):
    """A device, a pipe (FIFO) or a socket: reading it could hang or never end."""


class FileTooLarge(OSError):
    """Larger than the caller reads; ``size`` says how large (at least)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"larger than allowed: {size} bytes")
        self.size = size


def read_limited(path: Path, limit: int) -> bytes:
    """The bytes of an ordinary file of at most ``limit`` bytes, judged by type and size before
    reading (and again while reading: a file that grows is cut off, not followed).

    Raises FileNotFoundError, IsADirectoryError, NotAnOrdinaryFile, FileTooLarge or OSError."""
    info = os.stat(path)
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(str(path))
    if not stat.S_ISREG(info.st_mode):
        raise NotAnOrdinaryFile(str(path))
    if info.st_size > limit:
        raise FileTooLarge(info.st_size)
    with open(path, "rb") as handle:
        raw = handle.read(limit + 1)
    if len(raw) > limit:
        raise FileTooLarge(len(raw))
    return raw


#: Files with client data are the owner's alone; so are the folders broadtalk makes for them.
PRIVATE_FILE, PRIVATE_FOLDER = 0o600, 0o700


def private_folder(path: Path) -> None:
    """Make ``path`` (and missing parents) as a folder only its owner can enter; an existing
    folder is left as it is (it may be the user's own)."""
    path = Path(path)
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER)
        with suppress(OSError):
            path.chmod(PRIVATE_FOLDER)  # mkdir's mode passes through the umask


def private_file(path: Path) -> None:
    """Create an empty file only its owner can read, or make an existing one so."""
    path = Path(path)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE))
    except FileExistsError:
        keep_private(path)


def write_private_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all: an owner-only ``.partial`` beside it,
    fsynced, then renamed over it. Raises ``OSError``; the partial file is then removed."""
    _write_private(path, "w", text, encoding="utf-8")


def write_private_bytes(path: Path, data: bytes) -> None:
    """``write_private_text`` for bytes (a PDF, a CSV file with its own line ends): whole or
    not at all, owner-only. Raises ``OSError``; the partial file is then removed."""
    _write_private(path, "wb", data)


def _write_private(path: Path, mode: str, content: str | bytes, **options: str) -> None:
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    with suppress(FileNotFoundError):
        kind = path.stat().st_mode
        if not stat.S_ISREG(kind) and not stat.S_ISDIR(kind):
            # A device, a pipe or a socket: renaming over it would replace, say, /dev/null.
            raise NotAnOrdinaryFile(errno.EINVAL, "not an ordinary file", str(path))
    try:
        partial.unlink(missing_ok=True)
        private_file(partial)
        with partial.open(mode, **options) as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        partial.replace(path)
    except OSError:
        with suppress(OSError):
            partial.unlink(missing_ok=True)
        raise


def keep_private(path: Path) -> None:
    """Take group and other access away from an existing file (SQLite gives its write-ahead log
    the mode of the database file)."""
    with suppress(OSError):
        if Path(path).stat().st_mode & 0o077:
            Path(path).chmod(PRIVATE_FILE)


def private_umask() -> None:
    """From now on this process creates files and folders for their owner only (POSIX)."""
    if os.name == "posix":
        os.umask(0o077)
