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

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from broadtalk import audit
from broadtalk.audit import require
from broadtalk.clients import ClientRecord, client_record_unchecked
from broadtalk.consent import ConsentInput, ConsentView, method_label, record_consent, require_valid_consent
from broadtalk.conversations import ActionView, ConversationSnapshot, snapshot_unchecked
from broadtalk.errors import NotFoundError, RefusedError
from broadtalk.forms.conditions import is_enabled
from broadtalk.forms.library import find_model
from broadtalk.forms.schema import ConversationModel, Domain, Item, ItemType
from broadtalk.i18n import _, format_short_date, pick, to_display_time
from broadtalk.permissions import Permission
from broadtalk.practitioners import Actor
from broadtalk.referrals import ReferralView, feedback_due_days, referral_view_unchecked, urgency_label
from broadtalk.settings import practice_details
from broadtalk.store.tables import Conversation, DatabaseSeal, Offering, Organisation, Practitioner, Referral
from broadtalk.text import address_line

#: The conversation-wide pieces that are shared only when the client ticks them one by one.
WHAT_MATTERS_MOST = "what_matters_most"


def piece_key(kind: str, ident: object) -> str:
    """The key of a piece chosen one by one: 'goal:12', 'action:7', 'answer:closing.extra'."""
    return f"{kind}:{ident}"


