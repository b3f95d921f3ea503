"""Practitioner accounts on screen, driven through the real widgets (offscreen): a manager adds,
resets and switches off accounts by keyboard; every refusal of the core shows under the fields
and changes nothing; anyone changes their own PIN knowing the current one."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget
from sqlmodel import select

from broadtalk import i18n
from broadtalk.errors import BroadtalkError
from broadtalk.permissions import PermissionRefused
from broadtalk.practitioners import (
    EMAIL,
    PHONE,
    Actor,
    PractitionerContact,
    Role,
    create_practitioner,
    list_practitioners,
    practitioner_contact,
)
from broadtalk.sign_in import add_account, can_sign_in, reset_secret, set_practitioner_contact, sign_in
from broadtalk.store.tables import AuditEntry
from broadtalk.ui.practitioners_dialog import (
    AddAccountDialog,
    ChangeOwnSecretDialog,
    ContactDetailsDialog,
    PractitionersDialog,
    ResetSecretDialog,
)

MANAGER_PIN = "24680"


@pytest.fixture(autouse=True)
def english() -> None:
    i18n.set_language("en")


@pytest.fixture(autouse=True)
def questions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A modal box would hang the test: every question is recorded and answered Yes."""
    asked: list[str] = []

    def question(_parent, _title, text, *args, **kwargs):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    for name in ("warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(lambda _p, _t, text, *a, **k: asked.append(text)))
    return asked


@pytest.fixture
def manager(db) -> Actor:
    with db.transaction() as tx:
        manager = create_practitioner(tx, "Mila Manager", Role.PRACTICE_MANAGER)
        reset_secret(tx, manager, manager.id, MANAGER_PIN)  # a manager may set anyone's, their own too
    return manager


def _show(qtbot, widget: QWidget, focus: QWidget | None = None) -> None:
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    if focus is not None:
        qtbot.waitUntil(lambda: QApplication.focusWidget() is focus)


def _focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "no widget has the keyboard focus"  # QTest would abort, not fail
    return widget


def _type(qtbot, text: str) -> None:
    qtbot.keyClicks(_focused(), text)


def _key(qtbot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(_focused(), key, modifier)


def _alt(qtbot, letter: Qt.Key) -> None:
    _key(qtbot, letter, Qt.KeyboardModifier.AltModifier)


def _drive_modal(monkeypatch, cls, drive: Callable[[QDialog], None]) -> list[QDialog]:
    """Replace the modal loop of ``cls`` by showing it and letting ``drive`` work it by keyboard."""
    opened: list[QDialog] = []

    def exec_(self) -> int:
        opened.append(self)
        self.show()
        self.activateWindow()
        drive(self)
        return int(self.result())

    monkeypatch.setattr(cls, "exec", exec_)
    return opened


def _signs_in(db, practitioner_id: int, secret: str) -> bool:
    try:
        sign_in(db, practitioner_id, secret)
    except BroadtalkError:  # a wrong secret, or an account that is gone
        return False
    return True


def _former_command_line_account(db) -> Actor:
    """The administrator account without a PIN that older versions made for the command line."""
    from broadtalk.practitioners import COMMAND_LINE_KEY
    from broadtalk.settings import write_setting

    with db.transaction() as tx:
        account = create_practitioner(tx, "Opdrachtregel", Role.ADMINISTRATOR)
        write_setting(tx, COMMAND_LINE_KEY, str(account.id))
    return account


def _ids(db) -> set[int]:
    with db.transaction() as tx:
        return {account.id for account in list_practitioners(tx)}


# -- adding an account ----------------------------------------------------------------------------


def test_a_manager_adds_a_social_worker_by_keyboard_who_can_then_sign_in(qtbot, monkeypatch, db, actor, manager):
    def fill_in(dialog: AddAccountDialog) -> None:
        qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.name_edit)
        _type(qtbot, "Sanne  Bakker ")
        _alt(qtbot, Qt.Key.Key_R)
        assert _focused() is dialog.role_combo
        _key(qtbot, Qt.Key.Key_Down)  # practice nurse -> social worker
        _key(qtbot, Qt.Key.Key_Tab)
        assert _focused() is dialog.secret_edit
        _type(qtbot, "97531")
        _key(qtbot, Qt.Key.Key_Tab)
        _type(qtbot, "97531")
        _key(qtbot, Qt.Key.Key_Return)

    opened = _drive_modal(monkeypatch, AddAccountDialog, fill_in)
    dialog = PractitionersDialog(db, manager)
    _show(qtbot, dialog, dialog.table)
    assert dialog.account_names() == ["Anouk de Vries", "Mila Manager"]
    _alt(qtbot, Qt.Key.Key_A)  # a button's mnemonic clicks it after a short flash
    qtbot.waitUntil(lambda: dialog.status.isVisible(), timeout=3000)

    (add,) = opened
    assert add.result() == QDialog.DialogCode.Accepted
    added = add.added
    assert (added.name, added.role) == ("Sanne Bakker", Role.SOCIAL_WORKER)
    assert add.secret_edit.echoMode() == add.secret_edit.EchoMode.Password
    assert dialog.account_names() == ["Anouk de Vries", "Mila Manager", "Sanne Bakker"]
    assert dialog.selected_account() == added
    assert "Sanne Bakker can now sign in" in dialog.status.text()
    assert sign_in(db, added.id, "97531") == added
    assert not _signs_in(db, added.id, "13579")


@pytest.mark.parametrize(
    ("secret", "repeated", "message"),
    [
        ("97531", "97532", "The two entries differ"),
        ("123", "123", "too short; use at least 5 characters"),
    ],
)
def test_a_short_or_differing_pin_shows_the_cores_message_and_stores_nothing(
    qtbot, db, actor, manager, secret, repeated, message
):
    before = _ids(db)
    dialog = AddAccountDialog(db, manager)
    _show(qtbot, dialog, dialog.name_edit)
    _type(qtbot, "Sanne Bakker")
    dialog.secret_edit.setText(secret)
    dialog.repeat_edit.setText(repeated)
    _key(qtbot, Qt.Key.Key_Return)

    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.error.isVisible() and message in dialog.error.text()
    assert dialog.secret_edit.accessibleDescription() == dialog.error.text()
    assert QApplication.focusWidget() is dialog.secret_edit
    assert dialog.repeat_edit.text() == ""  # typed again, both
    assert dialog.added is None
    assert _ids(db) == before


def test_an_empty_name_is_refused_under_the_fields_with_the_cursor_in_the_name(qtbot, db, actor, manager):
    before = _ids(db)
    dialog = AddAccountDialog(db, manager)
    _show(qtbot, dialog, dialog.name_edit)
    dialog.secret_edit.setText("97531")
    dialog.repeat_edit.setText("97531")
    dialog.ok_button.click()

    assert dialog.isVisible() and "name is empty" in dialog.error.text()
    assert QApplication.focusWidget() is dialog.name_edit
    assert _ids(db) == before


def test_every_field_has_a_label_with_its_own_mnemonic_and_a_screen_reader_name(qtbot, db, actor, manager):
    account = Actor(actor.id, actor.name, actor.role)
    for dialog in (
        AddAccountDialog(db, manager),
        ResetSecretDialog(db, manager, account),
        ChangeOwnSecretDialog(db, manager),
    ):
        _show(qtbot, dialog)
        labels = [
            dialog.form.itemAt(row, dialog.form.ItemRole.LabelRole).widget() for row in range(dialog.form.rowCount())
        ]
        letters = []
        for label in labels:
            assert "&" in label.text() and label.buddy().accessibleName() == label.text().replace("&", "")
            letters.append(label.text()[label.text().index("&") + 1].lower())
        ok = dialog.ok_button.text()
        letters.append(ok[ok.index("&") + 1].lower())
        assert len(letters) == len(set(letters)), letters
        for field in labels[-2:]:  # the new secret and its repetition
            assert field.buddy().echoMode() == field.buddy().EchoMode.Password
        assert dialog.minimumWidth() >= 480


# -- the list and its actions ---------------------------------------------------------------------


def test_the_list_shows_name_and_role_and_marks_you_and_the_command_line(qtbot, db, actor, manager):
    cli = _former_command_line_account(db)
    dialog = PractitionersDialog(db, manager)
    _show(qtbot, dialog, dialog.table)
    rows = {
        dialog.table.item(row, 0).text(): (dialog.table.item(row, 1).text(), dialog.table.item(row, 2).text())
        for row in range(dialog.table.rowCount())
    }
    assert rows["Anouk de Vries"] == ("Practice nurse (POH)", "")
    assert rows["Mila Manager"] == ("Practice manager", "you")
    assert rows[cli.name][0] == "Administrator" and "command line" in rows[cli.name][1]
    # The command line account is never given a PIN nor switched off from here.
    assert dialog.select(cli.id)
    assert not dialog.reset_button.isEnabled() and not dialog.switch_off_button.isEnabled()
    assert dialog.select(actor.id)
    assert dialog.reset_button.isEnabled() and dialog.switch_off_button.isEnabled()
    assert dialog.minimumWidth() >= 600 and dialog.minimumHeight() >= 400
    assert dialog.table.accessibleName() == "Active accounts"
    for button in (dialog.add_button, dialog.reset_button, dialog.switch_off_button, dialog.close_button):
        assert "&" in button.text()


def test_reset_pin_gives_a_new_one_and_the_old_one_no_longer_signs_in(qtbot, monkeypatch, db, manager):
    with db.transaction() as tx:
        worker = add_account(tx, manager, "Sanne Bakker", Role.SOCIAL_WORKER, "97531")

    def fill_in(dialog: ResetSecretDialog) -> None:
        qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.secret_edit)
        _type(qtbot, "11223")
        _key(qtbot, Qt.Key.Key_Tab)
        _type(qtbot, "11223")
        _key(qtbot, Qt.Key.Key_Return)

    opened = _drive_modal(monkeypatch, ResetSecretDialog, fill_in)
    dialog = PractitionersDialog(db, manager)
    _show(qtbot, dialog, dialog.table)
    assert dialog.select(worker.id)
    _alt(qtbot, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: dialog.status.isVisible(), timeout=3000)

    (reset,) = opened
    assert reset.account == worker and reset.result() == QDialog.DialogCode.Accepted
    assert "Sanne Bakker" in dialog.status.text()
    assert _signs_in(db, worker.id, "11223")
    assert not _signs_in(db, worker.id, "97531")


