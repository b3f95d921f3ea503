"""The one place that builds engines and sessions.

Everything about how the database is reached lives here: the file (plain SQLite or encrypted
with SQLCipher), the per-connection pragmas, the checks before a file is touched, the
migrations applied at start-up after a backup copy, backups, restores, changing the passphrase
and the transaction helper that wraps every use case.

Every connection goes through ``sqlcipher3`` (SQLite with SQLCipher built in); a database
opened without a passphrase is a plain SQLite file. The passphrase is handed to SQLCipher,
which derives the key from it (PBKDF2-HMAC-SHA512, a random salt kept in the file); it is
held in memory only while the database is open, never written anywhere.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlmodel import Session

from broadtalk.errors import StoreError, keeps_writes
from broadtalk.files import keep_private, private_file, private_folder
from broadtalk.i18n import _
from broadtalk.store import migrations

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
PASSPHRASE_MIN_LENGTH = 8
BACKUP_SUFFIX = ".sqlite"


class PassphraseNeeded(StoreError):
    """The file is encrypted and no passphrase was given."""


class WrongPassphrase(StoreError):
    """The passphrase does not open the file (or the file is damaged beyond telling)."""


class DamagedDatabase(StoreError):
    """The file is not a broadtalk database, or it fails its integrity check."""


# -- files ----------------------------------------------------------------------------------------


def companion_files(path: Path) -> list[Path]:
    """The files SQLite keeps beside a database in WAL mode."""
    return [path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def is_encrypted_file(path: Path) -> bool:
    """True for an existing, non-empty file without the plain SQLite header (an SQLCipher file
    has none: its first page is encrypted, salt included)."""
    try:
        with Path(path).open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError:
        return False
    return bool(header) and header != SQLITE_HEADER


def check_new_passphrase(passphrase: str, repeated: str | None = None) -> str:
    """A passphrase fit to protect client records; raises StoreError saying what to change."""
    if len(passphrase.strip()) < PASSPHRASE_MIN_LENGTH:
        raise StoreError(
            _("The passphrase is too short; use at least {count} characters, for example a few words.").format(
                count=PASSPHRASE_MIN_LENGTH
            )
        )
    if "\x00" in passphrase:
        raise StoreError(_("The passphrase contains a character that cannot be used; type it again."))
    if repeated is not None and repeated != passphrase:
        raise StoreError(_("The two passphrases differ; type the same passphrase twice."))
    return passphrase


def _sql_literal(text: str) -> str:
    # PRAGMA key takes no parameters; a quoted literal is the documented way.
    return "'" + text.replace("'", "''") + "'"


def _connect(path: Path, passphrase: str | None, *, read_only: bool = False) -> sqlcipher.Connection:
    """A raw connection with the key applied before anything is read."""
    if read_only:
        connection = sqlcipher.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    else:
        connection = sqlcipher.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        # SQLCipher writes "hmac check failed" lines to stderr on a wrong key: our message only.
        connection.execute("PRAGMA cipher_log_level = NONE")
        if passphrase is not None:
            connection.execute(f"PRAGMA key = {_sql_literal(passphrase)}")
        # Sorts and temporary tables stay in memory: no plain-text temp files beside the data.
        connection.execute("PRAGMA temp_store = MEMORY")
    except sqlcipher.Error:
        connection.close()
        raise
    return connection


def _set_pragmas(dbapi_connection, _record) -> None:
    # Autocommit at the driver, BEGIN from SQLAlchemy ("begin" event): every transaction,
    # schema changes included, is whole or not at all.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")  # off per connection unless switched on
        # WAL: readers do not block the autosave writer; FULL: a commit survives power loss.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=5000")
        # Deleted records are overwritten, so an erased client leaves no bytes behind.
        cursor.execute("PRAGMA secure_delete=ON")
    finally:
        cursor.close()


def _busy(error: OperationalError) -> bool:
    """SQLite's "database is locked" or "busy": another connection holds the write lock."""
    text = str(getattr(error, "orig", error)).lower()
    return "locked" in text or "busy" in text


