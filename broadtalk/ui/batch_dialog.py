"""The batch export of handover documents from the desktop app (``handover.batch``).

The practice manager chooses the period, optionally one recipient organisation, the client's copy
too, a folder per organisation and the folder the documents go to. While she chooses, the dialog
shows what the export would make: how many referrals, and those left out with the reason (the
core's plan, which writes nothing). The export itself runs off the GUI thread (``run_batch`` on a
``QThread``), with a bar ("12 of 263 documents") and a Cancel button that stops between two
documents; then the dialog says what was made and where, and offers to open the folder. A
stopped export is finished by exporting again with the same choices into the same folder.
"""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QThread, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from broadtalk.errors import BroadtalkError, os_reason
from broadtalk.handover import batch
from broadtalk.handover.batch import MANIFEST, BatchFolder, BatchParameters, BatchPlan, BatchResult, worker_count
from broadtalk.i18n import _, format_short_date, ngettext
from broadtalk.logs import unexpected_error_message
from broadtalk.practitioners import Actor
from broadtalk.social_map import list_organisations
from broadtalk.store.database import Database
from broadtalk.ui import file_dialogs
from broadtalk.ui.common import ErrorLabel, read_only_table
from broadtalk.ui.dialog_parts import bold_label, buddy_label, local_today, quiet_label

#: The kind of folder remembered for the next export (``file_dialogs.start_folder``).
BATCH_EXPORT = "batch-export"
#: Typing pauses shorter than this do not read the plan again (ms).
PREVIEW_DELAY_MS = 250

_PREVIEW, _RUNNING, _RESULT = range(3)


