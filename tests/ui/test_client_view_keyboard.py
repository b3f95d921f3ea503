"""The whole conversation by keyboard, with the laptop turned to the client: the practitioner
makes the client and the conversation and scores two domains, opens the client view (F11), the
client scores their own web, every domain, and marks one "I want to talk about this", and the
practitioner leaves with their PIN. Checked in the database."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from broadtalk import conversations as conv
from broadtalk.practitioners import Role
from broadtalk.ui.client_dialog import ClientDialog
from broadtalk.ui.conversation.model_picker import ModelPicker
from broadtalk.ui.main_window import MainWindow
from broadtalk.workstation import set_up_workstation
from tests.conftest import NOW

PIN = "13579"
#: The client's own web: a score per positive-health dimension, typed as digits.
OWN = {
    "bodily-functions": "6",
    "mental-wellbeing": "3",
    "meaningfulness": "7",
    "quality-of-life": "5",
    "participation": "2",
    "daily-functioning": "10",
}
TALK = "participation"


def when_dialog_opens(kind: type, act: Callable[[QDialog], None]) -> None:
    def attempt(tries: int = 0) -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind):
            act(dialog)
        elif tries < 100:
            QTimer.singleShot(20, lambda: attempt(tries + 1))

    QTimer.singleShot(0, attempt)


@pytest.fixture
def window(qtbot, db):
    with db.transaction() as tx:
        nurse = set_up_workstation(tx, "Anouk de Vries", Role.PRACTICE_NURSE, "Praktijk De Linde", PIN, now=NOW)
    main = MainWindow(db, nurse)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    yield main
    main.idle.stop()
    if main.client_view is not None:
        main.client_view.leave()


def test_the_client_scores_their_own_web_by_keyboard_and_the_practitioner_leaves_with_the_pin(qtbot, db, window):
    # The practitioner: a new client (Ctrl+N), a positive-health conversation, two scores.
    def fill(dialog: ClientDialog) -> None:
        qtbot.keyClicks(dialog.edits["given_name"], "Ron")
        qtbot.keyClicks(dialog.edits["family_name"], "Bakker")
        qtbot.keyClicks(dialog.edits["birth_date"], "12-05-1980")
        qtbot.keyClick(dialog.edits["birth_date"], Qt.Key.Key_Return)

    when_dialog_opens(ClientDialog, fill)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.client_page)

    def choose(picker: ModelPicker) -> None:
        for row in range(picker.list.count()):
            if picker.list.item(row).data(Qt.ItemDataRole.UserRole).id == "positive-health":
                picker.list.setCurrentRow(row)
        qtbot.keyClick(picker.list, Qt.Key.Key_Return)

    when_dialog_opens(ModelPicker, choose)
    qtbot.mouseClick(window.client_page.new_conversation_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.conversation is not None)
    page = window.conversation
    qtbot.keyClick(page.domain_pages["bodily-functions"].score, Qt.Key.Key_4)
    qtbot.keyClick(page.domain_pages["participation"].score, Qt.Key.Key_8)
    page.save_all()

    # The laptop turns to the client.
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(page, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: window.client_view is not None and window.client_view.isVisible())
    view = window.client_view
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view)
    assert view.cards["bodily-functions"].theirs.text().endswith("4")  # the practitioner's, beside

    # The client: a digit per domain, Tab to "I want to talk about this" (Space on one), Tab on.
    for domain_id, digits in OWN.items():
        card = view.cards[domain_id]
        qtbot.waitUntil(lambda card=card: card.score.hasFocus(), timeout=2000)
        for digit in digits:
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key(Qt.Key.Key_0 + int(digit)))
        assert card.score.value() == int(digits)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert card.talk.hasFocus()
        if domain_id == TALK:
            qtbot.keyClick(card.talk, Qt.Key.Key_Space)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)

    # The practitioner leaves with the PIN; the window comes back.
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: view.leave_dialog is not None and view.leave_dialog.secret_edit.hasFocus())
    qtbot.keyClicks(QApplication.focusWidget(), PIN)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.isVisible() and window.client_view is None)

    with db.transaction() as tx:
        assessments = conv.load_conversation(tx, window.actor, page.conversation_id).assessments
    assert {d: a.client_score for d, a in assessments.items()} == {d: int(v) for d, v in OWN.items()}
    assert [d for d, a in assessments.items() if a.client_wants_to_talk] == [TALK]
    # The practitioner's scores stand beside the client's, unchanged.
    assert {d: a.score for d, a in assessments.items() if a.score is not None} == {
        "bodily-functions": 4,
        "participation": 8,
    }
