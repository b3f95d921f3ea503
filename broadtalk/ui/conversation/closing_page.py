"""The closing step: what matters most, the client's order of domains, goals, actions, follow-up."""

from __future__ import annotations

from datetime import date

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
from broadtalk.i18n import _, format_short_date, pick
from broadtalk.ui.common import ErrorLabel
from broadtalk.ui.conversation.domain_page import heading
from broadtalk.ui.conversation.item_editors import ItemForm, TextBox

#: The calm second line of an entry in the list of actions: its life domain, or the hint.
DETAIL_ROLE = Qt.ItemDataRole.UserRole + 1


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


class ClosingPage(QScrollArea):
    what_matters_changed = Signal(str)
    follow_up_changed = Signal(object)  # date | None
    ranking_changed = Signal(list)
    add_goal_requested = Signal(str, object)  # description, domain id | None
    remove_goal_requested = Signal(int)
    add_action_requested = Signal(str, str, object, object, object)  # what, who, due date, goal id, domain id
    remove_action_requested = Signal(int)

    def __init__(self, model: ConversationModel, parent: QWidget | None = None):
        super().__init__(parent)
        self._model = model
        self._loading = False
        self._started: date | None = None
        self._goal_domains: dict[int, str | None] = {}
        self._own_action_domain: str | None = None  # chosen for an action without a goal
        self._showing_goal_domain = False
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
                _("Tick the domains the client wants to work on and put them in order: Ctrl+Up and Ctrl+Down move one.")
            )
            hint.setWordWrap(True)
            layout.addWidget(hint)
            self.ranking = QListWidget()
            self.ranking.setAccessibleName(_("Order of domains to work on"))
            self.ranking.setMaximumHeight(180)
            self.ranking.itemChanged.connect(lambda _item: self._ranking_edited())
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
        self.goals.setMaximumHeight(140)
        layout.addWidget(self.goals)
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
        self.remove_goal_button = QPushButton(_("Remove goal"))
        self.goal_text.returnPressed.connect(self._add_goal)
        self.add_goal_button.clicked.connect(self._add_goal)
        self.remove_goal_button.clicked.connect(self._remove_goal)
        goal_row.addWidget(self.goal_text, 3)
        goal_row.addWidget(self.goal_domain, 2)
        goal_row.addWidget(self.add_goal_button)
        goal_row.addWidget(self.remove_goal_button)
        layout.addLayout(goal_row)
        self.goal_error = ErrorLabel()
        layout.addWidget(self.goal_error)

        # Actions
        layout.addWidget(heading(_("Agreed actions"), 1.1))
        self.actions = QListWidget()
        self.actions.setAccessibleName(_("Agreed actions"))
        self.actions.setItemDelegate(DetailLineDelegate(self.actions))
        self.actions.setSpacing(1)
        self.actions.setMaximumHeight(180)
        layout.addWidget(self.actions)
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
        self.remove_action_button = QPushButton(_("Remove action"))
        self.add_action_button.clicked.connect(self._add_action)
        self.action_what.returnPressed.connect(self._add_action)
        self.action_due.returnPressed.connect(self._add_action)
        self.remove_action_button.clicked.connect(self._remove_action)
        action_buttons.addWidget(self.add_action_button)
        action_buttons.addWidget(self.remove_action_button)
        action_buttons.addStretch(1)
        layout.addLayout(action_buttons)
        self.action_error = ErrorLabel()
        layout.addWidget(self.action_error)

        # Closing items of the model and the follow-up date
        self.items = ItemForm(model, list(model.closing.items))
        if model.closing.items:
            layout.addWidget(self.items)
        follow_label = heading(_("&Follow-up date"), 1.1)
        self.follow_up = QLineEdit()
        self.follow_up.setPlaceholderText(_("dd-mm-yyyy (empty: no follow-up yet)"))
        self.follow_up.setAccessibleName(_("Follow-up date"))
        self.follow_up.setMaximumWidth(280)
        follow_label.setBuddy(self.follow_up)
        self.follow_up.textChanged.connect(self._follow_up_edited)
        self.follow_up_error = ErrorLabel()
        layout.addWidget(follow_label)
        layout.addWidget(self.follow_up)
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

    def _load_goals(self, goals: list[GoalView]) -> None:
        self.goals.clear()
        self._goal_domains = {goal.id: goal.domain_id for goal in goals}
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
            self.follow_up_error.show_message(_("Type the date as dd-mm-yyyy."))
            return
        self.follow_up_error.show_message("")
        self.follow_up_changed.emit(day)

    def _ranking_edited(self) -> None:
        if self._loading or self.ranking is None:
            return
        order = []
        for row in range(self.ranking.count()):
            item = self.ranking.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                order.append(item.data(Qt.ItemDataRole.UserRole))
        self.ranking_changed.emit(order)

    def _move(self, step: int) -> None:
        if self.ranking is None:
            return
        row = self.ranking.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.ranking.count():
            return
        self._loading = True
        item = self.ranking.takeItem(row)
        self.ranking.insertItem(target, item)
        self.ranking.setCurrentRow(target)
        self._loading = False
        self._ranking_edited()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Ctrl+Up / Ctrl+Down move the current domain in the client's order.
        if watched is self.ranking and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                self._move(-1 if key == Qt.Key.Key_Up else 1)
                return True
        return super().eventFilter(watched, event)

    def _add_goal(self) -> None:
        self.add_goal_requested.emit(self.goal_text.text(), self.goal_domain.currentData())

    def goal_added(self) -> None:
        self.goal_text.clear()
        self.goal_error.show_message("")
        self.goal_text.setFocus()

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
        self.add_action_requested.emit(
            self.action_what.text(), self.action_who.text(), due, self.action_goal.currentData(), domain_id
        )

    def action_added(self) -> None:
        for field in (self.action_what, self.action_who, self.action_due):
            field.clear()
        self.action_error.show_message("")
        self.action_what.setFocus()

    def _remove_action(self) -> None:
        item = self.actions.currentItem()
        if item is not None:
            self.remove_action_requested.emit(item.data(Qt.ItemDataRole.UserRole))

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
            self.add_action_button,
            self.remove_action_button,
            self.goal_domain,
            self.action_goal,
        ):
            widget.setEnabled(not read_only)
        self._apply_action_domain_state()
        if self.ranking is not None:
            self.ranking.setEnabled(not read_only)
        self.items.set_read_only(read_only)
