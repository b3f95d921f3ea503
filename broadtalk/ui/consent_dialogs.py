"""Consent for a referral: what the client agrees to share with its recipient (shown as the
recipient will get it before it is saved), and withdrawing it."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from broadtalk.clients import get_client, parse_date
from broadtalk.consent import (
    DEFAULT_VALIDITY,
    GIVEN,
    METHODS,
    ConsentInput,
    ConsentView,
    consent_status,
    current_consent,
    method_label,
    withdraw_consent,
)
from broadtalk.conversations import load_conversation
from broadtalk.errors import BroadtalkError
from broadtalk.forms.library import find_model
from broadtalk.handover.content import HandoverContent, give_consent, preview_handover
from broadtalk.handover.screen import handover_html
from broadtalk.i18n import N_, _, format_short_date, pick, to_display_time
from broadtalk.practitioners import Actor
from broadtalk.referrals import (
    get_referral,
)
from broadtalk.store.database import Database
from broadtalk.ui.common import ErrorLabel
from broadtalk.ui.dialog_parts import (
    bold_label,
    buddy_label,
    date_problem,
    field_of,
    local_today,
    quiet_label,
)

CONSENT_FIELD_MESSAGES = {
    "purpose": (
        N_("Write down the purpose the client agreed to, e.g. 'support with debts'."),
        N_("The purpose is longer than 2,000 characters; shorten it."),
    ),
    "method": (N_("Say how consent was given: verbally or in writing."),),
    "given_on": (N_("The date of consent lies in the future; consent counts from when it was given."),),
    "valid_until": (
        N_("'Valid until' lies before the date of consent; choose a later date."),
        N_("Consent can be valid for two years at most (until {date}); choose an earlier date."),
        N_("This consent already ended on {date}; a consent is recorded for a period that is still to come."),
    ),
}
SUMMARY_STYLE = (
    "#consentSummary { background: #EAF2F8; color: #17324D; border: 1px solid #B9D3E8;"
    " border-radius: 6px; padding: 10px 12px; }"
)


# -- consent ------------------------------------------------------------------------------------


class ConsentDialog(QDialog):
    """What the client consents to share with the referral's recipient, for what, how and until when.

    Nothing is ticked beforehand: consent is given for what is ticked, explicitly. A summary in
    plain words, to read back to the client, follows every tick. ``consent`` holds the recorded
    consent after accept.
    """

    def __init__(self, db: Database, actor: Actor, referral_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self._referral_id = referral_id
        self._consent: ConsentView | None = None
        self._shown: HandoverContent | None = None
        self._today = local_today()
        self._until_edited = False

        with db.transaction() as tx:
            referral = get_referral(tx, actor, referral_id)
            client = get_client(tx, actor, referral.client_id)
            snapshot = load_conversation(tx, actor, referral.conversation_id) if referral.conversation_id else None
            model = find_model(tx, snapshot.summary.model_id, snapshot.summary.model_version) if snapshot else None
        self._referral = referral
        self._client_name = client.given_name

        self.setWindowTitle(_("Consent for referral {reference}").format(reference=referral.reference))
        self.setSizeGripEnabled(True)

        heading = bold_label(QLabel(_("What may {name} share?").format(name=client.given_name)), 1.2)
        recipient = QLabel(_("With: {recipient}").format(recipient=referral.recipient))
        recipient.setWordWrap(True)
        explain = quiet_label(
            _("Tick only what the client agrees to share. Nothing is ticked beforehand: consent is given explicitly.")
        )

        # What is shared: the conversation's domains and three kinds of detail.
        self.domain_boxes: dict[str, QCheckBox] = {}
        domains_box = QGroupBox(
            _("Life domains from the conversation of {date}").format(
                date=format_short_date(to_display_time(snapshot.summary.started_at).date())
            )
            if snapshot
            else _("Life domains")
        )
        domain_list = QWidget()
        domain_layout = QVBoxLayout(domain_list)
        domain_layout.setContentsMargins(4, 4, 4, 4)
        domain_layout.setSpacing(6)
        if model is not None and snapshot is not None:
            for domain in model.domains:
                assessment = snapshot.assessments.get(domain.id)
                scale = model.scale_of(domain)
                title = pick(domain.title)
                if scale is not None and assessment is not None and assessment.score is not None:
                    text = _("{domain} · score {score} of {maximum}").format(
                        domain=title, score=assessment.score, maximum=scale.max
                    )
                else:
                    text = title
                box = QCheckBox(text)
                box.setProperty("domainTitle", title)
                box.toggled.connect(self._update_summary)
                self.domain_boxes[domain.id] = box
                domain_layout.addWidget(box)
        else:
            domain_layout.addWidget(
                quiet_label(_("This referral is not linked to a conversation, so there are no life domains to share."))
            )
        domains_layout = QVBoxLayout(domains_box)
        domains_layout.addWidget(domain_list)  # the whole left column scrolls (13 ZRM domains)

        # Pieces of no life domain: each is shared only when ticked by name.
        with db.transaction() as tx:
            nothing = ConsentInput("", (), False, False, False, "", self._today, self._today + DEFAULT_VALIDITY)
            _content, pieces = preview_handover(tx, actor, referral_id, nothing, today=self._today)
        self.piece_boxes: dict[str, QCheckBox] = {}
        pieces_box = QGroupBox(_("Chosen separately"))
        pieces_layout = QVBoxLayout(pieces_box)
        pieces_layout.setSpacing(6)
        pieces_layout.addWidget(
            quiet_label(
                _("These belong to no life domain: each is shared only when the client agrees to it separately.")
            )
        )
        for piece in pieces:
            box = QCheckBox(piece.label)
            box.setToolTip(piece.text if not piece.key.startswith("action:") else "")
            box.toggled.connect(self._update_summary)
            self.piece_boxes[piece.key] = box
            pieces_layout.addWidget(box)
        pieces_box.setVisible(bool(pieces))

        self.share_identity = QCheckBox(_("&Address, phone and e-mail (more than name and birth date)"))
        self.share_goals = QCheckBox(_("&Goals and agreed actions"))
        self.share_own_words = QCheckBox(_("The client's own &words"))
        details_box = QGroupBox(_("Also share"))
        details_layout = QVBoxLayout(details_box)
        details_layout.setSpacing(6)
        for box in (self.share_own_words, self.share_goals, self.share_identity):
            box.toggled.connect(self._update_summary)
            details_layout.addWidget(box)

        # For what, how and until when.
        self.purpose = QPlainTextEdit()
        self.purpose.setPlaceholderText(_("e.g. support with taking part and finding meaning"))
        self.purpose.setTabChangesFocus(True)
        self.purpose.setFixedHeight(72)
        self.purpose.textChanged.connect(self._update_summary)
        purpose_label = buddy_label(_("&Purpose *"), self.purpose)
        self.purpose_error = ErrorLabel()

        self.method_group = QButtonGroup(self)
        self.method_buttons: dict[str, QRadioButton] = {}
        method_row = QHBoxLayout()
        method_row.setSpacing(18)
        for code in METHODS:
            button = QRadioButton(method_label(code))
            button.toggled.connect(self._update_summary)
            self.method_group.addButton(button)
            self.method_buttons[code] = button
            method_row.addWidget(button)
        method_row.addStretch(1)
        method_label_widget = QLabel(_("How consent was given *"))
        self.method_error = ErrorLabel()

        self.given_on = QLineEdit(format_short_date(self._today))
        self.given_on.setPlaceholderText(_("dd-mm-yyyy"))
        self.given_on.setMaxLength(10)
        self.given_on.setMaximumWidth(160)
        self.given_on.textChanged.connect(self._given_changed)
        given_label = buddy_label(_("&Date given"), self.given_on)
        self.given_error = ErrorLabel()
        self.valid_until = QLineEdit(format_short_date(self._today + DEFAULT_VALIDITY))
        self.valid_until.setPlaceholderText(_("dd-mm-yyyy"))
        self.valid_until.setMaxLength(10)
        self.valid_until.setMaximumWidth(160)
        self.valid_until.textEdited.connect(self._until_changed)
        until_label = buddy_label(_("Valid &until"), self.valid_until)
        self.until_error = ErrorLabel()

        terms_box = QGroupBox(_("Purpose and validity"))
        terms = QVBoxLayout(terms_box)
        terms.setSpacing(6)
        terms.addWidget(purpose_label)
        terms.addWidget(self.purpose)
        terms.addWidget(self.purpose_error)
        terms.addSpacing(6)
        terms.addWidget(method_label_widget)
        terms.addLayout(method_row)
        terms.addWidget(self.method_error)
        terms.addSpacing(6)
        dates = QFormLayout()
        dates.setHorizontalSpacing(12)
        dates.addRow(given_label, self.given_on)
        dates.addRow("", self.given_error)
        dates.addRow(until_label, self.valid_until)
        dates.addRow("", self.until_error)
        terms.addLayout(dates)

        # The summary, to read back to the client.
        summary_heading = bold_label(QLabel(_("Read this back to the client")))
        self.summary = QLabel()
        self.summary.setObjectName("consentSummary")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet(SUMMARY_STYLE)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.summary.font()
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.summary.setFont(font)
        self.summary.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

        self.error = ErrorLabel()
        self.save_button = QPushButton(_("&Record consent"))
        self.cancel_button = QPushButton(_("Cancel"))
        self.cancel_button.setAutoDefault(False)
        buttons = QDialogButtonBox()
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)

        # Left, what is shared (scrolls: the matrix has thirteen domains); right, the terms and,
        # below them, the summary to read back and exactly what the recipient will get.
        choices = QWidget()
        left = QVBoxLayout(choices)
        left.setContentsMargins(0, 0, 8, 0)
        left.setSpacing(12)
        left.addWidget(domains_box)
        left.addWidget(details_box)
        left.addWidget(pieces_box)
        left.addStretch(1)
        self.choices_area = QScrollArea()
        self.choices_area.setWidget(choices)
        self.choices_area.setWidgetResizable(True)
        self.choices_area.setFrameShape(QFrame.Shape.NoFrame)
        self.choices_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.choices_area.setMinimumWidth(choices.sizeHint().width() + 24)
        # A box reached by its mnemonic (Alt+A) or by Tab below the fold scrolls into view.
        QApplication.instance().focusChanged.connect(self._show_focused)
        right = QVBoxLayout()
        right.setSpacing(10)
        right.addWidget(terms_box)
        columns = QHBoxLayout()
        columns.setSpacing(16)
        columns.addWidget(self.choices_area, 5)
        columns.addLayout(right, 6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 14)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(recipient)
        layout.addWidget(explain)
        layout.addSpacing(4)
        layout.addLayout(columns, 1)
        # Read back to the client, and exactly what the recipient will get (the letter's content).
        self.preview = QTextBrowser()
        self.preview.setOpenLinks(False)
        self.preview.setAccessibleName(_("What the recipient will get"))
        self.preview.setMinimumHeight(200)
        read_back = QWidget()
        read_back_layout = QVBoxLayout(read_back)
        read_back_layout.setContentsMargins(6, 6, 6, 6)
        read_back_layout.addWidget(summary_heading)
        read_back_layout.addWidget(self.summary)
        read_back_layout.addStretch(1)
        self.tabs = QTabWidget()
        self.tabs.addTab(read_back, _("Read back to the client"))
        self.tabs.addTab(self.preview, _("What {recipient} will get").format(recipient=_short(referral.recipient)))
        right.addWidget(self.tabs, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.save_button.setDefault(True)

        order = [
            *self.domain_boxes.values(),
            self.share_own_words,
            self.share_goals,
            self.share_identity,
            *self.piece_boxes.values(),
            self.purpose,
            *self.method_buttons.values(),
            self.given_on,
            self.valid_until,
            self.save_button,
            self.cancel_button,
        ]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)
        self._update_summary()
        # A laptop of 1366 × 768 shows it whole; the left column scrolls when it must.
        self.setMinimumSize(1040, 600)
        self.resize(1120, 680)

    def _show_focused(self, _old: QWidget | None, new: QWidget | None) -> None:
        area = getattr(self, "choices_area", None)
        if area is not None and new is not None and area.widget() is not None and area.widget().isAncestorOf(new):
            area.ensureWidgetVisible(new)

    @property
    def consent(self) -> ConsentView | None:
        return self._consent

    def chosen_domains(self) -> tuple[str, ...]:
        return tuple(domain_id for domain_id, box in self.domain_boxes.items() if box.isChecked())

    def chosen_pieces(self) -> tuple[str, ...]:
        return tuple(key for key, box in self.piece_boxes.items() if box.isChecked())

    def chosen_method(self) -> str:
        return next((code for code, button in self.method_buttons.items() if button.isChecked()), "")

    # -- the summary ------------------------------------------------------------------------------

    def summary_text(self) -> str:
        titles = [box.property("domainTitle") for box in self.domain_boxes.values() if box.isChecked()]
        purpose = " ".join(self.purpose.toPlainText().split()).rstrip(".")  # the sentence adds its own
        first = _(
            "{client} shares with {recipient}: {domains}; own words: {own_words}; goals and actions: {goals}; "
            "address and phone: {identity}. Purpose: {purpose}."
        ).format(
            client=self._client_name,
            recipient=self._referral.recipient,
            domains=", ".join(titles) if titles else _("no life domains"),
            own_words=_yes_no(self.share_own_words.isChecked()),
            goals=_yes_no(self.share_goals.isChecked()),
            identity=_yes_no(self.share_identity.isChecked()),
            purpose=purpose or _("not filled in yet"),
        )
        given = parse_date(self.given_on.text())
        until = parse_date(self.valid_until.text())
        if given is None or until is None:
            return first
        method = self.chosen_method()
        if method:
            second = _("{method} given on {given}, valid until {until}.").format(
                method=method_label(method), given=format_short_date(given), until=format_short_date(until)
            )
        else:
            second = _("Given on {given}, valid until {until}.").format(
                given=format_short_date(given), until=format_short_date(until)
            )
        return f"{first}\n{second}"

    def _update_summary(self, *_args) -> None:
        self.summary.setText(self.summary_text())
        self.summary.setAccessibleName(self.summary.text())
        if hasattr(self, "preview"):
            self._update_preview()

    def _input(self) -> ConsentInput:
        """The consent as ticked so far (dates that do not parse count as today and a year on)."""
        given = parse_date(self.given_on.text())
        until = parse_date(self.valid_until.text())
        return ConsentInput(
            purpose=self.purpose.toPlainText(),
            domains=self.chosen_domains(),
            share_identity_details=self.share_identity.isChecked(),
            share_goals_actions=self.share_goals.isChecked(),
            share_own_words=self.share_own_words.isChecked(),
            method=self.chosen_method(),
            given_on=given or self._today,
            valid_until=until or self._today + DEFAULT_VALIDITY,
            pieces=self.chosen_pieces(),
        )

    def preview_content(self) -> HandoverContent:
        """The content the recipient would get under the consent as ticked now."""
        with self._db.transaction() as tx:
            content, _pieces = preview_handover(tx, self._actor, self._referral_id, self._input(), today=self._today)
        return content

    def _update_preview(self) -> None:
        self._shown = None
        try:
            content = self.preview_content()
        except BroadtalkError as error:
            self.preview.setPlainText(error.message)
            return
        self._shown = content  # what the client agrees to: saving checks it still holds
        scroll = self.preview.verticalScrollBar().value()
        self.preview.setHtml(handover_html(content))
        self.preview.verticalScrollBar().setValue(scroll)

    def _given_changed(self, text: str) -> None:
        # 'Valid until' follows the date given (a year later) until someone types it themselves.
        given = parse_date(text)
        if given is not None and not self._until_edited:
            self.valid_until.setText(format_short_date(given + DEFAULT_VALIDITY))
        self._update_summary()

    def _until_changed(self, _text: str) -> None:
        self._until_edited = True
        self._update_summary()

    # -- saving ---------------------------------------------------------------------------------

    def _save(self) -> None:
        errors = (self.purpose_error, self.method_error, self.given_error, self.until_error, self.error)
        for label in errors:
            label.show_message("")
        given = parse_date(self.given_on.text())
        until = parse_date(self.valid_until.text())
        if given is None:
            self.given_error.show_message(date_problem(self.given_on.text()))
        if until is None:
            self.until_error.show_message(date_problem(self.valid_until.text()))
        if given is None or until is None:
            (self.given_on if given is None else self.valid_until).setFocus()
            return
        data = replace(self._input(), given_on=given, valid_until=until)
        try:
            with self._db.transaction() as tx:
                consent = give_consent(tx, self._actor, self._referral_id, data, shown=self._shown)
        except BroadtalkError as error:
            self._show_error(error.message)
            self._update_preview()  # show what the recipient would get now
            return
        self._consent = consent
        self.accept()

    def _show_error(self, message: str) -> None:
        where = field_of(message, CONSENT_FIELD_MESSAGES)
        targets = {
            "purpose": (self.purpose_error, self.purpose),
            "method": (self.method_error, next(iter(self.method_buttons.values()))),
            "given_on": (self.given_error, self.given_on),
            "valid_until": (self.until_error, self.valid_until),
        }
        label, widget = targets.get(where or "", (self.error, None))
        label.show_message(message)
        if widget is not None:
            widget.setFocus()


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


class WithdrawConsentDialog(QDialog):
    """The client takes consent back: from now on nothing more is shared for this referral."""

    def __init__(self, db: Database, actor: Actor, referral_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self._withdrawn: ConsentView | None = None
        with db.transaction() as tx:
            referral = get_referral(tx, actor, referral_id)
            client = get_client(tx, actor, referral.client_id)
            self._current = current_consent(tx, actor, referral_id)
        self.setWindowTitle(_("Withdraw consent for referral {reference}").format(reference=referral.reference))
        self.setMinimumWidth(560)

        explain = QLabel(
            _(
                "{name} withdraws consent to share with {recipient}. From now on nothing more is shared for "
                "this referral; what was already sent stays with the recipient."
            ).format(name=client.given_name, recipient=referral.recipient)
        )
        explain.setWordWrap(True)
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText(_("e.g. the client prefers to call the recipient themselves"))
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(90)
        note_label = buddy_label(_("&Note (optional)"), self.note)
        self.error = ErrorLabel()

        self.withdraw_button = QPushButton(_("&Withdraw consent"))
        self.cancel_button = QPushButton(_("Cancel"))
        # A withdrawal is a deliberate click, never the side effect of pressing Enter.
        self.withdraw_button.setAutoDefault(False)
        self.cancel_button.setDefault(True)
        buttons = QDialogButtonBox()
        buttons.addButton(self.withdraw_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._withdraw)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 14)
        layout.setSpacing(10)
        layout.addWidget(explain)
        layout.addWidget(note_label)
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.note.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def consent(self) -> ConsentView | None:
        """The withdrawn consent, after accept."""
        return self._withdrawn

    def _withdraw(self) -> None:
        if self._current is None or consent_status(self._current, local_today()) != GIVEN:
            self.error.show_message(_("There is no valid consent to withdraw for this referral."))
            return
        consent_id = self._current.id
        try:
            with self._db.transaction() as tx:
                self._withdrawn = withdraw_consent(tx, self._actor, consent_id, note=self.note.toPlainText())
        except BroadtalkError as error:
            self.error.show_message(error.message)
            return
        self.accept()
