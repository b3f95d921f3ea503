"""Issue 12: the app on a practice database on a PostgreSQL server, as a person meets it: an empty
server database is set up through the welcome (the passphrase asked twice), a later start asks the
passphrase (a wrong one is refused and audited) and the PIN; the window offers no backup, restore
or new passphrase; on a server that cannot be reached the app says so and exits."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QMessageBox
from sqlmodel import select

from broadtalk import audit, i18n
from broadtalk.practitioners import Role
from broadtalk.store.server import ServerDatabase
from broadtalk.store.tables import AuditEntry
from broadtalk.ui import app as app_module
from broadtalk.ui.main_window import MainWindow
from broadtalk.ui.sign_in_dialogs import PassphraseDialog, SignInDialog
from broadtalk.ui.welcome import WelcomeDialog
from tests.ui.test_start_up import PASSPHRASE, PIN, RecordingWindow, _answers, passphrase, set_up_as, sign_in_with


@pytest.fixture
def windows(monkeypatch):
    """The main windows the app made, each recorded and closed at once (``test_start_up``)."""
    from broadtalk.ui import main_window

    i18n.set_language("en")
    RecordingWindow.made, RecordingWindow.then = [], []
    monkeypatch.setattr(main_window, "MainWindow", RecordingWindow)
    return RecordingWindow.made


@pytest.fixture
def empty_server(pg_server):
    name = "app_leeg"
    url = pg_server.create_database(name)
    yield url
    pg_server.drop_database(name)


def test_an_empty_server_database_is_set_up_through_the_welcome_then_opened_with_its_passphrase(
    qtbot, monkeypatch, windows, empty_server
):
    _answers(monkeypatch, WelcomeDialog, set_up_as("Fatima el Amrani", "social_worker", "Gezondheidscentrum Oost"))
    assert app_module.run_app(empty_server) == 0
    [made] = windows
    assert made["path"] is None and made["db"].is_server
    assert (made["actor"].name, made["actor"].role) == ("Fatima el Amrani", Role.SOCIAL_WORKER)

    asked = _answers(monkeypatch, PassphraseDialog, passphrase("verkeerde wachtzin"), passphrase(PASSPHRASE))
    _answers(monkeypatch, SignInDialog, sign_in_with(PIN))
    assert app_module.run_app(empty_server) == 0
    assert "does not open" in asked[1]
    shown = [label.text() for label in asked[0].findChildren(QLabel)]
    assert "The practice's data on the server is locked" in shown
    assert windows[1]["actor"] == windows[0]["actor"]

    db = ServerDatabase.open(empty_server, passphrase=PASSPHRASE)
    try:
        with db.transaction() as tx:
            actions = [e.action for e in tx.exec(select(AuditEntry).order_by(AuditEntry.id))]
            assert audit.verify_chain(tx).intact
        assert audit.Action.UNLOCK_FAILED in actions
    finally:
        db.close()


def test_the_window_on_a_server_offers_no_backup_or_restore_but_a_new_passphrase_for_every_text(
    qtbot, monkeypatch, server_url
):
    from tests.conftest import SERVER_PASSPHRASE

    i18n.set_language("en")
    db = ServerDatabase.open(server_url, passphrase=SERVER_PASSPHRASE)
    new = "vier grote beren op de server"
    try:
        with db.transaction() as tx:
            from broadtalk.workstation import set_up_workstation

            actor = set_up_workstation(tx, "Mirjam Bos", "practice_manager", "Oost", PIN)
        window = MainWindow(db, actor)
        qtbot.addWidget(window)
        assert not window.backup_action.isVisible()
        assert not window.restore_action.isVisible()
        assert window.passphrase_action.isVisible()
        assert not window.integrity_check.running
        told: list[str] = []
        monkeypatch.setattr(QMessageBox, "information", lambda _parent, _title, message: told.append(message))
        seen: list[str] = []

        def fill(dialog):
            seen.extend(label.text() for label in dialog.findChildren(QLabel))
            dialog.current_edit.setText(SERVER_PASSPHRASE)
            dialog.fields.passphrase_edit.setText(new)
            dialog.fields.repeat_edit.setText(new)
            dialog.ok_button.click()
            return dialog.result()

        monkeypatch.setattr("broadtalk.ui.sign_in_dialogs.ChangePassphraseDialog.exec", fill)
        window.passphrase_action.trigger()
        assert any("Ask everyone to close broadtalk first" in text for text in seen)
        assert told and "every workstation" in told[0]
        window.close()
    finally:
        db.close()
    ServerDatabase.open(server_url, passphrase=new).close()


def test_a_server_that_cannot_be_reached_is_said_and_the_app_exits(qtbot, monkeypatch):
    i18n.set_language("en")
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, text, *args: said.append(text))
    assert app_module.run_app("postgresql://u:geheim@127.0.0.1:1/praktijk") == 1
    assert "cannot be reached" in said[0] and "geheim" not in said[0]
