"""Referrals (warme overdracht): from a conversation to an offering on the social map, followed
step by step until the recipient's feedback has come back.

Lifecycle: draft → sent → accepted → first contact → feedback received → closed; a recipient
may decline. Steps may be skipped forward (feedback can arrive without the steps before it),
never backward. Each step is dated and attributed. A referral is sent only with a valid
consent, and one without feedback some weeks after sending is overdue.

Roles: referring, recording consent and logging steps need ``MANAGE_REFERRALS``; seeing where
referrals stand needs ``VIEW_REFERRAL_STATUS``. What was written about the client (the question,
feedback and other notes, the consent's purpose) is shown only to roles that read conversations
(``consent.shows_content``): a practice manager follows referrals without reading them.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, select

from broadtalk import audit
from broadtalk.audit import require
from broadtalk.clients import EMAIL
from broadtalk.consent import ConsentView, consent_status, latest_consent_unchecked, shows_content
from broadtalk.conversations import ConversationSnapshot, load_conversation
from broadtalk.errors import InputError, NotFoundError, RefusedError
from broadtalk.forms.library import find_model
from broadtalk.forms.schema import ConversationModel, Domain
from broadtalk.i18n import DISPLAY_ZONE, N_, _, dutch_today, format_short_date, to_display_time
from broadtalk.life_domains import tags_of, weigh_tags
from broadtalk.permissions import Permission
from broadtalk.practitioners import Actor
from broadtalk.referral_steps import (
    AWAITING_FEEDBACK,
    CLOSED,
    DECLINED,
    DRAFT,
    FEEDBACK,
    ORDER,
    SENT,
    status_label,
)
from broadtalk.settings import change_setting, read_setting
from broadtalk.social_map import (
    LIMITS as SOCIAL_MAP_LIMITS,
)
from broadtalk.social_map import (
    PHONE,
    OfferingInput,
    OfferingView,
    OrganisationInput,
    create_offering,
    create_organisation,
    list_organisations,
    suggest_offerings,
)
from broadtalk.store.tables import Client, Conversation, Offering, Organisation, Practitioner, Referral, ReferralEvent
from broadtalk.text import clean_block, clean_line, fold, plain_line, shown_value

URGENCIES = {"routine": N_("Routine"), "soon": N_("Within a week"), "urgent": N_("Urgent: within two days")}
#: Who makes the first contact. "recipient" needs the client's contact details shared (or the
#: practice passes them on by phone); the others work without them.
FIRST_CONTACTS = {
    "recipient": N_("The recipient contacts the client"),
    "client": N_("The client calls the recipient"),
    "practice": N_("The practice calls the recipient to arrange the first contact"),
}
FEEDBACK_DUE_KEY = "referral_feedback_due_days"
DEFAULT_FEEDBACK_DUE_DAYS = 28
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def urgency_label(urgency: str) -> str:
    return _(URGENCIES.get(urgency, urgency))


def first_contact_label(code: str) -> str:
    return _(FIRST_CONTACTS.get(code, code))


@dataclass(frozen=True)
class ReferralEventView:
    status: str
    at: datetime
    practitioner_name: str
    note: str


@dataclass(frozen=True)
class ReferralView:
    id: int
    reference: str
    client_id: int
    conversation_id: int | None
    offering_id: int | None
    recipient: str
    question: str
    urgency: str
    feedback_contact: str
    status: str
    created_at: datetime
    created_by_name: str
    sent_at: datetime | None
    feedback_at: datetime | None
    closed_at: datetime | None
    events: tuple[ReferralEventView, ...] = field(default_factory=tuple)
    consent: ConsentView | None = None
    #: True when the question and the notes were left out for the viewer's role.
    content_hidden: bool = False
    #: Who makes the first contact (a key of ``FIRST_CONTACTS``).
    first_contact: str = "recipient"
    #: How and when the client wants to be reached; empty for roles that do not read content.
    contact_preference: str = ""

    def feedback_due(self, due_days: int) -> date | None:
        """The day by which feedback is expected: the day sent plus the practice's due days."""
        return self.sent_at.date() + timedelta(days=due_days) if self.sent_at is not None else None

    def consent_status(self, today: date) -> str:
        return consent_status(self.consent, today)

    @property
    def feedback(self) -> str:
        """The recipient's feedback as recorded (the latest, if there were several)."""
        notes = [e.note for e in self.events if e.status == FEEDBACK and e.note]
        return notes[-1] if notes else ""

    def is_overdue(self, today: date, due_days: int) -> bool:
        return (
            self.status in AWAITING_FEEDBACK
            and self.sent_at is not None
            and self.sent_at.date() + timedelta(days=due_days) < today
        )


