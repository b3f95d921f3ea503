"""The warm handover, step by step: choose who to refer to, record what the client consents to
share, follow the referral, and look at (save, print) the handover document before it leaves.

Each dialog calls one use case in one transaction and shows its verdict inline, under the field
it concerns; the core decides what is valid. The handover document is rendered by the core from
the consent-filtered content only; saving and printing it are logged as a disclosure.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import pairwise

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
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
    record_consent,
    withdraw_consent,
)
from broadtalk.conversations import load_conversation
from broadtalk.errors import BroadtalkError, InputError
from broadtalk.forms.library import find_model
from broadtalk.i18n import N_, _, format_short_date, pick, to_display_time
from broadtalk.life_domains import tags_of
from broadtalk.practitioners import Actor, role_label
from broadtalk.referrals import (
    DECLINED,
    FEEDBACK,
    URGENCIES,
    ReferralView,
    advance_referral,
    allowed_next,
    create_referral,
    get_referral,
    status_label,
)
from broadtalk.settings import PRACTICE_NAME, read_setting
from broadtalk.social_map import OfferingView, list_offerings, suggest_offerings
from broadtalk.store.database import Database
from broadtalk.ui.common import ErrorLabel, save_cancel_buttons
from broadtalk.ui.social_map_window import OfferingSuggestions
from broadtalk.ui.welcome import without_mnemonic

#: Core messages and the field they are about, so each shows under its own field.
REFERRAL_FIELD_MESSAGES = {
    "question": (
        N_("The question for the recipient is empty; write what you ask of them."),
        N_("The question is longer than 5,000 characters; shorten it."),
    ),
    "feedback_contact": (
        N_("Say how the recipient can give feedback: a function and a phone number or e-mail address."),
        N_("The contact for feedback is longer than 300 characters; shorten it."),
    ),
    "recipient": (N_("This offering is not on the social map (any more); choose another one."),),
}
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
    ),
}
SUMMARY_STYLE = (
    "#consentSummary { background: #EAF2F8; color: #17324D; border: 1px solid #B9D3E8;"
    " border-radius: 6px; padding: 10px 12px; }"
)
CHOSEN_STYLE = (
    "#chosenRecipient { background: #EAF2F8; color: #17324D; border: 1px solid #B9D3E8;"
    " border-radius: 6px; padding: 8px 10px; }"
)
#: Up to this many domains are listed as they are; more (the 13 of the matrix) scroll.
DOMAINS_WITHOUT_SCROLLING = 8
#: Pages are rasterised for the printer at this resolution at most: sharp on paper, without
#: building an image of hundreds of megabytes per page for a 1200 dpi printer.
PRINT_DPI = 300


def local_today() -> date:
    """Today in the Netherlands (just after midnight it is still yesterday in UTC)."""
    return to_display_time(datetime.now(UTC)).date()


def field_of(message: str, fields: dict[str, tuple[str, ...]]) -> str | None:
    """Which field a core message is about (None: it is about the whole form)."""
    for name, msgids in fields.items():
        for msgid in msgids:
            start = _(msgid).split("{", 1)[0]  # a message with {fields} is matched on its fixed start
            if start and message.startswith(start):
                return name
    return None


def settle_size(dialog: QDialog, width: int, min_height: int) -> None:
    """Size a dialog with word-wrapped text to what it needs at ``width``.

    The minimum Qt derives itself assumes the narrowest layout, where every wrapped line is at
    its tallest: too tall a dialog, or one squeezed at a width it never has. An explicit minimum
    and the layout's height for the real width avoid both."""
    dialog.setMinimumSize(width, min_height)
    layout = dialog.layout()
    height = layout.heightForWidth(width) if layout.hasHeightForWidth() else layout.sizeHint().height()
    dialog.resize(width, max(height, min_height))


def _bold(label: QLabel, scale: float = 1.0) -> QLabel:
    font = label.font()
    font.setBold(True)
    if scale != 1.0:
        font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    return label


def quiet_label(text: str = "") -> QLabel:
    """A helping sentence: word-wrapped, in the palette's calm placeholder colour."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def _buddy(text: str, widget: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(widget)
    widget.setAccessibleName(without_mnemonic(text))
    return label


class OfferingList(OfferingSuggestions):
    """Offerings as in the social map's suggestions, one entry per offering on short lines: who,
    the contact, and for an entry nobody checked for long, to check the number."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        # Lines of our own instead of word wrap: QListView measures wrapped entries unreliably
        # and cuts their last line off.
        self.setWordWrap(False)
        self.setSpacing(3)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    @staticmethod
    def text_of(offering: OfferingView) -> str:
        lines = [
            _("{organisation} — {offering}").format(organisation=offering.organisation_name, offering=offering.name)
        ]
        if offering.contact_phone:
            lines.append(
                _("{contact}, {phone}").format(contact=offering.contact_function, phone=offering.contact_phone)
            )
        elif offering.contact_function:
            lines.append(offering.contact_function)
        if offering.stale:
            lines.append(_("outdated — check the number"))
        return "\n".join(lines)


