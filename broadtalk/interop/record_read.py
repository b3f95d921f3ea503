"""Reading a client's record back from the FHIR Bundle ``record_fhir.record_bundle`` writes (a
record moved from another practice, or a round trip): ``read_record`` turns it into the same
``ClientFile``, or refuses with every problem it finds, each naming the entry and the field.

Only what broadtalk writes is read: the resources are found by their type and broadtalk's
extensions and code systems. Derived resources (the domains' Observations) are not read: the
QuestionnaireResponse holds the scores.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from broadtalk.errors import InputError
from broadtalk.i18n import _
from broadtalk.interop import fhir
from broadtalk.interop import record_fhir as rf
from broadtalk.text import shown_value

#: The largest record read (a client with years of conversations is well under a megabyte).
MAX_BYTES = 50 * 1024 * 1024
_DOMAIN_FIELDS = ("score", "notes", "own-words", "important", "rank", "client-score", "client-wants-to-talk")


class _Problems:
    """Every problem found, each as 'entry N (Type) field: what' (shown ten at a time)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, where: str, what: str) -> None:
        self.lines.append(f"{where}: {what}")

    def raise_any(self) -> None:
        if self.lines:
            shown = "; ".join(self.lines[:10])
            more = len(self.lines) - 10
            raise InputError(
                _("The record cannot be imported; nothing was changed. {problems}").format(problems=shown)
                + (" " + _("(and {count} more)").format(count=more) if more > 0 else "")
            )


def _sub(resource: Mapping[str, Any], url: str) -> dict[str, Any]:
    """The values of one of broadtalk's complex extensions: name → value."""
    for extension in resource.get("extension") or ():
        if isinstance(extension, dict) and extension.get("url") == url:
            found = {}
            for sub in extension.get("extension") or ():
                if isinstance(sub, dict) and isinstance(sub.get("url"), str):
                    value = next((v for k, v in sub.items() if k.startswith("value")), None)
                    found[sub["url"]] = value
            return found
    return {}


def _simple(resource: Mapping[str, Any], url: str) -> Any:
    for extension in resource.get("extension") or ():
        if isinstance(extension, dict) and extension.get("url") == url:
            return next((v for k, v in extension.items() if k.startswith("value")), None)
    return None


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else None


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None


def _ref(value: Any) -> str:
    return value.get("reference", "") if isinstance(value, dict) else ""


def _display(value: Any) -> str:
    return value.get("display", "") if isinstance(value, dict) and isinstance(value.get("display"), str) else ""


def _code(concept: Any, system: str) -> str | None:
    if not isinstance(concept, dict):
        return None
    for one in concept.get("coding") or ():
        if isinstance(one, dict) and one.get("system") == system and isinstance(one.get("code"), str):
            return one["code"]
    return None


def read_record(data: bytes) -> rf.ClientFile:
    """The record in a FHIR JSON Bundle written by broadtalk; InputError with every problem."""
    try:
        bundle = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError(_("The file is not text in UTF-8, so it is no FHIR JSON.")) from None
    except json.JSONDecodeError as error:
        raise InputError(
            _("The file is no valid JSON (it goes wrong at line {line}, column {column}).").format(
                line=error.lineno, column=error.colno
            )
        ) from None
    except RecursionError:
        raise InputError(_("The file is nested too deeply to be FHIR.")) from None
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise InputError(_("The file holds no FHIR Bundle; a client's record is one Bundle."))
    problems = _Problems()
    entries = bundle.get("entry")
    if not isinstance(entries, list) or not entries:
        raise InputError(_("The Bundle has no entries; it holds no record."))
    resources: list[tuple[str, dict[str, Any]]] = []
    for index, item in enumerate(entries):
        resource = item.get("resource") if isinstance(item, dict) else None
        if not isinstance(resource, dict):
            problems.add(f"entry[{index}]", _("holds no resource"))
            continue
        where = f"entry[{index}] ({shown_value(str(resource.get('resourceType', '?')), 30)})"
        for line in fhir.problems_of(resource):
            problems.add(where, line)
        resources.append((where, resource))
    problems.raise_any()
    try:
        file = _Reader(resources, problems).read()
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        problems.add("Bundle", _("a value broadtalk cannot read ({kind})").format(kind=type(error).__name__))
        problems.raise_any()
        raise  # pragma: no cover - raise_any raised
    problems.raise_any()
    return file


