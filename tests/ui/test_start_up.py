"""Start-up as a person meets it: the welcome with a passphrase and a PIN on a new computer, the
passphrase and sign-in on every later start, encrypting old plain data, the demo practice,
signing out, restoring a backup, and a damaged file. The dialogs are real; only their modal
``exec`` is replaced by a function that types into the real fields and presses the real button."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QMessageBox
from sqlmodel import select

from broadtalk import audit, config, i18n
from broadtalk.demo import DEMO_SECRET
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.settings import is_demo
from broadtalk.store.database import Database, is_encrypted_file, list_backups
from broadtalk.store.tables import AuditEntry
from broadtalk.ui import app as app_module
from broadtalk.ui.sign_in_dialogs import EncryptOfferDialog, NewSecretDialog, PassphraseDialog, SignInDialog
from broadtalk.ui.welcome import WelcomeDialog
from broadtalk.workstation import use_practitioner_here
from tests.conftest import NOW

PASSPHRASE = "lindeboom aan de gracht"
PIN = "48213"


class RecordingWindow(QMainWindow):
    """Stands in for the main window: records what it was given and ends the event loop.
    ``then`` holds what the next windows do on closing: sign out, or ask for a restore."""

    made: ClassVar[list[dict]] = []
    then: ClassVar[list[dict]] = []

    def __init__(self, db, actor, backup_dir=None):
        super().__init__()
        with db.transaction() as tx:
            RecordingWindow.made.append({"path": db.path, "actor": actor, "demo": is_demo(tx), "db": db})
        self.signed_out = False
        self.restore_request = None
        if RecordingWindow.then:
            for name, value in RecordingWindow.then.pop(0).items():
                setattr(self, name, value)

    def show(self) -> None:
        super().show()
        QTimer.singleShot(0, lambda: QApplication.instance().exit(0))


@pytest.fixture
def windows(monkeypatch):
    from broadtalk.ui import main_window

    i18n.set_language("en")
    RecordingWindow.made, RecordingWindow.then = [], []
    monkeypatch.setattr(main_window, "MainWindow", RecordingWindow)
    return RecordingWindow.made


def _answers(monkeypatch, cls, *answers):
    """Each modal exec of ``cls`` takes answers until the dialog is accepted: "cancel", or a
    function that fills in the real widgets and presses the dialog's own button, so its own
    checks run. A refused try keeps the dialog open (as for a person): what it said under the
    field is recorded and the next answer is typed into the same dialog."""
    pending = list(answers)
    shown: list = []

    def fake_exec(dialog) -> int:
        shown.append(dialog)
        while pending:
            answer = pending.pop(0)
            if answer == "cancel":
                dialog.reject()
                break
            answer(dialog)
            if dialog.result() == QDialog.DialogCode.Accepted:
                break
            error = getattr(dialog, "error", None)
            shown.append(error.text() if error is not None else "")
        return dialog.result()

    monkeypatch.setattr(cls, "exec", fake_exec)
    return shown


def set_up_as(name, role, practice, secret=PIN, passphrase=PASSPHRASE):
    def fill(dialog: WelcomeDialog) -> None:
        dialog.name_edit.setText(name)
        dialog.role_combo.setCurrentIndex(dialog.role_combo.findData(role))
        dialog.practice_edit.setText(practice)
        dialog.secret_edit.setText(secret)
        dialog.secret_repeat_edit.setText(secret)
        dialog.passphrase_edit.setText(passphrase)
        dialog.passphrase_repeat_edit.setText(passphrase)
        dialog.start_button.click()

    return fill


def demo(dialog: WelcomeDialog) -> None:
    dialog.demo_button.click()


def passphrase(text):
    def fill(dialog: PassphraseDialog) -> None:
        dialog.passphrase_edit.setText(text)
        dialog.ok_button.click()

    return fill


def sign_in_with(secret, name=None):
    def fill(dialog: SignInDialog) -> None:
        if name is not None:
            index = next(i for i in range(dialog.name_combo.count()) if dialog.name_combo.itemText(i).startswith(name))
            dialog.name_combo.setCurrentIndex(index)
        dialog.secret_edit.setText(secret)
        dialog.ok_button.click()

    return fill


def _entries(db: Database) -> list[AuditEntry]:
    with db.transaction() as tx:
        return list(tx.exec(select(AuditEntry).order_by(AuditEntry.id)))


def _set_up(monkeypatch, path: Path) -> None:
    _answers(monkeypatch, WelcomeDialog, set_up_as("Fatima el Amrani", "social_worker", "Gezondheidscentrum Oost"))
    assert app_module.run_app(path) == 0


def test_a_new_computer_is_set_up_encrypted_with_a_personal_pin_and_signed_in(qtbot, tmp_path, monkeypatch, windows):
    path = tmp_path / "practice.sqlite"
    _set_up(monkeypatch, path)

    [made] = windows
    assert (made["actor"].name, made["actor"].role) == ("Fatima el Amrani", Role.SOCIAL_WORKER)
    assert is_encrypted_file(path)
    for file in [path, *path.parent.glob("*.sqlite-wal")]:
        assert b"Fatima" not in file.read_bytes() and b"Gezondheidscentrum" not in file.read_bytes()
    db = Database.open(path, passphrase=PASSPHRASE)
    try:
        actions = [e.action for e in _entries(db)]
        assert actions[:2] == [audit.Action.CREATE, audit.Action.SIGN_IN]
    finally:
        db.close()
    # A rotating backup was made on exit, encrypted like the data.
    [backup] = list_backups(path.parent / "backups")
    assert is_encrypted_file(backup)


def test_a_weak_passphrase_or_differing_pins_keep_the_welcome_open_with_the_reason(
    qtbot, tmp_path, monkeypatch, windows
):
    path = tmp_path / "practice.sqlite"
    shown = _answers(
        monkeypatch,
        WelcomeDialog,
        set_up_as("Fatima el Amrani", "social_worker", "Oost", passphrase="kort"),
        "cancel",
    )
    assert app_module.run_app(path) == 0
    assert windows == [] and not path.exists()
    assert "at least 8 characters" in shown[0].passphrase_error.text()


def test_a_later_start_asks_the_passphrase_then_the_pin_and_audits_the_wrong_attempts(
    qtbot, tmp_path, monkeypatch, windows
):
    path = tmp_path / "practice.sqlite"
    _set_up(monkeypatch, path)
    asked = _answers(monkeypatch, PassphraseDialog, passphrase("verkeerde wachtzin"), passphrase(PASSPHRASE))
    signs = _answers(monkeypatch, SignInDialog, sign_in_with("00000"), sign_in_with(PIN))

    assert app_module.run_app(path) == 0

    assert "does not open" in asked[1]
    assert "not right" in signs[1]
    assert windows[1]["actor"] == windows[0]["actor"]
    db = Database.open(path, passphrase=PASSPHRASE)
    try:
        actions = [e.action for e in _entries(db)]
        with db.transaction() as tx:
            assert audit.verify_chain(tx).intact
    finally:
        db.close()
    # then the check for access given since (the access notice) is recorded
    assert actions[-4:] == [
        audit.Action.UNLOCK_FAILED,
        audit.Action.SIGN_IN_FAILED,
        audit.Action.SIGN_IN,
        audit.Action.VIEW,
    ]


def test_giving_up_at_the_passphrase_leaves_the_file_byte_identical(qtbot, tmp_path, monkeypatch, windows):
    path = tmp_path / "practice.sqlite"
    _set_up(monkeypatch, path)
    before = path.read_bytes()
    _answers(monkeypatch, PassphraseDialog, passphrase("nog een verkeerde"), "cancel")
    assert app_module.run_app(path) == 0
    assert len(windows) == 1
    assert path.read_bytes() == before


def test_plain_data_from_before_sign_in_gets_a_pin_and_is_offered_encryption(qtbot, tmp_path, monkeypatch, windows):
    path = tmp_path / "practice.sqlite"
    old = Database.open(path)  # as an earlier broadtalk left it: plain, a practitioner without PIN
    with old.transaction() as tx:
        nurse = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
        use_practitioner_here(tx, nurse)
    old.close()

    def choose_pin(dialog: NewSecretDialog) -> None:
        dialog.secret_edit.setText(PIN)
        dialog.repeat_edit.setText(PIN)
        dialog.ok_button.click()

    def encrypt(dialog: EncryptOfferDialog) -> None:
        dialog.fields.passphrase_edit.setText(PASSPHRASE)
        dialog.fields.repeat_edit.setText(PASSPHRASE)
        dialog.ok_button.click()

    _answers(monkeypatch, NewSecretDialog, choose_pin)
    _answers(monkeypatch, EncryptOfferDialog, encrypt)
    assert app_module.run_app(path) == 0

    assert windows[0]["actor"] == nurse
    assert is_encrypted_file(path)
    assert b"Anouk" not in path.read_bytes()
    # Next start: passphrase and PIN.
    _answers(monkeypatch, PassphraseDialog, passphrase(PASSPHRASE))
    _answers(monkeypatch, SignInDialog, sign_in_with(PIN))
    assert app_module.run_app(path) == 0
    assert windows[1]["actor"] == nurse


def test_the_demo_practice_signs_in_with_the_demo_pin_shown_in_the_dialog(qtbot, tmp_path, monkeypatch, windows):
    monkeypatch.setattr(app_module, "DEMO_CLIENTS", 5)
    _answers(monkeypatch, WelcomeDialog, demo)
    signs = _answers(monkeypatch, SignInDialog, sign_in_with(DEMO_SECRET))
    assert app_module.run_app(tmp_path / "practice.sqlite") == 0
    assert DEMO_SECRET in signs[0].explanation.text()
    [made] = windows
    assert made["demo"] and made["path"] == config.data_dir() / "demo.sqlite"
    assert made["actor"].role == Role.PRACTICE_NURSE
    assert not (tmp_path / "practice.sqlite").exists()  # the own practice is still to be set up


def test_signing_out_shows_the_sign_in_again_for_a_colleague(qtbot, tmp_path, monkeypatch, windows):
    monkeypatch.setattr(app_module, "DEMO_CLIENTS", 5)
    _answers(monkeypatch, WelcomeDialog, demo)
    RecordingWindow.then = [{"signed_out": True}]
    _answers(monkeypatch, SignInDialog, sign_in_with(DEMO_SECRET), sign_in_with(DEMO_SECRET, "Joyce"))
    assert app_module.run_app(tmp_path / "practice.sqlite") == 0
    assert len(windows) == 2
    assert windows[0]["actor"].role == Role.PRACTICE_NURSE
    assert (windows[1]["actor"].name, windows[1]["actor"].role) == ("Joyce van Dijk", Role.PRACTICE_MANAGER)


def test_a_restore_asked_for_in_the_window_puts_the_backup_in_place(qtbot, tmp_path, monkeypatch, windows):
    path = tmp_path / "practice.sqlite"
    _set_up(monkeypatch, path)
    [backup] = list_backups(path.parent / "backups")
    db = Database.open(path, passphrase=PASSPHRASE)
    with db.transaction() as tx:
        create_practitioner(tx, "Later Toegevoegd", Role.PRACTICE_MANAGER, now=NOW)
    db.close()
    RecordingWindow.then = [{"restore_request": (backup, PASSPHRASE)}]
    _answers(monkeypatch, PassphraseDialog, passphrase(PASSPHRASE))
    _answers(monkeypatch, SignInDialog, sign_in_with(PIN), sign_in_with(PIN))
    assert app_module.run_app(path) == 0
    assert len(windows) == 3
    restored = Database.open(path, passphrase=PASSPHRASE)
    try:
        from broadtalk.practitioners import list_practitioners

        with restored.transaction() as tx:
            names = [a.name for a in list_practitioners(tx)]
        assert "Later Toegevoegd" not in names
        assert audit.Action.RESTORE in [e.action for e in _entries(restored)]
    finally:
        restored.close()


def test_a_damaged_file_is_refused_with_the_way_out_and_left_alone(qtbot, tmp_path, monkeypatch, windows):
    path = tmp_path / "practice.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + b"\x13" * 5000)
    shown: list[str] = []

    def closed(box: QMessageBox) -> int:  # the person reads the message and closes it
        shown.append(box.text())
        assert [b.text() for b in box.buttons()] == ["Restore a &backup…", "&Close"]  # the way out is offered
        return 0

    monkeypatch.setattr(QMessageBox, "exec", closed)
    before = path.read_bytes()
    assert app_module.run_app(path) == 1
    assert windows == []
    assert shown and "backup" in shown[0]
    assert path.read_bytes() == before


def test_a_damaged_file_can_be_replaced_by_a_backup_at_start(qtbot, tmp_path, monkeypatch, windows):
    path = tmp_path / "practice.sqlite"
    _set_up(monkeypatch, path)  # closing the app made a backup
    [backup] = list_backups(path.parent / "backups")
    data = bytearray(path.read_bytes())
    data[5000:5400] = b"\x00" * 400  # a damaged page (the disk, a crash of another program)
    path.write_bytes(bytes(data))
    damaged = path.read_bytes()

    def restore_instead(dialog: PassphraseDialog) -> None:
        dialog.passphrase_edit.setText(PASSPHRASE)
        dialog.ok_button.click()  # the passphrase is right, the file is not
        assert "damaged" in dialog.error.text()
        restore = next(b for b in dialog.buttons.buttons() if b.text() == "Restore a &backup…")
        restore.click()

    def choose(dialog) -> int:
        assert dialog.current_choice() == backup  # the newest backup is offered first
        dialog.passphrase_edit.setText(PASSPHRASE)
        dialog.restore_button.click()
        return dialog.result()

    _answers(monkeypatch, PassphraseDialog, restore_instead)
    monkeypatch.setattr("broadtalk.ui.backup_dialogs.RestoreDialog.exec", choose)
    monkeypatch.setattr(QMessageBox, "question", lambda *args: QMessageBox.StandardButton.Yes)
    _answers(monkeypatch, SignInDialog, sign_in_with(PIN))
    assert app_module.run_app(path) == 0
    assert windows[-1]["actor"].name == "Fatima el Amrani"
    kept = [p for p in (path.parent / "backups").iterdir() if "damaged" in p.name]
    assert len(kept) == 1 and kept[0].read_bytes() == damaged  # the damaged bytes are kept aside
