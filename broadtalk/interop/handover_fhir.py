"""The handover of a referral as a FHIR R4 Bundle, beside the PDF and from the same content.

``handover_bundle`` gets only ``HandoverContent``: the output of ``build_handover``, the one
pure function that applies the client's consent. It cannot carry more than the letter, because
it never receives more. What it writes (docs/interoperability.md has the table):

- the closed loop of HL7's SDOH Clinical Care guide: a ``ServiceRequest`` (what is asked, of
  whom, how urgently, with the shared content as ``supportingInfo``) and a ``Task`` (intent
  order, code fulfill, focus the ServiceRequest, owner the recipient) whose status the
  recipient updates and returns; both carry the referral's reference as identifier;
- the ``Patient`` (name, birth date, the own GP, language and interpreter always; address,
  phone and e-mail only with consent for identity details), the practice and the recipient as
  ``Organization``, the referrer as ``Practitioner`` and ``PractitionerRole``;
- each shared life domain as an ``Observation`` (score on its scale, the anchor's meaning, the
  shared answers, notes, the client's own words only with that consent, the client's own score
  and wishes); what matters most and the ticked closing answers as an ``Observation`` each;
- the shared goals as ``Goal``s and the shared agreed actions as ``Task``s (intent plan);
- the ``Consent``: recipient, purpose, period, the shared domains and pieces as provisions.

Ids are stable (``fhir.stable_id`` of the practice database's identity and the reference), so
the same referral exported twice gives the same ids, two practices never give the same ones,
and the recipient's reply can point at the Task and ServiceRequest.
"""

from __future__ import annotations

from typing import Any, BinaryIO

from broadtalk.handover.content import HandoverContent, SharedDomain
from broadtalk.i18n import _
from broadtalk.interop import fhir
from broadtalk.interop.fhir import coding, compact, concept, reference, text
from broadtalk.referrals import first_contact_label

#: ``ServiceRequest.priority`` of each urgency (FHIR request-priority).
PRIORITY = {"routine": "routine", "soon": "urgent", "urgent": "asap"}


def resource_id(source: str, reference: str, *parts: object) -> str:
    """The stable id of a resource of the handover of the referral ``reference`` made in the
    practice database ``source`` ("task", "request", "patient", ...): what a reply points at."""
    return fhir.stable_id("referral", source, reference, *parts)


def _id(content: HandoverContent, *parts: object) -> str:
    return resource_id(content.source, content.reference, *parts)


def _ids(content: HandoverContent) -> dict[str, str]:
    names = ("task", "request", "patient", "practice", "recipient", "referrer", "referrer-role", "consent")
    return {name: _id(content, name) for name in names}


def _telecom(phone: str, email: str) -> list[dict[str, Any]]:
    found = []
    if text(phone):
        found.append({"system": "phone", "value": text(phone)})
    if text(email):
        found.append({"system": "email", "value": text(email)})
    return found


def _address(line: str) -> list[dict[str, Any]]:
    return [{"text": text(line)}] if text(line) else []


def person_name(given_name: str, name_prefix: str, family_name: str, written: str) -> dict[str, Any]:
    """A Dutch name as nl-core-NameInformation writes it: the official name, each given name in
    full (qualifier BR), the family name whole with its prefix ("de") and own name apart."""
    given = [part for part in (text(given_name) or "").split() if text(part)]
    family = text(" ".join(p for p in (name_prefix.strip(), family_name.strip()) if p))
    parts = [
        {"url": fhir.OWN_PREFIX, "valueString": text(name_prefix)} if text(name_prefix) and text(family_name) else None,
        {"url": fhir.OWN_NAME, "valueString": text(family_name)} if text(family_name) else None,
    ]
    return compact(
        {
            "use": "official",
            "text": text(written),
            "family": family,
            "_family": {"extension": [p for p in parts if p]} if family and any(parts) else None,
            "given": given or None,
            "_given": [{"extension": [{"url": fhir.NAME_QUALIFIER, "valueCode": "BR"}]} for _ in given] or None,
        }
    )