_IMMEDIATE = threading.local()


def _begin(connection) -> None:
    # BEGIN IMMEDIATE takes the write lock at once (waiting busy_timeout for it): a use case
    # that reads and then writes on what it read (counting failed sign-ins) is serialised.
    connection.exec_driver_sql("BEGIN IMMEDIATE" if getattr(_IMMEDIATE, "on", False) else "BEGIN")


def _cannot_open(path: Path) -> str:
    return _(
        "The database {path} cannot be opened; it may be damaged or in use. "
        "Close other broadtalk windows, or restore a backup."
    ).format(path=path)


def _not_a_database(path: Path) -> str:
    return _(
        "{path} is not a broadtalk database (it may be damaged or another kind of file). It was not changed; choose another file or restore a backup."
    ).format(path=path)


def _check_readable_file(path: Path) -> None:
    """Refuse, without touching it, a folder, an unreadable file or one that cannot be a database."""
    if path.is_dir():
        raise StoreError(_("{path} is a folder, not a database file; choose a file with --db").format(path=path))
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError as error:
        raise StoreError(
            _("The database {path} cannot be read ({reason}); check the file's permissions").format(
                path=path, reason=error.strerror
            )
        ) from None
    # An SQLCipher file is whole pages of at least 512 bytes; anything else is not ours.
    if header != SQLITE_HEADER and path.stat().st_size % 512:
        raise DamagedDatabase(_not_a_database(path))


@dataclass(frozen=True)
class FileState:
    """What a read-only look at an existing database file found."""

    revision: str | None
    encrypted: bool


def inspect_file(path: Path, passphrase: str | None, *, full_check: bool = True) -> FileState:
    """Look at an existing file without changing a byte of it: is it ours, does the passphrase
    open it, which schema revision, is it intact (``PRAGMA quick_check``)?

    Raises PassphraseNeeded, WrongPassphrase, DamagedDatabase or StoreError, each with a
    message that says what to do next.
    """
    path = Path(path)
    _check_readable_file(path)
    encrypted = is_encrypted_file(path)
    if encrypted and passphrase is None:
        raise PassphraseNeeded(
            _(
                "The database {path} is encrypted, or it is not a database at all; it was not changed. "
                "Give its passphrase (on the command line in the environment variable BROADTALK_PASSPHRASE); "
                "if it has none, choose another file or restore a backup."
            ).format(path=path)
        )
    try:
        connection = _connect(path, passphrase if encrypted else None, read_only=True)
    except sqlcipher.Error:
        raise StoreError(_cannot_open(path)) from None
    try:
        try:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlcipher.DatabaseError:
            if encrypted:
                raise WrongPassphrase(
                    _(
                        "The passphrase does not open {path}. Check it (mind Caps Lock) and try again; "
                        "if it is right, the file is damaged: restore a backup."
                    ).format(path=path)
                ) from None
            raise DamagedDatabase(_not_a_database(path)) from None
        revision = None
        if "alembic_version" in tables:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
        if revision is None and any(not name.startswith("sqlite_") for name in tables):
            raise StoreError(
                _("{path} is an SQLite database of another program, not of broadtalk; it was not changed.").format(
                    path=path
                )
            )
        if revision is not None and not migrations.is_known(revision):
            raise StoreError(_("This database was made by a newer version of broadtalk; update broadtalk to open it."))
        if full_check:
            verdict = connection.execute("PRAGMA quick_check").fetchone()
            if not verdict or verdict[0] != "ok":
                raise DamagedDatabase(
                    _(
                        "The database {path} is damaged (its integrity check failed). It was not changed; "
                        "restore a backup."
                    ).format(path=path)
                )
    except sqlcipher.DatabaseError:
        raise DamagedDatabase(
            _(
                "The database {path} is damaged (its integrity check failed). It was not changed; restore a backup."
            ).format(path=path)
        ) from None
    except sqlcipher.Error:
        raise StoreError(_cannot_open(path)) from None
    finally:
        connection.close()
    return FileState(revision=revision, encrypted=encrypted)


