"""A client's whole record out of the practice as FHIR (the AVG right of access; a move to
another practice): ``export_record`` loads everything broadtalk holds on the client
(``load_client_file``), builds the Bundle (``record_fhir.record_bundle``), validates it and
writes it the way a handover document is written (journalled, owner-only, whole or not at
all; ``handover.export.write_after_commit``), with an export entry in the audit trail.

Only a role that reads what was said (``VIEW_CONVERSATIONS``) may: the record holds all of it.
The audit trail itself is not part of the record (it stays with the practice); who received
which handover is (each disclosure, as an ``AuditEvent``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session, col, select

from broadtalk import audit
from broadtalk.audit import require
from broadtalk.clients import ClientInput, create_client
from broadtalk.consent import METHODS
from broadtalk.errors import InputError, NotFoundError, RefusedError, os_reason
from broadtalk.forms.library import find_model
from broadtalk.i18n import _
from broadtalk.interop import fhir
from broadtalk.interop.record_fhir import (
    ActionFile,
    AssessmentFile,
    ChangeFile,
    ClientFile,
    ConsentFile,
    ConversationFile,
    DisclosureFile,
    GoalFile,
    Identity,
    ReferralFile,
    StepFile,
    record_bundle,
)
from broadtalk.permissions import Permission
from broadtalk.practitioners import Actor, Role, create_practitioner
from broadtalk.referral_steps import STATUS_LABELS
from broadtalk.referrals import FIRST_CONTACTS, URGENCIES
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
    Practitioner,
    Referral,
    ReferralEvent,
)
from broadtalk.text import shown_value

#: The kind of document in the export journal and the audit entry's detail.
RECORD_FHIR = "record_fhir"


class _Names:
    """Practitioner ids → names (and roles), looked up once each."""

    def __init__(self, tx: Session) -> None:
        self.tx = tx
        self.seen: dict[str, str] = {}
        self._cache: dict[int, tuple[str, str]] = {}

    def __call__(self, practitioner_id: int | None) -> str:
        if practitioner_id is None:
            return ""
        if practitioner_id not in self._cache:
            row = self.tx.get(Practitioner, practitioner_id)
            self._cache[practitioner_id] = (row.name, row.role) if row is not None else ("", "")
        name, role = self._cache[practitioner_id]
        if name:
            self.seen[name] = role
        return name


def load_client_file(tx: Session, client_id: int) -> ClientFile:
    """Everything broadtalk holds on a client, as plain values (no role check: the caller's)."""
    row = tx.get(Client, client_id)
    if row is None:
        raise NotFoundError(_("There is no client with number {id}.").format(id=client_id))
    names = _Names(tx)
    identity = Identity(
        client_number=row.client_number,
        given_name=row.given_name,
        name_prefix=row.name_prefix,
        family_name=row.family_name,
        birth_date=row.birth_date,
        bsn=row.bsn or None,
        phone=row.phone,
        email=row.email,
        address=row.address,
        postal_code=row.postal_code,
        city=row.city,
        general_practitioner=row.general_practitioner,
        language=row.language,
        interpreter_needed=row.interpreter_needed,
        created_at=row.created_at,
    )
    conversations = tx.exec(
        select(Conversation)
        .where(Conversation.client_id == client_id)
        .order_by(Conversation.started_at, Conversation.id)
    ).all()
    index_of = {c.id: i for i, c in enumerate(conversations)}
    files = [_conversation_file(tx, c, names) for c in conversations]
    referrals = tx.exec(
        select(Referral).where(Referral.client_id == client_id).order_by(Referral.created_at, Referral.id)
    ).all()
    return ClientFile(
        identity=identity,
        conversations=tuple(files),
        referrals=tuple(_referral_file(tx, r, index_of, names) for r in referrals),
        practitioners=dict(names.seen),
    )


def _conversation_file(tx: Session, row: Conversation, names: _Names) -> ConversationFile:
    cid = row.id
    answers = {
        a.link_id: json.loads(a.value_json) for a in tx.exec(select(Answer).where(Answer.conversation_id == cid))
    }
    assessments = tx.exec(
        select(DomainAssessment).where(DomainAssessment.conversation_id == cid).order_by(DomainAssessment.domain_id)
    ).all()
    goals = tx.exec(select(Goal).where(Goal.conversation_id == cid).order_by(Goal.position, Goal.id)).all()
    goal_key = {g.id: position for position, g in enumerate(goals)}
    actions = tx.exec(select(Action).where(Action.conversation_id == cid).order_by(Action.position, Action.id)).all()
    changes = tx.exec(
        select(ConversationChange)
        .where(ConversationChange.conversation_id == cid)
        .order_by(ConversationChange.changed_at, ConversationChange.id)
    ).all()
    return ConversationFile(
        model=find_model(tx, row.model_id, row.model_version),
        status=row.status,
        started_at=row.started_at,
        completed_at=row.completed_at,
        amended_at=row.amended_at,
        duration_seconds=row.duration_seconds,
        practitioner=names(row.practitioner_id),
        what_matters_most=row.what_matters_most,
        follow_up_date=row.follow_up_date,
        answers=answers,
        assessments=tuple(
            AssessmentFile(
                a.domain_id,
                a.score,
                a.notes,
                a.own_words,
                a.important,
                a.priority_rank,
                a.client_score,
                a.client_wants_to_talk,
            )
            for a in assessments
        ),
        goals=tuple(GoalFile(goal_key[g.id], g.description, g.domain_id) for g in goals),
        actions=tuple(
            ActionFile(a.what, a.who, a.due_date, a.done, goal_key.get(a.goal_id) if a.goal_id else None, a.domain_id)
            for a in actions
        ),
        changes=tuple(
            ChangeFile(c.changed_at, names(c.practitioner_id), c.target, c.old_value, c.new_value) for c in changes
        ),
        model_id=row.model_id,
        model_version=row.model_version,
    )


def _referral_file(tx: Session, row: Referral, index_of: dict[int | None, int], names: _Names) -> ReferralFile:
    rid = row.id
    steps = tx.exec(
        select(ReferralEvent).where(ReferralEvent.referral_id == rid).order_by(ReferralEvent.at, ReferralEvent.id)
    ).all()
    consents = tx.exec(
        select(Consent).where(Consent.referral_id == rid).order_by(Consent.recorded_at, Consent.id)
    ).all()
    disclosures = tx.exec(
        select(Disclosure).where(Disclosure.referral_id == rid).order_by(col(Disclosure.at), col(Disclosure.id))
    ).all()
    return ReferralFile(
        reference=row.reference,
        conversation=index_of.get(row.conversation_id) if row.conversation_id is not None else None,
        recipient=row.recipient,
        question=row.question,
        urgency=row.urgency,
        feedback_contact=row.feedback_contact,
        status=row.status,
        first_contact=row.first_contact,
        contact_preference=row.contact_preference,
        created_at=row.created_at,
        created_by=names(row.created_by_id),
        sent_at=row.sent_at,
        feedback_at=row.feedback_at,
        closed_at=row.closed_at,
        steps=tuple(StepFile(s.status, s.at, names(s.practitioner_id), s.note) for s in steps),
        consents=tuple(
            ConsentFile(
                recipient=c.recipient,
                purpose=c.purpose,
                domains=tuple(json.loads(c.domains)),
                share_identity_details=c.share_identity_details,
                share_goals_actions=c.share_goals_actions,
                share_own_words=c.share_own_words,
                pieces=dict(json.loads(c.pieces or "{}")),
                content_digest=c.content_digest,
                method=c.method,
                given_on=c.given_on,
                valid_until=c.valid_until,
                recorded_by=names(c.recorded_by_id),
                recorded_at=c.recorded_at,
                withdrawn_at=c.withdrawn_at,
                withdrawn_by=names(c.withdrawn_by_id),
                withdrawal_note=c.withdrawal_note,
            )
            for c in consents
        ),
        disclosures=tuple(
            DisclosureFile(d.at, d.kind, d.scope, names(d.practitioner_id), d.batch) for d in disclosures
        ),
    )


def check_json_target(target: Path) -> None:
    from broadtalk.handover.export import check_target

    if target.suffix.lower() != ".json":
        raise InputError(_("The file name must end in .json, e.g. record.json."))
    check_target(target)


def export_record(tx: Session, actor: Actor, client_id: int, target: Path, *, now: datetime | None = None) -> Path:
    """Write the client's whole record as a FHIR Bundle to ``target`` (after ``tx`` commits), with
    an export entry in the audit trail. Needs ``VIEW_CONVERSATIONS`` (the record holds all)."""
    from broadtalk.handover.export import write_after_commit

    require(actor, Permission.VIEW_CONVERSATIONS, client_id=client_id if tx.get(Client, client_id) else None)
    target = Path(target)
    check_json_target(target)
    bundle = record_bundle(load_client_file(tx, client_id))
    fhir.validate(bundle)
    now = now or datetime.now(UTC)
    audit.record(
        tx,
        actor,
        audit.Action.EXPORT,
        object_type="client",
        object_id=client_id,
        client_id=client_id,
        detail=RECORD_FHIR,
        now=now,
    )
    write_after_commit(
        tx,
        actor,
        target,
        fhir.to_bytes(bundle),
        object_type="client",
        object_id=client_id,
        client_id=client_id,
        kind=RECORD_FHIR,
    )
    return target


# -- a record read back: into this practice ---------------------------------------------------------


def read_record_file(path: Path) -> ClientFile:
    """The record in a file (``record_read.read_record``); InputError naming the file otherwise."""
    from broadtalk.files import FileTooLarge, NotAnOrdinaryFile, read_limited
    from broadtalk.interop.record_read import MAX_BYTES, read_record

    try:
        data = read_limited(path, MAX_BYTES)
    except FileNotFoundError:
        raise InputError(_("{file} does not exist; choose the record's file.").format(file=path)) from None
    except (IsADirectoryError, NotAnOrdinaryFile):
        raise InputError(_("{file} is not an ordinary file; choose the record's file.").format(file=path)) from None
    except FileTooLarge:
        raise InputError(_("{file} is too large to be one client's record.").format(file=path)) from None
    except OSError as error:
        raise InputError(_("{file} cannot be read ({reason}).").format(file=path, reason=os_reason(error))) from None
    return read_record(data)


def _practitioner_ids(tx: Session, names: dict[str, str], now: datetime) -> dict[str, int]:
    """Each colleague named in the record: this practice's account of that name, else a new
    account that is switched off (it cannot sign in) so the record keeps who did what."""
    found: dict[str, int] = {}
    for name, role in names.items():
        row = tx.exec(select(Practitioner).where(Practitioner.name == name).order_by(Practitioner.id)).first()
        if row is None:
            try:
                known = Role(role)
            except ValueError:
                known = Role.SOCIAL_WORKER
            created = create_practitioner(tx, name, known, now=now)
            row = tx.get(Practitioner, created.id)
            row.active = False
            tx.add(row)
            tx.flush()
        assert row.id is not None
        found[name] = row.id
    return found


def _check_referral(referral: ReferralFile) -> None:
    where = _("referral {reference}").format(reference=shown_value(referral.reference, 20))
    problems = []
    if not referral.reference or len(referral.reference) > 16:
        problems.append(_("the reference must be 1 to 16 characters"))
    if referral.status not in STATUS_LABELS:
        problems.append(_("'{value}' is no step of a referral").format(value=shown_value(referral.status)))
    if referral.urgency not in URGENCIES:
        problems.append(_("'{value}' is no urgency").format(value=shown_value(referral.urgency)))
    if referral.first_contact not in FIRST_CONTACTS:
        problems.append(
            _("'{value}' is not who makes the first contact").format(value=shown_value(referral.first_contact))
        )
    if len(referral.recipient) > 400 or not referral.recipient.strip():
        problems.append(_("the recipient must be 1 to 400 characters"))
    if len(referral.feedback_contact) > 300:
        problems.append(_("the feedback contact is longer than 300 characters"))
    problems += [
        _("'{value}' is no step of a referral").format(value=shown_value(s.status))
        for s in referral.steps
        if s.status not in STATUS_LABELS
    ]
    problems += [
        _("'{value}' is no way of giving consent").format(value=shown_value(c.method))
        for c in referral.consents
        if c.method not in METHODS
    ]
    if problems:
        raise InputError(
            _("The record cannot be imported; nothing was changed. {where}: {problems}").format(
                where=where, problems="; ".join(problems)
            )
        )


def import_record(tx: Session, actor: Actor, file: ClientFile, *, now: datetime | None = None) -> int:
    """The record as a new client of this practice, whole or not at all; returns the client's id.

    Refused, with nothing changed, when the client number is in use here, a conversation's model
    is not available here, or anything fails the rules the app applies when it is typed in.
    Needs the roles that create clients, hold conversations and manage referrals."""
    for permission in (Permission.EDIT_CLIENTS, Permission.HOLD_CONVERSATIONS, Permission.MANAGE_REFERRALS):
        require(actor, permission)
    now = now or datetime.now(UTC)
    identity = file.identity
    if tx.exec(select(Client.id).where(Client.client_number == identity.client_number)).first() is not None:
        raise RefusedError(
            _(
                "A client with number {number} is already in this practice; the record was imported before, or "
                "the number is taken. Nothing was changed."
            ).format(number=shown_value(identity.client_number, 20))
        )
    for conversation in file.conversations:
        try:
            find_model(tx, conversation.model_id, conversation.model_version)
        except NotFoundError as missing:
            raise InputError(
                _("The record cannot be imported; nothing was changed. {reason}").format(reason=missing.message)
            ) from None
    for referral in file.referrals:
        _check_referral(referral)
    try:
        client = _create(tx, actor, identity, now)
    except InputError as invalid:
        raise InputError(
            _("The record cannot be imported; nothing was changed. The Patient: {reason}").format(
                reason=invalid.message
            )
        ) from None
    row = tx.get(Client, client.id)
    row.client_number = identity.client_number
    tx.add(row)
    tx.flush()
    people = _practitioner_ids(tx, file.practitioners, now)
    conversation_ids = [_store_conversation(tx, actor, client.id, c, people, now) for c in file.conversations]
    for referral in file.referrals:
        _store_referral(tx, actor, client.id, referral, conversation_ids, people, now)
    return client.id


def _create(tx: Session, actor: Actor, identity, now: datetime):
    return create_client(
        tx,
        actor,
        ClientInput(
            given_name=identity.given_name,
            family_name=identity.family_name,
            birth_date=identity.birth_date,
            name_prefix=identity.name_prefix,
            bsn=identity.bsn or "",
            phone=identity.phone,
            email=identity.email,
            address=identity.address,
            postal_code=identity.postal_code,
            city=identity.city,
            general_practitioner=identity.general_practitioner,
            language=identity.language,
            interpreter_needed=identity.interpreter_needed,
        ),
        now=now,
    )


def _store_conversation(
    tx: Session, actor: Actor, client_id: int, file: ConversationFile, people: dict[str, int], now: datetime
) -> int:
    from broadtalk.conversation_records import (
        ActionEntry,
        ConversationContent,
        GoalEntry,
        domain_entry,
        record_conversation,
    )

    def entry(action: ActionFile) -> ActionEntry:
        return ActionEntry(
            action.what, action.who, action.due_date, action.done, action.domain_id if action.goal_key is None else None
        )

    goals = [
        GoalEntry(g.description, g.domain_id, [entry(a) for a in file.actions if a.goal_key == g.key])
        for g in file.goals
    ]
    keys = {g.key for g in file.goals}
    loose = [a for a in file.actions if a.goal_key is None or a.goal_key not in keys]
    content = ConversationContent(
        model_id=file.model_id,
        model_version=file.model_version,
        started_at=file.started_at,
        answers=dict(file.answers),
        domains=[domain_entry(a) for a in file.assessments],
        what_matters_most=file.what_matters_most,
        follow_up_date=file.follow_up_date,
        goals=goals,
        actions=[entry(a) for a in loose],
        completed_at=file.completed_at if file.status == "completed" else None,
        duration_seconds=file.duration_seconds,
    )
    conversation_id = record_conversation(tx, actor, client_id, content, now=now)
    row = tx.get(Conversation, conversation_id)
    row.practitioner_id = people.get(file.practitioner)
    row.amended_at = file.amended_at
    tx.add(row)
    # The actions in the order of the record (written goal by goal, then the loose ones).
    written = [a for g in file.goals for a in file.actions if a.goal_key == g.key] + loose
    rows = tx.exec(select(Action).where(Action.conversation_id == conversation_id).order_by(Action.position)).all()
    order = {id(a): i for i, a in enumerate(file.actions)}
    for action_row, action in zip(rows, written, strict=True):
        action_row.position = order[id(action)] + 1
        tx.add(action_row)
    for change in file.changes:
        tx.add(
            ConversationChange(
                conversation_id=conversation_id,
                practitioner_id=people.get(change.practitioner),
                changed_at=change.changed_at,
                target=change.target[:100],
                old_value=change.old_value,
                new_value=change.new_value,
            )
        )
    tx.flush()
    return conversation_id


def _store_referral(
    tx: Session,
    actor: Actor,
    client_id: int,
    file: ReferralFile,
    conversation_ids: list[int],
    people: dict[str, int],
    now: datetime,
) -> None:
    from broadtalk.referrals import new_reference

    taken = tx.exec(select(Referral.id).where(Referral.reference == file.reference)).first() is not None
    row = Referral(
        reference=new_reference(tx) if taken else file.reference,
        client_id=client_id,
        conversation_id=conversation_ids[file.conversation] if file.conversation is not None else None,
        offering_id=None,
        recipient=file.recipient,
        question=file.question,
        urgency=file.urgency,
        feedback_contact=file.feedback_contact,
        status=file.status,
        first_contact=file.first_contact,
        contact_preference=file.contact_preference,
        created_by_id=people.get(file.created_by),
        created_at=file.created_at,
        updated_at=now,
        sent_at=file.sent_at,
        feedback_at=file.feedback_at,
        closed_at=file.closed_at,
    )
    tx.add(row)
    tx.flush()
    assert row.id is not None
    for step in file.steps:
        tx.add(
            ReferralEvent(
                referral_id=row.id,
                status=step.status,
                at=step.at,
                practitioner_id=people.get(step.practitioner),
                note=step.note,
            )
        )
    for consent in file.consents:
        tx.add(
            Consent(
                referral_id=row.id,
                client_id=client_id,
                recipient=consent.recipient,
                purpose=consent.purpose,
                domains=json.dumps(list(consent.domains)),
                share_identity_details=consent.share_identity_details,
                share_goals_actions=consent.share_goals_actions,
                share_own_words=consent.share_own_words,
                pieces=json.dumps(consent.pieces, sort_keys=True),
                content_digest=consent.content_digest,
                method=consent.method,
                given_on=consent.given_on,
                valid_until=consent.valid_until,
                recorded_by_id=people.get(consent.recorded_by),
                recorded_at=consent.recorded_at,
                withdrawn_at=consent.withdrawn_at,
                withdrawn_by_id=people.get(consent.withdrawn_by),
                withdrawal_note=consent.withdrawal_note,
            )
        )
    for disclosure in file.disclosures:
        tx.add(
            Disclosure(
                referral_id=row.id,
                consent_id=None,
                practitioner_id=people.get(disclosure.practitioner),
                at=disclosure.at,
                kind=disclosure.kind,
                scope=disclosure.scope,
                batch=disclosure.batch,
            )
        )
    tx.flush()
    audit.record(
        tx,
        actor,
        audit.Action.CREATE,
        object_type="referral",
        object_id=row.id,
        client_id=client_id,
        detail=RECORD_FHIR,
        now=now,
    )
