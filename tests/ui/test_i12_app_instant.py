"""Issue 12, "the app is instant": work removed from a keystroke and from opening a client.

Not timing (that is the benchmark's): what the app does. A keystroke in the client list asks the
model only for the rows on screen (no resize-to-contents over every loaded row); the client's page
is built when a client is first opened, not at start-up; the trend cards of one client are used
again for the next, and the formatted texts of a table are kept between the view's questions.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication

from broadtalk.clients import ClientInput, create_client
from broadtalk.conversation_records import ConversationContent, DomainEntry, record_conversation
from broadtalk.ui.client_table import PAGE, ClientTableModel
from broadtalk.ui.main_window import MainWindow
from tests.conftest import NOW

HEALTH = (
    "bodily-functions",
    "mental-wellbeing",
    "meaningfulness",
    "quality-of-life",
    "participation",
    "daily-functioning",
)


def _clients(db, actor, count: int) -> list[int]:
    ids = []
    with db.transaction() as tx:
        for n in range(count):
            client = create_client(
                tx, actor, ClientInput(f"Anna{n:03d}", f"Aalberg{n:03d}", f"0{1 + n % 9}-02-1950"), now=NOW
            )
            ids.append(client.id)
    return ids


def _scored(db, actor, client_id: int, model_id: str, scores: dict[str, int], days_ago: int = 30) -> None:
    started = NOW - timedelta(days=days_ago)
    with db.transaction() as tx:
        record_conversation(
            tx,
            actor,
            client_id,
            ConversationContent(
                model_id,
                1,
                started,
                domains=[DomainEntry(domain, score) for domain, score in scores.items()],
                completed_at=started + timedelta(minutes=40),
            ),
        )


@pytest.fixture
def window(qtbot, db, actor):
    main = MainWindow(db, actor)
    qtbot.addWidget(main)
    main.resize(1000, 600)
    main.show()
    qtbot.waitExposed(main)
    yield main
    main.close()
    main.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


def test_a_keystroke_asks_the_model_only_for_the_rows_on_screen(qtbot, db, actor, monkeypatch):
    _clients(db, actor, PAGE + 20)
    asked: set[int] = set()
    original = ClientTableModel.data

    def counting(self, index, role=Qt.ItemDataRole.DisplayRole):
        asked.add(index.row())
        return original(self, index, role)

    monkeypatch.setattr(ClientTableModel, "data", counting)
    main = MainWindow(db, actor)
    qtbot.addWidget(main)
    main.resize(1000, 600)
    main.show()
    qtbot.waitExposed(main)
    main.show_list()
    qtbot.wait(50)
    assert main.model.rowCount() == PAGE  # one page loaded
    asked.clear()
    main.search.setFocus()
    qtbot.keyClicks(main.search, "aalb")
    qtbot.waitUntil(lambda: main.model.rowCount() == PAGE and main.model._search == "aalb")
    qtbot.wait(50)
    on_screen = main.table.rowAt(main.table.viewport().height() - 1)
    on_screen = main.model.rowCount() - 1 if on_screen < 0 else on_screen
    assert asked, "the rows on screen were painted"
    assert max(asked) <= on_screen + 1, f"rows off screen were asked for: up to {max(asked)}, shown {on_screen}"
    main.close()


def test_the_list_columns_fit_their_texts_without_measuring_every_row(qtbot, db, actor, window):
    _clients(db, actor, 3)
    window.show_list()
    qtbot.wait(20)
    table, model = window.table, window.model
    metrics = table.fontMetrics()
    for column in (0, 2, 3, 4):
        texts = [str(model.headerData(column, Qt.Orientation.Horizontal))]
        texts += [str(model.index(row, column).data()) for row in range(model.rowCount())]
        widest = max(metrics.horizontalAdvance(text) for text in texts)
        assert table.columnWidth(column) >= widest, (column, texts)


def test_a_new_search_updates_the_rows_and_keeps_the_keyboard_way(qtbot, db, actor, window):
    _clients(db, actor, 5)
    with db.transaction() as tx:
        create_client(tx, actor, ClientInput("Kees", "Zwart", "01-01-1960"), now=NOW)
    window.show_list()
    window.table.selectRow(3)
    window.search.setFocus()
    qtbot.keyClicks(window.search, "zwart")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    assert window.model.index(0, 1).data() == "Zwart, Kees"
    assert not window.table.selectionModel().hasSelection()  # no row chosen by an earlier search
    window.search.clear()
    qtbot.waitUntil(lambda: window.model.rowCount() == 6)
    assert [window.model.index(r, 1).data() for r in range(6)][-1] == "Zwart, Kees"
    qtbot.keyClicks(window.search, "kees")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    with qtbot.waitSignal(window.pages.currentChanged):
        qtbot.keyClick(window.search, Qt.Key.Key_Return)  # one match: Enter opens it
    assert window.client_page.name_label.text() == "Kees Zwart"


def test_the_client_page_is_built_when_a_client_is_first_opened(qtbot, db, actor, window):
    (client_id,) = _clients(db, actor, 1)
    assert window._client_page is None
    window.show_client(client_id)
    page = window.client_page
    assert window.pages.currentWidget() is page
    window.show_list()
    window.show_client(client_id)
    assert window.client_page is page  # built once


def test_the_next_client_reuses_the_trend_cards_and_shows_their_own_scores(qtbot, db, actor, window):
    many, fewer = _clients(db, actor, 2)
    _scored(db, actor, many, "self-sufficiency", {"finances": 4, "housing": 4})
    _scored(db, actor, fewer, "positive-health", dict.fromkeys(HEALTH, 7))
    window.show_client(many)
    panel = window.client_page.trends_panel
    cards = list(panel.domain_trends)
    assert len(cards) > len(HEALTH)
    window.show_list()
    window.show_client(fewer)
    assert panel.domain_trends == cards[: len(HEALTH)]  # the same cards, not new ones
    assert [card.chart.data().scores for card in panel.domain_trends] == [(7,)] * len(HEALTH)
    assert [card.table.cell_text(0, 1) for card in panel.domain_trends] == ["7"] * len(HEALTH)
    assert all(card.isVisible() for card in panel.domain_trends)
    assert not any(card.isVisible() for card in cards[len(HEALTH) :])
    window.show_list()
    window.show_client(many)  # the spare cards come back, with this client's scores
    assert panel.domain_trends == cards
    assert all(card.isVisible() for card in cards)
    assert sum(card.chart.data().scores == (4,) for card in cards) == 2


def test_a_search_with_less_than_a_page_is_not_counted_again(qtbot, db, actor, window, monkeypatch):
    from broadtalk.ui import client_table

    _clients(db, actor, PAGE + 5)
    counted = []
    original = client_table.count_clients
    monkeypatch.setattr(client_table, "count_clients", lambda *a, **k: counted.append(1) or original(*a, **k))
    window.model.set_search("anna007")
    assert window.model.total == window.model.rowCount() == 1
    assert counted == []  # the rows themselves say how many there are
    window.model.set_search("")
    assert window.model.total == PAGE + 5 and window.model.rowCount() == PAGE
    assert counted == [1]  # a full page: there may be more, so they are counted
