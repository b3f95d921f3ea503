"""Backups as a use case: who may make or restore one, where it may go, and the audit entry.

The database module does the copying (``Database.backup_to``, ``restore_backup``); this module
adds the rules around it, so the desktop app and the command line behave the same.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert, select

from broadtalk import audit
from broadtalk.audit import require
from broadtalk.erasure import erase_again
from broadtalk.errors import InputError, RefusedError, StoreError, os_reason
from broadtalk.files import private_file, private_folder
from broadtalk.i18n import _
from broadtalk.permissions import Permission
from broadtalk.practitioners import Actor
from broadtalk.store import seal
from broadtalk.store.database import (
    BACKUP_SUFFIX,
    PASSPHRASE_MIN_LENGTH,
    DamagedDatabase,
    Database,
    PassphraseNeeded,
    check_new_passphrase,
    companion_files,
    crash_point,
    export_copy,
    inspect_file,
    is_encrypted_file,
    list_backups,
    put_in_place,
    refuse_what_is_no_file,
)
from broadtalk.store.lock import exclusive_access
from broadtalk.store.tables import AuditEntry

log = logging.getLogger(__name__)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def check_backup_target(db: Database, target: Path) -> Path:
    """A new file for a backup: not the database itself, not a folder, not an existing file."""
    target = Path(target).expanduser()
    if any(_same_file(target, p) for p in (db.path, *companion_files(db.path))):
        raise InputError(_("{path} is the database itself; choose another file for the backup.").format(path=target))
    if target.is_dir():
        raise InputError(_("{path} is a folder; give the backup a file name, e.g. backup.sqlite.").format(path=target))
    if target.exists():
        raise InputError(
            _("{path} already exists; choose a new file name (a backup never overwrites a file).").format(path=target)
        )
    return target


def make_backup(db: Database, actor: Actor, target: Path) -> Path:
    """Copy the database to ``target`` (encrypted like it, checked); the attempt is audited.

    The copy is checked whole before it is put in place, and with it the database: a damaged
    database is refused with ``DamagedDatabase`` (the way out: restore a backup), never
    backed up silently. Safe to call off the GUI thread: it opens its own connections."""
    target = check_backup_target(db, target)
    with db.transaction():  # a refusal is written to the audit trail
        require(actor, Permission.BACKUP)
    try:
        written = db.backup_to(target)
    except StoreError:
        with db.transaction() as tx:
            audit.record(tx, actor, audit.Action.BACKUP, object_type="database", outcome=audit.Outcome.FAILED)
        raise
    with db.transaction() as tx:
        audit.record(tx, actor, audit.Action.BACKUP, object_type="database")
    return written


@dataclass(frozen=True)
class BackupFile:
    """A backup found in the backups folder: the file, when it was made and why."""

    path: Path
    made: datetime | None
    reason: str  # "on-exit", "before-migration-…", "before-restore", "automatic", or "" when unknown


def _parse_name(path: Path, stem: str) -> BackupFile:
    name = path.name.removesuffix(BACKUP_SUFFIX)
    made, reason = None, ""
    head, _sep, stamp = name.rpartition("-")
    try:
        made = datetime.strptime(stamp, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
    except ValueError:
        return BackupFile(path, None, "")
    prefix = stem + "-"
    reason = head[len(prefix) :] if head.startswith(prefix) else head
    return BackupFile(path, made, reason)


def available_backups(db_path: Path, backup_dir: Path) -> list[BackupFile]:
    """The backups of this database in ``backup_dir``, newest first."""
    stem = Path(db_path).stem
    return [_parse_name(p, stem) for p in list_backups(backup_dir) if p.name.startswith(stem + "-")]


def check_restore_source(db: Database | None, actor: Actor | None, backup: Path, passphrase: str | None) -> None:
    """Refuse before anything changes: the role (when a database is open), then the backup
    itself, opened read-only with ``passphrase`` and checked whole."""
    if db is not None and actor is not None:
        with db.transaction():  # a refusal is written to the audit trail
            require(actor, Permission.RESTORE)
    backup = Path(backup)
    if not backup.is_file():
        raise StoreError(_("There is no backup file {path}; check the name.").format(path=backup))
    if db is not None and _same_file(backup, db.path):
        raise InputError(_("{path} is the database itself; choose a backup file to restore.").format(path=backup))
    if inspect_file(backup, passphrase).revision is None:
        raise StoreError(
            _("{path} is not a broadtalk backup (it holds no broadtalk data); nothing was changed.").format(path=backup)
        )


# -- restoring ------------------------------------------------------------------------------------

_TRAIL = AuditEntry.__table__  # type: ignore[attr-defined]


class OtherDatabase(RefusedError):
    """The backup is of another database (another practice or installation)."""


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did, for the message to the user."""

    safety: Path | None  # the database as it was, kept aside
    passphrase: str | None  # what the restored database opens with (None: not encrypted)
    carried: int = 0  # audit entries written after the backup, carried over
    lost: int = 0  # entries of the replaced trail that could not be carried (it was unreadable)
    reapplied: int = 0  # erasures done after the backup, done again
    other_database: bool = False  # the practice was replaced by another database's backup
    encrypted_on_the_way: bool = False  # a plain backup, encrypted as it came in


