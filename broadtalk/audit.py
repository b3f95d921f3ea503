"""The audit trail: who looked at or changed which record, when, where, with what outcome.

After NEN 7513. Use cases call ``record`` inside their own transaction, so an entry exists
exactly when the thing it describes happened. Entries hold ids and kinds, never what was said.
Each entry's hash covers its fields and the previous entry's hash; ``verify_chain`` walks the
chain and names the first entry that was changed, removed or put out of order. Triggers in
the database refuse UPDATE and DELETE on the table.
"""

from __future__ import annotations

import hashlib
import json
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import func, insert
from sqlalchemy.engine import Row
from sqlmodel import Session, col, select

from broadtalk.i18n import N_, _
from broadtalk.permissions import DESCRIPTIONS, Permission, allows, refusal
from broadtalk.practitioners import Actor, role_label
from broadtalk.referral_steps import STATUS_LABELS
from broadtalk.store import seal
from broadtalk.store.tables import AuditEntry

GENESIS = "0" * 64

# Core statements, built once: use cases write an entry each (the demo tens of thousands), and
# the ORM's flush per entry would double the time a 10,000-client demo takes.
_TABLE = AuditEntry.__table__  # type: ignore[attr-defined]
_LAST_HASH = select(_TABLE.c.hash).order_by(_TABLE.c.id.desc()).limit(1)
_INSERT = insert(_TABLE)
#: The newest entry this transaction wrote, as (the connection's transaction, id, hash): the next
#: entry of the same transaction chains to it without reading it back.
_CHAIN_HEAD = "broadtalk.audit_chain_head"


class Action(StrEnum):
    VIEW = "view"
    LIST = "list"
    CREATE = "create"
    CHANGE = "change"
    EXPORT = "export"
    PRINT = "print"
    ERASE = "erase"
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_OUT = "sign_out"
    LOCK = "lock"
    UNLOCK = "unlock"
    UNLOCK_FAILED = "unlock_failed"
    BACKUP = "backup"
    RESTORE = "restore"
    REFUSED = "refused"


class Outcome(StrEnum):
    SUCCESS = "success"
    REFUSED = "refused"
    FAILED = "failed"


ACTION_LABELS: dict[str, str] = {
    Action.VIEW: N_("viewed"),
    Action.LIST: N_("listed"),
    Action.CREATE: N_("created"),
    Action.CHANGE: N_("changed"),
    Action.EXPORT: N_("exported"),
    Action.PRINT: N_("printed"),
    Action.ERASE: N_("erased"),
    Action.SIGN_IN: N_("signed in"),
    Action.SIGN_IN_FAILED: N_("sign-in failed"),
    Action.SIGN_OUT: N_("signed out"),
    Action.LOCK: N_("locked"),
    Action.UNLOCK: N_("unlocked"),
    Action.UNLOCK_FAILED: N_("unlock failed"),
    Action.BACKUP: N_("backed up"),
    Action.RESTORE: N_("restored"),
    Action.REFUSED: N_("refused"),
}

OUTCOME_LABELS: dict[str, str] = {
    Outcome.SUCCESS: N_("success"),
    Outcome.REFUSED: N_("refused"),
    Outcome.FAILED: N_("failed"),
}


def action_label(action: str) -> str:
    return _(ACTION_LABELS[action]) if action in ACTION_LABELS else action


def outcome_label(outcome: str) -> str:
    return _(OUTCOME_LABELS[outcome]) if outcome in OUTCOME_LABELS else outcome


#: The kinds of record entries name (``object_type``), as a reader of the trail calls them.
OBJECT_TYPE_LABELS: dict[str, str] = {
    "action": N_("action"),
    "access_grants": N_("access notice"),
    "audit": N_("audit trail"),
    "client": N_("client"),
    "consent": N_("consent"),
    "conversation": N_("conversation"),
    "database": N_("database"),
    "handover": N_("handover document"),
    "model": N_("conversation model"),
    "monitor": N_("monitor (figures without names)"),
    "offering": N_("offering"),
    "organisation": N_("organisation"),
    "practitioner": N_("practitioner"),
    "session": N_("session"),
    "referral": N_("referral"),
    "retention": N_("retention review"),
    "setting": N_("setting"),
    "sign_in_secret": N_("sign-in secret"),
    "social_map_import": N_("social map import"),
}


