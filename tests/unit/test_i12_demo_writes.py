"""Writes the demo makes thousands of times cost no more statements than they need: within one
transaction the audit trail chains each entry to the one written just before it without reading
it back, and a new client's id follows the one created just before it, while the rules stay:
the chain is whole, an id is never one a client ever had, and a trail entry written past
``audit.record`` is never chained over."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event, insert
from sqlmodel import select

from broadtalk import audit
from broadtalk.clients import ClientInput, create_client
from broadtalk.demo import REFERRAL_STORIES, generate_demo
from broadtalk.practitioners import Actor
from broadtalk.store.database import Database
from broadtalk.store.tables import AuditEntry, Client, Conversation
from tests.conftest import NOW


def _client(n: int) -> ClientInput:
    return ClientInput(given_name=f"Jan{n}", family_name="Berg", birth_date=date(1950, 1, 1 + n))


class _Statements:
    """The SQL statements run on the database while counting."""

    def __init__(self, db: Database) -> None:
        self.seen: list[str] = []
        self._engine = db.engine

    def __enter__(self) -> list[str]:
        event.listen(self._engine, "before_cursor_execute", self._note)
        return self.seen

    def __exit__(self, *_exc: object) -> None:
        event.remove(self._engine, "before_cursor_execute", self._note)

    def _note(self, _conn, _cursor, statement, *_args) -> None:
        self.seen.append(" ".join(statement.split()))


def _reads_of_the_last_hash(statements: list[str]) -> int:
    return sum(1 for s in statements if s.startswith("SELECT audit_entry.hash FROM audit_entry ORDER BY"))


def test_entries_of_one_transaction_chain_without_reading_the_last_one_back(db: Database, actor: Actor) -> None:
    with db.transaction() as tx, _Statements(db) as statements:  # up to the commit (the seal reads its own)
        for n in range(5):
            audit.record(tx, actor, audit.Action.VIEW, object_type="client", object_id=n, now=NOW)
    assert _reads_of_the_last_hash(statements) == 1
    with db.transaction() as tx:
        assert audit.verify_chain(tx).intact
    # The next transaction reads it again: another may have written in between.
    with db.transaction() as tx, _Statements(db) as statements:
        audit.record(tx, actor, audit.Action.VIEW, object_type="client", object_id=9, now=NOW)
    assert _reads_of_the_last_hash(statements) == 1


def test_an_entry_written_past_the_use_case_is_never_chained_over(db: Database, actor: Actor) -> None:
    with db.transaction() as tx:
        first = audit.record(tx, actor, audit.Action.VIEW, object_type="client", object_id=1, now=NOW)
    with pytest.raises(RuntimeError), db.transaction() as tx:
        audit.record(tx, actor, audit.Action.VIEW, object_type="client", object_id=2, now=NOW)
        row = {k: v for k, v in first.model_dump().items() if k != "id"}
        tx.connection().execute(insert(AuditEntry.__table__), row | {"prev_hash": "e" * 64, "hash": "f" * 64})
        audit.record(tx, actor, audit.Action.VIEW, object_type="client", object_id=3, now=NOW)
    with db.transaction() as tx:
        assert audit.verify_chain(tx).intact
        assert tx.exec(select(AuditEntry.id)).all() == [first.id]


def test_clients_of_one_transaction_take_the_next_ids_without_reading_the_highest_again(
    db: Database, actor: Actor
) -> None:
    with db.transaction() as tx, _Statements(db) as statements:
        made = [create_client(tx, actor, _client(n), now=NOW).id for n in range(4)]
    assert sum(1 for s in statements if s.startswith("SELECT max(client.id)")) == 1
    assert made == list(range(made[0], made[0] + 4))
    with db.transaction() as tx:
        assert audit.verify_chain(tx).intact
        assert sorted(tx.exec(select(Client.id)).all()) == made


def test_the_demo_writes_the_same_rows_in_fewer_statements(tmp_path: Path) -> None:
    """Not a benchmark: a ceiling on the statements per client, so a read per row creeping back
    in shows up here."""
    db = Database.open(tmp_path / "demo.sqlite")
    try:
        with _Statements(db) as statements:
            generate_demo(db, clients=30, seed=1, today=date(2026, 3, 2))
    finally:
        db.close()
    assert _reads_of_the_last_hash(statements) <= 2 * 10  # once per transaction, and the seal's
    assert sum(1 for s in statements if s.startswith("SELECT max(client.id)")) <= 2


def test_the_demo_holds_no_list_of_all_its_conversations(tmp_path: Path) -> None:
    """Referrals are made from a few conversations spread over every model: only those are
    loaded (a 100,000-client demo has some 180,000; its memory must not grow with them)."""
    loaded: list[int] = []

    def _note(target: Conversation, _context: object) -> None:
        loaded.append(target.id)

    db = Database.open(tmp_path / "demo.sqlite")
    event.listen(Conversation, "load", _note)
    try:
        report = generate_demo(db, clients=150, seed=1, today=date(2026, 3, 2))
    finally:
        event.remove(Conversation, "load", _note)
        db.close()
    # The chosen ones (the use cases reread them), and those a conversation's own step reloads.
    assert 3 * len(REFERRAL_STORIES) <= len(set(loaded)) < report.conversations / 2