def digest(text: str) -> str:
    """A fingerprint of a piece's text as the client saw it when consenting."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ClientIdentity:
    name: str
    birth_date: date
    #: Only with consent for identity details beyond name and birth date; else empty.
    address: str = ""
    phone: str = ""
    email: str = ""
    #: Always shared, so the recipient can act: the client's own GP, language and interpreter need.
    general_practitioner: str = ""
    language: str = ""
    interpreter_needed: bool = False
    #: The name's parts (the name above is written from them), for FHIR.
    given_name: str = ""
    name_prefix: str = ""
    family_name: str = ""


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
    #: The labels of the pieces chosen one by one ("What matters most", "Action: ...").
    piece_labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class SharedAnswer:
    question: str
    answer: str
    #: The item's linkId in the model (for FHIR); not part of what the client saw.
    link_id: str = ""


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
    #: The domain's name in plain language, for the client's copy.
    plain_title: str = ""
    #: What the ends of the scale mean, for the client ("1 = ..., 5 = ...").
    scale_min_label: str = ""
    scale_max_label: str = ""
    #: The client's own rank (1 = first to work on), in ranking models such as 4D.
    rank: int | None = None
    #: The client's own score, given in the client view beside the practitioner's (None: none given).
    client_score: int | None = None
    #: The client marked "I want to talk about this" in the client view.
    client_wants_to_talk: bool = False


@dataclass(frozen=True)
class GoalLine:
    description: str
    domain_title: str
    #: The life domain's id in the model ("" for a goal of no domain), for FHIR.
    domain_id: str = ""


@dataclass(frozen=True)
class ActionLine:
    what: str
    who: str
    due_date: date | None
    domain_title: str = ""
    #: The life domain's id in the model ("" for an action of no domain), for FHIR.
    domain_id: str = ""


@dataclass(frozen=True)
class Piece:
    """A piece of conversation-wide free text: shared only when the client ticks it by name."""

    key: str
    label: str
    text: str


@dataclass(frozen=True)
class Contact:
    """A person or practice and how to reach them."""

    name: str = ""
    role: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""


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
    #: The urgency's code (routine, soon, urgent), for sentences that depend on it.
    urgency_code: str = ""
    #: The day the referral was sent (None while it is a draft: the letter is dated today).
    sent_on: date | None = None
    #: The day by which feedback is expected.
    feedback_due: date | None = None
    #: The practice, with its address, phone and e-mail.
    practice: Contact = field(default_factory=Contact)
    #: The referrer's direct line and e-mail.
    referrer: Contact = field(default_factory=Contact)
    #: Who held the conversation (not always who referred), and their function in words.
    conversation_by: str = ""
    conversation_by_role: str = ""
    #: The recipient's own phone and e-mail from the social map (for the client's copy).
    recipient_contact: Contact = field(default_factory=Contact)
    #: Who makes the first contact, as decided for this letter (see ``first_contact_for``).
    first_contact: str = "recipient"
    #: How and when the client wants to be reached (only with identity details).
    contact_preference: str = ""
    #: Conversation-wide answers the client ticked (closing questions).
    conversation_answers: tuple[SharedAnswer, ...] = ()
    #: The conversation is still a draft: the letter says so, visibly.
    draft: bool = False
    #: The conversation changed after consent was given (within the consented domains).
    changed_after_consent: bool = False
    #: Pieces ticked at consent that changed since; left out.
    pieces_left_out: int = 0
    #: The ranking model's order of the shared domains, as the client ranked them.
    ranked: bool = False
    #: The conversation model's id and version ("" and 0 without a conversation), for FHIR.
    model_id: str = ""
    model_version: int = 0
    #: The practice database's identity (no personal data): with the reference it makes the
    #: FHIR ids of this handover unique across practices.
    source: str = ""

    def scored_domains(self) -> tuple[SharedDomain, ...]:
        return tuple(d for d in self.domains if d.scale_min is not None)

    @property
    def letter_date(self) -> date:
        """The letter is dated the day the referral was sent; a draft, the day it was made."""
        return self.sent_on or self.created_on


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


def _answered(model: ConversationModel, items: list[Item], answers: dict[str, Any]) -> list[tuple[Item, str]]:
    return [
        (item, answer_text(item, answers.get(item.link_id)))
        for item in items
        if item.type != ItemType.DISPLAY
        and answers.get(item.link_id) not in (None, "", [])
        and is_enabled(model, item, answers)
    ]


def _short(text: str, limit: int = 60) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def goal_domain(snapshot: ConversationSnapshot, goal_id: int | None) -> str | None:
    goal = next((g for g in snapshot.goals if g.id == goal_id), None) if goal_id is not None else None
    return goal.domain_id if goal is not None else None


def action_domain(snapshot: ConversationSnapshot, action: ActionView) -> str | None:
    """An action's life domain: its goal's, else its own; None when it has neither."""
    return goal_domain(snapshot, action.goal_id) or action.domain_id


def conversation_pieces(model: ConversationModel | None, snapshot: ConversationSnapshot | None) -> list[Piece]:
    """The pieces of a conversation that belong to no life domain, in the order a consent lists
    them: what matters most, conversation-wide answers, goals and actions without a domain."""
    if model is None or snapshot is None:
        return []
    pieces: list[Piece] = []
    if snapshot.what_matters_most.strip():
        pieces.append(Piece(WHAT_MATTERS_MOST, _("What matters most to the client"), snapshot.what_matters_most))
    for item, text in _answered(model, model.closing.items, snapshot.answers):
        pieces.append(Piece(piece_key("answer", item.link_id), pick(item.document_label()), text))
    for goal in snapshot.goals:
        if goal.domain_id is None:
            pieces.append(
                Piece(
                    piece_key("goal", goal.id),
                    _("Goal: {goal}").format(goal=_short(goal.description)),
                    goal.description,
                )
            )
    for action in snapshot.actions:
        if action_domain(snapshot, action) is None:
            pieces.append(
                Piece(
                    piece_key("action", action.id),
                    _("Action: {action}").format(action=_short(action.what)),
                    _action_digest_text(action),
                )
            )
    return pieces


def _action_digest_text(action: ActionView) -> str:
    return json.dumps([action.what, action.who, action.due_date.isoformat() if action.due_date else None])


def _ordered_domains(model: ConversationModel, snapshot: ConversationSnapshot) -> list[Domain]:
    """One order everywhere: the client's own ranking first (4D), then the model's order."""
    ranks = {d: a.priority_rank for d, a in snapshot.assessments.items() if a.priority_rank is not None}
    position = {d.id: i for i, d in enumerate(model.domains)}
    return sorted(model.domains, key=lambda d: (ranks.get(d.id, 10_000), position[d.id]))


def first_contact_for(first_contact: str, identity_shared: bool) -> str:
    """Who makes the first contact in the letter: the recipient cannot contact a client whose
    contact details are not shared, so then the practice calls the recipient to arrange it."""
    if first_contact == "recipient" and not identity_shared:
        return "practice"
    return first_contact if first_contact in ("recipient", "client", "practice") else "practice"


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
    practice: Contact | None = None,
    referrer: Contact | None = None,
    conversation_by: str = "",
    conversation_by_role: str = "",
    recipient_contact: Contact | None = None,
    feedback_due_days: int = 28,
    source: str = "",
) -> HandoverContent:
    """The content of the handover: only what the valid consent covers. Refuses without one.

    Domain-scoped pieces (scores, answers, notes, own words, goals and actions of a domain) are
    shared with their domain; a piece of no domain only when the consent chose it by name and it
    has not changed since. The client's own words and goals and actions also need their flag."""
    consent = require_valid_consent(consent, today)
    shared_ids = set(consent.domains) if model is not None else set()
    domains: list[SharedDomain] = []
    answers = snapshot.answers if snapshot else {}
    ordered = _ordered_domains(model, snapshot) if model is not None and snapshot is not None else []
    if model is not None and snapshot is not None:
        for domain in ordered:
            if domain.id not in shared_ids:
                continue
            assessment = snapshot.assessments.get(domain.id)
            scale = model.scale_of(domain)
            score = assessment.score if assessment else None
            # Only an anchor at exactly this score describes it: 4/10 is not "very poor" (the anchor at 0).
            anchor = scale.anchor(score) if scale is not None and score is not None else None
            low = scale.anchor(scale.min) if scale is not None else None
            high = scale.anchor(scale.max) if scale is not None else None
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
                    answers=tuple(
                        SharedAnswer(pick(i.document_label()), t, i.link_id)
                        for i, t in _answered(model, domain.items, answers)
                    ),
                    notes=assessment.notes if assessment else "",
                    own_words=assessment.own_words if assessment and consent.share_own_words else "",
                    important=bool(assessment and assessment.important),
                    plain_title=pick(domain.plain()),
                    scale_min_label=pick(low.plain()) if low else "",
                    scale_max_label=pick(high.plain()) if high else "",
                    rank=assessment.priority_rank if assessment else None,
                    # The client's own view of the domain goes with the domain, like its score.
                    client_score=assessment.client_score if assessment and scale is not None else None,
                    client_wants_to_talk=bool(assessment and assessment.client_wants_to_talk),
                )
            )
    chosen = dict(consent.pieces)
    pieces = {p.key: p for p in conversation_pieces(model, snapshot)}

    def ticked(key: str) -> bool:
        piece = pieces.get(key)
        return piece is not None and chosen.get(key) == digest(piece.text)

    left_out = sum(1 for key in chosen if not ticked(key))
    goals: list[GoalLine] = []
    actions: list[ActionLine] = []
    if snapshot is not None and model is not None:

        def title_of(domain_id: str | None) -> str:
            domain = model.domain(domain_id) if domain_id else None
            return pick(domain.title) if domain else ""

        for goal in snapshot.goals:
            if goal.domain_id is None:
                shared = ticked(piece_key("goal", goal.id))
            else:
                shared = consent.share_goals_actions and goal.domain_id in shared_ids
            if shared:
                goals.append(GoalLine(goal.description, title_of(goal.domain_id), goal.domain_id or ""))
        for action in snapshot.actions:
            domain_id = action_domain(snapshot, action)
            if domain_id is None:
                shared = ticked(piece_key("action", action.id))
            else:
                shared = consent.share_goals_actions and domain_id in shared_ids
            if shared:
                actions.append(
                    ActionLine(action.what, action.who, action.due_date, title_of(domain_id), domain_id or "")
                )
    conversation_answers: tuple[SharedAnswer, ...] = ()
    if model is not None and snapshot is not None:
        conversation_answers = tuple(
            SharedAnswer(pick(item.document_label()), text, item.link_id)
            for item, text in _answered(model, model.closing.items, answers)
            if ticked(piece_key("answer", item.link_id))
        )
    identity = ClientIdentity(
        name=client.name,
        birth_date=client.birth_date,
        general_practitioner=client.general_practitioner,
        language=client.language,
        interpreter_needed=client.interpreter_needed,
        given_name=client.given_name,
        name_prefix=client.name_prefix,
        family_name=client.family_name,
    )
    if consent.share_identity_details:
        address = address_line(client.address, client.postal_code, client.city)
        identity = replace(identity, address=address, phone=client.phone, email=client.email)
    scored = [d for d in domains if d.scale_min is not None]
    scale = (min(d.scale_min for d in scored), max(d.scale_max for d in scored)) if scored else None
    titles = tuple(pick(d.title) for d in ordered if d.id in shared_ids)
    sent_on = to_display_time(referral.sent_at).date() if referral.sent_at is not None else None
    content = HandoverContent(
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
            piece_labels=tuple(p.label for key, p in pieces.items() if ticked(key)),
        ),
        model_title=model.display_title() if model else "",
        conversation_date=to_display_time(snapshot.summary.started_at).date() if snapshot else None,
        domains=tuple(domains),
        what_matters_most=snapshot.what_matters_most if snapshot and ticked(WHAT_MATTERS_MOST) else "",
        goals=tuple(goals),
        actions=tuple(actions),
        question=referral.question,
        urgency=urgency_label(referral.urgency),
        feedback_contact=referral.feedback_contact,
        goals_shared=consent.share_goals_actions or bool(goals or actions),
        own_words_shared=consent.share_own_words,
        scale=scale,
        urgency_code=referral.urgency,
        sent_on=sent_on,
        feedback_due=(sent_on or today) + timedelta(days=feedback_due_days),
        practice=practice or Contact(name=practice_name),
        referrer=referrer or Contact(name=referrer_name, role=referrer_role),
        conversation_by=conversation_by or referrer_name,
        conversation_by_role=conversation_by_role
        if conversation_by
        else (referrer.role if referrer else referrer_role),
        recipient_contact=recipient_contact or Contact(name=referral.recipient),
        first_contact=first_contact_for(referral.first_contact, consent.share_identity_details),
        contact_preference=referral.contact_preference if consent.share_identity_details else "",
        conversation_answers=conversation_answers,
        draft=snapshot is not None and not snapshot.summary.is_completed,
        pieces_left_out=left_out,
        ranked=any(d.rank is not None for d in domains),
        model_id=model.id if model is not None else "",
        model_version=model.version if model is not None else 0,
        source=source,
    )
    if consent.content_digest and consent.content_digest != scoped_digest(content):
        content = replace(content, changed_after_consent=True)
    return content


