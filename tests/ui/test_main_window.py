"""The main window with its client list, driven through the real widgets (offscreen)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from broadtalk.clients import ClientInput, create_client
from broadtalk.demo import generate_demo
from broadtalk.practitioners import list_practitioners
from broadtalk.ui.client_table import PAGE
from broadtalk.ui.main_window import MainWindow
from tests.conftest import NOW


@pytest.fixture
def window(qtbot, db, actor):
    main = MainWindow(db, actor)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    return main


def _demo_actor(db):
    with db.transaction() as tx:
        return list_practitioners(tx)[0]


def _add(db, actor, given, family, birth, prefix=""):
    with db.transaction() as tx:
        return create_client(tx, actor, ClientInput(given, family, birth, name_prefix=prefix), now=NOW)


def test_search_as_you_type_filters_the_list_ignoring_accents(qtbot, db, actor):
    _add(db, actor, "Ayşe", "Çelik", "12-04-1961")
    _add(db, actor, "Jan", "Berg", "01-02-1950", prefix="van der")
    _add(db, actor, "Greet", "Visser", "03-03-1942")
    main = MainWindow(db, actor)
    qtbot.addWidget(main)
    assert main.model.rowCount() == 3
    qtbot.keyClicks(main.search, "celik")
    qtbot.waitUntil(lambda: main.model.rowCount() == 1)
    assert main.model.client_at(0).family_name == "Çelik"
    assert "1" in main.statusBar().currentMessage()
    main.search.clear()
    qtbot.keyClicks(main.search, "03-03-1942")
    qtbot.waitUntil(lambda: main.model.rowCount() == 1 and main.model.client_at(0).given_name == "Greet")


def test_the_list_sorts_dutch_names_on_the_family_name_without_prefix(qtbot, db, actor):
    _add(db, actor, "Jan", "Berg", "01-02-1950", prefix="van der")
    _add(db, actor, "Piet", "Aalders", "01-02-1950")
    _add(db, actor, "Kees", "Zwart", "01-02-1950", prefix="de")
    main = MainWindow(db, actor)
    qtbot.addWidget(main)
    names = [main.model.index(row, 1).data() for row in range(3)]
    assert names == ["Aalders, Piet", "Berg, Jan van der", "Zwart, Kees de"]


def test_a_large_practice_is_fetched_page_by_page_while_scrolling(qtbot, db):
    generate_demo(db, clients=PAGE + 30, seed=2, today=date(2026, 5, 1))
    main = MainWindow(db, _demo_actor(db))
    qtbot.addWidget(main)
    main.show()
    assert main.model.total == PAGE + 30
    assert main.model.rowCount() == PAGE
    main.table.scrollToBottom()
    qtbot.waitUntil(lambda: main.model.rowCount() == PAGE + 30)


def test_demo_data_is_marked_in_the_window_and_the_title_holds_no_client_name(qtbot, db):
    generate_demo(db, clients=3, seed=2, today=date(2026, 5, 1))
    main = MainWindow(db, _demo_actor(db))
    qtbot.addWidget(main)
    main.show()
    assert main.demo_banner.isVisible()
    assert "DEMO" in main.windowTitle()
    for row in range(main.model.rowCount()):
        assert main.model.client_at(row).family_name not in main.windowTitle()


def test_ctrl_f_puts_the_cursor_in_the_search_field(qtbot, window):
    window.table.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.search.hasFocus())


def test_an_empty_database_shows_an_empty_list_and_no_demo_banner(window):
    assert window.model.rowCount() == 0
    assert not window.demo_banner.isVisible()
