"""The client's own scores: in the locked client view the client gives each domain their own
score and may mark "I want to talk about this".

Positive health is scored by the person; the self-sufficiency matrix compares the person's own
view with the professional's. So the client's score is stored beside the practitioner's score
(``domain_assessment.client_score``) and never over it, and the chart's scores stay the
practitioner's.

The client uses the practitioner's session (the laptop turned towards them), so the use case
takes the signed-in practitioner and needs ``HOLD_CONVERSATIONS``, like every edit of a
conversation: checked against the model's scale, written by the autosave, recorded in the
audit trail as a change of the conversation, refused on a completed conversation until it is
amended, and then logged as an amendment.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from broadtalk import audit
from broadtalk.audit import require
from broadtalk.conversation_changes import log_change
from broadtalk.conversations import COMPLETED, UNSET, AssessmentView, check_score
from broadtalk.errors import InputError, NotFoundError, RefusedError
from broadtalk.forms.library import find_model
from broadtalk.i18n import _
from broadtalk.permissions import Permission
from broadtalk.practitioners import Actor
from broadtalk.store.tables import Conversation, DomainAssessment


def set_client_assessment(
    tx: Session,
    actor: Actor,
    conversation_id: int,
    domain_id: str,
    *,
    score: int | None = UNSET,
    wants_to_talk: bool = UNSET,
    now: datetime | None = None,
) -> AssessmentView:
    """The client's own score for one domain (None clears it) and whether they want to talk
    about it; only the given fields change, the practitioner's score and texts never."""
    row = tx.get(Conversation, conversation_id)
    require(actor, Permission.HOLD_CONVERSATIONS, client_id=row.client_id if row is not None else None)
    if row is None:
        raise NotFoundError(_("There is no conversation with number {id}.").format(id=conversation_id))
    if row.status == COMPLETED:
        raise RefusedError(
            _("This conversation is completed and can no longer be changed; choose 'Amend' to correct it.")
        )
    model = find_model(tx, row.model_id, row.model_version)
    domain = model.domain(domain_id)
    if domain is None:
        raise InputError(
            _("The model '{model}' has no domain '{id}'.").format(model=model.display_title(), id=domain_id)
        )
    if score is not UNSET:
        check_score(model, domain, score)
    now = now or datetime.now(UTC)
    assessment = tx.exec(
        select(DomainAssessment).where(
            DomainAssessment.conversation_id == conversation_id, DomainAssessment.domain_id == domain_id
        )
    ).first() or DomainAssessment(conversation_id=conversation_id, domain_id=domain_id, updated_at=now)
    changes = {
        "client_score": score,
        "client_wants_to_talk": bool(wants_to_talk) if wants_to_talk is not UNSET else UNSET,
    }
    for field_name, value in changes.items():
        if value is not UNSET:
            log_change(tx, row, actor, f"{field_name}:{domain_id}", getattr(assessment, field_name), value, now)
            setattr(assessment, field_name, value)
    assessment.updated_at = now
    tx.add(assessment)
    row.updated_at = now
    tx.add(row)
    tx.flush()
    audit.record_once(
        tx,
        actor,
        audit.Action.CHANGE,
        object_type="conversation",
        object_id=row.id,
        client_id=row.client_id,
        now=now,
    )
    return AssessmentView(
        domain_id=assessment.domain_id,
        score=assessment.score,
        notes=assessment.notes,
        own_words=assessment.own_words,
        important=assessment.important,
        priority_rank=assessment.priority_rank,
        client_score=assessment.client_score,
        client_wants_to_talk=assessment.client_wants_to_talk,
    )