def _differs(content: HandoverContent, shown: HandoverContent) -> bool:
    """Whether the recipient would get something other than what was shown (the day it is made
    and the consent's own wording aside)."""
    same_day = replace(content, created_on=shown.created_on, feedback_due=shown.feedback_due, consent=shown.consent)
    return same_day != shown


def _domain_digest(domain: SharedDomain) -> dict[str, Any]:
    """A shared domain as fingerprinted. The client's own score and "wants to talk" count only
    when given, so a consent recorded before they existed still matches an unchanged conversation.
    The answers' linkIds are not what the client saw (and came later): left out."""
    data = asdict(domain)
    for key, empty in (("client_score", None), ("client_wants_to_talk", False)):
        if data[key] == empty:
            del data[key]
    for answer in data["answers"]:
        del answer["link_id"]
    return data


def _line_digest(line: GoalLine | ActionLine) -> dict[str, Any]:
    """A goal or action as fingerprinted: as the client saw it (its domain by title, as before)."""
    data = asdict(line)
    del data["domain_id"]
    return data


def scoped_digest(content: HandoverContent) -> str:
    """A fingerprint of the domain-scoped content: what the client saw for the chosen domains."""
    domain_goals = [_line_digest(g) for g in content.goals if g.domain_title]
    domain_actions = [_line_digest(a) for a in content.actions if a.domain_title]
    payload = {
        "domains": [_domain_digest(d) for d in content.domains],
        "goals": domain_goals,
        "actions": domain_actions,
    }
    return digest(json.dumps(payload, sort_keys=True, default=str))


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
    content = load_unchecked(tx, referral_id, today)
    audit.record_once(tx, actor, audit.Action.VIEW, object_type="handover", object_id=referral_id, client_id=client_id)
    return content


