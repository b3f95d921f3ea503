"""The database file's whole check, in the background when nobody is at the keyboard.

Start-up no longer reads every page (``store.integrity``). When the last passed check is older
than a day, or there is none, the main window lets this check run once nobody has touched
keyboard or mouse for ``IDLE_MS``: on its own read-only connection in a worker thread, so the
window stays responsive and no write lock is held. Touching the keyboard does not stop it;
closing the window does (the check is interrupted, no verdict is kept). A failed check emits
``damaged`` with the same message a damaged file gets at start-up; the main window then
offers the same way out (restore a backup).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QThread, Signal

from broadtalk.errors import BroadtalkError
from broadtalk.store import integrity
from broadtalk.store.database import DamagedDatabase, Database, FileCheck
from broadtalk.ui.screen_lock import IdleWatcher

log = logging.getLogger(__name__)

#: Quiet time before the check starts.
IDLE_MS = 30_000
#: Checks under way, held until their thread has ended (a window deleted meanwhile must not
#: take a running thread with it).
_RUNNING: set[QThread] = set()


class _Worker(QThread):
    """Runs one check; ``message`` holds the damage message when it failed."""

    def __init__(self, check: FileCheck):
        super().__init__()
        self.check = check
        self.message: str | None = None

    def run(self) -> None:
        try:
            self.check.run()
        except DamagedDatabase as error:
            self.message = error.message
        except BroadtalkError as error:  # replaced meanwhile, or unreadable: tried again later
            log.warning("background integrity check could not run: %s", type(error).__name__)
        except Exception as error:  # never let a bug in a thread take the app down
            log.error("background integrity check failed unexpectedly: %s", type(error).__name__)


class IdleIntegrityCheck(QObject):
    """Checks ``db``'s file whole when idle and due; ``damaged(message)`` when it is not intact."""

    damaged = Signal(str)
    finished = Signal()

    def __init__(self, db: Database, parent: QObject | None = None, idle_ms: int | None = None):
        super().__init__(parent)
        self._db = db
        self._watcher = IdleWatcher(IDLE_MS if idle_ms is None else idle_ms, self)
        self._watcher.idle.connect(self._start_check)
        self._worker: _Worker | None = None
        self._watching = False

    def start(self) -> None:
        """Wait for quiet when a check is due (reads one small file, never the database)."""
        if self._watching or self.running or self._db.is_server:  # a server checks its own pages
            return
        if integrity.is_due(self._db.path):
            self._watching = True
            self._watcher.start()

    def stop(self) -> None:
        """Stop waiting, and interrupt a check under way (it then keeps no verdict)."""
        if self._watching:
            self._watching = False
            self._watcher.stop()
        worker = self._worker
        if worker is not None:
            worker.check.interrupt()
            worker.wait()
            self._worker = None
            _RUNNING.discard(worker)

    @property
    def running(self) -> bool:
        return self._worker is not None

    def _start_check(self) -> None:
        if self._worker is not None:
            return
        self._watching = False
        self._watcher.stop()
        if not integrity.is_due(self._db.path):
            return
        worker = _Worker(FileCheck(self._db.path, self._db.passphrase))
        _RUNNING.add(worker)
        worker.finished.connect(lambda: (_RUNNING.discard(worker), worker.deleteLater()))
        worker.finished.connect(self._done)
        self._worker = worker
        worker.start()

    def _done(self) -> None:
        worker = self._worker
        if worker is None:  # stopped meanwhile
            return
        self._worker = None
        message = worker.message
        if message is not None:
            self.damaged.emit(message)
        self.finished.emit()  # a check that could not run is tried again at the next start