def test_a_differing_new_pin_at_reset_is_refused_and_the_old_one_still_works(qtbot, db, manager):
    with db.transaction() as tx:
        worker = add_account(tx, manager, "Sanne Bakker", Role.SOCIAL_WORKER, "97531")
    dialog = ResetSecretDialog(db, manager, worker)
    _show(qtbot, dialog, dialog.secret_edit)
    _type(qtbot, "11223")
    _key(qtbot, Qt.Key.Key_Tab)
    _type(qtbot, "11224")
    _key(qtbot, Qt.Key.Key_Return)
    assert dialog.isVisible() and "The two entries differ" in dialog.error.text()
    assert _signs_in(db, worker.id, "97531")
    assert not _signs_in(db, worker.id, "11223")


def test_switching_off_asks_first_and_the_account_can_no_longer_sign_in(qtbot, db, manager, questions):
    with db.transaction() as tx:
        worker = add_account(tx, manager, "Sanne Bakker", Role.SOCIAL_WORKER, "97531")
    dialog = PractitionersDialog(db, manager)
    _show(qtbot, dialog, dialog.table)
    dialog.select(worker.id)
    _alt(qtbot, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: dialog.status.isVisible(), timeout=3000)

    assert len(questions) == 1 and "Sanne Bakker" in questions[0]
    assert "Sanne Bakker" not in dialog.account_names()
    assert "switched off" in dialog.status.text()
    assert worker.id not in _ids(db)
    with db.transaction() as tx:
        assert worker.id not in {account.id for account in can_sign_in(tx)}
    assert not _signs_in(db, worker.id, "97531")


