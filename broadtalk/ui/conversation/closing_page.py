"""The closing step: what matters most, the client's order of domains, goals, actions, follow-up."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
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


class ClosingPage(QScrollArea):
    what_matters_changed = Signal(str)
    follow_up_changed = Signal(object)  # date | None
    ranking_changed = Signal(list)
    add_goal_requested = Signal(str, object)  # description, domain id | None
    remove_goal_requested = Signal(int)
    add_action_requested = Signal(str, str, object, object)  # what, who, due date, goal id
    remove_action_requested = Signal(int)

    def __init__(self, model: ConversationModel, parent: QWidget | None = None):
        super().__init__(parent)
        self._model = model
        self._loading = False
        self._started: date | None = None
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
        self.actions.setMaximumHeight(160)
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
        action_form.addRow(_("&What:"), self.action_what)
        action_form.addRow(_("W&ho:"), self.action_who)
        action_form.addRow(_("&By when:"), self.action_due)
        action_form.addRow(_("For goal:"), self.action_goal)
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

    def _load_actions(self, actions: list[ActionView], goals: list[GoalView]) -> None:
        self.actions.clear()
        for action in actions:
            who = action.who or _("(nobody named yet)")
            if action.due_date:
                text = _("{what} — {who}, by {when}").format(
                    what=action.what, who=who, when=format_short_date(action.due_date)
                )
            else:
                text = _("{what} — {who}, no date agreed").format(what=action.what, who=who)
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, action.id)
            self.actions.addItem(item)

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
        self.add_action_requested.emit(
            self.action_what.text(), self.action_who.text(), due, self.action_goal.currentData()
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
        if self.ranking is not None:
            self.ranking.setEnabled(not read_only)
        self.items.set_read_only(read_only)
