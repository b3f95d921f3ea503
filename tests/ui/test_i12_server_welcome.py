"""Issue 12: the app's first start offers the practice's server beside the data on this computer.
Driven through the real dialogs: the address is tried off the screen's thread and kept only when
the server answered; an empty server database is then set up through the welcome (which says it
is on the server), a set-up one is opened with the practice's passphrase; the next start goes to
the server by itself; a chosen server that does not answer can be changed; and the choice can be
taken back."""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

import pytest
from PySide6.QtWidgets import QDialog, QLabel, QMessageBox

from broadtalk import config, i18n
from broadtalk.ui import app as app_module
from broadtalk.ui import server_dialog as server_dialog_module
from broadtalk.ui.server_dialog import ServerDialog
from broadtalk.ui.sign_in_dialogs import PassphraseDialog, SignInDialog
from broadtalk.ui.welcome import WelcomeDialog
from tests.ui.test_start_up import PASSPHRASE, PIN, RecordingWindow, _answers, passphrase, set_up_as, sign_in_with


@pytest.fixture
def windows(monkeypatch):
    from broadtalk.ui import main_window

    i18n.set_language("en")
    RecordingWindow.made, RecordingWindow.then = [], []
    monkeypatch.setattr(main_window, "MainWindow", RecordingWindow)
    return RecordingWindow.made


def connect_to(qtbot, url: str, *, password: str | None = None, secure: bool = False):
    """Fill the server dialog from ``url``'s parts, press Connect and wait for the answer."""
    parts = urlsplit(url)

    def fill(dialog: ServerDialog) -> None:
        dialog.host_edit.setText(parts.hostname or "")
        dialog.port_edit.setText(str(parts.port or ""))
        dialog.database_edit.setText(parts.path.lstrip("/"))
        dialog.user_edit.setText(parts.username or "")
        dialog.password_edit.setText(parts.password if password is None else password)
        dialog.secure_check.setChecked(secure)
        dialog.ok_button.click()
        qtbot.waitUntil(
            lambda: dialog.result() == QDialog.DialogCode.Accepted or bool(dialog.error.text()), timeout=20_000
        )

    return fill


def choose_server(dialog: WelcomeDialog) -> None:
    assert dialog.server_button is not None
    dialog.server_button.click()


def _texts(dialog) -> list[str]:
    return [label.text() for label in dialog.findChildren(QLabel)]


def test_the_first_start_sets_up_the_practice_on_the_chosen_server_and_the_next_start_goes_there(
    qtbot, monkeypatch, windows, empty_server_url
):
    welcomes = _answers(
        monkeypatch,
        WelcomeDialog,
        choose_server,
        set_up_as("Fatima el Amrani", "social_worker", "Gezondheidscentrum Oost"),
    )
    password = urlsplit(empty_server_url).password
    _answers(monkeypatch, ServerDialog, connect_to(qtbot, empty_server_url))
    assert app_module.run_app() == 0

    [made] = windows
    assert made["db"].is_server and made["actor"].name == "Fatima el Amrani"
    first, on_server = welcomes[0], welcomes[1]
    assert first.server_button is not None and on_server.server_button is None
    place = urlsplit(empty_server_url)
    assert any(f"127.0.0.1:{place.port}{place.path}" in text and "server" in text for text in _texts(on_server))
    assert any("before they reach the server" in text for text in _texts(on_server))
    assert on_server.demo_button.text().replace("&", "") == "Keep the data on this computer instead"

    address = config.remembered_server()
    assert address is not None and password not in address
    assert password in config.server_password_file().read_text()
    assert not config.default_db_path().exists()  # nothing of the practice on this computer

    # The next start: straight to the server, its passphrase, the PIN.
    asked = _answers(monkeypatch, PassphraseDialog, passphrase(PASSPHRASE))
    _answers(monkeypatch, SignInDialog, sign_in_with(PIN))
    assert app_module.run_app() == 0
    assert "The practice's data on the server is locked" in _texts(asked[0])
    assert windows[1]["db"].is_server and windows[1]["actor"] == made["actor"]


def test_a_second_workstation_joins_a_practice_already_on_the_server(qtbot, monkeypatch, windows, server_url):
    from tests.conftest import SERVER_PASSPHRASE

    _answers(monkeypatch, WelcomeDialog, choose_server)
    _answers(monkeypatch, ServerDialog, connect_to(qtbot, server_url))
    asked = _answers(monkeypatch, PassphraseDialog, passphrase(SERVER_PASSPHRASE))
    _answers(monkeypatch, SignInDialog, "cancel")
    assert app_module.run_app() == 0
    assert len(asked) == 1  # asked the practice's passphrase, then the sign-in (closed here)
    assert config.remembered_server() is not None


def test_wrong_details_are_said_in_the_dialog_and_nothing_is_kept(qtbot, empty_server_url):
    i18n.set_language("en")
    dialog = ServerDialog()
    qtbot.addWidget(dialog)
    dialog.show()

    dialog.ok_button.click()  # nothing filled in
    assert "server's name or address" in dialog.error.text()
    assert dialog.focusWidget() is dialog.host_edit

    connect_to(qtbot, empty_server_url)(dialog)  # clears the fields' old message as typed
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert config.remembered_server() is not None
    config.forget_server()

    again = ServerDialog()
    qtbot.addWidget(again)
    again.show()
    connect_to(qtbot, empty_server_url, password="not the password")(again)
    assert "refused the user name or password" in again.error.text()
    assert "not the password" not in again.error.text()
    assert again.result() != QDialog.DialogCode.Accepted and again.ok_button.isEnabled()
    connect_to(qtbot, "postgresql://u:x@127.0.0.1:1/praktijk")(again)
    assert "cannot be reached" in again.error.text()
    again.port_edit.setText("port")
    again.ok_button.click()
    assert "1 to 65535" in again.error.text() and again.focusWidget() is again.port_edit
    assert config.remembered_server() is None


