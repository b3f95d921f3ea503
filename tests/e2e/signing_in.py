"""Practitioners for command-line tests. Every command that opens a database acts as a named
practitioner who signs in with their PIN (``BROADTALK_USER`` and ``BROADTALK_PIN``); these
helpers make a practice with someone of every role and give the variables to sign in with."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from broadtalk.demo import DEMO_SECRET, generate_demo
from broadtalk.practitioners import Actor, Role, create_practitioner, list_practitioners
from broadtalk.sign_in import PIN_VARIABLE, USER_VARIABLE, hash_secret
from broadtalk.store.database import Database
from broadtalk.store.tables import Practitioner

ADMINISTRATOR_NAME = "Bram Beheerder"


def add_account_with_pin(db: Database, name: str, role: Role, pin: str) -> Actor:
    """A practitioner who can sign in (set up directly, as a test fixture; the app's own way is
    ``sign_in.add_account`` by a manager or administrator)."""
    with db.transaction() as tx:
        actor = create_practitioner(tx, name, role)
        row = tx.get(Practitioner, actor.id)
        assert row is not None
        row.secret_hash = hash_secret(pin)
        tx.add(row)
    return actor


def practitioner_numbers(db: Database) -> dict[Role, int]:
    """The first practitioner of each role (by number)."""
    numbers: dict[Role, int] = {}
    with db.transaction() as tx:
        for actor in sorted(list_practitioners(tx), key=lambda a: a.id):
            numbers.setdefault(actor.role, actor.id)
    return numbers


def demo_practice(
    path: Path, passphrase: str | None, *, clients: int = 3, seed: int = 1, today: date | None = None
) -> dict[Role, int]:
    """A demo practice (nurses, a social worker, a practice manager) with an administrator
    added, every one with the demo PIN: the practitioner number per role."""
    db = Database.open(path, passphrase=passphrase)
    try:
        generate_demo(db, clients=clients, seed=seed, today=today or date(2026, 6, 1))
        add_account_with_pin(db, ADMINISTRATOR_NAME, Role.ADMINISTRATOR, DEMO_SECRET)
        return practitioner_numbers(db)
    finally:
        db.close()


def add_administrator(path: Path, passphrase: str | None, pin: str = DEMO_SECRET) -> int:
    """An administrator in an existing database (a demo has none): their practitioner number."""
    db = Database.open(path, passphrase=passphrase)
    try:
        return add_account_with_pin(db, ADMINISTRATOR_NAME, Role.ADMINISTRATOR, pin).id
    finally:
        db.close()


def signed_in(number: int, pin: str = DEMO_SECRET) -> dict[str, str]:
    """The environment variables a command signs in with."""
    return {USER_VARIABLE: str(number), PIN_VARIABLE: pin}