# -- the database -----------------------------------------------------------------------------------


class Database:
    """An open broadtalk database: engine, sessions, transactions, backups."""

    def __init__(self, path: Path, passphrase: str | None):
        self.path = path
        self._passphrase = passphrase
        self.engine = self._make_engine()

    @property
    def encrypted(self) -> bool:
        return self._passphrase is not None

    @property
    def passphrase(self) -> str | None:
        """The passphrase this database was opened with (to reopen it after a restore)."""
        return self._passphrase

    def _make_engine(self) -> Engine:
        path, passphrase = self.path, self._passphrase
        # The URL names the file (so SQLAlchemy pools per file); the creator applies the key.
        engine = create_engine(
            f"sqlite:///{path}", module=sqlcipher, creator=lambda: _connect(path, passphrase), future=True
        )
        event.listen(engine, "connect", _set_pragmas)
        event.listen(engine, "begin", _begin)
        return engine

    # -- opening ------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        passphrase: str | None = None,
        migrate: bool = True,
        backup_dir: Path | None = None,
        full_check: bool = True,
    ) -> Database:
        """Open (creating when absent) the database file and bring its schema up to date.

        A new file is encrypted with ``passphrase`` when one is given, else plain. An existing
        file is first looked at read-only (ours? the right passphrase? intact?) and refused
        untouched when anything is wrong. Before an existing file is migrated, a copy goes to
        ``backup_dir`` (default: a ``backups`` folder beside the file).
        """
        path = Path(path).expanduser()
        is_new = not path.exists() or (path.is_file() and path.stat().st_size == 0)
        if is_new:
            if passphrase is not None:
                check_new_passphrase(passphrase)
            try:
                private_folder(path.parent)
                private_file(path)  # SQLite opens it as it is; its -wal and -shm follow its mode
            except OSError as error:
                raise StoreError(
                    _("The folder {folder} cannot be created ({reason}); choose another place with --db").format(
                        folder=path.parent, reason=error.strerror
                    )
                ) from None
            state = FileState(revision=None, encrypted=passphrase is not None)
        else:
            state = inspect_file(path, passphrase, full_check=full_check)
            for file in (path, *companion_files(path)):
                keep_private(file)  # a file made readable by others (a copy, an old version) is not left so
        database = cls(path, passphrase if state.encrypted else None)
        try:
            if migrate:
                database._migrate(state.revision, is_new, backup_dir or path.parent / "backups")
        except StoreError:
            database.close()
            raise
        except (DatabaseError, OperationalError) as error:
            database.close()
            log.error("database open failed: %s", type(error).__name__)
            raise StoreError(_cannot_open(path)) from None
        return database

    def _migrate(self, current: str | None, is_new: bool, backup_dir: Path) -> None:
        if current == migrations.head_revision():
            return
        if not is_new:
            self.backup_to(backup_dir / self._backup_name(f"before-migration-{current or 'empty'}"))
        migrations.upgrade(self.engine)
        log.info("database migrated from %s to %s", current, migrations.head_revision())

    def _backup_name(self, reason: str) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        return f"{self.path.stem}-{reason}-{stamp}{BACKUP_SUFFIX}"

    # -- using --------------------------------------------------------------------------------

    def session(self) -> Session:
        # Plain objects stay usable after commit; the UI never holds live rows.
        return Session(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self, *, immediate: bool = False) -> Iterator[Session]:
        """One use case, one transaction: committed at the end, rolled back on any error.

        ``immediate`` takes the database's write lock at the start (``BEGIN IMMEDIATE``), so
        a use case that decides on what it read (how many wrong PINs) is never interleaved
        with another process doing the same.

        An error may carry ``record_after_rollback`` (a function of a session): it runs in a
        fresh transaction after the rollback, so a refusal can still be written down. An
        error marked with ``errors.keep_writes`` instead commits what the use case wrote (a
        failed sign-in's entry, in the same transaction that counted the earlier ones) and
        is raised after the commit."""
        try:
            kept: BaseException | None = None
            with self.session() as session, session.begin():
                if immediate:
                    _IMMEDIATE.on = True
                    try:
                        session.connection()  # BEGIN IMMEDIATE now, not at the first statement
                    finally:
                        _IMMEDIATE.on = False
                try:
                    yield session
                except Exception as error:
                    if not keeps_writes(error):
                        raise
                    kept = error  # leave the block normally: the writes are committed
            if kept is not None:
                raise kept
        except OperationalError as error:
            if not _busy(error):
                raise
            # SQLite waited (busy_timeout) for the other writer and gave up: say so plainly.
            log.warning("database busy: another connection kept it locked")
            raise StoreError(
                _("Another broadtalk is using this database right now; wait a moment and try again.")
            ) from None
        except Exception as error:
            write = getattr(error, "record_after_rollback", None)
            if write is not None and not keeps_writes(error):
                with self.session() as session, session.begin():
                    write(session)
            raise

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the main file and empty it."""
        with self.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def close(self) -> None:
        self.engine.dispose()

    # -- backups ------------------------------------------------------------------------------

    def backup_to(self, target: Path) -> Path:
        """A consistent copy (SQLite online backup), encrypted with the same passphrase as this
        database, checked, then put in place atomically."""
        target = Path(target)
        try:
            private_folder(target.parent)
        except OSError as error:
            raise StoreError(
                _("The folder {folder} cannot be created ({reason}); choose another place.").format(
                    folder=target.parent, reason=error.strerror
                )
            ) from None
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        try:
            private_file(partial)
            source = _connect(self.path, self._passphrase)
            try:
                destination = _connect(partial, self._passphrase)
                try:
                    source.backup(destination)
                    destination.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                finally:
                    destination.close()
            finally:
                source.close()
            inspect_file(partial, self._passphrase)
            _fsync(partial)
            partial.replace(target)
        except sqlcipher.Error as error:
            partial.unlink(missing_ok=True)
            log.error("backup failed: %s", type(error).__name__)
            raise StoreError(
                _("The backup to {path} failed; check that there is room on the disk.").format(path=target)
            ) from None
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise StoreError(
                _("The backup cannot be written to {path} ({reason}); choose another place.").format(
                    path=target, reason=error.strerror
                )
            ) from None
        except StoreError:
            partial.unlink(missing_ok=True)
            raise
        return target

    def rotating_backup(self, backup_dir: Path, *, reason: str = "automatic", keep: int = 7) -> Path:
        """A backup in ``backup_dir``; the oldest automatic ones beyond ``keep`` are removed."""
        target = self.backup_to(Path(backup_dir) / self._backup_name(reason))
        ours = sorted(Path(backup_dir).glob(f"{self.path.stem}-{reason}-*{BACKUP_SUFFIX}"))
        for old in ours[:-keep] if keep > 0 else ours:
            old.unlink(missing_ok=True)
        return target

    # -- the passphrase -----------------------------------------------------------------------

    def change_passphrase(self, current: str, new: str) -> None:
        """Re-encrypt the file with a new passphrase (``PRAGMA rekey``); ``current`` must be right."""
        if not self.encrypted:
            raise StoreError(_("This database is not encrypted yet; encrypt it first."))
        if current != self._passphrase:
            raise WrongPassphrase(_("The current passphrase is not right; nothing was changed."))
        check_new_passphrase(new)
        self.engine.dispose()  # pooled connections hold the old key
        connection = _connect(self.path, self._passphrase)
        try:
            connection.execute(f"PRAGMA rekey = {_sql_literal(new)}")
        finally:
            connection.close()
        self._passphrase = new
        self.engine = self._make_engine()
        log.info("database passphrase changed")

    def matches_passphrase(self, passphrase: str) -> bool:
        """True when ``passphrase`` is the one this database was opened with (for unlocking)."""
        import hmac

        return self._passphrase is not None and hmac.compare_digest(
            passphrase.encode("utf-8"), self._passphrase.encode("utf-8")
        )


def _fsync(path: Path) -> None:
    with path.open("rb+") as fh:
        os.fsync(fh.fileno())


def _overwrite(path: Path) -> None:
    """Overwrite a file's bytes with zeros before it goes (best effort: SSDs may keep copies)."""
    with suppress(OSError):
        size = path.stat().st_size
        with path.open("r+b") as fh:
            fh.write(b"\0" * size)
            fh.flush()
            os.fsync(fh.fileno())


