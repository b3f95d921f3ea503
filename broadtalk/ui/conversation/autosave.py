"""Autosave: every edit reaches the database within a second, in a transaction.

Widgets queue an edit under a key (the latest value per key wins). A short quiet period
(``QUIET_MS``) after typing stops, or at the latest ``DEADLINE_MS`` after the first unsaved
edit, all queued edits are written in one transaction. A crash or kill therefore loses at most
the last second of typing. A refused edit (say, a text over the limit) is reported with its
message and leaves the widget as it is; the other edits are still saved.

A ``guard`` (optimistic locking) is asked first in every save: when what is saved on was
changed elsewhere meanwhile (``ChangedElsewhere``), it keeps both versions (``keep_both``: the
edits go into a copy) and ``changed_elsewhere`` says so; nothing typed is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal
from sqlmodel import Session

from broadtalk.conversations import ChangedElsewhere
from broadtalk.errors import BroadtalkError
from broadtalk.store.database import Database

log = logging.getLogger(__name__)

QUIET_MS = 250
DEADLINE_MS = 800
T = TypeVar("T")
Edit = Callable[[Session], Any]


class Guard(Protocol):
    def check(self, tx: Session) -> None:
        """Raise ``ChangedElsewhere`` when what is saved on was changed elsewhere since it was shown."""

    def saw(self, tx: Session) -> None:
        """After this session's own writes: what is saved on now is what this session knows."""

    def keep_both(self, tx: Session) -> None:
        """Leave the other version as it is and send the edits to a copy from now on."""


class AutosaveSession(QObject):
    #: A save finished; the argument is when (UTC).
    saved = Signal(object)
    #: An edit was refused: its key and the message saying what to do.
    refused = Signal(str, str)
    #: There are unsaved edits (the indicator shows "saving").
    pending = Signal()
    #: What was saved on had been changed elsewhere: both versions are kept (the message says how).
    changed_elsewhere = Signal(str)

    def __init__(self, db: Database, parent: QObject | None = None, guard: Guard | None = None):
        super().__init__(parent)
        self._db = db
        self._guard = guard
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

    def stop(self) -> None:
        """No more saving by timer (the page is put away; ``flush`` went before)."""
        self._quiet.stop()
        self._deadline.stop()

    def flush(self) -> bool:
        """Write every queued edit now; False when one was refused."""
        self._quiet.stop()
        self._deadline.stop()
        if not self._edits:
            return True
        edits, self._edits = self._edits, {}
        try:
            with self._db.transaction() as tx:
                self._check(tx)
                for edit in edits.values():
                    edit(tx)
                self._saw(tx)
        except ChangedElsewhere as changed:
            return self._keep_both(edits, changed.message)
        except BroadtalkError:
            return self._flush_one_by_one(edits)
        self.saved.emit(datetime.now(UTC))
        return True

    def _check(self, tx: Session) -> None:
        if self._guard is not None:
            self._guard.check(tx)

    def _saw(self, tx: Session) -> None:
        if self._guard is not None:
            self._guard.saw(tx)

    def _keep_both(self, edits: dict[str, Edit], message: str) -> bool:
        """Changed elsewhere: the other version stays, these edits go into a copy."""
        assert self._guard is not None
        try:
            with self._db.transaction() as tx:
                self._guard.keep_both(tx)
                for edit in edits.values():
                    edit(tx)
                self._saw(tx)
            saved = True
        except BroadtalkError:
            with self._db.transaction() as tx:  # the copy alone; then the edits one by one
                self._guard.keep_both(tx)
                self._saw(tx)
            saved = self._flush_one_by_one(edits)
        self.saved.emit(datetime.now(UTC))
        self.changed_elsewhere.emit(message)
        return saved

    def _flush_one_by_one(self, edits: dict[str, Edit]) -> bool:
        """One edit was refused: save the others, report the refused ones (their widgets keep the text)."""
        all_saved = True
        for key, edit in edits.items():
            try:
                with self._db.transaction() as tx:
                    self._check(tx)
                    edit(tx)
                    self._saw(tx)
            except ChangedElsewhere as changed:
                rest = dict(list(edits.items())[list(edits).index(key) :])
                return self._keep_both(rest, changed.message) and all_saved
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
        try:
            with self._db.transaction() as tx:
                self._check(tx)
                result = action(tx)
                self._saw(tx)
        except ChangedElsewhere as changed:
            assert self._guard is not None
            with self._db.transaction() as tx:  # the other version stays; this goes into a copy
                self._guard.keep_both(tx)
                result = action(tx)
                self._saw(tx)
            self.saved.emit(datetime.now(UTC))
            self.changed_elsewhere.emit(changed.message)
            return result
        self.saved.emit(datetime.now(UTC))
        return result
