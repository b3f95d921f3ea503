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

from datetime import datetime

from sqlmodel import Session

from broadtalk.conversations import UNSET, AssessmentView, change_assessment, check_score
from broadtalk.forms.schema import ConversationModel, Domain
from broadtalk.practitioners import Actor


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

    def checked(model: ConversationModel, domain: Domain) -> dict[str, object]:
        if score is not UNSET:
            check_score(model, domain, score)
        return {
            "client_score": score,
            "client_wants_to_talk": bool(wants_to_talk) if wants_to_talk is not UNSET else UNSET,
        }

    return change_assessment(tx, actor, conversation_id, domain_id, checked, now=now)
