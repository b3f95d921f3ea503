"""The warm handover, step by step: choose who to refer to, record what the client consents to
share, follow the referral, and look at (save, print) the handover document before it leaves.

Each dialog calls one use case in one transaction and shows its verdict inline, under the field
it concerns; the core decides what is valid. The handover document is rendered by the core from
the consent-filtered content only; saving and printing it are logged as a disclosure.
"""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from sqlmodel import Session

from broadtalk.clients import get_client, parse_date
from broadtalk.conversations import AMENDING, ConversationSummary, list_conversations
from broadtalk.errors import BroadtalkError, InputError, RefusedError
from broadtalk.forms.library import find_model
from broadtalk.forms.schema import Domain
from broadtalk.i18n import N_, _, format_short_date, pick
from broadtalk.permissions import Permission, allows
from broadtalk.practitioners import Actor, practitioner_contact, role_label
from broadtalk.referral_steps import DECLINED, FEEDBACK, status_label
from broadtalk.referrals import (
    FIRST_CONTACTS,
    URGENCIES,
    AdHocRecipient,
    ReferralView,
    add_recipient_to_social_map,
    advance_referral,
    allowed_next,
    create_referral,
    get_referral,
    suggest_recipients,
)
from broadtalk.settings import practice_details
from broadtalk.social_map import OfferingView, list_offerings
from broadtalk.store.database import Database
from broadtalk.ui.common import ErrorLabel, save_cancel_buttons, show_refusal
from broadtalk.ui.consent_dialogs import ConsentDialog
from broadtalk.ui.dialog_parts import (
    bold_label,
    buddy_label,
    date_problem,
    field_of,
    local_today,
    quiet_label,
    settle_size,
)
from broadtalk.ui.social_map_window import OfferingSuggestions
from broadtalk.ui.welcome import without_mnemonic

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
    "first_contact": (N_("Say who makes the first contact: the recipient, the client or the practice."),),
    "contact_preference": (N_("How the client wants to be reached is longer than 300 characters; shorten it."),),
    "ad_hoc": (
        N_("Type the name of the organisation you refer to."),
        N_("The organisation or what it offers is longer than 200 characters; shorten it."),
        N_("'{value}' is not a phone number; use only digits, spaces and + - ( ), e.g. 030 123 45 67."),
        N_("'{value}' is not an e-mail address; check it or leave it empty."),
        N_("Give a phone number or an e-mail address at which the recipient can be reached."),
    ),
}
#: The core's messages about the day a step happened: shown under the date field.
STEP_DATE_MESSAGES = {
    "date": (
        N_("The step cannot have happened in the future; choose today or an earlier day."),
        N_("The step cannot have happened before the step before it ({date}); choose that day or later."),
    )
}
DRAFT_WARNING_STYLE = (
    "#draftWarning { background: #FFF3CD; color: #664D03; border: 1px solid #F0D78C;"
    " border-radius: 6px; padding: 6px 10px; }"
)
CHOSEN_STYLE = (
    "#chosenRecipient { background: #EAF2F8; color: #17324D; border: 1px solid #B9D3E8;"
    " border-radius: 6px; padding: 8px 10px; }"
)


class OfferingList(OfferingSuggestions):
    """Offerings as in the social map's suggestions, one entry per offering on short lines: who,
    the contact, and for an entry nobody checked for long, to check the number."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        # Lines of our own instead of word wrap: QListView measures wrapped entries unreliably
        # and cuts their last line off.
        self.setWordWrap(False)
        self.setSpacing(3)
        # A long name ("Stichting Maatschappelijke Dienstverlening …") scrolls sideways, never cut off.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter on a highlighted offering chooses it (``offering_chosen``); it never reaches the
        # dialog's default button, which would save before the question is written.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem() is not None:
            super().keyPressEvent(event)
            event.accept()
            return
        super().keyPressEvent(event)

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


class SearchField(QLineEdit):
    """A search field whose Enter chooses the first result (``returnPressed``) and stops there."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        super().keyPressEvent(event)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()


# -- choosing the recipient ---------------------------------------------------------------------


