"""Retention periods per record type and the list of records due for review."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from broadtalk import audit, permissions
from broadtalk import conversations as conv
from broadtalk.clients import ClientInput, create_client
from broadtalk.errors import InputError
from broadtalk.permissions import Permission, PermissionRefused
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.referral_steps import CLOSED
from broadtalk.referrals import advance_referral, create_referral
from broadtalk.retention import (
    DEFAULT_YEARS,
    RecordType,
    add_years,
    due_for_review,
    record_type_label,
    retention_periods,
    set_retention_period,
)
from broadtalk.store.tables import AuditEntry, Offering, Organisation

TODAY = date(2026, 3, 2)


def at(year: int, month: int = 6, day: int = 15) -> datetime:
    return datetime(year, month, day, 10, 0, tzinfo=UTC)


@pytest.fixture
def people(db):
    with db.transaction() as tx:
        return {
            "nurse": create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=at(2000)),
            "manager": create_practitioner(tx, "Bram Jansen", Role.PRACTICE_MANAGER, now=at(2000)),
            "admin": create_practitioner(tx, "Carla Smit", Role.ADMINISTRATOR, now=at(2000)),
        }


@pytest.fixture
def practice(db, people):
    """Clients whose last contact lies at different moments, and two ended referrals."""
    nurse = people["nurse"]
    with db.transaction() as tx:
        organisation = Organisation(name="Welzijn Noord", created_at=at(2000), updated_at=at(2000))
        tx.add(organisation)
        tx.flush()
        offering = Offering(
            organisation_id=organisation.id,
            name="Buurtcoach",
            kind="welfare_coach",
            contact_function="Coördinator",
            created_at=at(2000),
            updated_at=at(2000),
        )
        tx.add(offering)
        tx.flush()

        def client(given: str, created: datetime):
            return create_client(tx, nurse, ClientInput(given, "Hoekstra", "01-01-1950"), now=created).id

        only_created = client("Aaltje", at(2001, 1, 10))  # no contact since 2001: due 2021
        talked = client("Berend", at(2001, 1, 10))
        conv.start_conversation(tx, nurse, talked, "four-domains", 1, now=at(2004, 3, 1))  # due 2024
        recent = client("Cor", at(2001, 1, 10))
        conv.start_conversation(tx, nurse, recent, "four-domains", 1, now=at(2015))  # due 2035
        referred = client("Dirk", at(2001, 1, 10))
        closed = create_referral(
            tx,
            nurse,
            referred,
            offering_id=offering.id,
            question="Eenzaamheid",
            urgency="routine",
            feedback_contact="POH",
            now=at(2002),
        ).id
        advance_referral(tx, nurse, closed, CLOSED, now=at(2003, 2, 1))  # referral due 2023; client due 2023
        closed_later = create_referral(
            tx,
            nurse,
            recent,
            offering_id=offering.id,
            question="Dagbesteding",
            urgency="routine",
            feedback_contact="POH",
            now=at(2012),
        ).id
        advance_referral(tx, nurse, closed_later, CLOSED, now=at(2012, 9, 1))  # referral due 2032
        open_referral = create_referral(
            tx,
            nurse,
            only_created,
            offering_id=offering.id,
            question="Nog open",
            urgency="routine",
            feedback_contact="POH",
            now=at(2001, 2, 1),
        ).id
    return {
        "only_created": only_created,
        "talked": talked,
        "recent": recent,
        "referred": referred,
        "closed": closed,
        "closed_later": closed_later,
        "open": open_referral,
    }


def test_the_defaults_are_twenty_years_for_both_record_types(db):
    with db.transaction() as tx:
        assert retention_periods(tx) == {RecordType.CLIENT_RECORD: 20, RecordType.REFERRAL: 20}
    assert DEFAULT_YEARS[RecordType.CLIENT_RECORD] == 20
    assert all(record_type_label(t) for t in RecordType)


def test_a_manager_sets_a_period_and_the_change_is_audited(db, people):
    with db.transaction() as tx:
        set_retention_period(tx, people["manager"], RecordType.REFERRAL, 7)
        set_retention_period(tx, people["admin"], "client_record", 115)
    with db.transaction() as tx:
        assert retention_periods(tx) == {RecordType.CLIENT_RECORD: 115, RecordType.REFERRAL: 7}
        changes = tx.exec(select(AuditEntry).where(AuditEntry.action == audit.Action.CHANGE)).all()
    assert [(e.practitioner_id, e.object_type, e.detail) for e in changes] == [
        (people["manager"].id, "setting", "retention_years_referral=7"),
        (people["admin"].id, "setting", "retention_years_client_record=115"),
    ]


@pytest.mark.parametrize("years", [0, -1, 116, 1000, True, 2.5, "20"])
def test_a_period_outside_1_to_115_whole_years_is_refused(db, people, years):
    with pytest.raises(InputError) as refused, db.transaction() as tx:
        set_retention_period(tx, people["manager"], RecordType.CLIENT_RECORD, years)
    assert "115" in refused.value.message
    with db.transaction() as tx:
        assert retention_periods(tx)[RecordType.CLIENT_RECORD] == 20


def test_an_unknown_record_type_is_refused(db, people):
    with pytest.raises(InputError), db.transaction() as tx:
        set_retention_period(tx, people["manager"], "letters", 10)


def test_a_practice_nurse_may_not_change_periods_or_review(db, people):
    with pytest.raises(PermissionRefused), db.transaction() as tx:
        set_retention_period(tx, people["nurse"], RecordType.CLIENT_RECORD, 5)
    with pytest.raises(PermissionRefused), db.transaction() as tx:
        due_for_review(tx, people["nurse"], TODAY)
    with db.transaction() as tx:
        assert retention_periods(tx)[RecordType.CLIENT_RECORD] == 20
        refused = tx.exec(select(AuditEntry).where(AuditEntry.outcome == audit.Outcome.REFUSED)).all()
    assert [e.object_type for e in refused] == [Permission.MANAGE_SETTINGS.value, Permission.REVIEW_RETENTION.value]


def test_due_items_are_past_their_period_counted_from_the_last_contact_oldest_first(db, people, practice):
    with db.transaction() as tx:
        items = due_for_review(tx, people["manager"], TODAY)
    assert [(i.record_type, i.object_id, i.last_activity, i.due) for i in items] == [
        (RecordType.CLIENT_RECORD, practice["only_created"], date(2001, 2, 1), date(2021, 2, 1)),
        (RecordType.CLIENT_RECORD, practice["referred"], date(2003, 2, 1), date(2023, 2, 1)),
        (RecordType.REFERRAL, practice["closed"], date(2003, 2, 1), date(2023, 2, 1)),
        (RecordType.CLIENT_RECORD, practice["talked"], date(2004, 3, 1), date(2024, 3, 1)),
    ]
    # The open referral of 2001 counts as contact for its client, and is never due itself.
    assert practice["open"] not in [i.object_id for i in items if i.record_type == RecordType.REFERRAL]
    assert items[2].client_id == practice["referred"]
    assert items[0].client_number and items[0].client_name == "Aaltje Hoekstra"


def test_shorter_periods_bring_more_records_due_and_the_day_itself_counts(db, people, practice):
    with db.transaction() as tx:
        set_retention_period(tx, people["manager"], RecordType.CLIENT_RECORD, 10)
        set_retention_period(tx, people["manager"], RecordType.REFERRAL, 1)
    with db.transaction() as tx:
        items = due_for_review(tx, people["manager"], date(2025, 6, 15))
    due = {(i.record_type, i.object_id): i.due for i in items}
    assert due[(RecordType.CLIENT_RECORD, practice["recent"])] == date(2025, 6, 15)  # exactly today
    assert due[(RecordType.REFERRAL, practice["closed_later"])] == date(2013, 9, 1)
    with db.transaction() as tx:
        before = due_for_review(tx, people["manager"], date(2025, 6, 14))
    assert (RecordType.CLIENT_RECORD, practice["recent"]) not in {(i.record_type, i.object_id) for i in before}


def test_looking_at_the_list_is_audited_without_content(db, people, practice):
    with db.transaction() as tx:
        items = due_for_review(tx, people["admin"], TODAY)
    with db.transaction() as tx:
        entry = tx.exec(select(AuditEntry).where(AuditEntry.action == audit.Action.LIST)).one()
    assert (entry.practitioner_id, entry.object_type, entry.detail) == (
        people["admin"].id,
        "retention",
        str(len(items)),
    )
    assert {f.name for f in dataclasses.fields(items[0])} == {
        "record_type",
        "client_id",
        "client_number",
        "client_name",
        "object_id",
        "last_activity",
        "due",
    }


def test_the_name_is_left_out_for_a_role_that_may_not_see_clients(db, people, practice, monkeypatch):
    reviewer_only = permissions.MATRIX[Role.ADMINISTRATOR] - {Permission.VIEW_CLIENTS}
    monkeypatch.setitem(permissions.MATRIX, Role.ADMINISTRATOR, reviewer_only)
    with db.transaction() as tx:
        items = due_for_review(tx, people["admin"], TODAY)
    assert items and all(i.client_name is None and i.client_number for i in items)


def test_add_years_keeps_the_day_and_moves_29_february_to_28():
    assert add_years(date(2004, 2, 29), 20) == date(2024, 2, 29)
    assert add_years(date(2004, 2, 29), 21) == date(2025, 2, 28)
    assert add_years(date(2001, 1, 31), 115) == date(2116, 1, 31)
