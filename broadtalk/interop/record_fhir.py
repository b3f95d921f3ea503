"""A client's whole record as a FHIR R4 Bundle: everything broadtalk holds on the client (the
AVG right of access; a move to another practice).

``record_bundle`` is pure: it gets a ``ClientFile`` (plain values, loaded by ``interop.record``)
and writes:

- the ``Patient`` with every identity detail (the BSN too: this is the client's own record);
- each practitioner named in the record as a ``Practitioner`` (name, role);
- each conversation as a ``QuestionnaireResponse`` on its model's Questionnaire (the linkIds of
  ``interop.questionnaire``: the answers typed by their items, each domain's score, notes,
  own words, importance, rank, the client's own score and wish to talk, what matters most),
  with the conversation's times in the extension ``urn:broadtalk:extension:conversation``;
  each scored domain also as an ``Observation`` derived from it; its goals as ``Goal``s, its
  agreed actions as ``Task``s (intent plan; completed when done); each change made after it
  was completed as a ``Provenance``;
- each referral as a ``ServiceRequest`` and its ``Task`` (the status of the loop), each step as
  a ``Provenance`` of the Task; each consent ever recorded as a ``Consent`` (active, or
  inactive once withdrawn); each time the handover left the practice as an ``AuditEvent``.

Ids are stable UUIDs of the client number and the part, so exporting twice gives the same ids.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from broadtalk.conversations import AssessmentView
from broadtalk.forms.schema import ConversationModel, Item, ItemType
from broadtalk.i18n import _, pick
from broadtalk.interop import fhir
from broadtalk.interop.fhir import coding, compact, concept, reference, text
from broadtalk.interop.handover_fhir import PRIORITY, person_name

#: The extensions that carry what FHIR has no element for (read back by ``record import``).
CONVERSATION = "urn:broadtalk:extension:conversation"
REFERRAL = "urn:broadtalk:extension:referral"
CONSENT_RECORD = "urn:broadtalk:extension:consent-record"
CHANGE = "urn:broadtalk:extension:conversation-change"
STEP_NOTE = "urn:broadtalk:extension:step-note"
DISCLOSURE = "urn:broadtalk:extension:disclosure"
#: Code systems of broadtalk's own values.
CLIENT_NUMBER = "urn:broadtalk:client-number"
ROLE = "urn:broadtalk:role"
STEP = "urn:broadtalk:referral-step"
BSN = "http://fhir.nl/fhir/NamingSystem/bsn"
DICOM = "http://dicom.nema.org/resources/ontology/DCM"

#: The referral's step → (ServiceRequest.status, Task.status).
STATUSES = {
    "draft": ("draft", "draft"),
    "sent": ("active", "requested"),
    "accepted": ("active", "accepted"),
    "first_contact": ("active", "in-progress"),
    "feedback_received": ("completed", "completed"),
    "closed": ("completed", "completed"),
    "declined": ("revoked", "rejected"),
}


@dataclass(frozen=True)
class Identity:
    client_number: str
    given_name: str
    name_prefix: str
    family_name: str
    birth_date: date
    bsn: str | None = None
    phone: str = ""
    email: str = ""
    address: str = ""
    postal_code: str = ""
    city: str = ""
    general_practitioner: str = ""
    language: str = ""
    interpreter_needed: bool = False
    created_at: datetime | None = None

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.given_name, self.name_prefix, self.family_name) if p)


#: A domain's assessment in a record: the conversation's own view of it.
AssessmentFile = AssessmentView


@dataclass(frozen=True)
class GoalFile:
    key: int
    description: str
    domain_id: str | None


@dataclass(frozen=True)
class ActionFile:
    what: str
    who: str
    due_date: date | None
    done: bool
    goal_key: int | None
    domain_id: str | None


@dataclass(frozen=True)
class ChangeFile:
    changed_at: datetime
    practitioner: str
    target: str
    old_value: str
    new_value: str


@dataclass(frozen=True)
class ConversationFile:
    #: The model (None in a record read from a file: ``record.import_record`` looks it up).
    model: ConversationModel | None
    status: str
    started_at: datetime
    completed_at: datetime | None
    amended_at: datetime | None
    duration_seconds: int
    practitioner: str
    what_matters_most: str
    follow_up_date: date | None
    answers: dict[str, Any] = field(default_factory=dict)
    assessments: tuple[AssessmentFile, ...] = ()
    goals: tuple[GoalFile, ...] = ()
    actions: tuple[ActionFile, ...] = ()
    changes: tuple[ChangeFile, ...] = ()
    model_id: str = ""
    model_version: int = 0


@dataclass(frozen=True)
class StepFile:
    status: str
    at: datetime
    practitioner: str
    note: str


@dataclass(frozen=True)
class ConsentFile:
    recipient: str
    purpose: str
    domains: tuple[str, ...]
    share_identity_details: bool
    share_goals_actions: bool
    share_own_words: bool
    pieces: dict[str, str]
    content_digest: str
    method: str
    given_on: date
    valid_until: date
    recorded_by: str
    recorded_at: datetime
    withdrawn_at: datetime | None
    withdrawn_by: str
    withdrawal_note: str


@dataclass(frozen=True)
class DisclosureFile:
    at: datetime
    kind: str
    scope: str
    practitioner: str
    batch: str | None = None


@dataclass(frozen=True)
class ReferralFile:
    reference: str
    conversation: int | None  # index into ClientFile.conversations
    recipient: str
    question: str
    urgency: str
    feedback_contact: str
    status: str
    first_contact: str
    contact_preference: str
    created_at: datetime
    created_by: str
    sent_at: datetime | None
    feedback_at: datetime | None
    closed_at: datetime | None
    steps: tuple[StepFile, ...] = ()
    consents: tuple[ConsentFile, ...] = ()
    disclosures: tuple[DisclosureFile, ...] = ()


@dataclass(frozen=True)
class ClientFile:
    identity: Identity
    conversations: tuple[ConversationFile, ...] = ()
    referrals: tuple[ReferralFile, ...] = ()
    #: Practitioner name → role, for everyone named in the record.
    practitioners: dict[str, str] = field(default_factory=dict)


# -- building -------------------------------------------------------------------------------------


def _id(identity: Identity, *parts: object) -> str:
    return fhir.stable_id("record", identity.client_number, *parts)


def _ext(url: str, **values: Any) -> dict[str, Any]:
    """A complex extension of broadtalk's: one sub-extension per value that is set."""
    subs = []
    for name, value in values.items():
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            subs.append({"url": name, "valueBoolean": value})
        elif isinstance(value, int):
            subs.append({"url": name, "valueInteger": value})
        elif isinstance(value, datetime):
            subs.append({"url": name, "valueDateTime": fhir.instant(value)})
        elif isinstance(value, date):
            subs.append({"url": name, "valueDate": value.isoformat()})
        else:
            subs.append({"url": name, "valueString": text(str(value)) or str(value)})
    return {"url": url, "extension": subs}


