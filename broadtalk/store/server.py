"""A practice database on a PostgreSQL server, shared by several workstations.

``--db postgresql://user@host:5432/practice`` (and the same choice at the app's first start)
runs the whole product on a server database through psycopg 3, with the same tables, Alembic
revisions, audit triggers and role rules as the embedded file. What differs:

* What is said about clients is encrypted on the workstation with the practice key
  (``store.practice_key``), derived from the same passphrase an embedded database asks for; the
  server keeps the salt and a check value, never the key. ``docs/privacy.md`` says what the
  server can see.
* Every use case takes the practice's write lock at its start (a transaction-level advisory
  lock), so workstations take turns as processes do on the embedded file: a use case that
  reads and then writes on what it read (a new client number, wrong PINs counted, the audit
  trail's next link) is never interleaved with another. Waiting longer than a few seconds
  gives the same "another broadtalk is using this database" message.
* Connections ask for TLS and use it when the server offers it (``sslmode=prefer``; a URL may
  demand it with ``?sslmode=require`` or ``verify-full``).
* Backups, restores and the integrity check are the server's (its own backups); a new
  passphrase is refused for now (every text would need encrypting again).

The server's address is shown without its password in every message and log line.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, event, insert, select, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session

from broadtalk.errors import StoreError, keeps_writes
from broadtalk.i18n import _, ngettext
from broadtalk.store import migrations, practice_key, seal
from broadtalk.store.database import (
    DB_PLACE,
    PassphraseNeeded,
    WrongPassphrase,
    check_new_passphrase,
    seal_before_commit,
)
from broadtalk.store.tables import Setting

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Connection, Engine

log = logging.getLogger(__name__)

#: The advisory locks: every use case's (``transaction``) and the one-time set-up's.
WRITE_LOCK, SETUP_LOCK = 0x62726F61, 0x62726F62
LOCK_WAIT = "5s"
IMMEDIATE_WAIT = "60s"
CONNECT_TIMEOUT_S = 10


def parse(target: str) -> URL:
    """The URL of a server database, for psycopg; a StoreError saying how to write it."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    example = "postgresql://gebruiker@server.example:5432/praktijk"
    try:
        url = make_url(target.strip())
    except (ArgumentError, ValueError):
        raise StoreError(
            _("The server address cannot be read; write it as {example}").format(example=example)
        ) from None
    if url.get_backend_name() not in ("postgresql", "postgres") or not url.database or not url.host:
        raise StoreError(
            _("The server address needs a host and a database name; write it as {example}").format(example=example)
        )
    return url.set(drivername="postgresql+psycopg")


def location(url: URL) -> str:
    """Where the database is, for messages and for the seal's copy: no user, no password."""
    port = f":{url.port}" if url.port else ""
    return f"postgresql://{url.host}{port}/{url.database}"


