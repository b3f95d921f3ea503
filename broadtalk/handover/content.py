"""The handover content: the one place where the client's consent is applied.

``build_handover`` is a pure function from (client, conversation, referral, consent) to the
content of a handover. Everything outside the consent is left out here, so the renderers (the
PDF, the on-screen preview, the client's own copy, later exports) cannot leak what they never
receive. Texts are resolved in the chosen language; user text is kept literally.

Making a handover needs ``EXPORT_HANDOVERS`` (a practice manager may: the document holds only
what the client agreed to share). Loading one reads the conversation and the client directly,
without the checks of ``load_conversation``, so its own check and audit entry are the only ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session

from broadtalk import audit
from broadtalk.clients import ClientRecord, _client_record
from broadtalk.consent import ConsentView, method_label, require_valid_consent
from broadtalk.conversations import ConversationSnapshot, _snapshot
from broadtalk.errors import NotFoundError
from broadtalk.forms.conditions import is_enabled
from broadtalk.forms.library import find_model
from broadtalk.forms.schema import ConversationModel, Item, ItemType
from broadtalk.i18n import _, format_short_date, pick
from broadtalk.permissions import Permission, require
from broadtalk.practitioners import Actor
from broadtalk.referrals import ReferralView, _referral_view, urgency_label
from broadtalk.settings import PRACTICE_NAME, read_setting
from broadtalk.store.tables import Conversation, Practitioner, Referral


@dataclass(frozen=True)
class ClientIdentity:
    name: str
    birth_date: date
    #: Only with consent for identity details beyond name and birth date; else empty.
    address: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class ConsentStatement:
    recipient: str
    purpose: str
    domain_titles: tuple[str, ...]
    share_identity_details: bool
    share_goals_actions: bool
    share_own_words: bool
    method: str  # translated: "mondeling" / "schriftelijk"
    given_on: date
    valid_until: date
    recorded_by: str


@dataclass(frozen=True)
class SharedAnswer:
    question: str
    answer: str


@dataclass(frozen=True)
class SharedDomain:
    domain_id: str
    title: str
    colour: str
    score: int | None
    scale_min: int | None
    scale_max: int | None
    anchor_label: str
    anchor_description: str
    answers: tuple[SharedAnswer, ...]
    notes: str
    #: The client's own words; empty unless consent covers the client's own words.
    own_words: str
    important: bool


@dataclass(frozen=True)
class GoalLine:
    description: str
    domain_title: str


@dataclass(frozen=True)
class ActionLine:
    what: str
    who: str
    due_date: date | None


@dataclass(frozen=True)
class HandoverContent:
    reference: str
    created_on: date
    practice_name: str
    referrer_name: str
    referrer_role: str
    recipient: str
    client: ClientIdentity
    consent: ConsentStatement
    model_title: str
    conversation_date: date | None
    domains: tuple[SharedDomain, ...]
    what_matters_most: str
    goals: tuple[GoalLine, ...]
    actions: tuple[ActionLine, ...]
    question: str
    urgency: str
    feedback_contact: str
    #: True when goals and actions were shared (even if there were none to list).
    goals_shared: bool = False
    own_words_shared: bool = False
    scale: tuple[int, int] | None = None  # the chart's full scale, when shared domains are scored
    extra: dict[str, Any] = field(default_factory=dict)

    def scored_domains(self) -> tuple[SharedDomain, ...]:
        return tuple(d for d in self.domains if d.scale_min is not None)


def answer_text(item: Item, value: Any) -> str:
    """An answer as a sentence reads it: option labels, 'Ja'/'Nee', Dutch dates."""
    if value is None or value == "" or value == []:
        return ""
    if item.type == ItemType.CHOICE:
        codes = value if isinstance(value, list) else [value]
        return "; ".join(pick(o.display) for o in item.answer_options if o.code in codes)
    if item.type == ItemType.BOOLEAN:
        return _("Yes") if value else _("No")
    if item.type == ItemType.DATE:
        try:
            return format_short_date(date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    return str(value)


def build_handover(
    *,
    client: ClientRecord,
    model: ConversationModel | None,
    snapshot: ConversationSnapshot | None,
    referral: ReferralView,
    consent: ConsentView | None,
    practice_name: str,
    referrer_name: str,
    referrer_role: str,
    today: date,
) -> HandoverContent:
    """The content of the handover: only what the valid consent covers. Refuses without one."""
    consent = require_valid_consent(consent, today)
    shared_ids = [d for d in consent.domains] if model is not None else []
    domains: list[SharedDomain] = []
    answers = snapshot.answers if snapshot else {}
    if model is not None and snapshot is not None:
        for domain in model.domains:  # the model's order, not the consent's
            if domain.id not in shared_ids:
                continue
            assessment = snapshot.assessments.get(domain.id)
            scale = model.scale_of(domain)
            score = assessment.score if assessment else None
            # Only an anchor at exactly this score describes it: 4/10 is not "very poor" (the anchor at 0).
            anchor = scale.anchor(score) if scale is not None and score is not None else None
            shared_answers = tuple(
                SharedAnswer(pick(item.text), answer_text(item, answers.get(item.link_id)))
                for item in domain.items
                if item.type != ItemType.DISPLAY
                and answers.get(item.link_id) not in (None, "", [])
                and is_enabled(model, item, answers)
            )
            domains.append(
                SharedDomain(
                    domain_id=domain.id,
                    title=pick(domain.title),
                    colour=domain.colour,
                    score=score,
                    scale_min=scale.min if scale else None,
                    scale_max=scale.max if scale else None,
                    anchor_label=pick(anchor.label) if anchor else "",
                    anchor_description=pick(anchor.description) if anchor and anchor.description else "",
                    answers=shared_answers,
                    notes=assessment.notes if assessment else "",
                    own_words=assessment.own_words if assessment and consent.share_own_words else "",
                    important=bool(assessment and assessment.important),
                )
            )
    goals: list[GoalLine] = []
    actions: list[ActionLine] = []
    if consent.share_goals_actions and snapshot is not None and model is not None:
        # A goal of a domain that is not shared would tell about that domain: it stays out,
        # and so do the actions serving it.
        kept_goal_ids = set()
        for goal in snapshot.goals:
            if goal.domain_id is None or goal.domain_id in shared_ids:
                kept_goal_ids.add(goal.id)
                domain = model.domain(goal.domain_id) if goal.domain_id else None
                goals.append(GoalLine(goal.description, pick(domain.title) if domain else ""))
        actions = [
            ActionLine(a.what, a.who, a.due_date)
            for a in snapshot.actions
            if a.goal_id is None or a.goal_id in kept_goal_ids
        ]
    identity = ClientIdentity(name=client.name, birth_date=client.birth_date)
    if consent.share_identity_details:
        address = ", ".join(p for p in (client.address, f"{client.postal_code} {client.city}".strip()) if p)
        identity = ClientIdentity(client.name, client.birth_date, address, client.phone, client.email)
    scored = [d for d in domains if d.scale_min is not None]
    scale = (min(d.scale_min for d in scored), max(d.scale_max for d in scored)) if scored else None
    titles = tuple(pick(model.domain(d).title) for d in shared_ids if model and model.domain(d)) if model else ()
    return HandoverContent(
        reference=referral.reference,
        created_on=today,
        practice_name=practice_name,
        referrer_name=referrer_name,
        referrer_role=referrer_role,
        recipient=referral.recipient,
        client=identity,
        consent=ConsentStatement(
            recipient=consent.recipient,
            purpose=consent.purpose,
            domain_titles=titles,
            share_identity_details=consent.share_identity_details,
            share_goals_actions=consent.share_goals_actions,
            share_own_words=consent.share_own_words,
            method=method_label(consent.method),
            given_on=consent.given_on,
            valid_until=consent.valid_until,
            recorded_by=consent.recorded_by_name,
        ),
        model_title=model.display_title() if model else "",
        conversation_date=snapshot.summary.started_at.date() if snapshot else None,
        domains=tuple(domains),
        what_matters_most=snapshot.what_matters_most if snapshot and consent.share_own_words else "",
        goals=tuple(goals),
        actions=tuple(actions),
        question=referral.question,
        urgency=urgency_label(referral.urgency),
        feedback_contact=referral.feedback_contact,
        goals_shared=consent.share_goals_actions,
        own_words_shared=consent.share_own_words,
        scale=scale,
    )


def require_export(tx: Session, actor: Actor, referral_id: int) -> int:
    """Refuse unless the actor's role makes handover documents; returns the referral's client id
    (NotFoundError for an unknown referral, after the role check)."""
    row = tx.get(Referral, referral_id)
    require(actor, Permission.EXPORT_HANDOVERS, client_id=row.client_id if row is not None else None)
    if row is None:
        raise NotFoundError(_("There is no referral with number {id}.").format(id=referral_id))
    return row.client_id


def load_handover(tx: Session, actor: Actor, referral_id: int, *, today: date) -> HandoverContent:
    """Load what a referral's handover needs and build its content (refuses without valid consent).

    Seeing the content is recorded as a view of the handover."""
    client_id = require_export(tx, actor, referral_id)
    content = _load(tx, referral_id, today)
    audit.record_once(tx, actor, audit.Action.VIEW, object_type="handover", object_id=referral_id, client_id=client_id)
    return content


def _load(tx: Session, referral_id: int, today: date) -> HandoverContent:
    """Inside the core only: after ``require_export``; the caller records what it does with it."""
    from broadtalk.practitioners import role_label

    referral = _referral_view(tx, referral_id, today=today)
    client = _client_record(tx, referral.client_id)
    conversation = tx.get(Conversation, referral.conversation_id) if referral.conversation_id else None
    snapshot = _snapshot(tx, conversation) if conversation is not None else None
    model = find_model(tx, snapshot.summary.model_id, snapshot.summary.model_version) if snapshot else None
    # The referrer is who made the referral (the feedback goes to them), not who held the conversation.
    row = tx.get(Referral, referral_id)
    referrer = tx.get(Practitioner, row.created_by_id) if row is not None and row.created_by_id else None
    return build_handover(
        client=client,
        model=model,
        snapshot=snapshot,
        referral=referral,
        consent=referral.consent,
        practice_name=read_setting(tx, PRACTICE_NAME),
        referrer_name=referrer.name if referrer else referral.created_by_name,
        referrer_role=role_label(referrer.role) if referrer else "",
        today=today,
    )