@dataclass
class _Current:
    """What the database about to be replaced holds, read before anything changes."""

    exists: bool = False
    opens: bool = False
    encrypted: bool = False
    trail: list[dict] | None = None
    database_id: str | None = None
    first: str = ""
    sealed_last: int = 0
    erasures: list[list] | None = None


def _look_at_current(path: Path, passphrase: str | None) -> _Current:
    current = _Current()
    if not path.exists() or path.stat().st_size == 0:
        return current
    current.exists, current.encrypted = True, is_encrypted_file(path)
    beside = seal.read_beside(path)
    if beside is not None:
        current.database_id, current.first, current.sealed_last = beside.database_id, beside.first, beside.last_id
    current.erasures = seal.erasures_beside(path)
    try:
        database = Database.open_prepared_read(path, passphrase)
    except StoreError:
        return current  # damaged or another passphrase: its bytes are kept aside
    try:
        with database.engine.connect() as connection:
            current.trail = [dict(row._mapping) for row in connection.execute(select(_TRAIL).order_by(_TRAIL.c.id))]
            database_id, first = seal.database_identity(connection)
            current.database_id = database_id or current.database_id
            current.first = first or current.first
            found = seal.erasures(connection, path)
            current.erasures = _merge_erasures(current.erasures or [], found)
    finally:
        database.close()
    current.opens = True
    return current


def _merge_erasures(*lists: list[list]) -> list[list]:
    merged = {(item[0], item[1]): item for items in lists for item in items}
    return sorted(merged.values(), key=lambda item: str(item[2]))


def _same_database(current: _Current, backup_id: str | None, backup_first: str) -> bool:
    if current.database_id is None and not current.first:
        return True  # nothing to tell it by (a new installation): the backup may come in
    if backup_id is not None and current.database_id is not None:
        return backup_id == current.database_id
    # A backup from before databases had an identity: the same trail starts the same way.
    return bool(backup_first) and backup_first == current.first


def _target_passphrase(current: _Current, backup_encrypted: bool, backup_passphrase, passphrase) -> str | None:
    """Never lower protection: an encrypted database stays encrypted with its own passphrase; a
    plain backup is encrypted on the way in."""
    if current.encrypted:
        if passphrase is None:
            raise PassphraseNeeded(
                _("The database is encrypted: give its passphrase, so the restored data is encrypted with it too.")
            )
        return passphrase
    if backup_encrypted:
        return backup_passphrase
    if current.exists and not current.encrypted:
        return None  # a plain database from before encryption stays as it was (it is offered encryption)
    if passphrase is None:
        raise PassphraseNeeded(
            _(
                "This backup is not encrypted. Give a passphrase (at least {count} characters) to encrypt the "
                "restored database with; broadtalk keeps no data unencrypted."
            ).format(count=PASSPHRASE_MIN_LENGTH)
        )
    return check_new_passphrase(passphrase)


