"""The client's own summary of a conversation: the page on screen, then printed or saved as PDF.

The page comes from the core (``client_summary.render_summary``): one A4 page in plain words, with
no referral, no notes and no scores. Saving and printing it are written to the audit trail.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from broadtalk.client_summary import ClientSummary
from broadtalk.errors import BroadtalkError
from broadtalk.handover.client_summary_export import default_file_name, export_summary, record_print, render_summary
from broadtalk.i18n import _
from broadtalk.practitioners import Actor
from broadtalk.store.database import Database
from broadtalk.ui import file_dialogs
from broadtalk.ui.common import run_use_case, show_refusal
from broadtalk.ui.dialog_parts import quiet_label
from broadtalk.ui.gp_note_dialog import fit_to_screen, keep_printed_file_private


class ClientSummaryDialog(QDialog):
    """The one-page summary for the client, with Save as PDF and Print."""

    def __init__(
        self, db: Database, actor: Actor, summary: ClientSummary, data: bytes, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self.summary = summary
        self.saved_path: Path | None = None
        self.setWindowTitle(_("Summary for the client"))
        self.setSizeGripEnabled(True)
        self.document = file_dialogs.pdf_document(data, self)

        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.SinglePage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitInView)
        self.view.setAccessibleName(_("Preview of the document"))

        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.save_button, self.print_button, self.close_button = file_dialogs.document_buttons(
            self, self.save_as, self.print_summary
        )

        bottom = QHBoxLayout()
        bottom.setSpacing(8)
        bottom.addWidget(
            quiet_label(
                _("One page in plain words, without referrals, notes or scores. Saving or printing it is logged.")
            ),
            1,
        )
        bottom.addWidget(self.save_button)
        bottom.addWidget(self.print_button)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(8)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status_label)
        layout.addLayout(bottom)
        fit_to_screen(self, 760, 960)
        self.save_button.setFocus()

    def save_as(self) -> None:
        target = file_dialogs.ask_save_path(
            self,
            file_dialogs.CLIENT_SUMMARY,
            _("Save as PDF"),
            default_file_name(self.summary),
            _("PDF documents (*.pdf)"),
            suffix=".pdf",
        )
        if target is None:
            return
        try:
            with self._db.transaction() as tx:
                written = export_summary(tx, self._actor, self.summary.conversation_id, target)
        except BroadtalkError as error:
            show_refusal(self, error)
            return
        self.saved_path = written
        self.status_label.setText(_("Saved as {file}.").format(file=written))

    def print_summary(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(default_file_name(self.summary))
        dialog = QPrintDialog(printer, self)
        if not dialog.exec():
            return
        try:
            # The entry and the printing in one transaction: a failed print leaves no entry.
            with self._db.transaction() as tx:
                summary = record_print(tx, self._actor, self.summary.conversation_id)
                _summary, data = render_summary(tx, self._actor, summary.conversation_id)
                file_dialogs.print_pdf(printer, data)
                keep_printed_file_private(printer)
        except BroadtalkError as error:
            show_refusal(self, error)
            return
        self.status_label.setText(_("Sent to the printer."))


def open_client_summary(
    parent: QWidget | None, db: Database, actor: Actor, conversation_id: int
) -> ClientSummaryDialog | None:
    """Show the client's summary of a completed conversation (None: refused, and said why)."""
    made = run_use_case(
        parent, db, lambda tx: render_summary(tx, actor, conversation_id), _("No summary for the client")
    )
    if made is None:
        return None
    summary, data = made
    dialog = ClientSummaryDialog(db, actor, summary, data, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
