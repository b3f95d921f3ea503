"""Issue 14: a client's whole record as one FHIR Bundle (``record export``): everything broadtalk
holds on the client, valid FHIR, nothing of anyone else, and only for a role that reads it all."""

from __future__ import annotations

import json
import os
import stat
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from sqlmodel import select

from broadtalk.demo import generate_demo
from broadtalk.errors import InputError, RefusedError
from broadtalk.interop import fhir
from broadtalk.interop.record import export_record, load_client_file
from broadtalk.interop.record_fhir import record_bundle
from broadtalk.practitioners import Actor, Role, create_practitioner, list_practitioners
from broadtalk.store.database import Database
from broadtalk.store.tables import (
    Action,
    Answer,
    AuditEntry,
    Client,
    Consent,
    Conversation,
    ConversationChange,
    DomainAssessment,
    Goal,
    Referral,
    ReferralEvent,
)
from tests.unit.test_handover_pdf import NOW, Case, cases, fhir_strings, record_case

TODAY = date(2026, 3, 2)


def texts_of(db: Database, client_id: int) -> set[str]:
    """Every piece of text stored about the client, read straight from the tables."""
    found: set[str] = set()
    with db.transaction() as tx:
        client = tx.get(Client, client_id)
        found |= {
            client.given_name,
            client.family_name,
            client.client_number,
            client.phone,
            client.email,
            client.address,
            client.city,
            client.general_practitioner,
            client.bsn or "",
        }
        conversations = tx.exec(select(Conversation).where(Conversation.client_id == client_id)).all()
        ids = [c.id for c in conversations]
        found |= {c.what_matters_most for c in conversations}
        for row in tx.exec(select(Answer).where(Answer.conversation_id.in_(ids))).all():
            value = json.loads(row.value_json)
            if isinstance(value, str) and not value[:4].isdigit():  # dates are written as dates
                found.add(value)
        for row in tx.exec(select(DomainAssessment).where(DomainAssessment.conversation_id.in_(ids))).all():
            found |= {row.notes, row.own_words}
        found |= {g.description for g in tx.exec(select(Goal).where(Goal.conversation_id.in_(ids))).all()}
        for row in tx.exec(select(Action).where(Action.conversation_id.in_(ids))).all():
            found |= {row.what, row.who}
        for row in tx.exec(select(ConversationChange).where(ConversationChange.conversation_id.in_(ids))).all():
            found |= {row.old_value, row.new_value}
        referrals = tx.exec(select(Referral).where(Referral.client_id == client_id)).all()
        for row in referrals:
            found |= {row.reference, row.question, row.recipient, row.feedback_contact, row.contact_preference}
        rids = [r.id for r in referrals]
        found |= {e.note for e in tx.exec(select(ReferralEvent).where(ReferralEvent.referral_id.in_(rids))).all()}
        for row in tx.exec(select(Consent).where(Consent.referral_id.in_(rids))).all():
            found |= {row.purpose, row.withdrawal_note, row.recipient}
    return {cleaned for value in found if (cleaned := fhir.text(value))}


def bundle_text(bundle: dict) -> str:
    return "\n".join(fhir_strings(bundle))


@pytest.fixture
def practice(db: Database) -> Database:
    generate_demo(db, clients=12, seed=5, today=TODAY)
    return db


def _actor(db: Database, role: Role) -> Actor:
    with db.transaction() as tx:
        return next(a for a in sorted(list_practitioners(tx), key=lambda a: a.id) if a.role == role)


def _bundle(db: Database, client_id: int) -> dict:
    with db.transaction() as tx:
        return record_bundle(load_client_file(tx, client_id))


def test_every_demo_record_is_valid_and_holds_everything_about_its_client_and_no_one_else(practice):
    with practice.transaction() as tx:
        clients = [c.id for c in tx.exec(select(Client)).all()]
    everything = {client_id: texts_of(practice, client_id) for client_id in clients}
    for client_id in clients:
        bundle = _bundle(practice, client_id)
        fhir.validate(bundle)
        data = bundle_text(bundle)
        for value in everything[client_id]:
            assert value in data, (client_id, value)
        with practice.transaction() as tx:
            others = {c.client_number for c in tx.exec(select(Client).where(Client.id != client_id)).all()}
        assert not [number for number in others if number in data]
        full_urls = {item["fullUrl"] for item in bundle["entry"]}
        references = [s for s in fhir_strings(bundle) if s.startswith("urn:uuid:")]
        assert set(references) <= full_urls, "every reference resolves inside the Bundle"


def test_the_same_record_gives_the_same_bundle(practice):
    with practice.transaction() as tx:
        client_id = tx.exec(select(Client.id)).first()
    assert _bundle(practice, client_id) == _bundle(practice, client_id)


def test_the_export_is_audited_and_owner_only_and_a_manager_may_not(practice, tmp_path: Path):
    nurse, manager = _actor(practice, Role.PRACTICE_NURSE), _actor(practice, Role.PRACTICE_MANAGER)
    with practice.transaction() as tx:
        client_id = tx.exec(select(Client.id)).first()
    target = tmp_path / "dossier.json"
    with practice.transaction() as tx:
        export_record(tx, nurse, client_id, target, now=NOW)
    fhir.validate(json.loads(target.read_text(encoding="utf-8")))
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    with practice.transaction() as tx:
        entry = tx.exec(select(AuditEntry).where(AuditEntry.detail == "record_fhir")).one()
        assert (entry.action, entry.client_id, entry.practitioner_id) == ("export", client_id, nurse.id)
    with pytest.raises(RefusedError), practice.transaction() as tx:
        export_record(tx, manager, client_id, tmp_path / "manager.json", now=NOW)
    with pytest.raises(InputError, match=r"\.json"), practice.transaction() as tx:
        export_record(tx, nurse, client_id, tmp_path / "dossier.pdf", now=NOW)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("test.sqlite")) == ["dossier.json"]


@pytest.fixture(scope="module")
def case_db(tmp_path_factory: pytest.TempPathFactory):
    db = Database.open(tmp_path_factory.mktemp("records") / "broadtalk.sqlite")
    with db.transaction() as tx:
        actor = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
    yield db, actor
    db.close()


@given(case=cases())
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
def test_a_generated_record_with_hostile_text_is_valid_and_whole(case: Case, case_db):
    db, actor = case_db
    referral_id = record_case(db, actor, case)
    with db.transaction() as tx:
        client_id = tx.get(Referral, referral_id).client_id
    bundle = _bundle(db, client_id)
    fhir.validate(bundle)
    data = bundle_text(bundle)
    for value in texts_of(db, client_id):
        assert value in data, value
