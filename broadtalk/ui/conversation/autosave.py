"""Autosave: every edit reaches the database within a second, in a transaction.

Widgets queue an edit under a key (the latest value per key wins). A short quiet period
(``QUIET_MS``) after typing stops, or at the latest ``DEADLINE_MS`` after the first unsaved
edit, all queued edits are written in one transaction. A crash or kill therefore loses at most
the last second of typing. A refused edit (say, a text over the limit) is reported with its
message and leaves the widget as it is; the other edits are still saved.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal
from sqlmodel import Session

from broadtalk.errors import BroadtalkError
from broadtalk.store.database import Database

log = logging.getLogger(__name__)

QUIET_MS = 250
DEADLINE_MS = 800
T = TypeVar("T")
Edit = Callable[[Session], Any]


class AutosaveSession(QObject):
    #: A save finished; the argument is when (UTC).
    saved = Signal(object)
    #: An edit was refused: its key and the message saying what to do.
    refused = Signal(str, str)
    #: There are unsaved edits (the indicator shows "saving").
    pending = Signal()

    def __init__(self, db: Database, parent: QObject | None = None):
        super().__init__(parent)
        self._db = db
        self._edits: dict[str, Edit] = {}
        self._quiet = QTimer(self, singleShot=True, interval=QUIET_MS, timeout=self.flush)
        self._deadline = QTimer(self, singleShot=True, interval=DEADLINE_MS, timeout=self.flush)

    @property
    def has_pending(self) -> bool:
        return bool(self._edits)

    def queue(self, key: str, edit: Edit) -> None:
        """Save this edit soon; a newer edit under the same key replaces it."""
        self._edits.pop(key, None)
        self._edits[key] = edit
        self._quiet.start()
        if not self._deadline.isActive():
            self._deadline.start()
        self.pending.emit()

    def flush(self) -> bool:
        """Write every queued edit now; False when one was refused."""
        self._quiet.stop()
        self._deadline.stop()
        if not self._edits:
            return True
        edits, self._edits = self._edits, {}
        try:
            with self._db.transaction() as tx:
                for edit in edits.values():
                    edit(tx)
        except BroadtalkError:
            return self._flush_one_by_one(edits)
        self.saved.emit(datetime.now(UTC))
        return True

    def _flush_one_by_one(self, edits: dict[str, Edit]) -> bool:
        """One edit was refused: save the others, report the refused ones (their widgets keep the text)."""
        all_saved = True
        for key, edit in edits.items():
            try:
                with self._db.transaction() as tx:
                    edit(tx)
            except BroadtalkError as error:
                all_saved = False
                log.info("autosave refused an edit (%s)", key.split(":")[0])
                self.refused.emit(key, error.message)
        if all_saved or len(edits) > 1:
            self.saved.emit(datetime.now(UTC))
        return all_saved

    def run_now(self, action: Callable[[Session], T]) -> T:
        """Save what is queued, then run one use case at once (adding a goal, completing).

        A refusal is raised to the caller, who shows it where the user acted.
        """
        self.flush()
        with self._db.transaction() as tx:
            result = action(tx)
        self.saved.emit(datetime.now(UTC))
        return result
