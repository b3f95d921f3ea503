"""The client page: who the client is, the conversations held with them, what was agreed, and how
things moved.

The page reads everything through ``client_history`` in one transaction (the history and the
trends of the scores) and ticks actions off through ``set_action_done``; it never builds a query.
It does not open conversations itself: it asks, through signals, and the window that holds it
decides. Below the header the page scrolls; whatever gets the keyboard focus is scrolled into view.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from itertools import pairwise

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
from PySide6.QtGui import QAction, QColor, QFont, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from broadtalk.client_history import (
    AgreedAction,
    AgreedGoal,
    ClientHistory,
    ConversationEntry,
    FollowUp,
    ModelTrends,
    client_trends,
    visible_history,
)
from broadtalk.client_history import set_action_done as set_action_done_use_case
from broadtalk.clients import ClientRecord
from broadtalk.erasure import erase_client, finish_erasure
from broadtalk.errors import BroadtalkError
from broadtalk.i18n import _, current_language, format_date, format_short_date, ngettext, to_display_time
from broadtalk.permissions import Permission, allows
from broadtalk.practitioners import Actor, role_in_sentence
from broadtalk.store.database import Database
from broadtalk.ui.client_dialog import ClientDialog
from broadtalk.ui.client_summary_dialog import open_client_summary
from broadtalk.ui.common import read_only_table, run_use_case
from broadtalk.ui.gp_note_dialog import open_gp_note
from broadtalk.ui.referrals_panel import ClientReferrals, ReferralsPanel
from broadtalk.ui.trend_chart import TrendsPanel

Index = QModelIndex | QPersistentModelIndex
#: The id of the conversation, goal or action on a row.
ID_ROLE = Qt.ItemDataRole.UserRole
NO_VALUE = "–"
OVERDUE_COLOUR = "#9C1C1C"
WHO_MAX_WIDTH = 150
_MNEMONIC = re.compile(r"&(.)")


def _today() -> date:
    return to_display_time(datetime.now(UTC)).date()


def _one_line(text: str) -> str:
    """Several lines of text shown in one table cell (the tooltip shows them all)."""
    return " ".join(text.split())


def format_duration(seconds: int) -> str:
    if seconds <= 0:
        return NO_VALUE
    minutes = max(1, round(seconds / 60))
    if minutes < 60:
        return _("{minutes} min").format(minutes=minutes)
    return _("{hours} h {minutes} min").format(hours=minutes // 60, minutes=f"{minutes % 60:02d}")


def status_label(entry: ConversationEntry) -> str:
    return _("Completed") if entry.is_completed else _("Draft")


def format_day(value: date, today: date | None = None) -> str:
    """A day as people say it: 'di 8 december' (with the year when it is not this year's)."""
    today = today or _today()
    return format_date(value, "EEE d MMMM" if value.year == today.year else "EEE d MMMM y")


def follow_up_text(follow_up: FollowUp | None, today: date | None = None) -> str:
    """'Follow-up conversation: Tue 8 December', or that none was planned."""
    if follow_up is None:
        return _("No follow-up conversation planned.")
    today = today or _today()
    day = format_day(follow_up.follow_up_date, today)
    if follow_up.follow_up_date < today:
        return _("Follow-up conversation: {date} (the date has passed)").format(date=day)
    return _("Follow-up conversation: {date}").format(date=day)


# -- table models -------------------------------------------------------------------------------


class _RowsModel(QAbstractTableModel):
    """A read-only table over a tuple of plain values; subclasses give ``cell`` (as ``data``).

    What a cell shows is worked out once (dates formatted, lines joined) and kept until the rows
    change: a table whose rows grow to their wrapped text asks for every cell many times."""

    def __init__(self, headers: Callable[[], tuple[str, ...]], parent=None):
        super().__init__(parent)
        self._headers = headers
        self._header_texts: tuple[str, tuple[str, ...]] = ("", ())
        self._rows: tuple = ()
        self._texts: dict[tuple[int, int, int], object] = {}

    def set_rows(self, rows: tuple) -> None:
        self.beginResetModel()
        self._rows = rows
        self._texts.clear()
        self.endResetModel()

    def cell(self, index: Index, role: int):
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        key = (index.row(), index.column(), int(role))
        if key not in self._texts:
            self._texts[key] = self.cell(index, role)
        return self._texts[key]

    def forget_row(self, row: int) -> None:
        """The row's kept texts, to be formatted anew (its value changed)."""
        for key in [key for key in self._texts if key[0] == row]:
            del self._texts[key]

    def row_at(self, row: int):
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._header_tuple())

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._header_tuple()[section]
        return None

    def _header_tuple(self) -> tuple[str, ...]:
        # Asked for at every pass of the layout: translated once per language.
        language = current_language()
        if self._header_texts[0] != language:
            self._header_texts = (language, self._headers())
        return self._header_texts[1]


