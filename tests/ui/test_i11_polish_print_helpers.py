"""Issue 11, screens polish: the handover preview and the client's summary print through one helper
(``file_dialogs.print_pdf``), every page in proportion; pressed by keyboard, printed to a PDF file."""

from __future__ import annotations

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QMessageBox

from broadtalk.handover.export import CLIENT_COPY
from broadtalk.ui import client_summary_dialog, file_dialogs, handover_preview
from broadtalk.ui.client_summary_dialog import open_client_summary
from broadtalk.ui.handover_preview import HandoverPreview
from tests.ui.test_referral_ui import _consent, _referral, practice  # noqa: F401 (the fixture)
from tests.unit.test_gp_note import realistic


@pytest.fixture(autouse=True)
def quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(lambda *_args, **_kwargs: pytest.fail("a message")))


@pytest.fixture
def printed(monkeypatch, tmp_path):
    """Every print dialog answered with 'print' to a PDF file; the helper's calls counted."""
    target = tmp_path / "printed.pdf"

    def print_to_file(dialog: QPrintDialog) -> int:
        dialog.printer().setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        dialog.printer().setOutputFileName(str(target))
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(QPrintDialog, "exec", print_to_file)
    calls: list[int] = []
    helper = file_dialogs.print_pdf

    def counted(printer: QPrinter, data: bytes) -> None:
        calls.append(len(data))
        helper(printer, data)

    monkeypatch.setattr(file_dialogs, "print_pdf", counted)
    return target, calls


def _press(button) -> None:
    button.setFocus()
    QTest.keyClick(button, Qt.Key.Key_Space)


def test_the_handover_preview_prints_through_the_shared_helper(qtbot, db, actor, practice, printed):  # noqa: F811
    target, calls = printed
    referral_id = _referral(db, actor, practice)
    _consent(db, actor, referral_id)
    preview = HandoverPreview(db, actor, referral_id, CLIENT_COPY)
    qtbot.addWidget(preview)
    preview.show()
    qtbot.waitExposed(preview)
    _press(preview.print_button)
    assert len(calls) == 1
    assert len(PdfReader(target).pages) == preview.document.pageCount()


def test_the_client_summary_prints_through_the_shared_helper(qtbot, db, actor, printed):
    target, calls = printed
    dialog = open_client_summary(None, db, actor, realistic(db, actor))
    assert dialog is not None
    qtbot.addWidget(dialog)
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.document.status() == QPdfDocument.Status.Ready)
    _press(dialog.print_button)
    assert len(calls) == 1
    assert len(PdfReader(target).pages) == 1


def test_one_copy_of_the_print_loop():
    # Neither dialog keeps a page loop of its own.
    assert not hasattr(handover_preview.HandoverPreview, "_paint")
    assert not hasattr(client_summary_dialog, "PRINT_DPI")
    assert not hasattr(handover_preview, "PRINT_DPI")
