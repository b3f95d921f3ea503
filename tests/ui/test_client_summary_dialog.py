"""The client's summary on screen: one page previewed, saved as PDF (owner-only, logged) or printed
(logged), by keyboard; a draft is refused with a reason."""

from __future__ import annotations

import os
import stat
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QFileDialog, QLineEdit, QMessageBox
from sqlmodel import select

from broadtalk.clients import ClientInput, create_client
from broadtalk.conversations import start_conversation
from broadtalk.store.tables import AuditEntry
from broadtalk.ui import file_dialogs
from broadtalk.ui.client_summary_dialog import ClientSummaryDialog, open_client_summary
from tests.ui.test_file_dialogs import when_open
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
def dialog(qtbot, db, actor) -> ClientSummaryDialog:
    opened = open_client_summary(None, db, actor, realistic(db, actor))
    assert opened is not None
    qtbot.addWidget(opened)
    qtbot.waitExposed(opened)
    qtbot.waitUntil(lambda: opened.document.status() == QPdfDocument.Status.Ready)
    return opened


def logged(db, action: str) -> list[AuditEntry]:
    with db.transaction() as tx:
        return list(
            tx.exec(select(AuditEntry).where(AuditEntry.action == action, AuditEntry.detail == "client_summary")).all()
        )


def press(button) -> None:
    button.setFocus()
    QTest.keyClick(button, Qt.Key.Key_Space)


def test_the_preview_is_one_page(dialog: ClientSummaryDialog):
    assert dialog.document.pageCount() == 1
    assert dialog.view.document() is dialog.document


def test_save_as_pdf_writes_an_owner_only_file_and_logs_an_export(
    db, dialog: ClientSummaryDialog, monkeypatch, tmp_path: Path
):
    asked: list[str] = []

    errors: list[BaseException] = []

    def choose(file_dialog: QFileDialog) -> None:
        asked.append(file_dialog.selectedFiles()[0])
        # Never the program's folder: the documents folder, the first time.
        assert Path(file_dialog.directory().absolutePath()) == file_dialogs.documents_folder()
        file_dialog.findChild(QLineEdit, "fileNameEdit").setText(str(tmp_path / "voor-ron"))
        file_dialog.accept()

    when_open(QFileDialog, choose, errors)
    press(dialog.save_button)
    assert not errors, errors
    written = tmp_path / "voor-ron.pdf"
    assert dialog.saved_path == written
    assert "Ron" not in Path(asked[0]).name and "Wit" not in Path(asked[0]).name
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(written).pages)
    assert "Schulden op een rij." in text and "QUESTION-secret" not in text
    if os.name == "posix":
        assert stat.S_IMODE(written.stat().st_mode) == 0o600
    (entry,) = logged(db, "export")
    assert entry.object_id == dialog.summary.conversation_id


def test_print_logs_a_print_and_a_cancelled_one_nothing(db, dialog: ClientSummaryDialog, monkeypatch, tmp_path):
    monkeypatch.setattr(QPrintDialog, "exec", lambda self: int(QDialog.DialogCode.Rejected))
    press(dialog.print_button)
    assert not logged(db, "print")
    printed = tmp_path / "printed.pdf"

    def print_to_file(self: QPrintDialog) -> int:
        self.printer().setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        self.printer().setOutputFileName(str(printed))
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(QPrintDialog, "exec", print_to_file)
    press(dialog.print_button)
    assert len(PdfReader(printed).pages) == 1
    (entry,) = logged(db, "print")
    assert entry.object_id == dialog.summary.conversation_id


def test_a_draft_gets_no_summary_and_says_why(qtbot, db, actor, messages):
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Ans", "Bos", date(1950, 1, 1)), now=STARTED)
        draft = start_conversation(tx, actor, client.id, "four-domains", 1, now=STARTED).id
    assert open_client_summary(None, db, actor, draft) is None
    assert len(messages) == 1
