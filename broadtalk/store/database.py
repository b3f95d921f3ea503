"""The one place that builds engines and sessions.

Everything about how the database is reached lives here: the URL (SQLite file today; SQLCipher
encryption and a PostgreSQL server slot in here alone), the per-connection pragmas, the
migrations applied at start-up after a backup copy, and the transaction helper that wraps
every use case.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlmodel import Session

from broadtalk.errors import StoreError
from broadtalk.i18n import _
from broadtalk.store import migrations

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"


def _set_sqlite_pragmas(dbapi_connection, _record) -> None:
    # The sqlite3 module starts transactions only before DML, so DDL (migrations) would commit
    # statement by statement. Autocommit at the driver, BEGIN from SQLAlchemy ("begin" event):
    # every transaction, schema changes included, is whole or not at all.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        # Foreign keys are off per connection unless switched on.
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL: readers do not block the autosave writer; FULL: a commit survives power loss.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=5000")
    finally:
        cursor.close()


def _begin(connection) -> None:
    connection.exec_driver_sql("BEGIN")


def _check_is_sqlite(path: Path) -> None:
    """Refuse, without touching it, a file that is not an SQLite database."""
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except IsADirectoryError:
        raise StoreError(
            _("{path} is a folder, not a database file; choose a file with --db").format(path=path)
        ) from None
    except OSError as error:
        raise StoreError(
            _("The database {path} cannot be read ({reason}); check the file's permissions").format(
                path=path, reason=error.strerror
            )
        ) from None
    if header and header != SQLITE_HEADER:
        raise StoreError(
            _(
                "{path} is not a broadtalk database (it may be damaged or another kind of file). It was not changed; choose another file or restore a backup."
            ).format(path=path)
        )


def _cannot_open(path: Path) -> str:
    return _(
        "The database {path} cannot be opened; it may be damaged or in use. "
        "Close other broadtalk windows, or restore a backup."
    ).format(path=path)


def _inspect_existing(path: Path) -> str | None:
    """The schema revision of an existing file, read without changing a byte of it.

    Refuses files that are not broadtalk databases (another program's SQLite file, a newer
    broadtalk) before any pragma or migration can touch them.
    """
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        raise StoreError(_cannot_open(path)) from None
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        revision = None
        if "alembic_version" in tables:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
    except sqlite3.Error:
        raise StoreError(_cannot_open(path)) from None
    finally:
        connection.close()
    if revision is None and any(not name.startswith("sqlite_") for name in tables):
        raise StoreError(
            _("{path} is an SQLite database of another program, not of broadtalk; it was not changed.").format(
                path=path
            )
        )
    if revision is not None and not migrations.is_known(revision):
        raise StoreError(_("This database was made by a newer version of broadtalk; update broadtalk to open it."))
    return revision


class Database:
    """An open broadtalk database: engine, sessions, transactions."""

    def __init__(self, engine: Engine, path: Path | None):
        self.engine = engine
        self.path = path

    # -- opening ------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, migrate: bool = True, backup_dir: Path | None = None) -> Database:
        """Open (creating when absent) the database file and bring its schema up to date.

        Before an existing file is migrated, a copy goes to ``backup_dir`` (default: a
        ``backups`` folder beside the file).
        """
        path = Path(path).expanduser()
        is_new = not path.exists() or path.stat().st_size == 0
        if not is_new:
            _check_is_sqlite(path)
        else:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreError(
                    _("The folder {folder} cannot be created ({reason}); choose another place with --db").format(
                        folder=path.parent, reason=error.strerror
                    )
                ) from None
        current = None if is_new else _inspect_existing(path)
        engine = create_engine(f"sqlite:///{path}", future=True)
        event.listen(engine, "connect", _set_sqlite_pragmas)
        event.listen(engine, "begin", _begin)
        database = cls(engine, path)
        try:
            if migrate:
                database._migrate(current, is_new, backup_dir or path.parent / "backups")
        except StoreError:
            engine.dispose()
            raise
        except (DatabaseError, OperationalError) as error:
            engine.dispose()
            log.error("database open failed: %s", type(error).__name__)
            raise StoreError(_cannot_open(path)) from None
        return database

    def _migrate(self, current: str | None, is_new: bool, backup_dir: Path) -> None:
        if current == migrations.head_revision():
            return
        if not is_new:
            self.backup_to(backup_dir / self._backup_name(current))
        migrations.upgrade(self.engine)
        log.info("database migrated from %s to %s", current, migrations.head_revision())

    def _backup_name(self, revision: str | None) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        stem = self.path.stem if self.path else "broadtalk"
        return f"{stem}-before-migration-{revision or 'empty'}-{stamp}.sqlite"

    # -- using --------------------------------------------------------------------------------

    def session(self) -> Session:
        # Plain objects stay usable after commit; the UI never holds live rows.
        return Session(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One use case, one transaction: committed at the end, rolled back on any error."""
        with self.session() as session, session.begin():
            yield session

    def backup_to(self, target: Path) -> Path:
        """A consistent copy of the database (SQLite online backup), written atomically."""
        if self.path is None:
            raise StoreError(_("This database has no file to back up."))
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        source = sqlite3.connect(self.path)
        try:
            destination = sqlite3.connect(partial)
            try:
                source.backup(destination)
            finally:
                destination.close()
        finally:
            source.close()
        partial.replace(target)
        return target

    def close(self) -> None:
        self.engine.dispose()
