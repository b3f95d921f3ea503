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

import hashlib
import logging
import os
import re
import stat
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlmodel import Session

from broadtalk.errors import StoreError, keeps_writes, os_reason
from broadtalk.files import keep_private, private_file, private_folder
from broadtalk.i18n import _
from broadtalk.store import integrity, migrations, seal
from broadtalk.store.lock import DatabaseLock

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


def refuse_what_is_no_file(path: Path) -> None:
    """A folder, a device, a pipe or a socket is never taken for a database file: reading a pipe
    waits for ever, and SQLite would write beside a device (and an open would take its
    permissions away). Absent or unreadable: said where the file is opened."""
    try:
        mode = Path(path).stat().st_mode
    except OSError:
        return
    if stat.S_ISDIR(mode):
        raise StoreError(_("{path} is a folder, not a database file; choose a file with --db").format(path=path))
    if not stat.S_ISREG(mode):
        raise StoreError(
            _(
                "{path} is not an ordinary file (a device or a pipe), so it is no database; choose a file with --db"
            ).format(path=path)
        )


def is_encrypted_file(path: Path) -> bool:
    """True for an existing, non-empty file without the plain SQLite header (an SQLCipher file
    has none: its first page is encrypted, salt included)."""
    if not Path(path).is_file():
        return False  # a pipe is never read here (it would wait for ever)
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


#: SQLCipher 4's key derivation, which every broadtalk file uses: PBKDF2-HMAC-SHA512 over the
#: passphrase and the 16-byte salt at the start of the file, 256,000 rounds, a 32-byte key.
KDF_ROUNDS, SALT_BYTES, KEY_BYTES = 256_000, 16, 32


def derive_key(path: Path, passphrase: str) -> str | None:
    """The key SQLCipher derives from ``passphrase`` for the existing file at ``path``, as a raw
    key literal: derived once when the database is opened, so that each further connection to
    the file (the engine's, a backup's) does not spend the derivation's tenth of a second again.
    None when the file has no salt to read. Kept in memory only, like the passphrase."""
    try:
        with Path(path).open("rb") as fh:
            salt = fh.read(SALT_BYTES)
    except OSError:
        return None
    if len(salt) < SALT_BYTES:
        return None
    key = hashlib.pbkdf2_hmac("sha512", passphrase.encode("utf-8"), salt, KDF_ROUNDS, KEY_BYTES)
    return f"x'{key.hex()}'"


def _connect(
    path: Path, passphrase: str | None, *, read_only: bool = False, raw_key: str | None = None
) -> sqlcipher.Connection:
    """A raw connection with the key applied before anything is read (``raw_key``: from
    ``derive_key``, for the existing file it was derived for; never for a new file)."""
    if read_only:
        connection = sqlcipher.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    else:
        connection = sqlcipher.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        # SQLCipher writes "hmac check failed" lines to stderr on a wrong key: our message only.
        connection.execute("PRAGMA cipher_log_level = NONE")
        if raw_key is not None:
            connection.execute(f'PRAGMA key = "{raw_key}"')
        elif passphrase is not None:
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
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # Deleted records are overwritten, so an erased client leaves no bytes behind.
        cursor.execute("PRAGMA secure_delete=ON")
    finally:
        cursor.close()


def _set_read_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None
    dbapi_connection.execute("PRAGMA busy_timeout=5000")


def _busy(error: OperationalError) -> bool:
    """SQLite's "database is locked" or "busy": another connection holds the write lock."""
    text = str(getattr(error, "orig", error)).lower()
    return "locked" in text or "busy" in text


_IMMEDIATE = threading.local()
BUSY_TIMEOUT_MS = 5000
IMMEDIATE_WAIT_MS = 60_000


def _begin(connection) -> None:
    # BEGIN IMMEDIATE takes the write lock at once (waiting busy_timeout for it): a use case
    # that reads and then writes on what it read (counting failed sign-ins) is serialised.
    if getattr(_IMMEDIATE, "on", False):
        # Sign-ins released at the same moment queue up for the lock: they wait longer than a
        # plain write would, so that none is turned away (and so none goes uncounted).
        connection.exec_driver_sql(f"PRAGMA busy_timeout={IMMEDIATE_WAIT_MS}")
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    else:
        connection.exec_driver_sql("BEGIN")


