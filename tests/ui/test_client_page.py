"""The client page, driven through the real widgets (offscreen): the history it shows, the signals
it gives, and ticking actions off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from broadtalk import i18n
from broadtalk.client_history import client_history
from broadtalk.clients import ClientInput, create_client, get_client
from broadtalk.conversation_records import ActionEntry, ConversationContent, GoalEntry, record_conversation
from broadtalk.conversations import add_action, complete_conversation, start_conversation
from broadtalk.store.tables import Action
from broadtalk.ui.client_page import ActionsModel, ClientPage
from tests.conftest import NOW


@pytest.fixture(autouse=True)
def no_message_boxes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A modal box would hang the test; every message the page tries to show is recorded instead."""
    shown: list[str] = []
    for name in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(
            QMessageBox,
            name,
            staticmethod(lambda _parent, _title, text, *args, **kwargs: shown.append(text)),
        )
    return shown


@dataclass(frozen=True)
class Greet:
    client_id: int
    four_domains: int  # completed, 200 days ago
    health: int  # completed, 60 days ago
    self_sufficiency: int  # draft, today


@pytest.fixture
def greet(db, actor) -> Greet:
    """Greet with three conversations, made through the app's own use cases."""
    with db.transaction() as tx:
        client = create_client(
            tx,
            actor,
            ClientInput("Greet", "Berg", "03-03-1942", name_prefix="van den", phone="030 123 4567", city="Utrecht"),
            now=NOW,
        )
        first_day = NOW - timedelta(days=200)
        four_domains = record_conversation(
            tx,
            actor,
            client.id,
            ConversationContent(
                "four-domains",
                1,
                first_day,
                goals=[
                    GoalEntry(
                        "Minder alleen zijn",
                        "social",
                        actions=[ActionEntry("Aanmelden bij de maaltijd in het buurthuis", "Greet", date(2025, 9, 1))],
                    )
                ],
                completed_at=first_day + timedelta(minutes=55),
                duration_seconds=55 * 60,
            ),
        )
        health = start_conversation(tx, actor, client.id, "positive-health", 1, now=NOW - timedelta(days=60)).id
        add_action(tx, actor, health, "Wandelgroep op dinsdag proberen", who="Greet en dochter", now=NOW)
        complete_conversation(tx, actor, health, duration_seconds=70 * 60, now=NOW - timedelta(days=60, minutes=-70))
        draft = start_conversation(tx, actor, client.id, "self-sufficiency", 1, now=NOW).id
    return Greet(client.id, four_domains, health, draft)


@pytest.fixture
def page(qtbot, db, actor) -> ClientPage:
    widget = ClientPage(db, actor)
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    _activate(qtbot, widget)
    return widget


def _activate(qtbot, window) -> None:
    """The offscreen platform does not activate new windows by itself, as a desktop does."""
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def _column(model, column: int) -> list[str]:
    return [model.index(row, column).data() for row in range(model.rowCount())]


def test_conversations_are_listed_newest_first_with_the_models_dutch_title(page, greet):
    assert page.show_client(greet.client_id)
    model = page.conversations_model
    assert [model.conversation_at(row).id for row in range(model.rowCount())] == [
        greet.self_sufficiency,
        greet.health,
        greet.four_domains,
    ]
    assert _column(model, 1) == [
        "Zelfredzaamheid per levensdomein",
        "Gezondheid breed bekeken (zes dimensies)",
        "Vier domeinen (4D-model)",
    ]
    assert _column(model, 0)[0] == "02-03-2026"  # dd-mm-jjjj
    assert _column(model, 3) == ["Anouk de Vries"] * 3
    assert page.conversations_table.isVisible() and not page.conversations_section.empty.isVisible()


def test_status_and_duration_read_as_words(page, greet):
    i18n.set_language("en")
    page.show_client(greet.client_id)
    assert _column(page.conversations_model, 2) == ["Draft", "Completed", "Completed"]
    assert _column(page.conversations_model, 4) == ["–", "1 h 10 min", "55 min"]


