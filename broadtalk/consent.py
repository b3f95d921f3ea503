"""Consent (AVG/GDPR): before anything is shared, what the client agreed to.

A consent belongs to one referral (so to one recipient) and records which domains are shared,
whether identity details beyond name and birth date, goals and actions and the client's own
words are shared, for what purpose, how consent was given, when, by whom it was recorded and
until when it holds. A withdrawn or expired consent shares nothing: no handover exists
without a valid consent.

Recording and withdrawing consent needs ``MANAGE_REFERRALS``; seeing it is part of a referral's
status (``VIEW_REFERRAL_STATUS``), and its free text (the purpose, why it was withdrawn) is shown
only to roles that read conversations.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, select

from broadtalk import audit
from broadtalk.audit import require
from broadtalk.errors import InputError, NotFoundError, RefusedError
from broadtalk.forms.library import find_model
from broadtalk.i18n import N_, _, dutch_today, format_short_date, ngettext
from broadtalk.permissions import Permission, allows
from broadtalk.practitioners import Actor
from broadtalk.store.tables import Consent, Conversation, Practitioner, Referral
from broadtalk.text import clean_block

GIVEN, WITHDRAWN, EXPIRED, NONE = "given", "withdrawn", "expired", "none"
METHODS = {"verbal": N_("Verbally"), "written": N_("In writing")}
STATUS_LABELS = {
    GIVEN: N_("Consent given"),
    WITHDRAWN: N_("Consent withdrawn"),
    EXPIRED: N_("Consent expired"),
    NONE: N_("No consent yet"),
}
#: A consent is for one handover, not for ever: at most two years, a year by default.
MAX_VALIDITY = timedelta(days=731)
DEFAULT_VALIDITY = timedelta(days=365)


def method_label(method: str) -> str:
    return _(METHODS.get(method, method))


def status_label(status: str) -> str:
    return _(STATUS_LABELS.get(status, status))


@dataclass(frozen=True)
class ConsentInput:
    purpose: str
    domains: tuple[str, ...]
    share_identity_details: bool
    share_goals_actions: bool
    share_own_words: bool
    method: str
    given_on: date
    valid_until: date
    #: Keys of the pieces of no domain the client ticked one by one (``handover.content.piece_key``).
    pieces: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConsentView:
    id: int
    referral_id: int
    client_id: int
    recipient: str
    purpose: str
    domains: tuple[str, ...]
    share_identity_details: bool
    share_goals_actions: bool
    share_own_words: bool
    method: str
    given_on: date
    valid_until: date
    recorded_by_name: str
    recorded_at: datetime
    withdrawn_at: datetime | None
    withdrawal_note: str
    #: True when the purpose and withdrawal note were left out for the viewer's role.
    content_hidden: bool = False
    #: The pieces chosen one by one: (key, digest of the text the client saw), in the order chosen.
    pieces: tuple[tuple[str, str], ...] = ()
    #: The fingerprint of the domain-scoped content when consent was given ("" for older consents).
    content_digest: str = ""

    def status(self, today: date) -> str:
        if self.withdrawn_at is not None:
            return WITHDRAWN
        if today > self.valid_until:
            return EXPIRED
        return GIVEN


def consent_status(consent: ConsentView | None, today: date) -> str:
    return NONE if consent is None else consent.status(today)


def shows_content(actor: Actor) -> bool:
    """Whether the actor's role may read what was written about a client (not only the status)."""
    return allows(actor, Permission.VIEW_CONVERSATIONS)


def _view(tx: Session, row: Consent, content: bool = True) -> ConsentView:
    assert row.id is not None
    recorder = tx.get(Practitioner, row.recorded_by_id) if row.recorded_by_id else None
    return ConsentView(
        id=row.id,
        referral_id=row.referral_id,
        client_id=row.client_id,
        recipient=row.recipient,
        purpose=row.purpose if content else "",
        domains=tuple(json.loads(row.domains)),
        share_identity_details=row.share_identity_details,
        share_goals_actions=row.share_goals_actions,
        share_own_words=row.share_own_words,
        method=row.method,
        given_on=row.given_on,
        valid_until=row.valid_until,
        recorded_by_name=recorder.name if recorder else "",
        recorded_at=row.recorded_at,
        withdrawn_at=row.withdrawn_at,
        withdrawal_note=row.withdrawal_note if content else "",
        content_hidden=not content,
        pieces=tuple((str(k), str(v)) for k, v in _pieces(row.pieces).items()),
        content_digest=row.content_digest,
    )


def _pieces(raw: str) -> dict[str, str]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def latest_consent_unchecked(tx: Session, referral_id: int, content: bool = True) -> ConsentView | None:
    """Inside the core only (no role check): the latest consent recorded for a referral."""
    row = tx.exec(
        select(Consent)
        .where(Consent.referral_id == referral_id)
        .order_by(Consent.recorded_at.desc(), Consent.id.desc())
    ).first()
    return _view(tx, row, content) if row is not None else None


def _referral(tx: Session, actor: Actor, permission: Permission, referral_id: int) -> Referral:
    referral = tx.get(Referral, referral_id)
    require(actor, permission, client_id=referral.client_id if referral is not None else None)
    if referral is None:
        raise NotFoundError(_("There is no referral with number {id}.").format(id=referral_id))
    return referral


def current_consent(tx: Session, actor: Actor, referral_id: int) -> ConsentView | None:
    """The latest consent recorded for a referral (which may be withdrawn or expired); looking at
    it is a view of the referral."""
    referral = _referral(tx, actor, Permission.VIEW_REFERRAL_STATUS, referral_id)
    consent = latest_consent_unchecked(tx, referral_id, shows_content(actor))
    audit.record_once(
        tx, actor, audit.Action.VIEW, object_type="referral", object_id=referral_id, client_id=referral.client_id
    )
    return consent


