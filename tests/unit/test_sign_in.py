"""Signing in: every wrong PIN is counted, also when many are tried at once from many
processes; the lock-out holds; who acts on the command line is always a named practitioner."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from broadtalk import audit, i18n
from broadtalk.errors import InputError, NotFoundError, RefusedError
from broadtalk.practitioners import COMMAND_LINE_KEY, Actor, Role, create_practitioner
from broadtalk.settings import write_setting
from broadtalk.sign_in import (
    MAX_FAILURES,
    SignInNeeded,
    add_account,
    can_sign_in,
    choose_first_secret,
    environment_actor,
    reset_secret,
    sign_in,
    unlock,
)
from broadtalk.store.database import Database, is_encrypted_file
from broadtalk.store.tables import AuditEntry
from broadtalk.workstation import set_up_workstation
from tests.conftest import NOW

PIN = "13579"
ATTEMPTS = 40


def _entries(db: Database, practitioner_id: int) -> list[AuditEntry]:
    with db.transaction() as tx:
        return list(
            tx.exec(select(AuditEntry).where(AuditEntry.practitioner_id == practitioner_id).order_by(AuditEntry.id))
        )


@pytest.fixture(autouse=True)
def english():
    i18n.set_language("en")


@pytest.fixture
def nurse(db) -> Actor:
    with db.transaction() as tx:
        return set_up_workstation(tx, "Anouk de Vries", Role.PRACTICE_NURSE, "De Linde", PIN, now=NOW)


# -- one attempt, one transaction -----------------------------------------------------------------


def test_a_wrong_pin_is_refused_and_its_entry_stays(db, nurse):
    with pytest.raises(RefusedError, match="not right"):
        sign_in(db, nurse.id, "00000")
    failed = [e for e in _entries(db, nurse.id) if e.action == audit.Action.SIGN_IN_FAILED]
    assert [(e.outcome, e.practitioner_name, e.object_id) for e in failed] == [
        (audit.Outcome.FAILED, nurse.name, nurse.id)
    ]
    assert sign_in(db, nurse.id, PIN) == nurse
    assert _entries(db, nurse.id)[-1].action == audit.Action.SIGN_IN


def test_wrong_pins_at_sign_in_and_at_the_lock_count_together_and_lock_the_account(db, nurse):
    for attempt in range(MAX_FAILURES):
        with pytest.raises(RefusedError):
            (sign_in(db, nurse.id, f"0000{attempt}", now=NOW) if attempt % 2 else unlock(db, nurse, "x", now=NOW))
    later = NOW + timedelta(minutes=1)
    for attempt in (lambda: sign_in(db, nurse.id, PIN, now=later), lambda: unlock(db, nurse, PIN, now=later)):
        with pytest.raises(RefusedError, match="wait"):
            attempt()
    refused = [e for e in _entries(db, nurse.id) if e.outcome == audit.Outcome.REFUSED]
    assert [e.detail for e in refused] == ["locked out", "locked out"]
    assert sign_in(db, nurse.id, PIN, now=NOW + timedelta(minutes=6)) == nurse


# -- forty at once --------------------------------------------------------------------------------

#: A raw 256-bit key (SQLCipher's ``x'...'`` form) instead of a passphrase: the file is encrypted
#: the same way, without PBKDF2's 256,000 rounds for every connection, so forty processes open
#: it in seconds on two cores.
RAW_KEY = "x'" + "5A" * 32 + "'"
#: The attempts start within this many seconds of each other. SQLite's busy handler polls for
#: the write lock (every 100 ms once it has waited a while); attempts released at the very same
#: instant poll in step and get the lock once per poll, which would make forty take four seconds
#: of the five that ``busy_timeout`` waits. Spread over one poll they are served as fast as the
#: work allows, and all forty still wait for the lock at the same time.
SPREAD = 0.1


def _try_wrong_pin(path: str, practitioner_id: int, attempt: int, ready, results) -> None:
    """In its own process, with its own Database: wait until all are ready, then one wrong PIN."""
    import random
    import time

    i18n.set_language("en")
    db = Database.open(Path(path), passphrase=RAW_KEY)
    try:
        ready.wait(timeout=120)
        time.sleep(random.Random(attempt).uniform(0, SPREAD))
        try:
            sign_in(db, practitioner_id, f"fout-{attempt:02d}")
        except RefusedError as error:
            results.put(("refused", error.message))
        except Exception as error:  # not counted: the test names it
            results.put(("error", f"{type(error).__name__}: {error}"))
        else:
            results.put(("signed in", ""))
    finally:
        db.close()


@pytest.mark.slow
def test_forty_wrong_pins_at_once_are_all_counted_and_the_account_locks(tmp_path):
    path = tmp_path / "practice.sqlite"
    db = Database.open(path, passphrase=RAW_KEY)
    try:
        with db.transaction() as tx:
            nurse = set_up_workstation(tx, "Anouk de Vries", Role.PRACTICE_NURSE, "De Linde", PIN)
    finally:
        db.close()
    assert is_encrypted_file(path)
    # A fork server started afresh (no Qt, no test threads to inherit) with broadtalk loaded
    # once: the forty processes start quickly.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    ready = context.Barrier(ATTEMPTS)
    results = context.Queue()
    processes = [
        context.Process(target=_try_wrong_pin, args=(str(path), nurse.id, attempt, ready, results))
        for attempt in range(ATTEMPTS)
    ]
    try:
        for process in processes:
            process.start()
        outcomes = [results.get(timeout=180) for _ in processes]
        for process in processes:
            process.join(timeout=60)
            assert process.exitcode == 0
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()

    assert Counter(kind for kind, _message in outcomes) == {"refused": ATTEMPTS}, outcomes
    locked_out = [message for _kind, message in outcomes if "Too many wrong attempts" in message]
    assert len(locked_out) == ATTEMPTS - MAX_FAILURES
    db = Database.open(path, passphrase=RAW_KEY)
    try:
        entries = [e for e in _entries(db, nurse.id) if e.action == audit.Action.SIGN_IN_FAILED]
        # Every attempt is in the trail, none lost: the first MAX_FAILURES were checked (and
        # wrong), every later one was refused unchecked because the account was locked.
        assert len(entries) == ATTEMPTS
        assert [e.outcome for e in entries] == [audit.Outcome.FAILED] * MAX_FAILURES + [audit.Outcome.REFUSED] * (
            ATTEMPTS - MAX_FAILURES
        )
        # The right PIN now waits too.
        with pytest.raises(RefusedError, match="wait"):
            sign_in(db, nurse.id, PIN)
        with db.transaction() as tx:
            assert audit.verify_chain(tx).intact
    finally:
        db.close()


# -- the command line's account of older versions -------------------------------------------------


def test_the_command_line_account_of_an_older_version_can_never_sign_in(db, nurse):
    with db.transaction() as tx:
        manager = create_practitioner(tx, "Mila Manager", Role.PRACTICE_MANAGER)
        old = create_practitioner(tx, "Opdrachtregel", Role.ADMINISTRATOR)
        write_setting(tx, COMMAND_LINE_KEY, str(old.id))
    with db.transaction() as tx:
        assert old.id not in {a.id for a in can_sign_in(tx)}
    with pytest.raises(RefusedError):
        sign_in(db, old.id, "")
    for give_it_a_pin in (
        lambda tx: reset_secret(tx, manager, old.id, "24680"),
        lambda tx: choose_first_secret(tx, old.id, "24680", "24680"),
    ):
        with pytest.raises(RefusedError, match="command line"), db.transaction() as tx:
            give_it_a_pin(tx)
    with pytest.raises(RefusedError):
        sign_in(db, old.id, "24680")


# -- who acts for a command -----------------------------------------------------------------------


class _Prompt:
    def __init__(self, number: str = "", secret: str = ""):
        self.number, self.secret_typed = number, secret
        self.asked: list[str] = []

    def practitioner_number(self, accounts) -> str:
        self.asked.append("number")
        self.offered = [a.id for a in accounts]
        return self.number

    def secret(self) -> str:
        self.asked.append("secret")
        return self.secret_typed


def test_nobody_to_sign_in_as_says_to_set_up_the_practice_first(db):
    with db.transaction() as tx:
        create_practitioner(tx, "Zonder Pincode", Role.PRACTICE_NURSE)
    with pytest.raises(RefusedError, match="set up the practice in the app first") as refused:
        environment_actor(db, {"BROADTALK_USER": "1", "BROADTALK_PIN": PIN})
    assert "demo" in refused.value.message


def test_without_the_variables_and_without_a_prompt_nobody_acts_and_nothing_is_written(db, nurse):
    before = _entries(db, nurse.id)
    for environ in ({}, {"BROADTALK_USER": str(nurse.id)}, {"BROADTALK_PIN": PIN}):
        with pytest.raises(SignInNeeded, match="BROADTALK_USER"):
            environment_actor(db, environ)
    assert _entries(db, nurse.id) == before


def test_the_variables_sign_in_and_what_is_missing_is_asked(db, nurse):
    assert environment_actor(db, {"BROADTALK_USER": f" {nurse.id} ", "BROADTALK_PIN": PIN}) == nurse
    prompt = _Prompt(str(nurse.id), PIN)
    assert environment_actor(db, {}, prompt=prompt) == nurse
    assert prompt.asked == ["number", "secret"] and prompt.offered == [nurse.id]
    prompt = _Prompt(secret=PIN)
    assert environment_actor(db, {"BROADTALK_USER": str(nurse.id)}, prompt=prompt) == nurse
    assert prompt.asked == ["secret"]
    signed = [e for e in _entries(db, nurse.id) if e.action == audit.Action.SIGN_IN]
    assert len(signed) == 3
    with pytest.raises(RefusedError, match="not right"):
        environment_actor(db, {"BROADTALK_USER": str(nurse.id)}, prompt=_Prompt(secret="00000"))
    assert _entries(db, nurse.id)[-1].action == audit.Action.SIGN_IN_FAILED


@pytest.mark.parametrize("typed", ["", "abc", "-3", "0", str(2**64)])
def test_a_bad_practitioner_number_is_refused_before_any_pin_is_asked(db, nurse, typed):
    prompt = _Prompt(typed, PIN)
    with pytest.raises(InputError):
        environment_actor(db, {}, prompt=prompt)
    assert prompt.asked == ["number"]


def test_an_empty_pin_at_the_prompt_is_no_attempt(db, nurse):
    before = _entries(db, nurse.id)
    with pytest.raises(InputError):
        environment_actor(db, {"BROADTALK_USER": str(nurse.id)}, prompt=_Prompt())
    assert _entries(db, nurse.id) == before


def test_an_unknown_number_is_not_found(db, nurse):
    with pytest.raises(NotFoundError):
        environment_actor(db, {"BROADTALK_USER": "999", "BROADTALK_PIN": PIN})


def test_an_account_added_by_a_manager_signs_in_from_the_environment(db, nurse):
    with db.transaction() as tx:
        manager = create_practitioner(tx, "Mila Manager", Role.PRACTICE_MANAGER)
        worker = add_account(tx, manager, "Sanne Bakker", Role.SOCIAL_WORKER, "97531")
    assert environment_actor(db, {"BROADTALK_USER": str(worker.id), "BROADTALK_PIN": "97531"}) == worker
