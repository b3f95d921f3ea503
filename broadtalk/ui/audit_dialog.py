"""The audit trail on screen: who looked at or changed which record, filtered, and a check of its chain.

For roles with ``Permission.VIEW_AUDIT`` (practice managers, administrators). The core decides:
``audit.list_entries`` refuses other roles and records every look at the trail, and
``audit.check_chain`` walks the hash chain (off the GUI thread: a long trail takes seconds) and
records that it was checked. Entries hold ids, kinds and times, never what was said, and this
screen adds nothing to them but client numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt, QThread, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from broadtalk import audit
from broadtalk.clients import client_id_for_number, client_numbers
from broadtalk.errors import BroadtalkError
from broadtalk.i18n import DISPLAY_ZONE, _, format_datetime, format_number, ngettext, to_display_time
from broadtalk.logs import unexpected_error_message
from broadtalk.permissions import Permission, allows
from broadtalk.practitioners import Actor, Role, list_practitioners, role_label
from broadtalk.store.database import Database
from broadtalk.store.tables import AuditEntry
from broadtalk.ui.common import ErrorLabel, read_only_table
from broadtalk.ui.welcome import without_mnemonic

#: At most this many entries (the newest that match) are loaded; narrower filters reach older ones.
LIMIT = 2000
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class AuditRow:
    """One entry as the screen shows it: plain values, no live database row."""

    id: int
    at: datetime
    practitioner: str
    role: str
    workstation: str
    action: str
    object_type: str
    object_id: int | None
    client_id: int | None
    #: None when the entry names no client; "" when the client is no longer there (erased).
    client_number: str | None
    outcome: str
    detail: str


def _row(entry: AuditEntry, numbers: dict[int, str] | None) -> AuditRow:
    """``numbers``: client numbers by id, or None when the reader's role may not see them."""
    assert entry.id is not None
    number = None if entry.client_id is None or numbers is None else numbers.get(entry.client_id, "")
    return AuditRow(
        id=entry.id,
        at=entry.at,
        practitioner=entry.practitioner_name,
        role=entry.role,
        workstation=entry.workstation,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        client_id=entry.client_id,
        client_number=number,
        outcome=entry.outcome,
        detail=entry.detail,
    )


def _role_text(role: str) -> str:
    try:
        return role_label(Role(role))
    except ValueError:  # no role (a failed sign-in) or one this version does not know
        return role


