"""The note for the GP's record on screen, driven by keyboard: untick a part and it leaves the text;
tick an ICPC code under its domain and it comes in; copy and print are logged; a draft is refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from sqlmodel import select

from broadtalk.clients import ClientInput, create_client
from broadtalk.conversations import start_conversation
from broadtalk.i18n import _
from broadtalk.store.tables import AuditEntry
from broadtalk.ui.gp_note_dialog import GpNoteDialog, open_gp_note
from tests.unit.test_gp_note import STARTED, realistic


@pytest.fixture(autouse=True)
def messages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    for name in ("warning", "critical", "information"):
        monkeypatch.setattr(
            QMessageBox, name, staticmethod(lambda _parent, _title, text, *args, **kwargs: shown.append(text))
        )
    return shown


@pytest.fixture
def dialog(qtbot, db, actor) -> GpNoteDialog:
    cid = realistic(db, actor)
    opened = open_gp_note(None, db, actor, cid)
    assert opened is not None
    qtbot.addWidget(opened)
    qtbot.waitExposed(opened)
    return opened


def go_to(dialog: GpNoteDialog, key: str) -> None:
    """Walk the list with the arrow keys, as a practitioner would, until the part is current."""
    dialog.tree.setFocus()
    target = dialog.items[key]
    QTest.keyClick(dialog.tree, Qt.Key.Key_Home)
    for _step in range(400):
        if dialog.tree.currentItem() is target:
            return
        QTest.keyClick(dialog.tree, Qt.Key.Key_Down)
    raise AssertionError(f"{key} not reached by keyboard")


def exports(db, action: str) -> list[AuditEntry]:
    with db.transaction() as tx:
        return list(tx.exec(select(AuditEntry).where(AuditEntry.action == action)).all())


def test_space_unticks_a_part_and_it_leaves_the_text(dialog: GpNoteDialog):
    assert dialog.tree.hasFocus() or dialog.focusWidget() is dialog.tree
    assert "Mijn knie speelt op." in dialog.preview.toPlainText()
    go_to(dialog, "S.words:bodily-functions")
    QTest.keyClick(dialog.tree, Qt.Key.Key_Space)
    assert "S.words:bodily-functions" not in dialog.ticked()
    assert "Mijn knie speelt op." not in dialog.preview.toPlainText()
    QTest.keyClick(dialog.tree, Qt.Key.Key_Space)
    assert "Mijn knie speelt op." in dialog.preview.toPlainText()


def test_an_icpc_code_is_chosen_by_hand_and_only_with_its_domain(dialog: GpNoteDialog):
    text = dialog.preview.toPlainText()
    assert "Z27" not in text  # nothing coded beforehand
    go_to(dialog, "E.icpc:mental-wellbeing:Z27")
    QTest.keyClick(dialog.tree, Qt.Key.Key_Space)
    assert "     Z27 " in dialog.preview.toPlainText()
    go_to(dialog, "E.domain:mental-wellbeing")
    QTest.keyClick(dialog.tree, Qt.Key.Key_Space)  # the domain out: its code goes too, and is greyed
    assert "Z27" not in dialog.preview.toPlainText()
    assert not dialog.items["E.icpc:mental-wellbeing:Z27"].flags() & Qt.ItemFlag.ItemIsEnabled


def test_copy_puts_exactly_the_preview_on_the_clipboard_and_logs_an_export(qtbot, db, dialog: GpNoteDialog):
    go_to(dialog, "S.what_matters")
    QTest.keyClick(dialog.tree, Qt.Key.Key_Space)
    dialog.copy_button.setFocus()
    QTest.keyClick(dialog.copy_button, Qt.Key.Key_Space)
    copied = QGuiApplication.clipboard().text()
    assert copied == dialog.preview.toPlainText()
    assert copied.startswith("S: ") and "Rust in mijn hoofd." not in copied
    (entry,) = exports(db, "export")
    assert entry.detail == "gp_note" and entry.object_id == dialog.note.conversation_id
    assert dialog.status_label.text()


def test_print_sends_the_text_and_logs_a_print(qtbot, db, dialog: GpNoteDialog, monkeypatch, tmp_path: Path):
    printed = tmp_path / "note.pdf"

    def print_to_file(self: QPrintDialog) -> int:
        self.printer().setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        self.printer().setOutputFileName(str(printed))
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(QPrintDialog, "exec", print_to_file)
    dialog.print_button.setFocus()
    QTest.keyClick(dialog.print_button, Qt.Key.Key_Space)
    # Compared without white space: a PDF's text extraction may split a word at a kerned pair ("c liënt").
    text = "".join("".join(page.extract_text().split()) for page in PdfReader(printed).pages)
    assert "Rustinmijnhoofd." in text and "Schuldenopeenrij." in text
    (entry,) = exports(db, "print")
    assert entry.detail == "gp_note"


def test_cancelled_print_logs_nothing(db, dialog: GpNoteDialog, monkeypatch):
    monkeypatch.setattr(QPrintDialog, "exec", lambda self: int(QDialog.DialogCode.Rejected))
    dialog.print_button.click()
    assert not exports(db, "print")


def test_a_draft_gets_no_note_and_says_why(qtbot, db, actor, messages):
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Ans", "Bos", date(1950, 1, 1)), now=STARTED)
        draft = start_conversation(tx, actor, client.id, "four-domains", 1, now=STARTED).id
    assert open_gp_note(None, db, actor, draft) is None
    assert messages == [
        _("This conversation is not completed yet; complete it first, then make the note for the GP's record.")
    ]
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, GpNoteDialog) and w.isVisible()]
