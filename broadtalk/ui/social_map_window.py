"""The social map on screen: a searchable list of offerings, their editors, the CSV import and
its report, and a small list of suggested offerings for the referral dialog.

The core (``broadtalk.social_map``) decides what is valid and what is stale; these widgets show
its verdict: a message under each field that needs attention, an amber marker on entries that
have not been checked for the practice's number of months.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import pairwise
from pathlib import Path

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QGuiApplication, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from broadtalk.errors import BroadtalkError
from broadtalk.i18n import _, format_short_date, ngettext
from broadtalk.life_domains import TAGS, tag_label
from broadtalk.permissions import Permission, allows
from broadtalk.practitioners import Actor
from broadtalk.social_map import (
    KINDS,
    MAX_STALE_MONTHS,
    MIN_STALE_MONTHS,
    InvalidEntry,
    OfferingInput,
    OfferingView,
    OrganisationInput,
    OrganisationView,
    create_offering,
    create_organisation,
    delete_organisation,
    get_offering,
    get_organisation,
    kind_label,
    list_offerings,
    list_organisations,
    mark_checked,
    set_offering_active,
    set_stale_after_months,
    stale_after_months,
    update_offering,
    update_organisation,
)
from broadtalk.social_map_import import ImportReport, import_social_map
from broadtalk.store.database import Database
from broadtalk.ui import file_dialogs
from broadtalk.ui.common import ErrorLabel, run_use_case, save_cancel_buttons, show_refusal
from broadtalk.ui.welcome import without_mnemonic

Index = QModelIndex | QPersistentModelIndex
SEARCH_DELAY_MS = 150
#: Amber, as the demo banner: noticeable without alarming, dark text stays readable.
STALE_BACKGROUND = QColor("#FFF3CD")
STALE_TEXT = QColor("#664D03")
INACTIVE_TEXT = QColor("#6B6B6B")
#: Between tag labels: a label may contain a comma ("Family, friends and loneliness").
TAG_JOIN = " · "
#: Columns whose texts wrap at spaces (the others keep one line: a kind, a phone number, a date).
WRAPPING_COLUMNS = ("organisation", "offering", "domains", "contact")
#: Columns that take the room a wide window leaves.
GROWING_COLUMNS = ("organisation", "offering", "contact")
#: The item's padding (style sheet) and the frame around the text.
CELL_PADDING = 2 * 6 + 8


def _stale_text(last_checked: date | None, stale: bool) -> str:
    """'15-01-2026', '15-01-2024' with 'stale' on a second line, or 'never checked' (stale too)."""
    if last_checked is None:
        return _("never checked")
    if stale:
        # On its own line: the column stays as narrow as a date.
        return _("{date}\nstale").format(date=format_short_date(last_checked))
    return format_short_date(last_checked)


# -- the list -------------------------------------------------------------------------------------


class SocialMapTableModel(QAbstractTableModel):
    """Offerings, one per row; an organisation without offerings gets a row of its own, so it can
    still be found and completed."""

    COLUMNS = ("organisation", "offering", "kind", "domains", "contact", "phone", "last_checked")

    def __init__(self, db: Database, parent=None):
        super().__init__(parent)
        self._db = db
        self._rows: list[OfferingView | OrganisationView] = []
        self._search = ""
        self._tag: str | None = None
        self._include_inactive = False
        self.months = 12
        self.today = date.today()

    def set_filter(self, search: str, tag: str | None, include_inactive: bool) -> None:
        self._search, self._tag, self._include_inactive = search, tag, include_inactive
        self.refresh()

    def refresh(self) -> None:
        self.beginResetModel()
        self.today = date.today()
        with self._db.transaction() as tx:
            self.months = stale_after_months(tx)
            rows: list[OfferingView | OrganisationView] = list(
                list_offerings(
                    tx,
                    search=self._search,
                    tags=[self._tag] if self._tag else None,
                    include_inactive=self._include_inactive,
                    today=self.today,
                )
            )
            if self._tag is None:
                rows += [o for o in list_organisations(tx, self._search) if o.offering_count == 0]
        self._rows = sorted(rows, key=self._order)
        self.endResetModel()

    @staticmethod
    def _order(row: OfferingView | OrganisationView) -> tuple[str, str]:
        if isinstance(row, OfferingView):
            return (row.organisation_name.casefold(), row.name.casefold())
        return (row.name.casefold(), "")

    def row_at(self, row: int) -> OfferingView | OrganisationView | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of_offering(self, offering_id: int) -> int:
        return next(
            (i for i, row in enumerate(self._rows) if isinstance(row, OfferingView) and row.id == offering_id), -1
        )

    def row_of_organisation(self, organisation_id: int) -> int:
        for i, row in enumerate(self._rows):
            if (isinstance(row, OfferingView) and row.organisation_id == organisation_id) or (
                isinstance(row, OrganisationView) and row.id == organisation_id
            ):
                return i
        return -1

    def offering_count(self) -> int:
        return sum(1 for row in self._rows if isinstance(row, OfferingView))

    def stale_count(self) -> int:
        return sum(1 for row in self._rows if isinstance(row, OfferingView) and row.stale)

    def is_stale(self, row: OfferingView | OrganisationView) -> bool:
        return row.stale if isinstance(row, OfferingView) else row.is_stale(self.today, self.months)

    # -- the table --------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return (
            _("Organisation"),
            _("Offering"),
            _("Kind"),
            _("Life domains"),
            _("Contact function"),
            _("Phone"),
            _("Last checked"),
        )[section]

    def _text(self, row: OfferingView | OrganisationView, column: str) -> str:
        if isinstance(row, OrganisationView):
            texts = {
                "organisation": row.name,
                "offering": _("(no offerings yet)"),
                "phone": row.phone,
                "last_checked": _stale_text(row.last_checked, self.is_stale(row)),
            }
            return texts.get(column, "")
        if column == "organisation":
            return row.organisation_name
        if column == "offering":
            return row.name if row.active else _("{name} (inactive)").format(name=row.name)
        if column == "kind":
            return row.kind_label
        if column == "domains":
            return "\n".join(row.tag_labels)  # one per line: a list reads faster than a wrapped sentence
        if column == "contact":
            return row.contact_function
        if column == "phone":
            return row.contact_phone
        return _stale_text(row.last_checked, row.stale)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        row = self.row_at(index.row())
        if row is None:
            return None
        column = self.COLUMNS[index.column()]
        stale_cell = column == "last_checked" and self.is_stale(row)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if stale_cell:
                return _("Not checked for {months} months or more: check the details before you refer.").format(
                    months=self.months
                )
            return self._text(row, column) if column in ("domains", "organisation", "offering", "contact") else None
        if role == Qt.ItemDataRole.BackgroundRole and stale_cell:
            return QBrush(STALE_BACKGROUND)
        if role == Qt.ItemDataRole.ForegroundRole:
            if stale_cell:
                return QBrush(STALE_TEXT)
            if isinstance(row, OfferingView) and not row.active:
                return QBrush(INACTIVE_TEXT)
        if role == Qt.ItemDataRole.FontRole and (
            (isinstance(row, OrganisationView) and column == "offering") or stale_cell
        ):
            font = QFont()
            font.setItalic(isinstance(row, OrganisationView) and column == "offering")
            font.setBold(stale_cell)
            return font
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return _("{header}: {value}").format(
                header=self.headerData(index.column(), Qt.Orientation.Horizontal), value=self._text(row, column)
            )
        return None


class WrappedRowDelegate(QStyledItemDelegate):
    """Rows as tall as their wrapped text at the column's real width: Qt's own measure leaves out
    the style sheet's padding and comes up a line short ("Meedoen en …")."""

    def __init__(self, table: QTableView):
        super().__init__(table)
        self._table = table

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        hint = super().sizeHint(option, index)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        width = self._table.columnWidth(index.column()) - CELL_PADDING
        if not text or width <= 0:
            return hint
        font = index.data(Qt.ItemDataRole.FontRole) or option.font
        rect = QFontMetrics(font).boundingRect(0, 0, width, 100_000, int(Qt.TextFlag.TextWordWrap), text)
        return QSize(hint.width(), max(hint.height(), rect.height() + 2 * 4 + 6))