def first_of_previous_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def _date_edit(day: date) -> QDateEdit:
    edit = QDateEdit(QDate(day.year, day.month, day.day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("dd-MM-yyyy")
    return edit


def _the_folder(chosen: Path, name: str) -> Path:
    """The folder a choice means: an empty folder or an earlier export's as it is; inside any
    other folder (the documents folder, say) a new folder ``name``."""
    try:
        if not chosen.is_dir() or (chosen / MANIFEST).exists() or not any(chosen.iterdir()):
            return chosen
    except OSError:
        return chosen  # the export says what is wrong with it
    return chosen / name


def _holds_batch_of(folder: Path, parameters: dict[str, object]) -> bool:
    """Whether ``folder`` holds an export with these choices (to finish it there)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("parameters") == parameters


class _ExportRun(QThread):
    """``run_batch`` off the GUI thread; keeps its result or its error message. ``cancel`` is
    looked at between two documents."""

    progressed = Signal(int, int)

    def __init__(self, db: Database, actor: Actor, plan: BatchPlan, folder: BatchFolder, workers: int, parent=None):
        super().__init__(parent)
        self._db, self._actor, self._plan, self._folder, self._workers = db, actor, plan, folder, workers
        self.cancel = threading.Event()
        self.result: BatchResult | None = None
        self.error: str | None = None

    def run(self) -> None:
        try:
            self.result = batch.run_batch(
                self._db,
                self._actor,
                self._plan,
                self._folder,
                workers=self._workers,
                progress=self.progressed.emit,
                cancel=self.cancel,
            )
        except BroadtalkError as error:
            self.error = error.message
        except OSError as error:
            self.error = _("{folder} cannot be written to ({reason}); choose another folder.").format(
                folder=self._folder.out, reason=os_reason(error)
            )
        except Exception as error:  # a bug: where it happened goes to the log, never its message
            self.error = unexpected_error_message(error)


class BatchExportDialog(QDialog):
    """Choose, look, export. ``previewed`` fires after each reading of the plan (also a refused
    one); ``export_finished`` when an export has ended (done, stopped or failed)."""

    previewed = Signal()
    export_finished = Signal()

    def __init__(
        self,
        db: Database,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
        workers: int | None = None,
    ):
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self._today = today or local_today()
        self._workers = workers
        self._plan: BatchPlan | None = None
        self._run: _ExportRun | None = None
        self._folder_typed = False  # the practitioner chose or typed a folder: no longer proposed
        self._close_when_stopped = False
        self._complete = False  # the result of a whole export shows: nothing left to export
        self.result: BatchResult | None = None
        self.setWindowTitle(_("Export handover documents"))
        self.setSizeGripEnabled(True)

        intro = quiet_label(
            _(
                "Every referral made in the period whose consent is valid gets its handover document, in one "
                "folder with an overview (index.csv) and a summary. Referrals without a valid consent are "
                "listed here with the reason and are not exported."
            )
        )
        self.choices = self._build_choices()
        self.error = ErrorLabel()
        self.bottom = QStackedWidget()
        self.bottom.addWidget(self._build_preview())
        self.bottom.addWidget(self._build_running())
        self.bottom.addWidget(self._build_result())

        self.open_button = QPushButton(_("&Open the folder"))
        self.open_button.setAutoDefault(False)
        self.open_button.clicked.connect(self.open_folder)
        self.open_button.hide()
        # Exporting discloses: never started by an Enter meant for a field; Enter closes.
        self.export_button = QPushButton(_("&Export"))
        self.export_button.setAutoDefault(False)
        self.export_button.clicked.connect(self.export)
        self.close_button = QPushButton(_("C&lose"))
        self.close_button.setDefault(True)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 14)
        layout.setSpacing(10)
        layout.addWidget(intro)
        layout.addWidget(self.choices)
        layout.addSpacing(6)
        layout.addWidget(self.error)
        layout.addWidget(self.bottom, 1)
        layout.addLayout(buttons)
        self.resize(760, 680)

        self._preview_timer = QTimer(self, singleShot=True, interval=PREVIEW_DELAY_MS, timeout=self.preview)
        for edit in (self.since_edit, self.until_edit):
            edit.dateChanged.connect(lambda _day: self._choices_changed())
        self.recipient_box.currentTextChanged.connect(lambda _text: self._choices_changed())
        for box in (self.client_copy_box, self.fhir_box, self.group_box):
            box.toggled.connect(lambda _on: self._choices_changed())
        self.folder_edit.textEdited.connect(self._folder_edited)
        self._propose_folder()
        self.preview()
        self.since_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- building -----------------------------------------------------------------------------

    def _build_choices(self) -> QWidget:
        box = QWidget()
        self.since_edit = _date_edit(first_of_previous_month(self._today))
        self.until_edit = _date_edit(self._today)
        period = QHBoxLayout()
        period.addWidget(self.since_edit)
        until_label = buddy_label(_("&until"), self.until_edit)
        period.addWidget(until_label)
        period.addWidget(self.until_edit)
        period.addStretch(1)
        self.until_edit.setAccessibleName(_("Referrals made until (included)"))

        self.recipient_box = QComboBox()
        self.recipient_box.setEditable(True)
        self.recipient_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.recipient_box.lineEdit().setPlaceholderText(_("All organisations"))
        self.recipient_box.lineEdit().setClearButtonEnabled(True)
        self.recipient_box.addItem("")
        with self._db.transaction() as tx:
            names = sorted({o.name for o in list_organisations(tx)}, key=str.casefold)
        self.recipient_box.addItems(names)
        self.recipient_box.setCurrentIndex(0)

        self.client_copy_box = QCheckBox(_("Also the &client's copy of each handover document"))
        self.group_box = QCheckBox(_("A &folder per recipient organisation"))
        self.fhir_box = QCheckBox(_("Also each handover as FHIR data for the recipient's &system (.json)"))
        self.fhir_box.setToolTip(
            _(
                "The same content as the handover document, as FHIR R4 data that a care or welfare system can "
                "read; the recipient can send back an updated Task as feedback."
            )
        )

        self.folder_edit = QLineEdit()
        self.folder_edit.setClearButtonEnabled(True)
        choose = QPushButton(_("C&hoose…"))
        choose.setAutoDefault(False)
        choose.clicked.connect(self.choose_folder)
        self.choose_button = choose
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(choose)
        folder_field = QVBoxLayout()
        folder_field.setSpacing(4)
        folder_field.addLayout(folder_row)
        folder_field.addWidget(
            quiet_label(
                _(
                    "A new or empty folder. An export that was stopped is finished by exporting again with "
                    "the same choices into the same folder: nothing is exported twice."
                )
            )
        )

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(buddy_label(_("Referrals made &from"), self.since_edit), period)
        form.addRow(buddy_label(_("&Recipient organisation"), self.recipient_box), self.recipient_box)
        form.addRow("", self.client_copy_box)
        form.addRow("", self.fhir_box)
        form.addRow("", self.group_box)
        form.addRow(buddy_label(_("Fol&der"), self.folder_edit), folder_field)
        form.setContentsMargins(0, 0, 0, 0)
        box.setLayout(form)
        return box

    def _build_preview(self) -> QWidget:
        page = QWidget()
        self.count_label = bold_label(QLabel())
        self.count_label.setWordWrap(True)
        self.excluded_label = QLabel()
        self.excluded_label.setWordWrap(True)
        self.excluded_model = QStandardItemModel(0, 4, self)
        self.excluded_model.setHorizontalHeaderLabels(
            [_("Reference"), _("Made on"), _("Recipient organisation"), _("Reason")]
        )
        self.excluded_table = read_only_table(
            self.excluded_model, _("Referrals that are not exported"), stretch_column=3, wrap=True
        )
        # A wrapped reason keeps its rows as high as it needs at every width of the dialog.
        self.excluded_table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.preview_error = ErrorLabel()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.preview_error)
        layout.addWidget(self.count_label)
        layout.addWidget(self.excluded_label)
        layout.addWidget(self.excluded_table, 1)
        return page

    def _build_running(self) -> QWidget:
        page = QWidget()
        self.running_label = QLabel()
        self.running_label.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setAccessibleName(_("Documents exported"))
        self.progress.setTextVisible(True)
        self.cancel_button = QPushButton(_("&Cancel"))
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.cancel)
        row = QHBoxLayout()
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        self.stopping_label = quiet_label()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.running_label)
        layout.addLayout(row)
        layout.addWidget(self.stopping_label)
        layout.addStretch(1)
        return page

    def _build_result(self) -> QWidget:
        page = QWidget()
        self.result_title = bold_label(QLabel(), 1.1)
        self.result_title.setWordWrap(True)
        self.result_text = QLabel()
        self.result_text.setWordWrap(True)
        self.result_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.resume_note = quiet_label(
            _(
                "What was exported stays in the folder. To finish the export, export again with the same "
                "choices into the same folder: nothing is exported twice."
            )
        )
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.result_title)
        layout.addWidget(self.result_text)
        layout.addWidget(self.resume_note)
        layout.addStretch(1)
        return page

    # -- the choices --------------------------------------------------------------------------

    def parameters(self) -> BatchParameters:
        recipient = " ".join(self.recipient_box.currentText().split()) or None
        return BatchParameters(
            since=self.since_edit.date().toPython(),
            until=self.until_edit.date().toPython(),
            recipient=recipient,
            client_copy=self.client_copy_box.isChecked(),
            group=self.group_box.isChecked(),
            fhir=self.fhir_box.isChecked(),
        )

    def _default_folder_name(self) -> str:
        parameters = self.parameters()
        assert parameters.until is not None
        since, until = parameters.since.isoformat(), parameters.until.isoformat()
        if parameters.recipient:
            return _("handover-documents-{since}-{until}-{recipient}").format(
                since=since, until=until, recipient=batch.safe_folder_name(parameters.recipient)
            )
        return _("handover-documents-{since}-{until}").format(since=since, until=until)

    def _propose_folder(self) -> None:
        """A new folder named after the period, where the last export went. The same choices
        propose the same folder again (a stopped export is finished where it began); a folder of
        that name holding something else gets a number."""
        if self._folder_typed:
            return
        base = file_dialogs.start_folder(BATCH_EXPORT) / self._default_folder_name()
        wanted = self.parameters().to_json()
        for number in range(1, 100):
            candidate = base if number == 1 else base.with_name(f"{base.name} ({number})")
            if not candidate.exists() or _holds_batch_of(candidate, wanted):
                break
        self.folder_edit.setText(str(candidate))

    def _folder_edited(self, _text: str) -> None:
        self._folder_typed = True
        self._back_to_preview()
        self._update_buttons()

    def _choices_changed(self) -> None:
        self._propose_folder()
        self._back_to_preview()
        self._preview_timer.start()

    def _back_to_preview(self) -> None:
        if self._run is None:
            self._complete = False
            self.bottom.setCurrentIndex(_PREVIEW)
            self.open_button.hide()
            self.error.show_message("")

    def choose_folder(self) -> None:
        current = Path(self.folder_edit.text().strip() or ".")
        start = current if current.is_absolute() and current.is_dir() else None
        start = start or (current.parent if current.is_absolute() and current.parent.is_dir() else None)
        dialog = QFileDialog(
            self,
            _("Choose the folder for the documents"),
            str(start or file_dialogs.start_folder(BATCH_EXPORT)),
        )
        dialog.setOption(file_dialogs.NON_NATIVE, True)
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.setLabelText(QFileDialog.DialogLabel.LookIn, _("Look &in:"))
        chosen = dialog.selectedFiles()[0] if dialog.exec() and dialog.selectedFiles() else ""
        dialog.deleteLater()
        if chosen:
            self.folder_edit.setText(str(_the_folder(Path(chosen), self._default_folder_name())))
            self._folder_typed = True
            self._back_to_preview()
            self._update_buttons()

    # -- the preview --------------------------------------------------------------------------

    def _read_plan(self) -> BatchPlan:
        with self._db.transaction() as tx:
            return batch.plan_batch(tx, self._actor, self.parameters(), today=self._today)

    def preview(self) -> None:
        """Read what the export would make (nothing is written) and show it."""
        self._preview_timer.stop()
        try:
            plan = self._read_plan()
        except BroadtalkError as error:
            self._show_plan(None, error.message)
        else:
            self._show_plan(plan)
        self.previewed.emit()

    def _show_plan(self, plan: BatchPlan | None, problem: str = "") -> None:
        self._plan = plan
        self.preview_error.show_message(problem)
        self.excluded_model.removeRows(0, self.excluded_model.rowCount())
        if plan is None:
            self.count_label.clear()
            self.excluded_label.clear()
            self.excluded_table.hide()
            self._update_buttons()
            return
        count, documents = len(plan.exportable), plan.document_count
        if not plan.entries:
            text = _("No referral was made in this period (for this recipient).")
        elif plan.parameters.client_copy and count:
            text = ngettext(
                "{count} referral will be exported: {documents} documents, the handover document and the "
                "client's copy.",
                "{count} referrals will be exported: {documents} documents, each handover document and the "
                "client's copy.",
                count,
            ).format(count=count, documents=documents)
        else:
            text = ngettext("{count} referral will be exported.", "{count} referrals will be exported.", count).format(
                count=count
            )
        self.count_label.setText(text)
        excluded = plan.excluded
        self.excluded_label.setText(
            ngettext(
                "{count} referral of the period is not exported:",
                "{count} referrals of the period are not exported:",
                len(excluded),
            ).format(count=len(excluded))
            if excluded
            else ""
        )
        self.excluded_label.setVisible(bool(excluded))
        for entry in excluded:
            self.excluded_model.appendRow(
                [
                    QStandardItem(entry.reference),
                    QStandardItem(format_short_date(entry.made_on)),
                    QStandardItem(entry.organisation),
                    QStandardItem(entry.reason),
                ]
            )
        self.excluded_table.setVisible(bool(excluded))
        self._update_buttons()

    def _update_buttons(self) -> None:
        running = self._run is not None
        ready = self._plan is not None and self._plan.document_count > 0 and bool(self.folder_edit.text().strip())
        self.export_button.setEnabled(ready and not running and not self._complete)
        self.choices.setEnabled(not running)
        self.close_button.setEnabled(not self._close_when_stopped)

    # -- exporting ----------------------------------------------------------------------------

    def _out(self) -> Path | None:
        text = self.folder_edit.text().strip()
        path = Path(text).expanduser() if text else None
        if path is None or not path.is_absolute():
            self.error.show_message(_("Give the whole path of the folder, or choose one with Choose…."))
            return None
        return path

    def export(self) -> None:
        """Start the export: the plan read again, the folder checked (nothing written when it is
        refused), then the documents made off the GUI thread."""
        if self._run is not None:
            return
        self.error.show_message("")
        out = self._out()
        if out is None:
            return
        try:
            plan = self._read_plan()
            self._show_plan(plan)
            if plan.document_count == 0:
                return
            folder = batch.open_batch(out, plan)
        except BroadtalkError as error:
            self.error.show_message(error.message)
            return
        except OSError as error:
            self.error.show_message(
                _("{folder} cannot be read or written ({reason}); choose another folder.").format(
                    folder=out, reason=os_reason(error)
                )
            )
            return
        workers = self._workers or worker_count(plan.document_count)
        run = _ExportRun(self._db, self._actor, plan, folder, workers, self)
        run.progressed.connect(self._progressed)
        run.finished.connect(self._finished)
        self._run = run
        self.running_label.setText(_("Exporting to {folder}…").format(folder=folder.out))
        self.stopping_label.clear()
        self.cancel_button.setEnabled(True)
        self._progressed(0, plan.document_count)
        self.bottom.setCurrentIndex(_RUNNING)
        self.open_button.hide()
        self._update_buttons()
        self.cancel_button.setFocus(Qt.FocusReason.OtherFocusReason)
        run.start()

    def _progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, total))
        self.progress.setFormat(
            ngettext("{done} of {total} document", "{done} of {total} documents", total).format(done=done, total=total)
        )

    @property
    def running(self) -> bool:
        return self._run is not None

    def cancel(self) -> None:
        """Stop after the document being written; what was written stays."""
        if self._run is None:
            return
        self._run.cancel.set()
        self.cancel_button.setEnabled(False)
        self.stopping_label.setText(_("Stopping after the document being written…"))

    def _finished(self) -> None:
        run, self._run = self._run, None
        if run is None:
            return
        run.wait()
        run.deleteLater()
        self.result = run.result
        if run.result is not None:
            file_dialogs.remember_folder(BATCH_EXPORT, run.result.folder.out)
            self._show_result(run.result)
        else:
            self._show_failure(run.error or "")
        self._update_buttons()
        self.export_finished.emit()
        if self._close_when_stopped:
            self._close_when_stopped = False
            super().reject()

    def _show_result(self, result: BatchResult) -> None:
        folder = result.folder
        plan = result.plan
        exported = len(result.exported)
        if result.cancelled:
            self.result_title.setText(_("The export was stopped."))
            to_do = len(plan.exportable) - exported
            lines = [
                ngettext(
                    "{count} referral is exported to {folder}.", "{count} referrals are exported to {folder}.", exported
                ).format(count=exported, folder=folder.out),
                ngettext(
                    "{count} referral is still to be exported.", "{count} referrals are still to be exported.", to_do
                ).format(count=to_do),
            ]
        else:
            missing = len(result.not_exported)
            self.result_title.setText(_("The export is complete."))
            self._complete = True
            lines = [
                ngettext(
                    "{count} referral is exported to {folder}.", "{count} referrals are exported to {folder}.", exported
                ).format(count=exported, folder=folder.out),
            ]
            if result.earlier:
                lines.append(
                    ngettext(
                        "{count} document was already there from an earlier run of this export.",
                        "{count} documents were already there from an earlier run of this export.",
                        result.earlier,
                    ).format(count=result.earlier)
                )
            if missing:
                lines.append(
                    ngettext(
                        "{count} referral is not exported; the reason is in {file}.",
                        "{count} referrals are not exported; the reasons are in {file}.",
                        missing,
                    ).format(count=missing, file=folder.summary_name)
                )
        lines.append(_("The overview of every referral is in {file}.").format(file=folder.index_name))
        self.result_text.setText("\n".join(lines))
        self.resume_note.setVisible(result.cancelled)
        self.open_button.show()
        self.bottom.setCurrentIndex(_RESULT)

    def _show_failure(self, message: str) -> None:
        self.error.show_message(message)
        self.result_title.setText(_("The export did not finish."))
        self.result_text.setText("")
        self.resume_note.show()
        self.open_button.hide()
        self.bottom.setCurrentIndex(_RESULT)

    def open_folder(self) -> None:
        if self.result is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.result.folder.out)))

    # -- closing ------------------------------------------------------------------------------

    def reject(self) -> None:
        """Close; while exporting, first ask, then stop and close once the worker has stopped."""
        if self._run is None:
            super().reject()
            return
        if self._close_when_stopped:
            return
        answer = QMessageBox.question(
            self,
            _("Stop the export?"),
            _(
                "The export is still running. Stop it and close? What was exported stays; exporting again "
                "with the same choices into the same folder finishes it."
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes or self._run is None:
            return
        self._close_when_stopped = True
        self.cancel()
        self._update_buttons()

    def done(self, result: int) -> None:
        if self._run is not None:  # closed from outside while exporting: stop and wait for it
            self._close_when_stopped = False
            self._run.cancel.set()
            self._run.wait()
            self._finished()
        super().done(result)