def object_label(object_type: str) -> str:
    """What an entry is about, in words: a kind of record, or for a refusal what was asked."""
    if object_type in OBJECT_TYPE_LABELS:
        return _(OBJECT_TYPE_LABELS[object_type])
    if object_type in DESCRIPTIONS:  # a refusal names the permission that was missing
        return _(DESCRIPTIONS[Permission(object_type)])
    return object_type


#: Codes that entries carry in ``detail``, as a reader of the trail calls them.
DETAIL_LABELS: dict[str, str] = {
    "done": N_("done"),
    "not_done": N_("not done"),
    "deactivated": N_("switched off"),
    "first": N_("chosen at first sign-in"),
    "set_up": N_("set up"),
    "passphrase": N_("passphrase changed"),
    "encrypted": N_("encrypted"),
    "withdrawn": N_("withdrawn"),
    "recorded": N_("recorded"),
    "locked out": N_("locked out"),
    "chain intact": N_("chain intact"),
    "seal broken": N_("entries missing from the trail (seal)"),
    "seal renewed": N_("seal renewed"),
    "name": N_("name"),
    "handover_pdf": N_("handover document"),
    "client_copy": N_("client copy"),
    "handover_fhir": N_("handover as FHIR data"),
    "gp_note": N_("note for the GP's record"),
    "client_summary": N_("summary for the client"),
}


def detail_label(detail: str) -> str:
    """An entry's detail in words where it is a known code (a referral's new status too);
    numbers and other details as they are."""
    if detail in DETAIL_LABELS:
        return _(DETAIL_LABELS[detail])
    if detail in STATUS_LABELS:
        return _(STATUS_LABELS[detail])
    if detail.startswith("role:"):  # the role an account was given
        try:
            return role_label(detail.removeprefix("role:"))
        except ValueError:  # a role this version does not know
            return detail
    if detail.startswith("chain broken at "):
        return _("chain broken at entry {id}").format(id=detail.removeprefix("chain broken at "))
    return detail


@lru_cache(maxsize=1)
def workstation_name() -> str:
    """This computer's network name: which device a record was reached from."""
    try:
        return socket.gethostname()[:200]
    except OSError:
        return ""


def _fields(entry: AuditEntry | Row | SimpleNamespace) -> dict[str, object]:
    at = entry.at.astimezone(UTC) if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)
    return {
        "at": at.isoformat(timespec="microseconds"),
        "practitioner_id": entry.practitioner_id,
        "practitioner_name": entry.practitioner_name,
        "role": entry.role,
        "workstation": entry.workstation,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "client_id": entry.client_id,
        "outcome": entry.outcome,
        "detail": entry.detail,
        "prev_hash": entry.prev_hash,
    }


