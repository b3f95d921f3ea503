"""The client's own scores: set by the client in the client view, stored beside the
practitioner's score and never over it; checked against the model's scale, refused on a
completed conversation, logged as an amendment, recorded in the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from broadtalk import conversations as conv
from broadtalk.client_scores import set_client_assessment
from broadtalk.clients import ClientInput, create_client
from broadtalk.conversation_changes import list_changes
from broadtalk.errors import InputError, NotFoundError, RefusedError
from broadtalk.i18n import _
from broadtalk.permissions import PermissionRefused
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.store.tables import AuditEntry
from tests.conftest import NOW


@pytest.fixture
def conversation_id(db, actor) -> int:
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Greet", "Visser", "03-03-1942"), now=NOW)
        return conv.start_conversation(tx, actor, client.id, "self-sufficiency", 1, now=NOW).id


def test_the_clients_score_is_stored_beside_the_practitioners_and_never_over_it(db, actor, conversation_id):
    with db.transaction() as tx:
        conv.assess_domain(tx, actor, conversation_id, "finances", score=2, notes="Schulden", now=NOW)
        view = set_client_assessment(tx, actor, conversation_id, "finances", score=4, now=NOW)
    assert (view.score, view.client_score, view.client_wants_to_talk) == (2, 4, False)
    with db.transaction() as tx:
        set_client_assessment(tx, actor, conversation_id, "finances", wants_to_talk=True, now=NOW)
        # The practitioner changes their score: the client's stays.
        conv.assess_domain(tx, actor, conversation_id, "finances", score=3, now=NOW)
        # A domain the practitioner has not scored yet gets the client's score alone.
        set_client_assessment(tx, actor, conversation_id, "housing", score=5, wants_to_talk=True, now=NOW)
    with db.transaction() as tx:
        snapshot = conv.load_conversation(tx, actor, conversation_id)
    finances, housing = snapshot.assessments["finances"], snapshot.assessments["housing"]
    assert (finances.score, finances.client_score, finances.client_wants_to_talk, finances.notes) == (
        3,
        4,
        True,
        "Schulden",
    )
    assert (housing.score, housing.client_score, housing.client_wants_to_talk) == (None, 5, True)
    assert snapshot.scores() == {"finances": 3}  # the chart's scores stay the practitioner's
    with db.transaction() as tx:
        cleared = set_client_assessment(tx, actor, conversation_id, "finances", score=None)
    assert (cleared.score, cleared.client_score, cleared.client_wants_to_talk) == (3, None, True)


@pytest.mark.parametrize("score", [0, 6, -1, True, 2.5, "3"])
def test_a_score_off_the_models_scale_is_refused_and_changes_nothing(db, actor, conversation_id, score):
    with db.transaction() as tx, pytest.raises(InputError) as refused:
        set_client_assessment(tx, actor, conversation_id, "finances", score=score, wants_to_talk=True)
    assert str(refused.value) == _("The score for '{domain}' must be a whole number from {min} to {max}.").format(
        domain="Financiën", min=1, max=5
    )
    with db.transaction() as tx:
        assert "finances" not in conv.load_conversation(tx, actor, conversation_id).assessments


def test_an_unknown_domain_or_conversation_is_refused(db, actor, conversation_id):
    with db.transaction() as tx, pytest.raises(InputError):
        set_client_assessment(tx, actor, conversation_id, "no-such-domain", score=3)
    with db.transaction() as tx, pytest.raises(NotFoundError):
        set_client_assessment(tx, actor, 9999, "finances", score=3)


def test_an_unscored_domain_takes_no_score_but_may_be_marked(db, actor):
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Ron", "Bakker", "12-05-1980"), now=NOW)
        cid = conv.start_conversation(tx, actor, client.id, "four-domains", 1, now=NOW).id
    with db.transaction() as tx, pytest.raises(InputError):
        set_client_assessment(tx, actor, cid, "body", score=3)
    with db.transaction() as tx:
        view = set_client_assessment(tx, actor, cid, "body", wants_to_talk=True)
    assert (view.client_score, view.client_wants_to_talk) == (None, True)


def test_a_completed_conversation_is_refused_until_amended_and_then_the_change_is_logged(db, actor, conversation_id):
    with db.transaction() as tx:
        set_client_assessment(tx, actor, conversation_id, "finances", score=2, now=NOW)
        conv.complete_conversation(tx, actor, conversation_id, now=NOW + timedelta(minutes=40))
    with db.transaction() as tx, pytest.raises(RefusedError):
        set_client_assessment(tx, actor, conversation_id, "finances", score=3)
    later = NOW + timedelta(days=1)
    with db.transaction() as tx:
        conv.amend_conversation(tx, actor, conversation_id, now=later)
        set_client_assessment(tx, actor, conversation_id, "finances", score=3, wants_to_talk=True, now=later)
        conv.complete_conversation(tx, actor, conversation_id, now=later)
    with db.transaction() as tx:
        changes = list_changes(tx, actor, conversation_id)
    assert [(c.target, c.old_value, c.new_value) for c in changes] == [
        ("amend:start", None, None),
        ("client_score:finances", 2, 3),
        ("client_wants_to_talk:finances", False, True),
    ]


def test_it_needs_the_right_to_hold_conversations_and_is_in_the_audit_trail(db, actor, conversation_id):
    with db.transaction() as tx:
        manager = create_practitioner(tx, "Mo Jansen", Role.PRACTICE_MANAGER, now=NOW)
    with db.transaction() as tx, pytest.raises(PermissionRefused):
        set_client_assessment(tx, manager, conversation_id, "finances", score=3)
    with db.transaction() as tx:
        set_client_assessment(tx, actor, conversation_id, "finances", score=3)
    with db.transaction() as tx:
        entries = tx.exec(
            select(AuditEntry).where(AuditEntry.object_type == "conversation", AuditEntry.action == "change")
        ).all()
        assert [e.object_id for e in entries if e.practitioner_id == actor.id] == [conversation_id]
        client_scores = conv.load_conversation(tx, actor, conversation_id).assessments["finances"]
    assert client_scores.client_score == 3


# -- in the handover: only where the consent covers the domain ------------------------------------


def test_the_handover_preview_shows_the_clients_own_view_only_in_consented_domains(db, actor):
    from dataclasses import replace
    from html import escape

    from broadtalk.handover.screen import handover_html
    from tests.unit.test_handover_pdf import load, realistic_case, record_case

    case = realistic_case()  # shares mental-wellbeing, meaningfulness and participation
    case.domains = [
        replace(d, client_score=index + 1, wants_to_talk=d.domain_id in ("participation", "bodily-functions"))
        for index, d in enumerate(case.domains)
    ]
    content = load(db, actor, record_case(db, actor, case))
    shared = {d.domain_id: d for d in content.domains}
    assert {d: (s.client_score, s.client_wants_to_talk) for d, s in shared.items()} == {
        "mental-wellbeing": (2, False),
        "meaningfulness": (3, False),
        "participation": (5, True),
    }
    assert not content.changed_after_consent
    html = handover_html(content)
    assert html.count(escape(_("The client's own score:"))) == 3
    assert html.count(escape(_("The client wants to talk about this."))) == 1
    assert escape(_("{score} of {maximum}").format(score=5, maximum=10)) in html


def test_a_clients_score_given_after_consent_is_shared_only_within_the_consent_and_said(db, actor):
    from broadtalk.store.tables import Referral
    from tests.unit.test_handover_pdf import load, realistic_case, record_case

    referral_id = record_case(db, actor, realistic_case())
    with db.transaction() as tx:
        cid = tx.get(Referral, referral_id).conversation_id
    with db.transaction() as tx:
        conv.amend_conversation(tx, actor, cid)
        set_client_assessment(tx, actor, cid, "bodily-functions", score=2, wants_to_talk=True)  # not consented
        conv.complete_conversation(tx, actor, cid)
    content = load(db, actor, referral_id)
    assert not content.changed_after_consent
    assert all(d.client_score is None and not d.client_wants_to_talk for d in content.domains)
    with db.transaction() as tx:
        conv.amend_conversation(tx, actor, cid)
        set_client_assessment(tx, actor, cid, "participation", score=7)  # consented
        conv.complete_conversation(tx, actor, cid)
    content = load(db, actor, referral_id)
    assert content.changed_after_consent  # and the letter says so
    assert [(d.domain_id, d.client_score) for d in content.domains if d.client_score is not None] == [
        ("participation", 7)
    ]
