"""The seal of the audit trail: an anchor outside the database, so removal is seen.

The audit trail is a hash chain: an entry that is changed, or removed from the middle, breaks
it. What a chain alone cannot show is entries cut from its end, the whole trail deleted, or
entries removed and the rest chained again: whoever holds the passphrase can do all three.
The seal names the newest entry (its id and hash), the first entry's hash and the clients
erased so far, signed with a key (HMAC-SHA256) that is kept outside the database, in the
user's own configuration folder (``seal.key``, owner-only). It is written

* inside the database (table ``database_seal``), in the same transaction as the entries, so
  every backup carries the seal of its own trail;
* beside the database (``<file>.seal``) and in the configuration folder (``seals/``) after
  every commit that wrote audit entries.

A seal may lag behind the trail (a kill between the commit and the file write; entries after
the seal are fine), never run ahead of it: a trail that ends before the sealed entry, or whose
sealed entry has another hash, lost entries. The passphrase alone cannot forge a seal; someone
who also holds this user's configuration folder can, which ``docs/privacy.md`` says.

Holds ids, hashes and times, never a name or anything said.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from broadtalk import config
from broadtalk.files import private_file, private_folder, write_private_text
from broadtalk.i18n import _
from broadtalk.store import practice_key
from broadtalk.store.tables import AuditEntry, DatabaseSeal

log = logging.getLogger(__name__)

#: ``Session.info`` keys: what a transaction wrote that the seal must follow.
AUDIT_HEAD = "broadtalk.audit_head"  # (id, hash) of the newest entry written
ERASED = "broadtalk.erased"  # [client id, client's created_at, erased at] per erased client
NEW_SEAL = "broadtalk.new_seal"  # the seal signed in this transaction, written beside after the commit

KEY_FILE = "seal.key"
_TRAIL = AuditEntry.__table__  # type: ignore[attr-defined]
_SEAL = DatabaseSeal.__table__  # type: ignore[attr-defined]


# -- the key ---------------------------------------------------------------------------------------


def key_path() -> Path:
    return config.config_dir() / KEY_FILE


def seal_key(*, create: bool = True) -> bytes | None:
    """This user's sealing key; made (32 random bytes, owner-only) when absent and ``create``."""
    path = key_path()
    try:
        key = path.read_bytes()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    except OSError:
        return None
    if not create:
        return None
    try:
        private_folder(path.parent)
        partial = path.with_name(KEY_FILE + ".partial")
        partial.unlink(missing_ok=True)
        private_file(partial)
        key = secrets.token_bytes(32)
        with partial.open("wb") as fh:
            fh.write(key)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(partial, path)  # never replaces a key another process made just now
        except FileExistsError:
            key = path.read_bytes()
        finally:
            partial.unlink(missing_ok=True)
    except OSError as error:
        log.warning("sealing key cannot be written: %s", type(error).__name__)
        return None
    return key


def _key_for(connection: Connection, *, create: bool = True) -> bytes | None:
    """The key that signs this database's seal: on a server the practice key's seal key (the
    same on every workstation of the practice, never on the server), else this user's."""
    practice = practice_key.of(connection)
    return practice.seal if practice is not None else seal_key(create=create)


