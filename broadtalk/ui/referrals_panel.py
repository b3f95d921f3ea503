"""A client's referrals on the client page, and the referrals still waiting for feedback.

The panel lists each referral with its status, its consent and whether feedback is overdue,
and offers the next thing to do with it: record or withdraw consent, the next step, or a look at
the handover document. Which buttons work follows the state the core reports; where the core
would refuse anyway (sending without consent), the dialog shows the core's own message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from broadtalk.clients import client_names, get_client
from broadtalk.consent import EXPIRED, GIVEN, NONE, WITHDRAWN
from broadtalk.consent import status_label as consent_status_label
from broadtalk.conversations import list_conversations
from broadtalk.errors import BroadtalkError
from broadtalk.handover.export import CLIENT_COPY, HANDOVER_PDF, WITHDRAWAL_CONFIRMATION, WITHDRAWAL_NOTICE
from broadtalk.i18n import _, format_datetime, format_short_date, ngettext, to_display_time
from broadtalk.permissions import Permission, allows
from broadtalk.practitioners import Actor
from broadtalk.referral_steps import AWAITING_FEEDBACK, CLOSED, DECLINED, status_label
from broadtalk.referrals import (
    ReferralView,
    allowed_next,
    feedback_due_days,
    get_referral,
    list_referrals,
    urgency_label,
)
from broadtalk.store.database import Database

if TYPE_CHECKING:
    from broadtalk.ui.handover_preview import HandoverPreview
from broadtalk.ui.common import read_only_table, run_use_case, show_refusal
from broadtalk.ui.consent_dialogs import ConsentDialog, WithdrawConsentDialog
from broadtalk.ui.dialog_parts import local_today
from broadtalk.ui.referral_dialogs import AdvanceReferralDialog, ReferralDialog, default_conversation

Index = QModelIndex | QPersistentModelIndex
#: The referral's database id on a row: used to act on it, never shown.
ID_ROLE = Qt.ItemDataRole.UserRole
NO_VALUE = "–"
GIVEN_COLOUR = "#1E6B34"
REFUSED_COLOUR = "#9C1C1C"
CONSENT_COLOURS = {GIVEN: GIVEN_COLOUR, WITHDRAWN: REFUSED_COLOUR, EXPIRED: REFUSED_COLOUR}


def _local_date(moment) -> date:
    return to_display_time(moment).date()


def days_waiting(referral: ReferralView, today: date) -> int:
    """Days since the referral was sent (0 for one not sent)."""
    return (today - _local_date(referral.sent_at)).days if referral.sent_at is not None else 0


def _one_line(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class ReferralRow:
    referral: ReferralView
    consent: str  # consent status today
    overdue: bool
    waiting_days: int
    due_on: date | None


#: A client's given name and their referrals as rows (``ReferralsPanel.read_client``).
ClientReferrals = tuple[str, tuple[ReferralRow, ...]]


class ReferralTableModel(QAbstractTableModel):
    """A client's referrals: reference, recipient, status, consent, sent, feedback."""

    REFERENCE, RECIPIENT, STATUS, CONSENT, SENT, FEEDBACK = range(6)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: tuple[ReferralRow, ...] = ()

    def set_rows(self, rows: tuple[ReferralRow, ...]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def row_at(self, row: int) -> ReferralRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, referral_id: int) -> int:
        return next((i for i, row in enumerate(self._rows) if row.referral.id == referral_id), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 6

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return (_("Reference"), _("Recipient"), _("Status"), _("Consent"), _("Sent"), _("Feedback"))[section]
        return None

    def _feedback_text(self, row: ReferralRow) -> str:
        referral = row.referral
        if referral.feedback_at is not None:
            return format_short_date(_local_date(referral.feedback_at))
        if row.overdue:
            return ngettext("Overdue: waiting {days} day", "Overdue: waiting {days} days", row.waiting_days).format(
                days=row.waiting_days
            )
        if row.due_on is not None:
            return _("Expected by {date}").format(date=format_short_date(row.due_on))
        return NO_VALUE

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        row = self.row_at(index.row())
        if row is None:
            return None
        referral = row.referral
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                referral.reference,
                referral.recipient,
                status_label(referral.status),
                consent_status_label(row.consent),
                format_short_date(_local_date(referral.sent_at)) if referral.sent_at else NO_VALUE,
                self._feedback_text(row),
            )[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.RECIPIENT:
                return referral.recipient
            if column == self.FEEDBACK and referral.feedback:
                return referral.feedback
            if column == self.FEEDBACK and row.overdue:
                return _("No feedback yet; call the recipient or ask how it is going.")
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == self.CONSENT:
                colour = CONSENT_COLOURS.get(row.consent)
                return QColor(colour) if colour else QPalette().color(QPalette.ColorRole.PlaceholderText)
            if column == self.FEEDBACK and row.overdue:
                return QColor(REFUSED_COLOUR)
            if column == self.FEEDBACK and referral.feedback_at is None:
                return QPalette().color(QPalette.ColorRole.PlaceholderText)
        if role == Qt.ItemDataRole.FontRole and (
            (column == self.FEEDBACK and row.overdue) or (column == self.CONSENT and row.consent == GIVEN)
        ):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return _("Referral {reference} to {recipient}: {status}; {consent}; feedback: {feedback}").format(
                reference=referral.reference,
                recipient=referral.recipient,
                status=status_label(referral.status),
                consent=consent_status_label(row.consent),
                feedback=self._feedback_text(row),
            )
        if role == ID_ROLE:
            return referral.id
        return None


def _table(model: QAbstractTableModel, accessible_name: str, stretch_column: int) -> QTableView:
    return read_only_table(model, accessible_name, stretch_column=stretch_column)


def _button(text: str, slot) -> QPushButton:
    button = QPushButton(text)
    button.setAutoDefault(False)
    button.clicked.connect(slot)
    return button


class ReferralsPanel(QWidget):
    """The referrals of one client, with what can be done next; ``show_client`` fills it."""

    changed = Signal()

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self._client_id: int | None = None
        self._client_name = ""
        #: The dialog that is open, if any (tests and the window reach it here).
        self.preview_dialog: HandoverPreview | None = None
        self.history_dialog: ReferralHistoryDialog | None = None

        self.heading = QLabel(_("&Referrals"))
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.heading.setFont(font)
        self.note = QLabel()  # e.g. "1 waiting too long for feedback"
        self.note.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self.model = ReferralTableModel(self)
        self.table = _table(self.model, _("Referrals"), ReferralTableModel.RECIPIENT)
        self.table.activated.connect(lambda index: self.show_history(index.row()))  # Enter, double-click
        self.table.selectionModel().currentRowChanged.connect(lambda *_args: self._update_buttons())
        self.heading.setBuddy(self.table)
        self.empty = QLabel(
            _("No referrals yet. A referral follows a conversation: choose 'New referral…' to hand over warmly.")
        )
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.empty.setContentsMargins(2, 6, 2, 6)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.table)

        self.new_button = _button(_("New referra&l…"), self.new_referral)
        self.consent_button = _button(_("Con&sent…"), self.record_consent)
        self.withdraw_button = _button(_("&Withdraw consent…"), self.withdraw_consent)
        self.advance_button = _button(_("Ne&xt step…"), self.advance)
        self.handover_button = _button(_("Preview han&dover…"), lambda: self.preview(HANDOVER_PDF))
        self.client_copy_button = _button(_("Client c&opy…"), lambda: self.preview(CLIENT_COPY))
        # After a withdrawal: a notice for the recipient and a confirmation for the client.
        self.notice_button = _button(_("&Notice to the recipient…"), lambda: self.preview(WITHDRAWAL_NOTICE))
        self.confirmation_button = _button(
            _("Confir&mation for the client…"), lambda: self.preview(WITHDRAWAL_CONFIRMATION)
        )
        self.buttons = (
            self.new_button,
            self.consent_button,
            self.withdraw_button,
            self.advance_button,
            self.handover_button,
            self.client_copy_button,
            self.notice_button,
            self.confirmation_button,
        )

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.setSpacing(8)
        top.addWidget(self.heading)
        top.addSpacing(8)
        top.addWidget(self.note)
        top.addStretch(1)
        top.addWidget(self.new_button)
        actions = QHBoxLayout()
        actions.setContentsMargins(0, 0, 0, 0)
        actions.setSpacing(8)
        for button in self.buttons[1:]:
            actions.addWidget(button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)
        layout.addLayout(actions)
        self._update_buttons()

    # -- showing ------------------------------------------------------------------------------

    @property
    def client_id(self) -> int | None:
        return self._client_id

    def show_client(self, client_id: int, read: ClientReferrals | None = None) -> bool:
        """Show this client's referrals; False (after saying why) when they cannot be read.

        ``read``: what ``read_client`` gave inside the caller's own transaction (the client's page
        reads everything it shows at once); without it the panel reads them itself."""
        self._client_id = client_id
        if read is not None:
            self.fill(read)
            return True
        return self.refresh()

    def read_client(self, tx, client_id: int) -> ClientReferrals:
        """The client's given name and referrals as rows, read in the caller's transaction."""
        today = local_today()
        due = feedback_due_days(tx)
        rows = tuple(
            ReferralRow(
                referral=referral,
                consent=referral.consent_status(today),
                overdue=referral.is_overdue(today, due),
                waiting_days=days_waiting(referral, today),
                due_on=_due_on(referral, due),
            )
            for referral in list_referrals(tx, self._actor, client_id=client_id, today=today)
        )
        return get_client(tx, self._actor, client_id).given_name, rows

    def refresh(self, select_id: int | None = None) -> bool:
        if self._client_id is None:
            return False
        client_id = self._client_id
        result = run_use_case(self, self._db, lambda tx: self.read_client(tx, client_id))
        if result is None:
            return False
        self.fill(result, select_id)
        return True

    def fill(self, result: ClientReferrals, select_id: int | None = None) -> None:
        """Show what ``read_client`` gave; the referral chosen before stays chosen (or ``select_id``)."""
        if select_id is None:
            select_id = self.selected_id()
        self._client_name, rows = result
        self.model.set_rows(rows)
        self.stack.setCurrentWidget(self.table if rows else self.empty)
        self.heading.setBuddy(self.table if rows else self.new_button)
        overdue = sum(1 for row in rows if row.overdue)
        self.note.setText(
            ngettext("{n} waiting too long for feedback", "{n} waiting too long for feedback", overdue).format(
                n=overdue
            )
            if overdue
            else ""
        )
        row = self.model.row_of(select_id) if select_id is not None else -1
        if rows:
            self.table.setCurrentIndex(self.model.index(max(row, 0), 0))
        self._update_buttons()

    def selected_id(self) -> int | None:
        row = self.model.row_at(self.table.currentIndex().row())
        return row.referral.id if row is not None else None

    def selected(self) -> ReferralRow | None:
        return self.model.row_at(self.table.currentIndex().row())

    def select(self, referral_id: int) -> None:
        row = self.model.row_of(referral_id)
        if row >= 0:
            self.table.setCurrentIndex(self.model.index(row, 0))

    def _update_buttons(self) -> None:
        row = self.selected()
        manages = allows(self._actor, Permission.MANAGE_REFERRALS)
        exports = allows(self._actor, Permission.EXPORT_HANDOVERS)
        for button in (self.new_button, self.consent_button, self.withdraw_button, self.advance_button):
            button.setVisible(manages)  # a practice manager follows referrals, the care roles make them
        withdrawn = row is not None and row.consent == WITHDRAWN
        for button in (self.handover_button, self.client_copy_button):
            button.setVisible(exports and not withdrawn)
        for button in (self.notice_button, self.confirmation_button):
            button.setVisible(exports and withdrawn)
        self.notice_button.setToolTip(_("For the recipient: consent was withdrawn; no content."))
        self.confirmation_button.setToolTip(_("For the client: their withdrawal confirmed, on paper."))
        self.new_button.setEnabled(self._client_id is not None)
        finished = row is not None and row.referral.status in (CLOSED, DECLINED)
        self.consent_button.setEnabled(row is not None and not finished and row.consent != GIVEN)
        self.withdraw_button.setEnabled(row is not None and row.consent == GIVEN)
        self.advance_button.setEnabled(row is not None and bool(allowed_next(row.referral.status)))
        shareable = row is not None and row.consent == GIVEN
        self.handover_button.setEnabled(shareable)
        self.client_copy_button.setEnabled(shareable)
        why = "" if shareable or row is None else _("There is no valid consent: nothing is shared without it.")
        self.handover_button.setToolTip(why or _("The handover document as the recipient will read it."))
        self.client_copy_button.setToolTip(why or _("What is shared, on paper for the client."))
        if row is not None and row.consent == GIVEN and not finished:
            self.consent_button.setToolTip(_("Consent has been recorded; withdraw it first to record a different one."))
        else:
            self.consent_button.setToolTip(_("Record what the client consents to share with the recipient."))

    # -- acting -------------------------------------------------------------------------------

    def _after(self, select_id: int | None = None) -> None:
        self.refresh(select_id)
        self.changed.emit()

    def new_referral(self) -> None:
        """A referral from one of the client's conversations (there must be one): the newest
        completed one unless chosen otherwise in the dialog, else the newest (a draft letter)."""
        if self._client_id is None:
            return
        client_id = self._client_id
        conversations = run_use_case(self, self._db, lambda tx: list_conversations(tx, self._actor, client_id))
        if conversations is None:
            return
        if not conversations:
            QMessageBox.information(
                self,
                _("New referral"),
                _(
                    "A referral starts from a conversation: hold a conversation with {name} first, then refer "
                    "from what you discussed together."
                ).format(name=self._client_name),
            )
            return
        try:
            dialog = ReferralDialog(self._db, self._actor, client_id, default_conversation(conversations), self)
        except BroadtalkError as error:
            show_refusal(self, error)
            return
        dialog.exec()
        self._after(dialog.referral.id if dialog.referral else None)

    def record_consent(self) -> None:
        row = self.selected()
        if row is None:
            return
        ConsentDialog(self._db, self._actor, row.referral.id, self).exec()
        self._after(row.referral.id)

    def withdraw_consent(self) -> None:
        row = self.selected()
        if row is None:
            return
        dialog = WithdrawConsentDialog(self._db, self._actor, row.referral.id, self)
        if dialog.exec() and dialog.consent is not None:
            QMessageBox.information(
                self,
                _("Consent withdrawn"),
                _(
                    "Let the recipient know, and give the client a confirmation: use 'Notice to the recipient…' and "
                    "'Confirmation for the client…'. Neither carries anything from the conversation."
                ),
            )
        self._after(row.referral.id)

    def advance(self) -> None:
        row = self.selected()
        if row is None:
            return
        AdvanceReferralDialog(self._db, self._actor, row.referral.id, self).exec()
        self._after(row.referral.id)

    def preview(self, kind: str) -> None:
        row = self.selected()
        if row is None:
            return
        from broadtalk.ui.handover_preview import HandoverPreview  # QtPdf loads only when a preview opens

        preview = HandoverPreview(self._db, self._actor, row.referral.id, kind, self)
        self.preview_dialog = preview
        preview.exec()
        self.preview_dialog = None
        preview.deleteLater()

    def show_history(self, row_index: int) -> None:
        row = self.model.row_at(row_index)
        if row is None:
            return
        referral = run_use_case(self, self._db, lambda tx: get_referral(tx, self._actor, row.referral.id))
        if referral is None:
            return
        self.history_dialog = ReferralHistoryDialog(referral, self)
        self.history_dialog.exec()
        self.history_dialog = None