def test_a_pasted_address_fills_the_fields(qtbot):
    dialog = ServerDialog()
    qtbot.addWidget(dialog)
    dialog.host_edit.setText("postgresql://poh%40oost:ge%3Aheim@db.oost.local:6543/praktijk?sslmode=require")
    assert (dialog.host_edit.text(), dialog.port_edit.text(), dialog.database_edit.text()) == (
        "db.oost.local",
        "6543",
        "praktijk",
    )
    assert (dialog.user_edit.text(), dialog.password_edit.text()) == ("poh@oost", "ge:heim")
    assert dialog.secure_check.isChecked()


def test_cancelling_while_the_server_is_tried_keeps_nothing(qtbot, monkeypatch):
    release = threading.Event()
    started = threading.Event()

    def slow(server, password):
        started.set()
        release.wait(10)
        return True

    monkeypatch.setattr(server_dialog_module, "try_server", slow)
    dialog = ServerDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    for field, value in (
        (dialog.host_edit, "db.local"),
        (dialog.database_edit, "praktijk"),
        (dialog.user_edit, "poh"),
    ):
        field.setText(value)
    dialog.ok_button.click()
    assert started.wait(5)
    assert not dialog.ok_button.isEnabled() and not dialog.host_edit.isEnabled()  # busy, not frozen
    dialog.cancel_button.click()
    assert dialog.result() == QDialog.DialogCode.Rejected
    running = set(server_dialog_module._RUNNING)
    release.set()
    for trial in running:
        assert trial.wait(5000)
    qtbot.wait(50)  # the trial's answer, had it been connected, would arrive now
    assert config.remembered_server() is None


def test_a_database_named_on_the_command_line_offers_no_server(qtbot, monkeypatch, windows, tmp_path):
    welcomes = _answers(monkeypatch, WelcomeDialog, "cancel")
    assert app_module.run_app(tmp_path / "practice.sqlite") == 0
    assert welcomes[0].server_button is None


def test_a_chosen_server_that_does_not_answer_can_be_changed_or_left(qtbot, monkeypatch, windows, empty_server_url):
    i18n.set_language("en")
    config.remember_server(
        "postgresql://poh@127.0.0.1:1/praktijk", host="127.0.0.1", port=1, database="praktijk", user="poh", password=""
    )
    said: list[str] = []
    choices = ["Try again", "Close"]

    def answer(box: QMessageBox) -> int:
        said.append(box.text())
        wanted = choices.pop(0)
        next(b for b in box.buttons() if b.text().replace("&", "") == wanted).click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", answer)
    assert app_module.run_app() == 1
    assert len(said) == 2 and "cannot be reached" in said[0]

    # Changed to a server that answers: its (empty) database is set up through the welcome.
    choices[:] = ["Change the server…"]
    welcomes = _answers(monkeypatch, WelcomeDialog, "cancel")
    _answers(monkeypatch, ServerDialog, connect_to(qtbot, empty_server_url))
    assert app_module.run_app() == 0
    assert welcomes[0].server_button is None
    assert welcomes[0].demo_button.text().replace("&", "") == "Keep the data on this computer instead"
    assert f":{urlsplit(empty_server_url).port}/" in config.remembered_server()


def test_the_choice_of_server_can_be_taken_back_in_the_welcome(qtbot, monkeypatch, windows, empty_server_url):
    def keep_here(dialog: WelcomeDialog) -> None:
        dialog.demo_button.click()

    welcomes = _answers(
        monkeypatch,
        WelcomeDialog,
        choose_server,
        keep_here,
        set_up_as("Fatima el Amrani", "social_worker", "Gezondheidscentrum Oost"),
    )
    _answers(monkeypatch, ServerDialog, connect_to(qtbot, empty_server_url))
    assert app_module.run_app() == 0
    assert len(welcomes) == 3 and welcomes[2].server_button is not None  # back at the first welcome
    assert config.remembered_server() is None and not config.server_password_file().exists()
    [made] = windows
    assert made["path"] == config.default_db_path() and not made["db"].is_server


def test_the_sign_in_on_a_shared_server_shows_who_last_signed_in_on_this_workstation(
    qtbot, monkeypatch, windows, server_url
):
    from broadtalk.sign_in import add_account
    from broadtalk.store.server import ServerDatabase
    from broadtalk.workstation import set_up_workstation
    from tests.conftest import SERVER_PASSPHRASE

    db = ServerDatabase.open(server_url, passphrase=SERVER_PASSPHRASE)
    with db.transaction() as tx:
        first = set_up_workstation(tx, "Mirjam Bos", "practice_manager", "Oost", PIN)
        second = add_account(tx, first, "Anouk de Vries", "practice_nurse", PIN)
    db.close()
    shown: list[int] = []

    def sign_in_as(name):
        def fill(dialog: SignInDialog) -> None:
            shown.append(dialog.practitioner_id())
            sign_in_with(PIN, name)(dialog)

        return fill

    _answers(monkeypatch, PassphraseDialog, passphrase(SERVER_PASSPHRASE), passphrase(SERVER_PASSPHRASE))
    _answers(monkeypatch, SignInDialog, sign_in_as("Anouk"), sign_in_as("Anouk"))
    assert app_module.run_app(server_url) == 0
    assert app_module.run_app(server_url) == 0
    assert shown == [first.id, second.id]  # the set-up account, then who signed in here last
    assert [made["actor"].id for made in windows] == [second.id, second.id]
