"""Importing the recipient's answer to a referral (its FHIR Task sent back, or the letter's reply
form filled in on screen): first what it will record, then, when the practitioner agrees,
recorded. The work is ``interop.feedback``'s."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from broadtalk.errors import BroadtalkError
from broadtalk.i18n import _, format_date
from broadtalk.interop.feedback import FeedbackPlan, ReturnedTask, plan_feedback, read_answer_file, record_feedback
from broadtalk.practitioners import Actor
from broadtalk.referral_steps import DECLINED, FEEDBACK, status_label
from broadtalk.store.database import Database
from broadtalk.ui import file_dialogs
from broadtalk.ui.common import show_refusal
from broadtalk.ui.dialog_parts import bold_label, local_today, quiet_label

#: The file dialog's remembered folder for answers from recipients.
FEEDBACK_FILES = "feedback"
#: The longest piece of feedback shown in full before recording (the rest is recorded all the same).
SHOWN_CHARACTERS = 600


def ask_feedback_file(parent: QWidget | None) -> Path | None:
    return file_dialogs.ask_open_path(
        parent,
        FEEDBACK_FILES,
        _("Import the recipient's answer"),
        _("Answers: FHIR data or a filled-in reply form (*.json *.pdf);;All files (*)"),
    )


class FeedbackImportDialog(QDialog):
    """What the answer in a file records on which referral; Record records it."""

    client_requested = Signal(int)

    def __init__(self, db: Database, actor: Actor, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self.refusal = ""
        self.recorded: FeedbackPlan | None = None
        self.plan: FeedbackPlan | None = None
        self.task: ReturnedTask | None = None
        try:
            self.task = read_answer_file(path)
            with db.transaction() as tx:
                self.plan = plan_feedback(tx, actor, self.task, today=local_today())
        except BroadtalkError as error:
            self.refusal = error.message
            return
        plan = self.plan
        self.setWindowTitle(_("The recipient's answer – referral {reference}").format(reference=plan.reference))
        self.resize(600, 360)
        self.title = bold_label(
            QLabel(
                _("Referral {reference} for {name}, to {recipient}").format(
                    reference=plan.reference, name=plan.client_name, recipient=plan.recipient
                )
            ),
            1.1,
        )
        self.title.setWordWrap(True)
        self.steps_label = QLabel(self._steps_html(plan))
        self.steps_label.setWordWrap(True)
        self.steps_label.setTextFormat(Qt.TextFormat.RichText)
        self.steps_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note = quiet_label(
            _("Recording adds these steps to the referral, with their days; the file itself is not kept.")
        )
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.record_button = QPushButton(_("&Record"))
        self.record_button.setDefault(True)
        self.record_button.clicked.connect(self.record)
        self.client_button = QPushButton(_("Show the &client"))
        self.client_button.setAutoDefault(False)
        self.client_button.clicked.connect(self._show_client)
        self.client_button.setVisible(False)
        self.close_button = QPushButton(_("C&ancel"))
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.client_button)
        buttons.addWidget(self.record_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(10)
        layout.addWidget(self.title)
        layout.addWidget(self.steps_label)
        layout.addWidget(self.note)
        layout.addStretch(1)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)

    @staticmethod
    def _steps_html(plan: FeedbackPlan) -> str:
        lines = [
            escape(_("The answer records:")),
            "<ul>",
        ]
        for step in plan.steps:
            line = _("{status} on {date}").format(status=status_label(step.status), date=format_date(step.on, "long"))
            lines.append(f"<li><b>{escape(line)}</b>")
            if step.status in (FEEDBACK, DECLINED):  # the feedback, or the reason
                shown = step.note if len(step.note) <= SHOWN_CHARACTERS else step.note[: SHOWN_CHARACTERS - 1] + "…"
                lines.append("<br>" + escape(shown).replace("\n", "<br>"))
            lines.append("</li>")
        lines.append("</ul>")
        return "".join(lines)

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
        show_refusal(self.parentWidget(), BroadtalkError(self.refusal), _("The answer cannot be imported"))

    def record(self) -> None:
        assert self.task is not None
        try:
            with self._db.transaction() as tx:
                self.recorded = record_feedback(tx, self._actor, self.task)
        except BroadtalkError as error:
            show_refusal(self, error, _("The answer cannot be imported"))
            return
        self.status_label.setText(_("Recorded on referral {reference}.").format(reference=self.recorded.reference))
        self.record_button.setEnabled(False)
        self.close_button.setText(_("C&lose"))
        self.client_button.setVisible(True)
        self.client_button.setDefault(True)
        self.client_button.setFocus()

    def _show_client(self) -> None:
        assert self.plan is not None
        self.client_requested.emit(self.plan.client_id)
        self.accept()
