"""Today (Vandaag): the start page of a practitioner's day.

Four groups from the core's ``today_overview``: open drafts, follow-up conversations (overdue,
then this week), actions due, referrals waiting for feedback. Each group is a keyboard list
with its count in the heading and its empty state in words. Enter on a row opens the client's
page (``client_requested``), or the draft itself (``conversation_requested``). Tab and
Shift+Tab move between the groups, Ctrl+1 to Ctrl+4 jump to one. Overdue items say so in words,
with a colour beside them (never colour alone).

A practice manager or administrator (who may not read conversations) sees only the referrals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QKeySequence, QShortcut, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from broadtalk.errors import BroadtalkError
from broadtalk.i18n import _, format_date, format_datetime, format_short_date, ngettext
from broadtalk.permissions import Permission, allows
from broadtalk.practitioners import Actor
from broadtalk.referral_steps import status_label
from broadtalk.store.database import Database
from broadtalk.today import ClientRef, Today, TodayList, today_overview
from broadtalk.ui.common import read_only_table
from broadtalk.ui.dialog_parts import bold_label, local_today, quiet_label

#: Text colour beside the words "overdue" (dark red: readable on white and on alternate rows).
OVERDUE_COLOUR = QColor("#9B1C1C")
#: Up to this many rows a list is only as high as its rows.
FIT_ROWS = 6
QWIDGETSIZE_MAX = (1 << 24) - 1
ROW_KIND = Qt.ItemDataRole.UserRole + 1  # "client" or "conversation"
ROW_ID = Qt.ItemDataRole.UserRole + 2
#: How wide each group's columns are, so that at 1200 px nothing is cut: "fit", as wide as its
#: texts (a client's name); "when", a date with its meaning in brackets, as wide as the wider of
#: the two (the brackets go to a line of their own where needed); a number: as wide as its texts up
#: to that many em, wrapped beyond; "wrap": the room that is left, its text wrapped over lines.
COLUMNS: dict[str, tuple[str | int, ...]] = {
    "drafts": ("fit", "wrap", "fit"),
    "follow_ups": ("when", "fit", "wrap"),
    "actions": ("when", "fit", "wrap", 9),
    "referrals": ("fit", "fit", "wrap"),
}
#: The wrapped column keeps at least this many em; when the others leave less, they wrap too
#: beyond ``CROWDED_EM`` (a narrow window, large type): the dates never.
WRAP_MIN_EM = 12
CROWDED_EM = 12
#: A date goes on one line when the main text keeps at least this many em (or all it needs).
COMFORT_EM = 24
#: Room above and below a row's (wrapped) text, in pixels.
ROW_PADDING = 6
BRACKETS = re.compile(r"\([^()]*\)")


def count_text(part: TodayList) -> str:
    """How many: '12', or '1000 or more' where counting stopped."""
    return _("{n} or more").format(n=part.total) if part.capped else str(part.total)


def when_overdue(day: date, late: int) -> str:
    """'29-05-2026 (3 days overdue)': the same words as the client list's next follow-up."""
    return ngettext("{date} ({n} day overdue)", "{date} ({n} days overdue)", late).format(
        date=format_short_date(day), n=late
    )


def keep_brackets_together(text: str) -> str:
    """'18-11-2026 (2 days overdue)' wraps, if at all, before the bracket, never inside it."""
    return BRACKETS.sub(lambda match: match.group(0).replace(" ", "\u00a0"), text)