def _due_on(referral: ReferralView, due_days: int) -> date | None:
    """When feedback is expected (only while waiting for it)."""
    if referral.status not in AWAITING_FEEDBACK or referral.sent_at is None:
        return None
    return _local_date(referral.sent_at) + timedelta(days=due_days)


# -- history ------------------------------------------------------------------------------------


class ReferralHistoryDialog(QDialog):
    """Read-only: what was asked, the consent, and every step with its date, who and note."""

    def __init__(self, referral: ReferralView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Referral {reference}").format(reference=referral.reference))
        self.setSizeGripEnabled(True)
        self.resize(720, 520)
        today = local_today()

        to = QLabel(_("To {recipient}").format(recipient=referral.recipient))
        font = to.font()
        font.setBold(True)
        to.setFont(font)
        to.setWordWrap(True)
        question = QLabel(_("Question: {question}").format(question=referral.question))
        question.setWordWrap(True)
        question.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        details = QLabel(
            _("Urgency: {urgency} · feedback to: {contact}").format(
                urgency=urgency_label(referral.urgency), contact=referral.feedback_contact
            )
        )
        details.setWordWrap(True)
        consent = referral.consent
        status = referral.consent_status(today)
        if consent is not None and status == WITHDRAWN and consent.withdrawn_at is not None:
            consent_text = _("Consent withdrawn on {date}. {note}").format(
                date=format_short_date(_local_date(consent.withdrawn_at)), note=consent.withdrawal_note
            )
        elif consent is not None and status != NONE:
            consent_text = _("{status}: given on {given}, valid until {until}. Purpose: {purpose}").format(
                status=consent_status_label(status),
                given=format_short_date(consent.given_on),
                until=format_short_date(consent.valid_until),
                purpose=consent.purpose,
            )
        else:
            consent_text = consent_status_label(NONE)
        self.consent_label = QLabel(consent_text.strip())
        self.consent_label.setWordWrap(True)
        colour = CONSENT_COLOURS.get(status)
        if colour:
            self.consent_label.setStyleSheet(f"color: {colour};")

        self.events = QTableWidget(len(referral.events), 4)
        self.events.setHorizontalHeaderLabels([_("Date"), _("Step"), _("By"), _("Note")])
        self.events.setAccessibleName(_("Steps of the referral"))
        self.events.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.events.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.events.setWordWrap(True)
        self.events.setAlternatingRowColors(True)
        self.events.setTabKeyNavigation(False)
        self.events.verticalHeader().hide()
        for row, event in enumerate(referral.events):
            values = (
                format_datetime(event.at, "short"),
                status_label(event.status),
                event.practitioner_name,
                event.note,
            )
            for column, value in enumerate(values):
                item = QTableWidgetItem(value or (NO_VALUE if column < 3 else ""))
                item.setToolTip(value)
                self.events.setItem(row, column, item)
        header = self.events.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.events.resizeRowsToContents()

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 14)
        layout.setSpacing(8)
        for label in (to, question, details, self.consent_label):
            layout.addWidget(label)
        layout.addSpacing(6)
        layout.addWidget(self.events, 1)
        layout.addWidget(buttons)

    def notes(self) -> list[str]:
        return [self.events.item(row, 3).text() for row in range(self.events.rowCount())]


