"""Who has the database open: a lock every broadtalk process honours.

Each process that opens a database holds a shared lock on ``<file>.lock`` for as long as it has
it open. Replacing the file (a restore, a new passphrase) takes the exclusive lock, which is
only granted when no other process has the database open; an open waits while a replacement
is under way. So a restore can never pull the file away from under a running app, and no
write confirmed to another process is lost.

POSIX ``flock``: the operating system releases the lock when a process ends, also when it is
killed. On a system without ``fcntl`` (Windows) the lock is not available and replacing the
file relies on the file-identity check in ``Database``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from broadtalk.errors import StoreError, os_reason
from broadtalk.files import PRIVATE_FILE
from broadtalk.i18n import _

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]

#: How long an open waits for a replacement to finish, and a replacement for others to close.
OPEN_WAIT = 30.0
REPLACE_WAIT = 5.0
_POLL = 0.05


def lock_path(db_path: Path) -> Path:
    return Path(db_path).with_name(Path(db_path).name + ".lock")


class DatabaseLock:
    """The lock of one process on one database file."""

    def __init__(self, db_path: Path):
        self.path = lock_path(db_path)
        self._fd: int | None = None
        self.mode: str | None = None

    def _open(self) -> int:
        if self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
            except OSError as error:
                raise StoreError(
                    _("The lock file {path} cannot be made ({reason}); check the folder's permissions.").format(
                        path=self.path, reason=os_reason(error)
                    )
                ) from None
        return self._fd

    def _try(self, exclusive: bool, wait: float) -> bool:
        if fcntl is None:
            return True
        fd = self._open()
        flag = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, flag)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(_POLL)

    def shared(self, wait: float = OPEN_WAIT) -> None:
        """Hold the database open; waits while another process replaces the file."""
        if not self._try(False, wait):
            self.release()
            raise StoreError(
                _(
                    "The database is being restored or re-encrypted by another broadtalk right now; wait until "
                    "that is done and try again."
                )
            )
        self.mode = "shared"

    def exclusive(self, wait: float = REPLACE_WAIT) -> None:
        """Only this process has the database open; refused while another one does."""
        if not self._try(True, wait):
            if self.mode == "shared" and fcntl is not None:
                with suppress(OSError):
                    fcntl.flock(self._open(), fcntl.LOCK_SH)  # keep what was held
            else:
                self.release()
            raise StoreError(
                _(
                    "Another broadtalk (the app on this or another account, or a command) has this database open. "
                    "Close it and try again; nothing was changed."
                )
            )
        self.mode = "exclusive"

    def to_shared(self) -> None:
        if fcntl is not None and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_SH)
        self.mode = "shared"

    def release(self) -> None:
        if self._fd is not None:
            with suppress(OSError):
                os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None
        self.mode = None


@contextmanager
def exclusive_access(db_path: Path, wait: float = REPLACE_WAIT) -> Iterator[DatabaseLock]:
    """Only this process may have the database open inside the block."""
    lock = DatabaseLock(db_path)
    lock.exclusive(wait)
    try:
        yield lock
    finally:
        lock.release()