def encrypt_database(path: Path, passphrase: str) -> None:
    """Turn a plain database file into an encrypted one in place (``sqlcipher_export``).

    The encrypted copy is made and checked beside the file, then replaces it atomically; the
    plain bytes are overwritten. The database must not be open elsewhere.
    """
    path = Path(path)
    check_new_passphrase(passphrase)
    state = inspect_file(path, None)
    if state.encrypted:
        raise StoreError(_("The database {path} is already encrypted.").format(path=path))
    partial = path.with_name(path.name + ".encrypting")
    partial.unlink(missing_ok=True)
    try:
        source = _connect(path, None)
        try:
            source.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            source.execute(f"ATTACH DATABASE {_sql_literal(str(partial))} AS encrypted KEY {_sql_literal(passphrase)}")
            source.execute("SELECT sqlcipher_export('encrypted')")
            source.execute("DETACH DATABASE encrypted")
        finally:
            source.close()
        inspect_file(partial, passphrase)
        _fsync(partial)
    except sqlcipher.Error as error:
        partial.unlink(missing_ok=True)
        log.error("encryption failed: %s", type(error).__name__)
        raise StoreError(_cannot_open(path)) from None
    except StoreError:
        partial.unlink(missing_ok=True)
        raise
    for companion in companion_files(path):
        _overwrite(companion)
        companion.unlink(missing_ok=True)
    _overwrite(path)
    partial.replace(path)
    log.info("database encrypted")