def restore(
    db_path: Path,
    backup: Path,
    *,
    backup_passphrase: str | None,
    passphrase: str | None,
    actor: Actor | None,
    safety_dir: Path,
    replace_practice: bool = False,
) -> RestoreResult:
    """Put ``backup`` in place of the database at ``db_path``, keeping every promise:

    * protection never goes down: the result is encrypted with the database's passphrase
      (a plain backup is encrypted on the way in);
    * a backup of another database is refused unless ``replace_practice``, and then the trail
      says so;
    * refused while any other broadtalk process has the database open (``store.lock``);
    * the audit entries written after the backup are carried over, the erasures done after it
      are done again, and the restore is itself recorded, all inside the prepared file before
      it replaces the database in one rename: a kill at any point leaves either the database
      as it was or the restored one, complete;
    * the database as it was is kept in ``safety_dir`` first.

    The database must be closed in this process (the caller closes it). ``actor`` names who
    restores (the role was checked by the caller); None when the database could not be
    opened to sign in."""
    db_path, backup = Path(db_path).expanduser(), Path(backup).expanduser()
    refuse_what_is_no_file(db_path)  # a folder, a device or a pipe is never replaced by the backup
    if not backup.is_file():
        raise StoreError(_("There is no backup file {path}; check the name.").format(path=backup))
    if _same_file(backup, db_path):
        raise InputError(_("{path} is the database itself; choose a backup file to restore.").format(path=backup))
    backup_state = inspect_file(backup, backup_passphrase)
    if backup_state.revision is None:
        raise StoreError(
            _("{path} is not a broadtalk backup (it holds no broadtalk data); nothing was changed.").format(path=backup)
        )
    backup_key = backup_passphrase if backup_state.encrypted else None
    problem = _backup_trail_problem(backup, backup_key)
    if problem:
        raise RefusedError(
            _("The audit trail in the backup {path} is not whole: {problem} Nothing was changed.").format(
                path=backup.name, problem=problem
            )
        )
    with exclusive_access(db_path):
        current = _look_at_current(db_path, passphrase)
        backup_id, backup_first = _identity_of(backup, backup_key)
        same = _same_database(current, backup_id, backup_first)
        if not same and not replace_practice:
            raise OtherDatabase(
                _(
                    "The backup {path} is of another database (another practice or installation), not of this "
                    "one. Nothing was changed. Only to replace this practice's data by it, choose to replace the "
                    "practice (on the command line: --replace-practice)."
                ).format(path=backup.name)
            )
        target_key = _target_passphrase(current, backup_state.encrypted, backup_passphrase, passphrase)
        safety = _keep_aside(db_path, current, passphrase, safety_dir) if current.exists else None
        prepared = db_path.with_name(db_path.name + ".restoring")
        export_copy(backup, backup_key, prepared, target_key)
        crash_point("restore-copied")
        result = _complete_prepared(prepared, target_key, current, same, actor, safety)
        crash_point("restore-prepared")
        put_in_place(prepared, db_path, target_key)
    log.info("database restored from a backup")
    return RestoreResult(
        safety=safety,
        passphrase=target_key,
        carried=result[0],
        lost=result[1],
        reapplied=result[2],
        other_database=not same,
        encrypted_on_the_way=target_key is not None and not backup_state.encrypted,
    )


def _identity_of(path: Path, key: str | None) -> tuple[str | None, str]:
    database = Database.open_prepared_read(path, key)
    try:
        with database.engine.connect() as connection:
            return seal.database_identity(connection)
    finally:
        database.close()


