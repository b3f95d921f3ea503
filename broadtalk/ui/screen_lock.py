"""The screen lock: after a few idle minutes, or at once with Ctrl+L, every broadtalk window is
covered and only the signed-in practitioner's own PIN or password opens it again.

Nothing is closed while locked: open dialogs keep what was typed under their cover and the
conversation keeps saving itself, so unlocking returns to exactly where the work was. Window
titles are blanked too (a dialog's title could name a client and shows in the task bar).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QVBoxLayout, QWidget
from shiboken6 import isValid

from broadtalk.i18n import _
from broadtalk.ui.sign_in_dialogs import TryDialog, secret_field

#: What counts as someone at the keyboard: any key, click, wheel or touch, and moving the mouse.
ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
    QEvent.Type.TabletPress,
}

Attempt = Callable[[str], str | None]


class IdleWatcher(QObject):
    """Emits ``idle`` when nobody has touched keyboard or mouse for ``interval_ms``."""

    idle = Signal()

    def __init__(self, interval_ms: int, parent: QObject | None = None):
        super().__init__(parent)
        self._timer = QTimer(self, singleShot=True, interval=interval_ms, timeout=self.idle.emit)

    def start(self) -> None:
        QApplication.instance().installEventFilter(self)
        self._timer.start()

    def stop(self) -> None:
        QApplication.instance().removeEventFilter(self)
        self._timer.stop()

    def set_interval(self, interval_ms: int) -> None:
        self._timer.setInterval(interval_ms)
        if self._timer.isActive():
            self._timer.start()

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY:
            self._timer.start()  # restarts the count
        return False


class Curtain(QWidget):
    """An opaque cover over one window, following its size."""

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.setObjectName("lockCurtain")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("#lockCurtain { background: #1F3A52; } #lockCurtain QLabel { color: #FFFFFF; }")
        label = QLabel(_("broadtalk is locked"))
        font = QFont(label.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        label.setFont(font)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        self._window = window
        window.installEventFilter(self)
        self.setGeometry(window.rect())
        self.raise_()
        self.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.Resize:
            self.setGeometry(self._window.rect())
            self.raise_()
        return False

    def remove(self) -> None:
        if not isValid(self):  # its window was closed while locked, and took it along
            return
        self._window.removeEventFilter(self)
        self.hide()
        self.deleteLater()


class UnlockDialog(TryDialog):
    """Only the signed-in practitioner's PIN or password opens the screen again; Escape does not."""

    def __init__(self, name: str, parent: QWidget | None = None):
        super().__init__(
            _("broadtalk is locked"),
            _("Locked"),
            _("{name} is signed in. Type your PIN or password to go on where you were.").format(name=name),
            _("&Unlock"),
            parent,
        )
        self.cancel_button.hide()  # there is no way around the lock
        self.secret_edit = secret_field()
        self.add_row(_("&PIN or password"), self.secret_edit)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)

    def first_field(self) -> QLineEdit:
        return self.secret_edit

    def reject(self) -> None:
        """Escape and the window's close button leave the lock as it is."""

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.secret_edit.setFocus(Qt.FocusReason.OtherFocusReason)


class ScreenLock(QObject):
    """Covers every visible broadtalk window and asks for the PIN; ``unlocked`` when given."""

    locked = Signal()
    unlocked = Signal()

    def __init__(self, name: str, attempt: Attempt, parent: QObject | None = None):
        super().__init__(parent)
        self._name = name
        self._attempt = attempt
        self._curtains: list[Curtain] = []
        self._titles: list[tuple[QWidget, str]] = []
        self._focus: QWidget | None = None
        self.dialog: UnlockDialog | None = None

    @property
    def is_locked(self) -> bool:
        return self.dialog is not None

    def set_name(self, name: str) -> None:
        self._name = name

    def lock(self) -> None:
        if self.is_locked:
            return
        self._focus = QApplication.focusWidget()
        for window in QApplication.topLevelWidgets():
            if window.isVisible() and not isinstance(window, UnlockDialog):
                self._curtains.append(Curtain(window))
                self._titles.append((window, window.windowTitle()))
                window.setWindowTitle("broadtalk")
        dialog = UnlockDialog(self._name)
        dialog.set_attempt(lambda: self._attempt(dialog.secret_edit.text()))
        dialog.accepted.connect(self._unlock)
        self.dialog = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        self.locked.emit()

    def _unlock(self) -> None:
        for curtain in self._curtains:
            curtain.remove()
        for window, title in self._titles:
            if isValid(window):
                window.setWindowTitle(title)
        self._curtains.clear()
        self._titles.clear()
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.secret_edit.clear()
            dialog.deleteLater()
        focus, self._focus = self._focus, None
        if focus is not None and isValid(focus) and focus.isVisible():
            focus.window().activateWindow()
            focus.setFocus(Qt.FocusReason.OtherFocusReason)  # back in the field that was being typed in
        self.unlocked.emit()
