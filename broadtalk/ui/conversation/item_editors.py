"""Editors for the items of a conversation model, one per FHIR item type, shown and hidden live.

Each editor reports its value through ``changed(link_id, value)``; the page saves it and asks
every form to re-check the enableWhen conditions (a condition may look at another domain).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from broadtalk.clients import parse_date
from broadtalk.forms.conditions import is_enabled
from broadtalk.forms.schema import ConversationModel, Item, ItemType
from broadtalk.i18n import _, format_short_date, pick
from broadtalk.ui.common import ErrorLabel


class TextBox(QPlainTextEdit):
    """A multi-line text field where Tab moves on (as in a form) instead of typing a tab."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTabChangesFocus(True)
        # About four lines: room to write, without pushing the rest of the page away.
        self.setMinimumHeight(72)
        self.setMaximumHeight(130)


class ItemEditor(QWidget):
    changed = Signal(str, object)

    def __init__(self, item: Item, parent: QWidget | None = None):
        super().__init__(parent)
        self.item = item
        self._loading = False
        self.error = ErrorLabel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.editor = self._build()
        layout.addWidget(self.editor)
        layout.addWidget(self.error)

    # -- building per type --------------------------------------------------------------------

    def _build(self) -> QWidget:
        item = self.item
        label = pick(item.text)
        if item.type == ItemType.DISPLAY:
            widget = QLabel(label)
            widget.setWordWrap(True)
            return widget
        if item.type == ItemType.TEXT:
            self._text = TextBox()
            self._text.setAccessibleName(label)
            self._text.textChanged.connect(lambda: self._emit(self._text.toPlainText()))
            return self._text
        if item.type in (ItemType.STRING, ItemType.INTEGER, ItemType.DECIMAL, ItemType.DATE):
            self._line = QLineEdit()
            self._line.setAccessibleName(label)
            if item.type == ItemType.DATE:
                self._line.setPlaceholderText(_("dd-mm-yyyy"))
            if item.max_length:
                self._line.setMaxLength(item.max_length)
            self._line.textChanged.connect(self._line_changed)
            return self._line
        if item.type == ItemType.BOOLEAN:
            self._combo = QComboBox()
            self._combo.setAccessibleName(label)
            for text, value in ((_("(no answer)"), None), (_("Yes"), True), (_("No"), False)):
                self._combo.addItem(text, value)
            self._combo.currentIndexChanged.connect(lambda _i: self._emit(self._combo.currentData()))
            return self._combo
        return self._build_choice(label)

    def _build_choice(self, label: str) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box) if len(self.item.answer_options) <= 4 else QVBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self._choices: dict[str, QCheckBox | QRadioButton] = {}
        self._group = QButtonGroup(box)
        self._group.setExclusive(False)  # radios can be unticked again: "no answer" stays possible
        for option in self.item.answer_options:
            button: QCheckBox | QRadioButton = (
                QCheckBox(pick(option.display)) if self.item.repeats else QRadioButton(pick(option.display))
            )
            button.setAutoExclusive(False)
            button.setAccessibleName(_("{question}: {option}").format(question=label, option=pick(option.display)))
            self._group.addButton(button)
            self._choices[option.code] = button
            row.addWidget(button)
            button.toggled.connect(lambda checked, code=option.code: self._choice_toggled(code, checked))
        if isinstance(row, QHBoxLayout):
            row.addStretch(1)
        return box

    # -- values -------------------------------------------------------------------------------

    def _emit(self, value: Any) -> None:
        if not self._loading:
            self.changed.emit(self.item.link_id, value)

    def _line_changed(self, text: str) -> None:
        if self.item.type == ItemType.DATE:
            day = parse_date(text) if text.strip() else None
            if text.strip() and day is None:
                self.error.show_message(_("Type the date as dd-mm-yyyy."))
                return
            self.error.show_message("")
            self._emit(day.isoformat() if day else None)
            return
        self._emit(text)

    def _choice_toggled(self, code: str, checked: bool) -> None:
        if self._loading:
            return
        if not self.item.repeats and checked:
            self._loading = True
            for other, button in self._choices.items():
                if other != code:
                    button.setChecked(False)
            self._loading = False
        chosen = [c for c, b in self._choices.items() if b.isChecked()]
        self._emit(chosen if self.item.repeats else (chosen[0] if chosen else None))

    def set_value(self, value: Any) -> None:
        """Show a stored value without reporting it as a change."""
        self._loading = True
        try:
            kind = self.item.type
            if kind == ItemType.TEXT:
                self._text.setPlainText(value or "")
            elif kind == ItemType.DATE:
                day = parse_date(value) if isinstance(value, str) else None
                self._line.setText(format_short_date(day) if day else "")
            elif kind in (ItemType.STRING, ItemType.INTEGER, ItemType.DECIMAL):
                self._line.setText("" if value is None else str(value))
            elif kind == ItemType.BOOLEAN:
                self._combo.setCurrentIndex({None: 0, True: 1, False: 2}.get(value, 0))
            elif kind == ItemType.CHOICE:
                chosen = set(value if isinstance(value, list) else [value] if value else [])
                for code, button in self._choices.items():
                    button.setChecked(code in chosen)
        finally:
            self._loading = False

    def set_read_only(self, read_only: bool) -> None:
        if self.item.type == ItemType.TEXT:
            self._text.setReadOnly(read_only)
        elif self.item.type in (ItemType.STRING, ItemType.INTEGER, ItemType.DECIMAL, ItemType.DATE):
            self._line.setReadOnly(read_only)
        else:
            self.editor.setEnabled(not read_only)


class ItemForm(QWidget):
    """The items of one domain (or of the closing step), each shown only while its conditions hold."""

    changed = Signal(str, object)

    def __init__(self, model: ConversationModel, items: list[Item], parent: QWidget | None = None):
        super().__init__(parent)
        self._model = model
        self.editors: dict[str, ItemEditor] = {}
        self._labels: dict[str, QLabel] = {}
        # Question above its answer, full width: model questions are often a whole sentence.
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        for item in items:
            editor = ItemEditor(item)
            editor.changed.connect(self.changed)
            self.editors[item.link_id] = editor
            if item.type == ItemType.DISPLAY:
                layout.addWidget(editor)
                continue
            text = pick(item.text) + (" *" if item.required else "")
            label = QLabel(text)
            label.setWordWrap(True)
            label.setBuddy(editor.editor)
            if item.help:
                label.setToolTip(pick(item.help))
                editor.editor.setToolTip(pick(item.help))
                editor.editor.setAccessibleDescription(pick(item.help))
            self._labels[item.link_id] = label
            layout.addSpacing(6)
            layout.addWidget(label)
            layout.addWidget(editor)

    def load(self, answers: Mapping[str, Any]) -> None:
        for link_id, editor in self.editors.items():
            editor.set_value(answers.get(link_id))
        self.refresh_visibility(answers)

    def refresh_visibility(self, answers: Mapping[str, Any]) -> None:
        for link_id, editor in self.editors.items():
            shown = is_enabled(self._model, editor.item, answers)
            editor.setVisible(shown)
            if link_id in self._labels:
                self._labels[link_id].setVisible(shown)

    def set_read_only(self, read_only: bool) -> None:
        for editor in self.editors.values():
            editor.set_read_only(read_only)

    def focus_first(self, predicate: Callable[[ItemEditor], bool] = lambda e: True) -> None:
        for editor in self.editors.values():
            if editor.isVisible() and predicate(editor):
                editor.editor.setFocus(Qt.FocusReason.OtherFocusReason)
                return
