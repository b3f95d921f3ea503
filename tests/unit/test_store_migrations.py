"""Migrations: the schema they build, upgrading old data with a backup first, and going back."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from broadtalk import client_search
from broadtalk.clients import get_client
from broadtalk.conversations import load_conversation
from broadtalk.practitioners import get_actor
from broadtalk.store import migrations
from broadtalk.store.database import Database
from broadtalk.store.tables import metadata

PREVIOUS = "0001"

#: Rows of every kind a practice has at revision 0001, inserted with plain SQL.
ROWS_0001: dict[str, list[tuple]] = {
    "practitioner": [
        (1, "Anouk de Vries", "practice_nurse", 1, "2025-11-03 08:00:00.000000"),
        (2, "Mehmet Yıldız", "social_worker", 0, "2025-11-03 08:05:00.000000"),
    ],
    "setting": [("practice_name", "Huisartsenpraktijk De Linde")],
    "client": [
        (
            1,
            "H7K-2PQ",
            "Jan",
            "van der",
            "Berg",
            "1951-03-07",
            "111222333",
            "06-00123456",
            "jan@example.org",
            "Lindelaan 4",
            "3511 AB",
            "Utrecht",
            "jan van der berg",
            "berg jan van der",
            "2025-11-04 09:00:00.000000",
            "2025-11-04 09:00:00.000000",
            1,
        ),
        (
            2,
            "X9Z-4MN",
            "Emre",
            "",
            "Çelik",
            "1988-12-24",
            None,
            "",
            "",
            "",
            "",
            "",
            "emre celik",
            "celik emre ",
            "2025-11-05 09:00:00.000000",
            "2025-11-05 09:00:00.000000",
            None,
        ),
    ],
    "conversation": [
        (
            1,
            1,
            1,
            "positive-health",
            1,
            "completed",
            "2025-11-04 09:00:00.000000",
            "2025-11-04 10:00:00.000000",
            "2025-11-04 10:00:00.000000",
            3600,
            "Weer fietsen",
            "2025-12-16",
        ),
        (
            2,
            2,
            2,
            "four-domains",
            1,
            "draft",
            "2025-11-05 09:00:00.000000",
            "2025-11-05 09:30:00.000000",
            None,
            0,
            "",
            None,
        ),
    ],
    "answer": [
        (1, 1, "bodily-functions.work-on", '"yes"', "2025-11-04 09:10:00.000000"),
        (2, 1, "bodily-functions.change", '"Meer bewegen"', "2025-11-04 09:11:00.000000"),
    ],
    "domain_assessment": [
        (1, 1, "bodily-functions", 4, "Slaapt slecht", "Ik ben moe", 1, None, "2025-11-04 09:12:00.000000"),
        (2, 2, "mind", None, "", "", 0, 1, "2025-11-05 09:20:00.000000"),
    ],
    "goal": [(1, 1, "bodily-functions", "Weer naar de markt fietsen", 1, "2025-11-04 09:40:00.000000")],
    "action": [
        (1, 1, 1, "Fietsmaatje zoeken", "Jan", "2025-11-20", 0, 1, "2025-11-04 09:41:00.000000"),
        (2, 1, None, "Bellen met de fysiotherapeut", "POH", None, 1, 2, "2025-11-04 09:42:00.000000"),
    ],
}


#: Rows a later revision adds to a table of 0001: (table, first column).
ADDED_ROWS = {("setting", client_search.KEY_SETTING)}


def _schema_diff(connection: Connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": migrations.compare_type})
    return compare_metadata(context, metadata)


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _dump(path: Path, tables: list[str]) -> dict[str, list[tuple]]:
    """The rows of the 0001 columns; later revisions append columns, which must not disturb these."""
    connection = sqlite3.connect(path)
    try:
        return {
            name: [
                row[: len(ROWS_0001[name][0])]
                for row in connection.execute(f'SELECT * FROM "{name}" ORDER BY 1')
                if (name, row[0]) not in ADDED_ROWS
            ]
            for name in tables
        }
    finally:
        connection.close()


def _revision(path: Path) -> str | None:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        connection.close()


def _database_at_previous_revision(path: Path) -> None:
    """A file as the previous broadtalk release left it: revision 0001 with data in it."""
    database = Database.open(path, migrate=False)
    try:
        migrations.upgrade(database.engine, PREVIOUS)
        with database.engine.begin() as connection:
            for table, rows in ROWS_0001.items():
                marks = ", ".join("?" for _ in rows[0])
                for row in rows:
                    connection.exec_driver_sql(f'INSERT INTO "{table}" VALUES ({marks})', row)
    finally:
        database.close()
    assert _revision(path) == PREVIOUS


def _revisions_oldest_first() -> list[str]:
    script = ScriptDirectory.from_config(migrations.config())
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


# -- the schema -------------------------------------------------------------------------------


def test_there_is_one_linear_history_ending_after_the_previous_revision() -> None:
    script = ScriptDirectory.from_config(migrations.config())
    assert script.get_heads() == [migrations.head_revision()]
    revisions = _revisions_oldest_first()
    assert revisions[0] == PREVIOUS
    assert migrations.head_revision() != PREVIOUS
    assert migrations.is_known(PREVIOUS)
    assert not migrations.is_known("no-such-revision")


def test_upgrading_an_empty_file_gives_exactly_the_schema_of_the_tables(tmp_path: Path) -> None:
    database = Database.open(tmp_path / "fresh.sqlite", migrate=False)
    try:
        with database.engine.connect() as connection:
            assert migrations.current_revision(connection) is None
        migrations.upgrade(database.engine)
        with database.engine.connect() as connection:
            assert migrations.current_revision(connection) == migrations.head_revision()
            assert _schema_diff(connection) == []
            assert _tables(connection) == set(metadata.tables) | {"alembic_version"}
    finally:
        database.close()


def test_a_database_opened_new_has_the_schema_of_the_tables(db: Database) -> None:
    with db.engine.connect() as connection:
        assert _schema_diff(connection) == []


# -- upgrading data ---------------------------------------------------------------------------


def test_opening_a_previous_revision_database_upgrades_it_and_keeps_every_row(tmp_path: Path) -> None:
    path = tmp_path / "practice.sqlite"
    _database_at_previous_revision(path)
    before = _dump(path, list(ROWS_0001))
    assert before == ROWS_0001  # the rows went in as written

    database = Database.open(path)
    try:
        with database.engine.connect() as connection:
            assert migrations.current_revision(connection) == migrations.head_revision()
            assert _schema_diff(connection) == []
        with database.transaction() as tx:  # and the app reads them as before
            nurse = get_actor(tx, 1)
            client = get_client(tx, nurse, 1)
            snapshot = load_conversation(tx, nurse, 1)
    finally:
        database.close()

    assert _dump(path, list(ROWS_0001)) == before
    assert client.name == "Jan van der Berg"
    assert client.birth_date == date(1951, 3, 7)
    assert snapshot.summary.status == "completed"
    assert snapshot.summary.completed_at == datetime(2025, 11, 4, 10, 0, tzinfo=UTC)
    assert snapshot.answers == {"bodily-functions.work-on": "yes", "bodily-functions.change": "Meer bewegen"}
    assert snapshot.assessments["bodily-functions"].score == 4
    assert [a.what for a in snapshot.actions] == ["Fietsmaatje zoeken", "Bellen met de fysiotherapeut"]


def test_opening_a_previous_revision_database_writes_a_backup_of_it_before_migrating(tmp_path: Path) -> None:
    path = tmp_path / "practice.sqlite"
    _database_at_previous_revision(path)
    before = _dump(path, list(ROWS_0001))

    Database.open(path).close()

    backups = sorted((tmp_path / "backups").iterdir())
    assert len(backups) == 1
    backup = backups[0]
    assert backup.suffix == ".sqlite"
    assert backup.name.startswith(f"practice-before-migration-{PREVIOUS}-")
    # Taken before migrating: still at the previous revision, without the newer tables, with all rows.
    assert _revision(backup) == PREVIOUS
    connection = sqlite3.connect(backup)
    try:
        names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        connection.close()
    assert "custom_model" not in names
    assert _dump(backup, list(ROWS_0001)) == before


def test_the_backup_before_migrating_goes_to_the_folder_asked_for(tmp_path: Path) -> None:
    path = tmp_path / "data" / "practice.sqlite"
    path.parent.mkdir()
    _database_at_previous_revision(path)
    elsewhere = tmp_path / "safe" / "place"

    Database.open(path, backup_dir=elsewhere).close()

    assert not (path.parent / "backups").exists()
    backups = list(elsewhere.iterdir())
    assert len(backups) == 1
    assert _revision(backups[0]) == PREVIOUS


def test_opening_an_up_to_date_database_makes_no_backup(tmp_path: Path) -> None:
    path = tmp_path / "practice.sqlite"
    Database.open(path).close()  # new: nothing to back up
    assert not (tmp_path / "backups").exists()

    Database.open(path).close()  # already at head
    Database.open(path).close()

    assert not (tmp_path / "backups").exists()


# -- going back -------------------------------------------------------------------------------


def test_downgrading_to_base_removes_every_table_and_upgrading_rebuilds_the_schema(db: Database) -> None:
    migrations.downgrade(db.engine, "base")
    with db.engine.connect() as connection:
        assert migrations.current_revision(connection) is None
        assert _tables(connection) <= {"alembic_version"}

    migrations.upgrade(db.engine)
    with db.engine.connect() as connection:
        assert migrations.current_revision(connection) == migrations.head_revision()
        assert _schema_diff(connection) == []


@pytest.mark.parametrize("revision", _revisions_oldest_first())
def test_every_revision_can_be_downgraded_and_upgraded_again(db: Database, revision: str) -> None:
    script = ScriptDirectory.from_config(migrations.config())
    below = script.get_revision(revision).down_revision or "base"

    migrations.downgrade(db.engine, below)
    with db.engine.connect() as connection:
        assert migrations.current_revision(connection) == (None if below == "base" else below)

    migrations.upgrade(db.engine, revision)
    with db.engine.connect() as connection:
        assert migrations.current_revision(connection) == revision

    migrations.upgrade(db.engine)
    with db.engine.connect() as connection:
        assert _schema_diff(connection) == []


def test_the_previous_revision_data_survives_a_downgrade_and_upgrade_of_the_newer_revisions(tmp_path: Path) -> None:
    path = tmp_path / "practice.sqlite"
    _database_at_previous_revision(path)
    database = Database.open(path)
    try:
        migrations.downgrade(database.engine, PREVIOUS)
        migrations.upgrade(database.engine)
    finally:
        database.close()

    assert _revision(path) == migrations.head_revision()
    assert _dump(path, list(ROWS_0001)) == ROWS_0001


def test_a_migration_that_fails_halfway_leaves_the_database_as_it_was(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "practice.sqlite"
    _database_at_previous_revision(path)
    before = _dump(path, list(ROWS_0001))
    from alembic import command  # imported by the migrations only when one runs

    real_upgrade = command.upgrade

    def upgrade_then_fail(cfg, target):
        real_upgrade(cfg, target)  # every revision's DDL has run inside the transaction ...
        raise RuntimeError("power cut")  # ... and then the process fails before commit

    monkeypatch.setattr(command, "upgrade", upgrade_then_fail)
    database = Database.open(path, migrate=False)
    try:
        with pytest.raises(RuntimeError):
            migrations.upgrade(database.engine)
    finally:
        database.close()

    assert _revision(path) == PREVIOUS
    assert _dump(path, list(ROWS_0001)) == before
    connection = sqlite3.connect(path)
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        connection.close()
    assert "conversation_change" not in tables
