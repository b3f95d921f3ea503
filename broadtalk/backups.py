"""Backups as a use case: who may make or restore one, where it may go, and the audit entry.

The database module does the copying (``Database.backup_to``, ``restore_backup``); this module
adds the rules around it, so the desktop app and the command line behave the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

from broadtalk import audit
from broadtalk.audit import require
from broadtalk.errors import InputError, StoreError
from broadtalk.i18n import _
from broadtalk.permissions import Permission
from broadtalk.practitioners import Actor
from broadtalk.store.database import BACKUP_SUFFIX, Database, companion_files, inspect_file, list_backups
from broadtalk.store.tables import AuditEntry


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

    Safe to call off the GUI thread: it opens its own connections."""
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


# -- the audit trail survives a restore ------------------------------------------------------

_TRAIL = AuditEntry.__table__  # type: ignore[attr-defined]


def read_trail(db: Database) -> list[dict]:
    """Every audit entry of ``db`` as plain values, oldest first (read before a restore)."""
    with db.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(select(_TRAIL).order_by(_TRAIL.c.id))]


def carry_over_trail(restored: Database, trail: list[dict]) -> int:
    """Append to a restored database the entries of the replaced one's trail that were written
    after the backup, so a restore never wipes out who looked at what (NEN 7513).

    Only when the backup's trail is the beginning of the replaced trail (same last id and
    hash): then the entries fit the chain as they are. A backup of another database starts
    another chain; its trail stays as it is and the replaced file is kept aside. Returns the
    number of entries carried over."""
    with restored.transaction() as tx:
        last = tx.connection().execute(select(_TRAIL.c.id, _TRAIL.c.hash).order_by(_TRAIL.c.id.desc()).limit(1)).first()
        by_id = {entry["id"]: entry for entry in trail}
        if last is None or by_id.get(last.id, {}).get("hash") != last.hash:
            return 0
        later = [entry for entry in trail if entry["id"] > last.id]
        if later:
            tx.connection().execute(insert(_TRAIL), later)
    return len(later)