def test_answering_no_switches_nothing_off(qtbot, monkeypatch, db, actor, manager):
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.No))
    dialog = PractitionersDialog(db, manager)
    _show(qtbot, dialog, dialog.table)
    dialog.select(actor.id)
    dialog.switch_off_button.click()
    assert actor.id in _ids(db)
    assert "Anouk de Vries" in dialog.account_names()


def test_switching_off_your_own_account_is_refused_with_the_cores_message(qtbot, db, actor, manager, questions):
    dialog = PractitionersDialog(db, manager)
    _show(qtbot, dialog, dialog.table)
    dialog.select(manager.id)
    dialog.switch_off_button.click()

    assert questions == []  # nothing to confirm: the core says no at once
    assert dialog.error.isVisible()
    assert "You cannot switch off your own account" in dialog.error.text()
    assert manager.id in _ids(db)
    assert _signs_in(db, manager.id, MANAGER_PIN)


def test_a_practice_nurse_is_offered_nothing_and_the_core_still_refuses(qtbot, db, actor, manager):
    dialog = PractitionersDialog(db, actor)
    _show(qtbot, dialog)
    assert not dialog.may_manage
    for widget in (dialog.table, dialog.add_button, dialog.reset_button, dialog.switch_off_button):
        assert not widget.isVisible()
    assert "may not manage practitioner accounts" in dialog.explanation.text()
    assert dialog.close_button.isVisible()

    # Whatever a screen offers, the core decides.
    before = _ids(db)
    with pytest.raises(PermissionRefused), db.transaction() as tx:
        add_account(tx, actor, "Sanne Bakker", Role.SOCIAL_WORKER, "97531")
    assert _ids(db) == before
    # And a nurse who somehow reaches the add dialog gets the refusal under the fields.
    add = AddAccountDialog(db, actor)
    _show(qtbot, add, add.name_edit)
    _type(qtbot, "Sanne Bakker")
    add.secret_edit.setText("97531")
    add.repeat_edit.setText("97531")
    _key(qtbot, Qt.Key.Key_Return)
    assert add.isVisible() and "may not manage practitioner accounts" in add.error.text()
    assert _ids(db) == before


