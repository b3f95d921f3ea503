"""Score on a domain's scale: one button per value with the anchor labels, fully keyboard-operable.

Segmented buttons rather than a slider: every value is visible and equally easy to hit, the
anchor words sit under their values, and a skipped domain stays visibly unscored ("–").
Keys: Left/Right step, digits choose (0-9; "1" then "0" within a second gives 10), Delete clears.
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QButtonGroup, QGridLayout, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from broadtalk.forms.schema import Scale
from broadtalk.i18n import _, pick

NO_SCORE = -1_000_000  # the id of the "no score" button in the group


class ScoreInput(QWidget):
    valueChanged = Signal(object)  # int | None

    def __init__(self, scale: Scale, parent: QWidget | None = None):
        super().__init__(parent)
        self._scale = scale
        self._value: int | None = None
        self._typed = ""
        self._typed_timer = QElapsedTimer()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(_("Score from {min} to {max}").format(min=scale.min, max=scale.max))

        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        # A chosen value must be unmistakable, in light and dark palettes alike.
        self.setStyleSheet(
            "QToolButton:checked { background: palette(highlight); color: palette(highlighted-text);"
            " font-weight: bold; border: 2px solid palette(highlight); border-radius: 3px; }"
        )
        grid = QGridLayout()
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(2)
        clear = self._button("–", _("No score"), NO_SCORE)
        clear.setChecked(True)
        grid.addWidget(clear, 0, 0)
        for column, value in enumerate(range(scale.min, scale.max + 1), start=1):
            anchor = scale.anchor(value)
            name = (
                _("Score {value}: {label}").format(value=value, label=pick(anchor.label))
                if anchor
                else _("Score {value}").format(value=value)
            )
            grid.addWidget(self._button(str(value), name, value), 0, column)
            if anchor is not None:
                label = QLabel(pick(anchor.label))
                label.setWordWrap(True)
                label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
                label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
                font = label.font()
                font.setPointSizeF(font.pointSizeF() * 0.9)
                label.setFont(font)
                grid.addWidget(label, 1, column)
        self.group.idClicked.connect(self._clicked)

        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setObjectName("anchorDescription")
        self.description.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid)
        layout.addWidget(self.description)

    def _button(self, text: str, accessible: str, value: int) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setCheckable(True)
        button.setAccessibleName(accessible)
        button.setToolTip(accessible)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the widget takes focus; arrows move the choice
        button.setMinimumSize(36, 32)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.group.addButton(button, value)
        return button

    # -- value --------------------------------------------------------------------------------

    def value(self) -> int | None:
        return self._value

    def setValue(self, value: int | None, *, notify: bool = False) -> None:
        if value is not None and not self._scale.min <= value <= self._scale.max:
            return
        changed = value != self._value
        self._value = value
        button = self.group.button(NO_SCORE if value is None else value)
        if button is not None:
            button.setChecked(True)
        self._describe()
        if changed and notify:
            self.valueChanged.emit(value)

    def _clicked(self, button_id: int) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.setValue(None if button_id == NO_SCORE else button_id, notify=True)

    def _describe(self) -> None:
        """Scales with a description per level (self-sufficiency) show the chosen level's text."""
        anchor = self._scale.anchor(self._value) if self._value is not None else None
        text = pick(anchor.description) if anchor is not None and anchor.description else ""
        self.description.setText(text)
        self.description.setVisible(bool(text))
        self.setAccessibleDescription(text)

    # -- keyboard -----------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        low, high = self._scale.min, self._scale.max
        if key in (Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Plus):
            self.setValue(low if self._value is None else min(high, self._value + 1), notify=True)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Down, Qt.Key.Key_Minus):
            if self._value is not None:
                self.setValue(self._value - 1 if self._value > low else None, notify=True)
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.setValue(None, notify=True)
        elif key == Qt.Key.Key_Home:
            self.setValue(low, notify=True)
        elif key == Qt.Key.Key_End:
            self.setValue(high, notify=True)
        elif Qt.Key.Key_0 <= key <= Qt.Key.Key_9:
            self._digit(str(key - Qt.Key.Key_0))
        else:
            super().keyPressEvent(event)

    def _digit(self, digit: str) -> None:
        # Two digits typed quickly form one number (10 on a 0-10 scale).
        if self._typed and self._typed_timer.isValid() and self._typed_timer.elapsed() < 1000:
            combined = int(self._typed + digit)
            if self._scale.min <= combined <= self._scale.max:
                self._typed = ""
                self.setValue(combined, notify=True)
                return
        self._typed = digit
        self._typed_timer.start()
        value = int(digit)
        if self._scale.min <= value <= self._scale.max:
            self.setValue(value, notify=True)
