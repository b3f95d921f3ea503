"""The first account of a practice also runs it (``administers``): the administrator's
permissions on top of its role's, never reading conversations for a role that does not; the
practice is never left without someone who can manage its accounts; giving it is in the trail
and is no access notice."""

from __future__ import annotations

import pytest
from sqlmodel import select

from broadtalk import i18n
from broadtalk.access_notices import access_grants_since, acknowledge
from broadtalk.errors import RefusedError
from broadtalk.permissions import MATRIX, Permission, PermissionRefused, allows, permissions_of
from broadtalk.practitioners import Actor, Role, create_practitioner, get_actor, list_practitioners
from broadtalk.sign_in import (
    ADMINISTERS_OFF,
    ADMINISTERS_ON,
    add_account,
    can_sign_in,
    environment_actor,
    reset_secret,
    set_administers,
    sign_in,
)
from broadtalk.store.tables import AuditEntry
from broadtalk.workstation import current_actor, set_up_workstation, update_workstation
from tests.conftest import NOW

PIN = "13579"


@pytest.fixture(autouse=True)
def english():
    i18n.set_language("en")


@pytest.fixture
def nurse(db) -> Actor:
    """The first account of a new practice, set up in the default role (as the welcome does)."""
    with db.transaction() as tx:
        return set_up_workstation(tx, "Anouk de Vries", Role.PRACTICE_NURSE, "De Linde", PIN, now=NOW)


# -- the union of permissions ----------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_an_account_that_administers_has_its_roles_permissions_and_the_administrators(role):
    plain = Actor(1, "A", role)
    runs = Actor(1, "A", role, administers=True)
    assert permissions_of(plain) == MATRIX[role]
    assert permissions_of(runs) == MATRIX[role] | MATRIX[Role.ADMINISTRATOR]
    for permission in Permission:
        assert allows(runs, permission) == (permission in MATRIX[role] or permission in MATRIX[Role.ADMINISTRATOR])


def test_reading_conversations_comes_from_the_care_role_never_from_administering():
    assert allows(Actor(1, "Anouk", Role.PRACTICE_NURSE, administers=True), Permission.VIEW_CONVERSATIONS)
    assert allows(Actor(1, "Anouk", Role.PRACTICE_NURSE, administers=True), Permission.RESTORE)
    for role in (Role.PRACTICE_MANAGER, Role.ADMINISTRATOR):
        runs = Actor(1, "Mila", role, administers=True)
        assert not allows(runs, Permission.VIEW_CONVERSATIONS)
        assert not allows(runs, Permission.HOLD_CONVERSATIONS)
    assert not allows(Actor(1, "Anouk", Role.PRACTICE_NURSE), Permission.RESTORE)


# -- the first account -----------------------------------------------------------------------------


def test_the_first_account_of_a_practice_administers_and_signs_in_so(db, nurse):
    assert nurse.administers
    with db.transaction() as tx:
        assert current_actor(tx).administers
        assert [a.administers for a in can_sign_in(tx)] == [True]
    signed_in = sign_in(db, nurse.id, PIN)
    assert signed_in.administers and allows(signed_in, Permission.MANAGE_PRACTITIONERS)
    # The command line signs in the same way: the actor it gets carries it too.
    actor = environment_actor(db, {"BROADTALK_USER": str(nurse.id), "BROADTALK_PIN": PIN})
    assert actor.administers and allows(actor, Permission.RESTORE)


def test_she_adds_a_colleague_and_sets_the_lock_time(db, nurse):
    from broadtalk.settings import auto_lock_minutes, set_auto_lock_minutes

    with db.transaction() as tx:
        colleague = add_account(tx, nurse, "Els Bakker", Role.SOCIAL_WORKER, "24680")
        assert set_auto_lock_minutes(tx, nurse, 12)
        assert auto_lock_minutes(tx) == 12
    assert not colleague.administers


def test_a_colleague_added_later_does_not_administer_and_may_not_manage(db, nurse):
    with db.transaction() as tx:
        colleague = add_account(tx, nurse, "Els Bakker", Role.PRACTICE_NURSE, "24680")
    with pytest.raises(PermissionRefused), db.transaction() as tx:
        add_account(tx, colleague, "Someone", Role.PRACTICE_NURSE, "11111")


def test_existing_practices_keep_their_administrators_and_nobody_administers(db):
    with db.transaction() as tx:
        admin = create_practitioner(tx, "Sander Kok", Role.ADMINISTRATOR, now=NOW)
        manager = create_practitioner(tx, "Mila Bos", Role.PRACTICE_MANAGER, now=NOW)
        nurse = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
        accounts = list_practitioners(tx)
    assert not any(a.administers for a in accounts)
    assert allows(admin, Permission.RESTORE) and allows(manager, Permission.MANAGE_PRACTITIONERS)
    assert not allows(nurse, Permission.MANAGE_PRACTITIONERS)


# -- giving and taking it away ---------------------------------------------------------------------


def _trail(db, detail: str) -> list[AuditEntry]:
    with db.transaction() as tx:
        return list(tx.exec(select(AuditEntry).where(AuditEntry.detail == detail)))