def record_consent(
    tx: Session,
    actor: Actor,
    referral_id: int,
    data: ConsentInput,
    *,
    now: datetime | None = None,
    piece_digests: dict[str, str] | None = None,
    content_digest: str = "",
) -> ConsentView:
    """Record what the client agreed to for this referral's recipient; checks it all first.

    ``piece_digests`` fingerprints every piece of the conversation that may be chosen one by one
    (``handover.content.give_consent`` passes them, with the digest of the domain-scoped content
    the client was shown); a chosen piece the conversation does not have is refused."""
    referral = _referral(tx, actor, Permission.MANAGE_REFERRALS, referral_id)
    now = now or datetime.now(UTC)
    existing = latest_consent_unchecked(tx, referral_id)
    today = dutch_today(now)
    if existing is not None and existing.status(today) == GIVEN:
        raise RefusedError(_("This referral already has a valid consent; withdraw it first to record a different one."))
    purpose = clean_block(data.purpose)
    if not purpose:
        raise InputError(_("Write down the purpose the client agreed to, e.g. 'support with debts'."))
    if len(purpose) > 2000:
        raise InputError(_("The purpose is longer than 2,000 characters; shorten it."))
    if data.method not in METHODS:
        raise InputError(_("Say how consent was given: verbally or in writing."))
    if data.given_on > today:
        raise InputError(_("The date of consent lies in the future; consent counts from when it was given."))
    if data.valid_until < data.given_on:
        raise InputError(_("'Valid until' lies before the date of consent; choose a later date."))
    if data.valid_until < today:
        raise InputError(
            _("This consent already ended on {date}; a consent is recorded for a period that is still to come.").format(
                date=format_short_date(data.valid_until)
            )
        )
    if data.valid_until - data.given_on > MAX_VALIDITY:
        raise InputError(
            _("Consent can be valid for two years at most (until {date}); choose an earlier date.").format(
                date=format_short_date(data.given_on + MAX_VALIDITY)
            )
        )
    domains = list(dict.fromkeys(data.domains))
    if referral.conversation_id is not None:
        conversation = tx.get(Conversation, referral.conversation_id)
        assert conversation is not None
        model = find_model(tx, conversation.model_id, conversation.model_version)
        unknown = [d for d in domains if model.domain(d) is None]
        if unknown:
            raise InputError(
                _("These domains are not part of the conversation: {domains}.").format(domains=", ".join(unknown))
            )
    elif domains:
        raise InputError(_("This referral has no conversation, so there are no domains to share."))
    available = piece_digests or {}
    chosen = list(dict.fromkeys(data.pieces))
    missing = [key for key in chosen if key not in available]
    if missing:
        raise InputError(
            ngettext(
                "{count} chosen piece is no longer part of the conversation; look at the consent again.",
                "{count} chosen pieces are no longer part of the conversation; look at the consent again.",
                len(missing),
            ).format(count=len(missing))
        )
    row = Consent(
        referral_id=referral_id,
        client_id=referral.client_id,
        recipient=referral.recipient,
        purpose=purpose,
        domains=json.dumps(domains),
        share_identity_details=data.share_identity_details,
        share_goals_actions=data.share_goals_actions,
        share_own_words=data.share_own_words,
        pieces=json.dumps({key: available[key] for key in chosen}),
        content_digest=content_digest,
        method=data.method,
        given_on=data.given_on,
        valid_until=data.valid_until,
        recorded_by_id=actor.id,
        recorded_at=now,
    )
    tx.add(row)
    tx.flush()
    audit.record(
        tx, actor, audit.Action.CREATE, object_type="consent", object_id=row.id, client_id=row.client_id, now=now
    )
    return _view(tx, row, shows_content(actor))


def withdraw_consent(
    tx: Session, actor: Actor, consent_id: int, *, note: str = "", now: datetime | None = None
) -> ConsentView:
    """The client takes consent back: from now on nothing more is shared under it."""
    row = tx.get(Consent, consent_id)
    require(actor, Permission.MANAGE_REFERRALS, client_id=row.client_id if row is not None else None)
    now = now or datetime.now(UTC)
    if row is None:
        raise NotFoundError(_("There is no consent with number {id}.").format(id=consent_id))
    if row.withdrawn_at is not None:
        raise RefusedError(_("This consent was already withdrawn."))
    row.withdrawn_at = now
    row.withdrawn_by_id = actor.id
    row.withdrawal_note = clean_block(note)
    tx.add(row)
    tx.flush()
    audit.record(
        tx,
        actor,
        audit.Action.CHANGE,
        object_type="consent",
        object_id=consent_id,
        client_id=row.client_id,
        detail="withdrawn",
        now=now,
    )
    return _view(tx, row, shows_content(actor))


def require_valid_consent(consent: ConsentView | None, today: date) -> ConsentView:
    """The consent to share under, or a refusal that says why there is none."""
    status = consent_status(consent, today)
    if status == NONE:
        raise RefusedError(_("There is no consent for this referral; record the client's consent first."))
    if status == WITHDRAWN:
        raise RefusedError(_("The client withdrew consent for this referral; nothing can be shared."))
    if status == EXPIRED:
        raise RefusedError(
            _("The consent for this referral expired on {date}; record a new consent to share.").format(
                date=format_short_date(consent.valid_until)
            )
        )
    assert consent is not None
    return consent
