"""The warm handover through the real widgets (offscreen): choosing a recipient from the client's
flagged domains, explicit consent, following the referral, the handover PDF on screen, saved and
printed (and logged), the referrals on the client page, and the start-up note about overdue feedback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QFileDialog,
    QLineEdit,
    QListWidget,
    QMessageBox,
)
from sqlmodel import select

from broadtalk import conversations as conv
from broadtalk.clients import ClientInput, create_client
from broadtalk.consent import GIVEN, NONE, WITHDRAWN, ConsentInput, method_label, record_consent, withdraw_consent
from broadtalk.consent import status_label as consent_label
from broadtalk.handover.export import CLIENT_COPY, HANDOVER_PDF
from broadtalk.i18n import _, dutch_today, ngettext, to_display_time
from broadtalk.referral_steps import CLOSED, DRAFT, FEEDBACK, SENT, status_label
from broadtalk.referrals import advance_referral, create_referral, get_referral, list_referrals
from broadtalk.social_map import OfferingInput, OrganisationInput, create_offering, create_organisation
from broadtalk.store.tables import Disclosure
from broadtalk.ui import file_dialogs
from broadtalk.ui.consent_dialogs import ConsentDialog, WithdrawConsentDialog
from broadtalk.ui.dialog_parts import local_today
from broadtalk.ui.handover_preview import HandoverPreview
from broadtalk.ui.main_window import MainWindow
from broadtalk.ui.referral_dialogs import AdvanceReferralDialog, ReferralDialog
from broadtalk.ui.referrals_panel import (
    GIVEN_COLOUR,
    REFUSED_COLOUR,
    OverdueReferralsDialog,
    ReferralHistoryDialog,
    ReferralsPanel,
    ReferralTableModel,
)


@pytest.fixture(autouse=True)
def messages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A message box would block the test: every message shown is recorded instead."""
    shown: list[str] = []
    for name in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(
            QMessageBox, name, staticmethod(lambda _parent, _title, text, *args, **kwargs: shown.append(text))
        )
    return shown


class Dialogs:
    """Acts on a modal dialog once it is open (``exec()`` blocks the test until it closes). A failing
    check closes the dialog, so the test fails instead of hanging, and is raised by ``check()``."""

    def __init__(self) -> None:
        self.errors: list[BaseException] = []

    def when_open(self, kind: type, act: Callable[[QDialog], None]) -> None:
        def attempt(tries: int = 0) -> None:
            dialog = QApplication.activeModalWidget()
            if isinstance(dialog, kind):
                try:
                    act(dialog)
                except BaseException as error:  # re-raised by check()
                    self.errors.append(error)
                    dialog.reject()
            elif tries < 250:
                QTimer.singleShot(20, lambda: attempt(tries + 1))
            else:
                self.errors.append(AssertionError(f"{kind.__name__} never opened"))

        QTimer.singleShot(0, attempt)

    def check(self) -> None:
        if self.errors:
            raise self.errors[0]


@pytest.fixture
def dialogs() -> Dialogs:
    return Dialogs()


@dataclass(frozen=True)
class Practice:
    client_id: int
    conversation_id: int
    welzijn_op_recept: int  # meaning + participation: suggested for Greet
    levensvragen: int  # meaning, never checked: stale
    schuldhulp: int  # money: not suggested


@pytest.fixture
def practice(db, actor) -> Practice:
    """Greet, who marked meaning and participation as important, and a small social map;
    made through the app's own use cases."""
    today = local_today()
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Greet", "Visser", "03-03-1942", phone="030 765 4321"))
        cid = conv.start_conversation(tx, actor, client.id, "positive-health", 1).id
        conv.assess_domain(tx, actor, cid, "meaningfulness", score=3, own_words="Ik zit veel alleen", important=True)
        conv.assess_domain(tx, actor, cid, "participation", score=4, important=True)
        conv.assess_domain(tx, actor, cid, "mental-wellbeing", score=6)
        conv.complete_conversation(tx, actor, cid, duration_seconds=3000)
        welzijn = create_organisation(
            tx, actor, OrganisationInput("Welzijn Overvecht", phone="030 123 4567", last_checked=today)
        )
        wor = create_offering(
            tx,
            actor,
            OfferingInput(
                welzijn.id, "Welzijn op Recept", "welfare_coach", ("meaning", "participation"), "Welzijnscoach"
            ),
        )
        old = create_organisation(tx, actor, OrganisationInput("Stichting Zingeving", phone="030 999 0000"))
        levensvragen = create_offering(
            tx, actor, OfferingInput(old.id, "Levensvragen", "other", ("meaning",), "Geestelijk verzorger")
        )
        debts = create_organisation(tx, actor, OrganisationInput("Schuldhulp Utrecht", last_checked=today))
        schuldhulp = create_offering(
            tx, actor, OfferingInput(debts.id, "Schuldhulpmaatje", "debt_counselling", ("money",), "Coördinator")
        )
    return Practice(client.id, cid, wor.id, levensvragen.id, schuldhulp.id)


def _referral(db, actor, practice: Practice, *, now: datetime | None = None) -> int:
    with db.transaction() as tx:
        return create_referral(
            tx,
            actor,
            practice.client_id,
            offering_id=practice.welzijn_op_recept,
            question="Wilt u kennismaken met Greet?",
            urgency="soon",
            feedback_contact="POH, 030 111 2222",
            conversation_id=practice.conversation_id,
            now=now,
        ).id


def _consent(db, actor, referral_id: int, *, given_days_ago: int = 0) -> int:
    today = local_today()
    with db.transaction() as tx:
        return record_consent(
            tx,
            actor,
            referral_id,
            ConsentInput(
                "Meedoen",
                ("meaningfulness",),
                False,
                False,
                True,
                "verbal",
                today - timedelta(days=given_days_ago),
                today + timedelta(days=200),
            ),
        ).id


