"""Backups from the desktop app: make one now (off the GUI thread, with a busy bar) and choose
one to restore (checked whole before anything is replaced)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QEventLoop, Qt, QThread
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from broadtalk import backups
from broadtalk.errors import BroadtalkError
from broadtalk.i18n import _, format_datetime
from broadtalk.logs import unexpected_error_message
from broadtalk.practitioners import Actor
from broadtalk.store.database import Database
from broadtalk.ui import file_dialogs
from broadtalk.ui.common import ErrorLabel, save_cancel_buttons
from broadtalk.ui.sign_in_dialogs import secret_field

REASONS = {
    "on-exit": lambda: _("made when broadtalk was closed"),
    "before-restore": lambda: _("the data as it was before a restore"),
    "automatic": lambda: _("made automatically"),
}


def reason_text(reason: str) -> str:
    if reason.startswith("before-migration"):
        return _("made before an update of broadtalk")
    if reason.startswith("damaged"):
        return _("a damaged file, kept aside")
    made = REASONS.get(reason)
    return made() if made is not None else _("backup")


class _Worker(QThread):
    """Runs one function off the GUI thread; keeps its result or its error message."""

    def __init__(self, work: Callable[[], object]):
        super().__init__()
        self._work = work
        self.result: object = None
        self.error: str | None = None

    def run(self) -> None:
        try:
            self.result = self._work()
        except BroadtalkError as error:
            self.error = error.message
        except Exception as error:  # a bug: where it happened goes to the log, never its message
            self.error = unexpected_error_message(error)


def run_with_busy_bar(parent: QWidget | None, title: str, text: str, work: Callable[[], object]) -> _Worker:
    """Run ``work`` in a worker thread while a moving bar shows; returns the finished worker."""
    progress = QProgressDialog(parent)
    progress.setWindowTitle(title)
    progress.setLabelText(text)
    progress.setCancelButton(None)  # a backup is whole or not at all: it finishes quickly
    progress.setRange(0, 0)
    progress.setMinimumDuration(0)
    progress.setMinimumWidth(420)
    progress.setWindowModality(Qt.WindowModality.ApplicationModal)
    worker = _Worker(work)
    loop = QEventLoop()
    worker.finished.connect(loop.quit)
    progress.show()
    worker.start()
    loop.exec()
    worker.wait()
    progress.close()
    progress.deleteLater()
    return worker


def back_up_now(parent: QWidget, db: Database, actor: Actor, folder: Path) -> Path | None:
    """Ask where, make the backup, say how it went. Returns the written file or None."""
    suggested = _("broadtalk-backup-{date}.sqlite").format(date=date.today().isoformat())
    chosen = file_dialogs.ask_save_path(
        parent,
        file_dialogs.BACKUP,
        _("Back up the data"),
        suggested,
        _("broadtalk backups (*.sqlite)"),
        suffix=".sqlite",
        fallback=folder,
        confirm_overwrite=False,  # a backup never overwrites a file: the core says so
    )
    if chosen is None:
        return None
    title = _("Back up the data")
    worker = run_with_busy_bar(
        parent, title, _("Making a backup…"), lambda: backups.make_backup(db, actor, Path(chosen))
    )
    if worker.error is not None:
        QMessageBox.warning(parent, _("No backup was made"), worker.error)
        return None
    written = Path(str(worker.result))
    if db.encrypted:
        text = _("The backup is in {file}. It is encrypted with the data's passphrase.").format(file=written)
    else:
        text = _("The backup is in {file}. The data is not encrypted, so neither is the backup: keep it safe.").format(
            file=written
        )
    QMessageBox.information(parent, title, text)
    return written


class RestoreDialog(QDialog):
    """Choose a backup and, when it has another passphrase than the data now, give it.

    The choice is checked whole (read-only) before the dialog closes; replacing the data is
    left to the caller, with the database closed."""

    def __init__(
        self,
        backups_found: list[backups.BackupFile],
        check: Callable[[Path, str | None], None],
        parent: QWidget | None = None,
        *,
        passphrase_hint: str = "",
    ):
        super().__init__(parent)
        self._check = check
        self.chosen: Path | None = None
        self.passphrase: str | None = None
        #: Where "Other file…" starts the first time: beside the backups listed.
        self._folder = backups_found[0].path.parent if backups_found else None
        self.setWindowTitle(_("Restore a backup"))
        self.setMinimumSize(560, 420)
        intro = QLabel(
            _(
                "Restoring replaces all data on this computer by the backup you choose. The data as it is now "
                "is kept aside first, so this can be undone. Everyone signs in again afterwards."
            )
        )
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setAccessibleName(_("Backups"))
        for found in backups_found:
            when = format_datetime(found.made, "short") if found.made is not None else found.path.name
            item = QListWidgetItem(f"{when} – {reason_text(found.reason)}")
            item.setData(Qt.ItemDataRole.UserRole, str(found.path))
            item.setToolTip(str(found.path))
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
        list_label = QLabel(_("&Backups on this computer, newest first"))
        list_label.setBuddy(self.list)
        self.empty_note = QLabel(_("There are no backups in the backups folder yet; choose a file."))
        self.empty_note.setVisible(self.list.count() == 0)
        self.other_button = QPushButton(_("&Other file…"))
        self.other_button.setAutoDefault(False)
        self.other_button.clicked.connect(self._choose_file)
        self.file_label = QLabel()
        self.file_label.setWordWrap(True)
        self.passphrase_edit = secret_field(passphrase_hint or _("only when the backup has another passphrase"))
        self.passphrase_edit.setAccessibleName(_("Passphrase of the backup"))
        passphrase_label = QLabel(_("&Passphrase of the backup"))
        passphrase_label.setBuddy(self.passphrase_edit)
        self.error = ErrorLabel()
        buttons, self.restore_button, self.cancel_button = save_cancel_buttons(self._try, self.reject)
        self.restore_button.setText(_("&Restore"))

        other = QHBoxLayout()
        other.addWidget(self.other_button)
        other.addWidget(self.file_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(10)
        layout.addWidget(intro)
        layout.addWidget(list_label)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty_note)
        layout.addLayout(other)
        layout.addWidget(passphrase_label)
        layout.addWidget(self.passphrase_edit)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._other: Path | None = None
        self.list.currentItemChanged.connect(lambda *_args: self._list_chosen())

    def _list_chosen(self) -> None:
        if self.list.currentItem() is not None:
            self._other = None
            self.file_label.clear()
        self.error.show_message("")

    def _choose_file(self) -> None:
        chosen = file_dialogs.ask_open_path(
            self,
            file_dialogs.RESTORE,
            _("Choose a backup"),
            _("broadtalk backups (*.sqlite);;All files (*)"),
            fallback=self._folder,
        )
        if chosen is not None:
            self.choose_file(chosen)

    def choose_file(self, path: Path) -> None:
        self._other = path
        self.list.setCurrentRow(-1)
        self.list.clearSelection()
        self.file_label.setText(str(path))
        self.error.show_message("")

    def current_choice(self) -> Path | None:
        if self._other is not None:
            return self._other
        item = self.list.currentItem()
        return Path(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def _try(self) -> None:
        chosen = self.current_choice()
        if chosen is None:
            self.error.show_message(_("Choose a backup from the list or another file."))
            return
        passphrase = self.passphrase_edit.text() or None
        try:
            self._check(chosen, passphrase)
        except BroadtalkError as error:
            self.error.show_message(error.message)
            return
        answer = QMessageBox.question(
            self,
            _("Restore a backup"),
            _("Replace all data on this computer by the backup {file}? The data as it is now is kept aside.").format(
                file=chosen.name
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.chosen, self.passphrase = chosen, passphrase
        self.accept()