def _patient(content: HandoverContent, ident: str) -> dict[str, Any]:
    client = content.client
    name = person_name(client.given_name, client.name_prefix, client.family_name, client.name)
    communication = None
    coded = True
    if text(client.language):
        code = fhir.language_code(client.language)
        coded = code is not None
        language = concept(coding(fhir.LANGUAGE_SYSTEM, code), label=client.language) if code else None
        communication = [{"language": language or concept(label=client.language), "preferred": True}]
    patient = compact(
        {
            "resourceType": "Patient",
            "id": ident,
            "extension": [{"url": fhir.INTERPRETER_REQUIRED, "valueBoolean": client.interpreter_needed}],
            "name": [name] if name else None,
            "telecom": _telecom(client.phone, client.email),
            "birthDate": fhir.day(client.birth_date),
            "address": _address(client.address),
            "communication": communication,
            "generalPractitioner": [{"display": text(client.general_practitioner)}]
            if text(client.general_practitioner)
            else None,
        }
    )
    # nl-core-Patient binds the language to codes: a language typed that is no known language
    # ("Tigrinya-Eritrees") keeps its words, and the Patient then claims no Dutch profile.
    return fhir.profiled(patient, fhir.NL_CORE_PATIENT) if coded else patient


def _organisation(ident: str, name: str, phone: str, email: str, address: str) -> dict[str, Any]:
    """An organisation by name and how to reach it (a practice or a welfare organisation)."""
    return compact(
        {
            "resourceType": "Organization",
            "id": ident,
            # An organisation needs a name or an identifier (FHIR org-1); a practice whose name is
            # not set yet is named so.
            "name": text(name) or _("General practice (name not set)"),
            "telecom": _telecom(phone, email),
            "address": _address(address),
        }
    )


def _referrer(content: HandoverContent, ids: dict[str, str]) -> list[dict[str, Any]]:
    practitioner = compact(
        {
            "resourceType": "Practitioner",
            "id": ids["referrer"],
            "name": [{"use": "official", "text": text(content.referrer.name or content.referrer_name)}]
            if text(content.referrer.name or content.referrer_name)
            else None,
        }
    )
    role = compact(
        {
            "resourceType": "PractitionerRole",
            "id": ids["referrer-role"],
            "practitioner": reference(ids["referrer"], content.referrer.name or content.referrer_name),
            "organization": reference(ids["practice"], content.practice.name or content.practice_name),
            "code": [concept(label=content.referrer.role or content.referrer_role)]
            if text(content.referrer.role or content.referrer_role)
            else None,
            "telecom": _telecom(content.referrer.phone, content.referrer.email),
        }
    )
    return [
        fhir.profiled(practitioner, fhir.NL_CORE_PRACTITIONER),
        fhir.profiled(role, fhir.NL_CORE_PRACTITIONER_ROLE),
    ]


def _component(code: dict[str, Any], value: dict[str, Any]) -> dict[str, Any]:
    return {"code": code, **value}


def _own_code(code: str, display: str) -> dict[str, Any]:
    return concept(coding(fhir.CODES, code, display), label=display)