class SocialMapDialog(QDialog):
    """Find, add and change entries of the social map; import a CSV; set when entries go stale."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self._natural_widths: dict[int, int] = {}
        self._least_widths: dict[int, int] = {}
        self.setWindowTitle(_("Social map"))
        self.setMinimumSize(900, 600)
        self.resize(1240, 780)
        screen = QGuiApplication.primaryScreen()
        if screen is not None:  # a small laptop screen: fit on it
            available = screen.availableGeometry()
            self.resize(min(1240, available.width() - 40), min(780, available.height() - 60))
        self.setSizeGripEnabled(True)

        # Finding
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(_("Organisation, offering, contact function or place"))
        search_label = QLabel(_("&Search:"))
        search_label.setBuddy(self.search)
        self.search.setAccessibleName(without_mnemonic(search_label.text()))
        self.domain_filter = QComboBox()
        self.domain_filter.addItem(_("All life domains"), None)
        for tag in TAGS:
            self.domain_filter.addItem(tag_label(tag), tag)
        domain_label = QLabel(_("Life &domain:"))
        domain_label.setBuddy(self.domain_filter)
        self.domain_filter.setAccessibleName(without_mnemonic(domain_label.text()))
        self.show_inactive = QCheckBox(_("Show &inactive offerings"))
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(search_label)
        top.addWidget(self.search, 3)
        top.addSpacing(16)
        top.addWidget(domain_label)
        top.addWidget(self.domain_filter, 2)
        top.addSpacing(16)
        top.addWidget(self.show_inactive)

        # The list
        self.model = SocialMapTableModel(db, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName(_("Offerings on the social map"))
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setStyleSheet("QTableView::item { padding: 4px 6px; }")  # air around wrapped lines
        self.table.setItemDelegate(WrappedRowDelegate(self.table))
        self.table.setTabKeyNavigation(False)
        # Long names and several domains wrap onto a second line rather than hide behind "…".
        self.table.setWordWrap(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)  # widths set by _fit_columns
        header.setStretchLastSection(False)
        header.setHighlightSections(False)
        self.table.activated.connect(lambda _index: self.edit_selected())
        self.table.viewport().installEventFilter(self)

        # The selected entry in full: what does not fit in the row.
        self.details = QGroupBox(_("Details"))
        self.detail_values: dict[str, QLabel] = {}
        detail_grid = QGridLayout(self.details)
        detail_grid.setHorizontalSpacing(24)
        left, right = QFormLayout(), QFormLayout()
        for form in (left, right):
            form.setHorizontalSpacing(12)
            form.setVerticalSpacing(4)
            form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        for form, key, label in (
            (left, "contact", _("Contact")),
            (left, "address", _("Address")),
            (left, "website", _("Website")),
            (left, "checked", _("Last checked")),
            (right, "opening_hours", _("Opening hours")),
            (right, "domains", _("Life domains")),
            (right, "description", _("Description")),
        ):
            value = QLabel()
            value.setWordWrap(True)
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setAccessibleName(label)
            form.addRow(QLabel(label), value)
            self.detail_values[key] = value
        # One line, as wide as its text: the amber marks the date, not the whole width.
        self.detail_values["checked"].setWordWrap(False)
        self.detail_values["checked"].setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        detail_grid.addLayout(left, 0, 0)
        detail_grid.addLayout(right, 0, 1)
        detail_grid.setColumnStretch(0, 1)
        detail_grid.setColumnStretch(1, 1)

        # Acting
        self.new_organisation_button = QPushButton(_("New &organisation…"))
        self.new_offering_button = QPushButton(_("&New offering…"))
        self.edit_button = QPushButton(_("&Edit offering…"))
        self.edit_organisation_button = QPushButton(_("Edit or&ganisation…"))
        self.check_button = QPushButton(_("Mark as &checked today"))
        self.check_button.setToolTip(_("The whole organisation and its offerings were checked and are still right."))
        self.import_button = QPushButton(_("Im&port CSV…"))
        self.new_organisation_button.clicked.connect(self.new_organisation)
        self.new_offering_button.clicked.connect(self.new_offering)
        self.edit_button.clicked.connect(self.edit_selected)
        self.edit_organisation_button.clicked.connect(self.edit_organisation)
        self.check_button.clicked.connect(self.mark_selected_checked)
        self.import_button.clicked.connect(self.import_csv)
        actions = QHBoxLayout()
        actions.setSpacing(8)
        for button in (
            self.new_organisation_button,
            self.new_offering_button,
            self.edit_button,
            self.edit_organisation_button,
            self.check_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)

        self.stale_months = QSpinBox()
        self.stale_months.setRange(MIN_STALE_MONTHS, MAX_STALE_MONTHS)
        stale_label = QLabel(_("Mark as s&tale after (months):"))
        stale_label.setBuddy(self.stale_months)
        self.stale_months.setAccessibleName(without_mnemonic(stale_label.text()))
        if not allows(actor, Permission.MANAGE_SETTINGS):  # a practice-wide setting
            self.stale_months.setEnabled(False)
            self.stale_months.setToolTip(_("A practice manager or administrator sets this for the practice."))
        self.status = QLabel()
        self.stale_status = QLabel()
        self.stale_status.setStyleSheet(
            f"background: {STALE_BACKGROUND.name()}; color: {STALE_TEXT.name()}; padding: 2px 6px;"
        )
        self.close_button = QPushButton(_("C&lose"))
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.accept)
        bottom = QHBoxLayout()
        bottom.setSpacing(8)
        bottom.addWidget(stale_label)
        bottom.addWidget(self.stale_months)
        bottom.addStretch(1)
        # Keeping the map up to date in bulk sits with the other housekeeping, apart from the entry buttons.
        bottom.addWidget(self.import_button)
        bottom.addSpacing(8)
        bottom.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        # The counts right under the list they count, with the full width for the stale warning.
        counts = QHBoxLayout()
        counts.setSpacing(8)
        counts.addWidget(self.status)
        counts.addWidget(self.stale_status)
        counts.addStretch(1)
        layout.addLayout(counts)
        layout.addWidget(self.details)
        layout.addLayout(actions)
        layout.addLayout(bottom)

        with db.transaction() as tx:
            self.stale_months.setValue(stale_after_months(tx))
        self.stale_months.valueChanged.connect(self._save_stale_months)
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS, timeout=self._apply_filter)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.domain_filter.currentIndexChanged.connect(lambda _i: self._apply_filter())
        self.show_inactive.toggled.connect(lambda _on: self._apply_filter())
        self.table.selectionModel().currentRowChanged.connect(lambda _now, _before: self._selection_changed())

        self._apply_filter()
        self.search.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- the list ---------------------------------------------------------------------------------

    def _size_columns(self) -> None:
        """Measure every column: its natural width (header and each text on one line) and, for the
        columns that wrap at spaces, the least width at which no word is cut ("Schuldhul…")."""
        self.table.resizeColumnsToContents()
        metrics = self.table.fontMetrics()
        self._natural_widths.clear()
        self._least_widths.clear()
        for index, column in enumerate(SocialMapTableModel.COLUMNS):
            natural = self.table.columnWidth(index)
            self._natural_widths[index] = natural
            if column not in WRAPPING_COLUMNS:
                self._least_widths[index] = natural
                continue
            texts = [str(self.model.index(row, index).data() or "") for row in range(self.model.rowCount())]
            header = str(self.model.headerData(index, Qt.Orientation.Horizontal))
            longest = max(
                [metrics.horizontalAdvance(header), *(metrics.horizontalAdvance(w) for t in texts for w in t.split())]
            )
            self._least_widths[index] = min(natural, longest + CELL_PADDING)
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Every column as wide as its texts when the table has room, the room left over to the
        organisation, offering and contact. With less room the columns that wrap give up width in
        proportion, never below their longest word; below that the table scrolls sideways rather
        than cut a word off."""
        natural, least = self._natural_widths, self._least_widths
        if not natural:
            return
        available = self.table.viewport().width()
        widths = dict(natural)
        if sum(natural.values()) <= available:
            growing = [SocialMapTableModel.COLUMNS.index(c) for c in GROWING_COLUMNS]
            extra = available - sum(natural.values())
            share = sum(natural[column] for column in growing)
            for column in growing:
                widths[column] += extra * natural[column] // share
        elif sum(least.values()) >= available:
            widths = dict(least)
        else:
            room = available - sum(least.values())
            wanted = sum(natural[column] - least[column] for column in natural)
            for column in natural:
                widths[column] = least[column] + (natural[column] - least[column]) * room // wanted
        for column, width in widths.items():
            self.table.setColumnWidth(column, width)
        self.table.resizeRowsToContents()  # the wrapped lines of the new widths

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The table's own new width (the dialog's resize comes before its layout has run).
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return super().eventFilter(watched, event)

    def _apply_filter(self) -> None:
        self._search_timer.stop()
        self.refresh()

    def refresh(self, *, select_offering: int | None = None, select_organisation: int | None = None) -> None:
        """Reload the list; the selection stays on the same entry (or moves to the one named)."""
        current = self.selected()
        if select_offering is None and select_organisation is None and current is not None:
            if isinstance(current, OfferingView):
                select_offering = current.id
            else:
                select_organisation = current.id
        self.model.set_filter(self.search.text(), self.domain_filter.currentData(), self.show_inactive.isChecked())
        self._size_columns()  # new rows, new longest words
        row = -1
        if select_offering is not None:
            row = self.model.row_of_offering(select_offering)
        if row < 0 and select_organisation is not None:
            row = self.model.row_of_organisation(select_organisation)
        if row < 0 and self.model.rowCount():
            row = 0
        if row >= 0:
            self.table.selectRow(row)
        self._selection_changed()
        self._update_status()

    def _update_status(self) -> None:
        count, stale = self.model.offering_count(), self.model.stale_count()
        self.status.setText(ngettext("{n} offering", "{n} offerings", count).format(n=count))
        self.stale_status.setText(
            ngettext("{n} stale: check it before you refer", "{n} stale: check them before you refer", stale).format(
                n=stale
            )
        )
        self.stale_status.setVisible(bool(stale))

    def selected(self) -> OfferingView | OrganisationView | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _selection_changed(self) -> None:
        row = self.selected()
        for button in (self.edit_organisation_button, self.check_button):
            button.setEnabled(row is not None)
        self.edit_button.setEnabled(row is not None)
        self.edit_button.setText(
            _("&Edit offering…") if not isinstance(row, OrganisationView) else _("&Add its first offering…")
        )
        self._show_details(row)

    def _show_details(self, row: OfferingView | OrganisationView | None) -> None:
        values = dict.fromkeys(self.detail_values, "")
        if isinstance(row, OfferingView):
            contact = [row.contact_function, row.contact_phone, row.contact_email]
            values.update(
                contact=" · ".join(part for part in contact if part),
                address=row.address,
                website=row.website,
                opening_hours=row.opening_hours,
                domains=TAG_JOIN.join(row.tag_labels),
                description=row.description,
            )
        elif isinstance(row, OrganisationView):
            values.update(
                contact=" · ".join(part for part in (row.phone, row.email) if part),
                address=row.address_line,
                website=row.website,
                opening_hours=row.opening_hours,
            )
        stale = row is not None and self.model.is_stale(row)
        if row is not None and not stale:
            values["checked"] = _stale_text(row.last_checked, stale)
        elif row is not None and row.last_checked is None:
            values["checked"] = _("never checked: check the details before you refer")
        elif row is not None and row.last_checked is not None:
            values["checked"] = _("{date} · stale: check the details before you refer").format(
                date=format_short_date(row.last_checked)
            )
        for key, label in self.detail_values.items():
            label.setText(values[key] or "–")
        checked = self.detail_values["checked"]
        checked.setStyleSheet(
            f"background: {STALE_BACKGROUND.name()}; color: {STALE_TEXT.name()}; padding: 1px 4px;" if stale else ""
        )

    # -- acting -----------------------------------------------------------------------------------

    def new_organisation(self) -> None:
        dialog = OrganisationDialog(self._db, self._actor, None, self)
        if dialog.exec() and dialog.saved_organisation is not None:
            self.refresh(select_organisation=dialog.saved_organisation.id)

    def new_offering(self, organisation_id: int | None = None) -> None:
        if organisation_id is None:
            row = self.selected()
            organisation_id = row.organisation_id if isinstance(row, OfferingView) else getattr(row, "id", None)
        with self._db.transaction() as tx:
            has_organisations = bool(list_organisations(tx))
        if not has_organisations:
            QMessageBox.information(
                self,
                _("First an organisation"),
                _("An offering belongs to an organisation. Add the organisation first with 'New organisation'."),
            )
            return
        dialog = OfferingDialog(self._db, self._actor, None, organisation_id=organisation_id, parent=self)
        if dialog.exec() and dialog.saved_offering is not None:
            self.refresh(select_offering=dialog.saved_offering.id)

    def edit_selected(self) -> None:
        row = self.selected()
        if isinstance(row, OrganisationView):
            self.new_offering(row.id)
            return
        if row is None:
            return
        dialog = OfferingDialog(self._db, self._actor, row, parent=self)
        if dialog.exec() and dialog.saved_offering is not None:
            self.refresh(select_offering=dialog.saved_offering.id)

    def edit_organisation(self) -> None:
        row = self.selected()
        if row is None:
            return
        organisation_id = row.organisation_id if isinstance(row, OfferingView) else row.id
        organisation = run_use_case(self, self._db, lambda tx: get_organisation(tx, organisation_id))
        if organisation is None:
            return
        dialog = OrganisationDialog(self._db, self._actor, organisation, self)
        dialog.exec()
        if dialog.deleted:
            self.refresh(select_offering=-1)
        elif dialog.saved_organisation is not None:
            self.refresh()

    def mark_selected_checked(self) -> None:
        row = self.selected()
        if row is None:
            return
        organisation_id = row.organisation_id if isinstance(row, OfferingView) else row.id
        checked = run_use_case(self, self._db, lambda tx: mark_checked(tx, self._actor, organisation_id, date.today()))
        if checked is not None:
            self.refresh()

    def _save_stale_months(self, months: int) -> None:
        if run_use_case(self, self._db, lambda tx: set_stale_after_months(tx, self._actor, months)) is not None:
            self.refresh()

    def import_csv(self) -> None:
        path = file_dialogs.ask_open_path(
            self,
            file_dialogs.SOCIAL_MAP_IMPORT,
            _("Import the social map from a CSV file"),
            _("CSV files (*.csv *.txt);;All files (*)"),
        )
        if path is None:
            return
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            report = run_use_case(
                self,
                self._db,
                lambda tx: import_social_map(tx, self._actor, Path(path), date.today()),
                title=_("Nothing was imported"),
            )
        finally:
            QApplication.restoreOverrideCursor()
        if report is None:
            return
        self.refresh()
        self.show_report(report, Path(path).name)

    def show_report(self, report: ImportReport, file_name: str) -> None:
        ImportReportDialog(report, file_name, self).exec()