@dataclass(frozen=True)
class _Sources:
    referral: ReferralView
    client: ClientRecord
    snapshot: ConversationSnapshot | None
    model: ConversationModel | None
    extra: dict[str, Any]


def _sources(tx: Session, referral_id: int, today: date) -> _Sources:
    from broadtalk.practitioners import role_in_sentence, role_label

    referral = referral_view_unchecked(tx, referral_id, today=today)
    client = client_record_unchecked(tx, referral.client_id)
    conversation = tx.get(Conversation, referral.conversation_id) if referral.conversation_id else None
    snapshot = snapshot_unchecked(tx, conversation) if conversation is not None else None
    model = find_model(tx, snapshot.summary.model_id, snapshot.summary.model_version) if snapshot else None
    # The referrer is who made the referral (the feedback goes to them), not who held the conversation.
    row = tx.get(Referral, referral_id)
    referrer = tx.get(Practitioner, row.created_by_id) if row is not None and row.created_by_id else None
    held_by = (
        tx.get(Practitioner, conversation.practitioner_id) if conversation and conversation.practitioner_id else None
    )
    practice = practice_details(tx)
    recipient = Contact(name=referral.recipient)
    if row is not None and row.offering_id is not None:
        found = tx.exec(
            select(Offering, Organisation)
            .join(Organisation, Organisation.id == Offering.organisation_id)
            .where(Offering.id == row.offering_id)
        ).first()
        if found is not None:
            offering, organisation = found
            recipient = Contact(
                name=organisation.name,
                role=offering.contact_function,
                phone=offering.phone or organisation.phone,
                email=offering.email or organisation.email,
                address=address_line(organisation.address, organisation.postal_code, organisation.city),
            )
    extra = {
        "practice_name": practice.name,
        "referrer_name": referrer.name if referrer else referral.created_by_name,
        "referrer_role": role_label(referrer.role) if referrer else "",
        "practice": Contact(
            name=practice.name, phone=practice.phone, email=practice.email, address=practice.address_line()
        ),
        "referrer": Contact(
            name=referrer.name if referrer else referral.created_by_name,
            role=role_label(referrer.role) if referrer else "",
            phone=referrer.phone if referrer else "",
            email=referrer.email if referrer else "",
        ),
        "conversation_by": held_by.name if held_by else "",
        "conversation_by_role": role_in_sentence(held_by.role) if held_by else "",
        "recipient_contact": recipient,
        "feedback_due_days": feedback_due_days(tx),
        "source": seal.database_id if (seal := tx.get(DatabaseSeal, 1)) is not None else "",
    }
    return _Sources(referral, client, snapshot, model, extra)