def _domain_observation(
    content: HandoverContent, domain: SharedDomain, ids: dict[str, str], status: str
) -> dict[str, Any]:
    system = fhir.model_system(content.model_id)
    components: list[dict[str, Any]] = []
    for answer in domain.answers:
        if text(answer.answer) is None:
            continue
        code = coding(system, answer.link_id, answer.question) if answer.link_id else None
        components.append(
            _component(concept(*(c for c in (code,) if c), label=answer.question), {"valueString": text(answer.answer)})
        )
    if text(domain.anchor_description):
        components.append(
            _component(
                _own_code("anchor-description", _("What the score means")),
                {"valueString": text(domain.anchor_description)},
            )
        )
    if domain.client_score is not None:
        components.append(
            _component(_own_code("client-score", _("The client's own score")), {"valueInteger": domain.client_score})
        )
    if domain.client_wants_to_talk:
        components.append(
            _component(
                _own_code("client-wants-to-talk", _("The client wants to talk about this")), {"valueBoolean": True}
            )
        )
    if domain.important:
        components.append(_component(_own_code("important", _("Important to the client")), {"valueBoolean": True}))
    if domain.rank is not None:
        components.append(
            _component(_own_code("priority-rank", _("The client's order of priority")), {"valueInteger": domain.rank})
        )
    notes = []
    if text(domain.notes):
        notes.append(compact({"authorString": text(content.conversation_by), "text": text(domain.notes)}))
    if text(domain.own_words):
        notes.append({"authorReference": reference(ids["patient"]), "text": text(domain.own_words)})
    scored = domain.scale_min is not None and domain.scale_max is not None
    value: dict[str, Any]
    if scored and domain.score is not None:
        value = {"valueInteger": domain.score}
    elif scored:
        value = {"dataAbsentReason": concept(coding(fhir.DATA_ABSENT, "not-performed", "Not Performed"))}
    else:
        value = {}
    return compact(
        {
            "resourceType": "Observation",
            "id": _id(content, "domain", domain.domain_id),
            "status": status,
            "category": [concept(coding(fhir.OBSERVATION_CATEGORY, "survey", "Survey"))],
            "code": concept(coding(system, domain.domain_id, domain.title), label=domain.title),
            "subject": reference(ids["patient"], content.client.name),
            "effectiveDateTime": fhir.day(content.conversation_date),
            "performer": [{"display": text(content.conversation_by)}] if text(content.conversation_by) else None,
            **value,
            "interpretation": [concept(label=domain.anchor_label)] if text(domain.anchor_label) else None,
            "method": concept(label=content.model_title) if text(content.model_title) else None,
            "referenceRange": [{"low": {"value": domain.scale_min}, "high": {"value": domain.scale_max}}]
            if scored
            else None,
            "note": notes,
            "component": components,
        }
    )


def _text_observation(
    content: HandoverContent, ids: dict[str, str], status: str, code: dict[str, Any], key: str, **value: Any
) -> dict[str, Any]:
    return compact(
        {
            "resourceType": "Observation",
            "id": _id(content, key),
            "status": status,
            "category": [concept(coding(fhir.OBSERVATION_CATEGORY, "social-history", "Social History"))],
            "code": code,
            "subject": reference(ids["patient"], content.client.name),
            "effectiveDateTime": fhir.day(content.conversation_date),
            **value,
        }
    )


def _observations(content: HandoverContent, ids: dict[str, str]) -> list[dict[str, Any]]:
    status = "preliminary" if content.draft else "final"
    found = [_domain_observation(content, domain, ids, status) for domain in content.domains]
    if text(content.what_matters_most):
        found.append(
            _text_observation(
                content,
                ids,
                status,
                _own_code("what-matters-most", _("What matters most to the client")),
                "what-matters-most",
                valueString=text(content.what_matters_most),
            )
        )
    answers = [
        _component(
            concept(
                *(c for c in (coding(fhir.model_system(content.model_id), a.link_id, a.question),) if a.link_id),
                label=a.question,
            ),
            {"valueString": text(a.answer)},
        )
        for a in content.conversation_answers
        if text(a.answer)
    ]
    if answers:
        found.append(
            _text_observation(
                content,
                ids,
                status,
                _own_code("closing-answers", _("Answers at the end of the conversation")),
                "closing-answers",
                component=answers,
            )
        )
    return found


def _domain_of(content: HandoverContent, domain_id: str, title: str) -> list[dict[str, Any]]:
    if not domain_id:
        return []
    return [concept(coding(fhir.model_system(content.model_id), domain_id, title), label=title)]