# -- overdue ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueRow:
    client_id: int
    client_name: str
    reference: str
    recipient: str
    sent_on: date
    waiting_days: int


class OverdueTableModel(QAbstractTableModel):
    def __init__(self, rows: tuple[OverdueRow, ...], parent=None):
        super().__init__(parent)
        self._rows = rows

    def row_at(self, row: int) -> OverdueRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 5

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return (_("Client"), _("Reference"), _("Recipient"), _("Sent"), _("Days waiting"))[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        row = self.row_at(index.row())
        if row is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                row.client_name,
                row.reference,
                row.recipient,
                format_short_date(row.sent_on),
                str(row.waiting_days),
            )[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 4:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() in (0, 2):
            return row.client_name if index.column() == 0 else row.recipient
        if role == ID_ROLE:
            return row.client_id
        return None


class OverdueReferralsDialog(QDialog):
    """Every referral still waiting for feedback past the agreed days, to follow up; 'Go to client'
    asks (``client_requested``) for that client's page."""

    client_requested = Signal(int)

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._actor = actor
        today = local_today()
        with db.transaction() as tx:
            due = feedback_due_days(tx)
            rows = []
            overdue = list_referrals(tx, actor, overdue_only=True, today=today)
            names = client_names(tx, actor, (referral.client_id for referral in overdue))
            for referral in overdue:
                assert referral.sent_at is not None  # overdue means sent
                rows.append(
                    OverdueRow(
                        client_id=referral.client_id,
                        client_name=names[referral.client_id],
                        reference=referral.reference,
                        recipient=referral.recipient,
                        sent_on=_local_date(referral.sent_at),
                        waiting_days=days_waiting(referral, today),
                    )
                )
        rows.sort(key=lambda row: -row.waiting_days)  # the longest wait first
        self.setWindowTitle(_("Referrals waiting for feedback"))
        self.setSizeGripEnabled(True)
        self.resize(860, 420)

        intro = QLabel(
            ngettext(
                "No feedback has come back on this referral within {days} days. A call often helps.",
                "No feedback has come back on these referrals within {days} days. A call often helps.",
                len(rows),
            ).format(days=due)
        )
        intro.setWordWrap(True)
        self.model = OverdueTableModel(tuple(rows), self)
        # Every column as wide as its texts (a recipient is "organisation – offering (contact)",
        # never cut short); the dialog grows to show them, and scrolls sideways beyond the screen.
        self.table = read_only_table(self.model, _("Referrals waiting for feedback"))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.activated.connect(lambda _index: self.go_to_client())
        if rows:
            self.table.setCurrentIndex(self.model.index(0, 0))

        self.go_button = QPushButton(_("&Go to client"))
        self.go_button.setEnabled(bool(rows))
        self.go_button.clicked.connect(self.go_to_client)
        close_button = QPushButton(_("C&lose"))
        close_button.setAutoDefault(False)
        close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.go_button)
        buttons.addWidget(close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 14)
        layout.setSpacing(10)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.go_button.setDefault(True)
        self._fit_width()

    def _fit_width(self) -> None:
        """Wide enough for every column's text, within the screen."""
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader()
        needed = sum(header.sectionSize(i) for i in range(header.count()))
        needed += self.table.verticalScrollBar().sizeHint().width() + 2 * self.table.frameWidth() + 36 + 8
        screen = self.screen()
        limit = screen.availableGeometry().width() - 40 if screen is not None else needed
        self.resize(max(self.width(), min(needed, limit)), self.height())

    def go_to_client(self) -> None:
        row = self.model.row_at(self.table.currentIndex().row())
        if row is None:
            return
        self.accept()
        self.client_requested.emit(row.client_id)
