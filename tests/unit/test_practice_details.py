"""The practice's details (address, phone, e-mail, AGB code) and a practitioner's direct line and
e-mail: checked field by field, written only by who may, audited, and nothing written on bad input."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from broadtalk import i18n
from broadtalk.errors import InputError, NotFoundError
from broadtalk.permissions import PermissionRefused
from broadtalk.practitioners import (
    EMAIL,
    PHONE,
    InvalidContact,
    PractitionerContact,
    Role,
    check_email,
    check_phone,
    create_practitioner,
    practitioner_contact,
)
from broadtalk.settings import (
    PRACTICE_ADDRESS,
    PRACTICE_AGB,
    PRACTICE_CITY,
    PRACTICE_EMAIL,
    PRACTICE_NAME,
    PRACTICE_PHONE,
    PRACTICE_POSTAL_CODE,
    InvalidPracticeDetails,
    PracticeDetails,
    check_practice_details,
    practice_details,
    set_practice_details,
    write_setting,
)
from broadtalk.sign_in import set_practitioner_contact
from broadtalk.store.tables import AuditEntry
from tests.conftest import NOW

GOOD = PracticeDetails(
    address="Dorpsstraat 1",
    postal_code="3511ab",
    city="Utrecht",
    phone="030-1234567",
    email="info@delinde.nl",
    agb="0123 4567",
)


@pytest.fixture(autouse=True)
def english() -> None:
    i18n.set_language("en")


def _people(db):
    with db.transaction() as tx:
        return {
            role: create_practitioner(tx, f"Iemand {role.value}", role, now=NOW)
            for role in (Role.PRACTICE_NURSE, Role.SOCIAL_WORKER, Role.PRACTICE_MANAGER, Role.ADMINISTRATOR)
        }


@pytest.fixture
def people(db):
    return _people(db)


def _entries(db, **where) -> list[AuditEntry]:
    with db.transaction() as tx:
        query = select(AuditEntry).order_by(col(AuditEntry.id))
        for name, value in where.items():
            query = query.where(getattr(AuditEntry, name) == value)
        return list(tx.exec(query).all())


def _details(db) -> PracticeDetails:
    with db.transaction() as tx:
        return practice_details(tx)


# -- checking one value ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("030-1234567", "030-1234567"),
        ("  06 1234 5678 ", "06 1234 5678"),
        ("+31 (0)6 1234 5678", "+31 (0)6 1234 5678"),
        ("0031 30 123 4567", "0031 30 123 4567"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_a_phone_number_with_its_area_code_is_kept_as_typed_on_one_line(typed, kept):
    assert check_phone(typed) == kept


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("030-123456", "has 9 digits; a Dutch number has 10 with the area code"),
        ("1", "has 1 digit;"),
        ("tel. 030-1234567", "contains 't'; use only digits, spaces, +, - and brackets"),
        ("030/1234567", "contains '/'"),
        ("030-1234567+1", "has a + that is not in front"),
        ("0031 6 1234 5678 9012 3", "has 18 digits; a phone number has at most 17"),
        ("0" + " 1" * 25, "longer than 40 characters"),
    ],
)
def test_a_bad_phone_number_is_refused_with_what_is_wrong(typed, says):
    with pytest.raises(InputError) as refused:
        check_phone(typed)
    assert says in refused.value.message


@pytest.mark.parametrize("typed", ["anouk@delinde.nl", " a.de-vries@praktijk.delinde.nl ", ""])
def test_an_email_address_with_one_at_and_a_dotted_domain_is_accepted(typed):
    assert check_email(typed) == typed.strip()


@pytest.mark.parametrize(
    "typed", ["anouk", "anouk@delinde", "anouk@@delinde.nl", "a@b@delinde.nl", "anouk de vries@delinde.nl", "a@.nl"]
)
def test_a_bad_email_address_is_refused_with_an_example(typed):
    with pytest.raises(InputError) as refused:
        check_email(typed)
    assert "needs one @ and a domain with a dot, e.g. naam@praktijk.nl" in refused.value.message


def test_a_too_long_email_address_is_refused():
    with pytest.raises(InputError, match="longer than 200 characters"):
        check_email("a" * 195 + "@delinde.nl")


# -- the practice's details -----------------------------------------------------------------------


def test_a_practice_manager_sets_the_details_normalised_and_each_changed_key_is_audited(db, people):
    manager = people[Role.PRACTICE_MANAGER]
    with db.transaction() as tx:
        write_setting(tx, PRACTICE_NAME, "Huisartsenpraktijk De Linde")
        assert set_practice_details(tx, manager, GOOD) is True
    details = _details(db)
    assert details == PracticeDetails(
        name="Huisartsenpraktijk De Linde",
        address="Dorpsstraat 1",
        postal_code="3511 AB",
        city="Utrecht",
        phone="030-1234567",
        email="info@delinde.nl",
        agb="01234567",
    )
    assert details.address_line() == "Dorpsstraat 1, 3511 AB Utrecht"
    entries = _entries(db, object_type="setting")
    assert [e.detail for e in entries] == [
        PRACTICE_ADDRESS,
        PRACTICE_POSTAL_CODE,
        PRACTICE_CITY,
        PRACTICE_PHONE,
        PRACTICE_EMAIL,
        PRACTICE_AGB,
    ]
    assert all(e.action == "change" and e.practitioner_id == manager.id for e in entries)

    # Saving the same again changes nothing and writes nothing; one changed field, one entry.
    with db.transaction() as tx:
        assert set_practice_details(tx, manager, GOOD) is False
        assert set_practice_details(tx, manager, PracticeDetails(**{**GOOD.__dict__, "city": "Zeist"})) is True
    assert [e.detail for e in _entries(db, object_type="setting")][6:] == [PRACTICE_CITY]


def test_an_administrator_may_set_them_and_empty_fields_clear_them(db, people):
    admin = people[Role.ADMINISTRATOR]
    with db.transaction() as tx:
        set_practice_details(tx, admin, GOOD)
        set_practice_details(tx, admin, PracticeDetails(address="Dorpsstraat 1", city="Utrecht"))
    details = _details(db)
    assert (details.postal_code, details.phone, details.email, details.agb) == ("", "", "", "")


def test_the_practice_name_is_not_written_by_the_details(db, people):
    with db.transaction() as tx:
        write_setting(tx, PRACTICE_NAME, "Huisartsenpraktijk De Linde")
        set_practice_details(tx, people[Role.PRACTICE_MANAGER], GOOD)  # GOOD has no name
    assert _details(db).name == "Huisartsenpraktijk De Linde"


@pytest.mark.parametrize("role", [Role.PRACTICE_NURSE, Role.SOCIAL_WORKER])
def test_care_roles_may_not_change_the_details_and_the_refusal_is_audited(db, people, role):
    with pytest.raises(PermissionRefused, match="may not change practice settings"), db.transaction() as tx:
        set_practice_details(tx, people[role], GOOD)
    assert _details(db) == PracticeDetails()
    assert _entries(db, object_type="setting") == []
    (refused,) = _entries(db, outcome="refused")
    assert refused.practitioner_id == people[role].id and refused.object_type == "manage_settings"


def test_a_nurse_saving_the_details_unchanged_needs_no_permission(db, people):
    with db.transaction() as tx:
        set_practice_details(tx, people[Role.PRACTICE_MANAGER], GOOD)
    with db.transaction() as tx:
        assert set_practice_details(tx, people[Role.PRACTICE_NURSE], _details(db)) is False


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("postal_code", "3511", "'3511' is not a Dutch postal code; type four digits and two letters, e.g. 1234 AB."),
        ("postal_code", "0511 AB", "is not a Dutch postal code"),
        ("postal_code", "B-1000", "is not a Dutch postal code"),
        ("agb", "1234567", "The AGB code '1234567' is not 8 digits"),
        ("agb", "123456789", "is not 8 digits"),
        ("agb", "0123456a", "is not 8 digits"),
        ("phone", "030 12 34", "has 7 digits"),
        ("email", "info@delinde", "is not an e-mail address"),
        ("address", "x" * 201, "The address is longer than 200 characters"),
        ("city", "x" * 101, "The city is longer than 100 characters"),
    ],
)
def test_one_bad_field_names_itself_and_nothing_is_written(db, people, field, value, says):
    bad = PracticeDetails(**{**GOOD.__dict__, field: value})
    with pytest.raises(InvalidPracticeDetails) as refused, db.transaction() as tx:
        set_practice_details(tx, people[Role.PRACTICE_MANAGER], bad)
    assert list(refused.value.problems) == [field]
    assert says in refused.value.problems[field]
    assert _details(db) == PracticeDetails()
    assert _entries(db) == []


def test_every_bad_field_is_named_at_once():
    bad = PracticeDetails(postal_code="12", phone="12", email="x", agb="1")
    with pytest.raises(InvalidPracticeDetails) as refused:
        check_practice_details(bad)
    assert set(refused.value.problems) == {"postal_code", "phone", "email", "agb"}


def test_bad_details_are_refused_before_the_role_is_asked(db, people):
    """A nurse typing a bad value hears about the value (nothing is written either way)."""
    with pytest.raises(InvalidPracticeDetails), db.transaction() as tx:
        set_practice_details(tx, people[Role.PRACTICE_NURSE], PracticeDetails(agb="12"))
    assert _entries(db) == []


# -- a practitioner's direct line and e-mail ------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_anyone_sets_their_own_direct_line_and_email_and_it_is_audited(db, people, role):
    me = people[role]
    with db.transaction() as tx:
        contact = set_practitioner_contact(tx, me, me.id, phone=" 030 - 123 4567 ", email="me@delinde.nl ")
    expected = PractitionerContact(me.name, role, "030 - 123 4567", "me@delinde.nl")
    assert contact == expected
    with db.transaction() as tx:
        assert practitioner_contact(tx, me.id) == expected
    (entry,) = _entries(db, object_type="practitioner")
    assert (entry.action, entry.object_id, entry.detail, entry.practitioner_id) == ("change", me.id, "contact", me.id)


def test_unchanged_contact_details_write_no_audit_entry(db, people):
    me = people[Role.SOCIAL_WORKER]
    with db.transaction() as tx:
        set_practitioner_contact(tx, me, me.id, phone="06 12345678", email="")
        set_practitioner_contact(tx, me, me.id, phone="06 12345678", email="")
    assert len(_entries(db, object_type="practitioner")) == 1


@pytest.mark.parametrize("role", [Role.PRACTICE_NURSE, Role.SOCIAL_WORKER])
def test_a_care_role_may_not_set_a_colleagues_contact_details(db, people, role):
    colleague = people[Role.PRACTICE_MANAGER]
    with pytest.raises(PermissionRefused, match="may not manage practitioner accounts"), db.transaction() as tx:
        set_practitioner_contact(tx, people[role], colleague.id, phone="030-1234567", email="")
    with db.transaction() as tx:
        assert practitioner_contact(tx, colleague.id).phone == ""
    assert _entries(db, object_type="practitioner") == []
    (refused,) = _entries(db, outcome="refused")
    assert refused.object_type == "manage_practitioners"


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.PRACTICE_MANAGER])
def test_who_manages_accounts_sets_a_colleagues_contact_details(db, people, role):
    nurse = people[Role.PRACTICE_NURSE]
    with db.transaction() as tx:
        set_practitioner_contact(tx, people[role], nurse.id, phone="030-7654321", email="poh@delinde.nl")
    with db.transaction() as tx:
        assert practitioner_contact(tx, nurse.id).email == "poh@delinde.nl"
    (entry,) = _entries(db, object_type="practitioner")
    assert entry.object_id == nurse.id and entry.practitioner_id == people[role].id


def test_bad_contact_details_name_each_field_and_change_nothing(db, people):
    me = people[Role.PRACTICE_NURSE]
    with db.transaction() as tx:
        set_practitioner_contact(tx, me, me.id, phone="030-1234567", email="me@delinde.nl")
    with pytest.raises(InvalidContact) as refused, db.transaction() as tx:
        set_practitioner_contact(tx, me, me.id, phone="12345", email="me-at-delinde")
    assert set(refused.value.problems) == {PHONE, EMAIL}
    assert "has 5 digits" in refused.value.problems[PHONE]
    # One bad field: the good one is not written either.
    with pytest.raises(InvalidContact) as refused, db.transaction() as tx:
        set_practitioner_contact(tx, me, me.id, phone="06 98765432", email="me-at-delinde")
    assert list(refused.value.problems) == [EMAIL]
    with db.transaction() as tx:
        assert practitioner_contact(tx, me.id) == PractitionerContact(me.name, me.role, "030-1234567", "me@delinde.nl")
    assert len(_entries(db, object_type="practitioner")) == 1


def test_an_unknown_practitioner_is_not_found(db, people):
    admin = people[Role.ADMINISTRATOR]
    with pytest.raises(NotFoundError), db.transaction() as tx:
        practitioner_contact(tx, 9999)
    with pytest.raises(NotFoundError), db.transaction() as tx:
        set_practitioner_contact(tx, admin, 9999, phone="", email="")