class AuditTableModel(QAbstractTableModel):
    """The loaded entries, newest first. Texts are formatted when a row is first shown."""

    COLUMNS = (
        "id",
        "time",
        "practitioner",
        "role",
        "workstation",
        "action",
        "record",
        "client",
        "outcome",
        "detail",
    )

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[AuditRow] = []
        self._texts: dict[int, tuple[str, ...]] = {}

    def set_rows(self, rows: list[AuditRow]) -> None:
        self.beginResetModel()
        self._rows = rows
        self._texts = {}
        self.endResetModel()

    def row_at(self, row: int) -> AuditRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of_entry(self, entry_id: int) -> int | None:
        for number, row in enumerate(self._rows):
            if row.id == entry_id:
                return number
        return None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return (
            _("No."),
            _("Time"),
            _("Practitioner"),
            _("Role"),
            _("Workstation"),
            _("Action"),
            _("Record"),
            _("Client number"),
            _("Outcome"),
            _("Detail"),
        )[section]

    def _texts_of(self, number: int, row: AuditRow) -> tuple[str, ...]:
        texts = self._texts.get(number)
        if texts is None:
            kind = audit.object_label(row.object_type)
            record = kind if row.object_id is None else _("{record} {id}").format(record=kind, id=row.object_id)
            client = "" if row.client_number is None else row.client_number or _("erased")
            texts = (
                str(row.id),
                format_datetime(row.at),
                row.practitioner or "–",
                _role_text(row.role),
                row.workstation,
                audit.action_label(row.action),
                record,
                client,
                audit.outcome_label(row.outcome),
                audit.detail_label(row.detail),
            )
            self._texts[number] = texts
        return texts

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        row = self.row_at(index.row())
        if row is None:
            return None
        column = self.COLUMNS[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._texts_of(index.row(), row)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and column == "client" and row.client_number == "":
            return _("This client is no longer in broadtalk (erased); the trail keeps who looked at the record.")
        if role == Qt.ItemDataRole.FontRole and row.outcome != audit.Outcome.SUCCESS:
            font = QFont()
            font.setBold(True)  # refused and failed stand out
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column == "id":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class _Cancelled(Exception):
    pass


class ChainChecker(QThread):
    """Runs ``audit.check_chain`` off the GUI thread, on its own pooled connection."""

    progressed = Signal(int, int)

    def __init__(self, db: Database, actor: Actor, parent=None):
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self.cancel_requested = False  # set from the GUI thread, read between batches
        self.report: audit.ChainReport | None = None
        self.error: str | None = None

    def run(self) -> None:
        try:
            with self._db.transaction() as tx:
                self.report = audit.check_chain(tx, self._actor, self._progress, db_path=self._db.place)
        except _Cancelled:
            pass
        except BroadtalkError as error:
            self.error = error.message
        except Exception as error:  # a bug: say where the details are, keep them out of the dialog
            self.error = unexpected_error_message(error)

    def _progress(self, done: int, total: int) -> None:
        self.progressed.emit(done, total)
        if self.cancel_requested:
            raise _Cancelled  # the transaction is rolled back: nothing is recorded


def _start_of_day(day: date) -> datetime:
    """Midnight in the Netherlands at the start of ``day``, in UTC (how the trail stores times)."""
    return datetime.combine(day, time.min, DISPLAY_ZONE).astimezone(UTC)


def _date_edit(day: date, accessible_name: str) -> QDateEdit:
    edit = QDateEdit(QDate(day.year, day.month, day.day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("dd-MM-yyyy")
    edit.setAccessibleName(accessible_name)
    edit.setEnabled(False)
    return edit


class AuditDialog(QDialog):
    """The audit trail: filters, the newest matching entries, and "Check the chain".

    ``entries_loaded`` fires after each load (also a refused one); ``chain_checked`` after a
    chain check has finished, been refused or cancelled."""

    entries_loaded = Signal()
    chain_checked = Signal()

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self._checker: ChainChecker | None = None
        self._capped = False
        self.setWindowTitle(_("Audit trail"))
        self.setSizeGripEnabled(True)
        self.resize(1180, 640)

        intro = QLabel(
            _(
                "Who looked at or changed which record, when, on which computer, and with what outcome. "
                "The trail holds no content of conversations. Looking at it is recorded too."
            )
        )
        intro.setWordWrap(True)
        self.error = ErrorLabel()  # a refusal of the whole screen

        # -- filters ---------------------------------------------------------------------------
        today = to_display_time(datetime.now(UTC)).date()
        self.client_edit = QLineEdit()
        self.client_edit.setPlaceholderText(_("e.g. H7K-2PQ"))
        self.client_edit.setMaxLength(16)
        self.client_edit.setClearButtonEnabled(True)
        client_label = QLabel(_("&Client number"))
        client_label.setBuddy(self.client_edit)
        self.client_edit.setAccessibleName(without_mnemonic(client_label.text()))

        self.practitioner_combo = QComboBox()
        self.practitioner_combo.addItem(_("Everyone"), None)
        with db.transaction() as tx:
            practitioners = list_practitioners(tx)
        for practitioner in practitioners:
            self.practitioner_combo.addItem(
                _("{name} ({role})").format(name=practitioner.name, role=role_label(practitioner.role)),
                practitioner.id,
            )
        practitioner_label = QLabel(_("&Practitioner"))
        practitioner_label.setBuddy(self.practitioner_combo)
        self.practitioner_combo.setAccessibleName(without_mnemonic(practitioner_label.text()))

        self.action_combo = QComboBox()
        self.action_combo.addItem(_("All actions"), None)
        for action in audit.Action:
            self.action_combo.addItem(audit.action_label(action), action.value)
        action_label = QLabel(_("&Action"))
        action_label.setBuddy(self.action_combo)
        self.action_combo.setAccessibleName(without_mnemonic(action_label.text()))

        self.from_check = QCheckBox(_("&From"))
        self.from_date = _date_edit(today - timedelta(days=30), _("From date"))
        self.from_check.toggled.connect(self.from_date.setEnabled)
        self.to_check = QCheckBox(_("&To"))
        self.to_date = _date_edit(today, _("To date (included)"))
        self.to_check.toggled.connect(self.to_date.setEnabled)

        self.show_button = QPushButton(_("&Show"))
        self.show_button.clicked.connect(self.load)
        self.filter_error = ErrorLabel()

        filters = QGridLayout()
        filters.setHorizontalSpacing(10)
        filters.addWidget(client_label, 0, 0)
        filters.addWidget(self.client_edit, 0, 1)
        filters.addWidget(practitioner_label, 0, 2)
        filters.addWidget(self.practitioner_combo, 0, 3)
        filters.addWidget(action_label, 0, 4)
        filters.addWidget(self.action_combo, 0, 5)
        filters.addWidget(self.from_check, 1, 0)
        filters.addWidget(self.from_date, 1, 1)
        filters.addWidget(self.to_check, 1, 2)
        filters.addWidget(self.to_date, 1, 3)
        filters.addWidget(self.show_button, 1, 5)
        filters.setColumnStretch(1, 1)
        filters.setColumnStretch(3, 2)
        filters.setColumnStretch(5, 1)

        # -- the entries ----------------------------------------------------------------------
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.model = AuditTableModel(self)
        self.table = read_only_table(self.model, _("Audit trail entries"))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setResizeContentsPrecision(200)  # measure a sample, not every loaded row
        header.setStretchLastSection(True)

        # -- the chain ------------------------------------------------------------------------
        chain_box = QGroupBox(_("Is the trail complete and unchanged?"))
        chain_note = QLabel(
            _(
                "Each entry is sealed together with the entry before it. Checking the chain shows "
                "whether an entry was changed, removed or inserted outside broadtalk."
            )
        )
        chain_note.setWordWrap(True)
        self.check_button = QPushButton(_("Check the &chain"))
        self.check_button.setAutoDefault(False)
        self.check_button.clicked.connect(self.check_chain)
        self.progress = QProgressBar()
        self.progress.setAccessibleName(_("Checking the audit trail"))
        self.progress.hide()
        self.cancel_check_button = QPushButton(_("Stop checking"))
        self.cancel_check_button.setAutoDefault(False)
        self.cancel_check_button.clicked.connect(self.cancel_check)
        self.cancel_check_button.hide()
        self.chain_result = QLabel()
        self.chain_result.setWordWrap(True)
        self.chain_result.hide()
        self.chain_problem = ErrorLabel()
        chain_row = QHBoxLayout()
        chain_row.addWidget(self.check_button)
        chain_row.addWidget(self.progress, 1)
        chain_row.addWidget(self.cancel_check_button)
        chain_row.addStretch(0)
        chain_layout = QVBoxLayout(chain_box)
        chain_layout.addWidget(chain_note)
        chain_layout.addLayout(chain_row)
        chain_layout.addWidget(self.chain_result)
        chain_layout.addWidget(self.chain_problem)

        close_button = QPushButton(_("C&lose"))
        close_button.setAutoDefault(False)
        close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(close_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 14)
        layout.setSpacing(10)
        layout.addWidget(intro)
        layout.addWidget(self.error)
        layout.addLayout(filters)
        layout.addWidget(self.filter_error)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(chain_box)
        layout.addLayout(buttons)
        self.show_button.setDefault(True)  # Enter in a filter shows its entries

        self.load()
        self.client_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- loading ------------------------------------------------------------------------------

    def _filter_dates(self) -> tuple[datetime | None, datetime | None] | None:
        """(since, until) from the date fields; None (and a message) when they contradict."""
        since = until = None
        first = last = None
        if self.from_check.isChecked():
            first = self.from_date.date().toPython()
            since = _start_of_day(first)
        if self.to_check.isChecked():
            last = self.to_date.date().toPython()
            until = _start_of_day(last + timedelta(days=1))  # the "to" day itself is included
        if first is not None and last is not None and first > last:
            self.filter_error.show_message(
                _("The 'from' date lies after the 'to' date; swap them or change one of them.")
            )
            return None
        return since, until

    def load(self) -> None:
        """Load the newest entries that match the filters (at most ``LIMIT``)."""
        self.filter_error.show_message("")
        dates = self._filter_dates()
        if dates is None:
            return
        since, until = dates
        number = self.client_edit.text().strip()
        with_numbers = allows(self._actor, Permission.VIEW_CLIENTS)
        try:
            with self._db.transaction() as tx:
                client_id = None
                if number:
                    client_id = client_id_for_number(tx, self._actor, number)
                    if client_id is None:
                        self.filter_error.show_message(
                            _(
                                "There is no client with number '{number}'. Type the number as the client "
                                "list shows it, e.g. H7K-2PQ, or leave the field empty for all clients."
                            ).format(number=number)
                        )
                        self.client_edit.setFocus(Qt.FocusReason.OtherFocusReason)
                        self._capped = False
                        self.model.set_rows([])
                        self.summary.setText("")
                        self.entries_loaded.emit()
                        return
                where = audit.AuditFilter(
                    client_id=client_id,
                    practitioner_id=self.practitioner_combo.currentData(),
                    action=self.action_combo.currentData(),
                    since=since,
                    until=until,
                    limit=LIMIT + 1,  # one more than shown tells whether there are more
                )
                entries = audit.list_entries(tx, self._actor, where)
                ids = {entry.client_id for entry in entries if entry.client_id is not None}
                numbers = client_numbers(tx, self._actor, ids) if with_numbers else None
        except BroadtalkError as error:
            self.model.set_rows([])
            self.error.show_message(error.message)
            self.summary.setText("")
            for widget in (self.show_button, self.check_button, self.client_edit):
                widget.setEnabled(False)
            self.entries_loaded.emit()
            return
        self._capped = capped = len(entries) > LIMIT
        self.model.set_rows([_row(entry, numbers) for entry in entries[:LIMIT]])
        self.table.resizeColumnsToContents()
        if capped:
            self.summary.setText(
                _(
                    "Only the {count} newest matching entries are shown. Narrow the filters (client, "
                    "practitioner, action, dates) to see older ones."
                ).format(count=format_number(LIMIT))
            )
        elif entries:
            self.summary.setText(
                ngettext("{count} entry, newest first.", "{count} entries, newest first.", len(entries)).format(
                    count=format_number(len(entries))
                )
            )
        else:
            self.summary.setText(_("No entries match these filters."))
        if entries:
            self.table.setCurrentIndex(self.model.index(0, 0))
        self.entries_loaded.emit()

    @property
    def capped(self) -> bool:
        """Whether more entries match than were loaded."""
        return self._capped

    # -- the chain check ------------------------------------------------------------------------

    def check_chain(self) -> None:
        """Walk the whole chain off the GUI thread; the result shows below the button."""
        if self._checker is not None:
            return
        self.chain_result.hide()
        self.chain_problem.show_message("")
        self.check_button.setEnabled(False)
        self.progress.setRange(0, 0)  # moving until the count is known
        self.progress.show()
        self.cancel_check_button.show()
        checker = ChainChecker(self._db, self._actor, self)
        checker.progressed.connect(self._advance)
        checker.finished.connect(self._chain_done)
        self._checker = checker
        checker.start()

    def cancel_check(self) -> None:
        if self._checker is not None:
            self._checker.cancel_requested = True

    def _advance(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _chain_done(self) -> None:
        checker = self._checker
        if checker is None:
            return
        checker.wait()
        self._checker = None
        self.progress.hide()
        self.cancel_check_button.hide()
        self.check_button.setEnabled(True)
        report = checker.report
        if checker.error is not None:
            self.chain_problem.show_message(checker.error)
        elif report is None:
            self._show_result(_("The check was stopped before the end; nothing was concluded."))
        elif report.intact:
            self._show_result(
                ngettext(
                    "The audit trail is intact: {count} entry.",
                    "The audit trail is intact: {count} entries.",
                    report.entries,
                ).format(count=format_number(report.entries))
            )
        elif report.broken_at is None:
            self.chain_problem.show_message(
                _(
                    "The audit trail is not complete. {reason} Report this to your practice's privacy officer as "
                    "a possible security incident; a backup made before may still hold the missing entries."
                ).format(reason=report.reason)
            )
        else:
            self.chain_problem.show_message(
                _(
                    "The audit trail is broken. {reason} This means the database file was changed outside "
                    "broadtalk; the entries before number {id} are as they were written. Report this to your "
                    "practice's privacy officer as a possible security incident, and ask your administrator "
                    "to restore a backup made before the change."
                ).format(reason=report.reason, id=report.broken_at)
            )
            row = self.model.row_of_entry(report.broken_at) if report.broken_at is not None else None
            if row is not None:
                self.table.setCurrentIndex(self.model.index(row, 0))
                self.table.scrollTo(self.model.index(row, 0))
        checker.deleteLater()
        self.chain_checked.emit()

    def _show_result(self, text: str) -> None:
        self.chain_result.setText(text)
        self.chain_result.setAccessibleName(text)
        self.chain_result.show()

    @property
    def checking(self) -> bool:
        return self._checker is not None

    def done(self, result: int) -> None:
        # Closing during a check stops it: the worker must not outlive the dialog.
        if self._checker is not None:
            self._checker.cancel_requested = True
            self._checker.wait()
        super().done(result)