def _click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def _tick(qtbot, box) -> None:
    """Click a check box or radio button on its indicator (a stretched box is empty on the right)."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def _click_row(qtbot, widget: QListWidget, row: int) -> None:
    rect = widget.visualItemRect(widget.item(row))
    qtbot.mouseClick(widget.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _texts(widget: QListWidget) -> list[str]:
    return [widget.item(row).text() for row in range(widget.count())]


def _summary(domains: str, *, own_words: bool, purpose: str, recipient: str) -> str:
    """The first sentence of the consent summary, as the dialog should say it in the current language."""
    return _(
        "{client} shares with {recipient}: {domains}; own words: {own_words}; goals and actions: {goals}; "
        "address and phone: {identity}. Purpose: {purpose}."
    ).format(
        client="Greet",
        recipient=recipient,
        domains=domains,
        own_words=_("yes") if own_words else _("no"),
        goals=_("no"),
        identity=_("no"),
        purpose=purpose,
    )


@pytest.fixture
def panel(qtbot, db, actor, practice) -> ReferralsPanel:
    widget = ReferralsPanel(db, actor)
    qtbot.addWidget(widget)
    widget.resize(1100, 400)
    widget.show_client(practice.client_id)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _disclosures(db) -> list[Disclosure]:
    with db.transaction() as tx:
        return list(tx.exec(select(Disclosure)).all())


# -- the referral and the consent -----------------------------------------------------------------


def test_a_suggested_recipient_a_question_and_explicit_consent_end_up_in_the_database(
    qtbot, db, actor, practice, panel, dialogs
):
    def fill_referral(dialog: ReferralDialog) -> None:
        # The flagged domains suggest Welzijn op Recept first; nothing is chosen for the user.
        suggestions = _texts(dialog.suggestions)
        assert suggestions[0].startswith("Welzijn Overvecht — Welzijn op Recept")
        assert not any("Schuldhulp" in text for text in suggestions)
        assert dialog.chosen is None
        _click_row(qtbot, dialog.suggestions, 0)
        assert dialog.chosen is not None and dialog.chosen.id == practice.welzijn_op_recept
        qtbot.keyClicks(dialog.question, "Greet wil graag weer meedoen. Wilt u kennismaken?")
        assert dialog.feedback_contact.text().startswith("Anouk de Vries")
        dialogs.when_open(ConsentDialog, fill_consent)
        _click(qtbot, dialog.save_button)

    def fill_consent(dialog: ConsentDialog) -> None:
        # Consent is explicit: nothing is ticked beforehand.
        boxes = [*dialog.domain_boxes.values(), dialog.share_own_words, dialog.share_goals, dialog.share_identity]
        assert not any(box.isChecked() for box in boxes)
        assert "Zingeving · score 3" in dialog.domain_boxes["meaningfulness"].text()
        recipient = dialog._referral.recipient
        _tick(qtbot, dialog.domain_boxes["meaningfulness"])
        _tick(qtbot, dialog.domain_boxes["participation"])
        qtbot.keyClicks(dialog.purpose, "Ondersteuning bij meedoen")
        first_line = dialog.summary.text().splitlines()[0]
        assert first_line == _summary(
            "Zingeving, Meedoen", own_words=False, purpose="Ondersteuning bij meedoen", recipient=recipient
        )
        _tick(qtbot, dialog.share_own_words)
        first_line = dialog.summary.text().splitlines()[0]
        assert first_line == _summary(
            "Zingeving, Meedoen", own_words=True, purpose="Ondersteuning bij meedoen", recipient=recipient
        )
        # Saving without saying how consent was given: the core's message, under the radio buttons.
        _click(qtbot, dialog.save_button)
        assert dialog.isVisible() and dialog.method_error.isVisible()
        _tick(qtbot, dialog.method_buttons["verbal"])
        assert method_label("verbal") in dialog.summary.text()
        _click(qtbot, dialog.save_button)

    dialogs.when_open(ReferralDialog, fill_referral)
    _click(qtbot, panel.new_button)
    dialogs.check()

    with db.transaction() as tx:
        (referral,) = list_referrals(tx, actor, client_id=practice.client_id)
    assert referral.status == DRAFT
    assert referral.conversation_id == practice.conversation_id
    consent = referral.consent
    assert consent is not None
    assert consent.domains == ("meaningfulness", "participation")
    assert consent.share_own_words and not consent.share_goals_actions and not consent.share_identity_details
    assert consent.method == "verbal" and consent.purpose == "Ondersteuning bij meedoen"
    assert consent.given_on == local_today()
    # The panel shows the new referral with its reference and the consent.
    row = panel.model.row_of(referral.id)
    assert panel.model.index(row, ReferralTableModel.REFERENCE).data() == referral.reference
    assert panel.model.index(row, ReferralTableModel.CONSENT).data() == consent_label(GIVEN)


def test_the_recipient_and_the_question_are_asked_for_under_their_fields(qtbot, db, actor, practice):
    dialog = ReferralDialog(db, actor, practice.client_id, practice.conversation_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)

    _click(qtbot, dialog.save_button)
    assert dialog.recipient_error.isVisible() and dialog.isVisible()

    # Search the whole social map: an old entry says to check the number.
    qtbot.keyClicks(dialog.search, "levensvragen")
    (stale,) = _texts(dialog.results)
    assert "Levensvragen" in stale and _("outdated — check the number") in stale
    dialog.search.clear()
    qtbot.keyClicks(dialog.search, "schuld")
    assert _texts(dialog.results)[0].startswith("Schuldhulp Utrecht — Schuldhulpmaatje")
    _click_row(qtbot, dialog.results, 0)
    assert dialog.chosen is not None and dialog.chosen.id == practice.schuldhulp
    assert not dialog.recipient_error.isVisible()

    _click(qtbot, dialog.save_button)  # no question yet: the core says so, under the question
    assert dialog.question_error.isVisible()
    assert dialog.question_error.text() == _("The question for the recipient is empty; write what you ask of them.")
    assert dialog.referral is None
    with db.transaction() as tx:
        assert list_referrals(tx, actor, client_id=practice.client_id) == []


def test_a_conversation_without_flagged_domains_suggests_nothing_and_offers_the_search(qtbot, db, actor, practice):
    with db.transaction() as tx:
        cid = conv.start_conversation(tx, actor, practice.client_id, "four-domains", 1).id
        conv.complete_conversation(tx, actor, cid)  # a handover is made from a completed conversation
    dialog = ReferralDialog(db, actor, practice.client_id, cid)
    qtbot.addWidget(dialog)
    assert not dialog.suggestions.isVisibleTo(dialog)
    assert dialog.results.count() == 3  # the whole social map


def test_a_new_referral_needs_a_conversation_first(qtbot, db, actor, messages):
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Ron", "Bakker", "12-05-1980"))
    widget = ReferralsPanel(db, actor)
    qtbot.addWidget(widget)
    widget.show_client(client.id)
    _click(qtbot, widget.new_button)
    assert len(messages) == 1 and "Ron" in messages[0]
    assert widget.stack.currentWidget() is widget.empty


# -- following the referral -----------------------------------------------------------------------


def test_sending_is_refused_without_consent_with_the_cores_message(qtbot, db, actor, practice, panel, dialogs):
    referral_id = _referral(db, actor, practice)
    panel.refresh(referral_id)
    assert panel.advance_button.isEnabled()  # the dialog explains why it cannot be sent
    assert not panel.handover_button.isEnabled() and not panel.client_copy_button.isEnabled()

    def try_to_send(dialog: AdvanceReferralDialog) -> None:
        assert dialog.chosen_step() == SENT
        _click(qtbot, dialog.save_button)
        assert dialog.error.text() == _("Record the client's consent first: nothing is shared without it.")
        _click(qtbot, dialog.cancel_button)

    dialogs.when_open(AdvanceReferralDialog, try_to_send)
    _click(qtbot, panel.advance_button)
    dialogs.check()
    with db.transaction() as tx:
        assert get_referral(tx, actor, referral_id).status == DRAFT


def test_send_then_feedback_needs_its_text_then_close_and_every_step_is_stored(qtbot, db, actor, practice):
    referral_id = _referral(db, actor, practice)
    _consent(db, actor, referral_id)

    def step(status: str, note: str = "") -> AdvanceReferralDialog:
        dialog = AdvanceReferralDialog(db, actor, referral_id)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        _tick(qtbot, dialog.step_buttons[status])
        if note:
            qtbot.keyClicks(dialog.note, note)
        _click(qtbot, dialog.save_button)
        return dialog

    sent = step(SENT)
    assert sent.result() == QDialog.DialogCode.Accepted and sent.referral.status == SENT

    feedback = step(FEEDBACK)  # no text: refused, under the note, which is now called 'Feedback'
    assert feedback.isVisible() and feedback.note_error.isVisible()
    assert feedback.note_label.text() == _("&Feedback *")
    qtbot.keyClicks(feedback.note, "Greet komt sinds twee weken naar het koor.")
    _click(qtbot, feedback.save_button)
    assert feedback.referral.status == FEEDBACK

    closed = step(CLOSED)
    assert closed.referral.status == CLOSED

    with db.transaction() as tx:
        referral = get_referral(tx, actor, referral_id)
    assert [e.status for e in referral.events] == [DRAFT, SENT, FEEDBACK, CLOSED]
    assert referral.feedback == "Greet komt sinds twee weken naar het koor."
    assert all(e.practitioner_name == "Anouk de Vries" for e in referral.events)


# -- the handover document ------------------------------------------------------------------------


def test_the_preview_shows_the_pdf_and_save_writes_it_under_the_reference_and_logs_it(
    qtbot, db, actor, practice, panel, dialogs, monkeypatch, tmp_path
):
    referral_id = _referral(db, actor, practice)
    _consent(db, actor, referral_id)
    panel.refresh(referral_id)
    assert panel.handover_button.isEnabled()
    with db.transaction() as tx:
        reference = get_referral(tx, actor, referral_id).reference
    asked: list[str] = []

    def save_name(dialog: QFileDialog) -> None:
        asked.append(dialog.selectedFiles()[0])
        dialog.findChild(QLineEdit, "fileNameEdit").setText(str(tmp_path / "overdracht"))  # the dialog adds .pdf
        dialog.accept()

    def look_and_save(preview: HandoverPreview) -> None:
        qtbot.waitUntil(lambda: preview.document.status() == QPdfDocument.Status.Ready)
        assert preview.document.pageCount() >= 1
        assert preview.view.document() is preview.document
        if preview.document.pageCount() > 1:
            _click(qtbot, preview.next_button)
            qtbot.waitUntil(lambda: preview.current_page() == 1)
        _click(qtbot, preview.whole_page_button)
        assert preview.whole_page_button.isChecked() and not preview.fit_width_button.isChecked()
        dialogs.when_open(QFileDialog, save_name)
        _click(qtbot, preview.save_button)
        _click(qtbot, preview.close_button)

    dialogs.when_open(HandoverPreview, look_and_save)
    _click(qtbot, panel.handover_button)
    dialogs.check()

    # The suggested name carries the reference, never the client's name.
    assert reference in Path(asked[0]).name
    assert "Greet" not in asked[0] and "Visser" not in asked[0]
    written = tmp_path / "overdracht.pdf"
    assert written.read_bytes().startswith(b"%PDF")
    assert "Greet Visser" in "".join(page.extract_text() for page in PdfReader(written).pages)
    (disclosure,) = _disclosures(db)
    assert disclosure.referral_id == referral_id and disclosure.kind == HANDOVER_PDF


def test_printing_the_client_copy_renders_every_page_and_logs_the_disclosure(
    qtbot, db, actor, practice, monkeypatch, tmp_path
):
    referral_id = _referral(db, actor, practice)
    _consent(db, actor, referral_id)
    printed = tmp_path / "printed.pdf"

    def print_to_file(dialog: QPrintDialog) -> int:
        """The print dialog, answered with 'print' to a PDF file instead of a printer."""
        dialog.printer().setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        dialog.printer().setOutputFileName(str(printed))
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(QPrintDialog, "exec", print_to_file)
    preview = HandoverPreview(db, actor, referral_id, CLIENT_COPY)
    qtbot.addWidget(preview)
    preview.show()
    _click(qtbot, preview.print_button)

    assert printed.read_bytes().startswith(b"%PDF")
    assert len(PdfReader(printed).pages) == preview.document.pageCount()
    (disclosure,) = _disclosures(db)
    assert disclosure.kind == CLIENT_COPY and disclosure.practitioner_id == actor.id


def test_after_the_client_withdraws_consent_there_is_no_preview_and_no_file(
    qtbot, db, actor, practice, panel, dialogs, messages, monkeypatch, tmp_path
):
    referral_id = _referral(db, actor, practice)
    _consent(db, actor, referral_id)
    panel.refresh(referral_id)
    assert panel.withdraw_button.isEnabled()

    def withdraw(dialog: WithdrawConsentDialog) -> None:
        qtbot.keyClicks(dialog.note, "Greet belt liever zelf.")
        _click(qtbot, dialog.withdraw_button)

    dialogs.when_open(WithdrawConsentDialog, withdraw)
    _click(qtbot, panel.withdraw_button)
    dialogs.check()

    row = panel.selected()
    assert row is not None and row.consent == WITHDRAWN
    assert panel.model.index(0, ReferralTableModel.CONSENT).data() == consent_label(WITHDRAWN)
    assert not panel.handover_button.isEnabled() and not panel.withdraw_button.isEnabled()
    assert panel.consent_button.isEnabled()  # a new consent may be recorded
    # Instead of the handover: the withdrawal notice and the client's confirmation, and a word on them.
    assert not panel.handover_button.isVisibleTo(panel) and panel.notice_button.isVisibleTo(panel)
    assert panel.confirmation_button.isVisibleTo(panel)
    assert messages.pop() == _(
        "Let the recipient know, and give the client a confirmation: use 'Notice to the recipient…' and "
        "'Confirmation for the client…'. Neither carries anything from the conversation."
    )

    monkeypatch.setattr(file_dialogs, "ask_save_path", lambda *a, **k: pytest.fail("no file dialog"))
    preview = HandoverPreview(db, actor, referral_id, HANDOVER_PDF)
    qtbot.addWidget(preview)
    assert preview.exec() == QDialog.DialogCode.Rejected
    assert messages == [_("The client withdrew consent for this referral; nothing can be shared.")]
    assert not preview.isVisible()
    assert list(tmp_path.glob("*.pdf")) == []
    assert _disclosures(db) == []
    with db.transaction() as tx:
        assert get_referral(tx, actor, referral_id).consent.withdrawal_note == "Greet belt liever zelf."


# -- the referrals on the client page -------------------------------------------------------------


def test_the_panel_shows_status_consent_in_colour_and_overdue_feedback(qtbot, db, actor, practice, panel):
    now = datetime.now(UTC)
    waiting = _referral(db, actor, practice, now=now - timedelta(days=61))
    _consent(db, actor, waiting, given_days_ago=61)
    with db.transaction() as tx:
        advance_referral(tx, actor, waiting, SENT, now=now - timedelta(days=60))
    withdrawn = _referral(db, actor, practice, now=now - timedelta(days=1))
    consent_id = _consent(db, actor, withdrawn)
    with db.transaction() as tx:
        withdraw_consent(tx, actor, consent_id)
    without = _referral(db, actor, practice)
    panel.refresh()

    model = panel.model

    def cell(referral_id: int, column: int, role=Qt.ItemDataRole.DisplayRole):
        return model.index(model.row_of(referral_id), column).data(role)

    assert cell(waiting, ReferralTableModel.STATUS) == status_label(SENT)
    assert cell(waiting, ReferralTableModel.CONSENT) == consent_label(GIVEN)
    assert cell(waiting, ReferralTableModel.CONSENT, Qt.ItemDataRole.ForegroundRole).name() == GIVEN_COLOUR.lower()
    # Days between Dutch calendar days: 59 when "60 days ago" fell before a change to summer time.
    waited = (dutch_today(now) - to_display_time(now - timedelta(days=60)).date()).days
    assert str(waited) in cell(waiting, ReferralTableModel.FEEDBACK)
    assert cell(waiting, ReferralTableModel.FEEDBACK, Qt.ItemDataRole.ForegroundRole).name() == REFUSED_COLOUR.lower()
    assert cell(withdrawn, ReferralTableModel.CONSENT) == consent_label(WITHDRAWN)
    assert cell(withdrawn, ReferralTableModel.CONSENT, Qt.ItemDataRole.ForegroundRole).name() == REFUSED_COLOUR.lower()
    assert cell(without, ReferralTableModel.STATUS) == status_label(DRAFT)
    assert cell(without, ReferralTableModel.CONSENT) == consent_label(NONE)
    assert cell(without, ReferralTableModel.CONSENT, Qt.ItemDataRole.ForegroundRole).name() not in (
        GIVEN_COLOUR.lower(),
        REFUSED_COLOUR.lower(),
    )
    # No database id anywhere in the table.
    shown = {str(model.index(r, c).data()) for r in range(model.rowCount()) for c in range(model.columnCount())}
    assert not {str(waiting), str(withdrawn), str(without)} & shown
    assert panel.note.text()  # '1 waiting too long for feedback'

    panel.select(waiting)
    assert panel.handover_button.isEnabled() and panel.withdraw_button.isEnabled()
    assert not panel.consent_button.isEnabled()
    panel.select(without)
    assert panel.consent_button.isEnabled() and not panel.handover_button.isEnabled()


def test_double_click_shows_the_history_with_the_feedback(qtbot, db, actor, practice, panel, dialogs):
    referral_id = _referral(db, actor, practice)
    _consent(db, actor, referral_id)
    with db.transaction() as tx:
        advance_referral(tx, actor, referral_id, SENT)
        advance_referral(tx, actor, referral_id, FEEDBACK, note="Kennismaking was fijn; Greet gaat naar het koor.")
    panel.refresh(referral_id)

    def read(dialog: ReferralHistoryDialog) -> None:
        assert dialog.events.rowCount() == 3
        assert "Kennismaking was fijn; Greet gaat naar het koor." in dialog.notes()
        assert dialog.events.item(2, 1).text() == status_label(FEEDBACK)
        assert dialog.events.editTriggers() == dialog.events.EditTrigger.NoEditTriggers
        dialog.reject()

    dialogs.when_open(ReferralHistoryDialog, read)
    rect = panel.table.visualRect(panel.model.index(0, ReferralTableModel.RECIPIENT))
    qtbot.mouseDClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    dialogs.check()
    assert panel.history_dialog is None


def test_the_client_page_holds_the_referrals_section(qtbot, db, actor, practice):
    from broadtalk.ui.client_page import ClientPage

    referral_id = _referral(db, actor, practice)
    page = ClientPage(db, actor)
    qtbot.addWidget(page)
    assert page.show_client(practice.client_id)
    assert page.referrals_panel.client_id == practice.client_id
    assert page.referrals_panel.selected_id() == referral_id
    ours = [b for b in page.referrals_panel.findChildren(QAbstractButton) if not b.objectName().startswith("qt_")]
    # Six for a referral; two more (the withdrawal notices) appear only after a withdrawal.
    assert len(ours) == 8 and all(button.text() for button in ours)
    assert sum(button.isVisibleTo(page) for button in ours) == 6


# -- the main window ------------------------------------------------------------------------------


def test_an_overdue_referral_is_noted_calmly_at_start_up_and_leads_to_the_client(qtbot, db, actor, practice):
    now = datetime.now(UTC)
    referral_id = _referral(db, actor, practice, now=now - timedelta(days=45))
    _consent(db, actor, referral_id, given_days_ago=45)
    with db.transaction() as tx:
        advance_referral(tx, actor, referral_id, SENT, now=now - timedelta(days=40))
        reference = get_referral(tx, actor, referral_id).reference

    window = MainWindow(db, actor)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(window.overdue_banner.isVisible)
    # Counted for the whole practice (Today may show only the practitioner's own), and said so.
    assert window.overdue_label.text() == ngettext(
        "In the practice, {n} referral has been waiting longer than {days} days for feedback.",
        "In the practice, {n} referrals have been waiting longer than {days} days for feedback.",
        1,
    ).format(n=1, days=28)

    _click(qtbot, window.overdue_button)
    dialog = window.overdue_dialog
    assert isinstance(dialog, OverdueReferralsDialog) and dialog.isVisible()
    assert dialog.model.index(0, 0).data() == "Greet Visser"
    assert dialog.model.index(0, 1).data() == reference
    waited = (dutch_today(now) - to_display_time(now - timedelta(days=40)).date()).days  # 39 across summer time
    assert dialog.model.index(0, 4).data() == str(waited)
    _click(qtbot, dialog.go_button)

    assert window.pages.currentWidget() is window.client_page
    assert window.client_page.client.id == practice.client_id
    assert window.client_page.referrals_panel.selected_id() == referral_id


def test_no_note_without_overdue_referrals_and_the_social_map_is_in_the_file_menu(qtbot, db, actor, dialogs):
    from broadtalk.ui.social_map_window import SocialMapDialog

    window = MainWindow(db, actor)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(50)
    assert not window.overdue_banner.isVisible()

    dialogs.when_open(SocialMapDialog, lambda dialog: dialog.reject())
    window.social_map_action.trigger()
    dialogs.check()


# -- who contacts whom, how the client wants to be reached, and the day a step happened ----------


def _open_referral_dialog(qtbot, db, actor, practice: Practice) -> ReferralDialog:
    dialog = ReferralDialog(db, actor, practice.client_id, practice.conversation_id)
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):  # the keyboard goes to the active window
        dialog.show()
    return dialog


def test_the_feedback_line_is_filled_in_with_the_direct_line_and_email(qtbot, db, actor, practice):
    from broadtalk.practitioners import role_label
    from broadtalk.settings import PRACTICE_NAME, PRACTICE_PHONE, write_setting
    from broadtalk.sign_in import set_practitioner_contact

    with db.transaction() as tx:
        write_setting(tx, PRACTICE_NAME, "Huisartsenpraktijk De Linde")
        write_setting(tx, PRACTICE_PHONE, "030 200 3000")
        set_practitioner_contact(tx, actor, actor.id, phone="030 765 4321", email="a.devries@delinde.nl")
    dialog = _open_referral_dialog(qtbot, db, actor, practice)
    assert dialog.feedback_contact.text() == (
        f"Anouk de Vries, {role_label(actor.role)}, Huisartsenpraktijk De Linde, 030 765 4321, a.devries@delinde.nl"
    )

    # Without a direct line the practice's number stands in; the e-mail address alone is enough.
    with db.transaction() as tx:
        set_practitioner_contact(tx, actor, actor.id, phone="", email="a.devries@delinde.nl")
    dialog = _open_referral_dialog(qtbot, db, actor, practice)
    assert dialog.feedback_contact.text().endswith("Huisartsenpraktijk De Linde, 030 200 3000, a.devries@delinde.nl")


def test_without_any_number_the_hint_asks_for_one_and_says_where_to_set_it(qtbot, db, actor, practice):
    from broadtalk.practitioners import role_label

    dialog = _open_referral_dialog(qtbot, db, actor, practice)
    assert dialog.feedback_contact.text() == f"Anouk de Vries, {role_label(actor.role)}"
    hint = _(
        "Add a phone number or e-mail address at which you can be reached. Set them once under "
        "File › My details… and they are filled in here."
    )
    hints = [label for label in dialog.findChildren(type(dialog.next_note)) if label.text() == hint]
    assert len(hints) == 1 and hints[0].isVisible()


def test_who_makes_the_first_contact_and_how_the_client_wants_to_be_reached_reach_the_database(
    qtbot, db, actor, practice, dialogs
):
    from broadtalk.referrals import FIRST_CONTACTS, first_contact_label

    dialog = _open_referral_dialog(qtbot, db, actor, practice)
    # The recipient contacts the client unless said otherwise; the wish is optional and empty.
    assert dialog.first_contact.currentData() == "recipient"
    assert [dialog.first_contact.itemData(i) for i in range(dialog.first_contact.count())] == list(FIRST_CONTACTS)
    assert dialog.first_contact.currentText() == first_contact_label("recipient")
    assert dialog.contact_preference.text() == "" and dialog.contact_preference.placeholderText()
    assert dialog.first_contact.accessibleName() == _("&Who makes the first contact?").replace("&", "")
    assert dialog.contact_preference.accessibleName() == _(
        "How does the client want to be &reached? (optional)"
    ).replace("&", "")

    _click_row(qtbot, dialog.suggestions, 0)
    dialog.question.setFocus()
    qtbot.keyClicks(dialog.question, "Wilt u kennismaken met Greet?")
    # By keyboard: from the question on, Tab runs urgency, first contact, the client's wish, feedback.
    qtbot.keyClick(dialog.question, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.urgency
    qtbot.keyClick(dialog.urgency, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.first_contact
    qtbot.keyClick(dialog.first_contact, Qt.Key.Key_Down)  # recipient -> client
    qtbot.keyClick(dialog.first_contact, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.contact_preference
    qtbot.keyClicks(dialog.contact_preference, "liever 's ochtends bellen;  niet op het werk")
    qtbot.keyClick(dialog.contact_preference, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.feedback_contact

    dialogs.when_open(ConsentDialog, lambda consent: consent.reject())
    _click(qtbot, dialog.save_button)
    dialogs.check()
    with db.transaction() as tx:
        (referral,) = list_referrals(tx, actor, client_id=practice.client_id)
    assert referral.first_contact == "client"
    assert referral.contact_preference == "liever 's ochtends bellen; niet op het werk"


def _advance_dialog(qtbot, db, actor, referral_id: int) -> AdvanceReferralDialog:
    dialog = AdvanceReferralDialog(db, actor, referral_id)
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):  # the keyboard goes to the active window
        dialog.show()
    return dialog


def test_a_referral_sent_yesterday_is_recorded_as_sent_yesterday(qtbot, db, actor, practice):
    from broadtalk.i18n import to_display_time

    referral_id = _referral(db, actor, practice, now=datetime.now(UTC) - timedelta(days=2))
    _consent(db, actor, referral_id, given_days_ago=2)
    today = local_today()
    yesterday = today - timedelta(days=1)

    dialog = _advance_dialog(qtbot, db, actor, referral_id)
    assert dialog.chosen_step() == SENT
    assert dialog.date_edit.text() == today.strftime("%d-%m-%Y")  # today, unless changed
    assert dialog.date_edit.accessibleName() == _("&Date").replace("&", "")
    dialog.date_edit.setFocus()
    dialog.date_edit.selectAll()
    qtbot.keyClicks(dialog.date_edit, yesterday.strftime("%d-%m-%Y"))
    _click(qtbot, dialog.save_button)

    assert dialog.result() == QDialog.DialogCode.Accepted
    with db.transaction() as tx:
        referral = get_referral(tx, actor, referral_id)
    assert referral.status == SENT
    assert to_display_time(referral.sent_at).date() == yesterday
    assert to_display_time(referral.events[-1].at).date() == yesterday


@pytest.mark.parametrize("case", ["not a date", "empty", "tomorrow", "before the draft"])
def test_a_bad_date_is_refused_under_the_date_field_and_nothing_changes(qtbot, db, actor, practice, case):
    from broadtalk.i18n import format_short_date, to_display_time

    today = local_today()
    created = datetime.now(UTC) - timedelta(days=2)
    referral_id = _referral(db, actor, practice, now=created)
    _consent(db, actor, referral_id, given_days_ago=2)
    typed, message = {
        "not a date": (
            "gisteren",
            _("'{value}' is not a date; type it as dd-mm-yyyy, e.g. 15-01-2026.").format(value="gisteren"),
        ),
        "empty": ("", _("Type a date as dd-mm-yyyy, e.g. 15-01-2026.")),
        "tomorrow": (
            (today + timedelta(days=1)).strftime("%d-%m-%Y"),
            _("The step cannot have happened in the future; choose today or an earlier day."),
        ),
        "before the draft": (  # the core names the day of the step before it
            (today - timedelta(days=7)).strftime("%d-%m-%Y"),
            _("The step cannot have happened before the step before it ({date}); choose that day or later.").format(
                date=format_short_date(to_display_time(created).date())
            ),
        ),
    }[case]
    dialog = _advance_dialog(qtbot, db, actor, referral_id)
    dialog.date_edit.setText(typed)
    _click(qtbot, dialog.save_button)

    assert dialog.isVisible() and dialog.referral is None
    assert dialog.date_error.isVisible() and not dialog.note_error.isVisible() and not dialog.error.isVisible()
    assert dialog.date_error.text() == message
    assert dialog.date_edit.hasFocus()
    assert dialog.date_edit.accessibleDescription() == dialog.date_error.text()
    with db.transaction() as tx:
        assert get_referral(tx, actor, referral_id).status == DRAFT

    # Typing clears the message; today's date sends it now.
    dialog.date_edit.selectAll()
    qtbot.keyClicks(dialog.date_edit, today.strftime("%d-%m-%Y"))
    assert not dialog.date_error.isVisible()
    _click(qtbot, dialog.save_button)
    assert dialog.referral is not None and dialog.referral.status == SENT


# -- the conversation the handover is made from ---------------------------------------------------


@dataclass(frozen=True)
class History:
    earlier: int  # completed a month ago, 4D: work, money and housing marked as important
    draft: int  # started after Greet's last completed conversation, not completed


@pytest.fixture
def history(db, actor, practice) -> History:
    with db.transaction() as tx:
        earlier = conv.start_conversation(
            tx, actor, practice.client_id, "four-domains", 1, now=datetime.now(UTC) - timedelta(days=30)
        ).id
        conv.assess_domain(tx, actor, earlier, "societal", own_words="Ik heb schulden", important=True)
        conv.complete_conversation(tx, actor, earlier)
        draft = conv.start_conversation(tx, actor, practice.client_id, "positive-health", 1).id
    return History(earlier, draft)


def _conversations(dialog: ReferralDialog) -> list[int]:
    return [dialog.conversation.itemData(row) for row in range(dialog.conversation.count())]


def test_the_referral_is_made_from_the_newest_completed_conversation_or_the_one_chosen(
    qtbot, db, actor, practice, history, panel, dialogs
):
    def fill_referral(dialog: ReferralDialog) -> None:
        # Newest first; the newest is a draft, so the newest completed one is chosen.
        assert _conversations(dialog) == [history.draft, practice.conversation_id, history.earlier]
        assert dialog.conversation.currentData() == practice.conversation_id == dialog.conversation_id
        assert dialog.conversation.accessibleName() == _("&Conversation").replace("&", "")
        draft_mark = _("{date} · {model} — draft, not completed").split("{model}")[1]
        assert draft_mark in dialog.conversation.itemText(0)
        assert not any(draft_mark in dialog.conversation.itemText(row) for row in (1, 2))
        assert not dialog.draft_warning.isVisible()
        suggestions = _texts(dialog.suggestions)
        assert suggestions[0].startswith("Welzijn Overvecht — Welzijn op Recept")
        assert not any("Schuldhulp" in text for text in suggestions)

        # The earlier conversation, by keyboard: its money worries suggest the debt counselling.
        dialog.conversation.setFocus()
        qtbot.keyClick(dialog.conversation, Qt.Key.Key_Down)
        assert dialog.conversation_id == history.earlier
        assert not dialog.draft_warning.isVisible()
        suggestions = _texts(dialog.suggestions)
        assert any(text.startswith("Schuldhulp Utrecht — Schuldhulpmaatje") for text in suggestions)
        assert not dialog.suggestions.selectedItems()  # a new list chooses nobody
        row = next(i for i, text in enumerate(suggestions) if text.startswith("Schuldhulp Utrecht"))
        _click_row(qtbot, dialog.suggestions, row)
        assert dialog.chosen is not None and dialog.chosen.id == practice.schuldhulp
        qtbot.keyClicks(dialog.question, "Wilt u Greet helpen met een overzicht van haar schulden?")
        dialogs.when_open(ConsentDialog, lambda consent: consent.reject())
        _click(qtbot, dialog.save_button)

    dialogs.when_open(ReferralDialog, fill_referral)
    _click(qtbot, panel.new_button)
    dialogs.check()
    with db.transaction() as tx:
        (referral,) = list_referrals(tx, actor, client_id=practice.client_id)
    assert referral.conversation_id == history.earlier
    assert referral.offering_id == practice.schuldhulp


def test_choosing_a_draft_conversation_warns_that_the_letter_is_marked_as_draft(
    qtbot, db, actor, practice, history, dialogs
):
    dialog = _open_referral_dialog(qtbot, db, actor, practice)
    _click_row(qtbot, dialog.suggestions, 0)  # Welzijn op Recept, for meaning and participation
    chosen = dialog.chosen
    assert chosen is not None and not dialog.draft_warning.isVisible()

    dialog.conversation.setFocus()
    qtbot.keyClick(dialog.conversation, Qt.Key.Key_Up)
    assert dialog.conversation_id == history.draft
    assert dialog.draft_warning.isVisible() and dialog.draft_warning.text()
    assert dialog.conversation.accessibleDescription() == dialog.draft_warning.text()
    # Nothing is marked as important in the draft: no suggestions, the recipient stays chosen.
    assert not dialog.suggestions.isVisible() and dialog.chosen == chosen

    # Back to a completed one: the warning goes, the chosen recipient is selected among the suggestions.
    qtbot.keyClick(dialog.conversation, Qt.Key.Key_Down)
    assert dialog.conversation_id == practice.conversation_id
    assert not dialog.draft_warning.isVisible() and dialog.conversation.accessibleDescription() == ""
    assert [dialog.suggestions.row(item) for item in dialog.suggestions.selectedItems()] == [0]

    # A draft may still be chosen: the referral refers to it (its letter says "draft").
    qtbot.keyClick(dialog.conversation, Qt.Key.Key_Up)
    qtbot.keyClicks(dialog.question, "Wilt u kennismaken met Greet?")
    dialogs.when_open(ConsentDialog, lambda consent: consent.reject())
    _click(qtbot, dialog.save_button)
    dialogs.check()
    with db.transaction() as tx:
        (referral,) = list_referrals(tx, actor, client_id=practice.client_id)
    assert referral.conversation_id == history.draft and referral.offering_id == practice.welzijn_op_recept


def test_a_conversation_passed_in_is_chosen_when_completed_and_otherwise_the_newest_completed(
    qtbot, db, actor, practice, history
):
    dialog = ReferralDialog(db, actor, practice.client_id, history.earlier)
    qtbot.addWidget(dialog)
    assert dialog.conversation_id == history.earlier
    dialog = ReferralDialog(db, actor, practice.client_id, history.draft)
    qtbot.addWidget(dialog)
    assert dialog.conversation_id == practice.conversation_id
    assert not dialog.draft_warning.isVisibleTo(dialog)


# -- where documents go ---------------------------------------------------------------------------


@pytest.fixture
def documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder of our own with a documents folder in it (what QStandardPaths finds)."""
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    return home / "Documents"