# -- the seal --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seal:
    database_id: str
    last_id: int = 0
    head: str = ""
    first: str = ""
    erased: list = field(default_factory=list)
    sealed_at: str = ""
    mac: str = ""

    def _payload(self) -> bytes:
        fields = asdict(self)
        fields.pop("mac")
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def signed(self, key: bytes) -> Seal:
        return replace(self, mac=hmac.new(key, self._payload(), hashlib.sha256).hexdigest())

    def valid(self, key: bytes | None) -> bool:
        if key is None or not self.mac:
            return False
        expected = hmac.new(key, self._payload(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.mac)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Seal:
        """Raises ValueError for anything that is not a seal."""
        raw = json.loads(text)
        if not isinstance(raw, dict):
            raise ValueError("not a seal")
        try:
            seal = cls(
                database_id=str(raw["database_id"]),
                last_id=int(raw["last_id"]),
                head=str(raw["head"]),
                first=str(raw["first"]),
                erased=list(raw["erased"]),
                sealed_at=str(raw["sealed_at"]),
                mac=str(raw["mac"]),
            )
        except (KeyError, TypeError) as error:
            raise ValueError("not a seal") from error
        return seal


def _tables(connection: Connection) -> set[str]:
    if connection.dialect.name == "sqlite":
        return {row[0] for row in connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")}
    found = connection.exec_driver_sql("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return {row[0] for row in found}


def read_row(connection: Connection) -> Seal | None:
    """The seal inside the database; None when the table or its row is missing."""
    if DatabaseSeal.__tablename__ not in _tables(connection):
        return None
    row = connection.execute(select(_SEAL).where(_SEAL.c.id == 1)).first()
    if row is None:
        return None
    try:
        erased = json.loads(row.erased)
    except ValueError:
        erased = []
    return Seal(row.database_id, row.last_id, row.head, row.first, erased, row.sealed_at, row.mac)


def has_seal_table(connection: Connection) -> bool:
    return DatabaseSeal.__tablename__ in _tables(connection)


def _trail_ends(connection: Connection) -> tuple[int, str, str]:
    """(newest id, its hash, the first entry's hash), or (0, "", "") for an empty trail."""
    last = connection.execute(select(_TRAIL.c.id, _TRAIL.c.hash).order_by(_TRAIL.c.id.desc()).limit(1)).first()
    if last is None:
        return 0, "", ""
    first = connection.execute(select(_TRAIL.c.hash).order_by(_TRAIL.c.id).limit(1)).scalar_one()
    return int(last.id), str(last.hash), str(first)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _store_row(connection: Connection, seal: Seal) -> None:
    connection.execute(
        update(_SEAL)
        .where(_SEAL.c.id == 1)
        .values(
            last_id=seal.last_id,
            head=seal.head,
            first=seal.first,
            erased=json.dumps(seal.erased),
            sealed_at=seal.sealed_at,
            mac=seal.mac,
        )
    )


def _still_holds(connection: Connection, sealed: Seal) -> bool:
    """The trail still holds the entry the seal names, with the hash it names."""
    return sealed.last_id == 0 or _entry_hash(connection, sealed.last_id) == sealed.head


def seal_in_transaction(connection: Connection, info: dict, db_path: Path | None = None) -> Seal | None:
    """Before a commit: when the transaction wrote audit entries or erased a client, sign the
    new state into the database's own seal row. Returns the seal to write beside the database
    after the commit, or None (nothing to follow, no seal table yet, or a seal this computer's
    key did not make: that one is left as it is, for ``check`` to report, until renewed)."""
    head = info.pop(AUDIT_HEAD, None)
    erased = info.pop(ERASED, [])
    if head is None and not erased:
        return None
    row = read_row(connection)
    if row is None:
        return None
    key = _key_for(connection)
    if key is None or (row.mac and not row.valid(key)):
        return None
    # A seal only moves on from a trail that still fits it: once entries are missing, the seal
    # keeps naming them until the check has been looked at and the seal renewed.
    if row.mac and not _still_holds(connection, row):
        return None
    if db_path is not None:
        for path in _files(db_path, row.database_id):
            found = _read_file(path)
            ours = isinstance(found, Seal) and found.valid(key) and found.database_id == row.database_id
            if ours and not _still_holds(connection, found):
                return None
    last_id, head_hash = head if head is not None else (row.last_id, row.head)
    first = row.first
    if not first:
        first = _trail_ends(connection)[2]
    new = Seal(row.database_id, int(last_id), str(head_hash), first, row.erased + erased, _now()).signed(key)
    _store_row(connection, new)
    return new


def renew(connection: Connection) -> Seal | None:
    """Sign the database's present trail with this computer's key (a new database, one from
    before the seal, or an administrator's renewal after a reported problem). The caller
    commits, then writes the files."""
    row = read_row(connection)
    key = _key_for(connection)
    if row is None or key is None:
        return None
    last_id, head, first = _trail_ends(connection)
    new = Seal(row.database_id, last_id, head, first, row.erased, _now()).signed(key)
    _store_row(connection, new)
    return new


# -- the files beside the database -------------------------------------------------------------------


def beside_path(db_path: Path) -> Path:
    return Path(db_path).with_name(Path(db_path).name + ".seal")


def pending_path(db_path: Path) -> Path:
    """The seal of a file about to replace the database (restore, new passphrase)."""
    return Path(db_path).with_name(Path(db_path).name + ".seal.next")


def copy_path(db_path: Path | str, database_id: str) -> Path:
    """The copy in the configuration folder, for this database at this place (a file, or a
    server database's location without user or password)."""
    try:
        where = str(Path(db_path).resolve()) if isinstance(db_path, Path) else db_path
    except OSError:
        where = str(db_path)
    name = hashlib.sha256(f"{database_id}|{where}".encode()).hexdigest()[:32]
    return config.config_dir() / "seals" / f"{name}.seal"


def _write(path: Path, text: str) -> None:
    private_folder(path.parent)
    write_private_text(path, text)


def _files(place: Path | str, database_id: str) -> list[Path]:
    """Where the seal is kept outside the database: beside a file and in this user's settings;
    for a server database (``place``: its location) in this user's settings only."""
    copy = copy_path(place, database_id)
    return [beside_path(place), copy] if isinstance(place, Path) else [copy]


def write_files(db_path: Path | str, seal: Seal) -> None:
    """The seal beside the database and in the configuration folder (best effort: a seal that
    lags is noticed as such, never as a removal)."""
    text = seal.to_json()
    for path in _files(db_path, seal.database_id):
        try:
            _write(path, text)
        except OSError as error:
            log.warning("seal file cannot be written: %s", type(error).__name__)


def write_pending(db_path: Path, seal: Seal) -> None:
    _write(pending_path(db_path), seal.to_json())


def _read_file(path: Path) -> Seal | str | None:
    """The seal in ``path``; None when absent; "damaged" when unreadable."""
    try:
        return Seal.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, UnicodeDecodeError):
        return "damaged"


def settle(connection: Connection, db_path: Path) -> None:
    """At opening: a pending seal left by a replacement that completed becomes the seal; one
    whose replacement never happened is dropped. A database never sealed is sealed now."""
    pending = pending_path(db_path)
    found = _read_file(pending)
    row = read_row(connection)
    if isinstance(found, Seal) and row is not None and found == row:
        write_files(db_path, found)
    if found is not None:
        pending.unlink(missing_ok=True)


def needs_first_seal(connection: Connection, db_path: Path) -> bool:
    """A seal row never signed, and no seal file beside the database: a new database or one
    from before the seal (a removed seal file with a blank row is reported by ``check``)."""
    row = read_row(connection)
    return row is not None and not row.mac and not beside_path(db_path).exists()


# -- checking ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SealReport:
    problems: tuple[str, ...] = ()
    #: The first and last id of entries the seal names but the trail no longer holds.
    missing: tuple[int, int] | None = None

    @property
    def intact(self) -> bool:
        return not self.problems


def _entry_hash(connection: Connection, entry_id: int) -> str | None:
    return connection.execute(select(_TRAIL.c.hash).where(_TRAIL.c.id == entry_id)).scalar()


def check(connection: Connection, db_path: Path | str | None) -> SealReport:
    """Compare the trail with every seal there is (inside, beside, in the configuration folder);
    each problem in words, with the entries that are missing."""
    problems: list[str] = []
    missing: tuple[int, int] | None = None
    if not has_seal_table(connection):
        return SealReport((_("The audit trail's seal is missing from the database (its table was removed)."),))
    row = read_row(connection)
    if row is None:
        return SealReport((_("The audit trail's seal is missing from the database (its row was removed)."),))
    key = _key_for(connection, create=False)
    seals: list[tuple[str, Seal]] = []
    if row.mac:
        seals.append((_("the seal inside the database"), row))
    if isinstance(db_path, Path):
        beside = beside_path(db_path)
        found = _read_file(beside)
        if found is None and row.mac:
            problems.append(
                _("The seal file beside the database ({path}) is missing; it may have been removed.").format(
                    path=beside.name
                )
            )
        elif found == "damaged":
            problems.append(_("The seal file beside the database ({path}) cannot be read.").format(path=beside.name))
        elif isinstance(found, Seal):
            seals.append((_("the seal beside the database"), found))
            if not row.mac:
                problems.append(_("The seal inside the database was removed; the seal beside it remains."))
    if db_path is not None:
        copy = _read_file(copy_path(db_path, row.database_id))
        if isinstance(copy, Seal):
            seals.append((_("the seal in this user's settings"), copy))
    if key is None and seals:
        problems.append(
            _(
                "The seal cannot be checked on this computer: its key ({path}) is not here. It was made on "
                "another computer or by another user account; an administrator can renew it."
            ).format(path=key_path())
        )
        return SealReport(tuple(problems))
    last_id, _last_hash, _first = _trail_ends(connection)
    for name, seal in seals:
        if not seal.valid(key):
            problems.append(
                _(
                    "{seal} does not match its key: it was changed, or made on another computer. An administrator "
                    "can renew it after checking the trail."
                ).format(seal=name[:1].upper() + name[1:])
            )
            continue
        if seal.database_id != row.database_id:
            problems.append(_("{seal} belongs to another database.").format(seal=name[:1].upper() + name[1:]))
            continue
        if seal.last_id == 0:
            continue
        if last_id < seal.last_id:
            gap = (last_id + 1, seal.last_id)
            missing = gap if missing is None else (min(missing[0], gap[0]), max(missing[1], gap[1]))
            continue
        if _entry_hash(connection, seal.last_id) != seal.head:
            problems.append(
                _(
                    "The audit trail was rewritten: entry {id} is not the entry that was sealed (entries were "
                    "removed and the rest chained again)."
                ).format(id=seal.last_id)
            )
    if missing is not None:
        first_missing, last_missing = missing
        if first_missing == 1:
            problems.insert(
                0,
                _("The audit trail was emptied or cut short: entries {first} to {last} are missing.").format(
                    first=first_missing, last=last_missing
                ),
            )
        else:
            problems.insert(
                0,
                _("The audit trail was cut short: entries {first} to {last} are missing.").format(
                    first=first_missing, last=last_missing
                ),
            )
    return SealReport(tuple(dict.fromkeys(problems)), missing)


def erasures(connection: Connection, db_path: Path | str | None) -> list[list]:
    """Every erasure the valid seals know of (inside and beside the database), oldest first:
    ``[client id, client's created_at, erased at]``."""
    key = _key_for(connection, create=False)
    found: dict[tuple, list] = {}
    candidates: list[Seal] = []
    row = read_row(connection) if has_seal_table(connection) else None
    if row is not None:
        candidates.append(row)
    if isinstance(db_path, Path):
        beside = _read_file(beside_path(db_path))
        if isinstance(beside, Seal):
            candidates.append(beside)
    for seal in candidates:
        if seal.valid(key):
            for item in seal.erased:
                if isinstance(item, list) and len(item) == 3:
                    found[(item[0], item[1])] = item
    return sorted(found.values(), key=lambda item: str(item[2]))


def database_identity(connection: Connection) -> tuple[str | None, str]:
    """(database id or None before the seal existed, the first audit entry's hash or "")."""
    row = read_row(connection)
    first = ""
    if AuditEntry.__tablename__ in _tables(connection):
        first = connection.execute(select(_TRAIL.c.hash).order_by(_TRAIL.c.id).limit(1)).scalar() or ""
    return (row.database_id if row is not None else None), first


def count_entries(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(_TRAIL)).scalar_one())


def read_beside(db_path: Path) -> Seal | None:
    """The seal beside the database when it is there and this computer's key signed it."""
    found = _read_file(beside_path(db_path))
    return found if isinstance(found, Seal) and found.valid(seal_key(create=False)) else None


def erasures_beside(db_path: Path) -> list[list]:
    found = read_beside(db_path)
    return [item for item in (found.erased if found else []) if isinstance(item, list) and len(item) == 3]


def check_inside(connection: Connection) -> SealReport:
    """A backup's own trail against its own seal: cut short or re-chained after it was made.
    A seal made with another key (another computer) cannot say, and is not held against it."""
    row = read_row(connection)
    if row is None or not row.mac or not row.valid(_key_for(connection, create=False)):
        return SealReport()
    return check(connection, None)


def set_identity(connection: Connection, database_id: str) -> None:
    """The identity of the database a restored backup replaces (the same database's backup
    from before identities, which its upgrade gave a new one)."""
    connection.execute(update(_SEAL).where(_SEAL.c.id == 1).values(database_id=database_id))


def note_erasure(info: dict, client_id: int, created_at: datetime, erased_at: datetime) -> None:
    """Put an erased client in the register the seal carries (``erasures``), so a backup made
    before the erasure cannot bring the client back on restore."""
    info.setdefault(ERASED, []).append(
        [client_id, created_at.astimezone(UTC).isoformat(), erased_at.astimezone(UTC).isoformat()]
    )