def _connect_args(url: URL) -> dict:
    args: dict = {"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "broadtalk"}
    if "sslmode" not in url.query:
        args["sslmode"] = "prefer"
    if url.password is None and "passfile" not in url.query:
        # The password this workstation keeps for its server (chosen at its first start), read
        # by libpq itself and only for the host, port, database and user it was given for.
        from broadtalk import config

        passfile = config.server_password_file()
        if passfile.is_file():
            args["passfile"] = str(passfile)
    return args


def _on_connect(dbapi_connection, _record) -> None:
    # Each statement of a use case waits at most this long for a lock another workstation holds.
    with dbapi_connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = '{LOCK_WAIT}'")
        cursor.execute("SET TIME ZONE 'UTC'")
    dbapi_connection.commit()


def _reason(error: BaseException) -> str:
    """Why the server refused or could not be reached, in the interface language."""
    original = str(getattr(error, "orig", error)).lower()
    if "password authentication failed" in original or "no password supplied" in original:
        return _("the server refused the user name or password")
    if "does not exist" in original and "database" in original:
        return _("there is no database of that name on the server")
    if "timeout" in original or "timed out" in original:
        return _("the server did not answer in time")
    if "ssl" in original:
        return _("a secure (TLS) connection could not be made")
    return _("the server cannot be reached")


def _unreachable(url: URL, error: BaseException) -> str:
    return _(
        "The database {place} cannot be opened ({reason}). Check the address, the network and the server's "
        "user and password, or ask the server's administrator."
    ).format(place=location(url), reason=_reason(error))


def _not_set_up(place: str) -> str:
    return _(
        "The database on {place} is not set up for broadtalk yet (or not for this version); nothing was read. "
        "Starting the app with it, or a command that changes something, sets it up."
    ).format(place=place)


def _lost(place: str) -> str:
    return _(
        "The connection to the database server {place} was lost; this step was not saved. Check the network "
        "and try again."
    ).format(place=place)


def _key_changed() -> str:
    return _(
        "The practice's passphrase was changed on another workstation; this step was not saved. Close broadtalk "
        "and open it again with the new passphrase."
    )


def _busy() -> str:
    return _("Another broadtalk is using this database right now, or has just changed it; wait a moment and try again.")


@dataclass(frozen=True)
class _State:
    revision: str | None
    salt: str | None
    check: str | None
    other_tables: bool
    #: Practitioners, clients or audit entries are stored (the database is in use).
    in_use: bool = False


def _look(connection: Connection) -> _State:
    tables = {
        row[0]
        for row in connection.exec_driver_sql("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    }
    revision = migrations.current_revision(connection) if "alembic_version" in tables else None
    salt = check = None
    if Setting.__tablename__ in tables:
        found = dict(
            connection.execute(
                select(Setting.key, Setting.value).where(
                    Setting.key.in_((practice_key.SALT_SETTING, practice_key.CHECK_SETTING))  # type: ignore[attr-defined]
                )
            ).all()
        )
        salt, check = found.get(practice_key.SALT_SETTING), found.get(practice_key.CHECK_SETTING)
    ours = {"alembic_version", *migrations_tables()}
    in_use = any(
        connection.exec_driver_sql(f'SELECT 1 FROM "{name}" LIMIT 1').first() is not None
        for name in ("practitioner", "client", "audit_entry")
        if name in tables
    )
    return _State(revision, salt, check, bool(tables - ours), in_use)


def migrations_tables() -> set[str]:
    from broadtalk.store.tables import metadata

    return set(metadata.tables)


class ServerDatabase:
    """An open practice database on a PostgreSQL server: engine, sessions, transactions."""

    #: A server database has no file: backups, restores and checks are the server's.
    path = None
    is_server = True

    @property
    def place(self) -> str:
        """Where the database is, for the seal's copy on this workstation: the server's location
        and which practice key signs it (after a new passphrase, a copy signed with the old key
        is an old copy, not a forged one)."""
        return f"{self.location}#key-{self.key.check[:16]}"

    def __init__(self, url: URL, passphrase: str, engine: Engine, key: practice_key.PracticeKey):
        self.url = url
        self.location = location(url)
        self._passphrase = passphrase
        self.engine = engine
        self.key = key
        self._depth = threading.local()

    @property
    def encrypted(self) -> bool:
        return True

    @property
    def passphrase(self) -> str:
        return self._passphrase

    # -- opening ------------------------------------------------------------------------------

    @classmethod
    def open(cls, target: str, *, passphrase: str | None, migrate: bool = True, create: bool = True) -> ServerDatabase:
        """Open the practice database at ``target`` (a ``postgresql://`` URL), setting it up
        when the database is empty and ``create`` allows: tables, and the practice key's salt
        and check value.

        Refused untouched: a database with other tables than broadtalk's, a wrong passphrase,
        a revision newer than this broadtalk knows."""
        url = parse(target)
        place = location(url)
        if not passphrase:
            raise PassphraseNeeded(
                _(
                    "The practice database on {place} is protected with the practice's passphrase; give it "
                    "(BROADTALK_PASSPHRASE)."
                ).format(place=place)
            )
        engine = create_engine(url, connect_args=_connect_args(url), pool_pre_ping=True, future=True)
        event.listen(engine, "connect", _on_connect)
        try:
            key = cls._set_up(engine, url, passphrase, migrate, create)
        except BaseException:
            engine.dispose()
            raise
        log.info("server database opened")
        return cls(url, passphrase, engine, key)

    @classmethod
    def is_set_up(cls, target: str) -> bool:
        """Whether the server database at ``target`` holds a practice already (its practice key's
        salt), asked before any passphrase: an empty one is set up through the welcome, which
        asks the new passphrase twice. Raises StoreError when the server cannot be reached."""
        url = parse(target)
        engine = create_engine(url, connect_args=_connect_args(url), future=True)
        try:
            with engine.connect() as connection:
                return _look(connection).salt is not None
        except OperationalError as error:
            log.warning("server database cannot be opened: %s", type(getattr(error, "orig", error)).__name__)
            raise StoreError(_unreachable(url, error)) from None
        finally:
            engine.dispose()

    @classmethod
    def _set_up(
        cls, engine: Engine, url: URL, passphrase: str, migrate: bool, create: bool
    ) -> practice_key.PracticeKey:
        place = location(url)
        try:
            with engine.connect() as connection:
                # One workstation sets up or migrates at a time; the others wait, then find it done.
                connection.exec_driver_sql(f"SELECT pg_advisory_lock({SETUP_LOCK})")
                try:
                    connection.commit()
                    state = _look(connection)
                    connection.commit()
                    if state.salt is None and not create:
                        raise StoreError(_not_set_up(place))
                    key, new_salt = cls._key(state, passphrase, place)
                    engine.dialect.broadtalk_key = key  # type: ignore[attr-defined]
                    if state.revision is not None and not migrations.is_known(state.revision):
                        raise StoreError(
                            _(
                                "The database on {place} was made by a newer broadtalk; update broadtalk on this "
                                "computer first."
                            ).format(place=place)
                        )
                    if state.revision != migrations.head_revision():
                        if not migrate:
                            raise StoreError(_not_set_up(place))
                        migrations.upgrade_connection(connection)
                        log.info("server database migrated from %s", state.revision)
                    if new_salt is not None:
                        with connection.begin():
                            connection.execute(
                                insert(Setting).values(
                                    [
                                        {"key": practice_key.SALT_SETTING, "value": new_salt},
                                        {"key": practice_key.CHECK_SETTING, "value": key.check},
                                    ]
                                )
                            )
                    with connection.begin():
                        cls._first_seal(connection)
                finally:
                    connection.exec_driver_sql(f"SELECT pg_advisory_unlock({SETUP_LOCK})")
                    connection.commit()
        except StoreError:
            raise
        except OperationalError as error:
            log.warning("server database cannot be opened: %s", type(getattr(error, "orig", error)).__name__)
            raise StoreError(_unreachable(url, error)) from None
        return key

    @staticmethod
    def _key(state: _State, passphrase: str, place: str) -> tuple[practice_key.PracticeKey, str | None]:
        """The practice key, and the new salt to store when the database is new (else None)."""
        if state.salt is None:
            if state.in_use:
                # A new key would leave every stored text unreadable for good: never made here.
                raise StoreError(
                    _(
                        "The database on {place} holds a practice, but its key's salt is missing (removed on the "
                        "server outside broadtalk). Nothing was changed; ask the server's administrator to restore "
                        "the database from the server's backup."
                    ).format(place=place)
                )
            if state.other_tables:
                raise StoreError(
                    _(
                        "The database on {place} holds other tables than broadtalk's; give broadtalk an empty "
                        "database of its own."
                    ).format(place=place)
                )
            check_new_passphrase(passphrase)
            salt = practice_key.new_salt()
            return practice_key.PracticeKey(passphrase, salt), salt
        key = practice_key.PracticeKey(passphrase, state.salt)
        if not state.check or not key.matches(state.check):
            raise WrongPassphrase(
                _("The passphrase does not open the practice database on {place}; type it again.").format(place=place)
            )
        return key, None

    @staticmethod
    def _first_seal(connection: Connection) -> None:
        row = seal.read_row(connection)
        if row is not None and not row.mac:
            seal.renew(connection)

    # -- using --------------------------------------------------------------------------------

    def session(self) -> Session:
        session = Session(self.engine, expire_on_commit=False)
        session.info[DB_PLACE] = self.place
        event.listen(session, "before_commit", seal_before_commit)
        event.listen(session, "after_commit", self._seal_after_commit)
        return session

    def _seal_after_commit(self, session: Session) -> None:
        new = session.info.pop(seal.NEW_SEAL, None)
        if new is not None:
            seal.write_files(self.place, new)

    @contextmanager
    def transaction(self, *, immediate: bool = False) -> Iterator[Session]:
        """One use case, one transaction, holding the practice's write lock from its start (see
        the module); the same contract as ``Database.transaction``. A transaction begun inside
        another in the same thread (a use case calling one that has its own) runs under the
        lock its outer one holds: waiting for it would wait for ever."""
        depth = getattr(self._depth, "value", 0)
        try:
            kept: BaseException | None = None
            self._depth.value = depth + 1
            with self.session() as session, session.begin():
                if depth == 0:
                    self._take_lock(session, immediate)
                    self._same_key(session)
                try:
                    yield session
                except Exception as error:
                    if not keeps_writes(error):
                        raise
                    kept = error
            if kept is not None:
                raise kept
        except DBAPIError as error:
            if _is_busy(error):
                log.warning("database busy: another workstation kept it locked")
                raise StoreError(_busy()) from None
            if error.connection_invalidated or isinstance(error, OperationalError):
                log.warning("server connection lost: %s", type(getattr(error, "orig", error)).__name__)
                raise StoreError(_lost(self.location)) from None
            raise
        except Exception as error:
            write = getattr(error, "record_after_rollback", None)
            if write is not None and not keeps_writes(error):
                with self.session() as session, session.begin():
                    if depth == 0:
                        self._take_lock(session, False)
                    write(session)
            raise
        finally:
            self._depth.value = depth

    def _same_key(self, session: Session) -> None:
        """Nothing is written with a key the practice no longer uses: a new passphrase set on
        another workstation stops this one's next step (under the write lock, so it sees it)."""
        stored = session.execute(
            select(Setting.value).where(Setting.key == practice_key.CHECK_SETTING)  # type: ignore[arg-type]
        ).scalar()
        if stored is None or not self.key.matches(stored):
            log.warning("practice key changed elsewhere")
            raise StoreError(_key_changed())

    # -- a new passphrase ------------------------------------------------------------------------

    def change_passphrase(self, current: str, new: str, record: Callable[[Session], object] | None = None) -> None:
        """Encrypt every text again with the key of ``new`` (and a new salt), the same contract as
        ``Database.change_passphrase``: ``current`` must be right; ``record`` (the audit entry)
        is written in the same transaction, so the new key and its record come together or not
        at all. Refused while another workstation has the database open: its key would be the
        old one (and its next step is refused, should one start meanwhile)."""
        import hmac

        from broadtalk.client_search import rebuild
        from broadtalk.errors import RefusedError
        from broadtalk.store import server_rekey

        if not hmac.compare_digest(current.encode("utf-8"), self._passphrase.encode("utf-8")):
            raise WrongPassphrase(_("The current passphrase is not right; nothing was changed."))
        check_new_passphrase(new)
        salt = practice_key.new_salt()
        old, fresh = self.key, practice_key.PracticeKey(new, salt)
        self.engine.dispose()  # this workstation's idle connections are not counted as others
        dialect = self.engine.dialect
        try:
            with self.transaction(immediate=True) as tx:
                connection = tx.connection()
                others = connection.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND application_name = 'broadtalk' AND pid <> pg_backend_pid()"
                    )
                ).scalar()
                if others:
                    raise RefusedError(
                        ngettext(
                            "Another workstation has the practice's data open ({count}); nothing was changed. Ask "
                            "everyone to close broadtalk, then change the passphrase.",
                            "Other workstations have the practice's data open ({count}); nothing was changed. Ask "
                            "everyone to close broadtalk, then change the passphrase.",
                            others,
                        ).format(count=others)
                    )
                texts = server_rekey.rekey_texts(connection, old, fresh)
                server_rekey.store_key(connection, salt, fresh)
                # From here this transaction writes with the new key: the search index, the
                # record, and the audit trail's seal at the commit.
                dialect.broadtalk_key = fresh  # type: ignore[attr-defined]
                self.key = fresh
                rebuild(connection, fresh.search)
                if record is not None:
                    record(tx)
                seal.renew(connection)
        except BaseException:
            dialect.broadtalk_key = old  # type: ignore[attr-defined]
            self.key = old
            raise
        self._passphrase = new
        log.info("server database passphrase changed (%d texts encrypted again)", texts)

    @staticmethod
    def _take_lock(session: Session, immediate: bool) -> None:
        if immediate:  # sign-ins released at once queue up: none is turned away, none uncounted
            session.execute(text(f"SET LOCAL lock_timeout = '{IMMEDIATE_WAIT}'"))
        session.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": WRITE_LOCK})
        if immediate:
            session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'"))

    def checkpoint(self, *, patience: float = 5.0) -> bool:
        """Nothing to fold in: the server keeps its own log."""
        return True

    def close(self) -> None:
        self.engine.dispose()


_BUSY_CODES = {"55P03", "40001", "40P01", "57014"}  # lock not available, serialization, deadlock, cancelled


def _is_busy(error: DBAPIError) -> bool:
    return getattr(getattr(error, "orig", None), "sqlstate", None) in _BUSY_CODES