class ConversationHistoryModel(_RowsModel):
    """The client's conversations, newest first: date, model, status, practitioner, duration."""

    def __init__(self, parent=None):
        super().__init__(
            lambda: (_("Date"), _("Conversation model"), _("Status"), _("Practitioner"), _("Duration")), parent
        )

    def conversation_at(self, row: int) -> ConversationEntry | None:
        return self.row_at(row)

    def cell(self, index: Index, role: int):
        entry: ConversationEntry | None = self.row_at(index.row())
        if entry is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                format_short_date(entry.started_at),
                entry.model_title,
                status_label(entry),
                entry.practitioner_name or NO_VALUE,
                format_duration(entry.duration_seconds),
            )[column]
        if role == Qt.ItemDataRole.ToolTipRole and column == 1:
            return entry.model_title
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 4:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and column == 2 and not entry.is_completed:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return _("{date}: {model}, {status}, {practitioner}").format(
                date=format_short_date(entry.started_at),
                model=entry.model_title,
                status=status_label(entry),
                practitioner=entry.practitioner_name or NO_VALUE,
            )
        if role == ID_ROLE:
            return entry.id
        return None


class GoalsModel(_RowsModel):
    """The goals agreed with the client: goal, domain, date of the conversation."""

    def __init__(self, parent=None):
        super().__init__(lambda: (_("Goal"), _("Domain"), _("Agreed on")), parent)

    def cell(self, index: Index, role: int):
        goal: AgreedGoal | None = self.row_at(index.row())
        if goal is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                _one_line(goal.description),
                goal.domain_title,
                format_short_date(goal.conversation_started_at),
            )[column]
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return goal.description
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return _("Goal: {goal}; agreed on {date}").format(
                goal=_one_line(goal.description), date=format_short_date(goal.conversation_started_at)
            )
        if role == ID_ROLE:
            return goal.id
        return None


class ActionsModel(_RowsModel):
    """The agreed actions: done (a check box), what, domain, who, by when, from which conversation.

    Ticking the box calls ``set_done(action_id, done)``, which stores it and returns the stored
    action (None when it could not be stored: the box then stays as it was).
    """

    DONE, WHAT, DOMAIN, WHO, DUE, FROM = range(6)

    def __init__(self, set_done: Callable[[int, bool], AgreedAction | None], parent=None):
        super().__init__(
            lambda: (_("Done"), _("Action"), _("Domain"), _("Who"), _("By when"), _("From conversation")), parent
        )
        self._set_done = set_done
        self._today = _today()

    def set_rows(self, rows: tuple) -> None:
        self._today = _today()
        super().set_rows(rows)

    def action_at(self, row: int) -> AgreedAction | None:
        return self.row_at(row)

    @property
    def open_count(self) -> int:
        return sum(1 for action in self._rows if not action.done)

    def _overdue(self, action: AgreedAction) -> bool:
        return not action.done and action.due_date is not None and action.due_date < self._today

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == self.DONE:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def cell(self, index: Index, role: int):
        action: AgreedAction | None = self.row_at(index.row())
        if action is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.CheckStateRole and column == self.DONE:
            return Qt.CheckState.Checked if action.done else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.DONE:
                return None
            return (
                None,
                _one_line(action.what),
                action.domain_title,
                action.who,
                format_short_date(action.due_date) if action.due_date else "",
                format_short_date(action.conversation_started_at),
            )[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.WHAT:
                return action.what
            if column == self.DOMAIN and action.domain_title:
                return action.domain_title
            if column == self.DUE and self._overdue(action):
                return _("The date has passed and the action is still open.")
        if role == Qt.ItemDataRole.FontRole and column == self.WHAT and action.done:
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole:
            if action.done and column != self.DONE:
                return QPalette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
            if column == self.DUE and self._overdue(action):
                return QColor(OVERDUE_COLOUR)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._accessible_text(action)
        if role == ID_ROLE:
            return action.id
        return None

    def _accessible_text(self, action: AgreedAction) -> str:
        if action.done:
            text = _("Done: {what}").format(what=_one_line(action.what))
        elif action.due_date is not None:
            text = _("Open: {what}; who: {who}; by {date}").format(
                what=_one_line(action.what), who=action.who or NO_VALUE, date=format_short_date(action.due_date)
            )
        else:
            text = _("Open: {what}; who: {who}").format(what=_one_line(action.what), who=action.who or NO_VALUE)
        if action.domain_title:
            text += "; " + _("domain: {domain}").format(domain=action.domain_title)
        return text

    def setData(self, index: Index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        action = self.row_at(index.row())
        if action is None or role != Qt.ItemDataRole.CheckStateRole or index.column() != self.DONE:
            return False
        state = value.value if isinstance(value, Qt.CheckState) else int(value)
        stored = self._set_done(action.id, state == Qt.CheckState.Checked.value)
        if stored is None:
            return False
        # The row stays where it is until the page is shown again: a row jumping away under the
        # cursor would make the next key press tick the wrong action.
        rows = list(self._rows)
        rows[index.row()] = stored
        self._rows = tuple(rows)
        self.forget_row(index.row())
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), self.columnCount() - 1))
        return True