def feedback_due_days(tx: Session) -> int:
    try:
        return max(1, int(read_setting(tx, FEEDBACK_DUE_KEY, str(DEFAULT_FEEDBACK_DUE_DAYS))))
    except ValueError:
        return DEFAULT_FEEDBACK_DUE_DAYS


def set_feedback_due_days(tx: Session, actor: Actor, days: int) -> None:
    """A practice setting (``MANAGE_SETTINGS``); saving the current value changes nothing."""
    if not 1 <= days <= 365:
        raise InputError(_("The number of days for feedback must be between 1 and 365."))
    change_setting(tx, actor, FEEDBACK_DUE_KEY, str(days), default=str(feedback_due_days(tx)))


def new_reference(tx: Session, rng: random.Random | None = None) -> str:
    """A referral reference ("V-7KQ2MX") no referral of this practice has."""
    while True:
        pick = rng.choice if rng is not None else secrets.choice
        raw = "".join(pick(REFERENCE_ALPHABET) for _ in range(6))
        reference = f"V-{raw}"
        if tx.exec(select(Referral.id).where(Referral.reference == reference)).first() is None:
            return reference


def recipient_of(tx: Session, offering_id: int) -> str:
    """'Organisation – offering (contact function)': how the recipient is named on the referral."""
    row = tx.exec(
        select(Offering, Organisation)
        .join(Organisation, Organisation.id == Offering.organisation_id)
        .where(Offering.id == offering_id)
    ).first()
    if row is None:
        raise NotFoundError(_("This offering is not on the social map (any more); choose another one."))
    offering, organisation = row
    return _("{organisation} – {offering} ({contact})").format(
        organisation=organisation.name, offering=offering.name, contact=offering.contact_function
    )


@dataclass(frozen=True)
class AdHocRecipient:
    """A recipient who is not on the social map (yet): an organisation, what they offer or the
    function of the contact there, and a phone number or e-mail address to reach them."""

    organisation: str
    offering: str = ""
    phone: str = ""
    email: str = ""


#: The core's messages about an ad-hoc recipient, by field (the dialog shows each under its field).
AD_HOC_LIMITS = {"organisation": 200, "offering": 200}


def ad_hoc_recipient_text(recipient: AdHocRecipient) -> str:
    """Checked and on one line, as the referral, the consent and the handover name it:
    'Organisation – offering, phone, e-mail'. InputError names what is wrong."""
    # One safe line each: no control characters, lone surrogates or bidirectional overrides
    # (an e-mail address with one of those becomes one with a space, and is refused).
    organisation = plain_line(recipient.organisation)
    offering = plain_line(recipient.offering)
    phone = plain_line(recipient.phone)
    email = plain_line(recipient.email)
    if not organisation:
        raise InputError(_("Type the name of the organisation you refer to."))
    if len(organisation) > AD_HOC_LIMITS["organisation"] or len(offering) > AD_HOC_LIMITS["offering"]:
        raise InputError(_("The organisation or what it offers is longer than 200 characters; shorten it."))
    if len(phone) > SOCIAL_MAP_LIMITS["phone"] or len(email) > SOCIAL_MAP_LIMITS["email"]:
        raise InputError(
            _("The phone number or e-mail address is too long (at most {phone} and {email} characters).").format(
                phone=SOCIAL_MAP_LIMITS["phone"], email=SOCIAL_MAP_LIMITS["email"]
            )
        )
    if phone and (not PHONE.match(phone) or not any(ch.isdigit() for ch in phone)):
        raise InputError(
            _("'{value}' is not a phone number; use only digits, spaces and + - ( ), e.g. 030 123 45 67.").format(
                value=shown_value(phone)
            )
        )
    if email and not EMAIL.match(email):
        raise InputError(
            _("'{value}' is not an e-mail address; check it or leave it empty.").format(value=shown_value(email))
        )
    if not phone and not email:
        raise InputError(_("Give a phone number or an e-mail address at which the recipient can be reached."))
    name = (
        _("{organisation} – {offering}").format(organisation=organisation, offering=offering)
        if offering
        else organisation
    )
    return ", ".join(part for part in (name, phone, email) if part)