def load_unchecked(tx: Session, referral_id: int, today: date) -> HandoverContent:
    """Inside the core only: after ``require_export``; the caller records what it does with it."""
    src = _sources(tx, referral_id, today)
    return build_handover(
        client=src.client,
        model=src.model,
        snapshot=src.snapshot,
        referral=src.referral,
        consent=src.referral.consent,
        today=today,
        **src.extra,
    )


def _proposed(src: _Sources, data: ConsentInput, recorded_by: str, today: date) -> ConsentView:
    """The consent as ticked, not yet recorded: what the preview and the digests are built from."""
    digests = {p.key: digest(p.text) for p in conversation_pieces(src.model, src.snapshot)}
    given = min(data.given_on, today)
    return ConsentView(
        id=0,
        referral_id=src.referral.id,
        client_id=src.referral.client_id,
        recipient=src.referral.recipient,
        purpose=" ".join(data.purpose.split()),
        domains=tuple(dict.fromkeys(data.domains)),
        share_identity_details=data.share_identity_details,
        share_goals_actions=data.share_goals_actions,
        share_own_words=data.share_own_words,
        method=data.method,
        given_on=given,
        valid_until=max(data.valid_until, today),
        recorded_by_name=recorded_by,
        recorded_at=datetime.now(UTC),
        withdrawn_at=None,
        withdrawal_note="",
        pieces=tuple((key, digests[key]) for key in dict.fromkeys(data.pieces) if key in digests),
    )


