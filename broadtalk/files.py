"""Files with client data are their owner's alone: the database and its write-ahead log, backups,
the file a restore writes, logs and exported documents. The command line and the app also run
with a private umask, so whatever else they create is private too."""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path

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
