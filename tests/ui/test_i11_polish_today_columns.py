"""Issue 11, screens polish: at a window 1200 px wide, Today cuts no client name, no date of what is
due and no action: long texts wrap, dates and names are as wide as they need."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QStyle

from broadtalk import i18n
from broadtalk.demo import generate_demo
from broadtalk.practitioners import Role, list_practitioners
from broadtalk.store.database import Database
from broadtalk.ui import today_page
from broadtalk.ui.main_window import MainWindow

DAY = date(2026, 11, 20)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = Database.open(tmp_path_factory.mktemp("today") / "demo.sqlite")
    generate_demo(database, clients=60, seed=3, today=DAY)
    yield database
    database.close()


def _cut_cells(page: today_page.TodayPage) -> list[tuple[str, str]]:
    """Every visible cell whose text does not fit its cell (wrapped where the table wraps)."""
    cut = []
    for key, group in page.groups.items():
        table = group.table
        if not table.isVisible():
            continue
        margin = 2 * (table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1)
        for row in range(group.model.rowCount()):
            for column in range(group.model.columnCount()):
                item = group.model.item(row, column)
                metrics = QFontMetrics(item.font())
                width = table.columnWidth(column) - margin
                words_fit = all(metrics.horizontalAdvance(word) <= width for word in item.text().split())
                flags = int(Qt.TextFlag.TextWordWrap) if table.wordWrap() else 0
                needed = metrics.boundingRect(QRect(0, 0, width, 10_000), flags, item.text())
                if not words_fit or needed.width() > width or needed.height() > table.rowHeight(row):
                    cut.append((key, item.text()))
    return cut


@pytest.mark.parametrize("language", ["nl", "en"])
def test_nothing_is_cut_at_1200_pixels(qtbot, monkeypatch, demo, language):
    i18n.set_language(language)
    monkeypatch.setattr(today_page, "local_today", lambda: DAY)
    with demo.transaction() as tx:
        nurse = next(a for a in list_practitioners(tx) if a.role == Role.PRACTICE_NURSE)
    main = MainWindow(demo, nurse)
    qtbot.addWidget(main)
    main.resize(1200, 800)
    main.show()
    qtbot.waitExposed(main)
    qtbot.waitUntil(main.isActiveWindow)
    page = main.today_page
    for scope in range(page.scope.count()):  # my work, then the whole practice (longer lists)
        page.scope.setCurrentIndex(scope)
        qtbot.wait(50)
        assert page.groups["actions"].model.rowCount() >= 5
        assert _cut_cells(page) == []
        # By keyboard through every group: the current row is whole in view.
        for number, group in enumerate(page.groups.values(), start=1):
            if not group.model.rowCount():
                continue
            focus = QApplication.focusWidget()
            assert focus is not None and page.isAncestorOf(focus)
            qtbot.keyClick(focus, Qt.Key(Qt.Key.Key_0 + number), Qt.KeyboardModifier.ControlModifier)
            qtbot.waitUntil(lambda group=group: QApplication.focusWidget() is group.table)
            for _row in range(min(4, group.model.rowCount() - 1)):
                qtbot.keyClick(group.table, Qt.Key.Key_Down)
            index = group.table.currentIndex()
            assert group.table.viewport().rect().contains(group.table.visualRect(index))
        # No list scrolls sideways.
        assert not any(g.table.horizontalScrollBar().isVisible() for g in page.groups.values())