def _cannot_open(path: Path) -> str:
    return _(
        "The database {path} cannot be opened; it may be damaged or in use. "
        "Close other broadtalk windows, or restore a backup."
    ).format(path=path)


def _damaged(path: Path) -> str:
    return _(
        "The database {path} is damaged (its integrity check failed). It was not changed; restore a backup."
    ).format(path=path)


def _is_damage(error: BaseException) -> bool:
    """SQLite met a page it cannot read: a damaged file ("malformed", or a page whose
    SQLCipher checksum fails, "not a database"), not a busy or missing one."""
    text = str(getattr(error, "orig", error)).lower()
    return "malformed" in text or "not a database" in text or "corrupt" in text


def _not_a_database(path: Path) -> str:
    return _(
        "{path} is not a broadtalk database (it may be damaged or another kind of file). It was not changed; choose another file or restore a backup."
    ).format(path=path)


def _check_readable_file(path: Path) -> None:
    """Refuse, without touching it, a folder, an unreadable file or one that cannot be a database."""
    refuse_what_is_no_file(path)
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError as error:
        raise StoreError(
            _("The database {path} cannot be read ({reason}); check the file's permissions").format(
                path=path, reason=os_reason(error)
            )
        ) from None
    # An SQLCipher file is whole pages of at least 512 bytes; anything else is not ours.
    if header != SQLITE_HEADER and path.stat().st_size % 512:
        raise DamagedDatabase(_not_a_database(path))


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return (-1, -1)
    return (found.st_dev, found.st_ino)


#: Files a replacement (restore, new passphrase, encryption) prepares beside the database.
PREPARED_SUFFIXES = (".restoring", ".rekeying", ".encrypting")


def _remove_leftovers(path: Path) -> None:
    """Prepared files of a replacement that was killed before it finished: never the database
    itself (that was not touched), so they go. Only called with the database held open, when
    no replacement can be under way."""
    for suffix in PREPARED_SUFFIXES:
        for leftover in (path.with_name(path.name + suffix), *companion_files(path.with_name(path.name + suffix))):
            if leftover.exists():
                _overwrite(leftover)
                leftover.unlink(missing_ok=True)
                log.info("removed a file left by an interrupted replacement")


def _hold_open(path: Path) -> DatabaseLock:
    """The process lock of ``path``; taken (shared) once the file is known to be ours."""
    return DatabaseLock(path)


DB_PLACE = "broadtalk.db_path"


def seal_before_commit(session: Session) -> None:
    if seal.AUDIT_HEAD in session.info or seal.ERASED in session.info:
        new = seal.seal_in_transaction(session.connection(), session.info, session.info.get(DB_PLACE))
        if new is not None:
            session.info[seal.NEW_SEAL] = new


@dataclass(frozen=True)
class FileState:
    """What a read-only look at an existing database file found."""

    revision: str | None
    encrypted: bool


