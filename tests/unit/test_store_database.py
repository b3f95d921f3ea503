"""The database: opening, pragmas, transactions, refusing files that are not ours, backups."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from broadtalk import i18n
from broadtalk.clients import ClientInput, create_client
from broadtalk.errors import StoreError
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.store import migrations
from broadtalk.store.database import Database
from broadtalk.store.tables import Client, Conversation, Practitioner
from tests import engines

NOW = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)  # as in conftest


def _files_beside(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


def _revision(path: Path) -> str | None:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        connection.close()


def _count(db: Database, table: type) -> int:
    with db.transaction() as tx:
        return tx.exec(select(func.count()).select_from(table)).one()


def _dump(path: Path) -> dict[str, list[tuple]]:
    connection = sqlite3.connect(path)
    try:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {name: connection.execute(f'SELECT * FROM "{name}" ORDER BY 1').fetchall() for name in names}
    finally:
        connection.close()


def _foreign_database(path: Path) -> None:
    """An SQLite database made by some other program: its own tables, no alembic_version."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("CREATE TABLE recipe (id INTEGER PRIMARY KEY, title TEXT NOT NULL)")
        connection.executemany("INSERT INTO recipe (title) VALUES (?)", [("Erwtensoep",), ("Stamppot",)])
        connection.commit()
    finally:
        connection.close()


# -- opening ----------------------------------------------------------------------------------


def test_opening_a_new_path_creates_the_file_and_missing_folders_at_the_head_revision(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "there" / "broadtalk.sqlite"

    database = Database.open(path)
    try:
        assert path.is_file()
        with database.engine.connect() as connection:
            assert migrations.current_revision(connection) == migrations.head_revision()
    finally:
        database.close()
    assert _revision(path) == migrations.head_revision()


def test_an_empty_file_is_treated_as_a_new_database(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite"
    path.write_bytes(b"")

    Database.open(path).close()

    assert _revision(path) == migrations.head_revision()
    assert not (tmp_path / "backups").exists()


@pytest.mark.embedded  # about the embedded file (SQLite plans, pages, backups)
def test_every_connection_has_foreign_keys_on_wal_journal_and_full_synchronous(db: Database) -> None:
    with db.engine.connect() as first, db.engine.connect() as second:
        for connection in (first, second):
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    with db.transaction() as tx:
        connection = tx.connection()
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2


def test_a_conversation_for_a_client_that_does_not_exist_is_refused_by_the_foreign_key(db: Database) -> None:
    with pytest.raises(IntegrityError, match=r"FOREIGN KEY|foreign key"), db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO conversation (client_id, model_id, model_version, status, started_at, updated_at,"
                " duration_seconds, what_matters_most) VALUES (4242, 'positive-health', 1, 'draft',"
                " '2026-03-02 10:30:00', '2026-03-02 10:30:00', 0, '')"
            )
        )

    assert _count(db, Conversation) == 0


# -- transactions -----------------------------------------------------------------------------


def test_transaction_commits_its_work_when_it_ends_normally(db: Database) -> None:
    with db.transaction() as tx:
        actor = create_practitioner(tx, "Sanne Bakker", Role.PRACTICE_NURSE, now=NOW)
        create_client(tx, actor, ClientInput("Jan", "Berg", "07-03-1951", name_prefix="van der"), now=NOW)

    other = engines.reopen(db)
    try:
        with other.transaction() as tx:
            names = tx.exec(select(Client.family_name)).all()
            assert names == ["Berg"]
            assert tx.exec(select(Practitioner.name)).all() == ["Sanne Bakker"]
    finally:
        other.close()


def test_transaction_rolls_back_everything_when_an_exception_escapes(db: Database) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), db.transaction() as tx:
        actor = create_practitioner(tx, "Sanne Bakker", Role.PRACTICE_NURSE, now=NOW)
        create_client(tx, actor, ClientInput("Jan", "Berg", "07-03-1951"), now=NOW)
        create_client(tx, actor, ClientInput("Anna", "Bakker", "01-01-1980"), now=NOW)
        raise Boom

    assert _count(db, Practitioner) == 0
    assert _count(db, Client) == 0


def test_sessions_keep_objects_usable_after_the_transaction(db: Database) -> None:
    with db.transaction() as tx:
        row = Practitioner(name="Mehmet Yıldız", role=Role.SOCIAL_WORKER.value, created_at=NOW)
        tx.add(row)

    # expire_on_commit=False: no lazy reload (and no DetachedInstanceError) after the commit.
    assert row.id is not None
    assert row.name == "Mehmet Yıldız"
    assert row.created_at == NOW
    session = db.session()
    try:
        assert session.expire_on_commit is False
    finally:
        session.close()


