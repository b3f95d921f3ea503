"""The first account of a practice runs it: a practice nurse who set up broadtalk through the
welcome finds Praktijk > Medewerkers and the restore, and in the accounts list she can let a
colleague also manage the practice (asked first, in the trail) and hand it over, but never
leave the practice without anyone who can manage its accounts."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlmodel import select

from broadtalk import i18n
from broadtalk.permissions import Permission, allows
from broadtalk.practitioners import Role, get_actor
from broadtalk.sign_in import ADMINISTERS_ON, add_account, sign_in
from broadtalk.store.tables import AuditEntry
from broadtalk.ui import backup_dialogs, practitioners_dialog
from broadtalk.ui.main_window import MainWindow
from broadtalk.ui.practitioners_dialog import PractitionersDialog
from broadtalk.ui.welcome import FIRST_ACCOUNT_NOTE, WelcomeDialog
from broadtalk.workstation import set_up_workstation

PIN = "48213"


@pytest.fixture(autouse=True)
def english() -> None:
    i18n.set_language("en")


@pytest.fixture
def questions(monkeypatch) -> list[str]:
    """Every question box is recorded and answered Yes; warnings are recorded."""
    asked: list[str] = []

    def question(_parent, _title, text, *args, **kwargs):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _p, _t, text, *a, **k: asked.append(text)))
    return asked


def _type(qtbot, text: str) -> None:
    if text:
        qtbot.keyClicks(QApplication.focusWidget(), text)


def _key(qtbot, key: Qt.Key) -> None:
    qtbot.keyClick(QApplication.focusWidget(), key)


def _welcome_as_practice_nurse(qtbot, db):
    """The welcome by keyboard in the default role, then set up as the app does."""
    welcome = WelcomeDialog()
    qtbot.addWidget(welcome)
    welcome.show()
    welcome.activateWindow()
    qtbot.waitUntil(welcome.name_edit.hasFocus, timeout=2000)
    # It says the role matters, and that this first account also runs the practice.
    assert welcome.role_combo.currentData() == Role.PRACTICE_NURSE.value
    assert welcome.role_note.isVisible() and i18n._(FIRST_ACCOUNT_NOTE) in welcome.role_note.text()
    assert "reads the conversations" in welcome.role_note.text()
    _type(qtbot, "Anouk de Vries")
    for text in ("", "De Linde", PIN, PIN, "lindeboom aan de gracht", "lindeboom aan de gracht"):
        _key(qtbot, Qt.Key.Key_Tab)
        _type(qtbot, text)
    with qtbot.waitSignal(welcome.accepted, timeout=2000):
        _key(qtbot, Qt.Key.Key_Return)
    values = welcome.values
    with db.transaction() as tx:
        return set_up_workstation(tx, values.name, values.role, values.practice_name, welcome.secret)


def test_the_role_note_follows_the_role_chosen(qtbot):
    welcome = WelcomeDialog()
    qtbot.addWidget(welcome)
    welcome.show()
    welcome.role_combo.setFocus()
    qtbot.keyClick(welcome.role_combo, Qt.Key.Key_End)  # administrator
    assert "never reads what was said" in welcome.role_note.text()
    assert welcome.role_combo.accessibleDescription() == welcome.role_note.text()


@pytest.mark.embedded  # backups and restores are the embedded file's (hidden on a server)
def test_a_practice_nurse_set_up_by_the_welcome_finds_practitioners_and_restore(qtbot, db, monkeypatch, questions):
    nurse = _welcome_as_practice_nurse(qtbot, db)
    assert nurse.role == Role.PRACTICE_NURSE and nurse.administers
    nurse = sign_in(db, nurse.id, PIN)  # as the app signs her in next time
    main = MainWindow(db, nurse)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    menu_actions = {action.text(): action for action in main.menuBar().actions()}
    practice_menu = menu_actions[i18n._("&Practice")].menu()
    visible = [a.text() for a in practice_menu.actions() if a.isVisible() and not a.isSeparator()]
    assert i18n._("&Practitioners…") in visible and i18n._("Re&store a backup…") in visible
    # Praktijk > Medewerkers opens the accounts list, not a refusal.
    shown: list[PractitionersDialog] = []
    monkeypatch.setattr(practitioners_dialog.PractitionersDialog, "exec", lambda self: shown.append(self) or 0)
    next(a for a in practice_menu.actions() if a.text() == i18n._("&Practitioners…")).trigger()
    [dialog] = shown
    assert dialog.may_manage and dialog.table.isVisibleTo(dialog) and dialog.account_names() == ["Anouk de Vries"]
    # Praktijk > Reservekopie terugzetten opens the restore dialog, not a refusal.
    restores: list[object] = []
    monkeypatch.setattr(backup_dialogs.RestoreDialog, "exec", lambda self: restores.append(self) or 0)
    main.restore_action.trigger()
    assert len(restores) == 1 and questions == []
    assert allows(nurse, Permission.VIEW_CONVERSATIONS)  # she still holds conversations


def _show(qtbot, dialog) -> None:
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.table)


def test_she_lets_a_colleague_also_manage_the_practice_and_then_hands_it_over(qtbot, db, questions):
    nurse = _welcome_as_practice_nurse(qtbot, db)
    with db.transaction() as tx:
        els = add_account(tx, nurse, "Els Bakker", Role.SOCIAL_WORKER, "24680")
    dialog = PractitionersDialog(db, nurse)
    _show(qtbot, dialog)
    rows = {dialog.table.item(r, dialog.NAME).text(): r for r in range(dialog.table.rowCount())}
    assert dialog.table.item(rows["Anouk de Vries"], dialog.NOTE).text() == "you, also manages the practice"
    assert dialog.table.item(rows["Els Bakker"], dialog.NOTE).text() == ""
    # Alone, she cannot give it up: the practice would have nobody to manage its accounts.
    dialog.select(nurse.id)
    assert dialog.manages_button.text() == "Stop &managing the practice"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(dialog.error.isVisible, timeout=3000)  # a mnemonic clicks after a short flash
    assert "only one who can manage" in dialog.error.text()
    with db.transaction() as tx:
        assert get_actor(tx, nurse.id).administers
    # Els: asked first, then she also manages it; the trail says who gave it to whom.
    dialog.select(els.id)
    assert dialog.manages_button.text() == "Also &manage the practice"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: bool(questions), timeout=3000)
    assert len(questions) == 1 and "Els Bakker" in questions[0] and "no access to conversations" in questions[0]
    assert dialog.status.text() == "Els Bakker now also manages the practice."
    assert dialog.table.item(rows["Els Bakker"], dialog.NOTE).text() == "also manages the practice"
    with db.transaction() as tx:
        assert get_actor(tx, els.id).administers
        [entry] = tx.exec(select(AuditEntry).where(AuditEntry.detail == ADMINISTERS_ON)).all()
    assert (entry.practitioner_id, entry.object_id) == (nurse.id, els.id)
    # Now Anouk can hand it over: she stays a practice nurse, and the dialog stops offering it.
    dialog.select(nurse.id)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: dialog.status.text() == "Anouk de Vries no longer manages the practice.", timeout=3000)
    assert dialog.updated_actor is not None and not dialog.updated_actor.administers
    assert not dialog.manages_button.isVisible()
    assert dialog.table.item(rows["Anouk de Vries"], dialog.NOTE).text() == "you"


def test_a_practice_manager_is_not_offered_it(qtbot, db, questions):
    nurse = _welcome_as_practice_nurse(qtbot, db)
    with db.transaction() as tx:
        mila = add_account(tx, nurse, "Mila Bos", Role.PRACTICE_MANAGER, "24680")
    dialog = PractitionersDialog(db, mila)
    _show(qtbot, dialog)
    assert dialog.may_manage and not dialog.manages_button.isVisible()
    rows = {dialog.table.item(r, dialog.NAME).text(): r for r in range(dialog.table.rowCount())}
    assert dialog.table.item(rows["Anouk de Vries"], dialog.NOTE).text() == "also manages the practice"


@pytest.mark.embedded  # the menu with restore (a server's: tests/ui/test_i12_app_on_server.py)
def test_after_handing_it_over_the_window_offers_what_her_role_allows(qtbot, db, monkeypatch, questions):
    nurse = _welcome_as_practice_nurse(qtbot, db)
    with db.transaction() as tx:
        els = add_account(tx, nurse, "Els Bakker", Role.SOCIAL_WORKER, "24680")
    main = MainWindow(db, nurse)
    qtbot.addWidget(main)
    main.show()
    assert main.restore_action.isVisible()

    def hand_over(dialog: PractitionersDialog) -> int:
        dialog.select(els.id)
        dialog.manages_button.click()  # Els also manages it (asked, answered Yes)
        dialog.select(nurse.id)
        dialog.manages_button.click()  # and Anouk gives it up
        return 0

    monkeypatch.setattr(practitioners_dialog.PractitionersDialog, "exec", hand_over)
    main.practice_actions[Permission.MANAGE_PRACTITIONERS].trigger()
    assert not main.actor.administers
    assert not main.restore_action.isVisible()
    assert not main.practice_actions[Permission.MANAGE_PRACTITIONERS].isVisible()