# -- the page -----------------------------------------------------------------------------------


class _RoomyDelegate(QStyledItemDelegate):
    """Rows with some air above and below the text: wrapped lines do not touch the grid."""

    PADDING = 8

    def sizeHint(self, option, index) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(hint.width(), hint.height() + self.PADDING)


def _table(model: QAbstractTableModel, accessible_name: str, stretch_column: int, *, wrap: bool = False) -> QTableView:
    """A keyboard-friendly, read-only table; ``wrap`` shows long texts whole, over several lines."""
    table = read_only_table(model, accessible_name, stretch_column=stretch_column, wrap=wrap)
    if wrap:
        table.setItemDelegate(_RoomyDelegate(table))
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


class _Section(QWidget):
    """A heading (whose mnemonic focuses the table), a table, and a calm sentence while it is empty."""

    def __init__(self, heading: str, table: QTableView, empty_text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self._heading_text = heading
        self.heading = QLabel(heading)
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.heading.setFont(font)
        self.heading.setBuddy(table)
        self.note = QLabel()  # a count beside the heading, e.g. "3 open actions"
        self.note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.table = table
        self.empty = QLabel(empty_text)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.empty.setContentsMargins(2, 6, 2, 6)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(table)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.heading)
        top.addSpacing(8)
        top.addWidget(self.note)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)

    def set_empty(self, empty: bool) -> None:
        self.stack.setCurrentWidget(self.empty if empty else self.table)
        # The heading's mnemonic jumps to the table; without a table there is nothing to jump to.
        self.heading.setText(self._heading_text if not empty else _MNEMONIC.sub(r"\1", self._heading_text))
        self.heading.setBuddy(self.table if not empty else None)

    @property
    def is_empty(self) -> bool:
        return self.stack.currentWidget() is self.empty


