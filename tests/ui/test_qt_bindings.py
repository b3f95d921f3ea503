"""Guard against Qt binding releases that corrupt Python's reference counts.

PySide6 6.12.0 drops a reference to None (and True/False) on every call that returns one; on
Python 3.11 the interpreter aborts ("none_dealloc") after a few thousand repaints. An hour-long
conversation repaints far more often than that, so such a release must never be installed.
"""

from __future__ import annotations

import sys

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

CALLS = 2_000


def test_qt_calls_that_return_nothing_keep_none_alive():
    colour = QColor(1, 2, 3)
    before = sys.getrefcount(None)
    for _ in range(CALLS):
        colour.setAlpha(5)
    assert sys.getrefcount(None) - before > -CALLS // 2


def test_qt_calls_that_return_a_bool_keep_true_and_false_alive(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    before = sys.getrefcount(False)
    for _ in range(CALLS):
        widget.isVisible()
    assert sys.getrefcount(False) - before > -CALLS // 2