def test_the_header_shows_name_client_number_and_dutch_birth_date(db, actor, page, greet):
    page.show_client(greet.client_id)
    with db.transaction() as tx:
        client = get_client(tx, actor, greet.client_id)
    assert page.name_label.text() == "Greet van den Berg"
    details = page.details_label.text()
    assert client.client_number in details and "03-03-1942" in details
    assert str(client.age_on(date.today())) in details
    assert "030 123 4567" in page.contact_label.text() and "Utrecht" in page.contact_label.text()


def test_enter_on_a_conversation_asks_to_open_it(qtbot, page, greet):
    page.show_client(greet.client_id)
    table = page.conversations_table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Down)
    assert table.currentIndex().row() == 1
    with qtbot.waitSignal(page.open_conversation_requested) as opened:
        qtbot.keyClick(table, Qt.Key.Key_Return)
    assert opened.args == [greet.health]


def test_double_click_on_a_conversation_asks_to_open_it(qtbot, page, greet):
    page.show_client(greet.client_id)
    table = page.conversations_table
    where = table.visualRect(page.conversations_model.index(2, 1)).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=where)
    with qtbot.waitSignal(page.open_conversation_requested) as opened:
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert opened.args == [greet.four_domains]


def test_the_page_opens_with_the_cursor_on_the_newest_conversation(qtbot, page, greet):
    page.show_client(greet.client_id)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.conversations_table)
    with qtbot.waitSignal(page.open_conversation_requested) as opened:
        qtbot.keyClick(page.conversations_table, Qt.Key.Key_Return)
    assert opened.args == [greet.self_sufficiency]


def test_new_conversation_asks_for_one_for_this_client(qtbot, page, greet):
    page.show_client(greet.client_id)
    with qtbot.waitSignal(page.start_conversation_requested) as asked:
        qtbot.mouseClick(page.new_conversation_button, Qt.MouseButton.LeftButton)
    assert asked.args == [greet.client_id]


def test_goals_and_actions_from_all_conversations_are_listed(page, greet):
    i18n.set_language("en")
    page.show_client(greet.client_id)
    assert _column(page.goals_model, 0) == ["Minder alleen zijn"]
    assert _column(page.goals_model, 1) == ["Social"]
    actions = page.actions_model
    assert _column(actions, ActionsModel.WHAT) == [
        "Aanmelden bij de maaltijd in het buurthuis",  # has a date: first
        "Wandelgroep op dinsdag proberen",
    ]
    assert _column(actions, ActionsModel.WHO) == ["Greet", "Greet en dochter"]
    assert _column(actions, ActionsModel.DUE) == ["01/09/2025", ""]
    assert page.actions_section.note.text() == "2 open"
    for table in (page.conversations_table, page.goals_table, page.actions_table):
        assert table.accessibleName()


def test_ticking_an_action_off_by_keyboard_is_stored_and_stays_in_sync(qtbot, db, page, greet):
    i18n.set_language("en")
    page.show_client(greet.client_id)
    table, model = page.actions_table, page.actions_model
    action = model.action_at(0)
    table.setFocus()
    table.setCurrentIndex(model.index(0, ActionsModel.DONE))
    qtbot.keyClick(table, Qt.Key.Key_Space)

    qtbot.waitUntil(
        lambda: model.index(0, ActionsModel.DONE).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    )
    with db.transaction() as tx:
        assert tx.get(Action, action.id).done is True
    # The row stays under the cursor; the count follows.
    assert model.action_at(0).id == action.id and model.action_at(0).done
    assert page.actions_section.note.text() == "1 open"

    qtbot.keyClick(table, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not model.action_at(0).done)
    with db.transaction() as tx:
        assert tx.get(Action, action.id).done is False