def _goals(content: HandoverContent, ids: dict[str, str]) -> list[dict[str, Any]]:
    shared_domains = {d.domain_id for d in content.domains}
    goals = []
    for index, goal in enumerate(content.goals):
        addresses = None
        if goal.domain_id in shared_domains:
            addresses = [reference(_id(content, "domain", goal.domain_id))]
        goals.append(
            fhir.profiled(
                compact(
                    {
                        "resourceType": "Goal",
                        "id": _id(content, "goal", index),
                        "lifecycleStatus": "active",
                        "category": _domain_of(content, goal.domain_id, goal.domain_title),
                        "description": {"text": text(goal.description) or _("(no description)")},
                        "subject": reference(ids["patient"], content.client.name),
                        "addresses": addresses,
                    }
                ),
                fhir.NL_CORE_GOAL,
            )
        )
    return goals


def _actions(content: HandoverContent, ids: dict[str, str]) -> list[dict[str, Any]]:
    actions = []
    for index, action in enumerate(content.actions):
        actions.append(
            compact(
                {
                    "resourceType": "Task",
                    "id": _id(content, "action", index),
                    "status": "requested",
                    "intent": "plan",
                    "code": _own_code("agreed-action", _("Agreed action")),
                    "description": text(action.what),
                    "for": reference(ids["patient"], content.client.name),
                    "owner": {"display": text(action.who)} if text(action.who) else None,
                    "reasonCode": (_domain_of(content, action.domain_id, action.domain_title) or [None])[0],
                    "restriction": {"period": {"end": fhir.day(action.due_date)}} if action.due_date else None,
                }
            )
        )
    return actions


def _provision(code: dict[str, Any], data: list[str] | None = None) -> dict[str, Any]:
    return compact(
        {
            "type": "permit",
            "code": [code],
            "data": [{"meaning": "related", "reference": reference(ident)} for ident in data or ()],
        }
    )


def _consent(content: HandoverContent, ids: dict[str, str]) -> dict[str, Any]:
    statement = content.consent
    system = fhir.model_system(content.model_id)
    provisions = [
        _provision(
            concept(coding(system, d.domain_id, d.title), label=d.title),
            [_id(content, "domain", d.domain_id)],
        )
        for d in content.domains
    ]
    for flag, code, display in (
        (statement.share_identity_details, "identity-details", _("Address, phone and e-mail")),
        (statement.share_goals_actions, "goals-actions", _("Goals and agreed actions")),
        (statement.share_own_words, "own-words", _("The client's own words")),
    ):
        if flag:
            provisions.append(_provision(_own_code(code, display)))
    for label in statement.piece_labels:
        provisions.append(_provision(concept(label=label)))
    wording = [
        {"url": "purpose", "valueString": text(statement.purpose)} if text(statement.purpose) else None,
        {"url": "method", "valueString": text(statement.method)} if text(statement.method) else None,
        {"url": "recordedBy", "valueString": text(statement.recorded_by)} if text(statement.recorded_by) else None,
        {"url": "changedAfterConsent", "valueBoolean": content.changed_after_consent},
        {"url": "piecesLeftOut", "valueInteger": content.pieces_left_out},
    ]
    return compact(
        {
            "resourceType": "Consent",
            "id": ids["consent"],
            "extension": [{"url": fhir.CONSENT_STATEMENT, "extension": [w for w in wording if w]}],
            "status": "active",
            "scope": concept(coding(fhir.CONSENT_SCOPE, "patient-privacy", "Privacy Consent")),
            "category": [concept(coding(fhir.LOINC, "59284-0", "Patient Consent"))],
            "patient": reference(ids["patient"], content.client.name),
            "dateTime": fhir.day(statement.given_on),
            "performer": [reference(ids["patient"], content.client.name)],
            "organization": [reference(ids["practice"], content.practice.name or content.practice_name)],
            "policyRule": concept(coding(fhir.ACT_CODE, "OPTIN", "opt-in")),
            "provision": compact(
                {
                    "type": "permit",
                    "period": {"start": fhir.day(statement.given_on), "end": fhir.day(statement.valid_until)},
                    "actor": [
                        {
                            "role": concept(coding(fhir.PARTICIPATION, "IRCP", "information recipient")),
                            "reference": reference(ids["recipient"], statement.recipient),
                        }
                    ],
                    "action": [concept(coding(fhir.CONSENT_ACTION, "disclose", "Disclose"))],
                    "purpose": [coding(fhir.ACT_REASON, "CAREMGT", "care management")],
                    "provision": provisions,
                }
            ),
        }
    )


