"""The notice a care provider gets after signing in when someone was given access to conversations
(issue 10). The dialog is real and runs modally; the test presses its real buttons once it is open."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from sqlmodel import col, select

from broadtalk import i18n
from broadtalk.access_notices import NOTICE_OBJECT
from broadtalk.errors import StoreError
from broadtalk.practitioners import Actor, Role
from broadtalk.sign_in import add_account, sign_in
from broadtalk.store.tables import AuditEntry
from broadtalk.ui import access_notice_dialog
from broadtalk.ui.access_notice_dialog import AccessNoticeDialog, show_access_notices
from broadtalk.workstation import set_up_workstation

PIN = "13579"


def when_dialog_opens(act: Callable[[AccessNoticeDialog], None], seen: list[AccessNoticeDialog]) -> None:
    """Act on the notice once it is open (``exec()`` blocks the test until it closes)."""

    def attempt(tries: int = 0) -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, AccessNoticeDialog):
            seen.append(dialog)
            act(dialog)
        elif tries < 100:
            QTimer.singleShot(20, lambda: attempt(tries + 1))

    QTimer.singleShot(0, attempt)


def no_dialog(self) -> int:
    pytest.fail("no notice was expected")


@pytest.fixture
def practice(db):
    """Anna (administrator) made Els's nurse account; Els signed in before and was told."""
    with db.transaction() as tx:
        anna = set_up_workstation(tx, "Anna de Vries", Role.ADMINISTRATOR, "De Linde", PIN)
        els = add_account(tx, anna, "Els Jansen", Role.PRACTICE_NURSE, PIN)
    show_access_notices(None, db, sign_in(db, els.id, PIN))
    return anna, els


def checks(db, who: Actor) -> list[AuditEntry]:
    with db.transaction() as tx:
        return list(
            tx.exec(
                select(AuditEntry)
                .where(AuditEntry.object_type == NOTICE_OBJECT, AuditEntry.practitioner_id == who.id)
                .order_by(col(AuditEntry.id))
            )
        )


def test_a_nurse_is_shown_the_account_an_administrator_made_and_its_sign_ins_once(qtbot, db, practice, monkeypatch):
    anna, els = practice
    i18n.set_language("en")
    with db.transaction() as tx:
        second = add_account(tx, anna, "Praktijkondersteuner 2", Role.PRACTICE_NURSE, PIN)
    for _ in range(3):
        sign_in(db, second.id, PIN)
    seen: list[AccessNoticeDialog] = []
    when_dialog_opens(lambda dialog: qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton), seen)

    notice = show_access_notices(None, db, sign_in(db, els.id, PIN))

    [dialog] = seen
    assert notice is not None and [g.account_id for g in notice.grants] == [second.id]
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.windowTitle() == "Access to conversations"
    [line] = dialog.lines
    assert "Anna de Vries (administrator) made the account 'Praktijkondersteuner 2'" in line.text()
    assert line.text().endswith("it has been used to sign in 3 times since.")
    assert line.accessibleName() in line.text() and line.textFormat() == Qt.TextFormat.PlainText
    assert "data protection officer" in dialog.advice.text() and "practice manager" in dialog.advice.text()
    assert checks(db, els)[-1].detail.startswith("1; open ")
    # The next sign-in has nothing new: no dialog, and the check is still recorded.
    monkeypatch.setattr(AccessNoticeDialog, "exec", no_dialog)
    assert not show_access_notices(None, db, sign_in(db, els.id, PIN))
    assert checks(db, els)[-1].detail.startswith("0; open ")


def test_escape_closes_the_notice_and_counts_as_seen(qtbot, db, practice, monkeypatch):
    anna, els = practice
    with db.transaction() as tx:
        add_account(tx, anna, "Karin Smit", Role.SOCIAL_WORKER, PIN)
    seen: list[AccessNoticeDialog] = []
    when_dialog_opens(lambda dialog: qtbot.keyClick(dialog, Qt.Key.Key_Escape), seen)
    show_access_notices(None, db, sign_in(db, els.id, PIN))
    assert [d.result() for d in seen] == [QDialog.DialogCode.Rejected]
    monkeypatch.setattr(AccessNoticeDialog, "exec", no_dialog)
    assert not show_access_notices(None, db, sign_in(db, els.id, PIN))


def test_practice_managers_and_administrators_get_no_notice_and_no_entry(qtbot, db, practice, monkeypatch):
    anna, _els = practice
    with db.transaction() as tx:
        mirjam = add_account(tx, anna, "Mirjam Bos", Role.PRACTICE_MANAGER, PIN)
        add_account(tx, anna, "Praktijkondersteuner 2", Role.PRACTICE_NURSE, PIN)
    monkeypatch.setattr(AccessNoticeDialog, "exec", no_dialog)
    for who in (mirjam, anna):
        assert show_access_notices(None, db, sign_in(db, who.id, PIN)) is None
        assert checks(db, who) == []


def test_names_typed_with_markup_are_shown_as_typed(qtbot, db, practice):
    anna, els = practice
    with db.transaction() as tx:
        add_account(tx, anna, "<b>Vet</b> & co", Role.PRACTICE_NURSE, PIN)
    seen: list[AccessNoticeDialog] = []
    when_dialog_opens(lambda dialog: dialog.ok_button.click(), seen)
    show_access_notices(None, db, sign_in(db, els.id, PIN))
    [line] = seen[0].lines
    assert "'<b>Vet</b> & co'" in line.text() and line.textFormat() == Qt.TextFormat.PlainText


def test_a_trail_that_cannot_be_read_now_is_said_and_the_notice_comes_next_time(qtbot, db, practice, monkeypatch):
    anna, els = practice
    with db.transaction() as tx:
        add_account(tx, anna, "Praktijkondersteuner 2", Role.PRACTICE_NURSE, PIN)
    actor = sign_in(db, els.id, PIN)
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: told.append(text))

    def busy(tx, who):
        raise StoreError("Another broadtalk is using this database.")

    monkeypatch.setattr(access_notice_dialog, "access_grants_since", busy)
    before = len(checks(db, els))
    assert show_access_notices(None, db, actor) is None
    assert len(told) == 1 and "Another broadtalk" in told[0] and len(checks(db, els)) == before
    monkeypatch.undo()
    seen: list[AccessNoticeDialog] = []
    when_dialog_opens(lambda dialog: dialog.ok_button.click(), seen)
    notice = show_access_notices(None, db, sign_in(db, els.id, PIN))
    assert notice is not None and len(notice.grants) == 1 and len(seen) == 1