def entry_hash(entry: AuditEntry | Row | SimpleNamespace) -> str:
    canonical = json.dumps(_fields(entry), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record(
    tx: Session,
    actor: Actor | None,
    action: Action | str,
    *,
    object_type: str = "",
    object_id: int | None = None,
    client_id: int | None = None,
    outcome: Outcome | str = Outcome.SUCCESS,
    detail: str = "",
    practitioner_id: int | None = None,
    practitioner_name: str = "",
    now: datetime | None = None,
) -> AuditEntry:
    """Append one entry, chained to the last one, in the caller's transaction.

    ``practitioner_id``/``practitioner_name`` name who was claimed when there is no signed-in
    actor (a failed sign-in)."""
    connection = tx.connection()
    transaction = connection.get_transaction()
    head = tx.info.get(_CHAIN_HEAD)
    known = head is not None and head[0] is transaction  # written earlier in this same transaction
    last = head[2] if known else connection.execute(_LAST_HASH).scalar()
    # Plain values, not a validated model object: the demo writes tens of thousands of entries.
    values: dict[str, object] = {
        "at": (now or datetime.now(UTC)).astimezone(UTC),
        "practitioner_id": actor.id if actor is not None else practitioner_id,
        "practitioner_name": (actor.name if actor is not None else practitioner_name)[:200],
        "role": str(actor.role) if actor is not None else "",
        "workstation": workstation_name(),
        "action": str(action),
        "object_type": object_type,
        "object_id": object_id,
        "client_id": client_id,
        "outcome": str(outcome),
        "detail": detail[:200],
        "prev_hash": last or GENESIS,
    }
    values["hash"] = entry_hash(SimpleNamespace(**values))
    new_id = connection.execute(_INSERT, values).inserted_primary_key[0]
    if known and new_id != head[1] + 1:
        # Something else wrote an entry in between: this one is chained to the wrong one. Refused,
        # so the transaction rolls back and the trail stays whole.
        raise RuntimeError("audit trail written past the use case; chain not extended")
    tx.info[_CHAIN_HEAD] = (transaction, new_id, values["hash"])
    tx.info[seal.AUDIT_HEAD] = (new_id, values["hash"])  # sealed when the transaction commits
    return AuditEntry.model_construct(id=new_id, **values)


#: Within this time a practitioner's repeated view or autosave of the same record is one entry.
REPEAT_WINDOW = timedelta(minutes=10)


def record_once(
    tx: Session,
    actor: Actor,
    action: Action | str,
    *,
    object_type: str,
    object_id: int | None,
    client_id: int | None = None,
    detail: str = "",
    within: timedelta = REPEAT_WINDOW,
    now: datetime | None = None,
) -> AuditEntry | None:
    """``record``, unless this practitioner's last entry for the same action on the same object
    is less than ``within`` old: an autosave every few hundred milliseconds, or a screen that
    reloads after each change, is one entry and not hundreds. Returns the new entry or None."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    query = select(AuditEntry.at).where(
        AuditEntry.practitioner_id == actor.id,
        AuditEntry.action == str(action),
        AuditEntry.object_type == object_type,
        AuditEntry.object_id == object_id,
        AuditEntry.outcome == Outcome.SUCCESS,
    )
    if client_id is not None:  # the client index keeps this quick on a long trail
        query = query.where(AuditEntry.client_id == client_id)
    last = tx.exec(query.order_by(col(AuditEntry.id).desc()).limit(1)).first()
    if last is not None and now - last.astimezone(UTC) < within:
        return None
    return record(
        tx, actor, action, object_type=object_type, object_id=object_id, client_id=client_id, detail=detail, now=now
    )


def require(actor: Actor, permission: Permission, *, client_id: int | None = None) -> None:
    """Raise PermissionRefused unless the actor's role has the permission (the role matrix in
    ``permissions``); the refusal is written to the audit trail after the use case's
    transaction is rolled back."""
    if allows(actor, permission):
        return
    raise after_rollback(
        refusal(actor, permission),
        lambda tx: record(
            tx,
            actor,
            Action.REFUSED,
            object_type=permission.value,
            client_id=client_id,
            outcome=Outcome.REFUSED,
        ),
    )


def after_rollback(error: Exception, write: Callable[[Session], object]) -> Exception:
    """Attach an audit write to an error, for ``Database.transaction`` to run in a fresh
    transaction after the use case's own was rolled back (a refusal is recorded too)."""
    error.record_after_rollback = write  # type: ignore[attr-defined]
    return error


@dataclass(frozen=True)
class ChainReport:
    entries: int
    #: The id of the first entry that does not fit, or None when the chain is whole.
    broken_at: int | None
    reason: str
    #: What the seal outside the database says is missing or rewritten (``store.seal``).
    seal_problems: tuple[str, ...] = ()
    #: The first and last id of the entries the seal names but the trail no longer holds.
    missing: tuple[int, int] | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None and not self.seal_problems


#: How many entries ``verify_chain`` reads between two calls of its ``progress``.
VERIFY_BATCH = 2000


def verify_chain(tx: Session, progress: Callable[[int, int], object] | None = None) -> ChainReport:
    """Walk the whole trail; the first entry whose hash or link does not fit breaks it.

    ``progress(done, total)`` is called before the first entry and after every
    ``VERIFY_BATCH`` entries (a long trail takes seconds); it may raise to stop the walk.
    Rows are read as plain rows in batches, not as ORM objects: faster, and a trail of
    hundreds of thousands of entries is never held in memory at once."""
    connection = tx.connection()
    total = 0
    if progress is not None:
        total = connection.execute(select(func.count()).select_from(_TABLE)).scalar_one()
        progress(0, total)
    expected = GENESIS
    count = 0
    # Per statement: on a connection the option would stay (PostgreSQL: a server-side cursor for the
    # audit entry written after the walk).
    rows = connection.execute(select(_TABLE).order_by(_TABLE.c.id), execution_options={"yield_per": VERIFY_BATCH})
    for entry in rows:
        count += 1
        if entry.prev_hash != expected:
            return ChainReport(
                count,
                entry.id,
                _("Entry {id} does not follow the entry before it: an entry was removed or inserted.").format(
                    id=entry.id
                ),
            )
        if entry_hash(entry) != entry.hash:
            return ChainReport(count, entry.id, _("Entry {id} was changed after it was written.").format(id=entry.id))
        expected = entry.hash
        if progress is not None and count % VERIFY_BATCH == 0:
            progress(count, total)
    return ChainReport(count, None, "")


