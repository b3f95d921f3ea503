"""The mouse wheel scrolls the page, never a value it happens to pass over.

Qt lets the wheel change a combo box, spin box, date field or slider under the pointer even when
it does not have the focus: scrolling down a long form then silently turns "For goal: Sleep
better" into "(no goal)". ``guard_wheel(widget)`` puts one event filter on every such field inside
``widget``: a wheel event over a field without the focus goes to the enclosing scroll area
instead, and the field keeps its value. A field the user has clicked or tabbed into still takes
the wheel, as a deliberate choice. Call it once the fields exist (again after adding fields).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QSlider,
    QWidget,
)

#: The kinds of field whose value the wheel changes (a date field is a spin box).
GUARDED: tuple[type[QWidget], ...] = (QComboBox, QAbstractSpinBox, QSlider)
_MARK = "broadtalkWheelGuarded"


class WheelGuard(QObject):
    """The event filter: wheel over an unfocused field → the nearest scroll area scrolls."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Wheel or not isinstance(watched, QWidget) or watched.hasFocus():
            return False
        area = scroll_area_of(watched)
        if area is not None:
            QApplication.sendEvent(area.viewport(), event)
        event.accept()
        return True  # the field never sees it

    def guard(self, widget: QWidget) -> None:
        for field in [widget, *widget.findChildren(QWidget)]:
            if isinstance(field, GUARDED) and not field.property(_MARK):
                field.setProperty(_MARK, True)
                field.installEventFilter(self)
                if field.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                    # Qt would give the field the focus on the wheel itself, before any filter.
                    field.setFocusPolicy(Qt.FocusPolicy.StrongFocus)


def scroll_area_of(widget: QWidget) -> QAbstractScrollArea | None:
    """The nearest scroll area around ``widget`` (a combo's own list does not count)."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea):
            return parent
        parent = parent.parentWidget()
    return None


_guard: WheelGuard | None = None


def guard_wheel(widget: QWidget) -> None:
    """Keep the wheel from changing the combo boxes, spin boxes, date fields and sliders in
    ``widget`` (and ``widget`` itself, when it is one) unless the user gave that field the focus."""
    global _guard
    if _guard is None:
        _guard = WheelGuard(QApplication.instance())
    _guard.guard(widget)
