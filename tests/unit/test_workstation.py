"""Who works at this computer: first set-up, checks per field, changes, and what counts as set up."""

from __future__ import annotations

import pytest
from sqlmodel import select

from broadtalk import i18n
from broadtalk.errors import NotFoundError, RefusedError
from broadtalk.permissions import PermissionRefused
from broadtalk.practitioners import Actor, Role, create_practitioner, list_practitioners
from broadtalk.settings import PRACTICE_NAME, read_setting
from broadtalk.sign_in import sign_in
from broadtalk.store.tables import AuditEntry, Practitioner
from broadtalk.workstation import (
    NAME,
    PRACTICE,
    ROLE,
    SECRET,
    WORKSTATION_PRACTITIONER,
    InvalidWorkstation,
    current_actor,
    practice_name,
    set_up_workstation,
    update_workstation,
    use_practitioner_here,
    validate_workstation,
)
from tests import engines
from tests.conftest import NOW

PIN = "27183"


def test_a_new_database_has_no_workstation_practitioner(db):
    with db.transaction() as tx:
        assert current_actor(tx) is None
        assert practice_name(tx) == ""


def test_set_up_records_the_practitioner_and_the_practice_and_survives_reopening(db, tmp_path):
    with db.transaction() as tx:
        actor = set_up_workstation(
            tx, "  Fatima   el Amrani ", "social_worker", " Gezondheidscentrum Oost ", PIN, now=NOW
        )
    assert actor.name == "Fatima el Amrani"
    assert actor.role is Role.SOCIAL_WORKER
    db.close()
    again = engines.reopen(db)
    try:
        with again.transaction() as tx:
            assert current_actor(tx) == actor
            assert practice_name(tx) == "Gezondheidscentrum Oost"
            assert read_setting(tx, PRACTICE_NAME) == "Gezondheidscentrum Oost"
            assert read_setting(tx, WORKSTATION_PRACTITIONER) == str(actor.id)
            assert list_practitioners(tx) == [actor]
            row = tx.get(Practitioner, actor.id)
            assert row.secret_hash.startswith("scrypt$") and PIN not in row.secret_hash
            (created,) = tx.exec(select(AuditEntry)).all()
            assert (created.action, created.object_type, created.object_id) == ("create", "practitioner", actor.id)
            assert created.practitioner_id == actor.id
        assert sign_in(again, actor.id, PIN) == actor  # the chosen PIN is the one to sign in with
    finally:
        again.close()


@pytest.mark.parametrize(
    ("name", "role", "practice", "secret", "bad"),
    [
        ("", Role.PRACTICE_NURSE, "De Linde", PIN, {NAME}),
        ("   \t\n", Role.PRACTICE_NURSE, "De Linde", PIN, {NAME}),
        ("x" * 201, Role.PRACTICE_NURSE, "De Linde", PIN, {NAME}),
        ("Anouk", "doctor", "De Linde", PIN, {ROLE}),
        ("Anouk", None, "De Linde", PIN, {ROLE}),
        ("Anouk", Role.PRACTICE_NURSE, "", PIN, {PRACTICE}),
        ("Anouk", Role.PRACTICE_NURSE, "p" * 201, PIN, {PRACTICE}),
        ("Anouk", Role.PRACTICE_NURSE, "De Linde", "1234", {SECRET}),
        ("Anouk", Role.PRACTICE_NURSE, "De Linde", "     ", {SECRET}),
        ("Anouk", Role.PRACTICE_NURSE, "De Linde", "x" * 201, {SECRET}),
        ("", "", "", "", {NAME, ROLE, PRACTICE, SECRET}),
    ],
)
def test_bad_input_names_every_bad_field_and_changes_nothing(db, name, role, practice, secret, bad):
    with pytest.raises(InvalidWorkstation) as raised, db.transaction() as tx:
        set_up_workstation(tx, name, role, practice, secret, now=NOW)
    assert set(raised.value.problems) == bad
    assert all(raised.value.problems.values())
    with db.transaction() as tx:
        assert current_actor(tx) is None
        assert list_practitioners(tx) == []
        assert practice_name(tx) == ""
        assert tx.exec(select(AuditEntry)).all() == []


def test_the_longest_allowed_values_are_accepted():
    values = validate_workstation("n" * 200, "practice_manager", "p" * 200)
    assert (len(values.name), values.role, len(values.practice_name)) == (200, Role.PRACTICE_MANAGER, 200)


def test_messages_are_translated_and_say_which_field(db):
    i18n.set_language("en")
    with pytest.raises(InvalidWorkstation) as raised:
        validate_workstation("", "doctor", "")
    problems = raised.value.problems
    assert "Your name" in problems[NAME]
    assert "doctor" in problems[ROLE] and "Social worker" in problems[ROLE]
    assert "practice name" in problems[PRACTICE]
    assert raised.value.message == " ".join(problems.values())


