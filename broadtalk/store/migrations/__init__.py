"""Alembic migrations, run from code at start-up (no alembic.ini needed).

``upgrade`` brings a connection to the newest revision; ``current_revision`` reads where a
database stands. Revisions live in ``versions/``; SQLite needs batch mode to alter tables.

Alembic is imported only when a migration runs (or a revision is not one of ours): every start
asks ``head_revision`` and ``is_known``, which read the revision ids from the files' own lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy.engine import Connection, Engine

HERE = Path(__file__).resolve().parent
_REVISION = re.compile(r"^revision(?:\s*:\s*str)?\s*=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN = re.compile(r"^down_revision(?:\s*:[^=]+)?\s*=\s*(.+)$", re.MULTILINE)


def config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = connection
    return cfg


@lru_cache(maxsize=1)
def _script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(config())


@lru_cache(maxsize=1)
def _revisions() -> tuple[frozenset[str], str | None]:
    """The revision ids in ``versions/`` and the one head, read from the files' lines (no
    alembic); the head is None when the files do not make one straight line."""
    known: set[str] = set()
    below: set[str] = set()
    for path in (HERE / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        found = _REVISION.search(text)
        if found is None:
            return frozenset(), None  # a file of another shape: alembic decides
        known.add(found.group(1))
        down = _DOWN.search(text)
        below.update(re.findall(r"[\"']([^\"']+)[\"']", down.group(1)) if down else [])
    heads = known - below
    return frozenset(known), next(iter(heads)) if len(heads) == 1 else None


def head_revision() -> str:
    head = _revisions()[1] or _script().get_current_head()
    assert head is not None
    return head


def is_known(revision: str) -> bool:
    if revision in _revisions()[0]:
        return True
    try:
        return _script().get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for unknown ids
        return False


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (read straight from ``alembic_version``: importing
    alembic costs every command and every start a tenth of a second); alembic decides only
    when the table does not hold exactly one row."""
    from sqlalchemy import inspect, text

    if not inspect(connection).has_table("alembic_version"):
        return None
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    if len(rows) == 1:
        return rows[0][0]
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _without_foreign_keys(engine: Engine, action: Callable[[Connection], None]) -> None:
    """Run migrations in one transaction with foreign keys off.

    SQLite's batch mode rebuilds a table by copy, drop and rename; with foreign keys on, the
    drop would cascade and delete every answer of every conversation. The pragma only takes
    effect outside a transaction, so it is set on the bare connection first. Before commit,
    ``foreign_key_check`` proves the migrated data still hangs together. (On PostgreSQL the
    revisions run as they are, in one transaction.)
    """
    if engine.dialect.name != "sqlite":
        # PostgreSQL alters tables in place and runs DDL in the transaction: nothing to switch off.
        with engine.begin() as connection:
            action(connection)
        return
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
    from alembic import command

    _without_foreign_keys(engine, lambda connection: command.upgrade(config(connection), target))


def downgrade(engine: Engine, target: str) -> None:
    from alembic import command

    _without_foreign_keys(engine, lambda connection: command.downgrade(config(connection), target))


def upgrade_connection(connection: Connection, target: str = "head") -> None:
    """Bring a server database up to date on ``connection``, in one transaction (PostgreSQL
    runs its DDL transactionally: a failed revision leaves nothing half-done)."""
    from alembic import command

    with connection.begin():
        command.upgrade(config(connection), target)


def compare_type(_context, _inspected_column, _metadata_column, inspected_type, metadata_type) -> bool | None:
    """Alembic's type comparison, knowing ``SecretText``: on a server it is unlimited text (its
    length is the text's, checked by broadtalk, not the cipher text's); elsewhere Alembic's own."""
    from sqlalchemy import Text

    from broadtalk.store.tables import SecretText

    if isinstance(metadata_type, SecretText) and _context.dialect.name == "postgresql":
        return not isinstance(inspected_type, Text)
    return None