def test_save_and_print_start_in_the_documents_folder_with_the_reference_as_name(
    qtbot, db, actor, practice, dialogs, documents
):
    referral_id = _referral(db, actor, practice)
    _consent(db, actor, referral_id)
    preview = HandoverPreview(db, actor, referral_id, CLIENT_COPY)
    qtbot.addWidget(preview)
    preview.show()
    name = preview.default_file_name()
    assert name == _("client-copy-{reference}.pdf").format(reference=preview._reference)
    seen: dict[str, str] = {}

    def look_at_file(dialog: QFileDialog) -> None:
        seen["save"] = dialog.selectedFiles()[0]
        dialog.reject()

    def look_at_printer(dialog: QPrintDialog) -> None:
        seen["print"] = dialog.findChild(QLineEdit, "filename").text()
        dialog.reject()

    dialogs.when_open(QFileDialog, look_at_file)
    _click(qtbot, preview.save_button)
    dialogs.when_open(QPrintDialog, look_at_printer)
    _click(qtbot, preview.print_button)
    dialogs.check()
    assert seen == {"save": str(documents / name), "print": str(documents / name)}
    assert preview.saved_path is None and _disclosures(db) == []


def test_the_overdue_dialog_shows_a_long_recipient_whole(qtbot, db, actor, practice):
    now = datetime.now(UTC)
    with db.transaction() as tx:
        organisation = create_organisation(
            tx, actor, OrganisationInput("Stichting Maatschappelijke Dienstverlening Utrecht-Overvecht")
        )
        offering = create_offering(
            tx,
            actor,
            OfferingInput(
                organisation.id, "Schuldhulpverlening en budgetbeheer", "debt_counselling", ("money",), "Consulent"
            ),
        )
        referral_id = create_referral(
            tx,
            actor,
            practice.client_id,
            offering_id=offering.id,
            question="Graag hulp bij de schulden.",
            urgency="soon",
            feedback_contact="POH, 030 111 2222",
            conversation_id=practice.conversation_id,
            now=now - timedelta(days=45),
        ).id
    _consent(db, actor, referral_id, given_days_ago=45)
    with db.transaction() as tx:
        advance_referral(tx, actor, referral_id, SENT, now=now - timedelta(days=40))

    dialog = OverdueReferralsDialog(db, actor)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    recipient = dialog.model.index(0, 2).data()
    assert "Schuldhulpverlening en budgetbeheer" in recipient
    width = dialog.table.fontMetrics().horizontalAdvance(recipient)
    assert dialog.table.columnWidth(2) >= width + 6  # the whole recipient, not "Stichting Maatsch…"
    assert dialog.model.index(0, 2).data(Qt.ItemDataRole.ToolTipRole) == recipient