def restore_backup(backup: Path, target: Path, passphrase: str | None, *, safety_dir: Path) -> Path | None:
    """Replace the database at ``target`` by ``backup`` after checking the backup whole.

    The backup must open with ``passphrase`` (when encrypted), be a broadtalk database no newer
    than this version, and pass its integrity check; otherwise nothing changes. The current
    file first goes to ``safety_dir`` (returned), so a restore can itself be undone. The
    database must be closed everywhere.
    """
    backup, target = Path(backup), Path(target)
    if not backup.is_file():
        raise StoreError(_("There is no backup file {path}; check the name.").format(path=backup))
    state = inspect_file(backup, passphrase)
    if state.revision is None:
        raise DamagedDatabase(_not_a_database(backup))
    safety = None
    if target.exists() and target.stat().st_size > 0:
        current_passphrase = passphrase if is_encrypted_file(target) else None
        try:
            current = Database(target, current_passphrase)
            try:
                safety = current.backup_to(Path(safety_dir) / current._backup_name("before-restore"))
            finally:
                current.close()
        except StoreError:
            # The current file may be the damaged one we are restoring over: keep its bytes.
            safety = Path(safety_dir) / f"{target.stem}-damaged-{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}{BACKUP_SUFFIX}"
            private_folder(safety.parent)
            private_file(safety)
            safety.write_bytes(target.read_bytes())
    partial = target.with_name(target.name + ".restoring")
    partial.unlink(missing_ok=True)
    private_file(partial)
    partial.write_bytes(backup.read_bytes())
    _fsync(partial)
    for companion in companion_files(target):
        companion.unlink(missing_ok=True)
    partial.replace(target)
    log.info("database restored from a backup")
    return safety


_STAMP = re.compile(r"-(\d{8}T\d{6}\d*Z)\.sqlite$")


def list_backups(backup_dir: Path) -> list[Path]:
    """Backup files in ``backup_dir``, newest first."""
    folder = Path(backup_dir)
    if not folder.is_dir():
        return []
    found = [p for p in folder.glob(f"*{BACKUP_SUFFIX}") if p.is_file()]
    return sorted(
        found, key=lambda p: (_STAMP.search(p.name).group(1) if _STAMP.search(p.name) else "", p.name), reverse=True
    )
