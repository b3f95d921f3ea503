"""The consent dialog shows, before it is saved, exactly what the recipient will get; ticking a
piece of no domain adds that piece and nothing else; a withdrawal gives two notices.

Driven through the real widgets (pytest-qt, offscreen); the content is compared with what the
core builds for the letter, so the screen cannot show something the PDF would not (or back).
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox

from broadtalk import conversations as conv
from broadtalk.clients import ClientInput, create_client
from broadtalk.consent import WITHDRAWN
from broadtalk.handover.content import WHAT_MATTERS_MOST, load_handover
from broadtalk.handover.export import WITHDRAWAL_CONFIRMATION, WITHDRAWAL_NOTICE
from broadtalk.handover.screen import handover_html
from broadtalk.i18n import _
from broadtalk.referrals import create_referral
from broadtalk.social_map import OfferingInput, OrganisationInput, create_offering, create_organisation
from broadtalk.store.tables import Disclosure
from broadtalk.ui.consent_dialogs import ConsentDialog, WithdrawConsentDialog
from broadtalk.ui.dialog_parts import local_today
from broadtalk.ui.referrals_panel import ReferralsPanel

ALCOHOL = "Huisarts belt over alcoholgebruik"


@pytest.fixture(autouse=True)
def messages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    for name in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(
            QMessageBox, name, staticmethod(lambda _parent, _title, text, *args, **kwargs: shown.append(text))
        )
    return shown


@pytest.fixture
def referral_id(db, actor) -> int:
    """Ron's debts conversation with an action that serves no goal and has no domain."""
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Ron", "de Wit", "04-11-1980", phone="06 12 34 56 78"))
        cid = conv.start_conversation(tx, actor, client.id, "self-sufficiency", 1).id
        conv.assess_domain(tx, actor, cid, "finances", score=2, notes="NOTES-money", important=True)
        conv.assess_domain(tx, actor, cid, "substance-use", score=2, notes="NOTES-drink")
        conv.set_closing(tx, actor, cid, what_matters_most="MATTERS-kids")
        goal = conv.add_goal(tx, actor, cid, "GOAL-money", domain_id="finances")
        conv.add_action(tx, actor, cid, "ACTION-money", who="POH", goal_id=goal.id)
        conv.add_action(tx, actor, cid, ALCOHOL, who="huisarts")
        conv.complete_conversation(tx, actor, cid, duration_seconds=1800)
        organisation = create_organisation(tx, actor, OrganisationInput("Schuldhulp Stad", phone="030 999 8877"))
        offering = create_offering(
            tx, actor, OfferingInput(organisation.id, "Schuldhulp", "debt_counselling", ("money",), "Coördinator")
        )
        return create_referral(
            tx,
            actor,
            client.id,
            offering_id=offering.id,
            question="Hulp bij schulden",
            urgency="soon",
            feedback_contact="POH, 030 111 2222",
            conversation_id=cid,
        ).id


def _tick(qtbot, box) -> None:
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def _open(qtbot, db, actor, referral_id) -> ConsentDialog:
    dialog = ConsentDialog(db, actor, referral_id)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_the_dialog_shows_exactly_the_content_the_recipient_will_get_before_saving(qtbot, db, actor, referral_id):
    dialog = _open(qtbot, db, actor, referral_id)
    _tick(qtbot, dialog.domain_boxes["finances"])
    _tick(qtbot, dialog.share_goals)
    qtbot.keyClicks(dialog.purpose, "Hulp bij schulden")
    _tick(qtbot, dialog.method_buttons["verbal"])
    shown = dialog.preview.toPlainText()
    assert "NOTES-money" in shown and "GOAL-money" in shown and "ACTION-money" in shown
    for absent in ("NOTES-drink", ALCOHOL, "MATTERS-kids", "06 12 34 56 78"):
        assert absent not in shown, absent
    # Saved, the letter holds exactly what the dialog showed.
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.consent is not None
    with db.transaction() as tx:
        content = load_handover(tx, actor, referral_id, today=local_today())
    assert shown == _text_of(content)


def _text_of(content) -> str:
    from PySide6.QtWidgets import QTextBrowser

    browser = QTextBrowser()
    browser.setHtml(handover_html(content))
    return browser.toPlainText()


def test_ticking_the_unlinked_action_adds_it_and_nothing_else(qtbot, db, actor, referral_id):
    dialog = _open(qtbot, db, actor, referral_id)
    _tick(qtbot, dialog.domain_boxes["finances"])
    before = dialog.preview.toPlainText()
    alcohol = next(key for key, box in dialog.piece_boxes.items() if ALCOHOL in box.text())
    _tick(qtbot, dialog.piece_boxes[alcohol])
    after = dialog.preview.toPlainText()
    assert ALCOHOL not in before and ALCOHOL in after
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert added and all(ALCOHOL in line or line.strip() in ("", _heading_goals()) for line in added), added
    _tick(qtbot, dialog.piece_boxes[alcohol])
    assert dialog.preview.toPlainText() == before


def _heading_goals() -> str:
    return _("Goals and agreed actions")


