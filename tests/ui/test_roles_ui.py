"""What each role is offered on the client's page, and erasing a client from it (real widgets)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox
from sqlmodel import select

from broadtalk import audit
from broadtalk.clients import ClientInput, create_client
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.store.tables import AuditEntry, Client
from broadtalk.ui.main_window import MainWindow
from tests.conftest import NOW


@pytest.fixture
def greet(db, actor):
    with db.transaction() as tx:
        return create_client(tx, actor, ClientInput("Greet", "Visser", "03-03-1942"), now=NOW)


@pytest.fixture
def manager(db):
    with db.transaction() as tx:
        return create_practitioner(tx, "Mirjam Bos", Role.PRACTICE_MANAGER, now=NOW)


def open_page(qtbot, db, who, client_id) -> MainWindow:
    main = MainWindow(db, who)
    qtbot.addWidget(main)
    main.show()
    main.show_client(client_id)
    assert main.pages.currentWidget() is main.client_page
    return main


def test_a_nurse_sees_the_whole_history_and_no_erase_button(qtbot, db, actor, greet):
    page = open_page(qtbot, db, actor, greet.id).client_page
    assert page.conversations_section.isVisible() and page.new_conversation_button.isVisible()
    assert not page.erase_button.isVisible() and not page.role_note.isVisible()
    assert page.referrals_panel.new_button.isVisible()


def test_a_practice_manager_sees_details_and_referrals_but_no_conversations(qtbot, db, greet, manager):
    page = open_page(qtbot, db, manager, greet.id).client_page
    assert page.name_label.text() == "Greet Visser"
    assert not page.conversations_section.isVisible()
    assert not page.goals_section.isVisible() and not page.actions_section.isVisible()
    assert not page.new_conversation_button.isVisible() and not page.edit_button.isVisible()
    assert page.role_note.isVisible() and "praktijkmanager" in page.role_note.text()
    panel = page.referrals_panel
    assert panel.isVisible() and not panel.new_button.isVisible() and panel.handover_button.isVisible()


def test_erasing_from_the_client_page_asks_first_then_removes_the_client(qtbot, db, greet, manager, monkeypatch):
    main = open_page(qtbot, db, manager, greet.id)
    asked = []

    def answer(*args):
        asked.append(args[2])
        return QMessageBox.StandardButton.Cancel if len(asked) == 1 else QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "warning", answer)
    main.client_page.erase_button.click()  # first: Cancel
    with db.transaction() as tx:
        assert tx.get(Client, greet.id) is not None
    main.client_page.erase_button.click()  # then: Yes
    assert "Greet Visser" in asked[0] and "niet ongedaan" in asked[0]
    with db.transaction() as tx:
        assert tx.get(Client, greet.id) is None
        erased = tx.exec(select(AuditEntry).where(AuditEntry.action == audit.Action.ERASE)).all()
    assert [(e.client_id, e.practitioner_id) for e in erased] == [(greet.id, manager.id)]
    assert main.pages.currentIndex() == 0 and main.model.rowCount() == 0
