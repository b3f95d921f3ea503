"""Consent per piece: every piece of free text belongs to a life domain or is chosen by name.

The scene from the issue: under a consent for one domain only, the recipient must not read an
action that serves no goal ("Huisarts belt over alcoholgebruik"), a goal without a domain, or
what matters most, unless the client ticked that piece by name; a piece changed or added after
consent is not shared until a consent covers it (a domain's own pieces excepted, and then the
letter says the conversation changed).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from broadtalk import conversations as conv
from broadtalk.clients import ClientInput, create_client
from broadtalk.consent import ConsentInput
from broadtalk.errors import InputError, RefusedError
from broadtalk.handover.content import (
    WHAT_MATTERS_MOST,
    give_consent,
    load_handover,
    piece_key,
    preview_handover,
)
from broadtalk.handover.screen import handover_html
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.referrals import FIRST_CONTACTS, create_referral
from broadtalk.store.tables import Consent, Offering, Organisation
from tests.conftest import NOW

TODAY = NOW.date()
ALCOHOL = "Huisarts belt over alcoholgebruik"


@pytest.fixture
def scene(db, actor):
    """A ZRM conversation: a debt goal and action, an action without goal or domain, a goal
    without domain, what matters most and a closing answer; a referral to debt counselling."""
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Ron", "de Wit", "04-11-1980"), now=NOW)
        cid = conv.start_conversation(tx, actor, client.id, "self-sufficiency", 1, now=NOW).id
        conv.assess_domain(tx, actor, cid, "finances", score=2, notes="NOTES-money", now=NOW)
        conv.assess_domain(tx, actor, cid, "substance-use", score=2, notes="NOTES-drink", now=NOW)
        conv.set_closing(tx, actor, cid, what_matters_most="MATTERS-kids", now=NOW)
        conv.record_answer(tx, actor, cid, "closing.goals", "CLOSING-answer", now=NOW)
        money = conv.add_goal(tx, actor, cid, "GOAL-money", domain_id="finances", now=NOW)
        conv.add_goal(tx, actor, cid, "GOAL-nodomain", now=NOW)
        conv.add_action(tx, actor, cid, "ACTION-money", who="POH", goal_id=money.id, now=NOW)
        conv.add_action(tx, actor, cid, ALCOHOL, who="huisarts", now=NOW)
        conv.add_action(tx, actor, cid, "ACTION-own-domain", who="POH", domain_id="finances", now=NOW)
        conv.add_action(tx, actor, cid, "ACTION-drink-domain", who="POH", domain_id="substance-use", now=NOW)
        conv.complete_conversation(tx, actor, cid, duration_seconds=1800, now=NOW)
        organisation = Organisation(name="Schuldhulp Stad", phone="030 999 88 77", created_at=NOW, updated_at=NOW)
        tx.add(organisation)
        tx.flush()
        offering = Offering(
            organisation_id=organisation.id,
            name="Schuldhulpverlening",
            kind="debt",
            contact_function="schuldhulpverlener",
            created_at=NOW,
            updated_at=NOW,
        )
        tx.add(offering)
        tx.flush()
        referral = create_referral(
            tx,
            actor,
            client.id,
            offering_id=offering.id,
            question="Hulp bij schulden",
            urgency="soon",
            feedback_contact="POH, 030 111 2222",
            conversation_id=cid,
            now=NOW,
        )
    return referral.id, cid


def _data(**overrides) -> ConsentInput:
    data = ConsentInput(
        purpose="Hulp bij schulden",
        domains=("finances",),
        share_identity_details=False,
        share_goals_actions=True,
        share_own_words=True,
        method="verbal",
        given_on=TODAY,
        valid_until=TODAY + timedelta(days=180),
    )
    return replace(data, **overrides)


def _give(db, actor, referral_id, data):
    with db.transaction() as tx:
        return give_consent(tx, actor, referral_id, data, now=NOW)


def _content(db, actor, referral_id, today=TODAY):
    with db.transaction() as tx:
        return load_handover(tx, actor, referral_id, today=today)


def test_under_a_finances_consent_the_unlinked_alcohol_action_is_not_shared(db, actor, scene):
    referral_id, _cid = scene
    _give(db, actor, referral_id, _data())
    text = repr(_content(db, actor, referral_id))
    for present in ("NOTES-money", "GOAL-money", "ACTION-money", "ACTION-own-domain"):
        assert present in text, present
    for absent in (ALCOHOL, "GOAL-nodomain", "MATTERS-kids", "CLOSING-answer", "NOTES-drink", "ACTION-drink-domain"):
        assert absent not in text, absent


def test_an_action_inherits_its_goals_domain_and_is_shared_only_with_it(db, actor, scene):
    referral_id, _cid = scene
    _give(db, actor, referral_id, _data(domains=("substance-use",)))
    content = _content(db, actor, referral_id)
    whats = [a.what for a in content.actions]
    assert whats == ["ACTION-drink-domain"]
    assert [a.domain_title for a in content.actions] == ["Middelengebruik"]


def test_ticking_a_piece_by_name_shares_that_piece_and_nothing_else(db, actor, scene):
    referral_id, _cid = scene
    with db.transaction() as tx:
        before, pieces = preview_handover(tx, actor, referral_id, _data(), today=TODAY)
    alcohol = next(p for p in pieces if ALCOHOL in p.text)
    assert alcohol.key.startswith("action:")
    with db.transaction() as tx:
        after, _pieces = preview_handover(tx, actor, referral_id, _data(pieces=(alcohol.key,)), today=TODAY)
    assert [a.what for a in after.actions if a not in before.actions] == [ALCOHOL]
    assert replace(after, actions=before.actions, consent=before.consent) == before


def test_the_pieces_offered_are_exactly_those_without_a_domain(db, actor, scene):
    referral_id, _cid = scene
    with db.transaction() as tx:
        _preview, pieces = preview_handover(tx, actor, referral_id, _data(), today=TODAY)
    texts = [p.text for p in pieces]
    assert pieces[0].key == WHAT_MATTERS_MOST and texts[0] == "MATTERS-kids"
    assert any("CLOSING-answer" in t for t in texts)
    assert any(t == "GOAL-nodomain" for t in texts)
    assert any(ALCOHOL in t for t in texts)
    assert not any("money" in t or "own-domain" in t or "drink-domain" in t for t in texts)


def test_what_the_preview_shows_is_what_the_letter_gets(db, actor, scene):
    referral_id, _cid = scene
    data = _data(pieces=(WHAT_MATTERS_MOST,))
    with db.transaction() as tx:
        preview, _pieces = preview_handover(tx, actor, referral_id, data, today=TODAY)
    _give(db, actor, referral_id, data)
    content = _content(db, actor, referral_id)
    assert replace(preview, consent=content.consent) == content
    assert "MATTERS-kids" in handover_html(content)
    assert ALCOHOL not in handover_html(content)


def test_the_consent_records_which_pieces_were_chosen(db, actor, scene):
    referral_id, _cid = scene
    consent = _give(db, actor, referral_id, _data(pieces=(WHAT_MATTERS_MOST,)))
    assert [key for key, _digest in consent.pieces] == [WHAT_MATTERS_MOST]
    assert consent.content_digest
    with db.transaction() as tx:
        row = tx.get(Consent, consent.id)
        assert "MATTERS-kids" not in row.pieces  # fingerprints, never the text itself


def test_a_piece_that_is_not_in_the_conversation_is_refused_and_nothing_stored(db, actor, scene):
    referral_id, _cid = scene
    with pytest.raises(InputError):
        _give(db, actor, referral_id, _data(pieces=(piece_key("action", 9999),)))
    with db.transaction() as tx:
        assert tx.exec(Consent.__table__.select()).all() == []


def test_a_ticked_piece_changed_after_consent_is_left_out_and_the_letter_says_so(db, actor, scene):
    referral_id, cid = scene
    _give(db, actor, referral_id, _data(pieces=(WHAT_MATTERS_MOST,)))
    assert _content(db, actor, referral_id).what_matters_most == "MATTERS-kids"
    with db.transaction() as tx:
        conv.amend_conversation(tx, actor, cid, now=NOW + timedelta(hours=1))
        conv.set_closing(tx, actor, cid, what_matters_most="REWRITTEN", now=NOW + timedelta(hours=1))
        conv.complete_conversation(tx, actor, cid, now=NOW + timedelta(hours=1))
    content = _content(db, actor, referral_id)
    assert content.what_matters_most == ""
    assert content.pieces_left_out == 1
    assert "REWRITTEN" not in repr(content)


def test_pieces_added_after_consent_are_not_shared_unless_in_a_consented_domain(db, actor, scene):
    referral_id, cid = scene
    _give(db, actor, referral_id, _data())
    assert not _content(db, actor, referral_id).changed_after_consent
    later = NOW + timedelta(hours=1)
    with db.transaction() as tx:
        conv.amend_conversation(tx, actor, cid, now=later)
        conv.add_action(tx, actor, cid, "LATE-loose", now=later)
        conv.add_goal(tx, actor, cid, "LATE-nodomain", now=later)
        conv.add_goal(tx, actor, cid, "LATE-drink", domain_id="substance-use", now=later)
        conv.complete_conversation(tx, actor, cid, now=later)
    content = _content(db, actor, referral_id)
    for late in ("LATE-loose", "LATE-nodomain", "LATE-drink"):
        assert late not in repr(content), late
    assert not content.changed_after_consent  # nothing changed within the consented domain
    with db.transaction() as tx:
        conv.amend_conversation(tx, actor, cid, now=later)
        conv.add_goal(tx, actor, cid, "LATE-money", domain_id="finances", now=later)
        conv.complete_conversation(tx, actor, cid, now=later)
    content = _content(db, actor, referral_id)
    assert "LATE-money" in [g.description for g in content.goals]
    assert content.changed_after_consent


def test_a_draft_conversation_makes_a_letter_marked_as_draft(db, actor, scene):
    referral_id, cid = scene
    _give(db, actor, referral_id, _data())
    assert not _content(db, actor, referral_id).draft
    with db.transaction() as tx:
        conv.amend_conversation(tx, actor, cid, now=NOW + timedelta(hours=1))
    assert _content(db, actor, referral_id).draft


def test_without_contact_details_the_practice_makes_first_contact(db, actor, scene):
    referral_id, _cid = scene
    _give(db, actor, referral_id, _data(share_identity_details=False))
    content = _content(db, actor, referral_id)
    assert content.first_contact == "practice"
    assert content.client.phone == "" and content.contact_preference == ""
    assert set(FIRST_CONTACTS) == {"recipient", "client", "practice"}


def test_the_letter_carries_the_dates_and_contacts_a_recipient_acts_on(db, actor, scene):
    referral_id, _cid = scene
    _give(db, actor, referral_id, _data())
    content = _content(db, actor, referral_id)
    assert content.sent_on is None and content.letter_date == TODAY  # not sent yet: dated today
    assert content.feedback_due == TODAY + timedelta(days=28)
    assert content.recipient_contact.phone == "030 999 88 77"
    assert content.conversation_by == "Anouk de Vries"


def test_a_preview_needs_the_role_that_records_consent(db, actor, scene):
    referral_id, _cid = scene
    with db.transaction() as tx:
        manager = create_practitioner(tx, "Mo Manager", Role.PRACTICE_MANAGER, now=NOW)
    with db.transaction() as tx, pytest.raises(RefusedError):
        preview_handover(tx, manager, referral_id, _data(), today=TODAY)


def test_consent_is_refused_when_the_conversation_changed_after_the_client_saw_the_preview(db, actor, scene):
    """Another practitioner (another computer) amends the conversation while consent is being
    recorded: the client agreed to what they saw, so nothing is recorded."""
    referral_id, cid = scene
    data = _data(pieces=(WHAT_MATTERS_MOST,))
    with db.transaction() as tx:
        shown, _pieces = preview_handover(tx, actor, referral_id, data, today=TODAY)
    later = NOW + timedelta(minutes=5)
    with db.transaction() as tx:
        conv.amend_conversation(tx, actor, cid, now=later)
        conv.assess_domain(tx, actor, cid, "finances", score=2, notes="NOTES-money, and more", now=later)
        conv.complete_conversation(tx, actor, cid, now=later)
    with db.transaction() as tx, pytest.raises(RefusedError):
        give_consent(tx, actor, referral_id, data, shown=shown, now=later)
    with db.transaction() as tx:
        assert tx.exec(Consent.__table__.select()).all() == []
    # Shown again, it is recorded.
    with db.transaction() as tx:
        shown, _pieces = preview_handover(tx, actor, referral_id, data, today=TODAY)
    with db.transaction() as tx:
        assert give_consent(tx, actor, referral_id, data, shown=shown, now=later).pieces


def test_the_screen_preview_shows_typed_markup_as_text(db, actor, scene):
    """The consent dialog's preview is HTML: what a practitioner typed never becomes markup."""
    referral_id, cid = scene
    later = NOW + timedelta(minutes=1)
    with db.transaction() as tx:
        conv.amend_conversation(tx, actor, cid, now=later)
        conv.assess_domain(tx, actor, cid, "finances", score=2, notes='<img src="x"> & <b>vet</b>', now=later)
        conv.complete_conversation(tx, actor, cid, now=later)
    with db.transaction() as tx:
        content, _pieces = preview_handover(tx, actor, referral_id, _data(), today=TODAY)
    html = handover_html(content)
    assert "&lt;img src=&quot;x&quot;&gt; &amp; &lt;b&gt;vet&lt;/b&gt;" in html
    assert "<img" not in html and "<b>vet" not in html
