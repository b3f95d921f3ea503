"""Changing one's own PIN or password: a wrong current one counts towards the lock-out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from broadtalk.errors import RefusedError
from broadtalk.practitioners import Role
from broadtalk.sign_in import MAX_FAILURES, set_own_secret, sign_in
from broadtalk.workstation import set_up_workstation
from tests.conftest import NOW

PIN = "13579"


def test_wrong_current_pins_lock_the_account_like_failed_sign_ins(db):
    with db.transaction() as tx:
        nurse = set_up_workstation(tx, "Anouk de Vries", Role.PRACTICE_NURSE, "De Linde", PIN, now=NOW)
    for attempt in range(MAX_FAILURES):
        with pytest.raises(RefusedError, match="huidige pincode"):
            set_own_secret(db, nurse, f"9999{attempt}", "nieuw-24680", "nieuw-24680", now=NOW)
    # Now even the right PIN waits, in this dialog and at sign-in; nothing was changed.
    for attempt in (
        lambda: set_own_secret(db, nurse, PIN, "nieuw-24680", "nieuw-24680", now=NOW + timedelta(minutes=1)),
        lambda: sign_in(db, nurse.id, PIN, now=NOW + timedelta(minutes=1)),
    ):
        with pytest.raises(RefusedError) as refused:
            attempt()
        assert "wacht" in refused.value.message
    assert sign_in(db, nurse.id, PIN, now=NOW + timedelta(minutes=10)).id == nurse.id
    set_own_secret(db, nurse, PIN, "nieuw-24680", "nieuw-24680", now=NOW + timedelta(minutes=10))
    assert sign_in(db, nurse.id, "nieuw-24680", now=NOW + timedelta(minutes=11)).id == nurse.id


def test_a_practice_manager_cannot_choose_an_administrators_pin_and_so_sign_in_as_her(db):
    from broadtalk.errors import RefusedError
    from broadtalk.practitioners import Role, create_practitioner
    from broadtalk.sign_in import reset_secret
    from tests.conftest import NOW

    with db.transaction() as tx:
        manager = create_practitioner(tx, "Mirjam Bos", Role.PRACTICE_MANAGER, now=NOW)
        admin = create_practitioner(tx, "Sander Kok", Role.ADMINISTRATOR, now=NOW)
        nurse = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
    with pytest.raises(RefusedError, match="beheerder"), db.transaction() as tx:
        reset_secret(tx, manager, admin.id, "nieuw-geheim")
    with db.transaction() as tx:
        reset_secret(tx, manager, nurse.id, "nieuw-geheim")  # a care provider's: allowed, and told to them
        reset_secret(tx, admin, admin.id, "nog-een-geheim")
