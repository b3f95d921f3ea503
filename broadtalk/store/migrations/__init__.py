"""Alembic migrations, run from code at start-up (no alembic.ini needed).

``upgrade`` brings a connection to the newest revision; ``current_revision`` reads where a
database stands. Revisions live in ``versions/``; SQLite needs batch mode to alter tables.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

HERE = Path(__file__).resolve().parent


def config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = connection
    return cfg


@lru_cache(maxsize=1)
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(config())


def head_revision() -> str:
    head = _script().get_current_head()
    assert head is not None
    return head


def is_known(revision: str) -> bool:
    try:
        return _script().get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for unknown ids
        return False


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _without_foreign_keys(engine: Engine, action: Callable[[Connection], None]) -> None:
    """Run migrations in one transaction with foreign keys off.

    SQLite's batch mode rebuilds a table by copy, drop and rename; with foreign keys on, the
    drop would cascade and delete every answer of every conversation. The pragma only takes
    effect outside a transaction, so it is set on the bare connection first. Before commit,
    ``foreign_key_check`` proves the migrated data still hangs together.
    """
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                action(connection)
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left {len(broken)} rows without their parent")
        finally:
            raw.execute("PRAGMA foreign_keys=ON")


def upgrade(engine: Engine, target: str = "head") -> None:
    _without_foreign_keys(engine, lambda connection: command.upgrade(config(connection), target))


def downgrade(engine: Engine, target: str) -> None:
    _without_foreign_keys(engine, lambda connection: command.downgrade(config(connection), target))