# -- choosing the recipient ---------------------------------------------------------------------


class ReferralDialog(QDialog):
    """A new referral from a conversation: to whom, the question, urgency and how to give feedback.

    Saving makes a draft referral and opens the consent dialog at once: nothing is sent without
    consent, so recording it is the next step. ``referral`` holds the draft after accept.
    """

    def __init__(
        self, db: Database, actor: Actor, client_id: int, conversation_id: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self._client_id = client_id
        self._conversation_id = conversation_id
        self._today = local_today()
        self._referral: ReferralView | None = None
        self._chosen: OfferingView | None = None
        self._syncing = False
        self.consent_dialog: ConsentDialog | None = None

        with db.transaction() as tx:
            client = get_client(tx, actor, client_id)
            snapshot = load_conversation(tx, actor, conversation_id)
            model = find_model(tx, snapshot.summary.model_id, snapshot.summary.model_version)
            important = [
                domain
                for domain in model.domains
                if (assessment := snapshot.assessments.get(domain.id)) is not None and assessment.important
            ]
            tags = list(dict.fromkeys(tag for domain in important for tag in tags_of(model, domain)))
            self._suggested = suggest_offerings(tx, tags, self._today) if tags else []
            practice = read_setting(tx, PRACTICE_NAME)

        self.setWindowTitle(_("New referral for {name}").format(name=client.name))
        self.setSizeGripEnabled(True)

        # Left: to whom.
        if important:
            titles = ", ".join(pick(domain.title) for domain in important)
            if self._suggested:
                intro = _("Suggested for what {name} marked as important: {domains}.")
            else:
                intro = _(
                    "{name} marked as important: {domains}. The social map has nothing for these domains yet; "
                    "search below."
                )
            intro = intro.format(name=client.given_name, domains=titles)
        else:
            intro = _("No domain was marked as important in this conversation; search the social map below.")
        self.suggestions_intro = quiet_label(intro)
        self.suggestions = OfferingList()
        self.suggestions.set_suggestions(self._suggested)
        self.suggestions.clearSelection()  # the recipient is chosen, never assumed
        self.suggestions.setCurrentRow(-1)
        self.suggestions.setAccessibleName(_("Suggested offerings"))
        self.suggestions.setVisible(bool(self._suggested))
        self.suggestions.setFixedHeight(175)  # three suggestions at a glance
        self.suggestions.itemSelectionChanged.connect(lambda: self._list_selected(self.suggestions))
        self.suggestions.offering_chosen.connect(lambda _id: self.question.setFocus())

        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Organisation, offering, place or life domain"))
        self.search.setClearButtonEnabled(True)
        search_label = _buddy(_("Search the social &map"), self.search)
        self.results = OfferingList()
        self.results.setAccessibleName(_("Offerings on the social map"))
        self.results.setMinimumHeight(220)
        self.results.itemSelectionChanged.connect(lambda: self._list_selected(self.results))
        self.results.offering_chosen.connect(lambda _id: self.question.setFocus())
        self.no_results = quiet_label()
        self.no_results.hide()
        self.search.textChanged.connect(self._search)
        self.search.returnPressed.connect(self._choose_first_result)

        self.chosen_label = QLabel(_("Nobody chosen yet."))
        self.chosen_label.setWordWrap(True)
        self.chosen_label.setObjectName("chosenRecipient")
        self.chosen_label.setStyleSheet(CHOSEN_STYLE)
        self.recipient_error = ErrorLabel()

        recipient_box = QGroupBox(_("To whom"))
        left = QVBoxLayout(recipient_box)
        left.setSpacing(8)
        left.addWidget(self.suggestions_intro)
        left.addWidget(self.suggestions)
        left.addSpacing(4)
        left.addWidget(search_label)
        left.addWidget(self.search)
        left.addWidget(self.results, 1)
        left.addWidget(self.no_results)
        left.addSpacing(6)
        left.addWidget(_bold(QLabel(_("Chosen"))))
        left.addWidget(self.chosen_label)
        left.addWidget(self.recipient_error)

        # Right: what is asked.
        self.question = QPlainTextEdit()
        self.question.setPlaceholderText(_("What do you ask of the recipient? What does the client hope for?"))
        self.question.setTabChangesFocus(True)
        self.question.setMinimumHeight(140)
        question_label = _buddy(_("&Question for the recipient *"), self.question)
        self.question_error = ErrorLabel()
        self.urgency = QComboBox()
        for code, label in URGENCIES.items():
            self.urgency.addItem(_(label), code)
        urgency_label = _buddy(_("&Urgency"), self.urgency)
        self.feedback_contact = QLineEdit()
        self.feedback_contact.setMaxLength(300)
        if practice:
            contact = _("{name}, {role}, {practice}").format(
                name=actor.name, role=role_label(actor.role), practice=practice
            )
        else:
            contact = _("{name}, {role}").format(name=actor.name, role=role_label(actor.role))
        self.feedback_contact.setText(contact)
        self.feedback_contact.setCursorPosition(0)  # the name first, where the reading starts
        feedback_label = _buddy(_("How to give &feedback to me *"), self.feedback_contact)
        feedback_hint = quiet_label(_("Add a phone number or e-mail address at which you can be reached."))
        self.feedback_error = ErrorLabel()

        question_box = QGroupBox(_("The question"))
        right = QVBoxLayout(question_box)
        right.setSpacing(6)
        right.addWidget(question_label)
        right.addWidget(self.question, 1)
        right.addWidget(self.question_error)
        right.addSpacing(8)
        right.addWidget(urgency_label)
        right.addWidget(self.urgency)
        right.addSpacing(8)
        right.addWidget(feedback_label)
        right.addWidget(self.feedback_contact)
        right.addWidget(feedback_hint)
        right.addWidget(self.feedback_error)

        self.error = ErrorLabel()
        self.next_note = quiet_label(_("After saving, you record what the client consents to share."))
        self.save_button = QPushButton(_("&Save and record consent…"))
        self.cancel_button = QPushButton(_("Cancel"))
        for button in (self.save_button, self.cancel_button):
            button.setAutoDefault(False)  # Enter in the search field chooses; it does not save
        buttons = QDialogButtonBox()
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)

        columns = QHBoxLayout()
        columns.setSpacing(16)
        columns.addWidget(recipient_box, 1)
        columns.addWidget(question_box, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.next_note, 1)
        bottom.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 14)
        layout.setSpacing(12)
        layout.addLayout(columns, 1)
        layout.addWidget(self.error)
        layout.addLayout(bottom)

        order = [self.suggestions, self.search, self.results, self.question, self.urgency, self.feedback_contact]
        for first, second in pairwise([*order, self.save_button, self.cancel_button]):
            QWidget.setTabOrder(first, second)
        self._search("")
        settle_size(self, 940, 700)
        if self._suggested:
            self.suggestions.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.search.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def referral(self) -> ReferralView | None:
        return self._referral

    @property
    def chosen(self) -> OfferingView | None:
        return self._chosen

    # -- choosing -------------------------------------------------------------------------------

    def _search(self, text: str) -> None:
        with self._db.transaction() as tx:
            results = list_offerings(tx, search=text, today=self._today)
        self._syncing = True  # filling the list must not change who is chosen
        self.results.set_suggestions(results)
        self.results.clearSelection()
        self.results.setCurrentRow(-1)
        if self._chosen is not None and not self.suggestions.selectedItems():
            row = next((i for i, view in enumerate(results) if view.id == self._chosen.id), -1)
            if row >= 0:
                self.results.setCurrentRow(row)
        self._syncing = False
        if text.strip() and not results:
            self.no_results.setText(_("Nothing on the social map matches '{text}'.").format(text=text.strip()))
        elif not results:
            self.no_results.setText(_("The social map is empty. Add organisations under File › Social map…"))
        self.results.setVisible(bool(results))
        self.no_results.setVisible(not results)

    def _choose_first_result(self) -> None:
        if self.results.count():
            self.results.setCurrentRow(0)
            self.question.setFocus(Qt.FocusReason.OtherFocusReason)

    def _list_selected(self, source: OfferingList) -> None:
        if self._syncing:
            return
        rows = [source.row(item) for item in source.selectedItems()]
        view = source.offering_at(rows[0]) if rows else None
        if view is None:
            return
        # One recipient: choosing in one list lets go of the other.
        other = self.results if source is self.suggestions else self.suggestions
        self._syncing = True
        other.clearSelection()
        self._syncing = False
        self._choose(view)

    def _choose(self, view: OfferingView) -> None:
        self._chosen = view
        self.chosen_label.setText(OfferingList.text_of(view))
        self.chosen_label.setAccessibleName(self.chosen_label.text())
        self.recipient_error.show_message("")

    # -- saving ---------------------------------------------------------------------------------

    def _save(self) -> None:
        for label in (self.recipient_error, self.question_error, self.feedback_error, self.error):
            label.show_message("")
        if self._chosen is None:
            self.recipient_error.show_message(
                _("Choose who you refer to: one of the suggestions, or an offering found by searching.")
            )
            (self.suggestions if self._suggested else self.search).setFocus()
            return
        try:
            with self._db.transaction() as tx:
                referral = create_referral(
                    tx,
                    self._actor,
                    self._client_id,
                    offering_id=self._chosen.id,
                    question=self.question.toPlainText(),
                    urgency=self.urgency.currentData(),
                    feedback_contact=self.feedback_contact.text(),
                    conversation_id=self._conversation_id,
                )
        except BroadtalkError as error:
            self._show_error(error.message)
            return
        self._referral = referral
        self.accept()
        self.open_consent()

    def _show_error(self, message: str) -> None:
        where = field_of(message, REFERRAL_FIELD_MESSAGES)
        if where == "question":
            self.question_error.show_message(message)
            self.question.setFocus()
        elif where == "feedback_contact":
            self.feedback_error.show_message(message)
            self.feedback_contact.setFocus()
        elif where == "recipient":
            self.recipient_error.show_message(message)
            self.search.setFocus()
        else:
            self.error.show_message(message)

    def open_consent(self) -> None:
        """The next step after saving: what the client consents to share with this recipient."""
        if self._referral is None:
            return
        self.consent_dialog = ConsentDialog(self._db, self._actor, self._referral.id, self.parentWidget())
        self.consent_dialog.exec()


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

        heading = _bold(QLabel(_("What may {name} share?").format(name=client.given_name)), 1.2)
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
        if len(self.domain_boxes) > DOMAINS_WITHOUT_SCROLLING:
            domain_layout.addStretch(1)
            scroller = QScrollArea()
            scroller.setWidget(domain_list)
            scroller.setWidgetResizable(True)
            scroller.setFrameShape(QFrame.Shape.NoFrame)
            scroller.setMinimumHeight(240)
            scroller.viewport().setAutoFillBackground(False)
            domain_list.setAutoFillBackground(False)
            domains_layout.addWidget(scroller)
        else:
            domains_layout.addWidget(domain_list)

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
        purpose_label = _buddy(_("&Purpose *"), self.purpose)
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
        given_label = _buddy(_("&Date given"), self.given_on)
        self.given_error = ErrorLabel()
        self.valid_until = QLineEdit(format_short_date(self._today + DEFAULT_VALIDITY))
        self.valid_until.setPlaceholderText(_("dd-mm-yyyy"))
        self.valid_until.setMaxLength(10)
        self.valid_until.setMaximumWidth(160)
        self.valid_until.textEdited.connect(self._until_changed)
        until_label = _buddy(_("Valid &until"), self.valid_until)
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
        terms.addStretch(1)

        # The summary, to read back to the client.
        summary_heading = _bold(QLabel(_("Read this back to the client")))
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

        left = QVBoxLayout()
        left.setSpacing(12)
        left.addWidget(domains_box)
        left.addWidget(details_box)
        left.addStretch(1)
        columns = QHBoxLayout()
        columns.setSpacing(16)
        columns.addLayout(left, 1)
        columns.addWidget(terms_box, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 14)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(recipient)
        layout.addWidget(explain)
        layout.addSpacing(4)
        layout.addLayout(columns, 1)
        layout.addSpacing(4)
        layout.addWidget(summary_heading)
        layout.addWidget(self.summary)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.save_button.setDefault(True)

        order = [
            *self.domain_boxes.values(),
            self.share_own_words,
            self.share_goals,
            self.share_identity,
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
        settle_size(self, 860, 480)

    @property
    def consent(self) -> ConsentView | None:
        return self._consent

    def chosen_domains(self) -> tuple[str, ...]:
        return tuple(domain_id for domain_id, box in self.domain_boxes.items() if box.isChecked())

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
            self.given_error.show_message(_date_problem(self.given_on.text()))
        if until is None:
            self.until_error.show_message(_date_problem(self.valid_until.text()))
        if given is None or until is None:
            (self.given_on if given is None else self.valid_until).setFocus()
            return
        data = ConsentInput(
            purpose=self.purpose.toPlainText(),
            domains=self.chosen_domains(),
            share_identity_details=self.share_identity.isChecked(),
            share_goals_actions=self.share_goals.isChecked(),
            share_own_words=self.share_own_words.isChecked(),
            method=self.chosen_method(),
            given_on=given,
            valid_until=until,
        )
        try:
            with self._db.transaction() as tx:
                consent = record_consent(tx, self._actor, self._referral_id, data)
        except BroadtalkError as error:
            self._show_error(error.message)
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


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def _date_problem(text: str) -> str:
    if not text.strip():
        return _("Type a date as dd-mm-yyyy, e.g. 15-01-2026.")
    return _("'{value}' is not a date; type it as dd-mm-yyyy, e.g. 15-01-2026.").format(value=text.strip())


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
        note_label = _buddy(_("&Note (optional)"), self.note)
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


# -- following the referral ---------------------------------------------------------------------


class AdvanceReferralDialog(QDialog):
    """The next step of a referral (sent, accepted, first contact, feedback, closed or declined),
    with a note; the feedback itself and a reason for declining are required."""

    def __init__(self, db: Database, actor: Actor, referral_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self._referral_id = referral_id
        self._updated: ReferralView | None = None
        with db.transaction() as tx:
            referral = get_referral(tx, actor, referral_id)
        self._referral = referral
        self.setWindowTitle(_("Next step for referral {reference}").format(reference=referral.reference))
        self.setMinimumWidth(560)

        about = QLabel(
            _("To {recipient}. Now: {status}.").format(
                recipient=referral.recipient, status=status_label(referral.status)
            )
        )
        about.setWordWrap(True)
        self.step_group = QButtonGroup(self)
        self.step_buttons: dict[str, QRadioButton] = {}
        steps_box = QGroupBox(_("What happened?"))
        steps = QVBoxLayout(steps_box)
        steps.setSpacing(6)
        for status in allowed_next(referral.status):
            button = QRadioButton(status_label(status))
            button.toggled.connect(self._step_changed)
            self.step_group.addButton(button)
            self.step_buttons[status] = button
            steps.addWidget(button)
        self.step_error = ErrorLabel()
        steps.addWidget(self.step_error)

        self.note = QPlainTextEdit()
        self.note.setTabChangesFocus(True)
        self.note.setMinimumHeight(110)
        self.note_label = QLabel()
        self.note_label.setBuddy(self.note)
        self.note_error = ErrorLabel()
        self.error = ErrorLabel()

        buttons, self.save_button, self.cancel_button = save_cancel_buttons(self._save, self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 14)
        layout.setSpacing(10)
        layout.addWidget(about)
        layout.addWidget(steps_box)
        layout.addWidget(self.note_label)
        layout.addWidget(self.note, 1)
        layout.addWidget(self.note_error)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.save_button.setDefault(True)

        if self.step_buttons:
            next(iter(self.step_buttons.values())).setChecked(True)  # the usual next step
        else:
            self.error.show_message(_("This referral is finished; there is no next step."))
            self.save_button.setEnabled(False)
        self._step_changed()

    @property
    def referral(self) -> ReferralView | None:
        """The referral after the step, after accept."""
        return self._updated

    def chosen_step(self) -> str:
        return next((status for status, button in self.step_buttons.items() if button.isChecked()), "")

    def choose(self, status: str) -> None:
        self.step_buttons[status].setChecked(True)

    def _step_changed(self, *_args) -> None:
        step = self.chosen_step()
        if step == FEEDBACK:
            text, placeholder = _("&Feedback *"), _("What did the recipient report back?")
        elif step == DECLINED:
            text, placeholder = _("&Reason *"), _("Why was the referral declined?")
        else:
            text, placeholder = _("&Note (optional)"), ""
        self.note_label.setText(text)
        self.note.setAccessibleName(without_mnemonic(text))
        self.note.setPlaceholderText(placeholder)
        self.note_error.show_message("")

    def _save(self) -> None:
        for label in (self.step_error, self.note_error, self.error):
            label.show_message("")
        step = self.chosen_step()
        if not step:
            self.step_error.show_message(_("Choose what happened."))
            return
        try:
            with self._db.transaction() as tx:
                updated = advance_referral(tx, self._actor, self._referral_id, step, note=self.note.toPlainText())
        except InputError as error:
            # The core asks for the feedback text or a reason: it belongs under the note.
            self.note_error.show_message(error.message)
            self.note.setFocus()
            return
        except BroadtalkError as error:
            self.error.show_message(error.message)
            return
        self._updated = updated
        self.accept()