def create_referral(
    tx: Session,
    actor: Actor,
    client_id: int,
    *,
    offering_id: int | None = None,
    ad_hoc: AdHocRecipient | None = None,
    question: str,
    urgency: str,
    feedback_contact: str,
    conversation_id: int | None = None,
    first_contact: str = "recipient",
    contact_preference: str = "",
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> ReferralView:
    """A draft referral to an offering on the social map, or to an ``ad_hoc`` recipient who is
    not on it; it is sent only once the client's consent is recorded."""
    require(actor, Permission.MANAGE_REFERRALS, client_id=client_id)
    if (offering_id is None) == (ad_hoc is None):
        raise InputError(_("Choose who you refer to: an offering on the social map, or type the recipient."))
    now = now or datetime.now(UTC)
    if tx.get(Client, client_id) is None:
        raise NotFoundError(_("There is no client with number {id}.").format(id=client_id))
    if conversation_id is not None:
        conversation = tx.get(Conversation, conversation_id)
        if conversation is None or conversation.client_id != client_id:
            raise InputError(_("The referral refers to a conversation that is not this client's."))
    question = clean_block(question)
    if not question:
        raise InputError(_("The question for the recipient is empty; write what you ask of them."))
    if len(question) > 5000:
        raise InputError(_("The question is longer than 5,000 characters; shorten it."))
    if urgency not in URGENCIES:
        raise InputError(_("Unknown urgency '{value}'; choose one of the list.").format(value=urgency))
    feedback_contact = clean_line(feedback_contact)
    if not feedback_contact:
        raise InputError(_("Say how the recipient can give feedback: a function and a phone number or e-mail address."))
    if len(feedback_contact) > 300:
        raise InputError(_("The contact for feedback is longer than 300 characters; shorten it."))
    first_contact, contact_preference = _contact(first_contact, contact_preference)
    recipient = recipient_of(tx, offering_id) if offering_id is not None else ad_hoc_recipient_text(ad_hoc)  # type: ignore[arg-type]
    row = Referral(
        reference=new_reference(tx, rng),
        client_id=client_id,
        conversation_id=conversation_id,
        offering_id=offering_id,
        recipient=recipient[:400],
        question=question,
        urgency=urgency,
        feedback_contact=feedback_contact,
        first_contact=first_contact,
        contact_preference=contact_preference,
        status=DRAFT,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    tx.add(row)
    tx.flush()
    tx.add(ReferralEvent(referral_id=row.id, status=DRAFT, at=now, practitioner_id=actor.id))
    tx.flush()
    audit.record(tx, actor, audit.Action.CREATE, object_type="referral", object_id=row.id, client_id=client_id, now=now)
    return _view(tx, row, dutch_today(now), shows_content(actor))


def _contact(first_contact: str, contact_preference: str) -> tuple[str, str]:
    if first_contact not in FIRST_CONTACTS:
        raise InputError(_("Say who makes the first contact: the recipient, the client or the practice."))
    contact_preference = clean_line(contact_preference)
    if len(contact_preference) > 300:
        raise InputError(_("How the client wants to be reached is longer than 300 characters; shorten it."))
    return first_contact, contact_preference


def update_referral(
    tx: Session,
    actor: Actor,
    referral_id: int,
    *,
    question: str,
    urgency: str,
    feedback_contact: str,
    first_contact: str | None = None,
    contact_preference: str | None = None,
) -> ReferralView:
    """Change a draft; once sent, what was sent stays as it was."""
    row = _allowed(tx, actor, Permission.MANAGE_REFERRALS, referral_id)
    if row.status != DRAFT:
        raise RefusedError(_("This referral has been sent; what was sent cannot be changed."))
    question = clean_block(question)
    if not question:
        raise InputError(_("The question for the recipient is empty; write what you ask of them."))
    if urgency not in URGENCIES:
        raise InputError(_("Unknown urgency '{value}'; choose one of the list.").format(value=urgency))
    feedback_contact = clean_line(feedback_contact)
    if not feedback_contact:
        raise InputError(_("Say how the recipient can give feedback: a function and a phone number or e-mail address."))
    first_contact, contact_preference = _contact(
        row.first_contact if first_contact is None else first_contact,
        row.contact_preference if contact_preference is None else contact_preference,
    )
    row.question, row.urgency, row.feedback_contact = question, urgency, feedback_contact
    row.first_contact, row.contact_preference = first_contact, contact_preference
    row.updated_at = datetime.now(UTC)
    tx.add(row)
    tx.flush()
    audit.record(tx, actor, audit.Action.CHANGE, object_type="referral", object_id=referral_id, client_id=row.client_id)
    return _view(tx, row, None, shows_content(actor))


def _row(tx: Session, referral_id: int) -> Referral:
    row = tx.get(Referral, referral_id)
    if row is None:
        raise NotFoundError(_("There is no referral with number {id}.").format(id=referral_id))
    return row


def _allowed(tx: Session, actor: Actor, permission: Permission, referral_id: int) -> Referral:
    """The referral, once the actor's role allows ``permission`` (checked first: a refusal does
    not tell whether the referral exists)."""
    row = tx.get(Referral, referral_id)
    require(actor, permission, client_id=row.client_id if row is not None else None)
    return _row(tx, referral_id)


def allowed_next(status: str) -> tuple[str, ...]:
    if status in (CLOSED, DECLINED):
        return ()
    later = ORDER[ORDER.index(status) + 1 :]
    return (*later, DECLINED) if status in AWAITING_FEEDBACK else later


def advance_referral(
    tx: Session,
    actor: Actor,
    referral_id: int,
    status: str,
    *,
    note: str = "",
    happened_on: date | None = None,
    now: datetime | None = None,
) -> ReferralView:
    """Move a referral to a later step; sending needs a valid consent, feedback needs its text.

    ``happened_on`` is the day the step happened when it is recorded later (a referral sent
    yesterday is recorded as sent yesterday): not in the future, not before the step before it."""
    row = _allowed(tx, actor, Permission.MANAGE_REFERRALS, referral_id)
    now = now or datetime.now(UTC)
    recorded_now = now
    if happened_on is not None:
        today = dutch_today(now)
        if happened_on > today:
            raise InputError(_("The step cannot have happened in the future; choose today or an earlier day."))
        last = tx.exec(
            select(ReferralEvent.at).where(ReferralEvent.referral_id == referral_id).order_by(ReferralEvent.at.desc())
        ).first()
        last_day = to_display_time(last).date() if last is not None else None
        if last_day is not None and happened_on < last_day:
            raise InputError(
                _("The step cannot have happened before the step before it ({date}); choose that day or later.").format(
                    date=format_short_date(last_day)
                )
            )
        if happened_on < today:
            # Midday in the Netherlands on that day: the day is what counts, shown as it was.
            now = datetime.combine(happened_on, time(12), tzinfo=DISPLAY_ZONE).astimezone(UTC)
            if last is not None and now < last:
                now = last
    if status not in allowed_next(row.status):
        raise RefusedError(
            _("A referral that is '{current}' cannot become '{wanted}'.").format(
                current=status_label(row.status), wanted=status_label(status)
            )
        )
    note = clean_block(note)
    if status == SENT:
        consent = latest_consent_unchecked(tx, referral_id)
        if consent_status(consent, dutch_today(now)) != "given":
            raise RefusedError(_("Record the client's consent first: nothing is shared without it."))
    if status == FEEDBACK and not note:
        raise InputError(_("Write down the feedback that came back, so it stays with the referral."))
    if status == DECLINED and not note:
        raise InputError(_("Write down why the referral was declined."))
    if len(note) > 20_000:
        raise InputError(_("The note is longer than 20,000 characters; shorten it."))
    row.status = status
    row.updated_at = recorded_now
    if status == SENT:
        row.sent_at = now
    elif status == FEEDBACK:
        row.feedback_at = now
    elif status in (CLOSED, DECLINED):
        row.closed_at = now
    tx.add(row)
    tx.add(ReferralEvent(referral_id=referral_id, status=status, at=now, practitioner_id=actor.id, note=note))
    tx.flush()
    audit.record(
        tx,
        actor,
        audit.Action.CHANGE,
        object_type="referral",
        object_id=referral_id,
        client_id=row.client_id,
        detail=status,
        now=recorded_now,
    )
    return _view(tx, row, dutch_today(now), shows_content(actor))


def _view(tx: Session, row: Referral, today: date | None = None, content: bool = True) -> ReferralView:
    """The referral as plain values; without ``content`` the question and the notes are left out."""
    assert row.id is not None
    events = tx.exec(
        select(ReferralEvent, Practitioner.name)
        .outerjoin(Practitioner, Practitioner.id == ReferralEvent.practitioner_id)
        .where(ReferralEvent.referral_id == row.id)
        .order_by(ReferralEvent.at, ReferralEvent.id)
    ).all()
    creator = tx.get(Practitioner, row.created_by_id) if row.created_by_id else None
    return ReferralView(
        id=row.id,
        reference=row.reference,
        client_id=row.client_id,
        conversation_id=row.conversation_id,
        offering_id=row.offering_id,
        recipient=row.recipient,
        question=row.question if content else "",
        urgency=row.urgency,
        feedback_contact=row.feedback_contact,
        status=row.status,
        created_at=row.created_at,
        created_by_name=creator.name if creator else "",
        sent_at=row.sent_at,
        feedback_at=row.feedback_at,
        closed_at=row.closed_at,
        events=tuple(ReferralEventView(e.status, e.at, name or "", e.note if content else "") for e, name in events),
        consent=latest_consent_unchecked(tx, row.id, content),
        content_hidden=not content,
        first_contact=row.first_contact,
        contact_preference=row.contact_preference if content else "",
    )


def referral_view_unchecked(tx: Session, referral_id: int, today: date | None = None) -> ReferralView:
    """Inside the core only (no role check, not audited): for a handover, which checks and records itself."""
    return _view(tx, _row(tx, referral_id), today)


def get_referral(tx: Session, actor: Actor, referral_id: int, today: date | None = None) -> ReferralView:
    """One referral with its steps and consent; opening it is written to the audit trail."""
    row = _allowed(tx, actor, Permission.VIEW_REFERRAL_STATUS, referral_id)
    view = _view(tx, row, today, shows_content(actor))
    audit.record_once(
        tx, actor, audit.Action.VIEW, object_type="referral", object_id=referral_id, client_id=row.client_id
    )
    return view


def list_referrals(
    tx: Session,
    actor: Actor,
    *,
    client_id: int | None = None,
    overdue_only: bool = False,
    today: date | None = None,
) -> list[ReferralView]:
    """Referrals newest first; with ``overdue_only`` those still waiting for feedback past the due days.

    A list (not audited); the question and notes only for roles that read conversations."""
    require(actor, Permission.VIEW_REFERRAL_STATUS, client_id=client_id)
    content = shows_content(actor)
    today = today or dutch_today()
    query = select(Referral).order_by(Referral.created_at.desc(), Referral.id.desc())
    if client_id is not None:
        query = query.where(Referral.client_id == client_id)
    if overdue_only:
        query = query.where(col(Referral.status).in_(AWAITING_FEEDBACK))
    views = [_view(tx, row, today, content) for row in tx.exec(query).all()]
    if overdue_only:
        due = feedback_due_days(tx)
        views = [v for v in views if v.is_overdue(today, due)]
    return views


# -- whom to refer to ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RecipientSuggestions:
    """The domains a conversation flagged as important (in the model's order) and the offerings
    on the social map for them, the best fit first."""

    domains: tuple[Domain, ...]
    offerings: tuple[OfferingView, ...]
    #: The life-domain tags of those domains, weightiest first.
    tags: tuple[str, ...] = ()


def _written_in(snapshot: ConversationSnapshot, domain: Domain) -> str:
    """Everything written in one domain: own words, notes, text answers, its goals and actions."""
    assessment = snapshot.assessments.get(domain.id)
    parts = [assessment.own_words, assessment.notes] if assessment is not None else []
    link_ids = {item.link_id for item in domain.items}
    parts += [str(value) for key, value in snapshot.answers.items() if key in link_ids and isinstance(value, str)]
    goals = {goal.id for goal in snapshot.goals if goal.domain_id == domain.id}
    parts += [goal.description for goal in snapshot.goals if goal.id in goals]
    parts += [action.what for action in snapshot.actions if action.goal_id in goals or action.domain_id == domain.id]
    return " ".join(parts)


def flagged_domains(model: ConversationModel, snapshot: ConversationSnapshot) -> list[Domain]:
    """The domains marked as important, in the model's order."""
    return [
        domain
        for domain in model.domains
        if (assessment := snapshot.assessments.get(domain.id)) is not None and assessment.important
    ]


def suggest_recipients(tx: Session, actor: Actor, conversation_id: int, today: date) -> RecipientSuggestions:
    """Offerings for what the conversation flagged, by the life-domain tags of its domains and the
    words said in them (a flagged "work, money and housing" about debts puts debt help first).

    Opening the conversation is checked and written to the audit trail (``load_conversation``)."""
    snapshot = load_conversation(tx, actor, conversation_id)
    model = find_model(tx, snapshot.summary.model_id, snapshot.summary.model_version)
    flagged = flagged_domains(model, snapshot)
    weights = weigh_tags((tags_of(model, domain), _written_in(snapshot, domain)) for domain in flagged)
    offerings = suggest_offerings(tx, weights, today) if weights else []
    tags = tuple(sorted(weights, key=lambda tag: -weights[tag]))
    return RecipientSuggestions(tuple(flagged), tuple(offerings), tags)


def add_recipient_to_social_map(
    tx: Session,
    actor: Actor,
    referral_id: int,
    recipient: AdHocRecipient,
    tags: Iterable[str],
    *,
    now: datetime | None = None,
) -> OfferingView:
    """Put an ad-hoc recipient on the social map (``EDIT_SOCIAL_MAP``): its organisation (or the
    one of that name already there) and an offering of kind "other" with the given life-domain
    tags, checked by the social map's own rules; the referral then points to it (its recipient
    stays as it was written). Refused for a referral that already names an offering."""
    require(actor, Permission.EDIT_SOCIAL_MAP)
    row = _row(tx, referral_id)
    if row.offering_id is not None:
        raise RefusedError(_("This referral's recipient is on the social map already."))
    ad_hoc_recipient_text(recipient)  # the same checks as when referring
    now = now or datetime.now(UTC)
    name = plain_line(recipient.organisation)
    phone, email = plain_line(recipient.phone), plain_line(recipient.email)
    existing = next((o for o in list_organisations(tx, name) if fold(o.name) == fold(name)), None)
    organisation_id = (
        existing.id
        if existing is not None
        else create_organisation(
            tx,
            actor,
            OrganisationInput(name, phone=phone, email=email, last_checked=dutch_today(now)),
            now=now,
        ).id
    )
    what = plain_line(recipient.offering) or name
    offering = create_offering(
        tx,
        actor,
        OfferingInput(organisation_id, what, "other", tuple(tags), what, phone, email),
        now=now,
    )
    row.offering_id = offering.id
    row.updated_at = now
    tx.add(row)
    tx.flush()
    audit.record(
        tx, actor, audit.Action.CHANGE, object_type="referral", object_id=referral_id, client_id=row.client_id, now=now
    )
    return offering
