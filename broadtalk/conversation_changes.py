"""The amendment log: who changed what in a conversation after it was completed.

A completed conversation is read-only until a practitioner explicitly amends it; from then on
every change is written here with the old and the new value, so the record shows what was
said at the time and what was corrected later, by whom.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from broadtalk import audit
from broadtalk.audit import require
from broadtalk.errors import NotFoundError
from broadtalk.i18n import _
from broadtalk.permissions import Permission
from broadtalk.practitioners import Actor
from broadtalk.store.tables import Conversation, ConversationChange, Practitioner

AMENDING = "amending"


@dataclass(frozen=True)
class ChangeView:
    changed_at: datetime
    practitioner_name: str
    target: str
    old_value: Any
    new_value: Any


def _encode(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def log_change(tx: Session, row: Conversation, actor: Actor, target: str, old: Any, new: Any, now: datetime) -> None:
    """Record a change when the conversation is being amended (drafts are not logged: they are being written)."""
    if row.status != AMENDING or old == new:
        return
    tx.add(
        ConversationChange(
            conversation_id=row.id,
            practitioner_id=actor.id,
            changed_at=now,
            target=target,
            old_value=_encode(old),
            new_value=_encode(new),
        )
    )


def start_amendment_log(tx: Session, row: Conversation, actor: Actor, now: datetime) -> None:
    tx.add(
        ConversationChange(
            conversation_id=row.id,
            practitioner_id=actor.id,
            changed_at=now,
            target="amend:start",
            old_value="",
            new_value="",
        )
    )


def list_changes(tx: Session, actor: Actor, conversation_id: int) -> list[ChangeView]:
    """Every amendment of a conversation, oldest first (what was said and corrected: a view of it)."""
    conversation = tx.get(Conversation, conversation_id)
    require(actor, Permission.VIEW_CONVERSATIONS, client_id=conversation.client_id if conversation else None)
    if conversation is None:
        raise NotFoundError(_("There is no conversation with number {id}.").format(id=conversation_id))
    audit.record_once(
        tx,
        actor,
        audit.Action.VIEW,
        object_type="conversation",
        object_id=conversation_id,
        client_id=conversation.client_id,
    )
    rows = tx.exec(
        select(ConversationChange, Practitioner.name)
        .outerjoin(Practitioner, Practitioner.id == ConversationChange.practitioner_id)
        .where(ConversationChange.conversation_id == conversation_id)
        .order_by(ConversationChange.changed_at, ConversationChange.id)
    ).all()
    return [
        ChangeView(
            changed_at=change.changed_at,
            practitioner_name=name or "",
            target=change.target,
            old_value=json.loads(change.old_value) if change.old_value else None,
            new_value=json.loads(change.new_value) if change.new_value else None,
        )
        for change, name in rows
    ]
