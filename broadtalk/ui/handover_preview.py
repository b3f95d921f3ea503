"""The in-app preview of a handover document (QtPdf), with save and print; loaded only when used."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QPointF
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from broadtalk.errors import BroadtalkError
from broadtalk.handover.export import (
    CLIENT_COPY,
    HANDOVER_FHIR,
    HANDOVER_PDF,
    WITHDRAWAL_CONFIRMATION,
    WITHDRAWAL_NOTICE,
    export_document,
    log_disclosure,
    render_document,
)
from broadtalk.i18n import _, to_display_time
from broadtalk.practitioners import Actor
from broadtalk.referrals import (
    get_referral,
)
from broadtalk.store.database import Database
from broadtalk.ui import file_dialogs
from broadtalk.ui.common import show_refusal
from broadtalk.ui.dialog_parts import local_today, quiet_label


class HandoverPreview(QDialog):
    """The handover PDF or the client's copy, on screen, before it leaves the practice.

    The document comes from the core (consent-filtered). Without a valid consent there is no
    document: ``refusal`` holds the reason, and ``exec()``/``open()`` show it instead of a preview.
    Saving and printing are logged as a disclosure.
    """

    def __init__(self, db: Database, actor: Actor, referral_id: int, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self._referral_id = referral_id
        self._kind = kind
        self.refusal = ""
        self.saved_path: Path | None = None
        try:
            with db.transaction() as tx:
                referral = get_referral(tx, actor, referral_id)
                _content, data = render_document(tx, actor, referral_id, kind, today=local_today())
        except BroadtalkError as error:
            self.refusal = error.message
            return
        self._reference = referral.reference
        # The bytes, the buffer and the document live as long as the dialog: QtPdf reads lazily.
        self.document = file_dialogs.pdf_document(data, self)

        titles = {
            CLIENT_COPY: _("Copy for the client – referral {reference}"),
            WITHDRAWAL_NOTICE: _("Withdrawal notice for the recipient – referral {reference}"),
            WITHDRAWAL_CONFIRMATION: _("Withdrawal confirmation for the client – referral {reference}"),
        }
        title = titles.get(kind, _("Handover – referral {reference}"))
        self.setWindowTitle(title.format(reference=referral.reference))
        self.setSizeGripEnabled(True)
        self.resize(860, 900)

        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setPageSpacing(12)
        self.view.setAccessibleName(_("Preview of the document"))

        style = self.style()
        self.previous_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_ArrowUp), _("&Previous page"))
        self.next_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_ArrowDown), _("&Next page"))
        self.page_label = QLabel()
        self.fit_width_button = QPushButton(_("Fit &width"))
        self.whole_page_button = QPushButton(_("Whole pa&ge"))
        for button in (self.fit_width_button, self.whole_page_button):
            button.setCheckable(True)
        self.fit_width_button.setChecked(True)
        self.previous_button.clicked.connect(lambda: self.go_to_page(self.current_page() - 1))
        self.next_button.clicked.connect(lambda: self.go_to_page(self.current_page() + 1))
        self.fit_width_button.clicked.connect(lambda: self._zoom(QPdfView.ZoomMode.FitToWidth))
        self.whole_page_button.clicked.connect(lambda: self._zoom(QPdfView.ZoomMode.FitInView))
        self.view.pageNavigator().currentPageChanged.connect(self._update_pages)
        self.document.pageCountChanged.connect(self._update_pages)

        self.disclosure_note = quiet_label(_("Saving or printing this document is logged, with what it holds."))
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.save_button, self.print_button, self.close_button = file_dialogs.document_buttons(
            self, self.save_as, self.print_document
        )

        # The same handover as FHIR data, for a recipient whose system reads it (not for the other documents).
        self.fhir_button = QPushButton(_("Save as &FHIR…"))
        self.fhir_button.setAutoDefault(False)
        self.fhir_button.setToolTip(
            _("The same content as FHIR R4 data (a .json file) that a care or welfare system can read.")
        )
        self.fhir_button.clicked.connect(self.save_as_fhir)
        self.fhir_button.setVisible(kind == HANDOVER_PDF)

        toolbar = QHBoxLayout()
        toolbar.setSpacing(8)
        toolbar.addWidget(self.previous_button)
        toolbar.addWidget(self.next_button)
        toolbar.addWidget(self.page_label)
        toolbar.addStretch(1)
        toolbar.addWidget(self.fit_width_button)
        toolbar.addWidget(self.whole_page_button)
        bottom = QHBoxLayout()
        bottom.setSpacing(8)
        bottom.addWidget(self.disclosure_note, 1)
        bottom.addWidget(self.save_button)
        bottom.addWidget(self.fhir_button)
        bottom.addWidget(self.print_button)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(8)
        layout.addLayout(toolbar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status_label)
        layout.addLayout(bottom)
        self._update_pages()

    # -- showing ----------------------------------------------------------------------------------

    def exec(self) -> int:
        if self.refusal:
            self._refuse()
            return int(QDialog.DialogCode.Rejected)
        return super().exec()

    def open(self) -> None:
        if self.refusal:
            self._refuse()
            return
        super().open()

    def _refuse(self) -> None:
        titles = {
            CLIENT_COPY: _("No copy for the client"),
            WITHDRAWAL_NOTICE: _("No withdrawal notice"),
            WITHDRAWAL_CONFIRMATION: _("No withdrawal confirmation"),
        }
        title = titles.get(self._kind, _("No handover document"))
        QMessageBox.warning(self.parentWidget(), title, self.refusal)

    def current_page(self) -> int:
        return self.view.pageNavigator().currentPage()

    def go_to_page(self, page: int) -> None:
        if 0 <= page < self.document.pageCount():
            self.view.pageNavigator().jump(page, QPointF(), self.view.pageNavigator().currentZoom())

    def _update_pages(self, *_args) -> None:
        count = self.document.pageCount()
        page = self.current_page()
        self.page_label.setText(_("Page {page} of {count}").format(page=page + 1, count=max(count, 1)))
        self.previous_button.setEnabled(page > 0)
        self.next_button.setEnabled(page + 1 < count)

    def _zoom(self, mode: QPdfView.ZoomMode) -> None:
        self.view.setZoomMode(mode)
        self.fit_width_button.setChecked(mode == QPdfView.ZoomMode.FitToWidth)
        self.whole_page_button.setChecked(mode == QPdfView.ZoomMode.FitInView)

    # -- leaving the practice -----------------------------------------------------------------------

    def default_file_name(self) -> str:
        """Named after the referral's reference: a file name never carries the client's name."""
        names = {
            CLIENT_COPY: _("client-copy-{reference}.pdf"),
            WITHDRAWAL_NOTICE: _("withdrawal-notice-{reference}.pdf"),
            WITHDRAWAL_CONFIRMATION: _("withdrawal-confirmation-{reference}.pdf"),
        }
        return names.get(self._kind, _("handover-{reference}.pdf")).format(reference=self._reference)

    def save_as(self) -> None:
        target = file_dialogs.ask_save_path(
            self,
            file_dialogs.HANDOVER,
            _("Save as PDF"),
            self.default_file_name(),
            _("PDF documents (*.pdf)"),
            suffix=".pdf",
        )
        if target is None:
            return
        try:
            with self._db.transaction() as tx:
                written = export_document(tx, self._actor, self._referral_id, self._kind, target)
        except BroadtalkError as error:
            show_refusal(self, error)
            return
        self.saved_path = written
        self.status_label.setText(_("Saved as {file}.").format(file=written))

    def save_as_fhir(self) -> None:
        """The handover as FHIR data: the same consent-scoped content, logged as its own disclosure."""
        target = file_dialogs.ask_save_path(
            self,
            file_dialogs.HANDOVER,
            _("Save as FHIR data"),
            _("handover-{reference}.json").format(reference=self._reference),
            _("FHIR data (*.json)"),
            suffix=".json",
        )
        if target is None:
            return
        try:
            with self._db.transaction() as tx:
                written = export_document(tx, self._actor, self._referral_id, HANDOVER_FHIR, target)
        except BroadtalkError as error:
            show_refusal(self, error)
            return
        self.status_label.setText(_("Saved as {file}.").format(file=written))

    def print_document(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if not file_dialogs.ask_printer(printer, self, self.default_file_name()):
            return
        now = datetime.now(UTC)
        try:
            # One transaction: the consent is checked again, and the disclosure is logged only
            # when every page went to the printer.
            with self._db.transaction() as tx:
                content, data = render_document(
                    tx, self._actor, self._referral_id, self._kind, today=to_display_time(now).date()
                )
                file_dialogs.print_pdf(printer, data)
                log_disclosure(tx, self._actor, self._referral_id, content, self._kind, now, printed=True)
        except BroadtalkError as error:
            show_refusal(self, error)
            return
        self.status_label.setText(_("Sent to the printer."))
