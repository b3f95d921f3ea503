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
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlmodel import Session

from broadtalk.errors import StoreError
from broadtalk.i18n import _
from broadtalk.store import migrations

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"


def _set_sqlite_pragmas(dbapi_connection, _record) -> None:
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
        engine = create_engine(f"sqlite:///{path}", future=True)
        event.listen(engine, "connect", _set_sqlite_pragmas)
        database = cls(engine, path)
        try:
            if migrate:
                database._migrate(is_new, backup_dir or path.parent / "backups")
        except StoreError:
            engine.dispose()
            raise
        except (DatabaseError, OperationalError) as error:
            engine.dispose()
            log.error("database open failed: %s", type(error).__name__)
            raise StoreError(
                _(
                    "The database {path} cannot be opened; it may be damaged or in use. Close other broadtalk windows, or restore a backup."
                ).format(path=path)
            ) from None
        return database

    def _migrate(self, is_new: bool, backup_dir: Path) -> None:
        with self.engine.connect() as connection:
            current = migrations.current_revision(connection)
        head = migrations.head_revision()
        if current == head:
            return
        if current is not None and not migrations.is_known(current):
            raise StoreError(_("This database was made by a newer version of broadtalk; update broadtalk to open it."))
        if current is None and not is_new and self._has_foreign_tables():
            raise StoreError(
                _("{path} is an SQLite database of another program, not of broadtalk; it was not changed.").format(
                    path=self.path
                )
            )
        if not is_new:
            self.backup_to(backup_dir / self._backup_name(current))
        with self.engine.begin() as connection:
            migrations.upgrade(connection)
        log.info("database migrated from %s to %s", current, head)

    def _has_foreign_tables(self) -> bool:
        with self.engine.connect() as connection:
            names = connection.execute(text("SELECT name FROM sqlite_master WHERE type='table'")).scalars().all()
        return any(not name.startswith("sqlite_") for name in names)

    def _backup_name(self, revision: str | None) -> str:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
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