class _WhenDelegate(QStyledItemDelegate):
    """Draws a date column with its words in brackets kept on one line (the model's text is unchanged)."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().initStyleOption(option, index)
        option.text = keep_brackets_together(option.text)


@dataclass
class _Group:
    key: str
    heading: QLabel
    table: QTableView
    model: QStandardItemModel
    empty: QLabel
    more: QLabel
    box: QWidget


class TodayPage(QWidget):
    """``client_requested(client_id)`` / ``conversation_requested(conversation_id)``: Enter on a row;
    ``client_list_requested``: the button beside the heading."""

    client_requested = Signal(int)
    conversation_requested = Signal(int)
    client_list_requested = Signal()

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self._db = db
        self.actor = actor
        self.overview: Today | None = None
        self._columns: dict[QTableView, tuple[str | int, ...]] = {}
        # Per table, column, kind and font: the widest text's width, until the table is filled again.
        self._natural_widths: dict[tuple[int, int, str | int, str], int] = {}
        self._fitted_font: dict[int, str] = {}  # per table: the font its rows' heights were fitted in
        self._when_delegate = _WhenDelegate(self)

        self.title = bold_label(QLabel(), 1.3)
        self.title.setAccessibleName(_("Today"))
        self.scope = QComboBox()
        self.scope.addItem(_("My work"), True)
        self.scope.addItem(_("The whole practice"), False)
        self.scope.setAccessibleName(_("Show the work of"))
        self.scope_label = scope_label = QLabel(_("&Show:"))
        scope_label.setBuddy(self.scope)
        self.scope.currentIndexChanged.connect(lambda _index: self.refresh())
        self.list_button = QPushButton(_("Client &list"))
        self.list_button.setToolTip(_("All clients, to search and filter (Ctrl+Shift+C)"))
        self.list_button.clicked.connect(self.client_list_requested)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(scope_label)
        top.addWidget(self.scope)
        top.addWidget(self.list_button)
        self.note = quiet_label()
        self.note.hide()

        self.groups: dict[str, _Group] = {}
        # Two columns (drafts over actions, follow-ups over referrals); a short list takes the
        # height of its rows and leaves the rest of its column to the other.
        stacks = (QVBoxLayout(), QVBoxLayout())
        self._grid = grid = QHBoxLayout()
        grid.setSpacing(16)
        for stack in stacks:
            stack.setSpacing(12)
            grid.addLayout(stack, 1)
        specs = (
            ("drafts", _("Open drafts"), (_("Client"), _("Conversation model"), _("Last edit"))),
            ("follow_ups", _("Follow-up conversations"), (_("Planned for"), _("Client"), _("Conversation model"))),
            ("actions", _("Actions due"), (_("Due"), _("Client"), _("Action"), _("Who"))),
            ("referrals", _("Referrals waiting for feedback"), (_("Client"), _("Waiting"), _("Referred to"))),
        )
        for number, (key, name, columns) in enumerate(specs):
            group = self._group(key, name, columns)
            self.groups[key] = group
            stacks[number % 2].addWidget(group.box, 1)
            QShortcut(
                QKeySequence(f"Ctrl+{number + 1}"),
                self,
                activated=lambda key=key: self.focus_group(key),
                context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
            )
        for stack in stacks:
            stack.addStretch(0)  # what short lists leave
        self.hint = hint = quiet_label(
            _("Enter opens the client (or the draft). Tab moves to the next group; Ctrl+1 to Ctrl+4 jump to one.")
        )

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.note)
        layout.addLayout(grid, 1)
        layout.addWidget(hint)
        # Tab in reading order, as Ctrl+1 to Ctrl+4 count: drafts, follow-ups, actions, referrals.
        tables = [group.table for group in self.groups.values()]
        QWidget.setTabOrder(self.list_button, tables[0])
        for first, second in pairwise(tables):
            QWidget.setTabOrder(first, second)
        self.refresh()

    # -- building ------------------------------------------------------------------------------

    def _group(self, key: str, name: str, columns: tuple[str, ...]) -> _Group:
        model = QStandardItemModel(0, len(columns), self)
        model.setHorizontalHeaderLabels(list(columns))
        table = read_only_table(model, name, wrap=True)
        table.setObjectName(f"today_{key}")
        self._columns[table] = COLUMNS[key]
        for column, kind in enumerate(COLUMNS[key]):
            if kind == "when":
                table.setItemDelegateForColumn(column, self._when_delegate)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)  # only where a whole word has no room
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        table.installEventFilter(self)
        table.viewport().installEventFilter(self)  # narrower when the vertical scrollbar comes
        table.activated.connect(lambda index, table=table: self._activate(table, index.row()))
        heading = bold_label(QLabel(name), 1.1)
        heading.setBuddy(table)
        empty = quiet_label()
        empty.setObjectName(f"today_{key}_empty")
        more = quiet_label()
        more.hide()
        box = QWidget()
        inner = QVBoxLayout(box)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addWidget(heading)
        inner.addWidget(table, 1)
        inner.addWidget(empty)
        inner.addWidget(more)
        return _Group(key, heading, table, model, empty, more, box)

    # -- data ----------------------------------------------------------------------------------

    @property
    def mine(self) -> bool:
        return bool(self.scope.currentData())

    def refresh(self) -> None:
        """Read Today again (after a conversation, on coming back to the page)."""
        try:
            with self._db.transaction() as tx:
                mine = self.mine if allows(self.actor, Permission.VIEW_CONVERSATIONS) else None
                overview = today_overview(tx, self.actor, mine=mine, today=local_today())
        except BroadtalkError as error:
            self.note.setText(error.message)
            self.note.show()
            return
        self.overview = overview
        self._show(overview)

    def _show(self, today: Today) -> None:
        self.title.setText(_("Today, {date}").format(date=format_date(today.today, "full")))
        care = today.shows_conversations
        self.scope.setVisible(care)
        self.scope_label.setVisible(care)
        for key in ("drafts", "follow_ups", "actions"):
            self.groups[key].box.setVisible(care)
        self._grid.setStretch(0, 1 if care else 0)  # the referrals alone take the whole width
        self.hint.setText(
            _("Enter opens the client (or the draft). Tab moves to the next group; Ctrl+1 to Ctrl+4 jump to one.")
            if care
            else _("Enter opens the client.")
        )
        if not care:
            self.note.setText(
                _(
                    "Your role does not read conversations: Today shows the referrals of the whole practice "
                    "that are waiting for feedback."
                )
            )
        self.note.setVisible(not care)
        self._fill_drafts(today)
        self._fill_follow_ups(today)
        self._fill_actions(today)
        self._fill_referrals(today)

    def _fill(self, key: str, rows: list[tuple[str, int, list[QStandardItem]]], heading: str, empty: str, more: int):
        group = self.groups[key]
        group.model.removeRows(0, group.model.rowCount())
        for kind, row_id, items in rows:
            items[0].setData(kind, ROW_KIND)
            items[0].setData(row_id, ROW_ID)
            for item in items:
                item.setEditable(False)
            group.model.appendRow(items)
        group.heading.setText(heading)
        group.table.setAccessibleName(heading)
        group.table.setVisible(bool(rows))
        group.empty.setText(empty)
        group.empty.setVisible(not rows)
        group.more.setText(_("The first {n} are shown.").format(n=len(rows)))
        group.more.setVisible(more > 0)
        if rows:  # a current row for Enter; shown as selected only while the group has the focus
            group.table.selectionModel().setCurrentIndex(
                group.model.index(0, 0), QItemSelectionModel.SelectionFlag.NoUpdate
            )
            if group.table.hasFocus():
                group.table.selectRow(0)
        table_id = id(group.table)
        for measured in [measured for measured in self._natural_widths if measured[0] == table_id]:
            del self._natural_widths[measured]
        self._fit_columns(group.table, filled=True)

    def _group_of(self, table: QTableView) -> _Group:
        return next(group for group in self.groups.values() if group.table is table)

    @staticmethod
    def _fit_height(group: _Group) -> None:
        """A list of a few rows (or none) is as high as its rows; a longer one takes what its column has."""
        table = group.table
        rows = group.model.rowCount()
        policy = QSizePolicy.Policy
        if rows > FIT_ROWS:
            table.setMinimumHeight(0)
            table.setMaximumHeight(QWIDGETSIZE_MAX)
            group.box.setSizePolicy(policy.Preferred, policy.Expanding)
            return
        header = table.horizontalHeader().sizeHint().height()
        heights = sum(table.rowHeight(row) for row in range(rows)) or table.verticalHeader().defaultSectionSize()
        table.setFixedHeight(header + heights + 2 * table.frameWidth())
        group.box.setSizePolicy(policy.Preferred, policy.Maximum)

    @staticmethod
    def _text_width(table: QTableView, item: QStandardItem, text: str) -> int:
        font = item.data(Qt.ItemDataRole.FontRole)
        metrics = QFontMetrics(font) if font is not None else table.fontMetrics()
        return metrics.horizontalAdvance(text)

    def _natural_width(self, table: QTableView, column: int, kind: str | int) -> int:
        """As wide as the column's widest text (a "when": the wider of its date and its brackets);
        measured once per filling and font, not at every resize."""
        key = (id(table), column, kind, table.font().key())
        if key not in self._natural_widths:
            self._natural_widths[key] = self._measure_width(table, column, kind)
        return self._natural_widths[key]

    def _measure_width(self, table: QTableView, column: int, kind: str | int) -> int:
        model = table.model()
        assert isinstance(model, QStandardItemModel)
        margin = 2 * (table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1) + 2
        widest = table.horizontalHeader().sectionSizeHint(column)
        for row in range(model.rowCount()):
            item = model.item(row, column)
            if kind == "when":
                text = item.text()
                pieces = [BRACKETS.sub("", text).strip(), *BRACKETS.findall(text)]
                width = max(self._text_width(table, item, piece) for piece in pieces)
            else:
                width = self._text_width(table, item, item.text())
            widest = max(widest, width + margin)
        return widest

    def _fit_columns(self, table: QTableView, *, filled: bool = False) -> None:
        """Names and dates as wide as they are; the group's main text takes the room that is left
        and wraps over lines, and so do the others when the room is short (a narrow window, large
        type). Rows are as high as their wrapped texts. No sideways scrolling, no cut words."""
        if table not in self._columns:
            return
        header = table.horizontalHeader()
        em = table.fontMetrics().horizontalAdvance("M")
        kinds = self._columns[table]
        widths = [
            min(self._natural_width(table, column, kind), kind * em if isinstance(kind, int) else QWIDGETSIZE_MAX)
            for column, kind in enumerate(kinds)
        ]
        room = table.viewport().width()
        wrap = kinds.index("wrap")
        one_line = [
            self._natural_width(table, c, "fit") if kind == "when" else w
            for c, (kind, w) in enumerate(zip(kinds, widths, strict=True))
        ]
        if room - sum(w for c, w in enumerate(one_line) if c != wrap) >= min(widths[wrap], COMFORT_EM * em):
            widths = one_line  # room enough: the dates on one line, the main text (nearly) too
        others = sum(width for column, width in enumerate(widths) if column != wrap)
        if room - others < WRAP_MIN_EM * em:  # crowded: the names wrap too, the dates never
            widths = [w if kinds[c] == "when" else min(w, CROWDED_EM * em) for c, w in enumerate(widths)]
            others = sum(width for column, width in enumerate(widths) if column != wrap)
        widths[wrap] = max(room - others, 4 * em)
        resized = False
        for column, width in enumerate(widths):
            if header.sectionSize(column) != width:
                header.resizeSection(column, width)
                resized = True
        font = table.font().key()
        if not table.window().isVisible():
            # Filled before its window shows (at start-up): the rows are measured once the window
            # gives the table its width (the Resize of showing it), not at a width about to change.
            self._fitted_font.pop(id(table), None)
            return
        if not (resized or filled) and self._fitted_font.get(id(table)) == font:
            return  # the same widths and font: the rows wrap as they did
        self._fitted_font[id(table)] = font
        minimum = table.verticalHeader().defaultSectionSize()
        for row in range(table.model().rowCount()):
            height = max(minimum, table.sizeHintForRow(row) + ROW_PADDING)
            if table.rowHeight(row) != height:
                table.setRowHeight(row, height)
        self._fit_height(self._group_of(table))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            table = watched if isinstance(watched, QTableView) else watched.parent()
            if isinstance(table, QTableView) and table in self._columns and self.groups:
                self._fit_columns(table)
        # The current row shows as selected only in the group that has the focus: one blue row on the page.
        if isinstance(watched, QTableView) and event.type() in (QEvent.Type.FocusIn, QEvent.Type.FocusOut):
            if event.type() == QEvent.Type.FocusIn and watched.currentIndex().isValid():
                watched.selectRow(watched.currentIndex().row())
            elif event.type() == QEvent.Type.FocusOut:
                watched.clearSelection()
        return super().eventFilter(watched, event)

    @staticmethod
    def _item(text: str, overdue: bool = False, accessible: str | None = None) -> QStandardItem:
        item = QStandardItem(text)
        item.setToolTip(text)
        if overdue:
            item.setForeground(QBrush(OVERDUE_COLOUR))
            font = item.font()
            font.setBold(True)
            item.setFont(font)
        if accessible:
            item.setData(accessible, Qt.ItemDataRole.AccessibleTextRole)
        return item

    def _client_item(self, client) -> QStandardItem:
        item = self._item(
            client.sort_name,
            accessible=_("{name}, client number {number}").format(name=client.name, number=client.client_number),
        )
        item.setToolTip(_("{name}, client number {number}").format(name=client.name, number=client.client_number))
        return item

    def _fill_drafts(self, today: Today) -> None:
        rows = []
        for draft in today.drafts.items:
            model = draft.model_title
            if draft.amending:
                model = _("{model} (being amended)").format(model=model)
            rows.append(
                (
                    "conversation",
                    draft.conversation_id,
                    [
                        self._client_item(draft.client),
                        self._item(model),
                        self._item(format_datetime(draft.updated_at, "short")),
                    ],
                )
            )
        heading = _("Open drafts ({n})").format(n=count_text(today.drafts))
        self._fill("drafts", rows, heading, _("No open drafts."), today.drafts.more)

    @staticmethod
    def _when(day: date, today: Today) -> tuple[str, bool]:
        """The date with what it means today, in words: overdue, today, or the day of the week."""
        late = (today.today - day).days
        if late > 0:
            return when_overdue(day, late), True
        if late == 0:
            return _("{date} (today)").format(date=format_short_date(day)), False
        return _("{date} ({weekday})").format(date=format_short_date(day), weekday=format_date(day, "EEEE")), False

    def _dated_row(
        self, day: date, today: Today, client: ClientRef, *rest: QStandardItem
    ) -> tuple[str, int, list[QStandardItem]]:
        """A row that opens the client: the date in words (overdue in colour too), the client, the rest."""
        when, overdue = self._when(day, today)
        return "client", client.id, [self._item(when, overdue), self._client_item(client), *rest]

    def _fill_follow_ups(self, today: Today) -> None:
        rows = []
        # This week first (what to plan), then the overdue ones, the most recent first.
        for item in (*today.follow_ups_this_week.items, *today.overdue_follow_ups.items):
            rows.append(self._dated_row(item.follow_up_date, today, item.client, self._item(item.model_title)))
        heading = _("Follow-up conversations ({week} this week, {overdue} overdue)").format(
            week=count_text(today.follow_ups_this_week), overdue=count_text(today.overdue_follow_ups)
        )
        self._fill(
            "follow_ups",
            rows,
            heading,
            _("No follow-up conversations overdue or planned this week."),
            today.overdue_follow_ups.more + today.follow_ups_this_week.more,
        )

    def _fill_actions(self, today: Today) -> None:
        rows = []
        for action in today.actions.items:
            what = self._item(" ".join(action.what.split()))
            rows.append(self._dated_row(action.due_date, today, action.client, what, self._item(action.who)))
        heading = _("Actions ({soon} due within a week, {overdue} overdue)").format(
            soon=count_text(today.actions_soon), overdue=count_text(today.actions_overdue)
        )
        self._fill("actions", rows, heading, _("No actions overdue or due within a week."), today.actions.more)

    def _fill_referrals(self, today: Today) -> None:
        rows = []
        for referral in today.referrals.items:
            waiting = ngettext("{n} day", "{n} days", referral.days_waiting).format(n=referral.days_waiting)
            if referral.overdue:
                waiting = _("{days}, overdue").format(days=waiting)
            rows.append(
                (
                    "client",
                    referral.client.id,
                    [
                        self._client_item(referral.client),
                        self._item(waiting, referral.overdue),
                        self._item(
                            referral.recipient,
                            accessible=_("{recipient}, {reference}, {status}").format(
                                recipient=referral.recipient,
                                reference=referral.reference,
                                status=status_label(referral.status),
                            ),
                        ),
                    ],
                )
            )
        heading = _("Referrals waiting for feedback ({n}, {overdue} overdue)").format(
            n=count_text(today.referrals), overdue=today.referrals_overdue
        )
        self._fill("referrals", rows, heading, _("No referrals waiting for feedback."), today.referrals.more)

    # -- keyboard --------------------------------------------------------------------------------

    def visible_groups(self) -> list[_Group]:
        return [g for g in self.groups.values() if not g.box.isHidden()]

    def focus_group(self, key: str) -> None:
        group = self.groups[key]
        if group.box.isHidden():
            return
        if not group.table.isHidden():
            group.table.setFocus(Qt.FocusReason.ShortcutFocusReason)
            if not group.table.currentIndex().isValid() and group.model.rowCount():
                group.table.setCurrentIndex(group.model.index(0, 0))

    def focus_first(self) -> None:
        """The first group with something in it (else the first group)."""
        for group in self.visible_groups():
            if group.model.rowCount():
                self.focus_group(group.key)
                return
        self.scope.setFocus()

    def _activate(self, table: QTableView, row: int) -> None:
        index = table.model().index(row, 0)
        kind, row_id = index.data(ROW_KIND), index.data(ROW_ID)
        if kind == "conversation":
            self.conversation_requested.emit(int(row_id))
        elif kind == "client":
            self.client_requested.emit(int(row_id))
