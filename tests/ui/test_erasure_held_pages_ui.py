"""Erasing from the client's page while another broadtalk holds the client's pages (issue 10):
the client is gone, and the user is told plainly that the erasure is not finished on disk yet."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from broadtalk import erasure
from broadtalk.clients import ClientInput, create_client
from broadtalk.i18n import _
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.store.database import Database
from broadtalk.store.tables import Client
from tests.conftest import NOW
from tests.ui.test_roles_ui import open_page


@pytest.fixture
def greet(db, actor):
    with db.transaction() as tx:
        return create_client(tx, actor, ClientInput("Greet", "Visser", "03-03-1942"), now=NOW)


@pytest.fixture
def manager(db):
    with db.transaction() as tx:
        return create_practitioner(tx, "Mirjam Bos", Role.PRACTICE_MANAGER, now=NOW)


@pytest.mark.embedded  # the file's pages held by a reader
def test_erasing_while_another_broadtalk_reads_says_the_erasure_is_not_finished(qtbot, db, greet, manager, monkeypatch):
    monkeypatch.setattr(erasure, "CHECKPOINT_PATIENCE", 0.2)
    main = open_page(qtbot, db, manager, greet.id)
    shown: list[tuple[str, str]] = []

    def warning(_parent, title, text, *_args):
        shown.append((title, text))
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "warning", warning)
    other = Database(db.path, None)  # a second broadtalk on the same file, in a read transaction
    reading = other.engine.connect()
    try:
        assert reading.exec_driver_sql("SELECT count(*) FROM client").scalar_one() == 1
        main.client_page.erase_button.click()
    finally:
        reading.close()
        other.close()
    assert len(shown) == 2, shown  # the question, then what is not finished
    assert shown[1] == (_("The erasure is not finished yet"), erasure.unfinished_message(greet.client_number))
    with db.transaction() as tx:
        assert tx.get(Client, greet.id) is None
    assert main.pages.currentIndex() == 0 and main.model.rowCount() == 0


def test_erasing_without_another_reader_asks_once_and_says_nothing_more(qtbot, db, greet, manager, monkeypatch):
    main = open_page(qtbot, db, manager, greet.id)
    shown: list[str] = []

    def warning(_parent, title, text, *_args):
        shown.append(title)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "warning", warning)
    main.client_page.erase_button.click()
    assert len(shown) == 1
    with db.transaction() as tx:
        assert tx.get(Client, greet.id) is None