def _backup_trail_problem(path: Path, key: str | None) -> str:
    """A backup whose trail was cut or re-chained after it was made no longer fits its own seal."""
    database = Database.open_prepared_read(path, key)
    try:
        with database.engine.connect() as connection:
            report = seal.check_inside(connection)
    finally:
        database.close()
    return " ".join(report.problems)


def _keep_aside(db_path: Path, current: _Current, passphrase: str | None, safety_dir: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    if current.opens:
        database = Database.open_prepared_read(db_path, passphrase if current.encrypted else None)
        try:
            return database.backup_to(Path(safety_dir) / f"{db_path.stem}-before-restore-{stamp}{BACKUP_SUFFIX}")
        except DamagedDatabase:
            pass  # it opens, but a page is damaged (its check failed): its bytes are kept below
        finally:
            database.close()
    # The current file may be the damaged one we are restoring over: keep its bytes.
    safety = Path(safety_dir) / f"{db_path.stem}-damaged-{stamp}{BACKUP_SUFFIX}"
    private_folder(safety.parent)
    private_file(safety)
    try:
        with db_path.open("rb") as source, safety.open("wb") as target:
            shutil.copyfileobj(source, target, 2**20)  # streamed: a damaged file may be huge
    except OSError as error:
        safety.unlink(missing_ok=True)
        raise StoreError(
            _("The database as it is now cannot be kept aside in {folder} ({reason}); nothing was replaced.").format(
                folder=safety.parent, reason=os_reason(error)
            )
        ) from None
    return safety


def _complete_prepared(
    prepared: Path, key: str | None, current: _Current, same: bool, actor: Actor | None, safety: Path | None
) -> tuple[int, int, int]:
    """In the prepared file: the identity, the carried-over trail, the erasures done again and
    the restore's own entry. Returns (carried, lost, reapplied)."""
    database = Database.open_prepared(prepared, key)
    try:
        carried = lost = reapplied = 0
        with database.transaction() as tx:
            connection = tx.connection()
            if same and current.database_id is not None:
                seal.set_identity(connection, current.database_id)
            if current.trail is not None and same:
                carried = _carry_over(connection, current.trail)
                if carried < 0:
                    lost, carried = len(current.trail), 0
            elif current.trail is not None:
                lost = 0  # another practice's trail is kept whole in the file set aside
            elif same and current.sealed_last:
                last = connection.execute(select(func.max(_TRAIL.c.id))).scalar() or 0
                lost = max(0, current.sealed_last - last)
            if same:
                for client_id, created, erased_at in current.erasures or []:
                    if erase_again(tx, actor, int(client_id), str(created), str(erased_at)):
                        reapplied += 1
            detail = f"trail+{carried}"
            if reapplied:
                detail += f";erasures+{reapplied}"
            if lost:
                detail += f";lost={lost}"
            if not same:
                detail += ";other database"
            audit.record(tx, actor, audit.Action.RESTORE, object_type="database", detail=detail)
        with database.engine.begin() as connection:
            seal.renew(connection)  # the restored trail, sealed with this computer's key
    finally:
        database.close()
    return carried, lost, reapplied


def _carry_over(connection, trail: list[dict]) -> int:
    """Append the replaced trail's entries written after the backup, as they are (they fit the
    chain: the backup's trail is the beginning of the replaced one). -1 when it is not."""
    last = connection.execute(select(_TRAIL.c.id, _TRAIL.c.hash).order_by(_TRAIL.c.id.desc()).limit(1)).first()
    by_id = {entry["id"]: entry for entry in trail}
    if last is None:
        later = trail
    elif by_id.get(last.id, {}).get("hash") != last.hash:
        return -1
    else:
        later = [entry for entry in trail if entry["id"] > last.id]
    if later:
        connection.execute(insert(_TRAIL), later)
    return len(later)
