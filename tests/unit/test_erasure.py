"""Erasing a client: everything about them goes, no bytes remain, one audit entry says so."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from broadtalk import audit
from broadtalk import conversations as conv
from broadtalk.clients import ClientInput, create_client
from broadtalk.consent import ConsentInput, record_consent
from broadtalk.erasure import erase_client, finish_erasure
from broadtalk.errors import NotFoundError
from broadtalk.handover.export import HANDOVER_PDF, export_document
from broadtalk.permissions import PermissionRefused
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.referral_steps import CLOSED, FEEDBACK, SENT
from broadtalk.referrals import advance_referral, create_referral
from broadtalk.store.database import Database, companion_files
from broadtalk.store.tables import (
    Action,
    Answer,
    AuditEntry,
    Client,
    Consent,
    Conversation,
    ConversationChange,
    Disclosure,
    DomainAssessment,
    Goal,
    Offering,
    Organisation,
    Referral,
    ReferralEvent,
)
from tests.conftest import NOW

GIVEN, FAMILY = "Zwaantje", "Erasmusdochter"
OWN_WORDS = "Ik slaap slecht sinds de verhuizing naar Kloosterveen"
GOAL = "Weer doorslapen tot zeven uur"
OTHER_WORDS, OTHER_GOAL = "Het gaat wel, de buren helpen", "Elke week naar de soos"
DEPENDENT = (Conversation, Answer, DomainAssessment, Goal, Action, ConversationChange)
REFERRAL_TABLES = (Referral, ReferralEvent, Consent, Disclosure)


def _count(tx, table, **where) -> int:
    query = select(func.count()).select_from(table)
    for name, value in where.items():
        query = query.where(getattr(table, name) == value)
    return tx.exec(query).one()


def _client_with_everything(
    db: Database, nurse, offering_id: int, given: str, family: str, tmp_path: Path, own_words: str, goal_text: str
) -> int:
    """A client with a completed, amended conversation (answers, scores, own words, a goal, an
    action), a closed referral with consent, feedback and a handover PDF sent out."""
    with db.transaction() as tx:
        client = create_client(tx, nurse, ClientInput(given, family, "14-02-1961", city="Assen"), now=NOW)
        cid = conv.start_conversation(tx, nurse, client.id, "self-sufficiency", 1, now=NOW).id
        conv.assess_domain(tx, nurse, cid, "finances", score=2, own_words=own_words, notes="nota", now=NOW)
        conv.assess_domain(tx, nurse, cid, "housing", score=3, now=NOW)
        conv.assess_domain(tx, nurse, cid, "social-network", score=2, now=NOW)
        conv.record_answer(tx, nurse, cid, "finances.situation", f"Woont bij {given} thuis", now=NOW)
        goal = conv.add_goal(tx, nurse, cid, goal_text, now=NOW)
        conv.add_action(tx, nurse, cid, "Belt de woningcorporatie", who=given, goal_id=goal.id, now=NOW)
        conv.complete_conversation(tx, nurse, cid, now=NOW)
        referral = create_referral(
            tx,
            nurse,
            client.id,
            offering_id=offering_id,
            question=f"{given} zoekt hulp bij geldzaken",
            urgency="soon",
            feedback_contact="POH 0592 123 456",
            conversation_id=cid,
            now=NOW,
        )
        record_consent(
            tx,
            nurse,
            referral.id,
            ConsentInput(
                "Schuldhulp", ("finances",), True, True, True, "written", NOW.date(), NOW.date() + timedelta(days=300)
            ),
            now=NOW,
        )
        advance_referral(tx, nurse, referral.id, SENT, now=NOW)
    with db.transaction() as tx:
        export_document(tx, nurse, referral.id, HANDOVER_PDF, tmp_path / f"handover-{client.id}.pdf", now=NOW)
    with db.transaction() as tx:
        advance_referral(tx, nurse, referral.id, FEEDBACK, note=f"{given} is geholpen", now=NOW + timedelta(days=9))
        advance_referral(tx, nurse, referral.id, CLOSED, now=NOW + timedelta(days=10))
    with db.transaction() as tx:  # an amendment: the change log holds old and new words
        conv.amend_conversation(tx, nurse, cid, now=NOW + timedelta(days=11))
        conv.assess_domain(
            tx, nurse, cid, "finances", own_words=f"{own_words}, zegt {given}", now=NOW + timedelta(days=11)
        )
        conv.complete_conversation(tx, nurse, cid, now=NOW + timedelta(days=11))
    return client.id


@pytest.fixture
def practice(tmp_path):
    db = Database.open(tmp_path / "plain.sqlite")  # no passphrase: the bytes are readable
    assert not db.encrypted
    with db.transaction() as tx:
        nurse = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
        manager = create_practitioner(tx, "Bram Jansen", Role.PRACTICE_MANAGER, now=NOW)
        organisation = Organisation(name="Schuldhulp Drenthe", created_at=NOW, updated_at=NOW)
        tx.add(organisation)
        tx.flush()
        offering = Offering(
            organisation_id=organisation.id,
            name="Schuldhulpmaatje",
            kind="debt_counselling",
            domain_tags='["money"]',
            contact_function="Coördinator",
            created_at=NOW,
            updated_at=NOW,
        )
        tx.add(offering)
        tx.flush()
        offering_id = offering.id
    erased = _client_with_everything(db, nurse, offering_id, GIVEN, FAMILY, tmp_path, OWN_WORDS, GOAL)
    kept = _client_with_everything(db, nurse, offering_id, "Ron", "Bakker", tmp_path, OTHER_WORDS, OTHER_GOAL)
    yield {"db": db, "nurse": nurse, "manager": manager, "erased": erased, "kept": kept, "path": db.path}
    db.close()


def _bytes_on_disk(path: Path) -> bytes:
    data = path.read_bytes()
    for companion in companion_files(path):
        if companion.exists():
            data += companion.read_bytes()
    return data


def _counts(db: Database, client_id: int) -> dict[str, int]:
    with db.transaction() as tx:
        conversations = [c.id for c in tx.exec(select(Conversation).where(Conversation.client_id == client_id))]
        referrals = [r.id for r in tx.exec(select(Referral).where(Referral.client_id == client_id))]
        counts = {"client": _count(tx, Client, id=client_id)}
        for table in DEPENDENT[1:]:
            counts[table.__tablename__] = sum(_count(tx, table, conversation_id=c) for c in conversations)
        counts["conversation"] = len(conversations)
        counts["referral"] = len(referrals)
        for table in REFERRAL_TABLES[1:]:
            counts[table.__tablename__] = sum(_count(tx, table, referral_id=r) for r in referrals)
    return counts


def test_the_fixture_client_has_something_in_every_table_and_its_name_is_on_disk(practice):
    counts = _counts(practice["db"], practice["erased"])
    assert all(n > 0 for n in counts.values()), counts
    practice["db"].checkpoint()
    data = _bytes_on_disk(practice["path"]).lower()
    assert GIVEN.lower().encode() in data and FAMILY.lower().encode() in data


def test_erasing_removes_every_row_and_leaves_no_bytes_of_the_name(practice):
    db, manager = practice["db"], practice["manager"]
    kept_before = _counts(db, practice["kept"])
    with db.transaction() as tx:
        report = erase_client(tx, manager, practice["erased"])
    assert finish_erasure(db, report) is None  # no other connection: finished on disk at once
    db.close()

    assert report.conversations == 1 and report.referrals == 1
    assert report.consents == 1 and report.disclosures == 1 and report.goals == 1 and report.actions == 1
    assert report.answers == 1 and report.changes >= 1 and report.assessments == 3 and report.referral_events >= 3

    data = _bytes_on_disk(practice["path"])
    for text in (GIVEN, FAMILY, OWN_WORDS, GOAL, f"{GIVEN} is geholpen"):
        assert text.encode("utf-8") not in data, text
        assert text.lower().encode("utf-8") not in data.lower(), text  # the folded search key too
    for text in ("Bakker", OTHER_WORDS, OTHER_GOAL):  # the other client is still there
        assert text.encode("utf-8") in data

    reopened = Database.open(practice["path"])
    try:
        assert all(n == 0 for n in _counts(reopened, practice["erased"]).values())
        assert _counts(reopened, practice["kept"]) == kept_before
        with reopened.transaction() as tx:
            entries = tx.exec(
                select(AuditEntry).where(
                    AuditEntry.action == audit.Action.ERASE, AuditEntry.client_id == practice["erased"]
                )
            ).all()
            assert len(entries) == 1
            entry = entries[0]
            assert entry.practitioner_id == manager.id and entry.outcome == audit.Outcome.SUCCESS
            assert entry.object_type == "client" and entry.object_id == practice["erased"]
            assert "conversations=1" in entry.detail and "consents=1" in entry.detail
            assert all(part.split("=")[1].isdigit() for part in entry.detail.split(";"))  # numbers only
            assert audit.verify_chain(tx).intact
    finally:
        reopened.close()


def test_a_practice_nurse_may_not_erase_and_nothing_is_deleted(practice):
    db, nurse = practice["db"], practice["nurse"]
    before = _counts(db, practice["erased"])
    with pytest.raises(PermissionRefused), db.transaction() as tx:
        erase_client(tx, nurse, practice["erased"])
    assert _counts(db, practice["erased"]) == before
    with db.transaction() as tx:
        last = tx.exec(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
        erased = tx.exec(select(AuditEntry).where(AuditEntry.action == audit.Action.ERASE)).all()
    assert last.outcome == audit.Outcome.REFUSED and last.practitioner_id == nurse.id
    assert last.client_id == practice["erased"]
    assert erased == []


def test_an_unknown_client_is_not_found_and_nothing_changes(practice):
    db, manager = practice["db"], practice["manager"]
    with pytest.raises(NotFoundError), db.transaction() as tx:
        erase_client(tx, manager, 987654)
    assert all(n > 0 for n in _counts(db, practice["erased"]).values())


def test_a_new_client_never_gets_the_id_of_an_erased_one(db, tmp_path):
    """The audit trail keeps entries about an erased client by id: a newcomer must not inherit them."""
    from broadtalk.clients import ClientInput, create_client
    from broadtalk.erasure import erase_client
    from broadtalk.practitioners import Role, create_practitioner

    with db.transaction() as tx:
        nurse = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE)
        manager = create_practitioner(tx, "Mirjam Bos", Role.PRACTICE_MANAGER)
        first = create_client(tx, nurse, ClientInput("Greet", "Visser", "03-03-1942"))
    with db.transaction() as tx:
        erase_client(tx, manager, first.id)
    with db.transaction() as tx:
        second = create_client(tx, nurse, ClientInput("Ron", "Bakker", "01-02-1980"))
    assert second.id != first.id
