"""Issue 12: client search from an index (``client_search_token``), not by scanning every client.

The rules stay what users had (tests/unit/test_clients.py): part of a name word, ignoring case
and accents; the start of the client number from three characters; the birth date typed as a
date; every word must match. Here: that no statement of a search reads every client, that every
path that writes a client keeps the index, that erasure removes the client's rows, and that
revision 0009 builds the index for a database from before it."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select

from broadtalk import client_search, clients
from broadtalk.clients import ClientInput, count_clients, create_client, search_clients, update_client
from broadtalk.erasure import erase_client
from broadtalk.practitioners import Actor, Role, create_practitioner, get_actor
from broadtalk.store import migrations
from broadtalk.store.database import Database
from broadtalk.store.tables import ClientSearchToken
from tests.conftest import NOW
from tests.unit.i12_query_plans import query_plans

PEOPLE = [
    ("Jan", "van der", "Berg", "07-03-1951"),
    ("Anna", "", "Bakker", "12-11-1980"),
    ("Emre", "", "Çelik", "24-12-1988"),
    ("Søren", "", "Ødegård", "01-05-1970"),
    ("Kees", "de", "Vries", "07-03-1951"),
    ("Jan", "", "Bakker", "03-02-1944"),
    ("Maria", "", "Schoonderwoerd-Vermeulen", "09-09-1990"),
]


def _names(records) -> list[str]:
    return [f"{r.given_name} {r.family_name}" for r in records]


@pytest.fixture
def people(db: Database, actor: Actor) -> dict[str, clients.ClientRecord]:
    rng = random.Random(7)
    with db.transaction() as tx:
        return {
            f"{given} {family}": create_client(
                tx, actor, ClientInput(given, family, birth, name_prefix=prefix), now=NOW, rng=rng
            )
            for given, prefix, family, birth in PEOPLE
        }


def _search(db: Database, actor: Actor, text: str) -> list[str]:
    with db.transaction() as tx:
        found = _names(search_clients(tx, actor, text))
        assert count_clients(tx, actor, text) == len(found)
        return found


@pytest.mark.embedded  # about the embedded file (SQLite plans, pages, backups)
@pytest.mark.parametrize("typed", ["berg", "erg", "jan bakker", "07-03-1951", "celik", "zzzq", "schoonderwoerd"])
def test_a_search_reads_the_index_and_never_every_client(
    db: Database, actor: Actor, people: dict[str, clients.ClientRecord], typed: str
) -> None:
    def run() -> None:
        with db.transaction() as tx:
            search_clients(tx, actor, typed, limit=100)
            count_clients(tx, actor, typed)

    plans = query_plans(db, run)

    assert any("client_search_token" in line for line in plans)
    scans = [line for line in plans if line.startswith("SCAN client") and "anon" not in line]
    assert scans == []  # before the index: SCAN client (LIKE '%berg%' on every name)


def test_a_common_word_walks_the_list_order_and_finds_the_same_clients(
    db: Database, actor: Actor, people: dict[str, clients.ClientRecord], monkeypatch: pytest.MonkeyPatch
) -> None:
    sparse = _search(db, actor, "a")
    monkeypatch.setattr(clients, "_walk_the_list", lambda tx, words, limit: True)  # as for common words

    assert _search(db, actor, "a") == sparse
    assert _search(db, actor, "jan bakker") == ["Jan Bakker"]
    assert _search(db, actor, "07-03-1951") == ["Jan Berg", "Kees Vries"]


def test_what_users_could_find_before_they_still_find(
    db: Database, actor: Actor, people: dict[str, clients.ClientRecord]
) -> None:
    assert _search(db, actor, "erg") == ["Jan Berg"]  # a part of a name, not only its start
    assert _search(db, actor, "ODEGARD") == ["Søren Ødegård"]
    assert _search(db, actor, "van der") == ["Jan Berg"]
    assert _search(db, actor, "7-3-1951") == ["Jan Berg", "Kees Vries"]
    number = people["Emre Çelik"].client_number
    assert _search(db, actor, number.lower()) == ["Emre Çelik"]
    assert "Emre Çelik" in _search(db, actor, number[:3])
    assert _search(db, actor, "") == _search(db, actor, "   ")


def test_a_word_longer_than_the_indexed_pieces_is_checked_against_the_name(
    db: Database, actor: Actor, people: dict[str, clients.ClientRecord]
) -> None:
    maria = ["Maria Schoonderwoerd-Vermeulen"]
    assert _search(db, actor, "schoonderwoerd-vermeulen") == maria
    assert _search(db, actor, "derwoerd-verm") == maria
    # The same first 12 letters, then something the name does not hold.
    assert _search(db, actor, "schoonderwoerd-vermeulenx") == []
    assert _search(db, actor, "schoonderwoexyz") == []


def _rows_of(db: Database, client_id: int) -> int:
    with db.transaction() as tx:
        return (
            tx.connection()
            .execute(
                select(func.count()).select_from(ClientSearchToken).where(ClientSearchToken.client_id == client_id)
            )
            .scalar_one()
        )


def test_changing_a_client_changes_what_finds_them(
    db: Database, actor: Actor, people: dict[str, clients.ClientRecord]
) -> None:
    anna = people["Anna Bakker"]
    with db.transaction() as tx:
        update_client(tx, actor, anna.id, ClientInput("Anna", "Yıldız", "13-11-1980"), now=NOW)

    assert _search(db, actor, "yildiz") == ["Anna Yıldız"]
    assert _search(db, actor, "13-11-1980") == ["Anna Yıldız"]
    assert _search(db, actor, "12-11-1980") == []
    assert _search(db, actor, "bakker") == ["Jan Bakker"]


def test_erasing_a_client_removes_their_rows_from_the_index(
    db: Database, actor: Actor, people: dict[str, clients.ClientRecord]
) -> None:
    with db.transaction() as tx:
        manager = create_practitioner(tx, "Joyce van Dijk", Role.PRACTICE_MANAGER, now=NOW)
    berg = people["Jan Berg"]
    assert _rows_of(db, berg.id) > 0

    with db.transaction() as tx:
        erase_client(tx, manager, berg.id)

    assert _rows_of(db, berg.id) == 0
    assert _search(db, actor, "berg") == []


def test_the_rows_hold_no_name_only_keyed_numbers(
    db: Database, actor: Actor, people: dict[str, clients.ClientRecord]
) -> None:
    with db.transaction() as tx:
        tokens = set(tx.connection().execute(select(ClientSearchToken.token)).scalars())
        key = client_search.read_key(tx.connection())
    assert key is not None and len(key) == 32
    assert all(isinstance(token, int) for token in tokens)
    # Another key gives other numbers: without the key a row cannot be matched to a name.
    other = client_search.client_tokens(bytes(32), "jan van der berg", people["Jan Berg"].birth_date, "AAA-AAA")
    assert not other & tokens


# -- revision 0009 on a database from before it ------------------------------------------------


def test_revision_0009_builds_the_index_for_the_clients_already_there(tmp_path: Path) -> None:
    path = tmp_path / "practice.sqlite"
    database = Database.open(path)
    try:
        with database.transaction() as tx:
            nurse = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
            for given, prefix, family, birth in PEOPLE:
                create_client(tx, nurse, ClientInput(given, family, birth, name_prefix=prefix), now=NOW)
        migrations.downgrade(database.engine, "0008")  # as the previous release left it
    finally:
        database.close()
    connection = sqlite3.connect(path)
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "client_search_token" not in tables
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0008"
    finally:
        connection.close()

    database = Database.open(path)  # upgrades to 0009
    try:
        with database.transaction() as tx:
            nurse = get_actor(tx, nurse.id)
        assert _search(database, nurse, "erg") == ["Jan Berg"]
        assert _search(database, nurse, "07-03-1951") == ["Jan Berg", "Kees Vries"]
        assert _search(database, nurse, "jan") == ["Jan Bakker", "Jan Berg"]
        with database.transaction() as tx:
            assert client_search.read_key(tx.connection()) is not None
    finally:
        database.close()


@pytest.mark.embedded  # about the embedded file (SQLite plans, pages, backups)
def test_a_database_whose_key_is_lost_gets_a_new_key_and_its_index_rebuilt(
    db: Database, actor: Actor, people: dict[str, clients.ClientRecord]
) -> None:
    with db.transaction() as tx:
        tx.connection().exec_driver_sql("DELETE FROM setting WHERE key = ?", (client_search.KEY_SETTING,))

    assert _search(db, actor, "berg") == ["Jan Berg"]
    assert _search(db, actor, "bakker") == ["Anna Bakker", "Jan Bakker"]