def _patient(identity: Identity, ident: str) -> dict[str, Any]:
    telecom = [
        {"system": s, "value": text(v)} for s, v in (("phone", identity.phone), ("email", identity.email)) if text(v)
    ]
    address = compact(
        {
            "line": [text(identity.address)] if text(identity.address) else None,
            "postalCode": text(identity.postal_code),
            "city": text(identity.city),
        }
    )
    language = None
    if text(identity.language):
        code = fhir.language_code(identity.language)
        language = concept(*([coding(fhir.LANGUAGE_SYSTEM, code)] if code else []), label=identity.language)
    return compact(
        {
            "resourceType": "Patient",
            "id": ident,
            "extension": [{"url": fhir.INTERPRETER_REQUIRED, "valueBoolean": identity.interpreter_needed}],
            "identifier": [
                {"system": CLIENT_NUMBER, "value": identity.client_number},
                *([{"system": BSN, "value": identity.bsn}] if identity.bsn else []),
            ],
            "name": [person_name(identity.given_name, identity.name_prefix, identity.family_name, identity.name)],
            "telecom": telecom,
            "birthDate": identity.birth_date.isoformat(),
            "address": [address] if address else None,
            "communication": [{"language": language, "preferred": True}] if language else None,
            "generalPractitioner": [{"display": text(identity.general_practitioner)}]
            if text(identity.general_practitioner)
            else None,
        }
    )


def _who(file: ClientFile, name: str) -> dict[str, Any] | None:
    if not text(name):
        return None
    return reference(_id(file.identity, "practitioner", name), name)