def inspect_file(
    path: Path, passphrase: str | None, *, full_check: bool = True, raw_key: str | None = None
) -> FileState:
    """Look at an existing file without changing a byte of it: is it ours, does the passphrase
    open it, which schema revision, and (``full_check``) is it intact (``PRAGMA quick_check``,
    which reads every page: for a backup, a restore, a file about to replace the database;
    opening the database does not, see ``store.integrity``)?

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
        connection = _connect(
            path, passphrase if encrypted else None, read_only=True, raw_key=raw_key if encrypted else None
        )
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
                raise DamagedDatabase(_damaged(path))
    except sqlcipher.DatabaseError:
        raise DamagedDatabase(_damaged(path)) from None
    except sqlcipher.Error:
        raise StoreError(_cannot_open(path)) from None
    finally:
        connection.close()
    return FileState(revision=revision, encrypted=encrypted)


class FileCheck:
    """One whole check of a database file (``PRAGMA quick_check``, every page read) on its own
    read-only connection: it takes no write lock, so the app and other processes go on writing
    meanwhile. The verdict is kept beside the file (``store.integrity``). ``interrupt``, from
    any thread, stops a check under way; it then leaves no verdict."""

    def __init__(self, path: Path, passphrase: str | None):
        self.path = Path(path)
        self._passphrase = passphrase
        self._connection: sqlcipher.Connection | None = None
        self._interrupted = False
        self._guard = threading.Lock()

    def run(self) -> bool:
        """True when the file is intact, False when interrupted. Raises DamagedDatabase (the
        same message as a damaged file gets everywhere) when it is not, and the refusals of
        ``inspect_file`` when the file cannot be checked at all (not ours, wrong passphrase)."""
        checked = integrity.identity(self.path)
        state = inspect_file(self.path, self._passphrase, full_check=False)
        try:
            connection = _connect(self.path, self._passphrase if state.encrypted else None, read_only=True)
            connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        except sqlcipher.Error:
            raise StoreError(_cannot_open(self.path)) from None
        with self._guard:
            if self._interrupted:
                connection.close()
                return False
            self._connection = connection
        try:
            verdict = connection.execute("PRAGMA quick_check").fetchone()
            intact = bool(verdict) and verdict[0] == "ok"
        except sqlcipher.Error as error:
            if self._interrupted:
                return False
            if not _is_damage(error) and isinstance(error, sqlcipher.OperationalError):
                log.warning("integrity check could not run: %s", type(error).__name__)
                raise StoreError(_cannot_open(self.path)) from None
            intact = False
        finally:
            with self._guard:
                self._connection = None
            connection.close()
        integrity.write_verdict(self.path, intact, checked=checked)
        if not intact:
            log.error("integrity check failed")
            raise DamagedDatabase(_damaged(self.path))
        log.info("integrity check passed")
        return True

    def interrupt(self) -> None:
        with self._guard:
            self._interrupted = True
            if self._connection is not None:
                self._connection.interrupt()


def check_file(path: Path, passphrase: str | None) -> None:
    """Check the database file at ``path`` whole now; raises DamagedDatabase when it is damaged."""
    FileCheck(path, passphrase).run()


def _note_damage(path: Path) -> None:
    """Damage met while the file was in use: the next opening checks it whole (and refuses it
    while it is damaged), as after a failed check."""
    log.error("damaged page met in use")
    integrity.write_verdict(path, False)


# -- the database -----------------------------------------------------------------------------------


class Database:
    """An open broadtalk database: engine, sessions, transactions, backups.

    ``sealed``: the audit trail's seal is kept beside the file after every commit (off for a
    file being prepared to replace the database). ``lock``: the process lock this database
    is held open with (``store.lock``), released on ``close``."""

    def __init__(
        self,
        path: Path,
        passphrase: str | None,
        *,
        sealed: bool = True,
        lock: DatabaseLock | None = None,
        read_only: bool = False,
        raw_key: str | None = None,
    ):
        self.path = path
        self._passphrase = passphrase
        self._raw_key = raw_key if passphrase is not None else None
        self._sealed = sealed and not read_only
        self._read_only = read_only
        self._lock = lock
        self._identity = _file_identity(path)
        self.engine = self._make_engine()

    #: An embedded file (``store.server.ServerDatabase`` says True).
    is_server = False

    @property
    def place(self) -> Path:
        """Where the database is: its file."""
        return self.path

    @property
    def encrypted(self) -> bool:
        return self._passphrase is not None

    @property
    def passphrase(self) -> str | None:
        """The passphrase this database was opened with (to reopen it after a restore)."""
        return self._passphrase

    def _make_engine(self) -> Engine:
        path, passphrase, read_only, raw_key = self.path, self._passphrase, self._read_only, self._raw_key
        # The URL names the file (so SQLAlchemy pools per file); the creator applies the key.
        engine = create_engine(
            f"sqlite:///{path}",
            module=sqlcipher,
            creator=lambda: _connect(path, passphrase, read_only=read_only, raw_key=raw_key),
            future=True,
        )
        event.listen(engine, "connect", _set_read_pragmas if read_only else _set_pragmas)
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
        full_check: bool = False,
    ) -> Database:
        """Open (creating when absent) the database file and bring its schema up to date.

        A new file is encrypted with ``passphrase`` when one is given, else plain. An existing
        file is first looked at read-only (ours? the right passphrase? the schema?) and refused
        untouched when anything is wrong. Before an existing file is migrated, a copy goes to
        ``backup_dir`` (default: a ``backups`` folder beside the file).

        Opening does no work that grows with the data: the whole check of the file (every page)
        runs only when ``full_check`` asks for it or when the last check of this file failed
        (``store.integrity``); else at backups, by ``broadtalk check`` and in the app when idle.
        """
        path = Path(path).expanduser()
        refuse_what_is_no_file(path)  # before a lock file is made beside it
        lock = _hold_open(path)
        try:
            return cls._open_locked(path, lock, passphrase, migrate, backup_dir, full_check)
        except BaseException:
            lock.release()
            raise

    @classmethod
    def _open_locked(
        cls,
        path: Path,
        lock: DatabaseLock,
        passphrase: str | None,
        migrate: bool,
        backup_dir: Path | None,
        full_check: bool,
    ) -> Database:
        is_new = not path.exists() or (path.is_file() and path.stat().st_size == 0)
        if is_new:
            if passphrase is not None:
                check_new_passphrase(passphrase)
            try:
                private_folder(path.parent)
                if lock.mode is None:
                    lock.shared()
                private_file(path)  # SQLite opens it as it is; its -wal and -shm follow its mode
            except OSError as error:
                raise StoreError(
                    _("The folder {folder} cannot be created ({reason}); choose another place with --db").format(
                        folder=path.parent, reason=os_reason(error)
                    )
                ) from None
            state = FileState(revision=None, encrypted=passphrase is not None)
            raw_key = None  # a new file gets its salt at its first write: the passphrase keys it
        else:
            raw_key = derive_key(path, passphrase) if passphrase is not None and is_encrypted_file(path) else None
            try:
                state = inspect_file(path, passphrase, full_check=False, raw_key=raw_key)
            except WrongPassphrase:
                if raw_key is None:
                    raise
                raw_key = None  # a file with other key settings than SQLCipher's own: the passphrase decides
                state = inspect_file(path, passphrase, full_check=False)
            if full_check or integrity.failed_before(path):
                check_file(path, passphrase if state.encrypted else None)  # refused while still damaged
            lock.shared()  # only for a file that is ours: a refused one gets no lock file beside it
            for file in (path, *companion_files(path)):
                keep_private(file)  # a file made readable by others (a copy, an old version) is not left so
        _remove_leftovers(path)  # a replacement killed half-way left its prepared file
        database = cls(path, passphrase if state.encrypted else None, lock=lock, raw_key=raw_key)
        try:
            if migrate:
                database._migrate(state.revision, is_new, backup_dir or path.parent / "backups")
            database._settle_seal()
            database.checkpoint(patience=0)  # an erasure another process kept from the file is finished now
        except StoreError:
            database.close()
            raise
        except (DatabaseError, OperationalError) as error:
            database.close()
            log.error("database open failed: %s", type(error).__name__)
            if _is_damage(error):
                _note_damage(path)
                raise DamagedDatabase(_damaged(path)) from None
            raise StoreError(_cannot_open(path)) from None
        return database

    def _migrate(self, current: str | None, is_new: bool, backup_dir: Path) -> None:
        if current == migrations.head_revision():
            return
        if not is_new:
            self.backup_to(backup_dir / self._backup_name(f"before-migration-{current or 'empty'}"))
        migrations.upgrade(self.engine)
        log.info("database migrated from %s to %s", current, migrations.head_revision())

    @classmethod
    def open_prepared(cls, path: Path, passphrase: str | None) -> Database:
        """A file being prepared to replace a database (restore): brought up to date without a
        copy on the way, no process lock, no seal files beside it (they follow when it is put
        in place)."""
        state = inspect_file(path, passphrase)
        database = cls(path, passphrase if state.encrypted else None, sealed=False)
        try:
            if state.revision != migrations.head_revision():
                migrations.upgrade(database.engine)
        except (DatabaseError, OperationalError):
            database.close()
            raise StoreError(_cannot_open(path)) from None
        return database

    @classmethod
    def open_prepared_read(cls, path: Path, passphrase: str | None) -> Database:
        """A file looked at during a replacement (the backup, the database being replaced): no
        migration, no lock, no seal files; refused like ``open`` when it is not ours."""
        state = inspect_file(path, passphrase, full_check=False)
        return cls(path, passphrase if state.encrypted else None, read_only=True)

    def _backup_name(self, reason: str) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        return f"{self.path.stem}-{reason}-{stamp}{BACKUP_SUFFIX}"

    # -- using --------------------------------------------------------------------------------

    def session(self) -> Session:
        # Plain objects stay usable after commit; the UI never holds live rows.
        session = Session(self.engine, expire_on_commit=False)
        if self._sealed:
            session.info[DB_PLACE] = self.path
        event.listen(session, "before_commit", seal_before_commit)
        if self._sealed:
            event.listen(session, "after_commit", self._seal_after_commit)
        return session

    def _seal_after_commit(self, session: Session) -> None:
        new = session.info.pop(seal.NEW_SEAL, None)
        if new is not None:
            seal.write_files(self.path, new)

    def _settle_seal(self) -> None:
        """A pending seal of a finished replacement becomes the seal; a database that was never
        sealed (new, or from before the seal) is sealed now."""
        if not self._sealed:
            return
        with self.engine.begin() as connection:
            seal.settle(connection, self.path)
            new = seal.renew(connection) if seal.needs_first_seal(connection, self.path) else None
        if new is not None:
            seal.write_files(self.path, new)

    def _check_same_file(self) -> None:
        """The file this database was opened as is still the one at its path: a file put in its
        place by another program is never written on as if nothing happened."""
        if self._identity is not None and _file_identity(self.path) != self._identity:
            raise StoreError(
                _(
                    "The database file {path} was replaced or removed by another program while broadtalk had it "
                    "open (a restore?). Nothing more was written; close broadtalk and start it again."
                ).format(path=self.path)
            )

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
        self._check_same_file()
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
                _(
                    "Another broadtalk is using this database right now, or has just changed it; wait a moment and try again."
                )
            ) from None
        except DatabaseError as error:
            if not _is_damage(error):
                raise
            # A page that cannot be read: the same refusal and way out as a failed check, and
            # the next opening checks the file whole.
            if self._sealed:
                _note_damage(self.path)
            raise DamagedDatabase(_damaged(self.path)) from None
        except Exception as error:
            write = getattr(error, "record_after_rollback", None)
            if write is not None and not keeps_writes(error):
                with self.session() as session, session.begin():
                    write(session)
            raise

    def checkpoint(self, *, patience: float = 5.0) -> bool:
        """Fold the write-ahead log into the main file and empty it; True when that is done whole.

        ``PRAGMA wal_checkpoint(TRUNCATE)`` answers (busy, frames in the log, frames copied). A
        connection elsewhere inside a read transaction that began before the last commit (a
        second broadtalk process, a backup being made) still reads the older pages, so SQLite
        may neither copy the newer ones over them nor empty the log. (This process's pooled
        connections hold no snapshot outside a transaction.) The checkpoint is tried again, with
        short waits, until ``patience`` seconds have passed (0: one try, no waiting). False when
        the log could not be folded in whole: the main file may still hold pages the log
        replaces (after an erasure: the erased rows) until the other connection lets go and a
        later checkpoint runs (SQLite runs one when the last connection closes)."""
        import time

        deadline = time.monotonic() + max(patience, 0.0)
        connection = self.engine.raw_connection()  # no BEGIN: a checkpoint runs outside a transaction
        try:
            cursor = connection.cursor()
            (usual_timeout,) = cursor.execute("PRAGMA busy_timeout").fetchone()
            try:
                while True:
                    left = max(deadline - time.monotonic(), 0.0)
                    # Each try waits a little for a lock (SQLite's busy handler); the loop, for a reader.
                    cursor.execute(f"PRAGMA busy_timeout = {int(min(left, 0.25) * 1000)}")
                    try:
                        busy, frames, copied = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                    except sqlcipher.OperationalError as error:
                        if not _busy(error):
                            raise
                        busy, frames, copied = 1, -1, -1
                    if not busy and frames == copied:  # (0, 0, 0); (0, -1, -1) when not in WAL mode
                        return True
                    if time.monotonic() >= deadline:
                        log.warning("checkpoint incomplete: %s of %s log frames copied", copied, frames)
                        return False
                    time.sleep(min(0.05, left))
            finally:
                cursor.execute(f"PRAGMA busy_timeout = {int(usual_timeout)}")
                cursor.close()
        finally:
            connection.close()

    def close(self) -> None:
        if _file_identity(self.path) == self._identity:  # never on a file put in its place
            with suppress(DatabaseError, OperationalError, sqlcipher.Error, OSError):
                self.checkpoint(patience=0)  # e.g. an erasure another process kept from the file
        self.engine.dispose()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # -- backups ------------------------------------------------------------------------------

    def backup_to(self, target: Path) -> Path:
        """A consistent copy (SQLite online backup), encrypted with the same passphrase as this
        database, checked whole, then put in place atomically.

        The copy is this database page for page, so its check is the database's check: a
        damaged database is never backed up silently. It raises DamagedDatabase (and the next
        opening checks again); a copy that fails while the database passes is the target
        disk's fault. A copy that passes is this database's verdict too (``store.integrity``)."""
        target = Path(target)
        checked = integrity.identity(self.path)
        try:
            private_folder(target.parent)
        except OSError as error:
            raise StoreError(
                _("The folder {folder} cannot be created ({reason}); choose another place.").format(
                    folder=target.parent, reason=os_reason(error)
                )
            ) from None
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        try:
            private_file(partial)
            source = _connect(self.path, self._passphrase, raw_key=self._raw_key)
            try:
                destination = _connect(partial, self._passphrase)
                try:
                    source.backup(destination)
                    destination.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                finally:
                    destination.close()
            finally:
                source.close()
            try:
                inspect_file(partial, self._passphrase)
            except DamagedDatabase:
                self._damaged_at_backup()  # the database's pages, or the target disk?
                raise StoreError(
                    _("The backup to {path} failed; check that there is room on the disk.").format(path=target)
                ) from None
            _fsync(partial)
            partial.replace(target)
        except sqlcipher.Error as error:
            partial.unlink(missing_ok=True)
            log.error("backup failed: %s", type(error).__name__)
            if _is_damage(error):
                self._damaged_at_backup()
            raise StoreError(
                _("The backup to {path} failed; check that there is room on the disk.").format(path=target)
            ) from None
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise StoreError(
                _("The backup cannot be written to {path} ({reason}); choose another place.").format(
                    path=target, reason=os_reason(error)
                )
            ) from None
        except StoreError:
            partial.unlink(missing_ok=True)
            raise
        if self._sealed:
            integrity.write_verdict(self.path, True, checked=checked)
        return target

    def _damaged_at_backup(self) -> None:
        """The backup's copy failed its check: check this database itself. Raises DamagedDatabase
        when it is damaged (its verdict kept); returns when it is intact."""
        check_file(self.path, self._passphrase)

    def rotating_backup(self, backup_dir: Path, *, reason: str = "automatic", keep: int = 7) -> Path:
        """A backup in ``backup_dir``; the oldest automatic ones beyond ``keep`` are removed."""
        target = self.backup_to(Path(backup_dir) / self._backup_name(reason))
        ours = sorted(Path(backup_dir).glob(f"{self.path.stem}-{reason}-*{BACKUP_SUFFIX}"))
        for old in ours[:-keep] if keep > 0 else ours:
            old.unlink(missing_ok=True)
        return target

    # -- the passphrase -----------------------------------------------------------------------

    def change_passphrase(self, current: str, new: str, record: Callable[[Session], object] | None = None) -> None:
        """Re-encrypt the file with a new passphrase; ``current`` must be right.

        Atomic across a kill: the data is copied, encrypted with the new passphrase, into a file
        beside the database; ``record`` (the audit entry) is written into that copy; the copy is
        checked and then renamed over the database. Before the rename nothing changed; after it
        the new passphrase and its audit entry are there together. Refused while another
        process has the database open."""
        if not self.encrypted:
            raise StoreError(_("This database is not encrypted yet; encrypt it first."))
        if current != self._passphrase:
            raise WrongPassphrase(_("The current passphrase is not right; nothing was changed."))
        check_new_passphrase(new)
        lock = self._lock or DatabaseLock(self.path)
        lock.exclusive()
        try:
            self.engine.dispose()  # pooled connections hold the old key
            prepared = self.path.with_name(self.path.name + ".rekeying")
            export_copy(self.path, self._passphrase, prepared, new)
            crash_point("rekey-exported")
            copy = Database(prepared, new, sealed=False)
            try:
                if record is not None:
                    with copy.transaction() as tx:
                        record(tx)
            finally:
                copy.close()
            crash_point("rekey-recorded")
            put_in_place(prepared, self.path, new)
            self._passphrase = new
            self._raw_key = None  # derived for the file that was replaced
            self._identity = _file_identity(self.path)
            self.engine = self._make_engine()
        finally:
            if self._lock is None:
                lock.release()
            else:
                lock.to_shared()
        log.info("database passphrase changed")

    def matches_passphrase(self, passphrase: str) -> bool:
        """True when ``passphrase`` is the one this database was opened with (for unlocking)."""
        import hmac

        return self._passphrase is not None and hmac.compare_digest(
            passphrase.encode("utf-8"), self._passphrase.encode("utf-8")
        )


def crash_point(name: str) -> None:
    """Tests kill the process here (``BROADTALK_CRASH_AT``) to prove a replacement is atomic."""
    if os.environ.get("BROADTALK_CRASH_AT") == name:
        os.kill(os.getpid(), 9)


def export_copy(source: Path, source_passphrase: str | None, target: Path, target_passphrase: str | None) -> None:
    """Copy the database ``source`` (read only, write-ahead log included) into a new file
    ``target`` encrypted with ``target_passphrase`` (plain when None): SQLCipher's export."""
    target.unlink(missing_ok=True)
    for companion in companion_files(target):
        companion.unlink(missing_ok=True)
    private_file(target)
    try:
        connection = _connect(source, source_passphrase, read_only=True)
        try:
            key = target_passphrase or ""
            connection.execute(f"ATTACH DATABASE {_sql_literal(str(target))} AS prepared KEY {_sql_literal(key)}")
            connection.execute("SELECT sqlcipher_export('prepared')")
            connection.execute("DETACH DATABASE prepared")
        finally:
            connection.close()
    except sqlcipher.Error as error:
        target.unlink(missing_ok=True)
        log.error("export copy failed: %s", type(error).__name__)
        raise StoreError(
            _("The data could not be copied beside {path}; check that there is room on the disk.").format(path=source)
        ) from None


