"""The closing step: what matters most, the client's order of domains, goals, actions, follow-up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from broadtalk.clients import parse_date
from broadtalk.conversations import ActionView, ConversationSnapshot, GoalView
from broadtalk.forms.schema import ConversationModel
from broadtalk.i18n import _, format_date, format_short_date, ngettext, pick
from broadtalk.ui.common import ErrorLabel
from broadtalk.ui.conversation.domain_page import heading
from broadtalk.ui.conversation.item_editors import ItemForm, TextBox

#: The calm second line of an entry in the list of actions: its life domain, or the hint.
DETAIL_ROLE = Qt.ItemDataRole.UserRole + 1


def distance_in_words(days: int) -> str:
    """'today', 'in 3 days', 'in 6 weeks': how far a day lies from the conversation."""
    if days == 0:
        return _("the day of the conversation")
    if days < 14 or days % 7:
        return ngettext("in {n} day", "in {n} days", days).format(n=days)
    weeks = days // 7
    return ngettext("in {n} week", "in {n} weeks", weeks).format(n=weeks)


class DetailLineDelegate(QStyledItemDelegate):
    """An entry on two lines: its text as usual, and under it a smaller line in the palette's calm
    placeholder colour (``DETAIL_ROLE``). A screen reader reads both (``AccessibleTextRole``)."""

    PADDING = 6

    def _detail_font(self, option: QStyleOptionViewItem) -> QFont:
        font = QFont(option.font)
        font.setPointSizeF(font.pointSizeF() * 0.9)
        return font

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        hint = super().sizeHint(option, index)
        detail = index.data(DETAIL_ROLE)
        if not detail:
            return hint
        metrics = QFontMetrics(self._detail_font(option))
        width = max(hint.width(), metrics.horizontalAdvance(detail) + 2 * self.PADDING)
        return QSize(width, hint.height() + metrics.height() + self.PADDING)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        detail = index.data(DETAIL_ROLE)
        if not detail:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        rect = opt.rect.adjusted(self.PADDING, self.PADDING // 2, -self.PADDING, -self.PADDING // 2)
        main_height = QFontMetrics(opt.font).height()
        painter.save()
        painter.setFont(opt.font)
        painter.setPen(opt.palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text))
        top = rect.adjusted(0, 0, 0, -(rect.height() - main_height))
        painter.drawText(top, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        font = self._detail_font(opt)
        painter.setFont(font)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.PlaceholderText
        painter.setPen(opt.palette.color(role))
        bottom = rect.adjusted(0, main_height, 0, 0)
        elided = QFontMetrics(font).elidedText(detail, Qt.TextElideMode.ElideRight, bottom.width())
        painter.drawText(bottom, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, elided)
        painter.restore()


V = TypeVar("V", GoalView, ActionView)


@dataclass(frozen=True)
class _EntryFields:
    """The fields under a list of goals or of actions: they add a new entry, or hold the chosen one
    while it is changed (one way for both lists)."""

    first: QLineEdit
    button: QPushButton
    hint: QLabel
    cancel: QPushButton
    error: ErrorLabel
    adding: str  # the button's text, and the first field's accessible name, for a new entry
    new_name: str
    saving: str  # the same while an entry is changed, and the hint that says how to leave it
    changing_name: str
    hint_text: str


class ClosingPage(QScrollArea):
    what_matters_changed = Signal(str)
    follow_up_changed = Signal(object)  # date | None
    ranking_changed = Signal(list)
    add_goal_requested = Signal(str, object)  # description, domain id | None
    remove_goal_requested = Signal(int)
    update_goal_requested = Signal(int, str, object)  # goal id, description, domain id | None
    add_action_requested = Signal(str, str, object, object, object)  # what, who, due date, goal id, domain id
    remove_action_requested = Signal(int)
    #: action id, what, who, due date, goal id, domain id
    update_action_requested = Signal(int, str, str, object, object, object)

    def __init__(self, model: ConversationModel, parent: QWidget | None = None):
        super().__init__(parent)
        self._model = model
        self._loading = False
        self._started: date | None = None
        self._goal_domains: dict[int, str | None] = {}
        self._own_action_domain: str | None = None  # chosen for an action without a goal
        self._showing_goal_domain = False
        self._read_only = False
        self._goal_views: dict[int, GoalView] = {}
        self._action_views: dict[int, ActionView] = {}
        self.editing_goal: int | None = None  # the goal shown in the fields to be changed
        self.editing_action: int | None = None
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(10)
        layout.addWidget(heading(_("Closing: what matters, and what we agree")))
        if model.closing.prompts:
            prompts = QLabel("\n".join(_("• {prompt}").format(prompt=pick(p)) for p in model.closing.prompts))
            prompts.setWordWrap(True)
            font = prompts.font()
            font.setItalic(True)
            prompts.setFont(font)
            layout.addWidget(prompts)

        matters_label = heading(_("What &matters most to the client"), 1.1)
        self.what_matters = TextBox()
        self.what_matters.setAccessibleName(_("What matters most to the client"))
        matters_label.setBuddy(self.what_matters)
        self.what_matters.textChanged.connect(self._what_matters_edited)
        self.what_matters_error = ErrorLabel()
        layout.addWidget(matters_label)
        layout.addWidget(self.what_matters)
        layout.addWidget(self.what_matters_error)

        self.ranking: QListWidget | None = None
        if model.closing.rank_domains:
            layout.addWidget(heading(_("What does the client want to work on first?"), 1.1))
            hint = QLabel(
                _(
                    "Tick the domains in the order the client names them: the first ticked is number 1. "
                    "Ctrl+Up and Ctrl+Down move a ticked domain."
                )
            )
            hint.setWordWrap(True)
            layout.addWidget(hint)
            self.ranking = QListWidget()
            self.ranking.setAccessibleName(_("Order of domains to work on"))
            self.ranking.itemChanged.connect(self._ranking_ticked)
            move = QHBoxLayout()
            up = QPushButton(_("Move &up"))
            down = QPushButton(_("Move &down"))
            up.clicked.connect(lambda: self._move(-1))
            down.clicked.connect(lambda: self._move(1))
            self.ranking.installEventFilter(self)
            move.addWidget(up)
            move.addWidget(down)
            move.addStretch(1)
            layout.addWidget(self.ranking)
            layout.addLayout(move)

        # Goals
        layout.addWidget(heading(_("Goals"), 1.1))
        self.goals = QListWidget()
        self.goals.setAccessibleName(_("Agreed goals"))
        self.goals.setAccessibleDescription(_("F2 or Enter changes the chosen goal."))
        self.goals.setMaximumHeight(140)
        self.goals.itemActivated.connect(lambda _item: self._edit_goal())
        self.goals.installEventFilter(self)
        layout.addWidget(self.goals)
        self.edit_goal_button, self.remove_goal_button = self._list_buttons(
            layout, _("Change goal (F2)"), self._edit_goal, _("Remove goal"), self._remove_goal
        )
        goal_row = QHBoxLayout()
        self.goal_text = QLineEdit()
        self.goal_text.setPlaceholderText(_("A goal in the client's words"))
        self.goal_text.setAccessibleName(_("New goal"))
        self.goal_domain = QComboBox()
        self.goal_domain.setAccessibleName(_("Domain of the new goal"))
        self.goal_domain.addItem(_("(no domain)"), None)
        for domain in model.domains:
            self.goal_domain.addItem(pick(domain.title), domain.id)
        self.add_goal_button = QPushButton(_("Add &goal"))
        self.cancel_goal_button = QPushButton(_("Cancel"))
        self.cancel_goal_button.hide()
        self.goal_text.returnPressed.connect(self._add_goal)
        self.add_goal_button.clicked.connect(self._add_goal)
        self.cancel_goal_button.clicked.connect(self.cancel_goal_edit)
        for widget in (self.goal_text, self.goal_domain):
            widget.installEventFilter(self)
        goal_row.addWidget(self.goal_text, 3)
        goal_row.addWidget(self.goal_domain, 2)
        goal_row.addWidget(self.add_goal_button)
        goal_row.addWidget(self.cancel_goal_button)
        layout.addLayout(goal_row)
        self.goal_editing_hint = QLabel()
        self.goal_editing_hint.setWordWrap(True)
        self.goal_editing_hint.hide()
        layout.addWidget(self.goal_editing_hint)
        self.goal_error = ErrorLabel()
        layout.addWidget(self.goal_error)

        # Actions
        layout.addWidget(heading(_("Agreed actions"), 1.1))
        self.actions = QListWidget()
        self.actions.setAccessibleName(_("Agreed actions"))
        self.actions.setAccessibleDescription(_("F2 or Enter changes the chosen action."))
        self.actions.setItemDelegate(DetailLineDelegate(self.actions))
        self.actions.setSpacing(1)
        self.actions.setMaximumHeight(180)
        self.actions.itemActivated.connect(lambda _item: self._edit_action())
        self.actions.installEventFilter(self)
        layout.addWidget(self.actions)
        self.edit_action_button, self.remove_action_button = self._list_buttons(
            layout, _("Change action (F2)"), self._edit_action, _("Remove action"), self._remove_action
        )
        action_form = QFormLayout()
        self.action_what = QLineEdit()
        self.action_what.setAccessibleName(_("What will be done"))
        self.action_who = QLineEdit()
        self.action_who.setAccessibleName(_("Who does it"))
        self.action_due = QLineEdit()
        self.action_due.setPlaceholderText(_("dd-mm-yyyy"))
        self.action_due.setAccessibleName(_("By when"))
        self.action_goal = QComboBox()
        self.action_goal.setAccessibleName(_("Goal the action serves"))
        self.action_goal.currentIndexChanged.connect(lambda _index: self._action_goal_changed())
        # An action that serves no goal may have a life domain of its own (one serving a goal with
        # a domain has the goal's): in a handover it is then shared with that domain.
        self.action_domain = QComboBox()
        self.action_domain.setAccessibleName(_("Life domain of the action"))
        self.action_domain.addItem(_("(no domain)"), None)
        for domain in model.domains:
            self.action_domain.addItem(pick(domain.title), domain.id)
        self.action_domain.currentIndexChanged.connect(lambda _index: self._action_domain_chosen())
        goal_and_domain = QHBoxLayout()
        goal_and_domain.setSpacing(8)
        goal_and_domain.addWidget(self.action_goal, 3)
        goal_and_domain.addSpacing(8)
        self.action_domain_label = QLabel(_("Life domai&n:"))
        self.action_domain_label.setBuddy(self.action_domain)
        goal_and_domain.addWidget(self.action_domain_label)
        goal_and_domain.addWidget(self.action_domain, 2)
        action_form.addRow(_("&What:"), self.action_what)
        action_form.addRow(_("W&ho:"), self.action_who)
        action_form.addRow(_("&By when:"), self.action_due)
        action_form.addRow(_("For goal:"), goal_and_domain)
        layout.addLayout(action_form)
        action_buttons = QHBoxLayout()
        self.add_action_button = QPushButton(_("Add &action"))
        self.cancel_action_button = QPushButton(_("Cancel"))
        self.cancel_action_button.hide()
        self.add_action_button.clicked.connect(self._add_action)
        self.cancel_action_button.clicked.connect(self.cancel_action_edit)
        self.action_what.returnPressed.connect(self._add_action)
        self.action_due.returnPressed.connect(self._add_action)
        for widget in (self.action_what, self.action_who, self.action_due, self.action_goal, self.action_domain):
            widget.installEventFilter(self)
        action_buttons.addWidget(self.add_action_button)
        action_buttons.addWidget(self.cancel_action_button)
        action_buttons.addStretch(1)
        layout.addLayout(action_buttons)
        self.action_editing_hint = QLabel()
        self.action_editing_hint.setWordWrap(True)
        self.action_editing_hint.hide()
        layout.addWidget(self.action_editing_hint)
        self.action_error = ErrorLabel()
        layout.addWidget(self.action_error)
        self._goal_fields = _EntryFields(
            self.goal_text,
            self.add_goal_button,
            self.goal_editing_hint,
            self.cancel_goal_button,
            self.goal_error,
            _("Add &goal"),
            _("New goal"),
            _("Save &goal"),
            _("Goal being changed"),
            _("Changing a goal: Enter saves the change, Esc cancels it."),
        )
        self._action_fields = _EntryFields(
            self.action_what,
            self.add_action_button,
            self.action_editing_hint,
            self.cancel_action_button,
            self.action_error,
            _("Add &action"),
            _("What will be done"),
            _("Save &action"),
            _("Action being changed"),
            _("Changing an action: Enter saves the change, Esc cancels it."),
        )

        # Closing items of the model and the follow-up date
        self.items = ItemForm(model, list(model.closing.items))
        if model.closing.items:
            layout.addWidget(self.items)
        follow_label = self.follow_up_label = heading(_("&Follow-up date"), 1.1)
        self.follow_up = QLineEdit()
        self.follow_up.setPlaceholderText(_("dd-mm-yyyy (empty: no follow-up yet)"))
        self.follow_up.setAccessibleName(_("Follow-up date"))
        self.follow_up.setMaximumWidth(280)
        follow_label.setBuddy(self.follow_up)
        self.follow_up.textChanged.connect(self._follow_up_edited)
        # The date in words, with its weekday and how far away it is: no doubt about the day agreed.
        self.follow_up_day = QLabel()
        self.follow_up_day.setObjectName("followUpDay")
        self.follow_up_day.setWordWrap(True)
        self.follow_up_day.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        day_font = self.follow_up_day.font()
        day_font.setBold(True)
        self.follow_up_day.setFont(day_font)
        follow_row = QHBoxLayout()
        follow_row.addWidget(self.follow_up)
        follow_row.addSpacing(12)
        follow_row.addWidget(self.follow_up_day, 1)
        self.follow_up_error = ErrorLabel()
        layout.addWidget(follow_label)
        layout.addLayout(follow_row)
        layout.addWidget(self.follow_up_error)
        layout.addStretch(1)
        self.setWidget(body)

    # -- loading ------------------------------------------------------------------------------
    def load(self, snapshot: ConversationSnapshot) -> None:
        self._loading = True
        try:
            self._started = snapshot.summary.started_at.date()
            if self.what_matters.toPlainText() != snapshot.what_matters_most:
                self.what_matters.setPlainText(snapshot.what_matters_most)
            follow = format_short_date(snapshot.follow_up_date) if snapshot.follow_up_date else ""
            if parse_date(self.follow_up.text()) != snapshot.follow_up_date:
                self.follow_up.setText(follow)
            self._show_follow_up_day(parse_date(self.follow_up.text()) if self.follow_up.text().strip() else None)
            self._load_ranking(snapshot)
            self._load_goals(snapshot.goals)
            self._load_actions(snapshot.actions, snapshot.goals)
        finally:
            self._loading = False

    def _load_ranking(self, snapshot: ConversationSnapshot) -> None:
        if self.ranking is None:
            return
        ranked = snapshot.ranking()
        order = ranked + [d.id for d in self._model.domains if d.id not in ranked]
        self.ranking.clear()
        for domain_id in order:
            domain = self._model.domain(domain_id)
            if domain is None:
                continue
            item = QListWidgetItem(pick(domain.title))
            item.setData(Qt.ItemDataRole.UserRole, domain_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if domain_id in ranked else Qt.CheckState.Unchecked)
            self.ranking.addItem(item)
        self._number_ranking()
        # Every domain in view, no empty space below them.
        rows = max(1, self.ranking.count())
        self.ranking.setFixedHeight(self.ranking.sizeHintForRow(0) * rows + 2 * self.ranking.frameWidth() + 6)

    def _number_ranking(self) -> None:
        """'1. Social', '2. Body': the rank beside every ticked domain, in the list's order."""
        if self.ranking is None:
            return
        was_loading, self._loading = self._loading, True  # setText would report an edit
        try:
            rank = 0
            for row in range(self.ranking.count()):
                item = self.ranking.item(row)
                domain = self._model.domain(item.data(Qt.ItemDataRole.UserRole))
                title = pick(domain.title) if domain is not None else item.data(Qt.ItemDataRole.UserRole)
                if item.checkState() == Qt.CheckState.Checked:
                    rank += 1
                    text = _("{rank}. {domain}").format(rank=rank, domain=title)
                    spoken = _("{domain}: place {rank}").format(rank=rank, domain=title)
                else:
                    text = title
                    spoken = _("{domain}: not chosen").format(domain=title)
                if item.text() != text:
                    item.setText(text)
                item.setData(Qt.ItemDataRole.AccessibleTextRole, spoken)
        finally:
            self._loading = was_loading

    def _load_goals(self, goals: list[GoalView]) -> None:
        self.goals.clear()
        self._goal_domains = {goal.id: goal.domain_id for goal in goals}
        self._goal_views = {goal.id: goal for goal in goals}
        if self.editing_goal is not None and self.editing_goal not in self._goal_views:
            self.cancel_goal_edit()  # removed meanwhile
        for goal in goals:
            domain = self._model.domain(goal.domain_id) if goal.domain_id else None
            text = (
                _("{goal} ({domain})").format(goal=goal.description, domain=pick(domain.title))
                if domain
                else goal.description
            )
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, goal.id)
            self.goals.addItem(item)
        current = self.action_goal.currentData()
        self.action_goal.clear()
        self.action_goal.addItem(_("(no goal)"), None)
        for goal in goals:
            self.action_goal.addItem(goal.description, goal.id)
        index = self.action_goal.findData(current)
        self.action_goal.setCurrentIndex(max(0, index))
        self._action_goal_changed()

    def _load_actions(self, actions: list[ActionView], goals: list[GoalView]) -> None:
        self.actions.clear()
        self._action_views = {action.id: action for action in actions}
        if self.editing_action is not None and self.editing_action not in self._action_views:
            self.cancel_action_edit()
        goal_domains = {goal.id: goal.domain_id for goal in goals}
        for action in actions:
            who = action.who or _("(nobody named yet)")
            if action.due_date:
                text = _("{what} — {who}, by {when}").format(
                    what=action.what, who=who, when=format_short_date(action.due_date)
                )
            else:
                text = _("{what} — {who}, no date agreed").format(what=action.what, who=who)
            domain_id = goal_domains.get(action.goal_id) if action.goal_id is not None else None
            domain = self._model.domain(domain_id or action.domain_id or "")
            if domain is not None:
                detail = _("Life domain: {domain}").format(domain=pick(domain.title))
            else:
                detail = _("no life domain: shared only when the client agrees to it separately")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, action.id)
            item.setData(DETAIL_ROLE, detail)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, _("{action}; {detail}").format(action=text, detail=detail))
            item.setToolTip(detail)
            self.actions.addItem(item)

    def _action_goal_changed(self) -> None:
        """A goal with a life domain gives the action that domain: shown, not to be chosen."""
        goal_id = self.action_goal.currentData()
        goal_domain = self._goal_domains.get(goal_id) if goal_id is not None else None
        self._showing_goal_domain = True
        try:
            shown = goal_domain if goal_domain is not None else self._own_action_domain
            self.action_domain.setCurrentIndex(max(0, self.action_domain.findData(shown)))
        finally:
            self._showing_goal_domain = False
        self._apply_action_domain_state()

    def _action_domain_chosen(self) -> None:
        if not self._showing_goal_domain:
            self._own_action_domain = self.action_domain.currentData()

    def _goal_has_domain(self) -> bool:
        goal_id = self.action_goal.currentData()
        return goal_id is not None and self._goal_domains.get(goal_id) is not None

    def _apply_action_domain_state(self) -> None:
        enabled = self.action_goal.isEnabled() and not self._goal_has_domain()
        self.action_domain.setEnabled(enabled)
        self.action_domain_label.setEnabled(enabled)
        why = "" if enabled or not self.action_goal.isEnabled() else _("The action has the life domain of its goal.")
        self.action_domain.setToolTip(why)
        self.action_domain.setAccessibleDescription(why)

    # -- edits --------------------------------------------------------------------------------

    def _what_matters_edited(self) -> None:
        if not self._loading:
            self.what_matters_changed.emit(self.what_matters.toPlainText())

    def _follow_up_edited(self, text: str) -> None:
        if self._loading:
            return
        day = parse_date(text) if text.strip() else None
        if text.strip() and day is None:
            self.follow_up_day.setText("")
            self.follow_up_error.show_message(_("Type the date as dd-mm-yyyy."))
            return
        self.follow_up_error.show_message("")
        self._show_follow_up_day(day)
        self.follow_up_changed.emit(day)

    def _show_follow_up_day(self, day: date | None) -> None:
        """'Wednesday 15 April 2026, in 6 weeks': the agreed day beyond doubt."""
        if day is None:
            self.follow_up_day.setText(_("No follow-up agreed yet."))
            self.follow_up_day.setStyleSheet("#followUpDay { font-weight: normal; }")
            return
        self.follow_up_day.setStyleSheet("")
        text = format_date(day, "full")
        days = (day - self._started).days if self._started is not None else None
        if days is not None and days >= 0:
            text = _("{day}, {distance}").format(day=text, distance=distance_in_words(days))
        self.follow_up_day.setText(text)
        self.follow_up_day.setAccessibleName(text)

    def _ranking_edited(self) -> None:
        if self._loading or self.ranking is None:
            return
        self._number_ranking()
        order = []
        for row in range(self.ranking.count()):
            item = self.ranking.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                order.append(item.data(Qt.ItemDataRole.UserRole))
        self.ranking_changed.emit(order)

    def _ranking_ticked(self, changed: QListWidgetItem) -> None:
        """The ticked domains stand on top in the client's order: a domain ticked now comes last
        among them (the order of ticking is the order of priority), an unticked one goes back
        among the others in the model's order."""
        if self._loading or self.ranking is None:
            return
        items = [self.ranking.item(row) for row in range(self.ranking.count())]
        ticked = [i for i in items if i is not changed and i.checkState() == Qt.CheckState.Checked]
        if changed.checkState() == Qt.CheckState.Checked:
            ticked.append(changed)
        model_order = {domain.id: index for index, domain in enumerate(self._model.domains)}
        others = sorted(
            (i for i in items if i.checkState() != Qt.CheckState.Checked),
            key=lambda i: model_order.get(i.data(Qt.ItemDataRole.UserRole), len(model_order)),
        )
        wanted = ticked + others
        if wanted != items:
            self._loading = True
            try:
                for row, item in enumerate(wanted):
                    current = self.ranking.row(item)
                    if current != row:
                        self.ranking.insertItem(row, self.ranking.takeItem(current))
                self.ranking.setCurrentItem(changed)
            finally:
                self._loading = False
        self._ranking_edited()

    def _move(self, step: int) -> None:
        """Move the current ticked domain one place up or down among the ticked ones."""
        if self.ranking is None:
            return
        row = self.ranking.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.ranking.count():
            return
        checked = Qt.CheckState.Checked
        if self.ranking.item(row).checkState() != checked or self.ranking.item(target).checkState() != checked:
            return
        self._loading = True
        item = self.ranking.takeItem(row)
        self.ranking.insertItem(target, item)
        self.ranking.setCurrentRow(target)
        self._loading = False
        self._ranking_edited()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and self._editing_key(watched, event.key()):
            return True
        # Ctrl+Up / Ctrl+Down move the current domain in the client's order.
        if watched is self.ranking and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                self._move(-1 if key == Qt.Key.Key_Up else 1)
                return True
        return super().eventFilter(watched, event)

    def _add_goal(self) -> None:
        if self.editing_goal is not None:
            self.update_goal_requested.emit(self.editing_goal, self.goal_text.text(), self.goal_domain.currentData())
            return
        self.add_goal_requested.emit(self.goal_text.text(), self.goal_domain.currentData())

    def goal_added(self) -> None:
        """Ready for the next goal: empty, and without a domain until one is chosen for it."""
        self.goal_text.clear()
        self.goal_domain.setCurrentIndex(0)
        self.goal_error.show_message("")
        self.goal_text.setFocus()

    def _edit_goal(self) -> None:
        """The chosen goal in the fields below the list, to be changed: Enter saves, Esc cancels."""
        goal = self._to_change(self.goals, self._goal_views)
        if goal is None:
            return
        self.editing_goal = goal.id
        self.goal_text.setText(goal.description)
        self.goal_domain.setCurrentIndex(max(0, self.goal_domain.findData(goal.domain_id)))
        self._start_changing(self._goal_fields)

    def _end_goal_edit(self) -> int | None:
        goal_id, self.editing_goal = self.editing_goal, None
        self._stop_changing(self._goal_fields)
        self.goal_text.clear()
        self.goal_domain.setCurrentIndex(0)
        return goal_id

    def _to_change(self, listing: QListWidget, views: dict[int, V]) -> V | None:
        """The goal or action chosen in its list, when the conversation may be changed."""
        item = listing.currentItem()
        if item is None or self._read_only:
            return None
        return views.get(item.data(Qt.ItemDataRole.UserRole))

    @staticmethod
    def _list_buttons(
        layout: QVBoxLayout, change: str, on_change: Callable[[], None], remove: str, on_remove: Callable[[], None]
    ) -> tuple[QPushButton, QPushButton]:
        """'Change … (F2)' and 'Remove …' under a list of goals or actions."""
        row = QHBoxLayout()
        buttons = QPushButton(change), QPushButton(remove)
        for button, action in zip(buttons, (on_change, on_remove), strict=True):
            button.clicked.connect(action)
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        return buttons

    @staticmethod
    def _start_changing(fields: _EntryFields) -> None:
        """The chosen entry is in the fields: the button saves it, the hint says Enter saves and Esc
        cancels, the first field (its text selected) says it holds an entry being changed."""
        fields.button.setText(fields.saving)
        fields.first.setAccessibleName(fields.changing_name)
        fields.hint.setText(fields.hint_text)
        fields.hint.show()
        fields.cancel.show()
        fields.error.show_message("")
        fields.first.setFocus(Qt.FocusReason.OtherFocusReason)
        fields.first.selectAll()

    @staticmethod
    def _stop_changing(fields: _EntryFields) -> None:
        """Back to adding a new entry (the caller empties its own fields)."""
        fields.button.setText(fields.adding)
        fields.first.setAccessibleName(fields.new_name)
        fields.hint.hide()
        fields.cancel.hide()
        fields.error.show_message("")

    def cancel_goal_edit(self) -> None:
        """Leave the goal as it was; back to the list, on that goal."""
        self._back_to(self.goals, self._end_goal_edit())

    def goal_saved(self) -> None:
        self._back_to(self.goals, self._end_goal_edit())

    def _back_to(self, listing: QListWidget, entry_id: int | None) -> None:
        for row in range(listing.count()):
            if listing.item(row).data(Qt.ItemDataRole.UserRole) == entry_id:
                listing.setCurrentRow(row)
                listing.setFocus(Qt.FocusReason.OtherFocusReason)
                return

    def _remove_goal(self) -> None:
        item = self.goals.currentItem()
        if item is not None:
            self.remove_goal_requested.emit(item.data(Qt.ItemDataRole.UserRole))

    def _add_action(self) -> None:
        due_text = self.action_due.text().strip()
        due = parse_date(due_text) if due_text else None
        if due_text and due is None:
            self.action_error.show_message(_("Type the date as dd-mm-yyyy."))
            self.action_due.setFocus()
            return
        domain_id = None if self._goal_has_domain() else self.action_domain.currentData()
        if self.editing_action is not None:
            self.update_action_requested.emit(
                self.editing_action,
                self.action_what.text(),
                self.action_who.text(),
                due,
                self.action_goal.currentData(),
                domain_id,
            )
            return
        self.add_action_requested.emit(
            self.action_what.text(), self.action_who.text(), due, self.action_goal.currentData(), domain_id
        )

    def action_added(self) -> None:
        """Ready for the next action: empty, for no goal and no domain until they are chosen for it."""
        for field in (self.action_what, self.action_who, self.action_due):
            field.clear()
        self._own_action_domain = None
        self.action_goal.setCurrentIndex(0)
        self._action_goal_changed()
        self.action_error.show_message("")
        self.action_what.setFocus()

    def _edit_action(self) -> None:
        """The chosen action in the fields below the list, to be changed: Enter saves, Esc cancels."""
        action = self._to_change(self.actions, self._action_views)
        if action is None:
            return
        self.editing_action = action.id
        self.action_what.setText(action.what)
        self.action_who.setText(action.who)
        self.action_due.setText(format_short_date(action.due_date) if action.due_date else "")
        self._own_action_domain = action.domain_id
        self.action_goal.setCurrentIndex(max(0, self.action_goal.findData(action.goal_id)))
        self._action_goal_changed()
        self._start_changing(self._action_fields)

    def _end_action_edit(self) -> int | None:
        action_id, self.editing_action = self.editing_action, None
        self._stop_changing(self._action_fields)
        for field in (self.action_what, self.action_who, self.action_due):
            field.clear()
        self._own_action_domain = None
        self.action_goal.setCurrentIndex(0)
        self._action_goal_changed()
        self.action_error.show_message("")
        return action_id

    def cancel_action_edit(self) -> None:
        """Leave the action as it was; back to the list, on that action."""
        self._back_to(self.actions, self._end_action_edit())

    def action_saved(self) -> None:
        self._back_to(self.actions, self._end_action_edit())

    def _remove_action(self) -> None:
        item = self.actions.currentItem()
        if item is not None:
            self.remove_action_requested.emit(item.data(Qt.ItemDataRole.UserRole))

    def focus_first_field(self) -> None:
        self.what_matters.setFocus(Qt.FocusReason.OtherFocusReason)
        self.ensureWidgetVisible(self.what_matters)

    def _editing_key(self, watched: QObject, key: int) -> bool:
        """F2 on a goal or action opens it in the fields; Esc in those fields cancels the change."""
        if key == Qt.Key.Key_F2 and watched is self.goals:
            self._edit_goal()
            return True
        if key == Qt.Key.Key_F2 and watched is self.actions:
            self._edit_action()
            return True
        if key != Qt.Key.Key_Escape:
            return False
        if self.editing_goal is not None and watched in (self.goal_text, self.goal_domain):
            self.cancel_goal_edit()
            return True
        action_fields = (self.action_what, self.action_who, self.action_due, self.action_goal, self.action_domain)
        if self.editing_action is not None and watched in action_fields:
            self.cancel_action_edit()
            return True
        return False

    def set_read_only(self, read_only: bool) -> None:
        for widget in (
            self.what_matters,
            self.follow_up,
            self.goal_text,
            self.action_what,
            self.action_who,
            self.action_due,
        ):
            widget.setReadOnly(read_only)
        for widget in (
            self.add_goal_button,
            self.remove_goal_button,
            self.edit_goal_button,
            self.add_action_button,
            self.remove_action_button,
            self.edit_action_button,
            self.goal_domain,
            self.action_goal,
        ):
            widget.setEnabled(not read_only)
        self._read_only = read_only
        if read_only:
            if self.editing_goal is not None:
                self._end_goal_edit()
            if self.editing_action is not None:
                self._end_action_edit()
        self._apply_action_domain_state()
        if self.ranking is not None:
            self.ranking.setEnabled(not read_only)
        self.items.set_read_only(read_only)