def test_giving_it_to_a_colleague_is_in_the_trail_and_lets_the_first_give_it_up(db, nurse):
    with db.transaction() as tx:
        els = add_account(tx, nurse, "Els Bakker", Role.SOCIAL_WORKER, "24680")
        els = set_administers(tx, nurse, els.id, True)
    assert els.administers and allows(els, Permission.RESTORE)
    [entry] = _trail(db, ADMINISTERS_ON)
    assert (entry.practitioner_id, entry.object_type, entry.object_id) == (nurse.id, "practitioner", els.id)
    with db.transaction() as tx:
        anouk = set_administers(tx, els, nurse.id, False)
    assert not anouk.administers and not allows(anouk, Permission.RESTORE)
    assert allows(anouk, Permission.VIEW_CONVERSATIONS)  # still a practice nurse
    assert len(_trail(db, ADMINISTERS_OFF)) == 1
    with db.transaction() as tx:
        assert not get_actor(tx, nurse.id).administers


def test_the_last_one_who_can_manage_accounts_cannot_give_it_up(db, nurse):
    before = _trail(db, ADMINISTERS_OFF)
    with pytest.raises(RefusedError, match="only one who can manage"), db.transaction() as tx:
        set_administers(tx, nurse, nurse.id, False)
    with db.transaction() as tx:
        assert get_actor(tx, nurse.id).administers
    assert _trail(db, ADMINISTERS_OFF) == before
    # Nor change her own role so that nobody can: as a practice manager she would still manage.
    with pytest.raises(RefusedError), db.transaction() as tx:
        set_administers(tx, nurse, nurse.id, False)
    with db.transaction() as tx:
        manager = update_workstation(tx, nurse, "Anouk de Vries", Role.PRACTICE_MANAGER, "De Linde")
    assert manager.administers and manager.role == Role.PRACTICE_MANAGER


def test_an_administrator_changing_her_own_role_keeps_someone_who_manages(db):
    with db.transaction() as tx:
        admin = create_practitioner(tx, "Sander Kok", Role.ADMINISTRATOR, now=NOW)
    with pytest.raises(RefusedError, match="only one who can manage"), db.transaction() as tx:
        update_workstation(tx, admin, "Sander Kok", Role.PRACTICE_NURSE, "De Linde")
    with db.transaction() as tx:
        assert get_actor(tx, admin.id).role == Role.ADMINISTRATOR


def test_a_practice_manager_may_neither_give_nor_take_it(db, nurse):
    with db.transaction() as tx:
        mila = add_account(tx, nurse, "Mila Bos", Role.PRACTICE_MANAGER, "24680")
        els = add_account(tx, nurse, "Els Bakker", Role.PRACTICE_NURSE, "11111")
    for target, value in ((els.id, True), (mila.id, True), (nurse.id, False)):
        with pytest.raises(RefusedError, match="Only an administrator"), db.transaction() as tx:
            set_administers(tx, mila, target, value)
    # ... nor set the PIN of someone who manages the practice (she could then sign in as her).
    with pytest.raises(RefusedError, match="also manages the practice"), db.transaction() as tx:
        reset_secret(tx, mila, nurse.id, "99999")
    assert _trail(db, ADMINISTERS_ON) == []


def test_a_care_provider_may_not_give_it(db, nurse):
    with db.transaction() as tx:
        els = add_account(tx, nurse, "Els Bakker", Role.PRACTICE_NURSE, "11111")
    with pytest.raises(PermissionRefused), db.transaction() as tx:
        set_administers(tx, els, els.id, True)


def test_an_administrator_account_is_not_given_it(db, nurse):
    with db.transaction() as tx:
        sander = add_account(tx, nurse, "Sander Kok", Role.ADMINISTRATOR, "11111")
    with pytest.raises(RefusedError, match="change the role instead"), db.transaction() as tx:
        set_administers(tx, nurse, sander.id, True)


def test_giving_it_to_a_care_provider_is_no_access_notice(db, nurse):
    with db.transaction() as tx:
        els = add_account(tx, nurse, "Els Bakker", Role.PRACTICE_NURSE, "11111")
    sign_in(db, els.id, "11111")
    with db.transaction() as tx:
        acknowledge(tx, els, access_grants_since(tx, els))
    with db.transaction() as tx:
        set_administers(tx, nurse, els.id, True)
        mila = add_account(tx, nurse, "Mila Bos", Role.PRACTICE_MANAGER, "24680")
        set_administers(tx, nurse, mila.id, True)
        bram = add_account(tx, nurse, "Bram Kok", Role.SOCIAL_WORKER, "22222")  # this one is a grant
    els = sign_in(db, els.id, "11111")
    with db.transaction() as tx:
        notice = access_grants_since(tx, els)
    # Only the new care account is told: administering, for her or for the manager, gives
    # nobody conversations to read.
    assert [grant.account_id for grant in notice.grants] == [bram.id]
    with db.transaction() as tx:
        assert not allows(get_actor(tx, mila.id), Permission.VIEW_CONVERSATIONS)