def _answer_values(item: Item | None, value: Any, system: str) -> list[dict[str, Any]]:
    """An answer as FHIR types it by its item."""
    values = value if isinstance(value, list) else [value]
    kind = item.type if item is not None else None
    found = []
    for one in values:
        if one is None or one == "":
            continue
        if kind == ItemType.CHOICE:
            option = item.option(str(one)) if item is not None else None
            found.append({"valueCoding": coding(system, str(one), pick(option.display) if option else None)})
        elif isinstance(one, bool):
            found.append({"valueBoolean": one})
        elif kind == ItemType.INTEGER and isinstance(one, int):
            found.append({"valueInteger": one})
        elif kind == ItemType.DECIMAL and isinstance(one, int | float):
            found.append({"valueDecimal": one})
        elif kind == ItemType.DATE:
            found.append({"valueDate": str(one)})
        elif text(str(one)):
            found.append({"valueString": text(str(one))})
    return found


def _response_items(conversation: ConversationFile) -> list[dict[str, Any]]:
    model = conversation.model
    assert model is not None
    system = fhir.model_system(model.id)
    assessments = {a.domain_id: a for a in conversation.assessments}
    groups: list[dict[str, Any]] = []

    def answered(items: list[Item]) -> list[dict[str, Any]]:
        out = []
        for item in items:
            if item.link_id in conversation.answers:
                values = _answer_values(item, conversation.answers[item.link_id], system)
                if values:
                    out.append({"linkId": item.link_id, "answer": values})
        return out

    for domain in model.domains:
        base = f"domain/{domain.id}"
        a = assessments.get(domain.id)
        items = []
        if a is not None and a.score is not None:
            items.append({"linkId": f"{base}/score", "answer": [{"valueInteger": a.score}]})
        items += answered(domain.items)
        if a is not None:
            for suffix, value in (
                ("notes", {"valueString": text(a.notes)} if text(a.notes) else None),
                ("own-words", {"valueString": text(a.own_words)} if text(a.own_words) else None),
                ("important", {"valueBoolean": True} if a.important else None),
                ("rank", {"valueInteger": a.priority_rank} if a.priority_rank is not None else None),
                ("client-score", {"valueInteger": a.client_score} if a.client_score is not None else None),
                ("client-wants-to-talk", {"valueBoolean": True} if a.client_wants_to_talk else None),
            ):
                if value is not None:
                    items.append({"linkId": f"{base}/{suffix}", "answer": [value]})
        if items:  # a group holds answers or nothing at all (FHIR qrs-1)
            groups.append(compact({"linkId": base, "text": text(pick(domain.title)), "item": items}))
    closing = []
    if text(conversation.what_matters_most):
        closing.append(
            {"linkId": "closing/what-matters-most", "answer": [{"valueString": text(conversation.what_matters_most)}]}
        )
    closing += answered(model.closing.items)
    if closing:
        groups.append({"linkId": "section/closing", "item": closing})
    return groups


def _conversation(file: ClientFile, index: int, conversation: ConversationFile) -> list[dict[str, Any]]:
    identity, model = file.identity, conversation.model
    assert model is not None
    patient = reference(_id(identity, "patient"), identity.name)
    qr_id = _id(identity, "conversation", index)
    own = reference(qr_id)
    system = fhir.model_system(model.id)
    completed = conversation.status == "completed"
    response = compact(
        {
            "resourceType": "QuestionnaireResponse",
            "id": qr_id,
            "extension": [
                _ext(
                    CONVERSATION,
                    completedAt=conversation.completed_at,
                    amendedAt=conversation.amended_at,
                    durationSeconds=conversation.duration_seconds,
                    followUp=conversation.follow_up_date,
                )
            ],
            "questionnaire": f"{fhir.questionnaire_url(model.id)}|{model.version}",
            "status": "completed" if completed else "in-progress",
            "subject": patient,
            "authored": fhir.instant(conversation.started_at),
            "author": _who(file, conversation.practitioner),
            "item": _response_items(conversation),
        }
    )
    out = [response]
    for a in conversation.assessments:
        domain = model.domain(a.domain_id)
        if a.score is None or domain is None:
            continue
        out.append(
            {
                "resourceType": "Observation",
                "id": _id(identity, "conversation", index, "domain", a.domain_id),
                "status": "final" if completed else "preliminary",
                "category": [concept(coding(fhir.OBSERVATION_CATEGORY, "survey", "Survey"))],
                "code": concept(coding(system, a.domain_id, pick(domain.title)), label=pick(domain.title)),
                "subject": patient,
                "effectiveDateTime": fhir.instant(conversation.started_at),
                "valueInteger": a.score,
                "derivedFrom": [own],
            }
        )
    for goal in conversation.goals:
        out.append(
            compact(
                {
                    "resourceType": "Goal",
                    "id": _id(identity, "conversation", index, "goal", goal.key),
                    "extension": [{"url": CONVERSATION, "valueReference": own}],
                    "lifecycleStatus": "active",
                    "category": [_domain_concept(model, goal.domain_id)] if goal.domain_id else None,
                    "description": {"text": text(goal.description) or _("(no description)")},
                    "subject": patient,
                }
            )
        )
    for position, action in enumerate(conversation.actions):
        out.append(
            compact(
                {
                    "resourceType": "Task",
                    "id": _id(identity, "conversation", index, "action", position),
                    "extension": [{"url": CONVERSATION, "valueReference": own}],
                    "status": "completed" if action.done else "requested",
                    "intent": "plan",
                    "code": concept(coding(fhir.CODES, "agreed-action", _("Agreed action"))),
                    "description": text(action.what),
                    "focus": reference(_id(identity, "conversation", index, "goal", action.goal_key))
                    if action.goal_key is not None
                    else None,
                    "for": patient,
                    "owner": {"display": text(action.who)} if text(action.who) else None,
                    "reasonCode": _domain_concept(model, action.domain_id) if action.domain_id else None,
                    "restriction": {"period": {"end": action.due_date.isoformat()}} if action.due_date else None,
                }
            )
        )
    for number, change in enumerate(conversation.changes):
        out.append(
            compact(
                {
                    "resourceType": "Provenance",
                    "id": _id(identity, "conversation", index, "change", number),
                    "extension": [
                        _ext(CHANGE, target=change.target, oldValue=change.old_value, newValue=change.new_value)
                    ],
                    "target": [own],
                    "recorded": fhir.instant(change.changed_at),
                    "agent": [{"who": _who(file, change.practitioner) or {"display": "?"}}],
                }
            )
        )
    return out


