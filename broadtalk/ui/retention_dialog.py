"""Retention: how long records are kept, and which records are past that period, for review.

For roles with ``Permission.REVIEW_RETENTION`` (practice managers, administrators). The core
(``broadtalk.retention``) keeps the periods, refuses a change the role does not allow, and
records every look at the list. Nothing is erased here: a reviewer opens a listed client
(``client_requested``) and decides there whether the record must be kept longer.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from broadtalk import retention
from broadtalk.errors import BroadtalkError
from broadtalk.i18n import _, format_number, format_short_date, ngettext, to_display_time
from broadtalk.permissions import Permission, allows
from broadtalk.practitioners import Actor
from broadtalk.retention import MAX_YEARS, MIN_YEARS, DueItem, RecordType, record_type_label
from broadtalk.store.database import Database
from broadtalk.ui.common import ErrorLabel, read_only_table

Index = QModelIndex | QPersistentModelIndex


def _local_today() -> date:
    """Today in the Netherlands (just after midnight it is still yesterday in UTC)."""
    return to_display_time(datetime.now(UTC)).date()


class DueTableModel(QAbstractTableModel):
    """Records past their retention period: type, client number, name, last activity, due since."""

    TYPE, NUMBER, NAME, LAST_ACTIVITY, DUE = range(5)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._items: list[DueItem] = []

    def set_items(self, items: list[DueItem]) -> None:
        self.beginResetModel()
        self._items = items
        self.endResetModel()

    def item_at(self, row: int) -> DueItem | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 5

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return (_("Record"), _("Client number"), _("Name"), _("Last activity"), _("Due for review since"))[section]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        item = self.item_at(index.row())
        if item is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                item.record_type_label,
                item.client_number,
                item.client_name or "",
                format_short_date(item.last_activity),
                format_short_date(item.due),
            )[index.column()]
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return _("{record}, client number {number}, last activity {last}, due for review since {due}").format(
                record=item.record_type_label,
                number=item.client_number,
                last=format_short_date(item.last_activity),
                due=format_short_date(item.due),
            )
        return None


class RetentionDialog(QDialog):
    """The retention periods (spin boxes, saved together) and the records due for review.

    Activating a listed record (Enter, double-click, "Open client") closes the dialog and emits
    ``client_requested`` with the client's id, for the main window to open that client.
    ``today`` is the day the list is made for (default: today in the Netherlands)."""

    client_requested = Signal(int)
    periods_saved = Signal()

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None, *, today: date | None = None):
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self._today = today or _local_today()
        self.setWindowTitle(_("Retention"))
        self.setSizeGripEnabled(True)
        self.resize(900, 620)
        may_change = allows(actor, Permission.MANAGE_SETTINGS)

        # -- the periods ----------------------------------------------------------------------
        periods_box = QGroupBox(_("How long records are kept"))
        periods_note = QLabel(
            _(
                "Counted in whole years from the last activity on the record. For a medical record "
                "the WGBO asks for 20 years, or longer when good care needs it."
            )
        )
        periods_note.setWordWrap(True)
        with db.transaction() as tx:
            self._saved = retention.retention_periods(tx)
        self.spin_boxes: dict[RecordType, QSpinBox] = {}
        form = QFormLayout()
        for record_type in RecordType:
            spin = QSpinBox()
            spin.setRange(MIN_YEARS, MAX_YEARS)
            spin.setValue(self._saved[record_type])
            spin.setSuffix(_(" years"))
            spin.setMaximumWidth(140)
            spin.setAccessibleName(record_type_label(record_type))
            spin.setEnabled(may_change)
            label = QLabel(record_type_label(record_type))
            label.setBuddy(spin)
            label.setWordWrap(True)
            form.addRow(label, spin)
            self.spin_boxes[record_type] = spin
        self.save_button = QPushButton(_("&Save periods"))
        self.save_button.setAutoDefault(False)
        self.save_button.setEnabled(may_change)
        self.save_button.clicked.connect(self.save_periods)
        self.saved_note = QLabel()
        self.saved_note.hide()
        self.periods_error = ErrorLabel()
        save_row = QHBoxLayout()
        save_row.addWidget(self.save_button)
        save_row.addWidget(self.saved_note)
        save_row.addStretch(1)
        periods_layout = QVBoxLayout(periods_box)
        periods_layout.addWidget(periods_note)
        periods_layout.addLayout(form)
        periods_layout.addLayout(save_row)
        periods_layout.addWidget(self.periods_error)
        if not may_change:
            periods_layout.addWidget(QLabel(_("Your role may not change these periods.")))

        # -- the records due --------------------------------------------------------------------
        due_box = QGroupBox(_("Records due for review"))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.error = ErrorLabel()
        self.model = DueTableModel(self)
        self.table = read_only_table(self.model, _("Records due for review"), stretch_column=DueTableModel.NAME)
        self.table.setColumnHidden(DueTableModel.NAME, not allows(actor, Permission.VIEW_CLIENTS))
        self.table.activated.connect(lambda _index: self.open_client())  # Enter, double-click
        erase_note = QLabel(
            _(
                "Nothing is erased here. Open a record to decide whether good care needs it kept "
                "longer; erasing a client is a separate step."
            )
        )
        erase_note.setWordWrap(True)
        due_layout = QVBoxLayout(due_box)
        due_layout.addWidget(self.summary)
        due_layout.addWidget(self.error)
        due_layout.addWidget(self.table, 1)
        due_layout.addWidget(erase_note)

        self.open_button = QPushButton(_("&Open client"))
        self.open_button.setAutoDefault(False)
        self.open_button.clicked.connect(self.open_client)
        close_button = QPushButton(_("C&lose"))
        close_button.setAutoDefault(False)
        close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(close_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 14)
        layout.setSpacing(12)
        layout.addWidget(periods_box)
        layout.addWidget(due_box, 1)
        layout.addLayout(buttons)

        self.load_due()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- the list -------------------------------------------------------------------------------

    def load_due(self) -> None:
        """List the records past their period on ``today`` (the core records the look)."""
        self.error.show_message("")
        try:
            with self._db.transaction() as tx:
                items = retention.due_for_review(tx, self._actor, self._today)
        except BroadtalkError as error:
            self.model.set_items([])
            self.summary.setText("")
            self.error.show_message(error.message)
            self.open_button.setEnabled(False)
            return
        self.model.set_items(items)
        if items:
            self.summary.setText(
                ngettext(
                    "{count} record is past its retention period on {date}, oldest first.",
                    "{count} records are past their retention period on {date}, oldest first.",
                    len(items),
                ).format(count=format_number(len(items)), date=format_short_date(self._today))
            )
            self.table.setCurrentIndex(self.model.index(0, 0))
        else:
            self.summary.setText(
                _("No record is past its retention period on {date}.").format(date=format_short_date(self._today))
            )
        self.open_button.setEnabled(bool(items))

    def open_client(self) -> None:
        item = self.model.item_at(self.table.currentIndex().row())
        if item is None:
            return
        self.accept()
        self.client_requested.emit(item.client_id)

    # -- the periods ----------------------------------------------------------------------------

    def save_periods(self) -> None:
        """Save the changed periods in one transaction; a refusal shows under them, values kept."""
        self.saved_note.hide()
        self.periods_error.show_message("")
        changed = {
            record_type: spin.value()
            for record_type, spin in self.spin_boxes.items()
            if spin.value() != self._saved[record_type]
        }
        if not changed:
            self._show_saved(_("Nothing changed."))
            return
        try:
            with self._db.transaction() as tx:
                for record_type, years in changed.items():
                    retention.set_retention_period(tx, self._actor, record_type, years)
                saved = retention.retention_periods(tx)
        except BroadtalkError as error:
            self.periods_error.show_message(error.message)
            return
        self._saved = saved
        self._show_saved(_("The periods were saved; the list below follows them."))
        self.load_due()
        self.periods_saved.emit()

    def _show_saved(self, text: str) -> None:
        self.saved_note.setText(text)
        self.saved_note.setAccessibleName(text)
        self.saved_note.show()