def test_enter_on_a_suggestion_chooses_it_and_only_enter_elsewhere_saves(qtbot, db, actor, practice, dialogs):
    dialog = ReferralDialog(db, actor, practice.client_id, practice.conversation_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.suggestions)

    # Down highlights the second suggestion, Enter chooses it: the dialog stays open, nothing is
    # refused, and the question is next.
    qtbot.keyClick(dialog.suggestions, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.suggestions, Qt.Key.Key_Down)
    highlighted = dialog.suggestions.current_offering()
    assert highlighted is not None
    qtbot.keyClick(dialog.suggestions, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.referral is None
    assert not dialog.question_error.isVisible() and not dialog.recipient_error.isVisible()
    assert dialog.chosen is not None and dialog.chosen.id == highlighted.id
    assert QApplication.focusWidget() is dialog.question

    # Enter in the search chooses the first result, and does not save either.
    dialog.search.setFocus()
    qtbot.keyClicks(dialog.search, "schuld")
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    assert dialog.isVisible() and not dialog.question_error.isVisible()
    assert dialog.chosen is not None and dialog.chosen.id == practice.schuldhulp

    # Enter in a one-line field saves (the default button), after which consent is next.
    qtbot.keyClicks(dialog.question, "Wilt u Greet helpen met de post?")
    dialog.contact_preference.setFocus()
    dialogs.when_open(ConsentDialog, lambda consent: consent.reject())
    qtbot.keyClick(dialog.contact_preference, Qt.Key.Key_Return)
    dialogs.check()
    assert dialog.referral is not None and dialog.referral.offering_id == practice.schuldhulp


def test_a_flagged_domain_about_money_suggests_debt_help_first(qtbot, db, actor, practice):
    with db.transaction() as tx:
        buurtteam = create_organisation(tx, actor, OrganisationInput("Buurtteam Overvecht", last_checked=local_today()))
        create_offering(
            tx,
            actor,
            OfferingInput(
                buurtteam.id, "Buurtteam sociaal", "neighbourhood_team", ("housing", "money", "network"), "Medewerker"
            ),
        )
        cid = conv.start_conversation(tx, actor, practice.client_id, "four-domains", 1).id
        conv.assess_domain(tx, actor, cid, "societal", own_words="De schulden lopen op", important=True)
        conv.complete_conversation(tx, actor, cid)
    dialog = ReferralDialog(db, actor, practice.client_id, cid)
    qtbot.addWidget(dialog)
    assert dialog.suggestions.isVisibleTo(dialog)
    assert dialog.suggestions.offering_at(0).id == practice.schuldhulp
    assert _texts(dialog.suggestions)[0].startswith("Schuldhulp Utrecht — Schuldhulpmaatje")


def test_a_recipient_not_on_the_social_map_is_typed_in_referred_to_and_added_to_the_map(
    qtbot, db, actor, practice, dialogs, monkeypatch
):
    asked: list[str] = []

    def yes(_parent, _title, text, *args, **kwargs):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(yes))
    dialog = ReferralDialog(db, actor, practice.client_id, practice.conversation_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    assert not dialog.ad_hoc_fields.isVisible()
    dialog.ad_hoc_box.setFocus()
    qtbot.keyClick(dialog.ad_hoc_box, Qt.Key.Key_Space)  # "Not on the social map", ticked
    assert dialog.ad_hoc_box.isChecked() and dialog.chosen is None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.ad_hoc_organisation)
    qtbot.keyClicks(dialog.ad_hoc_organisation, "Stichting Kwartier")
    qtbot.keyClicks(dialog.ad_hoc_offering, "Maatjesproject")
    qtbot.keyClicks(dialog.ad_hoc_phone, "bel maar")
    qtbot.keyClicks(dialog.question, "Wilt u kennismaken met Greet?")
    _click(qtbot, dialog.save_button)
    assert dialog.isVisible() and dialog.recipient_error.isVisible() and "bel maar" in dialog.recipient_error.text()
    assert QApplication.focusWidget() is dialog.ad_hoc_organisation

    dialog.ad_hoc_phone.clear()
    qtbot.keyClicks(dialog.ad_hoc_phone, "030 222 33 44")
    dialogs.when_open(ConsentDialog, lambda consent: consent.reject())
    _click(qtbot, dialog.save_button)
    dialogs.check()
    referral = dialog.referral
    assert referral is not None
    assert referral.recipient.startswith("Stichting Kwartier") and "030 222 33 44" in referral.recipient
    # One click put it on the map, with the life domains Greet flagged, for the next referral.
    assert len(asked) == 1 and "Stichting Kwartier" in asked[0]
    added = dialog.added_offering
    assert added is not None and added.organisation_name == "Stichting Kwartier"
    assert set(added.domain_tags) == {"meaning", "participation"}
    with db.transaction() as tx:
        assert get_referral(tx, actor, referral.id).offering_id == added.id


def test_a_long_offering_in_the_lists_scrolls_sideways_instead_of_being_cut_off(qtbot, db, actor, practice):
    with db.transaction() as tx:
        organisation = create_organisation(
            tx, actor, OrganisationInput("Stichting Maatschappelijke Dienstverlening Utrecht-Overvecht", phone="030 1")
        )
        create_offering(
            tx,
            actor,
            OfferingInput(
                organisation.id, "Schuldhulpverlening en budgetbeheer", "debt_counselling", ("money",), "Consulent"
            ),
        )
    dialog = ReferralDialog(db, actor, practice.client_id, practice.conversation_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.search, "budgetbeheer")
    qtbot.waitUntil(lambda: dialog.results.count() == 1)
    needed = dialog.results.fontMetrics().horizontalAdvance(dialog.results.item(0).text().splitlines()[0])
    assert needed > dialog.results.viewport().width()  # longer than the list is wide
    bar = dialog.results.horizontalScrollBar()
    qtbot.waitUntil(bar.isVisible)
    assert bar.maximum() > 0