def default_conversation(conversations: list[ConversationSummary], preferred: int | None = None) -> int | None:
    """The conversation a handover is made from unless chosen otherwise: ``preferred`` when it is
    completed, else the newest completed one, else ``preferred`` or the newest (a draft letter)."""
    completed = [summary.id for summary in conversations if summary.is_completed]
    if preferred in completed:
        return preferred
    if completed:
        return completed[0]
    if preferred is not None and any(summary.id == preferred for summary in conversations):
        return preferred
    return conversations[0].id if conversations else None


class ReferralDialog(QDialog):
    """A new referral from a conversation: to whom, the question, urgency and how to give feedback.

    The handover is made from a conversation chosen in the dialog: by default the newest completed
    one (or ``conversation_id`` when that is completed); a draft gives a letter marked as draft,
    which the dialog says. The suggested offerings follow the chosen conversation.

    Saving makes a draft referral and opens the consent dialog at once: nothing is sent without
    consent, so recording it is the next step. ``referral`` holds the draft after accept.
    """

    def __init__(
        self,
        db: Database,
        actor: Actor,
        client_id: int,
        conversation_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self._client_id = client_id
        self._today = local_today()
        self._referral: ReferralView | None = None
        self._chosen: OfferingView | None = None
        self._syncing = False
        self._suggested: list[OfferingView] = []
        self._important: dict[int, tuple[list[Domain], list[OfferingView]]] = {}
        self._tags: dict[int, tuple[str, ...]] = {}
        #: The social map's new offering when a typed recipient was added to it after saving.
        self.added_offering: OfferingView | None = None
        self.consent_dialog: ConsentDialog | None = None

        with db.transaction() as tx:
            client = get_client(tx, actor, client_id)
            self._conversations = list_conversations(tx, actor, client_id)
            if not self._conversations:
                raise RefusedError(
                    _("A referral starts from a conversation: hold a conversation with {name} first.").format(
                        name=client.name
                    )
                )
            titles = {
                key: find_model(tx, *key).display_title()
                for key in {(summary.model_id, summary.model_version) for summary in self._conversations}
            }
            self._conversation_id = default_conversation(self._conversations, conversation_id)
            practice = practice_details(tx)
            me = practitioner_contact(tx, actor.id)
        self._given_name = client.given_name

        self.setWindowTitle(_("New referral for {name}").format(name=client.name))
        self.setSizeGripEnabled(True)

        # Top: the conversation the handover is made from.
        self.conversation = QComboBox()
        for summary in self._conversations:
            self.conversation.addItem(
                self._conversation_text(summary, titles[(summary.model_id, summary.model_version)]), summary.id
            )
        self.conversation.setCurrentIndex(self.conversation.findData(self._conversation_id))
        self.conversation.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        conversation_label = bold_label(buddy_label(_("&Conversation"), self.conversation))
        conversation_hint = quiet_label(_("The handover letter is made from this conversation."))
        self.draft_warning = QLabel(
            _(
                "This conversation is not completed: the handover letter will be marked as a draft. "
                "Complete the conversation first, or choose a completed one."
            )
        )
        self.draft_warning.setWordWrap(True)
        self.draft_warning.setObjectName("draftWarning")
        self.draft_warning.setStyleSheet(DRAFT_WARNING_STYLE)
        self.draft_warning.setAccessibleName(self.draft_warning.text())
        self.draft_warning.hide()
        conversation_row = QHBoxLayout()
        conversation_row.setSpacing(10)
        conversation_row.addWidget(conversation_label)
        conversation_row.addWidget(self.conversation)
        conversation_row.addWidget(conversation_hint, 1)

        # Left: to whom (suggested from what the chosen conversation marked as important).
        self.suggestions_intro = quiet_label()
        self.suggestions = OfferingList()
        self.suggestions.setAccessibleName(_("Suggested offerings"))
        self.suggestions.setFixedHeight(175)  # three suggestions at a glance
        self.suggestions.itemSelectionChanged.connect(lambda: self._list_selected(self.suggestions))
        self.suggestions.offering_chosen.connect(lambda _id: self._choose_current(self.suggestions))

        self.search = SearchField()
        self.search.setPlaceholderText(_("Organisation, offering, place or life domain"))
        self.search.setClearButtonEnabled(True)
        search_label = self.search_label = buddy_label(_("Search the social &map"), self.search)
        self.results = OfferingList()
        self.results.setAccessibleName(_("Offerings on the social map"))
        self.results.setMinimumHeight(220)
        self.results.itemSelectionChanged.connect(lambda: self._list_selected(self.results))
        self.results.offering_chosen.connect(lambda _id: self._choose_current(self.results))
        self.no_results = quiet_label()
        self.no_results.hide()
        self.search.textChanged.connect(self._search)
        self.search.returnPressed.connect(self._choose_first_result)

        self.chosen_label = QLabel(_("Nobody chosen yet."))
        self.chosen_label.setWordWrap(True)
        self.chosen_label.setObjectName("chosenRecipient")
        self.chosen_label.setStyleSheet(CHOSEN_STYLE)
        self.recipient_error = ErrorLabel()

        # Someone not on the social map (yet): typed here, named on the referral as typed.
        self.ad_hoc_box = QGroupBox(_("&Not on the social map"))
        self.ad_hoc_box.setCheckable(True)
        self.ad_hoc_box.setChecked(False)
        self.ad_hoc_organisation = QLineEdit()
        self.ad_hoc_offering = QLineEdit()
        self.ad_hoc_phone = QLineEdit()
        self.ad_hoc_email = QLineEdit()
        self.ad_hoc_offering.setPlaceholderText(_("e.g. buddy project, or the contact's function"))
        ad_hoc_form = QFormLayout()
        ad_hoc_form.setContentsMargins(0, 0, 0, 0)
        for label, field in (
            (_("Org&anisation *"), self.ad_hoc_organisation),
            (_("Offer&ing or function"), self.ad_hoc_offering),
            (_("P&hone"), self.ad_hoc_phone),
            (_("&E-mail"), self.ad_hoc_email),
        ):
            field.setMaxLength(200)
            field.setAccessibleName(without_mnemonic(label))
            ad_hoc_form.addRow(buddy_label(label, field), field)
        self.ad_hoc_fields = QWidget()
        self.ad_hoc_fields.setLayout(ad_hoc_form)
        self.ad_hoc_fields.setVisible(False)
        ad_hoc_layout = QVBoxLayout(self.ad_hoc_box)
        ad_hoc_layout.addWidget(self.ad_hoc_fields)
        self.ad_hoc_box.toggled.connect(self._ad_hoc_toggled)

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
        self.chosen_heading = bold_label(QLabel(_("Chosen")))
        left.addWidget(self.chosen_heading)
        left.addWidget(self.chosen_label)
        left.addWidget(self.ad_hoc_box)
        left.addWidget(self.recipient_error)
        # Takes the room of the map's lists while the recipient is typed instead.
        self.ad_hoc_room = QWidget()
        self.ad_hoc_room.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.ad_hoc_room.hide()
        left.addWidget(self.ad_hoc_room, 1)

        # Right: what is asked.
        self.question = QPlainTextEdit()
        self.question.setPlaceholderText(_("What do you ask of the recipient? What does the client hope for?"))
        self.question.setTabChangesFocus(True)
        self.question.setMinimumHeight(140)
        question_label = buddy_label(_("&Question for the recipient *"), self.question)
        self.question_error = ErrorLabel()
        self.urgency = QComboBox()
        for code, label in URGENCIES.items():
            self.urgency.addItem(_(label), code)
        urgency_label = buddy_label(_("&Urgency"), self.urgency)
        self.first_contact = QComboBox()
        for code, label in FIRST_CONTACTS.items():
            self.first_contact.addItem(_(label), code)
        self.first_contact.setCurrentIndex(self.first_contact.findData("recipient"))
        first_contact_label = buddy_label(_("&Who makes the first contact?"), self.first_contact)
        self.contact_preference = QLineEdit()
        self.contact_preference.setMaxLength(300)
        self.contact_preference.setPlaceholderText(_("e.g. rather a call in the morning; not at work"))
        contact_preference_label = buddy_label(
            _("How does the client want to be &reached? (optional)"), self.contact_preference
        )
        self.contact_error = ErrorLabel()

        self.feedback_contact = QLineEdit()
        self.feedback_contact.setMaxLength(300)
        # Filled in from what is known, so nobody types it again: who, the practice, and how to
        # reach them (the direct line, else the practice's number, and the e-mail address).
        reach = [me.phone or practice.phone, me.email]
        contact = ", ".join(part for part in (actor.name, role_label(actor.role), practice.name, *reach) if part)
        self.feedback_contact.setText(contact[:300])
        self.feedback_contact.setCursorPosition(0)  # the name first, where the reading starts
        feedback_label = buddy_label(_("How to give &feedback to me *"), self.feedback_contact)
        feedback_hint = quiet_label(
            _(
                "Add a phone number or e-mail address at which you can be reached. Set them once under "
                "File › My details… and they are filled in here."
            )
        )
        feedback_hint.setVisible(not any(reach))
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
        right.addWidget(first_contact_label)
        right.addWidget(self.first_contact)
        right.addSpacing(8)
        right.addWidget(contact_preference_label)
        right.addWidget(self.contact_preference)
        right.addWidget(self.contact_error)
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
        layout.addLayout(conversation_row)
        layout.addWidget(self.draft_warning)
        layout.addLayout(columns, 1)
        layout.addWidget(self.error)
        layout.addLayout(bottom)

        order = [
            self.conversation,
            self.suggestions,
            self.search,
            self.results,
            self.ad_hoc_box,
            self.ad_hoc_organisation,
            self.ad_hoc_offering,
            self.ad_hoc_phone,
            self.ad_hoc_email,
            self.question,
            self.urgency,
            self.first_contact,
            self.contact_preference,
            self.feedback_contact,
        ]
        for first, second in pairwise([*order, self.save_button, self.cancel_button]):
            QWidget.setTabOrder(first, second)
        self._show_conversation()
        self.conversation.currentIndexChanged.connect(lambda _index: self._conversation_chosen())
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

    @property
    def conversation_id(self) -> int | None:
        """The conversation the handover is made from."""
        return self._conversation_id

    # -- the conversation -----------------------------------------------------------------------

    @staticmethod
    def _conversation_text(summary: ConversationSummary, model_title: str) -> str:
        day = format_short_date(summary.started_at)
        if summary.is_completed:
            return _("{date} · {model}").format(date=day, model=model_title)
        if summary.status == AMENDING:
            return _("{date} · {model} — being amended, draft").format(date=day, model=model_title)
        return _("{date} · {model} — draft, not completed").format(date=day, model=model_title)

    def _important_in(self, tx: Session, conversation_id: int) -> tuple[list[Domain], list[OfferingView]]:
        """The domains the conversation marked as important and the offerings for them (opened
        once per conversation: opening one is written to the audit trail)."""
        if conversation_id not in self._important:
            found = suggest_recipients(tx, self._actor, conversation_id, self._today)
            self._important[conversation_id] = (list(found.domains), list(found.offerings))
            self._tags[conversation_id] = found.tags
        return self._important[conversation_id]

    def _conversation_chosen(self) -> None:
        self._conversation_id = self.conversation.currentData()
        self._show_conversation()
        self._search(self.search.text())

    def _show_conversation(self) -> None:
        """The suggestions and the draft warning for the chosen conversation."""
        summary = next(s for s in self._conversations if s.id == self._conversation_id)
        draft = not summary.is_completed
        self.draft_warning.setVisible(draft)
        self.conversation.setAccessibleDescription(self.draft_warning.text() if draft else "")
        with self._db.transaction() as tx:
            important, self._suggested = self._important_in(tx, summary.id)
        if important:
            titles = ", ".join(pick(domain.title) for domain in important)
            if self._suggested:
                intro = _("Suggested for what {name} marked as important: {domains}.")
            else:
                intro = _(
                    "{name} marked as important: {domains}. The social map has nothing for these domains yet; "
                    "search below."
                )
            intro = intro.format(name=self._given_name, domains=titles)
        else:
            intro = _("No domain was marked as important in this conversation; search the social map below.")
        self.suggestions_intro.setText(intro)
        self._syncing = True  # refilling the list must not change who is chosen
        self.suggestions.set_suggestions(self._suggested)
        self.suggestions.clearSelection()  # the recipient is chosen, never assumed
        self.suggestions.setCurrentRow(-1)
        if self._chosen is not None:
            row = next((i for i, view in enumerate(self._suggested) if view.id == self._chosen.id), -1)
            if row >= 0:
                self.suggestions.setCurrentRow(row)
        self._syncing = False
        self.suggestions.setVisible(bool(self._suggested))

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

    def _ad_hoc_toggled(self, on: bool) -> None:
        """Typing a recipient instead: the fields show, and the choice on the map gives way."""
        self.ad_hoc_fields.setVisible(on)
        self.recipient_error.show_message("")
        # The map's lists give way to the typed recipient (and come back when it is unticked).
        for widget in (self.suggestions_intro, self.search_label, self.search, self.chosen_heading, self.chosen_label):
            widget.setVisible(not on)
        self.ad_hoc_room.setVisible(on)
        self.suggestions.setVisible(not on and bool(self._suggested))
        self.results.setVisible(not on and self.results.count() > 0)
        self.no_results.setVisible(not on and self.results.count() == 0)
        if on:
            self._chosen = None
            self._syncing = True
            self.suggestions.clearSelection()
            self.results.clearSelection()
            self._syncing = False
            self.chosen_label.setText(_("The recipient typed below."))
            # After the group box has taken the focus for its own shortcut.
            QTimer.singleShot(0, lambda: self.ad_hoc_organisation.setFocus(Qt.FocusReason.OtherFocusReason))
        else:
            self.chosen_label.setText(_("Nobody chosen yet."))
        self.chosen_label.setAccessibleName(self.chosen_label.text())

    def ad_hoc(self) -> AdHocRecipient | None:
        """The typed recipient, when the recipient is not on the social map."""
        if not self.ad_hoc_box.isChecked():
            return None
        return AdHocRecipient(
            self.ad_hoc_organisation.text(),
            self.ad_hoc_offering.text(),
            self.ad_hoc_phone.text(),
            self.ad_hoc_email.text(),
        )

    def _choose_current(self, source: OfferingList) -> None:
        """Enter or a double-click on an offering: it is the recipient, the question comes next."""
        view = source.current_offering()
        if view is None:
            return
        if not source.currentItem().isSelected():
            source.currentItem().setSelected(True)  # chooses it through _list_selected
        if self._chosen is None or self._chosen.id != view.id:
            self._choose(view)
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
        if self.ad_hoc_box.isChecked():
            self.ad_hoc_box.setChecked(False)  # one recipient: the map's choice wins
        self._chosen = view
        self.chosen_label.setText(OfferingList.text_of(view))
        self.chosen_label.setAccessibleName(self.chosen_label.text())
        self.recipient_error.show_message("")

    # -- saving ---------------------------------------------------------------------------------

    def _save(self) -> None:
        for label in (self.recipient_error, self.question_error, self.contact_error, self.feedback_error, self.error):
            label.show_message("")
        ad_hoc = self.ad_hoc()
        if self._chosen is None and ad_hoc is None:
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
                    offering_id=self._chosen.id if self._chosen is not None else None,
                    ad_hoc=ad_hoc,
                    question=self.question.toPlainText(),
                    urgency=self.urgency.currentData(),
                    feedback_contact=self.feedback_contact.text(),
                    conversation_id=self._conversation_id,
                    first_contact=self.first_contact.currentData(),
                    contact_preference=self.contact_preference.text(),
                )
        except BroadtalkError as error:
            self._show_error(error.message)
            return
        self._referral = referral
        if ad_hoc is not None:
            self._offer_to_map(referral, ad_hoc)
        self.accept()
        self.open_consent()

    def _offer_to_map(self, referral: ReferralView, recipient: AdHocRecipient) -> None:
        """One click puts the typed recipient on the social map, for the next referral; the life
        domains are those the conversation flagged (without any, the map's own editor is the way)."""
        tags = self._tags.get(self._conversation_id or -1, ())
        if not tags or not allows(self._actor, Permission.EDIT_SOCIAL_MAP):
            return
        answer = QMessageBox.question(
            self,
            _("Add to the social map?"),
            _(
                "{organisation} is not on the social map. Add it, with how to reach them and the life domains "
                "of this conversation, so you can choose it next time?"
            ).format(organisation=recipient.organisation.strip()),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            with self._db.transaction() as tx:
                self.added_offering = add_recipient_to_social_map(tx, self._actor, referral.id, recipient, tags)
        except BroadtalkError as error:
            show_refusal(self, error)  # the referral itself is saved; only the map was not changed

    def _show_error(self, message: str) -> None:
        where = field_of(message, REFERRAL_FIELD_MESSAGES)
        if where == "question":
            self.question_error.show_message(message)
            self.question.setFocus()
        elif where == "feedback_contact":
            self.feedback_error.show_message(message)
            self.feedback_contact.setFocus()
        elif where in ("first_contact", "contact_preference"):
            self.contact_error.show_message(message)
            (self.first_contact if where == "first_contact" else self.contact_preference).setFocus()
        elif where == "recipient":
            self.recipient_error.show_message(message)
            self.search.setFocus()
        elif where == "ad_hoc":
            self.recipient_error.show_message(message)
            self.ad_hoc_organisation.setFocus()
        else:
            self.error.show_message(message)

    def open_consent(self) -> None:
        """The next step after saving: what the client consents to share with this recipient."""
        if self._referral is None:
            return
        self.consent_dialog = ConsentDialog(self._db, self._actor, self._referral.id, self.parentWidget())
        self.consent_dialog.exec()


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

        # The day it happened: today, unless it is recorded afterwards ("sent it yesterday").
        self._today = local_today()
        self.date_edit = QLineEdit(self._today.strftime("%d-%m-%Y"))
        self.date_edit.setPlaceholderText(_("dd-mm-yyyy"))
        self.date_edit.setMaxLength(10)
        self.date_edit.setMaximumWidth(140)
        self.date_edit.textEdited.connect(lambda _text: self._date_refused(""))
        date_label = buddy_label(_("&Date"), self.date_edit)
        date_hint = quiet_label(_("The day it happened; change it when you record it later."))
        self.date_error = ErrorLabel()
        date_row = QHBoxLayout()
        date_row.setSpacing(10)
        date_row.addWidget(date_label)
        date_row.addWidget(self.date_edit)
        date_row.addWidget(date_hint, 1)

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
        layout.addLayout(date_row)
        layout.addWidget(self.date_error)
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
        self._date_refused("")
        step = self.chosen_step()
        if not step:
            self.step_error.show_message(_("Choose what happened."))
            return
        day = parse_date(self.date_edit.text())
        if day is None:
            self._date_refused(date_problem(self.date_edit.text()))
            return
        # Today is "now", as before there was a date: the step gets the time it is recorded.
        happened_on = None if day == self._today else day
        try:
            with self._db.transaction() as tx:
                updated = advance_referral(
                    tx, self._actor, self._referral_id, step, note=self.note.toPlainText(), happened_on=happened_on
                )
        except InputError as error:
            if field_of(error.message, STEP_DATE_MESSAGES) == "date":
                self._date_refused(error.message)
                return
            # The core asks for the feedback text or a reason: it belongs under the note.
            self.note_error.show_message(error.message)
            self.note.setFocus()
            return
        except BroadtalkError as error:
            self.error.show_message(error.message)
            return
        self._updated = updated
        self.accept()

    def _date_refused(self, message: str) -> None:
        """Show (or with "" clear) a message under the date, the cursor there to fix it."""
        self.date_error.show_message(message)
        self.date_edit.setAccessibleDescription(message)  # a screen reader reads it with the field
        if message:
            self.date_edit.selectAll()
            self.date_edit.setFocus()
