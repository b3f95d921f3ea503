"""Erasing a client: the client and everything recorded about them, for good.

A client may ask for their data to be erased (AVG art. 17; for a medical record WGBO art.
7:455 BW), and a record past its retention period is erased too. ``erase_client`` deletes the
client row and every row that hangs from it, children first, in one transaction, and writes
one audit entry that says so with counts only. The database runs with ``secure_delete``, so the
freed bytes are overwritten; after the transaction the caller runs ``finish_erasure(db, report)``
so the write-ahead log is folded into the file and truncated, and no copy of the old pages
remains. Only then is the erasure reported as done: while another connection (a second broadtalk
window or program, a backup being made) still reads the older pages, SQLite keeps them in the
main file, and the user is told so; they are overwritten when that connection closes, or at the
next start.

The audit trail keeps its entries about the client (ids, kinds, times: no name, no content):
they are the proof of who looked at the record and that it was erased. Backups made before
the erasure still hold the client until they are rotated out or removed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from broadtalk import audit, client_search
from broadtalk.audit import require
from broadtalk.errors import NotFoundError
from broadtalk.i18n import _
from broadtalk.permissions import Permission
from broadtalk.practitioners import Actor
from broadtalk.store import seal
from broadtalk.store.tables import (
    Action,
    Answer,
    Client,
    Consent,
    Conversation,
    ConversationChange,
    Disclosure,
    DomainAssessment,
    Goal,
    MonitorCount,
    Referral,
    ReferralEvent,
)

if TYPE_CHECKING:
    from broadtalk.store.database import Database

log = logging.getLogger(__name__)

#: How long an erasure waits (seconds) for another connection to let go of the old pages.
CHECKPOINT_PATIENCE = 5.0


@dataclass(frozen=True)
class ErasureReport:
    """What was erased: the client's number (for the message to the user) and counts."""

    client_id: int
    client_number: str
    conversations: int = 0
    answers: int = 0
    assessments: int = 0
    goals: int = 0
    actions: int = 0
    changes: int = 0
    referrals: int = 0
    referral_events: int = 0
    consents: int = 0
    disclosures: int = 0

    def detail(self) -> str:
        """The counts as a short code for the audit entry: numbers only, no content."""
        counted = [f.name for f in fields(self) if f.name not in ("client_id", "client_number")]
        return ";".join(f"{name}={getattr(self, name)}" for name in counted)


def _count_and_delete(tx: Session, table, condition) -> int:
    """Delete the rows that match; returns how many there were."""
    count = tx.exec(select(func.count()).select_from(table).where(condition)).one()
    if count:
        tx.exec(delete(table).where(condition))
    return int(count)


def erase_client(tx: Session, actor: Actor, client_id: int, *, now: datetime | None = None) -> ErasureReport:
    """Delete the client and everything recorded about them; one audit entry with the counts.

    Every dependent table is emptied explicitly, children before parents, so nothing depends
    on the foreign keys' cascades being switched on. Run ``finish_erasure(db, report)`` after
    the transaction so the write-ahead log holds no copy of the erased pages."""
    require(actor, Permission.ERASE_CLIENTS, client_id=client_id)
    client = tx.get(Client, client_id)
    if client is None:
        raise NotFoundError(_("There is no client with number {id}; nothing was erased.").format(id=client_id))
    now = now or datetime.now(UTC)
    seal.note_erasure(tx.info, client_id, client.created_at, now)  # a restore cannot bring them back
    report = _delete_client(tx, client_id, client.client_number)
    audit.record(
        tx,
        actor,
        audit.Action.ERASE,
        object_type="client",
        object_id=client_id,
        client_id=client_id,
        detail=report.detail(),
        now=now,
    )
    return report


def erase_again(tx: Session, actor: Actor | None, client_id: int, created_at: str, erased_at: str) -> bool:
    """In a restored backup: erase again a client erased after the backup was made (the
    register the audit trail's seal carries). Only the very client: same id and same moment of
    creation (an id can be given again to a later client). True when something was erased."""
    client = tx.get(Client, client_id)
    if client is None or client.created_at.astimezone(UTC).isoformat() != created_at:
        return False
    seal.note_erasure(tx.info, client_id, client.created_at, datetime.fromisoformat(erased_at))
    report = _delete_client(tx, client_id, client.client_number)
    audit.record(
        tx,
        actor,
        audit.Action.ERASE,
        object_type="client",
        object_id=client_id,
        client_id=client_id,
        detail="reapplied;" + report.detail(),
    )
    return True


def _delete_client(tx: Session, client_id: int, number: str) -> ErasureReport:
    """Every row of the client, children before parents."""
    conversations = select(Conversation.id).where(Conversation.client_id == client_id)
    referrals = select(Referral.id).where(Referral.client_id == client_id)

    def in_conversation(table):
        return col(table.conversation_id).in_(conversations)

    def in_referral(table):
        return col(table.referral_id).in_(referrals)

    disclosures = _count_and_delete(tx, Disclosure, in_referral(Disclosure))
    consents = _count_and_delete(tx, Consent, in_referral(Consent) | (Consent.client_id == client_id))
    referral_events = _count_and_delete(tx, ReferralEvent, in_referral(ReferralEvent))
    referral_count = _count_and_delete(tx, Referral, Referral.client_id == client_id)
    changes = _count_and_delete(tx, ConversationChange, in_conversation(ConversationChange))
    actions = _count_and_delete(tx, Action, in_conversation(Action))
    goals = _count_and_delete(tx, Goal, in_conversation(Goal))
    assessments = _count_and_delete(tx, DomainAssessment, in_conversation(DomainAssessment))
    answers = _count_and_delete(tx, Answer, in_conversation(Answer))
    conversation_count = _count_and_delete(tx, Conversation, Conversation.client_id == client_id)
    client_search.forget_client(tx.connection(), client_id)  # the search index's rows about them
    tx.exec(delete(Client).where(Client.id == client_id))
    # The monitor's kept counts were counted with the client (aggregates only): counted again
    # without them when the monitor next opens.
    tx.exec(delete(MonitorCount))
    tx.expunge_all()  # no erased row lingers in the session's identity map

    return ErasureReport(
        client_id=client_id,
        client_number=number,
        conversations=conversation_count,
        answers=answers,
        assessments=assessments,
        goals=goals,
        actions=actions,
        changes=changes,
        referrals=referral_count,
        referral_events=referral_events,
        consents=consents,
        disclosures=disclosures,
    )


def unfinished_message(client_number: str) -> str:
    """What the user is told when the erased pages could not be overwritten yet."""
    return _(
        "Client {number} is erased from the database, but another broadtalk window or program has the database "
        "open and still holds older pages with the client's data, so the erasure is not finished on disk yet. "
        "Those pages are overwritten when that window or program closes, or else the next time broadtalk starts; "
        "close the other broadtalk windows to finish it now."
    ).format(number=client_number)


def finish_erasure(db: Database, report: ErasureReport, *, patience: float | None = None) -> str | None:
    """After the erasing transaction: fold the write-ahead log into the main file and empty it.

    None when that is done, and only then may the erasure be reported as done. Otherwise the
    message that says plainly what is not finished (``unfinished_message``): the rows are gone
    from the database, but another connection still reads the older pages, so the main file
    keeps them until it lets go. Waits up to ``patience`` seconds (``CHECKPOINT_PATIENCE``)."""
    if db.checkpoint(patience=CHECKPOINT_PATIENCE if patience is None else patience):
        return None
    log.warning("erasure of client %s not finished on disk: another connection holds older pages", report.client_id)
    return unfinished_message(report.client_number)