def _domain_concept(model: ConversationModel, domain_id: str) -> dict[str, Any]:
    domain = model.domain(domain_id)
    title = pick(domain.title) if domain else None
    return concept(coding(fhir.model_system(model.id), domain_id, title), label=title)


def _referral(file: ClientFile, referral: ReferralFile) -> list[dict[str, Any]]:
    identity = file.identity
    patient = reference(_id(identity, "patient"), identity.name)
    request_id, task_id = (
        _id(identity, "referral", referral.reference),
        _id(identity, "referral", referral.reference, "task"),
    )
    request_status, task_status = STATUSES.get(referral.status, ("unknown", "requested"))
    identifier = [{"system": fhir.REFERRAL_SYSTEM, "value": referral.reference}]
    requester = _who(file, referral.created_by)
    notes = (
        [compact({"authorReference": requester, "text": text(referral.question)})] if text(referral.question) else []
    )
    if text(referral.contact_preference):
        notes.append({"authorReference": patient, "text": text(referral.contact_preference)})
    out = [
        compact(
            {
                "resourceType": "ServiceRequest",
                "id": request_id,
                "extension": [
                    _ext(
                        REFERRAL,
                        status=referral.status,
                        urgency=referral.urgency,
                        firstContact=referral.first_contact,
                        feedbackContact=referral.feedback_contact,
                        sentAt=referral.sent_at,
                        feedbackAt=referral.feedback_at,
                        closedAt=referral.closed_at,
                    )
                ],
                "identifier": identifier,
                "status": request_status,
                "intent": "order",
                "priority": PRIORITY.get(referral.urgency),
                "code": concept(coding(fhir.CODES, "warm-handover", _("Warm handover")), label=_("Warm handover")),
                "subject": patient,
                "authoredOn": fhir.instant(referral.created_at),
                "requester": requester,
                "performer": [{"display": text(referral.recipient)}] if text(referral.recipient) else None,
                "supportingInfo": [reference(_id(identity, "conversation", referral.conversation))]
                if referral.conversation is not None
                else None,
                "note": notes,
            }
        ),
        compact(
            {
                "resourceType": "Task",
                "id": task_id,
                "identifier": identifier,
                "status": task_status,
                "businessStatus": concept(coding(STEP, referral.status)),
                "intent": "order",
                "code": concept(coding(fhir.TASK_CODE, "fulfill", "Fulfill the focal request")),
                "focus": reference(request_id),
                "for": patient,
                "authoredOn": fhir.instant(referral.created_at),
                "requester": requester,
                "owner": {"display": text(referral.recipient)} if text(referral.recipient) else None,
                "note": [{"text": text(referral.feedback_contact)}] if text(referral.feedback_contact) else None,
            }
        ),
    ]
    for number, step in enumerate(referral.steps):
        out.append(
            compact(
                {
                    "resourceType": "Provenance",
                    "id": _id(identity, "referral", referral.reference, "step", number),
                    "extension": [{"url": STEP_NOTE, "valueString": text(step.note)}] if text(step.note) else None,
                    "target": [reference(task_id)],
                    "recorded": fhir.instant(step.at),
                    "activity": concept(coding(STEP, step.status)),
                    "agent": [{"who": _who(file, step.practitioner) or {"display": "?"}}],
                }
            )
        )
    for number, consent in enumerate(referral.consents):
        out.append(_consent(file, referral, number, consent, request_id))
    for number, disclosure in enumerate(referral.disclosures):
        out.append(
            compact(
                {
                    "resourceType": "AuditEvent",
                    "id": _id(identity, "referral", referral.reference, "disclosure", number),
                    "extension": [
                        _ext(DISCLOSURE, kind=disclosure.kind, scope=disclosure.scope, batch=disclosure.batch)
                    ],
                    "type": coding(DICOM, "110106", "Export"),
                    "action": "R",
                    "recorded": fhir.instant(disclosure.at),
                    "outcome": "0",
                    "agent": [{"who": _who(file, disclosure.practitioner) or {"display": "?"}, "requestor": True}],
                    "source": {"observer": {"display": "broadtalk"}},
                    "entity": [{"what": reference(request_id)}],
                }
            )
        )
    return out


