"""The screen lock, signing out, backups and restore from the main window, driven through the
real widgets (offscreen)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlmodel import select

from broadtalk import audit
from broadtalk.clients import ClientInput, create_client
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.settings import AUTO_LOCK_DEFAULT, auto_lock_minutes
from broadtalk.sign_in import add_account
from broadtalk.store.database import Database, is_encrypted_file
from broadtalk.store.tables import AuditEntry
from broadtalk.ui.client_dialog import ClientDialog
from broadtalk.ui.main_window import MainWindow
from broadtalk.ui.screen_lock import Curtain, UnlockDialog
from broadtalk.workstation import set_up_workstation
from tests.conftest import NOW

PIN = "24680"
PASSPHRASE = "drie kleine katjes"


@pytest.fixture
def nurse(db):
    with db.transaction() as tx:
        return set_up_workstation(tx, "Anouk de Vries", Role.PRACTICE_NURSE, "Praktijk De Linde", PIN, now=NOW)


@pytest.fixture
def window(qtbot, db, nurse):
    with db.transaction() as tx:
        create_client(tx, nurse, ClientInput("Greet", "Visser", "03-03-1942"), now=NOW)
    main = MainWindow(db, nurse)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    yield main
    main.idle.stop()  # a short idle time set by a test must not lock the window again while it closes
    if main.screen_lock.is_locked:  # a locked window refuses to close; open it for the teardown
        main.screen_lock.dialog.accept()


def actions(db) -> list[str]:
    with db.transaction() as tx:
        return [e.action for e in tx.exec(select(AuditEntry).order_by(AuditEntry.id))]


def curtains() -> list[Curtain]:
    return [w for w in QApplication.allWidgets() if isinstance(w, Curtain) and w.isVisible()]


def unlock_dialog(window: MainWindow) -> UnlockDialog:
    dialog = window.screen_lock.dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_ctrl_l_covers_the_window_and_only_the_right_pin_opens_it(qtbot, db, window):
    window.setWindowTitle("broadtalk – Praktijk De Linde")
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    dialog = unlock_dialog(window)
    # Only this window's curtain: a window of an earlier test may not have been deleted yet.
    (curtain,) = [c for c in curtains() if c.parent() is window]
    assert curtain.geometry() == window.rect()
    assert window.windowTitle() == "broadtalk"
    assert window.screen_lock.is_locked

    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # no way around it
    assert window.screen_lock.is_locked and dialog.isVisible()

    qtbot.keyClicks(dialog.secret_edit, "11111")
    qtbot.keyClick(dialog.secret_edit, Qt.Key.Key_Return)
    assert window.screen_lock.is_locked
    assert "niet juist" in dialog.error.text()  # Dutch: "De pincode of het wachtwoord is niet juist"

    dialog.secret_edit.clear()
    qtbot.keyClicks(dialog.secret_edit, PIN)
    qtbot.keyClick(dialog.secret_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.screen_lock.is_locked)
    assert curtains() == []
    assert window.windowTitle() == "broadtalk – Praktijk De Linde"
    assert actions(db)[-3:] == [audit.Action.LOCK, audit.Action.UNLOCK_FAILED, audit.Action.UNLOCK]


def test_the_screen_locks_itself_after_the_idle_time(qtbot, db, window):
    with db.transaction() as tx:
        assert auto_lock_minutes(tx) == AUTO_LOCK_DEFAULT
    assert window.idle.interval_ms == AUTO_LOCK_DEFAULT * 60_000
    window.idle.set_interval(80)
    qtbot.waitUntil(lambda: window.screen_lock.is_locked, timeout=3000)
    assert curtains()


def test_typing_keeps_the_screen_unlocked(qtbot, window):
    window.idle.set_interval(400)
    for _ in range(8):  # 8 × 100 ms of typing is longer than the idle time
        qtbot.keyClick(window.search, Qt.Key.Key_A)
        qtbot.wait(100)
        assert not window.screen_lock.is_locked
    qtbot.waitUntil(lambda: window.screen_lock.is_locked, timeout=3000)


def test_what_was_typed_in_an_open_dialog_survives_the_lock(qtbot, db, nurse, window):
    dialog = ClientDialog(db, nurse, None, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    field = dialog.findChildren(type(window.search))[0]
    field.setFocus()
    qtbot.keyClicks(field, "Ayse")
    window.lock()
    covered = {curtain.parent() for curtain in curtains()}
    assert {window, dialog} <= covered  # the dialog's contents are hidden too
    assert dialog.isVisible()  # nothing was closed
    lock = unlock_dialog(window)
    qtbot.keyClicks(lock.secret_edit, PIN)
    qtbot.keyClick(lock.secret_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.screen_lock.is_locked)
    assert field.text() == "Ayse"
    assert dialog.isVisible()


def test_a_locked_window_cannot_be_closed_around_the_lock(qtbot, window):
    window.lock()
    assert window.close() is False
    assert window.isVisible()


def test_sign_out_closes_the_window_for_the_next_practitioner(qtbot, window):
    window.sign_out()
    assert window.signed_out
    assert not window.isVisible()


@pytest.mark.embedded  # the menu with backups (a server's: tests/ui/test_i12_app_on_server.py)
def test_the_practice_menu_offers_only_what_the_role_allows(qtbot, db, nurse):
    with db.transaction() as tx:
        manager = create_practitioner(tx, "Mirjam Bos", Role.PRACTICE_MANAGER, now=NOW)
        admin = create_practitioner(tx, "Sander Kok", Role.ADMINISTRATOR, now=NOW)
        colleague = create_practitioner(tx, "Els Bakker", Role.PRACTICE_NURSE, now=NOW)
    seen = {}
    for who in (colleague, manager, admin):
        main = MainWindow(db, who)
        qtbot.addWidget(main)
        seen[who.role] = {a.text() for a in main.practice_menu.actions() if a.isVisible() and a.text()}
    # Every care provider sees how referrals fare (the monitor), makes handover documents and
    # reads a recipient's answer back.
    assert seen[Role.PRACTICE_NURSE] == {
        "&Reservekopie maken…",
        "M&onitor…",
        "Overdrachtsdocumenten &exporteren…",
        "Antwoord van een ontvanger &inlezen…",
        "Dossier van een &cliënt inlezen…",
    }
    # The nurse who set up the practice also runs it (the first account).
    main = MainWindow(db, nurse)
    qtbot.addWidget(main)
    assert {a.text() for a in main.practice_menu.actions() if a.isVisible() and a.text()} >= seen[Role.ADMINISTRATOR]
    assert "&Audittrail…" in seen[Role.PRACTICE_MANAGER]
    assert "Reservekopie &terugzetten…" not in seen[Role.PRACTICE_MANAGER]
    assert "Reservekopie &terugzetten…" in seen[Role.ADMINISTRATOR]


@pytest.mark.embedded  # backups and restores are the embedded file's (hidden on a server)
def test_back_up_now_writes_a_checked_backup_and_audits_it(qtbot, db, window, tmp_path, monkeypatch):
    target = tmp_path / "kopie.sqlite"
    monkeypatch.setattr("broadtalk.ui.file_dialogs.ask_save_path", lambda *args, **kwargs: target)
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda *args: told.append(args[2]))
    window.back_up()
    assert target.exists() and told and str(target) in told[0]
    copy = Database.open(target, migrate=False)
    try:
        with copy.transaction() as tx:
            assert [e.action for e in tx.exec(select(AuditEntry))]  # the data came along
    finally:
        copy.close()
    assert actions(db)[-1] == audit.Action.BACKUP


@pytest.mark.embedded  # backups and restores are the embedded file's (hidden on a server)
def test_a_backup_never_overwrites_a_file(qtbot, db, window, tmp_path, monkeypatch):
    target = tmp_path / "bestaat.sqlite"
    target.write_bytes(b"iets anders")
    monkeypatch.setattr("broadtalk.ui.file_dialogs.ask_save_path", lambda *args, **kwargs: target)
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warned.append(args[2]))
    window.back_up()
    assert target.read_bytes() == b"iets anders"
    assert warned and "bestaat al" in warned[0]


@pytest.fixture
def encrypted(tmp_path) -> Database:
    database = Database.open(tmp_path / "versleuteld.sqlite", passphrase=PASSPHRASE)
    yield database
    database.close()


def test_restore_checks_the_backup_then_asks_the_app_to_replace_the_data(qtbot, encrypted, tmp_path, monkeypatch):
    with encrypted.transaction() as tx:
        admin = set_up_workstation(tx, "Sander Kok", Role.ADMINISTRATOR, "Praktijk De Linde", PIN, now=NOW)
    backup = encrypted.backup_to(tmp_path / "backups" / "versleuteld-on-exit-20260301T120000000000Z.sqlite")
    assert is_encrypted_file(backup)
    main = MainWindow(encrypted, admin, tmp_path / "backups")
    qtbot.addWidget(main)
    main.show()
    monkeypatch.setattr(QMessageBox, "question", lambda *args: QMessageBox.StandardButton.Yes)

    def choose(dialog):
        assert dialog.list.count() == 1
        assert "01-03-2026" in dialog.list.item(0).text()  # made on, in Dutch
        dialog.restore_button.click()
        return dialog.result()

    monkeypatch.setattr("broadtalk.ui.backup_dialogs.RestoreDialog.exec", choose)
    main.restore()
    assert main.restore_request == (backup, PASSPHRASE)
    assert not main.isVisible()


def test_restore_refuses_a_junk_file_under_the_list_and_changes_nothing(qtbot, encrypted, tmp_path, monkeypatch):
    with encrypted.transaction() as tx:
        admin = set_up_workstation(tx, "Sander Kok", Role.ADMINISTRATOR, "Praktijk De Linde", PIN, now=NOW)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"geen database" * 100)
    main = MainWindow(encrypted, admin, tmp_path / "backups")
    qtbot.addWidget(main)
    seen = []

    def choose(dialog):
        dialog.choose_file(junk)
        dialog.restore_button.click()
        seen.append(dialog.error.text())
        return 0

    monkeypatch.setattr("broadtalk.ui.backup_dialogs.RestoreDialog.exec", choose)
    main.restore()
    assert seen and "niets aan veranderd" in seen[0]
    assert main.restore_request is None
    assert junk.read_bytes() == b"geen database" * 100


@pytest.mark.embedded  # backups and restores are the embedded file's (hidden on a server)
def test_a_nurse_is_refused_a_restore_by_the_core(qtbot, db, nurse, window, monkeypatch):
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warned.append(args[2]))
    with db.transaction() as tx:  # a colleague: the nurse who set up the practice also runs it
        colleague = add_account(tx, nurse, "Els Bakker", Role.PRACTICE_NURSE, PIN)
    window = MainWindow(db, colleague)
    qtbot.addWidget(window)
    window.restore()
    assert warned and window.restore_request is None
    assert actions(db)[-1] == audit.Action.REFUSED


def test_the_data_passphrase_is_changed_from_the_practice_menu(qtbot, encrypted, tmp_path, monkeypatch):
    with encrypted.transaction() as tx:
        admin = set_up_workstation(tx, "Sander Kok", Role.ADMINISTRATOR, "Praktijk De Linde", PIN, now=NOW)
        add_account(tx, admin, "Anouk de Vries", Role.PRACTICE_NURSE, PIN)
    main = MainWindow(encrypted, admin, tmp_path / "backups")
    qtbot.addWidget(main)
    assert main.passphrase_action.isVisible()
    monkeypatch.setattr(QMessageBox, "information", lambda *args: None)
    new = "vier grote beren"
    messages = []

    def fill(dialog):
        dialog.current_edit.setText("fout fout fout")
        dialog.fields.passphrase_edit.setText(new)
        dialog.fields.repeat_edit.setText(new)
        dialog.ok_button.click()
        messages.append(dialog.error.text())
        dialog.current_edit.setText(PASSPHRASE)
        dialog.ok_button.click()
        return dialog.result()

    monkeypatch.setattr("broadtalk.ui.sign_in_dialogs.ChangePassphraseDialog.exec", fill)
    main.change_passphrase()
    assert messages and messages[0]
    path = encrypted.path
    encrypted.close()
    Database.open(path, passphrase=new).close()


def test_the_settings_keep_the_idle_minutes(qtbot, db, nurse):
    with db.transaction() as tx:
        manager = create_practitioner(tx, "Mirjam Bos", Role.PRACTICE_MANAGER, now=NOW)
    main = MainWindow(db, manager)
    qtbot.addWidget(main)
    from broadtalk.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(db, manager, main)
    qtbot.addWidget(dialog)
    dialog.lock_minutes.setValue(12)
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    with db.transaction() as tx:
        assert auto_lock_minutes(tx) == 12