# -- your own PIN ---------------------------------------------------------------------------------


def test_changing_your_own_pin_needs_the_current_one(qtbot, db, manager):
    with db.transaction() as tx:
        worker = add_account(tx, manager, "Sanne Bakker", Role.SOCIAL_WORKER, "97531")
    dialog = ChangeOwnSecretDialog(db, worker)
    _show(qtbot, dialog, dialog.current_edit)
    _type(qtbot, "00000")
    _key(qtbot, Qt.Key.Key_Tab)
    _type(qtbot, "55667")
    _key(qtbot, Qt.Key.Key_Tab)
    _type(qtbot, "55667")
    _key(qtbot, Qt.Key.Key_Return)

    assert dialog.isVisible() and "current PIN or password is not right" in dialog.error.text()
    assert QApplication.focusWidget() is dialog.current_edit
    assert _signs_in(db, worker.id, "97531")

    _type(qtbot, "97531")  # the wrong one is selected: typing replaces it
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        _key(qtbot, Qt.Key.Key_Return)
    assert _signs_in(db, worker.id, "55667")
    assert not _signs_in(db, worker.id, "97531")


def test_a_manager_choosing_reset_on_their_own_row_must_know_their_current_pin(qtbot, monkeypatch, db, manager):
    def fill_in(dialog: ChangeOwnSecretDialog) -> None:
        qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.current_edit)
        _type(qtbot, MANAGER_PIN)
        _alt(qtbot, Qt.Key.Key_N)
        _type(qtbot, "86420")
        _alt(qtbot, Qt.Key.Key_G)
        _type(qtbot, "86420")
        _key(qtbot, Qt.Key.Key_Return)

    opened = _drive_modal(monkeypatch, ChangeOwnSecretDialog, fill_in)
    monkeypatch.setattr(ResetSecretDialog, "exec", lambda self: pytest.fail("no reset of one's own PIN"))
    dialog = PractitionersDialog(db, manager)
    _show(qtbot, dialog, dialog.table)
    dialog.select(manager.id)
    dialog.reset_button.click()

    assert len(opened) == 1 and opened[0].result() == QDialog.DialogCode.Accepted
    assert _signs_in(db, manager.id, "86420")
    assert not _signs_in(db, manager.id, MANAGER_PIN)


# -- direct line and e-mail -----------------------------------------------------------------------


def _contact(db, practitioner_id: int):
    with db.transaction() as tx:
        return practitioner_contact(tx, practitioner_id)


def test_a_nurse_sets_her_own_direct_line_and_email_by_keyboard(qtbot, db, actor):
    dialog = ContactDetailsDialog(db, actor)
    _show(qtbot, dialog, dialog.phone_edit)
    assert dialog.windowTitle() == "My details"
    assert dialog.heading.text() == "Anouk de Vries, Practice nurse (POH)"
    _type(qtbot, "030 765 43 21")
    _alt(qtbot, Qt.Key.Key_E)
    assert _focused() is dialog.email_edit
    _type(qtbot, "a.devries@delinde.nl")
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        _key(qtbot, Qt.Key.Key_Return)
    assert dialog.contact == PractitionerContact(
        "Anouk de Vries", Role.PRACTICE_NURSE, "030 765 43 21", "a.devries@delinde.nl"
    )
    assert _contact(db, actor.id) == dialog.contact
    with db.transaction() as tx:
        (entry,) = tx.exec(select(AuditEntry).where(AuditEntry.object_type == "practitioner")).all()
    assert (entry.action, entry.object_id, entry.detail) == ("change", actor.id, "contact")