# -- the import report ----------------------------------------------------------------------------


class ImportReportDialog(QDialog):
    """What the import did: counts first, then every rejected and skipped line with its reasons."""

    def __init__(self, report: ImportReport, file_name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.report = report
        self.setWindowTitle(_("Import report"))
        self.setMinimumSize(640, 420)
        self.resize(820, 560)
        self.setSizeGripEnabled(True)

        self.headline = QLabel(_("Import of {file}").format(file=file_name))
        headline_font = self.headline.font()
        headline_font.setPointSizeF(headline_font.pointSizeF() * 1.2)
        headline_font.setBold(True)
        self.headline.setFont(headline_font)
        counts = [
            ngettext("{n} offering imported", "{n} offerings imported", report.imported).format(n=report.imported),
            ngettext("{n} row rejected", "{n} rows rejected", len(report.rejected)).format(n=len(report.rejected)),
            ngettext(
                "{n} row skipped: already on the social map",
                "{n} rows skipped: already on the social map",
                report.duplicates_skipped,
            ).format(n=report.duplicates_skipped),
            ngettext("{n} new organisation", "{n} new organisations", report.organisations_created).format(
                n=report.organisations_created
            ),
        ]
        self.summary = QLabel("\n".join(f"• {line}" for line in counts))
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setAccessibleName(_("Summary"))

        # Line, what happened, why: in file order, each reason on a line of its own.
        self.problems = QTableWidget(0, 3)
        self.problems.setAccessibleName(_("Rejected and skipped rows"))
        self.problems.setHorizontalHeaderLabels([_("Line"), _("Result"), _("Why")])
        self.problems.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.problems.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.problems.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.problems.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.problems.setTabKeyNavigation(False)
        self.problems.setWordWrap(True)
        self.problems.setAlternatingRowColors(True)
        self.problems.setStyleSheet("QTableWidget::item { padding: 4px 6px; }")
        self.problems.verticalHeader().hide()
        self.problems.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.problems.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        entries = [(row, _("rejected")) for row in report.rejected] + [(row, _("skipped")) for row in report.duplicates]
        for row, result in sorted(entries, key=lambda entry: entry[0].line):
            reasons = "\n".join(f"• {reason}" for reason in row.reasons or (row.reason,))
            position = self.problems.rowCount()
            self.problems.insertRow(position)
            line = QTableWidgetItem(str(row.line))
            line.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            self.problems.setItem(position, 0, line)
            outcome = QTableWidgetItem(result)
            outcome.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            self.problems.setItem(position, 1, outcome)
            why = QTableWidgetItem(reasons)
            why.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            self.problems.setItem(position, 2, why)
        problems_label = QLabel(_("&Rejected and skipped rows"))
        problems_label.setBuddy(self.problems)
        self.hint = QLabel(
            _(
                "Correct the rejected rows in the file and import it again: rows already on the social map are "
                "skipped, so nothing is added twice."
            )
        )
        self.hint.setWordWrap(True)
        has_problems = bool(report.rejected or report.duplicates)
        for widget in (problems_label, self.problems):
            widget.setVisible(has_problems)
        self.hint.setVisible(bool(report.rejected))
        self.ignored = QLabel(
            _("These columns were not read (the social map has no such field): {columns}").format(
                columns=", ".join(report.ignored_columns)
            )
        )
        self.ignored.setWordWrap(True)
        self.ignored.setVisible(bool(report.ignored_columns))

        self.copy_button = QPushButton(_("&Copy report"))
        self.copy_button.setAutoDefault(False)
        self.copy_button.clicked.connect(self.copy_to_clipboard)
        close_button = QPushButton(_("C&lose"))
        close_button.clicked.connect(self.accept)
        buttons = QDialogButtonBox()
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(close_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.copy_button.setVisible(has_problems)  # after addButton, which shows it
        close_button.setDefault(True)
        self.close_button = close_button

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        layout.addWidget(self.headline)
        layout.addWidget(self.summary)
        layout.addWidget(self.ignored)
        layout.addSpacing(4)
        layout.addWidget(problems_label)
        layout.addWidget(self.problems, 1)
        layout.addWidget(self.hint)
        if not has_problems:
            layout.addStretch(1)
        layout.addWidget(buttons)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # Enter closes; and no focus frame sits on the first cell as if it were chosen.
        self.close_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def text(self) -> str:
        """The whole report as plain text (to paste into a mail to whoever keeps the file)."""
        lines = [self.headline.text(), self.summary.text(), ""]
        entries = [(row, False) for row in self.report.rejected] + [(row, True) for row in self.report.duplicates]
        for row, skipped in sorted(entries, key=lambda entry: entry[0].line):
            reasons = "\n".join(f"  • {reason}" for reason in row.reasons or (row.reason,))
            text = _("Line {line} – skipped:\n{reasons}") if skipped else _("Line {line} – rejected:\n{reasons}")
            lines.append(text.format(line=row.line, reasons=reasons))
        return "\n".join(lines).strip() + "\n"

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setText(self.text())


# -- the editors ----------------------------------------------------------------------------------


class _FieldError(ErrorLabel):
    """An inline error as tall as its lines at the width it got: a form inside a row of sections
    measures a wrapped label at a narrow guess and leaves a one-line message in a tall red block."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        if self.width() > hint.width():
            hint.setHeight(self.heightForWidth(self.width()))
        return hint

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.updateGeometry()  # the height follows the width; the width does not follow the height


class _EntryDialog(QDialog):
    """What both editors share: sections of labelled fields, each with its inline error."""

    FIELDS: tuple[str, ...] = ()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setSizeGripEnabled(True)
        self.labels: dict[str, QLabel] = {}
        self.fields: dict[str, QWidget] = {}
        self.errors: dict[str, ErrorLabel] = {}
        self._forms: dict[str, QFormLayout] = {}
        self._boxes: list[QGroupBox] = []

    def _section(self, title: str) -> tuple[QGroupBox, QFormLayout]:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setContentsMargins(12, 10, 12, 12)
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(8)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self._boxes.append(box)
        return box, form

    def _add(self, form: QFormLayout, name: str, label_text: str, widget: QWidget) -> QWidget:
        widget.setObjectName(name)
        label = QLabel(label_text)
        label.setBuddy(widget)
        # The accessible name is the label without its mnemonic and required marker.
        widget.setAccessibleName(without_mnemonic(label_text).rstrip(" *"))
        error = _FieldError()
        form.addRow(label, widget)
        form.addRow("", error)
        form.setRowVisible(error, False)
        self.labels[name] = label
        self.fields[name] = widget
        self.errors[name] = error
        self._forms[name] = form
        return widget

    def _line(self, form: QFormLayout, name: str, label_text: str, max_length: int, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setMaxLength(max_length)
        if placeholder:
            edit.setPlaceholderText(placeholder)
        self._add(form, name, label_text, edit)
        return edit

    def _text_box(self, form: QFormLayout, name: str, label_text: str, placeholder: str = "") -> QPlainTextEdit:
        box = QPlainTextEdit()
        box.setTabChangesFocus(True)  # Tab moves on, as in every other field
        box.setPlaceholderText(placeholder)
        box.setFixedHeight(box.fontMetrics().lineSpacing() * 4 + 12)
        self._add(form, name, label_text, box)
        return box

    def _align_labels(self) -> None:
        # One label column across the sections, so the fields line up from top to bottom.
        width = max(label.sizeHint().width() for label in self.labels.values())
        for label in self.labels.values():
            label.setMinimumWidth(width)

    def _buttons(self) -> QDialogButtonBox:
        buttons, self.save_button, self.cancel_button = save_cancel_buttons(self._save, self.reject)
        return buttons

    def _tab_order(self, widgets: Sequence[QWidget]) -> None:
        for first, second in pairwise(widgets):
            QWidget.setTabOrder(first, second)

    def show_problems(self, problems: dict[str, str]) -> None:
        """One message under each field that needs attention; the first such field gets the focus."""
        for name in self.FIELDS:
            message = problems.get(name, "")
            self.errors[name].show_message(message)
            self._forms[name].setRowVisible(self.errors[name], bool(message))
            self.fields[name].setAccessibleDescription(message)
        unplaced = {name: message for name, message in problems.items() if name not in self.fields}
        if unplaced:  # a rule for a field this dialog does not show: still say it
            show_refusal(self, InvalidEntry(unplaced))
        first = next((name for name in self.FIELDS if name in problems), None)
        if first is not None:
            widget = self.fields[first]
            widget.setFocus(Qt.FocusReason.OtherFocusReason)
            if isinstance(widget, QLineEdit):
                widget.selectAll()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:
            self._grow_to_fit()
        return handled

    def _grow_to_fit(self) -> None:
        """Messages wrap over several lines; make room instead of squeezing the fields."""
        for box in self._boxes:
            box.layout().activate()
        self.layout().activate()
        needed = max(self.heightForWidth(self.width()), self.layout().totalMinimumSize().height())
        if needed > self.height():
            self.resize(self.width(), needed)

    def _save(self) -> None:
        raise NotImplementedError


class OrganisationDialog(_EntryDialog):
    """Add an organisation (``organisation`` None) or change one; it can be deleted from here too."""

    FIELDS = (
        "name",
        "address",
        "postal_code",
        "city",
        "website",
        "phone",
        "email",
        "opening_hours",
        "last_checked",
    )

    def __init__(
        self, db: Database, actor: Actor, organisation: OrganisationView | None = None, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self._organisation = organisation
        self._saved: OrganisationView | None = None
        self.deleted = False
        self.setWindowTitle(_("New organisation") if organisation is None else _("Edit organisation"))
        self.setMinimumWidth(560)

        where_box, where = self._section(_("Organisation"))
        self.name = self._line(where, "name", _("&Name *"), 200, _("e.g. Stichting Welzijn Overvecht"))
        self.address = self._line(where, "address", _("&Address"), 200, _("Street and house number"))
        self.postal_code = self._line(where, "postal_code", _("Posta&l code"), 10, _("1234 AB"))
        self.city = self._line(where, "city", _("Cit&y"), 100)
        self.website = self._line(where, "website", _("&Website"), 200, _("e.g. www.welzijn-overvecht.nl"))
        contact_box, contact = self._section(_("Contact and opening hours"))
        self.phone = self._line(contact, "phone", _("P&hone"), 40, _("The general number, e.g. 030 123 45 67"))
        self.email = self._line(contact, "email", _("&E-mail"), 200)
        self.opening_hours = self._text_box(
            contact, "opening_hours", _("&Opening hours"), _("e.g. Mon–Fri 9:00–17:00, walk-in Wednesday 13:00–15:00")
        )
        self.last_checked = self._line(contact, "last_checked", _("Last &checked"), 10, _("dd-mm-yyyy"))
        self.last_checked.setToolTip(_("When someone last checked that this entry is still right."))
        for widget in (self.postal_code, self.last_checked):
            widget.setMaximumWidth(160)
        self._align_labels()

        self.required_note = QLabel(_("Fields marked with * are required."))
        buttons = self._buttons()
        self.delete_button = QPushButton(_("&Delete organisation…"))
        self.delete_button.setAutoDefault(False)
        self.delete_button.clicked.connect(self._delete)
        self.delete_button.setVisible(organisation is not None)
        # Apart on the left, away from Save: deleting is not something to hit by accident.
        button_row = QHBoxLayout()
        button_row.addWidget(self.delete_button)
        button_row.addStretch(1)
        button_row.addWidget(buttons)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 14)
        layout.setSpacing(12)
        layout.addWidget(self.required_note)
        layout.addWidget(where_box)
        layout.addWidget(contact_box)
        layout.addStretch(1)
        layout.addLayout(button_row)
        self.save_button.setDefault(True)
        self._tab_order(
            [self.fields[name] for name in self.FIELDS] + [self.save_button, self.cancel_button, self.delete_button]
        )
        self.resize(620, self.sizeHint().height())

        if organisation is not None:
            self._fill(organisation)
        else:
            # Whoever enters an organisation has just looked it up: that counts as a check.
            self.last_checked.setText(date.today().strftime("%d-%m-%Y"))
        self.name.setFocus(Qt.FocusReason.OtherFocusReason)

    def _fill(self, organisation: OrganisationView) -> None:
        for name in ("name", "address", "postal_code", "city", "website", "phone", "email"):
            self.fields[name].setText(getattr(organisation, name))  # type: ignore[attr-defined]
        self.opening_hours.setPlainText(organisation.opening_hours)
        # The same fixed form the field asks for, whatever the language.
        checked = organisation.last_checked
        self.last_checked.setText(checked.strftime("%d-%m-%Y") if checked else "")

    @property
    def saved_organisation(self) -> OrganisationView | None:
        return self._saved

    def organisation_input(self) -> OrganisationInput:
        return OrganisationInput(
            name=self.name.text(),
            address=self.address.text(),
            postal_code=self.postal_code.text(),
            city=self.city.text(),
            phone=self.phone.text(),
            email=self.email.text(),
            website=self.website.text(),
            opening_hours=self.opening_hours.toPlainText(),
            last_checked=self.last_checked.text(),
        )

    def _save(self) -> None:
        data = self.organisation_input()
        try:
            with self._db.transaction() as tx:
                if self._organisation is None:
                    saved = create_organisation(tx, self._actor, data)
                else:
                    saved = update_organisation(tx, self._actor, self._organisation.id, data)
        except InvalidEntry as invalid:
            self.show_problems(invalid.problems)
            return
        except BroadtalkError as error:
            show_refusal(self, error)
            return
        self._saved = saved
        self.accept()

    def _delete(self) -> None:
        organisation = self._organisation
        if organisation is None:
            return
        answer = QMessageBox.question(
            self,
            _("Delete organisation?"),
            ngettext(
                "Delete {organisation} and its {n} offering from the social map? This cannot be undone.",
                "Delete {organisation} and its {n} offerings from the social map? This cannot be undone.",
                organisation.offering_count,
            ).format(organisation=organisation.name, n=organisation.offering_count),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        done = run_use_case(
            self,
            self._db,
            lambda tx: delete_organisation(tx, self._actor, organisation.id) or True,
            title=_("The organisation was not deleted"),
        )
        if done:
            self.deleted = True
            self.accept()


class OfferingDialog(_EntryDialog):
    """Add an offering (``offering`` None) to an organisation, or change one."""

    FIELDS = (
        "organisation_id",
        "name",
        "kind",
        "contact_function",
        "phone",
        "email",
        "domain_tags",
        "description",
    )

    def __init__(
        self,
        db: Database,
        actor: Actor,
        offering: OfferingView | None = None,
        *,
        organisation_id: int | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self._offering = offering
        self._saved: OfferingView | None = None
        self.setWindowTitle(_("New offering") if offering is None else _("Edit offering"))
        self.setMinimumWidth(760)

        what_box, what = self._section(_("Offering"))
        self.organisation = QComboBox()
        self.organisation.setPlaceholderText(_("Choose the organisation"))
        with db.transaction() as tx:
            for organisation in list_organisations(tx):
                place = organisation.city or organisation.postal_code
                text = _("{name} ({place})").format(name=organisation.name, place=place) if place else organisation.name
                self.organisation.addItem(text, organisation.id)
        self._add(what, "organisation_id", _("Or&ganisation *"), self.organisation)
        self.name = self._line(what, "name", _("&Name *"), 200, _("What is offered, e.g. Welzijn op Recept"))
        self.kind = QComboBox()
        self.kind.setPlaceholderText(_("Choose the kind"))
        for code in KINDS:
            self.kind.addItem(kind_label(code), code)
        self._add(what, "kind", _("&Kind *"), self.kind)
        self.contact_function = self._line(
            what,
            "contact_function",
            _("&Contact function *"),
            200,
            _("A function, not a person: Welzijnscoach Overvecht"),
        )
        self.phone = self._line(what, "phone", _("P&hone"), 40, _("Empty: the organisation's number"))
        self.email = self._line(what, "email", _("&E-mail"), 200, _("Empty: the organisation's address"))
        self.active = QCheckBox(_("&Active: suggest this offering for referrals"))
        self.active.setChecked(True)
        self.active.setVisible(offering is not None)  # a new offering is active; stopping one is a change
        what.addRow("", self.active)

        domains_box, domains = self._section(_("Helps with"))
        self.domain_tags = QListWidget()
        for tag in TAGS:
            item = QListWidgetItem(tag_label(tag))
            item.setData(Qt.ItemDataRole.UserRole, tag)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.domain_tags.addItem(item)
        self.domain_tags.setCurrentRow(0)
        rows = self.domain_tags.count()
        self.domain_tags.setMinimumHeight(
            self.domain_tags.sizeHintForRow(0) * rows + 2 * self.domain_tags.frameWidth() + 4
        )
        self.domain_tags.setToolTip(_("Space ticks or unticks the life domain under the cursor."))
        self._add(domains, "domain_tags", _("Life &domains *"), self.domain_tags)
        domains.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)  # the list below its label: room for it

        about_box, about = self._section(_("More about this offering"))
        self.description = self._text_box(
            about, "description", _("Desc&ription"), _("What the client can expect, for whom, costs, waiting time")
        )
        self._align_labels()
        for name in ("domain_tags", "description"):  # these have the width of their own sections
            self.labels[name].setMinimumWidth(0)

        self.required_note = QLabel(_("Fields marked with * are required."))
        buttons = self._buttons()
        columns = QHBoxLayout()
        columns.setSpacing(12)
        # At the top, at their own height: the fields keep their spacing beside the taller list.
        columns.addWidget(what_box, 3, Qt.AlignmentFlag.AlignTop)
        columns.addWidget(domains_box, 2, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 14)
        layout.setSpacing(12)
        layout.addWidget(self.required_note)
        layout.addLayout(columns)
        layout.addWidget(about_box)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.save_button.setDefault(True)
        self._tab_order(
            [
                self.organisation,
                self.name,
                self.kind,
                self.contact_function,
                self.phone,
                self.email,
                self.active,
                self.domain_tags,
                self.description,
                self.save_button,
                self.cancel_button,
            ]
        )
        self.resize(880, self.sizeHint().height())

        if offering is not None:
            self._fill(offering)
        elif organisation_id is not None:
            self.organisation.setCurrentIndex(self.organisation.findData(organisation_id))
        first = self.name if self.organisation.currentIndex() >= 0 else self.organisation
        first.setFocus(Qt.FocusReason.OtherFocusReason)

    def _fill(self, offering: OfferingView) -> None:
        self.organisation.setCurrentIndex(self.organisation.findData(offering.organisation_id))
        self.name.setText(offering.name)
        self.kind.setCurrentIndex(self.kind.findData(offering.kind))
        self.contact_function.setText(offering.contact_function)
        self.phone.setText(offering.phone)
        self.email.setText(offering.email)
        self.description.setPlainText(offering.description)
        self.active.setChecked(offering.active)
        self.set_tags(offering.domain_tags)

    def set_tags(self, tags: Sequence[str]) -> None:
        for i in range(self.domain_tags.count()):
            item = self.domain_tags.item(i)
            checked = item.data(Qt.ItemDataRole.UserRole) in tags
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def checked_tags(self) -> tuple[str, ...]:
        items = (self.domain_tags.item(i) for i in range(self.domain_tags.count()))
        return tuple(
            item.data(Qt.ItemDataRole.UserRole) for item in items if item.checkState() == Qt.CheckState.Checked
        )

    @property
    def saved_offering(self) -> OfferingView | None:
        return self._saved

    def offering_input(self) -> OfferingInput:
        return OfferingInput(
            organisation_id=self.organisation.currentData(),
            name=self.name.text(),
            kind=self.kind.currentData() or "",
            domain_tags=self.checked_tags(),
            contact_function=self.contact_function.text(),
            phone=self.phone.text(),
            email=self.email.text(),
            description=self.description.toPlainText(),
        )

    def _save(self) -> None:
        data = self.offering_input()
        offering = self._offering
        try:
            with self._db.transaction() as tx:
                if offering is None:
                    saved = create_offering(tx, self._actor, data)
                else:
                    saved = update_offering(tx, self._actor, offering.id, data)
                    if self.active.isChecked() != offering.active:
                        saved = set_offering_active(tx, self._actor, offering.id, self.active.isChecked())
                saved = get_offering(tx, saved.id)
        except InvalidEntry as invalid:
            self.show_problems(invalid.problems)
            return
        except BroadtalkError as error:
            show_refusal(self, error)
            return
        self._saved = saved
        self.accept()


# -- suggestions for the referral dialog ----------------------------------------------------------


class OfferingSuggestions(QListWidget):
    """Suggested offerings, one per line: 'Organisation — offering (contact function, phone)'.
    Stale entries carry a marker and an amber background; ``offering_chosen`` on Enter or double-click."""

    offering_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._offerings: list[OfferingView] = []
        self.setAccessibleName(_("Suggested offerings"))
        self.setWordWrap(True)
        self.setSpacing(3)  # wrapped suggestions stay apart from each other
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.itemActivated.connect(self._activated)

    @staticmethod
    def text_of(offering: OfferingView) -> str:
        fields = {
            "organisation": offering.organisation_name,
            "offering": offering.name,
            "contact": offering.contact_function,
            "phone": offering.contact_phone,
        }
        if offering.contact_phone and offering.stale:
            text = _("{organisation} — {offering} ({contact}, {phone}) · stale: check before you refer")
        elif offering.contact_phone:
            text = _("{organisation} — {offering} ({contact}, {phone})")
        elif offering.stale:
            text = _("{organisation} — {offering} ({contact}) · stale: check before you refer")
        else:
            text = _("{organisation} — {offering} ({contact})")
        return text.format(**fields)

    def set_suggestions(self, offerings: list[OfferingView]) -> None:
        self.clear()
        self._offerings = list(offerings)
        for offering in self._offerings:
            item = QListWidgetItem(self.text_of(offering))
            item.setData(Qt.ItemDataRole.UserRole, offering.id)
            item.setToolTip(TAG_JOIN.join(offering.tag_labels))
            if offering.stale:
                item.setBackground(QBrush(STALE_BACKGROUND))
                item.setForeground(QBrush(STALE_TEXT))
            self.addItem(item)
        if not self._offerings:
            empty = QListWidgetItem(_("No offerings on the social map for these life domains."))
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.addItem(empty)
        else:
            self.setCurrentRow(0)

    def offering_at(self, row: int) -> OfferingView | None:
        return self._offerings[row] if 0 <= row < len(self._offerings) else None

    def current_offering(self) -> OfferingView | None:
        return self.offering_at(self.currentRow())

    def _activated(self, item: QListWidgetItem) -> None:
        offering_id = item.data(Qt.ItemDataRole.UserRole)
        if offering_id is not None:
            self.offering_chosen.emit(int(offering_id))