class _TrendsSection(QWidget):
    """How things moved: a heading whose mnemonic reaches the trends, the panel, or a calm sentence."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._heading_text = _("How &things moved")
        self.heading = QLabel(self._heading_text)
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.heading.setFont(font)
        self.panel = TrendsPanel()
        self.panel.setAccessibleName(_("How things moved"))
        self.empty = QLabel(
            _("No scores yet. After a conversation with scores, this shows per domain how the scores moved.")
        )
        self.empty.setWordWrap(True)
        self.empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.empty.setContentsMargins(2, 6, 2, 6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.heading)
        layout.addWidget(self.empty)
        layout.addWidget(self.panel)
        self.panel.model_changed.connect(self._update_buddy)

    def set_trends(self, trends: tuple[ModelTrends, ...]) -> None:
        self.panel.set_trends(trends)
        self.empty.setVisible(not trends)
        self.panel.setVisible(bool(trends))
        self._update_buddy()

    def _update_buddy(self, _model_id: str = "") -> None:
        first = self.panel.first_focus_widget() if self.panel.trends else None
        self.heading.setText(self._heading_text if first is not None else _MNEMONIC.sub(r"\1", self._heading_text))
        self.heading.setBuddy(first)

    @property
    def is_empty(self) -> bool:
        return not self.panel.trends


class ClientPage(QWidget):
    """One client: header, conversation history, goals and actions, referrals, how things moved."""

    start_conversation_requested = Signal(int)
    open_conversation_requested = Signal(int)
    client_changed = Signal(int)
    client_erased = Signal(int)
    back_requested = Signal()

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self._history: ClientHistory | None = None
        self.client_dialog: ClientDialog | None = None

        self.back_button = QPushButton(_("&Back to the list"))
        self.back_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_ArrowBack))
        self.back_button.setToolTip(_("Back to the client list (Esc or Alt+Left)"))
        self.back_button.setAutoDefault(False)
        self.back_button.clicked.connect(self.back_requested)

        self.name_label = QLabel()
        self.name_label.setObjectName("clientName")
        font = self.name_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.6)
        self.name_label.setFont(font)
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_label = QLabel()
        self.details_label.setObjectName("clientDetails")
        self.details_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.contact_label = QLabel()
        self.contact_label.setObjectName("clientContact")
        self.contact_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.contact_label.setWordWrap(True)
        self.contact_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.follow_up_label = QLabel()
        self.follow_up_label.setObjectName("clientFollowUp")
        self.follow_up_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.new_conversation_button = QPushButton(_("&New conversation"))
        self.new_conversation_button.setAutoDefault(False)
        self.new_conversation_button.clicked.connect(self._request_new_conversation)
        self.edit_button = QPushButton(_("&Edit details"))
        self.edit_button.setAutoDefault(False)
        self.edit_button.clicked.connect(self.edit_client)
        self.erase_button = QPushButton(_("Erase cl&ient…"))
        self.erase_button.setAutoDefault(False)
        self.erase_button.setToolTip(_("Erase the client and everything recorded about them, for good"))
        self.erase_button.clicked.connect(self.erase)
        self.erase_button.setVisible(allows(actor, Permission.ERASE_CLIENTS))
        self.record_button = QPushButton(_("Export the record as &a file…"))
        self.record_button.setAutoDefault(False)
        self.record_button.setToolTip(
            _("Everything recorded about the client as one FHIR file: for the client's right of access, or a move")
        )
        self.record_button.clicked.connect(self.export_record)
        self.record_button.setVisible(allows(actor, Permission.VIEW_CONVERSATIONS))
        self.new_conversation_button.setVisible(allows(actor, Permission.HOLD_CONVERSATIONS))
        self.edit_button.setVisible(allows(actor, Permission.EDIT_CLIENTS))
        # Roles that may not read conversations see who the client is and the referrals' status.
        self.role_note = QLabel(
            _("As {role} you see the client's details and referrals; conversations are for the care roles.").format(
                role=role_in_sentence(actor.role)
            )
        )
        self.role_note.setWordWrap(True)
        self.role_note.setVisible(not allows(actor, Permission.VIEW_CONVERSATIONS))

        self.conversations_model = ConversationHistoryModel(self)
        self.conversations_table = _table(self.conversations_model, _("Conversations"), 1)
        self.conversations_table.activated.connect(self._open_conversation)  # Enter, double-click
        self.conversations_section = _Section(
            _("&Conversations"),
            self.conversations_table,
            _("No conversations yet. Start one with the button 'New conversation'."),
        )
        # A row for what can be done with the chosen conversation (e.g. a note for the GP, the
        # client's summary): filled by the window through add_conversation_action; hidden while empty.
        self.conversation_actions = QWidget()
        self.conversation_actions_row = QHBoxLayout(self.conversation_actions)
        self.conversation_actions_row.setContentsMargins(0, 0, 0, 0)
        self.conversation_actions_row.setSpacing(8)
        self.conversation_actions_row.addStretch(1)
        self.conversation_actions.hide()
        self._conversation_action_buttons: list[QPushButton] = []
        self.goals_model = GoalsModel(self)
        self.goals_table = _table(self.goals_model, _("Goals"), 0, wrap=True)
        self.goals_section = _Section(
            _("&Goals"), self.goals_table, _("No goals agreed yet. Goals are agreed at the end of a conversation.")
        )
        self.actions_model = ActionsModel(self._store_done, self)
        self.actions_table = _table(self.actions_model, _("Actions"), ActionsModel.WHAT, wrap=True)
        self.actions_table.horizontalHeader().setSectionResizeMode(ActionsModel.WHO, QHeaderView.ResizeMode.Interactive)
        self.actions_model.dataChanged.connect(self._update_action_count)
        self.actions_section = _Section(
            _("&Actions"),
            self.actions_table,
            _("No actions agreed yet. Actions say what will be done, by whom and by when."),
        )
        self.referrals_panel = ReferralsPanel(db, actor)
        self.trends_section = _TrendsSection()
        self.trends_panel = self.trends_section.panel
        self.trends_panel.model_changed.connect(self._trends_model_changed)

        header_text = QVBoxLayout()
        header_text.setSpacing(4)
        header_text.addWidget(self.name_label)
        header_text.addWidget(self.details_label)
        header_text.addWidget(self.contact_label)
        header_text.addWidget(self.follow_up_label)
        header_buttons = QHBoxLayout()
        header_buttons.setSpacing(8)
        header_buttons.addWidget(self.new_conversation_button)
        header_buttons.addWidget(self.edit_button)
        header_buttons.addWidget(self.record_button)
        header_buttons.addWidget(self.erase_button)
        header = QHBoxLayout()
        header.addLayout(header_text, 1)
        header.addLayout(header_buttons)
        header.setAlignment(header_buttons, Qt.AlignmentFlag.AlignTop)

        agreed = QHBoxLayout()
        agreed.setSpacing(18)
        agreed.addWidget(self.goals_section, 2)
        agreed.addWidget(self.actions_section, 3)

        back_row = QHBoxLayout()
        back_row.addWidget(self.back_button)
        back_row.addStretch(1)

        # The sections keep a readable height; below the header the page scrolls.
        self.conversations_section.setMinimumHeight(170)
        self.goals_section.setMinimumHeight(200)
        self.actions_section.setMinimumHeight(200)
        self.referrals_panel.setMinimumHeight(200)
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 4, 0)
        body_layout.setSpacing(14)
        body_layout.addWidget(self.role_note)
        body_layout.addWidget(self.conversations_section, 2)
        body_layout.addWidget(self.conversation_actions)
        body_layout.addLayout(agreed, 3)
        body_layout.addWidget(self.referrals_panel, 2)
        body_layout.addWidget(self.trends_section)
        if not allows(actor, Permission.VIEW_CONVERSATIONS):  # the referrals take the room
            body_layout.setStretchFactor(self.conversations_section, 0)
            body_layout.setStretchFactor(agreed, 0)
        self.scroll = QScrollArea()
        self.scroll.setWidget(body)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 16)
        layout.setSpacing(14)
        layout.addLayout(back_row)
        layout.addLayout(header)
        layout.addWidget(self.scroll, 1)
        self._chain_tab_order()

        back = QAction(_("Back to the list"), self)
        back.setShortcuts([QKeySequence(Qt.Key.Key_Escape), QKeySequence(Qt.Modifier.ALT | Qt.Key.Key_Left)])
        back.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        back.triggered.connect(self.back_requested)
        self.addAction(back)
        if allows(actor, Permission.VIEW_CONVERSATIONS):
            self.gp_note_button = QPushButton(_("GP &journal note…"))
            self.gp_note_button.setToolTip(_("The chosen conversation as a SOEP entry for the GP's record"))
            self.gp_note_button.clicked.connect(self._open_gp_note)
            self.add_conversation_action(self.gp_note_button)
            self.summary_button = QPushButton(_("Summar&y for the client…"))
            self.summary_button.setToolTip(_("One page in plain words for the client to take home"))
            self.summary_button.clicked.connect(self._open_client_summary)
            self.add_conversation_action(self.summary_button)

    def _chosen_conversation_id(self) -> int | None:
        conversation = self.current_conversation()
        if conversation is None:
            QMessageBox.information(self, _("Choose a conversation"), _("Choose a completed conversation first."))
            return None
        return conversation.id

    def _open_gp_note(self) -> None:
        conversation_id = self._chosen_conversation_id()
        if conversation_id is not None:
            open_gp_note(self, self._db, self._actor, conversation_id)

    def _open_client_summary(self) -> None:
        conversation_id = self._chosen_conversation_id()
        if conversation_id is not None:
            open_client_summary(self, self._db, self._actor, conversation_id)

    def _chain_tab_order(self) -> None:
        order = (
            self.back_button,
            self.new_conversation_button,
            self.edit_button,
            self.record_button,
            self.erase_button,
            self.conversations_table,
            *self._conversation_action_buttons,
            self.goals_table,
            self.actions_table,
            self.referrals_panel.new_button,
            self.referrals_panel.table,
            *self.referrals_panel.buttons[1:],
            *self.trends_panel.focus_widgets(),
        )
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)
        # Whatever in the scrolling part gets the keyboard focus is scrolled into view (a
        # mnemonic, Tab, a click): the page watches those widgets' focus.
        body = self.scroll.widget()
        for widget in order:
            if body is not None and body.isAncestorOf(widget):
                widget.installEventFilter(self)

    def _trends_model_changed(self, _model_id: str) -> None:
        self._chain_tab_order()  # the domains' charts and tables are new

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn and isinstance(watched, QWidget):
            self._scroll_to_focus(watched)
        return super().eventFilter(watched, event)

    def _scroll_to_focus(self, new: QWidget) -> None:
        body = self.scroll.widget()
        if body is None or not body.isAncestorOf(new):
            return
        # A tall widget (a table) is scrolled to its top, not to its middle; a section's first
        # field (a heading's buddy) with its heading above it.
        margin = 16
        top = new.mapTo(body, new.rect().topLeft()).y()
        bar = self.scroll.verticalScrollBar()
        viewport = self.scroll.viewport().height()
        if top < bar.value() + margin or top + min(new.height(), viewport) > bar.value() + viewport:
            heading = next((label for label in body.findChildren(QLabel) if label.buddy() is new), None)
            if heading is not None:
                top = min(top, heading.mapTo(body, heading.rect().topLeft()).y())
            bar.setValue(max(0, top - margin))

    # -- conversation actions -------------------------------------------------------------------

    def add_conversation_action(self, button: QPushButton) -> None:
        """Put a button in the row under the conversations (it acts on ``current_conversation``)."""
        button.setAutoDefault(False)
        self.conversation_actions_row.insertWidget(len(self._conversation_action_buttons), button)
        self._conversation_action_buttons.append(button)
        self.conversation_actions.show()
        self._chain_tab_order()

    def current_conversation(self) -> ConversationEntry | None:
        """The conversation under the cursor in the conversations table."""
        index = self.conversations_table.currentIndex()
        return self.conversations_model.conversation_at(index.row()) if index.isValid() else None

    # -- showing ------------------------------------------------------------------------------

    @property
    def client(self) -> ClientRecord | None:
        return self._history.client if self._history is not None else None

    @property
    def history(self) -> ClientHistory | None:
        return self._history

    def _read(self, client_id: int) -> tuple[ClientHistory, tuple[ModelTrends, ...], ClientReferrals] | None:
        """The client's history, how their scores moved and their referrals, in one transaction."""

        def read(tx) -> tuple[ClientHistory, tuple[ModelTrends, ...], ClientReferrals]:
            history = visible_history(tx, self._actor, client_id)
            reads = allows(self._actor, Permission.VIEW_CONVERSATIONS)
            trends = client_trends(tx, self._actor, client_id) if reads else ()
            return history, trends, self.referrals_panel.read_client(tx, client_id)

        return run_use_case(self, self._db, read)

    def show_client(self, client_id: int) -> bool:
        """Show this client; False (after saying why) when the client cannot be read."""
        read = self._read(client_id)
        if read is None:
            return False
        history, trends, referrals = read
        self._show(history, trends)
        self.scroll.verticalScrollBar().setValue(0)
        self.referrals_panel.show_client(client_id, referrals)
        if history.conversations:
            self.conversations_table.setCurrentIndex(self.conversations_model.index(0, 0))
            self.conversations_table.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.new_conversation_button.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def refresh(self) -> None:
        """Read the shown client again (after a conversation was held or changed elsewhere)."""
        if self._history is None:
            return
        read = self._read(self._history.client.id)
        if read is not None:
            current = self.conversations_table.currentIndex()
            history, trends, referrals = read
            self._show(history, trends)
            self.referrals_panel.fill(referrals)
            if current.isValid() and current.row() < self.conversations_model.rowCount():
                self.conversations_table.setCurrentIndex(self.conversations_model.index(current.row(), 0))

    def _show(self, history: ClientHistory, trends: tuple[ModelTrends, ...] = ()) -> None:
        self._history = history
        client = history.client
        self.name_label.setText(client.name)
        age = client.age_on(_today())
        self.details_label.setText(
            ngettext(
                "Client number {number} · born {date} ({age} year)",
                "Client number {number} · born {date} ({age} years)",
                age,
            ).format(number=client.client_number, date=format_short_date(client.birth_date), age=age)
        )
        place = " ".join(part for part in (client.postal_code, client.city) if part)
        contact = [part for part in (client.phone, client.email, client.address, place) if part]
        self.contact_label.setText("  ·  ".join(contact))
        self.contact_label.setVisible(bool(contact))
        self.setAccessibleName(client.name)
        reads_conversations = allows(self._actor, Permission.VIEW_CONVERSATIONS)
        self.follow_up_label.setText(follow_up_text(history.follow_up))
        self.follow_up_label.setVisible(reads_conversations and bool(history.conversations))

        self.conversations_model.set_rows(history.conversations)
        self.conversations_section.set_empty(not history.conversations)
        self.goals_model.set_rows(history.goals)
        self.goals_section.set_empty(not history.goals)
        self.actions_model.set_rows(history.actions)
        self.actions_section.set_empty(not history.actions)
        for section in (self.conversations_section, self.goals_section, self.actions_section, self.trends_section):
            section.setVisible(reads_conversations)
        self.conversation_actions.setVisible(reads_conversations and bool(self._conversation_action_buttons))
        self.trends_section.set_trends(trends)
        self._chain_tab_order()
        # 'Who' is as wide as its texts, up to a limit: the action itself needs the room most.
        self.actions_table.resizeColumnToContents(ActionsModel.WHO)
        if self.actions_table.columnWidth(ActionsModel.WHO) > WHO_MAX_WIDTH:
            self.actions_table.setColumnWidth(ActionsModel.WHO, WHO_MAX_WIDTH)
        self._update_action_count()

    def _update_action_count(self, *_args) -> None:
        total = self.actions_model.rowCount()
        open_count = self.actions_model.open_count
        self.actions_section.note.setText(
            ngettext("{n} open", "{n} open", open_count).format(n=open_count) if total else ""
        )

    # -- acting -------------------------------------------------------------------------------

    def _request_new_conversation(self) -> None:
        if self._history is not None:
            self.start_conversation_requested.emit(self._history.client.id)

    def _open_conversation(self, index: QModelIndex) -> None:
        entry = self.conversations_model.conversation_at(index.row())
        if entry is not None:
            self.open_conversation_requested.emit(entry.id)

    def edit_client(self) -> None:
        """Open the client dialog (window-modal); on save the page shows the new details."""
        if self._history is None:
            return
        dialog = ClientDialog(self._db, self._actor, self._history.client, self)
        dialog.accepted.connect(self._client_saved)
        dialog.finished.connect(dialog.deleteLater)
        self.client_dialog = dialog
        dialog.open()

    def _client_saved(self) -> None:
        dialog = self.client_dialog
        self.client_dialog = None
        if dialog is None or dialog.saved_client is None:
            return
        self.refresh()
        self.client_changed.emit(dialog.saved_client.id)
        self.edit_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def export_record(self) -> None:
        """The client's whole record to a FHIR file (logged)."""
        from broadtalk.ui.record_files import export_record_to_file

        if self._history is not None:
            client = self._history.client
            export_record_to_file(self, self._db, self._actor, client.id, client.client_number)

    def erase(self) -> None:
        """Erase the shown client for good, after a plain confirmation."""
        if self._history is None:
            return
        client = self._history.client
        answer = QMessageBox.warning(
            self,
            _("Erase client"),
            _(
                "Erase {name} (client number {number}) and everything recorded about them: conversations, goals, "
                "actions, referrals, consents? This cannot be undone. The audit trail keeps that it was done; "
                "backups made before still hold the client until they are removed."
            ).format(name=client.name, number=client.client_number),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            with self._db.transaction() as tx:
                report = erase_client(tx, self._actor, client.id)
            # Done only when no copy of the erased pages stays behind (the log folded into the file).
            unfinished = finish_erasure(self._db, report)
        except BroadtalkError as error:
            QMessageBox.warning(self, _("The client was not erased"), error.message)
            return
        self._history = None
        self.client_erased.emit(client.id)
        if unfinished is not None:  # erased in the database; another broadtalk still holds old pages
            QMessageBox.warning(self.window(), _("The erasure is not finished yet"), unfinished)

    def _store_done(self, action_id: int, done: bool) -> AgreedAction | None:
        stored = run_use_case(self, self._db, lambda tx: set_action_done_use_case(tx, self._actor, action_id, done))
        if stored is None:
            # The action could not be stored (removed elsewhere?): show what is there now.
            QTimer.singleShot(0, self.refresh)
        return stored