def test_a_second_set_up_is_refused_so_the_data_keeps_its_owner(db):
    with db.transaction() as tx:
        first = set_up_workstation(tx, "Anouk de Vries", Role.PRACTICE_NURSE, "De Linde", PIN, now=NOW)
    with pytest.raises(RefusedError), db.transaction() as tx:
        set_up_workstation(tx, "Someone Else", Role.ADMINISTRATOR, "Elders", PIN, now=NOW)
    with db.transaction() as tx:
        assert current_actor(tx) == first
        assert practice_name(tx) == "De Linde"


def test_update_renames_changes_the_role_and_the_practice(db):
    with db.transaction() as tx:
        actor = set_up_workstation(tx, "Joyce van Dijk", Role.ADMINISTRATOR, "De Linde", PIN, now=NOW)
    with db.transaction() as tx:
        updated = update_workstation(tx, actor, "Joyce van Dijk-Bakker", "practice_manager", "De Linde en De Eik")
    assert (updated.id, updated.name, updated.role) == (actor.id, "Joyce van Dijk-Bakker", Role.PRACTICE_MANAGER)
    with db.transaction() as tx:
        assert current_actor(tx) == updated
        assert practice_name(tx) == "De Linde en De Eik"
        changes = tx.exec(select(AuditEntry).where(AuditEntry.action == "change")).all()
    assert {(c.object_type, c.detail) for c in changes} == {
        ("practitioner", "role:practice_manager"),
        ("setting", PRACTICE_NAME),
    }


def _colleague_works_here(tx, name: str, role: Role) -> Actor:
    """A colleague of the first account (who also runs the practice), working at this computer:
    she has her role's permissions only."""
    set_up_workstation(tx, "Sander Kok", Role.PRACTICE_NURSE, "De Linde", PIN, now=NOW)
    colleague = create_practitioner(tx, name, role, now=NOW)
    use_practitioner_here(tx, colleague)
    return colleague


def test_a_practice_manager_cannot_make_herself_an_administrator(db):
    with db.transaction() as tx:
        actor = _colleague_works_here(tx, "Joyce van Dijk", Role.PRACTICE_MANAGER)
    with pytest.raises(RefusedError, match="beheerder"), db.transaction() as tx:
        update_workstation(tx, actor, "Joyce van Dijk", Role.ADMINISTRATOR, "De Linde")
    with db.transaction() as tx:
        assert current_actor(tx).role == Role.PRACTICE_MANAGER


def test_a_nurse_renames_herself_but_cannot_change_her_role_or_the_practice(db):
    with db.transaction() as tx:
        actor = _colleague_works_here(tx, "Anouk de Vries", Role.PRACTICE_NURSE)
    with db.transaction() as tx:
        renamed = update_workstation(tx, actor, "Anouk Bakker", Role.PRACTICE_NURSE, "De Linde")
    assert (renamed.name, renamed.role) == ("Anouk Bakker", Role.PRACTICE_NURSE)
    for role, practice in ((Role.ADMINISTRATOR, "De Linde"), (Role.PRACTICE_NURSE, "Elders")):
        with pytest.raises(PermissionRefused), db.transaction() as tx:
            update_workstation(tx, renamed, "Anouk Bakker", role, practice)
    with db.transaction() as tx:
        assert current_actor(tx) == renamed
        assert practice_name(tx) == "De Linde"
        refused = tx.exec(select(AuditEntry).where(AuditEntry.outcome == "refused")).all()
    assert len(refused) == 2


def test_update_with_bad_input_changes_nothing(db):
    with db.transaction() as tx:
        actor = set_up_workstation(tx, "Anouk de Vries", Role.PRACTICE_NURSE, "De Linde", PIN, now=NOW)
    with pytest.raises(InvalidWorkstation) as raised, db.transaction() as tx:
        update_workstation(tx, actor, "Anouk", Role.PRACTICE_NURSE, " ")
    assert set(raised.value.problems) == {PRACTICE}
    with db.transaction() as tx:
        assert current_actor(tx) == actor
        assert practice_name(tx) == "De Linde"


def test_an_inactive_or_missing_workstation_practitioner_means_not_set_up(db):
    with db.transaction() as tx:
        actor = set_up_workstation(tx, "Anouk de Vries", Role.PRACTICE_NURSE, "De Linde", PIN, now=NOW)
    with db.transaction() as tx:
        tx.get(Practitioner, actor.id).active = False
    with db.transaction() as tx:
        assert current_actor(tx) is None
        with pytest.raises(NotFoundError):
            use_practitioner_here(tx, actor)


def test_an_existing_practitioner_can_be_made_the_one_who_works_here(db):
    with db.transaction() as tx:
        sanne = create_practitioner(tx, "Sanne Bakker", Role.PRACTICE_NURSE, now=NOW)
        use_practitioner_here(tx, sanne)
    with db.transaction() as tx:
        assert current_actor(tx) == sanne


def test_the_core_module_does_not_import_qt():
    import subprocess
    import sys

    code = "import sys, broadtalk.workstation; print(any(m.startswith('PySide6') for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