class _Reader:
    def __init__(self, resources: list[tuple[str, dict[str, Any]]], problems: _Problems) -> None:
        self.resources = resources
        self.problems = problems
        self.by_url = {fhir.urn(r["id"]): (where, r) for where, r in resources if isinstance(r.get("id"), str)}

    def of(self, kind: str) -> list[tuple[str, dict[str, Any]]]:
        return [(where, r) for where, r in self.resources if r.get("resourceType") == kind]

    def name_of(self, value: Any) -> str:
        """A practitioner by reference (its name), else the reference's display."""
        found = self.by_url.get(_ref(value))
        if found is not None and found[1].get("resourceType") == "Practitioner":
            names = found[1].get("name") or [{}]
            return str(names[0].get("text", ""))
        return "" if _display(value) == "?" else _display(value)

    def read(self) -> rf.ClientFile:
        patients = self.of("Patient")
        if len(patients) != 1:
            self.problems.add(
                "Bundle", _("a record holds exactly one Patient; this one holds {count}").format(count=len(patients))
            )
            self.problems.raise_any()
        identity = self.identity(*patients[0])
        practitioners = {}
        for _where, resource in self.of("Practitioner"):
            name = str((resource.get("name") or [{}])[0].get("text", ""))
            role = _code((resource.get("qualification") or [{}])[0].get("code"), rf.ROLE) or ""
            practitioners[name] = role
        conversations, index_of = self.conversations()
        return rf.ClientFile(identity, conversations, self.referrals(index_of), practitioners)

    def identity(self, where: str, patient: dict[str, Any]) -> rf.Identity:
        identifiers = {i.get("system"): i.get("value") for i in patient.get("identifier") or () if isinstance(i, dict)}
        number = identifiers.get(rf.CLIENT_NUMBER)
        if not isinstance(number, str) or not number:
            self.problems.add(
                f"{where} identifier", _("there is no client number (system {system})").format(system=rf.CLIENT_NUMBER)
            )
        name = (patient.get("name") or [{}])[0]
        family = {e.get("url"): e.get("valueString") for e in (name.get("_family") or {}).get("extension") or ()}
        telecom = {t.get("system"): t.get("value", "") for t in patient.get("telecom") or ()}
        address = (patient.get("address") or [{}])[0]
        language = (patient.get("communication") or [{}])[0].get("language") or {}
        birth = _day(patient.get("birthDate"))
        if birth is None:
            self.problems.add(f"{where} birthDate", _("there is no birth date"))
            birth = date(1900, 1, 1)
        return rf.Identity(
            client_number=str(number or ""),
            given_name=" ".join(name.get("given") or ()),
            name_prefix=str(family.get(fhir.OWN_PREFIX) or ""),
            family_name=str(family.get(fhir.OWN_NAME) or name.get("family") or ""),
            birth_date=birth,
            bsn=identifiers.get(rf.BSN) or None,
            phone=str(telecom.get("phone", "")),
            email=str(telecom.get("email", "")),
            address=str((address.get("line") or [""])[0]),
            postal_code=str(address.get("postalCode", "")),
            city=str(address.get("city", "")),
            general_practitioner=_display((patient.get("generalPractitioner") or [{}])[0]),
            language=str(language.get("text", "")),
            interpreter_needed=bool(_simple(patient, fhir.INTERPRETER_REQUIRED)),
        )

    def conversations(self) -> tuple[tuple[rf.ConversationFile, ...], dict[str, int]]:
        files: list[rf.ConversationFile] = []
        index_of: dict[str, int] = {}
        for where, response in self.of("QuestionnaireResponse"):
            canonical = str(response.get("questionnaire", ""))
            url, _bar, version = canonical.partition("|")
            if not url.startswith(fhir.QUESTIONNAIRE_PREFIX) or not version.isdigit():
                self.problems.add(
                    f"{where} questionnaire",
                    _("'{value}' is no broadtalk conversation model").format(value=shown_value(canonical)),
                )
                continue
            url_of = fhir.urn(response["id"])
            index_of[url_of] = len(files)
            files.append(self.conversation(where, response, url.removeprefix(fhir.QUESTIONNAIRE_PREFIX), int(version)))
        # Goals, actions and changes, each with the conversation its extension or target names.
        goals: dict[int, list[rf.GoalFile]] = {}
        goal_keys: dict[str, tuple[int, int]] = {}
        for where, goal in self.of("Goal"):
            owner = index_of.get(_ref(_simple(goal, rf.CONVERSATION)))
            if owner is None:
                self.problems.add(f"{where} extension", _("it names no conversation of this record"))
                continue
            key = len(goals.setdefault(owner, []))
            goal_keys[fhir.urn(goal["id"])] = (owner, key)
            category = (goal.get("category") or [None])[0]
            domain = next((c.get("code") for c in (category or {}).get("coding") or () if isinstance(c, dict)), None)
            goals[owner].append(rf.GoalFile(key, str(goal["description"].get("text", "")), domain))
        actions: dict[int, list[rf.ActionFile]] = {}
        for where, task in self.of("Task"):
            if task.get("intent") != "plan":
                continue
            owner = index_of.get(_ref(_simple(task, rf.CONVERSATION)))
            if owner is None:
                self.problems.add(f"{where} extension", _("it names no conversation of this record"))
                continue
            focus = goal_keys.get(_ref(task.get("focus")))
            reason = task.get("reasonCode") or {}
            domain = next((c.get("code") for c in reason.get("coding") or () if isinstance(c, dict)), None)
            due = _day(((task.get("restriction") or {}).get("period") or {}).get("end"))
            actions.setdefault(owner, []).append(
                rf.ActionFile(
                    what=str(task.get("description", "")),
                    who=_display(task.get("owner")),
                    due_date=due,
                    done=task.get("status") == "completed",
                    goal_key=focus[1] if focus is not None and focus[0] == owner else None,
                    domain_id=domain,
                )
            )
        changes: dict[int, list[rf.ChangeFile]] = {}
        for _where, provenance in self.of("Provenance"):
            owner = index_of.get(_ref((provenance.get("target") or [{}])[0]))
            values = _sub(provenance, rf.CHANGE)
            if owner is None or not values:
                continue
            changes.setdefault(owner, []).append(
                rf.ChangeFile(
                    changed_at=_moment(provenance.get("recorded"))
                    or datetime.fromisoformat("1900-01-01T00:00:00+00:00"),
                    practitioner=self.name_of((provenance.get("agent") or [{}])[0].get("who")),
                    target=str(values.get("target") or ""),
                    old_value=str(values.get("oldValue") or ""),
                    new_value=str(values.get("newValue") or ""),
                )
            )
        result = tuple(
            rf.ConversationFile(
                **{
                    **file.__dict__,
                    "goals": tuple(goals.get(i, ())),
                    "actions": tuple(actions.get(i, ())),
                    "changes": tuple(changes.get(i, ())),
                }
            )
            for i, file in enumerate(files)
        )
        return result, index_of

    def conversation(self, where: str, response: dict[str, Any], model_id: str, version: int) -> rf.ConversationFile:
        times = _sub(response, rf.CONVERSATION)
        started = _moment(response.get("authored"))
        if started is None:
            self.problems.add(f"{where} authored", _("there is no moment the conversation started"))
            started = datetime.fromisoformat("1900-01-01T00:00:00+00:00")
        answers: dict[str, Any] = {}
        assessments: dict[str, dict[str, Any]] = {}
        what_matters = ""
        for group in response.get("item") or ():
            for item in group.get("item") or ():
                link_id = str(item.get("linkId", ""))
                values = [
                    next((v for k, v in a.items() if k.startswith("value")), None) for a in item.get("answer") or ()
                ]
                values = [v.get("code") if isinstance(v, dict) else v for v in values]
                if not values:
                    continue
                if link_id == "closing/what-matters-most":
                    what_matters = str(values[0])
                elif (
                    link_id.startswith("domain/")
                    and link_id.rsplit("/", 1)[-1] in _DOMAIN_FIELDS
                    and link_id.count("/") == 2
                ):
                    _prefix, domain_id, field = link_id.split("/")
                    assessments.setdefault(domain_id, {})[field] = values[0]
                elif "/" in link_id:
                    self.problems.add(f"{where} item {shown_value(link_id, 60)}", _("this linkId is not broadtalk's"))
                else:
                    answers[link_id] = values if len(values) > 1 else values[0]
        return rf.ConversationFile(
            model=None,
            status="completed" if response.get("status") == "completed" else "draft",
            started_at=started,
            completed_at=_moment(times.get("completedAt")),
            amended_at=_moment(times.get("amendedAt")),
            duration_seconds=int(times.get("durationSeconds") or 0),
            practitioner=self.name_of(response.get("author")),
            what_matters_most=what_matters,
            follow_up_date=_day(times.get("followUp")),
            answers=answers,
            assessments=tuple(
                rf.AssessmentFile(
                    domain_id,
                    values.get("score"),
                    str(values.get("notes") or ""),
                    str(values.get("own-words") or ""),
                    bool(values.get("important")),
                    values.get("rank"),
                    values.get("client-score"),
                    bool(values.get("client-wants-to-talk")),
                )
                for domain_id, values in assessments.items()
            ),
            model_id=model_id,
            model_version=version,
        )

    def referrals(self, index_of: dict[str, int]) -> tuple[rf.ReferralFile, ...]:
        found: list[rf.ReferralFile] = []
        request_of: dict[str, int] = {}
        task_of: dict[str, int] = {}
        requests = [(w, r) for w, r in self.of("ServiceRequest") if _sub(r, rf.REFERRAL)]
        tasks = {
            next(
                (i.get("value") for i in t.get("identifier") or () if i.get("system") == fhir.REFERRAL_SYSTEM), None
            ): t
            for _w, t in self.of("Task")
            if t.get("intent") == "order"
        }
        for where, request in requests:
            values = _sub(request, rf.REFERRAL)
            reference = next(
                (i.get("value") for i in request.get("identifier") or () if i.get("system") == fhir.REFERRAL_SYSTEM),
                None,
            )
            if not reference:
                self.problems.add(f"{where} identifier", _("there is no referral reference"))
                continue
            notes = request.get("note") or []
            patient = _ref(request.get("subject"))
            # The question is the referrer's note; how the client wants to be reached, the client's.
            question = next((n.get("text", "") for n in notes if _ref(n.get("authorReference")) != patient), "")
            preference = next((n.get("text", "") for n in notes if _ref(n.get("authorReference")) == patient), "")
            request_of[fhir.urn(request["id"])] = len(found)
            task = tasks.get(reference)
            if task is not None:
                task_of[fhir.urn(task["id"])] = len(found)
            supporting = [index_of.get(_ref(s)) for s in request.get("supportingInfo") or ()]
            created = _moment(request.get("authoredOn"))
            if created is None:
                self.problems.add(f"{where} authoredOn", _("there is no moment the referral was made"))
                continue
            found.append(
                rf.ReferralFile(
                    reference=str(reference),
                    conversation=next((s for s in supporting if s is not None), None),
                    recipient=_display((request.get("performer") or [{}])[0]),
                    question=str(question),
                    urgency=str(values.get("urgency") or "routine"),
                    feedback_contact=str(values.get("feedbackContact") or ""),
                    status=str(values.get("status") or ""),
                    first_contact=str(values.get("firstContact") or "recipient"),
                    contact_preference=str(preference),
                    created_at=created,
                    created_by=self.name_of(request.get("requester")),
                    sent_at=_moment(values.get("sentAt")),
                    feedback_at=_moment(values.get("feedbackAt")),
                    closed_at=_moment(values.get("closedAt")),
                )
            )
        steps: dict[int, list[rf.StepFile]] = {}
        for where, provenance in self.of("Provenance"):
            owner = task_of.get(_ref((provenance.get("target") or [{}])[0]))
            if owner is None:
                continue
            status = _code(provenance.get("activity"), rf.STEP)
            at = _moment(provenance.get("recorded"))
            if status is None or at is None:
                self.problems.add(f"{where} activity", _("a referral's step needs its status and moment"))
                continue
            steps.setdefault(owner, []).append(
                rf.StepFile(
                    status,
                    at,
                    self.name_of((provenance.get("agent") or [{}])[0].get("who")),
                    str(_simple(provenance, rf.STEP_NOTE) or ""),
                )
            )
        consents: dict[int, list[rf.ConsentFile]] = {}
        for where, consent in self.of("Consent"):
            owner = request_of.get(_ref(consent.get("sourceReference")))
            values = _sub(consent, rf.CONSENT_RECORD)
            if owner is None or not values:
                self.problems.add(f"{where} sourceReference", _("the consent names no referral of this record"))
                continue
            period = (consent.get("provision") or {}).get("period") or {}
            consents.setdefault(owner, []).append(
                rf.ConsentFile(
                    recipient=str(values.get("recipient") or ""),
                    purpose=str(values.get("purpose") or ""),
                    domains=tuple(json.loads(values.get("domains") or "[]")),
                    share_identity_details=bool(values.get("identityDetails")),
                    share_goals_actions=bool(values.get("goalsActions")),
                    share_own_words=bool(values.get("ownWords")),
                    pieces=dict(json.loads(values.get("pieces") or "{}")),
                    content_digest=str(values.get("contentDigest") or ""),
                    method=str(values.get("method") or ""),
                    given_on=_day(period.get("start")) or _day(consent.get("dateTime")) or date(1900, 1, 1),
                    valid_until=_day(period.get("end")) or date(1900, 1, 1),
                    recorded_by=str(values.get("recordedBy") or ""),
                    recorded_at=_moment(values.get("recordedAt"))
                    or datetime.fromisoformat("1900-01-01T00:00:00+00:00"),
                    withdrawn_at=_moment(values.get("withdrawnAt")),
                    withdrawn_by=str(values.get("withdrawnBy") or ""),
                    withdrawal_note=str(values.get("withdrawalNote") or ""),
                )
            )
        disclosures: dict[int, list[rf.DisclosureFile]] = {}
        for where, event in self.of("AuditEvent"):
            owner = request_of.get(_ref(((event.get("entity") or [{}])[0]).get("what")))
            values = _sub(event, rf.DISCLOSURE)
            at = _moment(event.get("recorded"))
            if owner is None or not values or at is None:
                self.problems.add(f"{where} entity", _("the disclosure names no referral of this record"))
                continue
            disclosures.setdefault(owner, []).append(
                rf.DisclosureFile(
                    at,
                    str(values.get("kind") or ""),
                    str(values.get("scope") or "{}"),
                    self.name_of((event.get("agent") or [{}])[0].get("who")),
                    values.get("batch"),
                )
            )
        return tuple(
            rf.ReferralFile(
                **{
                    **referral.__dict__,
                    "steps": tuple(steps.get(i, ())),
                    "consents": tuple(consents.get(i, ())),
                    "disclosures": tuple(disclosures.get(i, ())),
                }
            )
            for i, referral in enumerate(found)
        )
