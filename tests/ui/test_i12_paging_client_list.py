"""Issue 12: the client list is read page by page from the list order's index (keyset), not by
skipping rows: a page far down costs what the first costs, and a client added above the rows
already shown never makes a row appear twice or go missing."""

from __future__ import annotations

import random

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from broadtalk import follow_ups
from broadtalk.clients import ClientInput, create_client, search_clients
from broadtalk.ui import client_table
from broadtalk.ui.main_window import MainWindow
from tests.conftest import NOW
from tests.unit.i12_query_plans import query_plans

FAMILIES = ["Bakker", "Berg", "Dijk", "Jansen", "Kok", "Mulder", "Smit", "Visser", "Vos", "Wit", "Zwart"]


@pytest.fixture
def practice(db, actor):
    rng = random.Random(3)
    with db.transaction() as tx:
        for index, family in enumerate(FAMILIES):
            for given in ("Anna", "Jan"):  # two with the same family name: the order goes on to the given name
                create_client(
                    tx, actor, ClientInput(given, family, f"{1 + index:02d}-0{1 + index % 9}-1960"), now=NOW, rng=rng
                )
    return db


def _pages(db, actor, text: str, size: int, **kwargs) -> list:
    pages, after = [], None
    while True:
        with db.transaction() as tx:
            page = search_clients(tx, actor, text, limit=size, after=after, **kwargs)
        if not page:
            return pages
        pages += page
        after = page[-1]


@pytest.mark.parametrize("text", ["", "a", "jan", "1960"])
def test_reading_page_after_page_gives_the_whole_list_in_its_order(practice, actor, text):
    with practice.transaction() as tx:
        whole = search_clients(tx, actor, text)

    assert _pages(practice, actor, text, 3) == whole
    assert _pages(practice, actor, text, 1) == whole


def test_a_page_with_a_filter_continues_after_the_last_client_too(practice, actor):
    with practice.transaction() as tx:
        whole = search_clients(tx, actor, "", focus=follow_ups.ALL)
    assert _pages(practice, actor, "", 4, focus=follow_ups.ALL) == whole


@pytest.mark.embedded  # SQLite's query plan
def test_the_next_page_seeks_in_the_list_order_index_instead_of_skipping_rows(practice, actor):
    with practice.transaction() as tx:
        first = search_clients(tx, actor, "", limit=5)

    def run() -> None:
        with practice.transaction() as tx:
            search_clients(tx, actor, "", limit=5, after=first[-1])

    plans = query_plans(practice, run)
    assert any("ix_client_list_order" in line and line.startswith("SEARCH") for line in plans), plans


def test_a_client_added_above_the_rows_shown_does_not_make_a_row_appear_twice(qtbot, practice, actor, monkeypatch):
    monkeypatch.setattr(client_table, "PAGE", 5)
    main = MainWindow(practice, actor)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    model = main.model
    assert model.rowCount() == 5
    shown = [model.client_at(row).id for row in range(5)]
    with practice.transaction() as tx:  # another workstation adds a client that sorts first
        create_client(tx, actor, ClientInput("Els", "Aalders", "15-08-1962"), now=NOW)

    model.fetchMore()

    ids = [model.client_at(row).id for row in range(model.rowCount())]
    assert ids[:5] == shown
    assert len(ids) == len(set(ids)) == 10  # with skipped rows (OFFSET 5), the fifth came again


def test_scrolling_down_the_list_by_keyboard_reads_the_next_pages(qtbot, practice, actor, monkeypatch):
    monkeypatch.setattr(client_table, "PAGE", 4)
    main = MainWindow(practice, actor)
    qtbot.addWidget(main)
    main.resize(900, 420)  # fewer rows fit than there are clients: the list scrolls
    main.show()
    qtbot.waitExposed(main)
    main.activateWindow()
    qtbot.waitUntil(main.isActiveWindow)  # shortcuts need the active window
    QTest.keyClick(main, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: main.table.isVisible() and main.table.hasFocus())
    assert main.model.rowCount() < len(FAMILIES) * 2

    for _press in range(len(FAMILIES)):  # Ctrl+End: to the last row read; the view asks for the next page
        QTest.keyClick(main.table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
        qtbot.wait(20)
    qtbot.waitUntil(lambda: main.model.rowCount() == len(FAMILIES) * 2)
    assert main.table.currentIndex().row() > 4

    names = [main.model.client_at(row).sort_name for row in range(main.model.rowCount())]
    assert names == sorted(names, key=lambda name: name.lower())
    assert main.model.total == len(FAMILIES) * 2