def preview_handover(
    tx: Session, actor: Actor, referral_id: int, data: ConsentInput, *, today: date
) -> tuple[HandoverContent, list[Piece]]:
    """Before consent is saved: exactly the content the recipient would get under ``data`` (built
    by ``build_handover``, like the PDF), and the pieces of no domain the client may tick.

    Needs ``MANAGE_REFERRALS`` (whoever records consent); a view of the referral."""
    row = tx.get(Referral, referral_id)
    require(actor, Permission.MANAGE_REFERRALS, client_id=row.client_id if row is not None else None)
    if row is None:
        raise NotFoundError(_("There is no referral with number {id}.").format(id=referral_id))
    src = _sources(tx, referral_id, today)
    content = build_handover(
        client=src.client,
        model=src.model,
        snapshot=src.snapshot,
        referral=src.referral,
        consent=_proposed(src, data, actor.name, today),
        today=today,
        **src.extra,
    )
    audit.record_once(
        tx, actor, audit.Action.VIEW, object_type="referral", object_id=referral_id, client_id=row.client_id
    )
    return content, conversation_pieces(src.model, src.snapshot)


def give_consent(
    tx: Session,
    actor: Actor,
    referral_id: int,
    data: ConsentInput,
    *,
    shown: HandoverContent | None = None,
    now: datetime | None = None,
) -> ConsentView:
    """Record the client's consent with the fingerprints of what they were shown: each piece
    chosen by name, and the domain-scoped content (so a later change is visible on the letter).

    ``shown`` is the preview the client agreed to: when the conversation or the referral changed
    since (another practitioner, another computer), nothing is recorded and the refusal says so."""
    now = now or datetime.now(UTC)
    today = to_display_time(now).date()
    row = tx.get(Referral, referral_id)
    require(actor, Permission.MANAGE_REFERRALS, client_id=row.client_id if row is not None else None)
    if row is None:
        raise NotFoundError(_("There is no referral with number {id}.").format(id=referral_id))
    src = _sources(tx, referral_id, today)
    digests = {p.key: digest(p.text) for p in conversation_pieces(src.model, src.snapshot)}
    content: HandoverContent | None
    try:
        content = build_handover(
            client=src.client,
            model=src.model,
            snapshot=src.snapshot,
            referral=src.referral,
            consent=_proposed(src, data, actor.name, today),
            today=today,
            **src.extra,
        )
    except RefusedError:
        content = None  # record_consent says what is wrong with the dates
    if content is not None and shown is not None and _differs(content, shown):
        raise RefusedError(
            _(
                "The conversation or the referral changed while consent was being recorded; "
                "look at what the recipient will get again, then record consent."
            )
        )
    content_digest = scoped_digest(content) if content is not None else ""
    return record_consent(tx, actor, referral_id, data, now=now, piece_digests=digests, content_digest=content_digest)


# -- after a withdrawal ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WithdrawalContent:
    """What the two withdrawal documents say: who, which referral, when; no conversation content."""

    reference: str
    created_on: date
    withdrawn_on: date
    given_on: date
    sent_on: date | None
    client_name: str
    client_birth_date: date
    recipient: Contact
    practice: Contact
    referrer: Contact
    conversation_by: str


def build_withdrawal(
    *,
    client: ClientRecord,
    referral: ReferralView,
    consent: ConsentView | None,
    today: date,
    practice: Contact,
    referrer: Contact,
    conversation_by: str,
    recipient_contact: Contact,
) -> WithdrawalContent:
    """The content of the withdrawal notice (recipient) and confirmation (client); refuses unless
    the referral's consent was withdrawn."""
    if consent is None or consent.withdrawn_at is None:
        raise RefusedError(_("The consent for this referral was not withdrawn; there is nothing to confirm."))
    sent_on = to_display_time(referral.sent_at).date() if referral.sent_at is not None else None
    return WithdrawalContent(
        reference=referral.reference,
        created_on=today,
        withdrawn_on=to_display_time(consent.withdrawn_at).date(),
        given_on=consent.given_on,
        sent_on=sent_on,
        client_name=client.name,
        client_birth_date=client.birth_date,
        recipient=recipient_contact,
        practice=practice,
        referrer=referrer,
        conversation_by=conversation_by or referrer.name,
    )


def load_withdrawal_unchecked(tx: Session, referral_id: int, today: date) -> WithdrawalContent:
    """Inside the core only: after ``require_export``; the caller records what it does with it."""
    src = _sources(tx, referral_id, today)
    return build_withdrawal(
        client=src.client,
        referral=src.referral,
        consent=src.referral.consent,
        today=today,
        practice=src.extra["practice"],
        referrer=src.extra["referrer"],
        conversation_by=src.extra["conversation_by"],
        recipient_contact=src.extra["recipient_contact"],
    )
