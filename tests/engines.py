"""What the tests need to know of the two engines (the embedded file and a PostgreSQL server):
a whole dump of a database, to prove that a refused change changed nothing, and a way to open
the same database again."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, text

from broadtalk.store.database import Database


def table_names(connection) -> list[str]:
    if connection.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        return [name for (name,) in connection.execute(text(query))]
    return sorted(inspect(connection).get_table_names())


def schema(connection) -> list[tuple[Any, ...]]:
    """Tables, columns, indexes and triggers, in a stable order."""
    if connection.dialect.name == "sqlite":
        return list(connection.execute(text("SELECT type, name, sql FROM sqlite_master ORDER BY name")))
    columns = connection.execute(
        text(
            "SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name, column_name"
        )
    )
    indexes = connection.execute(
        text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname")
    )
    triggers = connection.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname"))
    return [*map(tuple, columns), *map(tuple, indexes), *map(tuple, triggers)]


def dump(db, *, skip: tuple[str, ...] = ("database_seal",)) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table as stored (a server's encrypted texts as cipher text), and the
    schema, in a stable order. ``database_seal`` follows the audit trail by design (store.seal)."""
    with db.engine.connect() as connection:
        out: dict[str, list[tuple[Any, ...]]] = {"schema": schema(connection)}
        for table in table_names(connection):
            if table in skip:
                continue
            rows = connection.exec_driver_sql(f'SELECT * FROM "{table}" ORDER BY 1')
            out[table] = [tuple(row) for row in rows]
    return out


def address(db) -> str:
    """What ``--db`` is given for this database: its file, or the server database's address
    (with its password: a test server's)."""
    if getattr(db, "is_server", False):
        return db.url.render_as_string(hide_password=False)
    return str(db.path)


def command_environment(db) -> dict[str, str]:
    """The variables a command needs besides sign-in to open this database: a server database
    always has the practice's passphrase."""
    return {"BROADTALK_PASSPHRASE": db.passphrase} if getattr(db, "is_server", False) else {}


def reopen(db, **kwargs):
    """The same database opened again (after ``db.close()``): the file, or the server database
    with the same passphrase."""
    if getattr(db, "is_server", False):
        from broadtalk.store.server import ServerDatabase

        return ServerDatabase.open(db.url.render_as_string(hide_password=False), passphrase=db.passphrase, **kwargs)
    return Database.open(db.path, passphrase=db.passphrase, **kwargs)


def drop_audit_triggers(connection) -> None:
    """What someone holding the database (and its key) could do outside broadtalk: remove the
    triggers that keep the audit trail append-only."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("DROP TRIGGER audit_entry_no_update")
        connection.exec_driver_sql("DROP TRIGGER audit_entry_no_delete")
    else:
        connection.exec_driver_sql("DROP FUNCTION audit_entry_append_only() CASCADE")