def _fold_journal(path: Path, passphrase: str | None) -> None:
    """One self-contained file: the write-ahead log folded in and removed."""
    connection = _connect(path, passphrase)
    try:
        connection.execute("PRAGMA journal_mode=DELETE").fetchall()
    finally:
        connection.close()


def put_in_place(prepared: Path, path: Path, passphrase: str | None) -> None:
    """Replace the database at ``path`` by the ``prepared`` file, atomically.

    Hold the exclusive lock. The prepared file is made self-contained, checked whole and
    flushed to disk; its seal is written as pending; the current file's write-ahead log is
    folded into it so nothing committed is only in a log about to go; then one rename. A kill
    before the rename leaves the database as it was (the prepared file is removed at the next
    opening); after it, the new file is complete and its pending seal becomes the seal."""
    _fold_journal(prepared, passphrase)
    inspect_file(prepared, passphrase)
    new_seal = read_seal(prepared, passphrase)
    _fsync(prepared)
    if new_seal is not None and new_seal.mac:
        seal.write_pending(path, new_seal)
    if path.exists():
        with suppress(sqlcipher.Error, StoreError):
            current = _connect(path, _current_key(path, passphrase))
            try:
                current.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            finally:
                current.close()
    crash_point("before-rename")
    integrity.forget(path)  # what was found about the file being replaced does not hold for the new one
    prepared.replace(path)
    _fsync_folder(path.parent)
    crash_point("after-rename")
    integrity.write_verdict(path, True)  # checked whole above
    for companion in companion_files(path):
        companion.unlink(missing_ok=True)  # empty after the checkpoint; a stale -shm must not stay
    if new_seal is not None and new_seal.mac:
        seal.write_files(path, new_seal)
        seal.pending_path(path).unlink(missing_ok=True)


def _current_key(path: Path, passphrase: str | None) -> str | None:
    return passphrase if is_encrypted_file(path) else None


def read_seal(path: Path, passphrase: str | None) -> seal.Seal | None:
    """The seal inside a database file, read without changing it."""
    engine = create_engine(
        f"sqlite:///{path}", module=sqlcipher, creator=lambda: _connect(path, passphrase, read_only=True), future=True
    )
    try:
        with engine.connect() as connection:
            return seal.read_row(connection)
    finally:
        engine.dispose()


def _fsync_folder(folder: Path) -> None:
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


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
    integrity.forget(path)
    partial.replace(path)
    integrity.write_verdict(path, True)  # the encrypted copy was checked whole above
    log.info("database encrypted")


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