def test_what_matters_most_is_offered_by_name_and_recorded_as_chosen(qtbot, db, actor, referral_id):
    dialog = _open(qtbot, db, actor, referral_id)
    assert WHAT_MATTERS_MOST in dialog.piece_boxes
    _tick(qtbot, dialog.domain_boxes["finances"])
    _tick(qtbot, dialog.piece_boxes[WHAT_MATTERS_MOST])
    assert "MATTERS-kids" in dialog.preview.toPlainText()
    qtbot.keyClicks(dialog.purpose, "Hulp bij schulden")
    _tick(qtbot, dialog.method_buttons["written"])
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.consent is not None
    assert [key for key, _digest in dialog.consent.pieces] == [WHAT_MATTERS_MOST]


def _pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def test_a_withdrawal_gives_a_notice_for_the_recipient_and_a_confirmation_for_the_client(
    qtbot, db, actor, referral_id, messages, monkeypatch
):
    dialog = _open(qtbot, db, actor, referral_id)
    _tick(qtbot, dialog.domain_boxes["finances"])
    qtbot.keyClicks(dialog.purpose, "Hulp bij schulden")
    _tick(qtbot, dialog.method_buttons["verbal"])
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    panel = ReferralsPanel(db, actor)
    qtbot.addWidget(panel)
    panel.show_client(_client_of(db, referral_id))
    panel.select(referral_id)
    monkeypatch.setattr(WithdrawConsentDialog, "exec", _withdraw_now)
    panel.withdraw_consent()
    assert panel.selected().consent == WITHDRAWN
    assert messages[-1] == _(
        "Let the recipient know, and give the client a confirmation: use 'Notice to the recipient…' and "
        "'Confirmation for the client…'. Neither carries anything from the conversation."
    )
    panel.show()
    assert panel.notice_button.isVisible() and panel.confirmation_button.isVisible()
    assert not panel.handover_button.isVisible() and not panel.client_copy_button.isVisible()

    seen: dict[str, bytes] = {}

    def fake_preview(kind: str) -> None:
        from broadtalk.handover.export import render_document

        with db.transaction() as tx:
            _content, seen[kind] = render_document(tx, actor, referral_id, kind, today=local_today())

    monkeypatch.setattr(panel, "preview", fake_preview)
    panel.notice_button.click()
    panel.confirmation_button.click()
    notice, confirmation = _pdf_text(seen[WITHDRAWAL_NOTICE]), _pdf_text(seen[WITHDRAWAL_CONFIRMATION])
    for text in (notice, confirmation):
        assert "Ron de Wit" in text
        for content in ("NOTES-money", "GOAL-money", "ACTION-money", "Hulp bij schulden", ALCOHOL):
            assert content not in text, content


def _withdraw_now(self: WithdrawConsentDialog) -> int:
    self.withdraw_button.click()
    return int(self.result())


def _client_of(db, referral_id: int) -> int:
    from broadtalk.store.tables import Referral

    with db.transaction() as tx:
        return tx.get(Referral, referral_id).client_id


def test_both_withdrawal_documents_are_logged_as_disclosures_without_content(db, actor, referral_id, tmp_path):
    from datetime import timedelta

    from broadtalk.consent import ConsentInput, current_consent, withdraw_consent
    from broadtalk.handover.content import give_consent
    from broadtalk.handover.export import export_document

    today = local_today()
    with db.transaction() as tx:
        data = ConsentInput("Hulp", ("finances",), False, True, True, "verbal", today, today + timedelta(days=30))
        give_consent(tx, actor, referral_id, data)
    with db.transaction() as tx:
        withdraw_consent(tx, actor, current_consent(tx, actor, referral_id).id)
    with db.transaction() as tx:
        export_document(tx, actor, referral_id, WITHDRAWAL_NOTICE, tmp_path / "notice.pdf")
        export_document(tx, actor, referral_id, WITHDRAWAL_CONFIRMATION, tmp_path / "confirmation.pdf")
    with db.transaction() as tx:
        rows = tx.exec(Disclosure.__table__.select().order_by(Disclosure.id)).all()
    assert [row.kind for row in rows] == [WITHDRAWAL_NOTICE, WITHDRAWAL_CONFIRMATION]
    assert all(row.scope == '{"withdrawal": true}' for row in rows)


def test_a_change_by_someone_else_before_saving_is_refused_and_shown_anew(qtbot, db, actor, referral_id):
    dialog = _open(qtbot, db, actor, referral_id)
    _tick(qtbot, dialog.domain_boxes["finances"])
    qtbot.keyClicks(dialog.purpose, "Hulp bij schulden")
    _tick(qtbot, dialog.method_buttons["verbal"])
    assert "NOTES-money" in dialog.preview.toPlainText()
    from broadtalk.store.tables import Referral

    with db.transaction() as tx:  # a colleague on another computer amends the conversation
        cid = tx.get(Referral, referral_id).conversation_id
        conv.amend_conversation(tx, actor, cid)
        conv.assess_domain(tx, actor, cid, "finances", score=2, notes="NOTES-changed")
        conv.complete_conversation(tx, actor, cid)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.consent is None and dialog.isVisible()
    assert dialog.error.text() == _(
        "The conversation or the referral changed while consent was being recorded; "
        "look at what the recipient will get again, then record consent."
    )
    assert "NOTES-changed" in dialog.preview.toPlainText()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)  # seen again: now it is recorded
    assert dialog.consent is not None