def handover_bundle(content: HandoverContent) -> dict[str, Any]:
    """The handover as a FHIR R4 Bundle (type collection): only what ``content`` holds."""
    ids = _ids(content)
    identifier = [{"system": fhir.REFERRAL_SYSTEM, "value": content.reference}]
    observations = _observations(content, ids)
    goals = _goals(content, ids)
    actions = _actions(content, ids)
    consent = _consent(content, ids)
    requester = reference(ids["referrer-role"], content.referrer.name or content.referrer_name)
    recipient = reference(ids["recipient"], content.recipient)
    priority = PRIORITY.get(content.urgency_code)
    notes = [compact({"authorReference": requester, "text": text(content.question)})] if text(content.question) else []
    if text(content.contact_preference):
        notes.append({"authorReference": reference(ids["patient"]), "text": text(content.contact_preference)})
    request = compact(
        {
            "resourceType": "ServiceRequest",
            "id": ids["request"],
            "identifier": identifier,
            "status": "active" if content.sent_on is not None else "draft",
            "intent": "order",
            "category": [_own_code("broad-conversation", _("After a broad conversation"))],
            "priority": priority,
            "code": _own_code("warm-handover", _("Warm handover")),
            "orderDetail": [
                _own_code(f"first-contact-{content.first_contact}", first_contact_label(content.first_contact))
            ],
            "subject": reference(ids["patient"], content.client.name),
            "authoredOn": fhir.day(content.letter_date),
            "requester": requester,
            "performer": [recipient],
            "supportingInfo": [reference(r["id"]) for r in (*observations, *goals, *actions, consent)],
            "note": notes,
        }
    )
    task = compact(
        {
            "resourceType": "Task",
            "id": ids["task"],
            "identifier": identifier,
            "status": "requested" if content.sent_on is not None else "draft",
            "intent": "order",
            "priority": priority,
            "code": concept(coding(fhir.TASK_CODE, "fulfill", "Fulfill the focal request")),
            "focus": reference(ids["request"]),
            "for": reference(ids["patient"], content.client.name),
            "authoredOn": fhir.day(content.letter_date),
            "requester": requester,
            "owner": recipient,
            "note": [{"authorReference": requester, "text": text(content.feedback_contact)}]
            if text(content.feedback_contact)
            else None,
            "restriction": {"period": {"end": fhir.day(content.feedback_due)}} if content.feedback_due else None,
        }
    )
    practice = content.practice
    recipient_contact = content.recipient_contact
    resources = [
        task,
        request,
        _patient(content, ids["patient"]),
        fhir.profiled(
            _organisation(
                ids["practice"],
                practice.name or content.practice_name,
                practice.phone,
                practice.email,
                practice.address,
            ),
            fhir.NL_CORE_ORGANIZATION,
        ),
        *_referrer(content, ids),
        _organisation(
            ids["recipient"],
            recipient_contact.name or content.recipient,
            recipient_contact.phone,
            recipient_contact.email,
            recipient_contact.address,
        ),
        consent,
        *observations,
        *goals,
        *actions,
    ]
    return {
        "resourceType": "Bundle",
        "id": _id(content, "bundle"),
        "language": fhir.language(),
        "identifier": {"system": fhir.REFERRAL_SYSTEM, "value": content.reference},
        "type": "collection",
        "entry": [fhir.entry(resource) for resource in resources],
    }


def write_handover_bundle(content: HandoverContent, target: BinaryIO) -> None:
    """The handover as FHIR JSON into ``target`` (a renderer of ``handover.export``): validated
    first, so a file that is written is a valid Bundle."""
    bundle = handover_bundle(content)
    fhir.validate(bundle)
    target.write(fhir.to_bytes(bundle))