def test_ticking_an_action_off_by_mouse_on_a_completed_conversation(qtbot, db, actor, page, greet):
    page.show_client(greet.client_id)
    model = page.actions_model
    row = next(r for r in range(model.rowCount()) if model.action_at(r).conversation_id == greet.health)
    action_id = model.action_at(row).id
    model.setData(model.index(row, ActionsModel.DONE), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    with db.transaction() as tx:
        assert tx.get(Action, action_id).done is True
        assert next(a for a in client_history(tx, actor, greet.client_id).actions if a.id == action_id).done
    page.show_client(greet.client_id)
    assert model.action_at(model.rowCount() - 1).id == action_id  # done: at the bottom after a reload


def test_an_action_removed_meanwhile_is_reported_and_the_list_reloads(qtbot, db, page, greet, no_message_boxes):
    page.show_client(greet.client_id)
    model = page.actions_model
    gone = model.action_at(0).id
    with db.transaction() as tx:
        tx.delete(tx.get(Action, gone))
    assert not model.setData(
        model.index(0, ActionsModel.DONE), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole
    )
    assert len(no_message_boxes) == 1
    qtbot.waitUntil(lambda: model.rowCount() == 1)
    assert model.action_at(0).id != gone


def test_escape_asks_to_go_back_to_the_list(qtbot, page, greet):
    page.show_client(greet.client_id)
    page.conversations_table.setFocus()
    with qtbot.waitSignal(page.back_requested):
        qtbot.keyClick(page.conversations_table, Qt.Key.Key_Escape)


def test_alt_left_and_the_back_button_ask_to_go_back(qtbot, page, greet):
    page.show_client(greet.client_id)
    with qtbot.waitSignal(page.back_requested):
        qtbot.keyClick(page.conversations_table, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    with qtbot.waitSignal(page.back_requested):
        qtbot.mouseClick(page.back_button, Qt.MouseButton.LeftButton)


def test_editing_the_details_stores_them_refreshes_the_header_and_says_so(qtbot, db, actor, page, greet):
    page.show_client(greet.client_id)
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    dialog = page.client_dialog
    assert dialog is not None and dialog.isModal()
    _activate(qtbot, dialog)
    assert dialog.edits["family_name"].text() == "Berg"
    dialog.edits["family_name"].selectAll()
    qtbot.keyClicks(dialog.edits["family_name"], "Bergen")
    with qtbot.waitSignal(page.client_changed) as changed:
        qtbot.keyClick(dialog.edits["family_name"], Qt.Key.Key_Return)
    assert changed.args == [greet.client_id]
    with db.transaction() as tx:
        assert get_client(tx, actor, greet.client_id).family_name == "Bergen"
    assert page.name_label.text() == "Greet van den Bergen"
    assert page.conversations_model.rowCount() == 3


def test_cancelling_the_details_changes_nothing(qtbot, db, actor, page, greet):
    page.show_client(greet.client_id)
    page.edit_client()
    dialog = page.client_dialog
    _activate(qtbot, dialog)
    dialog.edits["given_name"].setText("Margaretha")
    with (
        qtbot.assertNotEmitted(page.client_changed),
        qtbot.assertNotEmitted(page.back_requested),  # Esc closes the dialog, not the page
        qtbot.waitSignal(dialog.rejected),
    ):
        qtbot.keyClick(dialog.edits["given_name"], Qt.Key.Key_Escape)
    assert page.name_label.text() == "Greet van den Berg"
    with db.transaction() as tx:
        assert get_client(tx, actor, greet.client_id).given_name == "Greet"


def test_a_client_without_conversations_gets_calm_sentences_and_the_new_conversation_button(qtbot, db, actor, page):
    with db.transaction() as tx:
        ron = create_client(tx, actor, ClientInput("Ron", "Jansen", "12-08-1980"), now=NOW)
    page.show_client(ron.id)
    for section in (page.conversations_section, page.goals_section, page.actions_section):
        assert section.is_empty
        assert section.empty.isVisible() and section.empty.text()
        assert not section.table.isVisible()
    assert page.actions_section.note.text() == ""
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.new_conversation_button)


def test_an_unknown_client_is_reported(page, no_message_boxes):
    assert not page.show_client(424242)
    assert len(no_message_boxes) == 1
    assert page.client is None


def test_refresh_shows_a_conversation_held_meanwhile(db, actor, page, greet):
    page.show_client(greet.client_id)
    with db.transaction() as tx:
        newest = start_conversation(tx, actor, greet.client_id, "four-domains", 1, now=NOW + timedelta(hours=2)).id
    page.refresh()
    assert page.conversations_model.conversation_at(0).id == newest
    assert page.conversations_model.rowCount() == 4
