"""Referrals and consent: the lifecycle, overdue feedback, and the handover content as consented."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from broadtalk import conversations as conv
from broadtalk import i18n
from broadtalk.clients import ClientInput, create_client
from broadtalk.consent import ConsentInput, record_consent, withdraw_consent
from broadtalk.errors import InputError, RefusedError
from broadtalk.handover.content import load_handover
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.referral_steps import ACCEPTED, CLOSED, DECLINED, DRAFT, FEEDBACK, FIRST_CONTACT, SENT
from broadtalk.referrals import advance_referral, create_referral, get_referral, list_referrals, set_feedback_due_days
from broadtalk.store.tables import Offering, Organisation
from tests.conftest import NOW

TODAY = NOW.date()


@pytest.fixture
def offering_id(db):
    with db.transaction() as tx:
        organisation = Organisation(name="Welzijn Overvecht", phone="030 123 4567", created_at=NOW, updated_at=NOW)
        tx.add(organisation)
        tx.flush()
        offering = Offering(
            organisation_id=organisation.id,
            name="Welzijn op Recept",
            kind="welfare_coach",
            domain_tags='["meaning", "participation"]',
            contact_function="Welzijnscoach",
            created_at=NOW,
            updated_at=NOW,
        )
        tx.add(offering)
        tx.flush()
        return offering.id


@pytest.fixture
def conversation(db, actor):
    """A completed positive-health conversation with something in every domain and section."""
    with db.transaction() as tx:
        client = create_client(
            tx,
            actor,
            ClientInput(
                "Greet",
                "Visser",
                "03-03-1942",
                address="Lindelaan 4",
                postal_code="3583AB",
                city="Utrecht",
                phone="030 765 4321",
                email="greet@example.org",
            ),
            now=NOW,
        )
        cid = conv.start_conversation(tx, actor, client.id, "positive-health", 1, now=NOW).id
        conv.assess_domain(
            tx,
            actor,
            cid,
            "meaningfulness",
            score=3,
            own_words="WORDS-meaning",
            notes="NOTES-meaning",
            important=True,
            now=NOW,
        )
        conv.assess_domain(
            tx,
            actor,
            cid,
            "participation",
            score=4,
            own_words="WORDS-participation",
            notes="NOTES-participation",
            now=NOW,
        )
        conv.assess_domain(
            tx, actor, cid, "mental-wellbeing", score=5, own_words="WORDS-mind", notes="NOTES-mind", now=NOW
        )
        conv.record_answer(tx, actor, cid, "mental-wellbeing.going-well", "ANSWER-mind", now=NOW)
        conv.record_answer(tx, actor, cid, "meaningfulness.going-well", "ANSWER-meaning", now=NOW)
        conv.set_closing(tx, actor, cid, what_matters_most="MATTERS-most", now=NOW)
        meaning_goal = conv.add_goal(tx, actor, cid, "GOAL-meaning", domain_id="meaningfulness", now=NOW)
        mind_goal = conv.add_goal(tx, actor, cid, "GOAL-mind", domain_id="mental-wellbeing", now=NOW)
        conv.add_action(tx, actor, cid, "ACTION-meaning", who="POH", goal_id=meaning_goal.id, now=NOW)
        conv.add_action(tx, actor, cid, "ACTION-mind", who="POH", goal_id=mind_goal.id, now=NOW)
        conv.complete_conversation(tx, actor, cid, duration_seconds=3000, now=NOW)
        return client.id, cid


def _referral(db, actor, conversation, offering_id):
    client_id, cid = conversation
    with db.transaction() as tx:
        return create_referral(
            tx,
            actor,
            client_id,
            offering_id=offering_id,
            question="QUESTION: meedoen",
            urgency="soon",
            feedback_contact="POH, 030 111 2222",
            conversation_id=cid,
            now=NOW,
        )


def _consent(db, actor, referral_id, **overrides):
    data = dict(
        purpose="Begeleiding naar vrijwilligerswerk",
        domains=("meaningfulness", "participation"),
        share_identity_details=False,
        share_goals_actions=True,
        share_own_words=True,
        method="verbal",
        given_on=TODAY,
        valid_until=TODAY + timedelta(days=180),
    )
    data.update(overrides)
    with db.transaction() as tx:
        return record_consent(tx, actor, referral_id, ConsentInput(**data), now=NOW)


def _text(content) -> str:
    return repr(content)


def test_the_handover_holds_exactly_what_the_client_agreed_to(db, actor, conversation, offering_id):
    referral = _referral(db, actor, conversation, offering_id)
    _consent(db, actor, referral.id)
    with db.transaction() as tx:
        content = load_handover(tx, actor, referral.id, today=TODAY)
    text = _text(content)
    for present in (
        "WORDS-meaning",
        "NOTES-participation",
        "ANSWER-meaning",
        "GOAL-meaning",
        "ACTION-meaning",
        "QUESTION: meedoen",
        "Greet Visser",
    ):
        assert present in text, present
    for absent in (
        "MATTERS-most",  # conversation-wide: shared only when ticked by name
        "WORDS-mind",
        "NOTES-mind",
        "ANSWER-mind",
        "GOAL-mind",
        "ACTION-mind",
        "Lindelaan",
        "765 4321",
        "greet@example.org",
    ):
        assert absent not in text, absent
    assert [d.domain_id for d in content.domains] == ["meaningfulness", "participation"]
    assert content.scale == (0, 10)
    # An anchor describes only its own score: 3/10 is not "very poor" (the anchor at 0).
    assert [d.anchor_label for d in content.domains] == ["", ""]
    assert content.reference.startswith("V-")


def test_without_consent_for_own_words_goals_or_identity_those_sections_stay_out(db, actor, conversation, offering_id):
    referral = _referral(db, actor, conversation, offering_id)
    _consent(db, actor, referral.id, share_goals_actions=False, share_own_words=False, share_identity_details=True)
    with db.transaction() as tx:
        content = load_handover(tx, actor, referral.id, today=TODAY)
    text = _text(content)
    assert "WORDS-meaning" not in text and "MATTERS-most" not in text
    assert "GOAL-meaning" not in text and "ACTION-meaning" not in text
    assert "NOTES-meaning" in text  # the domain itself is shared
    assert "Lindelaan 4" in text and "greet@example.org" in text


def test_withdrawn_or_expired_consent_or_none_refuses_every_handover(db, actor, conversation, offering_id):
    referral = _referral(db, actor, conversation, offering_id)
    with db.transaction() as tx, pytest.raises(RefusedError):
        load_handover(tx, actor, referral.id, today=TODAY)
    consent = _consent(db, actor, referral.id, valid_until=TODAY + timedelta(days=10))
    with db.transaction() as tx, pytest.raises(RefusedError):
        load_handover(tx, actor, referral.id, today=TODAY + timedelta(days=11))
    with db.transaction() as tx:
        withdraw_consent(tx, actor, consent.id, note="wil het zelf regelen")
    with db.transaction() as tx, pytest.raises(RefusedError):
        load_handover(tx, actor, referral.id, today=TODAY)
    with db.transaction() as tx:
        assert get_referral(tx, actor, referral.id).consent_status(TODAY) == "withdrawn"


def test_consent_input_is_checked_and_nothing_is_stored_on_bad_input(db, actor, conversation, offering_id):
    referral = _referral(db, actor, conversation, offering_id)
    i18n.set_language("en")
    bad = [
        dict(purpose="  "),
        dict(method="telepathy"),
        dict(given_on=TODAY + timedelta(days=1)),
        dict(valid_until=TODAY - timedelta(days=1)),
        dict(valid_until=TODAY + timedelta(days=900)),
        dict(domains=("finances",)),
    ]
    for overrides in bad:
        with pytest.raises(InputError):
            _consent(db, actor, referral.id, **overrides)
    with db.transaction() as tx:
        assert get_referral(tx, actor, referral.id).consent is None


def test_a_second_consent_while_one_is_valid_is_refused(db, actor, conversation, offering_id):
    referral = _referral(db, actor, conversation, offering_id)
    _consent(db, actor, referral.id)
    with pytest.raises(RefusedError):
        _consent(db, actor, referral.id)


def test_the_lifecycle_moves_forward_dated_and_attributed_and_needs_consent_to_send(
    db, actor, conversation, offering_id
):
    referral = _referral(db, actor, conversation, offering_id)
    assert referral.status == DRAFT
    with db.transaction() as tx, pytest.raises(RefusedError):
        advance_referral(tx, actor, referral.id, SENT, now=NOW)
    _consent(db, actor, referral.id)
    with db.transaction() as tx:
        advance_referral(tx, actor, referral.id, SENT, now=NOW)
        advance_referral(tx, actor, referral.id, ACCEPTED, now=NOW + timedelta(days=2))
        advance_referral(tx, actor, referral.id, FIRST_CONTACT, now=NOW + timedelta(days=5))
        with pytest.raises(InputError):
            advance_referral(tx, actor, referral.id, FEEDBACK, now=NOW + timedelta(days=20))
        advance_referral(tx, actor, referral.id, FEEDBACK, note="Ron komt elke woensdag", now=NOW + timedelta(days=20))
        with pytest.raises(RefusedError):
            advance_referral(tx, actor, referral.id, SENT)
        view = advance_referral(tx, actor, referral.id, CLOSED, now=NOW + timedelta(days=21))
    assert [e.status for e in view.events] == [DRAFT, SENT, ACCEPTED, FIRST_CONTACT, FEEDBACK, CLOSED]
    assert all(e.practitioner_name == "Anouk de Vries" for e in view.events)
    assert view.feedback == "Ron komt elke woensdag"
    assert view.sent_at == NOW and view.closed_at is not None


def test_declining_needs_a_reason(db, actor, conversation, offering_id):
    referral = _referral(db, actor, conversation, offering_id)
    _consent(db, actor, referral.id)
    with db.transaction() as tx:
        advance_referral(tx, actor, referral.id, SENT, now=NOW)
        with pytest.raises(InputError):
            advance_referral(tx, actor, referral.id, DECLINED)
        assert advance_referral(tx, actor, referral.id, DECLINED, note="geen plek").status == DECLINED


def test_referrals_without_feedback_past_the_due_days_are_overdue(db, actor, conversation, offering_id):
    referral = _referral(db, actor, conversation, offering_id)
    _consent(db, actor, referral.id)
    with db.transaction() as tx:
        advance_referral(tx, actor, referral.id, SENT, now=datetime(2026, 1, 1, 9, tzinfo=UTC))
        manager = create_practitioner(tx, "Joyce van Dijk", Role.PRACTICE_MANAGER)  # a practice setting
        set_feedback_due_days(tx, manager, 14)
        assert list_referrals(tx, actor, overdue_only=True, today=date(2026, 1, 10)) == []
        assert [r.id for r in list_referrals(tx, actor, overdue_only=True, today=date(2026, 1, 20))] == [referral.id]
        advance_referral(tx, actor, referral.id, FEEDBACK, note="Gestart", now=datetime(2026, 1, 21, 9, tzinfo=UTC))
        assert list_referrals(tx, actor, overdue_only=True, today=date(2026, 1, 30)) == []


def test_a_referral_needs_a_question_a_known_urgency_and_a_feedback_contact(db, actor, conversation, offering_id):
    client_id, cid = conversation
    cases = [dict(question=" "), dict(urgency="whenever"), dict(feedback_contact="")]
    for overrides in cases:
        arguments = dict(
            offering_id=offering_id, question="Q", urgency="routine", feedback_contact="POH", conversation_id=cid
        )
        arguments.update(overrides)
        with db.transaction() as tx, pytest.raises(InputError):
            create_referral(tx, actor, client_id, **arguments)
    with db.transaction() as tx:
        assert list_referrals(tx, actor) == []