def _consent(
    file: ClientFile, referral: ReferralFile, number: int, consent: ConsentFile, request_id: str
) -> dict[str, Any]:
    identity = file.identity
    patient = reference(_id(identity, "patient"), identity.name)
    record = _ext(
        CONSENT_RECORD,
        recipient=consent.recipient,
        purpose=consent.purpose,
        domains=json.dumps(list(consent.domains)),
        identityDetails=consent.share_identity_details,
        goalsActions=consent.share_goals_actions,
        ownWords=consent.share_own_words,
        pieces=json.dumps(consent.pieces, sort_keys=True),
        contentDigest=consent.content_digest,
        method=consent.method,
        recordedBy=consent.recorded_by,
        recordedAt=consent.recorded_at,
        withdrawnAt=consent.withdrawn_at,
        withdrawnBy=consent.withdrawn_by,
        withdrawalNote=consent.withdrawal_note,
    )
    return compact(
        {
            "resourceType": "Consent",
            "id": _id(identity, "referral", referral.reference, "consent", number),
            "extension": [record],
            "status": "inactive" if consent.withdrawn_at is not None else "active",
            "scope": concept(coding(fhir.CONSENT_SCOPE, "patient-privacy", "Privacy Consent")),
            "category": [concept(coding(fhir.LOINC, "59284-0", "Patient Consent"))],
            "patient": patient,
            "dateTime": consent.given_on.isoformat(),
            "policyRule": concept(coding(fhir.ACT_CODE, "OPTIN", "opt-in")),
            "sourceReference": reference(request_id),
            "provision": {
                "type": "permit",
                "period": {"start": consent.given_on.isoformat(), "end": consent.valid_until.isoformat()},
                "actor": [
                    {
                        "role": concept(coding(fhir.PARTICIPATION, "IRCP", "information recipient")),
                        "reference": {"display": text(consent.recipient) or "?"},
                    }
                ],
                "action": [concept(coding(fhir.CONSENT_ACTION, "disclose", "Disclose"))],
            },
        }
    )


def record_bundle(file: ClientFile) -> dict[str, Any]:
    """The client's whole record as a FHIR R4 Bundle (type collection)."""
    identity = file.identity
    resources: list[dict[str, Any]] = [_patient(identity, _id(identity, "patient"))]
    for name, role in sorted(file.practitioners.items()):
        resources.append(
            compact(
                {
                    "resourceType": "Practitioner",
                    "id": _id(identity, "practitioner", name),
                    "name": [{"use": "official", "text": text(name)}] if text(name) else None,
                    "qualification": [{"code": concept(coding(ROLE, role))}] if role else None,
                }
            )
        )
    for index, conversation in enumerate(file.conversations):
        resources += _conversation(file, index, conversation)
    for referral in file.referrals:
        resources += _referral(file, referral)
    return {
        "resourceType": "Bundle",
        "id": _id(identity, "bundle"),
        "language": fhir.language(),
        "identifier": {"system": CLIENT_NUMBER, "value": identity.client_number},
        "type": "collection",
        "entry": [fhir.entry(resource) for resource in resources],
    }