def test_bad_contact_details_show_under_their_fields_and_nothing_is_saved(qtbot, db, actor):
    with db.transaction() as tx:
        set_practitioner_contact(tx, actor, actor.id, phone="030-1234567", email="")
    dialog = ContactDetailsDialog(db, actor)
    _show(qtbot, dialog, dialog.phone_edit)
    assert dialog.phone_edit.text() == "030-1234567"
    dialog.phone_edit.setText("030-12345")
    dialog.email_edit.setText("anouk@delinde")
    _key(qtbot, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.contact is None
    assert "has 8 digits; a Dutch number has 10" in dialog.errors[PHONE].text()
    assert "is not an e-mail address" in dialog.errors[EMAIL].text()
    assert dialog.errors[PHONE].isVisible() and dialog.errors[EMAIL].isVisible()
    assert _focused() is dialog.phone_edit and dialog.phone_edit.selectedText() == "030-12345"
    assert dialog.phone_edit.accessibleDescription() == dialog.errors[PHONE].text()
    assert _contact(db, actor.id).phone == "030-1234567"

    _type(qtbot, "030-1234568")  # typing replaces the selected number and clears its message
    assert not dialog.errors[PHONE].isVisible() and dialog.errors[EMAIL].isVisible()
    dialog.email_edit.clear()
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        _key(qtbot, Qt.Key.Key_Return)
    assert _contact(db, actor.id).phone == "030-1234568"


def test_the_contact_fields_have_labels_with_mnemonics_and_screen_reader_names(qtbot, db, actor):
    dialog = ContactDetailsDialog(db, actor)
    _show(qtbot, dialog)
    assert dialog.phone_edit.accessibleName() == "Direct line"
    assert dialog.email_edit.accessibleName() == "E-mail"
    labels = [dialog.form.itemAt(row, dialog.form.ItemRole.LabelRole).widget() for row in range(2)]
    assert [label.buddy() for label in labels] == [dialog.phone_edit, dialog.email_edit]
    assert all("&" in label.text() for label in labels)


def test_a_manager_sets_a_colleagues_contact_details_from_the_list(qtbot, monkeypatch, db, actor, manager):
    def fill_in(dialog: ContactDetailsDialog) -> None:
        assert dialog.windowTitle() == "Contact details of Anouk de Vries"
        qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.phone_edit)
        _type(qtbot, "06 12345678")
        _key(qtbot, Qt.Key.Key_Return)

    opened = _drive_modal(monkeypatch, ContactDetailsDialog, fill_in)
    dialog = PractitionersDialog(db, manager)
    _show(qtbot, dialog, dialog.table)
    assert dialog.table.horizontalHeaderItem(dialog.LINE).text() == "Direct line"
    assert dialog.select(actor.id)
    _alt(qtbot, Qt.Key.Key_C)
    qtbot.waitUntil(lambda: dialog.status.isVisible(), timeout=3000)

    assert len(opened) == 1 and opened[0].result() == QDialog.DialogCode.Accepted
    assert _contact(db, actor.id).phone == "06 12345678"
    assert "contact details of Anouk de Vries were saved" in dialog.status.text()
    row = next(r for r in range(dialog.table.rowCount()) if dialog.table.item(r, dialog.NAME).text() == actor.name)
    assert dialog.table.item(row, dialog.LINE).text() == "06 12345678"
    with db.transaction() as tx:
        (entry,) = tx.exec(select(AuditEntry).where(AuditEntry.object_type == "practitioner")).all()
    assert entry.practitioner_id == manager.id and entry.object_id == actor.id


def test_the_command_line_account_gets_no_contact_details_and_a_nurse_none_of_a_colleague(qtbot, db, actor, manager):
    cli = _former_command_line_account(db)
    dialog = PractitionersDialog(db, manager)
    _show(qtbot, dialog, dialog.table)
    assert dialog.select(cli.id) and not dialog.contact_button.isEnabled()
    assert dialog.select(manager.id) and dialog.contact_button.isEnabled()

    # A nurse who somehow reaches a colleague's details gets the core's refusal, under the fields.
    other = ContactDetailsDialog(db, actor, manager.id)
    _show(qtbot, other, other.phone_edit)
    _type(qtbot, "030-1234567")
    _key(qtbot, Qt.Key.Key_Return)
    assert other.isVisible() and "may not manage practitioner accounts" in other.error.text()
    assert _contact(db, manager.id).phone == ""


def test_my_details_is_in_the_file_menu_beside_the_pin(qtbot, monkeypatch, db, actor):
    from broadtalk.ui.main_window import MainWindow

    opened = _drive_modal(monkeypatch, ContactDetailsDialog, lambda dialog: dialog.reject())
    window = MainWindow(db, actor)
    qtbot.addWidget(window)
    file_menu = window.menuBar().actions()[0].menu()
    texts = [action.text() for action in file_menu.actions()]
    pin = texts.index("Change my &PIN or password…")
    assert texts[pin + 1] == "My &details…"
    file_menu.actions()[pin + 1].trigger()
    assert len(opened) == 1 and opened[0].windowTitle() == "My details"