def check_chain(
    tx: Session,
    actor: Actor,
    progress: Callable[[int, int], object] | None = None,
    *,
    db_path: Path | str | None = None,
) -> ChainReport:
    """``verify_chain`` for someone allowed to see the trail, then the trail against its seal
    (inside the database, and beside ``db_path``): entries cut from the end, all entries
    deleted, or entries removed and the rest chained again are reported with what is missing.
    The check itself is recorded.

    ``progress`` as for ``verify_chain``; when it raises, nothing is recorded."""
    require(actor, Permission.VIEW_AUDIT)
    report = verify_chain(tx, progress)
    if report.broken_at is None:
        sealed = seal.check(tx.connection(), db_path)
        if not sealed.intact:
            report = ChainReport(
                report.entries, None, " ".join(sealed.problems), tuple(sealed.problems), sealed.missing
            )
    if report.intact:
        detail = "chain intact"
    elif report.broken_at is not None:
        detail = f"chain broken at {report.broken_at}"
    else:
        detail = "seal broken"
    record(tx, actor, Action.VIEW, object_type="audit", outcome=Outcome.SUCCESS, detail=detail)
    return report


def renew_seal(tx: Session, actor: Actor) -> None:
    """Sign the trail as it is now with this computer's key, after a reported problem was
    looked into (a database moved from another computer, a lost key). Needs the right to see
    the trail and to manage the practice's settings; the renewal is itself an entry."""
    require(actor, Permission.VIEW_AUDIT)
    require(actor, Permission.MANAGE_SETTINGS)
    record(tx, actor, Action.CHANGE, object_type="audit", detail="seal renewed")
    new = seal.renew(tx.connection())
    if new is not None:
        tx.info[seal.NEW_SEAL] = new


def seal_problems(tx: Session, db_path: Path | str | None) -> tuple[str, ...]:
    """The quick look at opening: the trail's end against its seal (no walk of the chain)."""
    return seal.check(tx.connection(), db_path).problems


@dataclass(frozen=True)
class AuditFilter:
    client_id: int | None = None
    practitioner_id: int | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int | None = None


def list_entries(tx: Session, actor: Actor, where: AuditFilter | None = None) -> list[AuditEntry]:
    """Entries newest first, filtered; looking at the trail is itself recorded."""
    require(actor, Permission.VIEW_AUDIT)
    where = where or AuditFilter()
    query = select(AuditEntry)
    if where.client_id is not None:
        query = query.where(AuditEntry.client_id == where.client_id)
    if where.practitioner_id is not None:
        query = query.where(AuditEntry.practitioner_id == where.practitioner_id)
    if where.action:
        query = query.where(AuditEntry.action == where.action)
    if where.since is not None:
        query = query.where(AuditEntry.at >= where.since)
    if where.until is not None:
        query = query.where(AuditEntry.at < where.until)
    query = query.order_by(col(AuditEntry.id).desc())
    if where.limit:
        query = query.limit(where.limit)
    rows = list(tx.exec(query))
    record(tx, actor, Action.VIEW, object_type="audit", client_id=where.client_id, detail=str(len(rows)))
    return rows


def as_json_row(entry: AuditEntry) -> dict[str, object]:
    """One entry for ``audit --json``: stable English keys."""
    return {
        "id": entry.id,
        "timestamp": entry.at.astimezone(UTC).isoformat(timespec="seconds"),
        "user": entry.practitioner_name,
        "user_id": entry.practitioner_id,
        "role": entry.role,
        "workstation": entry.workstation,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "client_id": entry.client_id,
        "outcome": entry.outcome,
        "detail": entry.detail,
        "hash": entry.hash,
    }