# -- refusing what is not a broadtalk database ------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(random.Random(20260302).randbytes(8192), id="random-bytes"),
        pytest.param(b"Naam;Geboortedatum\nJan van der Berg;07-03-1951\n", id="text-file"),
        pytest.param(b"hi", id="tiny-file"),
    ],
)
def test_a_file_that_is_not_a_database_is_refused_and_left_byte_identical(tmp_path: Path, content: bytes) -> None:
    i18n.set_language("en")
    path = tmp_path / "client-list.sqlite"
    path.write_bytes(content)

    with pytest.raises(StoreError) as caught:
        Database.open(path)

    assert "not a broadtalk database" in caught.value.message or "not a database at all" in caught.value.message
    assert "was not changed" in caught.value.message
    assert path.read_bytes() == content
    assert _files_beside(path) == ["client-list.sqlite"]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(random.Random(20260302).randbytes(8192), id="random-bytes"),
        pytest.param(b"Naam;Geboortedatum\nJan van der Berg;07-03-1951\n", id="text-file"),
        pytest.param(b"SQLite format 3\x00" + b"\xff" * 4080, id="broken-sqlite-header"),
    ],
)
def test_a_junk_file_given_a_passphrase_is_refused_and_left_byte_identical(tmp_path: Path, content: bytes) -> None:
    i18n.set_language("en")
    path = tmp_path / "broadtalk.sqlite"
    path.write_bytes(content)

    with pytest.raises(StoreError) as caught:
        Database.open(path, passphrase="correct horse battery")

    assert "restore a backup" in caught.value.message or "another file" in caught.value.message
    assert path.read_bytes() == content
    assert _files_beside(path) == ["broadtalk.sqlite"]


def test_a_folder_is_refused_as_a_database_path(tmp_path: Path) -> None:
    i18n.set_language("en")
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "keep.txt").write_text("do not touch")

    with pytest.raises(StoreError) as caught:
        Database.open(folder)

    assert "is a folder, not a database file" in caught.value.message
    assert sorted(p.name for p in folder.iterdir()) == ["keep.txt"]


def test_an_sqlite_database_of_another_program_is_refused(tmp_path: Path) -> None:
    i18n.set_language("en")
    path = tmp_path / "recipes.sqlite"
    _foreign_database(path)

    with pytest.raises(StoreError) as caught:
        Database.open(path)

    assert "an SQLite database of another program" in caught.value.message
    assert _dump(path) == {"recipe": [(1, "Erwtensoep"), (2, "Stamppot")]}
    assert not (tmp_path / "backups").exists()


def test_an_sqlite_database_of_another_program_is_left_byte_identical(tmp_path: Path) -> None:
    path = tmp_path / "recipes.sqlite"
    _foreign_database(path)
    before = path.read_bytes()

    with pytest.raises(StoreError):
        Database.open(path)

    # The refusal says "it was not changed": not even its journal mode may be switched to WAL.
    assert path.read_bytes() == before
    assert _files_beside(path) == ["recipes.sqlite"]


def test_a_database_of_a_newer_broadtalk_is_refused_with_a_message_to_update(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite"
    Database.open(path).close()
    connection = sqlite3.connect(path)
    connection.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    connection.commit()
    connection.close()
    before = path.read_bytes()
    i18n.set_language("en")

    with pytest.raises(StoreError) as caught:
        Database.open(path)

    assert "newer version of broadtalk" in caught.value.message
    assert "update broadtalk" in caught.value.message
    assert path.read_bytes() == before
    assert _revision(path) == "9999_from_the_future"
    assert not (tmp_path / "backups").exists()


# -- backups ----------------------------------------------------------------------------------


@pytest.mark.embedded  # about the embedded file (SQLite plans, pages, backups)
def test_backup_to_writes_a_consistent_copy_that_opens_with_the_same_rows(db: Database, tmp_path: Path) -> None:
    with db.transaction() as tx:
        actor = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
        for given, family in [("Jan", "Berg"), ("Anna", "Bakker"), ("Emre", "Çelik")]:
            create_client(tx, actor, ClientInput(given, family, date(1970, 5, 17)), now=NOW)

    target = db.backup_to(tmp_path / "copies" / "deeper" / "backup.sqlite")

    assert target == tmp_path / "copies" / "deeper" / "backup.sqlite"
    assert target.is_file()
    assert _files_beside(target) == ["backup.sqlite"]  # no .partial left behind
    check = sqlite3.connect(target)
    assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    check.close()
    assert _dump(target) == _dump(db.path)
    copy = Database.open(target)
    try:
        with copy.transaction() as tx:
            assert sorted(tx.exec(select(Client.family_name)).all()) == ["Bakker", "Berg", "Çelik"]
    finally:
        copy.close()
    assert not (target.parent / "backups").exists()  # it was already at the head revision


@pytest.mark.embedded  # about the embedded file (SQLite plans, pages, backups)
def test_backup_to_copies_only_committed_work(db: Database, tmp_path: Path) -> None:
    with db.transaction() as tx:
        actor = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
        create_client(tx, actor, ClientInput("Jan", "Berg", "07-03-1951"), now=NOW)

    with db.transaction() as tx:
        create_client(tx, actor, ClientInput("Half", "Written", "01-01-1990"), now=NOW)
        tx.flush()
        target = db.backup_to(tmp_path / "mid-transaction.sqlite")

    check = sqlite3.connect(target)
    try:
        assert check.execute("SELECT family_name FROM client").fetchall() == [("Berg",)]
    finally:
        check.close()
