"""The loop closes: the recipient's answer to a referral, as the handover's FHIR Task updated and
sent back, recorded as the referral's steps with their dates, without retyping.

The handover's Bundle holds a Task for the recipient (``handover_fhir``): its identifier is the
referral's reference, its id and the ServiceRequest's and Patient's ids are the stable ids of
this practice's referral. The recipient's system sets its status (accepted, in-progress,
completed, rejected with a reason, ...), puts the feedback in ``output`` and returns the Task
(alone, or in a Bundle with the rest) as a JSON file. There is no server in between: the file
comes by secure mail or on a stick, and ``referrals feedback import FILE`` or the dialog reads it.

- ``read_task`` reads the file: JSON, one referral Task, valid FHIR; a precise refusal otherwise.
- ``plan_feedback`` matches it to the referral (by the reference; the Task's id, focus and
  ``for`` must be this referral's and this client's when given) and says which steps it means,
  with their days. It refuses, and so nothing changes, when the Task belongs to another client
  or referral, has a status that cannot be recorded, is older than what is recorded already
  (out of order) or was imported before (a replay), or has a day in the future.
- ``record_feedback`` plans again inside the transaction and records the steps through
  ``referrals.advance_referral`` (its rules, its audit entries).

Task status → step: accepted → accepted; in-progress → first contact; completed → feedback
received (the outputs' text is the feedback); rejected, cancelled, failed → declined (the
reason is ``statusReason.text``). Draft, requested, received, ready and on-hold mean that the
recipient has not answered yet.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from broadtalk.audit import require
from broadtalk.clients import client_record_unchecked
from broadtalk.errors import InputError, NotFoundError, RefusedError, os_reason
from broadtalk.files import FileTooLarge, NotAnOrdinaryFile, read_limited
from broadtalk.i18n import _, dutch_today, format_short_date, to_display_time
from broadtalk.interop import fhir
from broadtalk.interop.handover_fhir import resource_id
from broadtalk.permissions import Permission
from broadtalk.practitioners import Actor
from broadtalk.referral_steps import ACCEPTED, DECLINED, DRAFT, FEEDBACK, FIRST_CONTACT, ORDER, status_label
from broadtalk.referrals import advance_referral, allowed_next
from broadtalk.store.tables import DatabaseSeal, Referral, ReferralEvent
from broadtalk.text import clean_block, fold, shown_value

#: The largest file read (a Task with its feedback is a few kilobytes; a whole Bundle more).
MAX_BYTES = 5 * 1024 * 1024
#: The largest reply form read (the whole letter comes back with it).
MAX_PDF_BYTES = 20 * 1024 * 1024
#: FHIR Task status → the referral's step it records.
STEPS = {
    "accepted": ACCEPTED,
    "in-progress": FIRST_CONTACT,
    "completed": FEEDBACK,
    "rejected": DECLINED,
    "cancelled": DECLINED,
    "failed": DECLINED,
}
#: Task statuses that say the recipient has not answered (yet).
NOT_ANSWERED = ("draft", "requested", "received", "ready", "on-hold")
ALL_STATUSES = (*NOT_ANSWERED, *STEPS, "entered-in-error")


@dataclass(frozen=True)
class ReturnedTask:
    """What the recipient's Task says, read from the file (not yet matched to a referral)."""

    reference: str
    status: str
    task_id: str | None = None
    reason: str = ""
    feedback: str = ""
    changed_on: date | None = None
    started_on: date | None = None
    ended_on: date | None = None
    focus: str | None = None
    for_reference: str | None = None
    for_display: str | None = None
    #: The birth date of the Patient the Task is for, when the file holds that Patient.
    patient_birth_date: date | None = None


@dataclass(frozen=True)
class FeedbackStep:
    status: str
    on: date
    note: str


@dataclass(frozen=True)
class FeedbackPlan:
    """What recording the Task does: these steps on this referral."""

    referral_id: int
    reference: str
    client_id: int
    client_name: str
    current: str
    task_status: str
    steps: tuple[FeedbackStep, ...]
    #: Whom the referral went to, as named on it.
    recipient: str = ""


# -- reading the file -------------------------------------------------------------------------------


def read_answer_file(path: Path) -> ReturnedTask:
    """The answer in a file (a FHIR Task, or the letter's reply form filled in on screen);
    InputError with what is wrong (and with the file) otherwise."""
    try:
        data = read_limited(path, MAX_PDF_BYTES if path.suffix.lower() == ".pdf" else MAX_BYTES)
    except FileNotFoundError:
        raise InputError(_("{file} does not exist; choose the file the recipient sent.").format(file=path)) from None
    except IsADirectoryError:
        raise InputError(_("{file} is a folder; choose the file the recipient sent.").format(file=path)) from None
    except NotAnOrdinaryFile:
        raise InputError(
            _("{file} is not an ordinary file; choose the file the recipient sent.").format(file=path)
        ) from None
    except FileTooLarge:
        raise InputError(
            _("{file} is too large to be an answer to a referral; choose the file the recipient sent.").format(
                file=path
            )
        ) from None
    except OSError as error:
        raise InputError(_("{file} cannot be read ({reason}).").format(file=path, reason=os_reason(error))) from None
    return read_answer(data)


def read_answer(data: bytes) -> ReturnedTask:
    """The recipient's answer: the reply form of the letter filled in on screen (a PDF), or the
    handover's FHIR Task sent back (JSON)."""
    if data.lstrip()[:5] == b"%PDF-":
        from broadtalk.handover.reply_form import read_reply_form

        return task_from_reply_form(read_reply_form(data))
    return read_task(data)


def task_from_reply_form(values: Mapping[str, str]) -> ReturnedTask:
    """The reply form's fields as the Task they stand for: declined (with its reason), feedback
    (completed, dated by the form's date, first contact by its own), a first contact
    (in progress), or accepted."""
    from broadtalk.handover import reply_form as form

    accepted, declined = form.ticked(values[form.ACCEPTED]), form.ticked(values[form.DECLINED])
    reason = clean_block(values[form.DECLINED_REASON])
    feedback = clean_block(values[form.FEEDBACK])
    signed = clean_block(values[form.NAME_FUNCTION])
    if accepted and declined:
        raise InputError(
            _("In the reply form both 'accepted' and 'declined' are ticked; ask the recipient which holds.")
        )
    first_contact = _form_day(values[form.FIRST_CONTACT_ON], _("First contact on"))
    dated = _form_day(values[form.DATE], _("Date"))
    if declined or (reason and not accepted and not feedback):
        status = "rejected"
    elif feedback:
        status = "completed"
    elif first_contact is not None:
        status = "in-progress"
    elif accepted:
        status = "accepted"
    else:
        raise InputError(
            _("The reply form is not filled in: neither 'accepted' nor 'declined' is ticked and there is no feedback.")
        )
    if feedback and signed:
        feedback = f"{feedback}\n\n{signed}"
    return ReturnedTask(
        reference=values[form.REFERENCE],
        status=status,
        task_id=values[form.TASK] or None,
        reason=reason + (f"\n\n{signed}" if reason and signed else ""),
        feedback=feedback,
        changed_on=dated if status != "in-progress" else first_contact,
        started_on=first_contact,
        ended_on=dated,
        patient_birth_date=_day(values[form.BIRTH_DATE], "broadtalk_birth_date") if values[form.BIRTH_DATE] else None,
    )


def _form_day(text: str, label: str) -> date | None:
    """A day written in a form field: 5-3-2026, 05/03/2026, 5.3.2026 or 2026-03-05."""
    text = " ".join(text.split())
    if not text:
        return None
    found = re.fullmatch(r"(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4})", text)
    try:
        if found:
            return date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(
            _("'{value}' in the reply form ({field}) is no date; write a date as 5-3-2026.").format(
                value=shown_value(text), field=label
            )
        ) from None


def read_task(data: bytes) -> ReturnedTask:
    """The referral Task in a FHIR JSON document: a Task, or a Bundle that holds one."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError(
            _("The file is not text in UTF-8, so it is no FHIR JSON; ask the recipient for the file again.")
        ) from None
    except json.JSONDecodeError as error:
        raise InputError(
            _(
                "The file is no valid JSON (it goes wrong at line {line}, column {column}); ask the recipient for the file again."
            ).format(line=error.lineno, column=error.colno)
        ) from None
    except RecursionError:
        raise InputError(_("The file is nested too deeply to be FHIR; ask the recipient for the file again.")) from None
    if not isinstance(document, dict) or not isinstance(document.get("resourceType"), str):
        raise InputError(_("The file holds no FHIR resource (a JSON object with a resourceType); it is no feedback."))
    kind = document["resourceType"]
    if kind == "Task":
        return _task_of(document, {}, "Task")
    if kind != "Bundle":
        raise InputError(
            _("The file holds a FHIR {kind}, not a Task: the recipient's feedback is the referral's Task.").format(
                kind=shown_value(kind)
            )
        )
    entries = document.get("entry")
    if not isinstance(entries, list):
        raise InputError(_("The Bundle in the file has no entries; it holds no Task."))
    resources: dict[str, Mapping[str, Any]] = {}
    tasks: list[tuple[int, Mapping[str, Any]]] = []
    for index, item in enumerate(entries):
        resource = item.get("resource") if isinstance(item, dict) else None
        if not isinstance(resource, dict):
            raise InputError(_("Entry {index} of the Bundle holds no resource.").format(index=index))
        if isinstance(item.get("fullUrl"), str):
            resources[item["fullUrl"]] = resource
        if isinstance(resource.get("resourceType"), str) and isinstance(resource.get("id"), str):
            resources[f"{resource['resourceType']}/{resource['id']}"] = resource
        if resource.get("resourceType") == "Task" and _reference_of(resource) is not None:
            tasks.append((index, resource))
    if not tasks:
        raise InputError(_("The Bundle holds no Task with a referral's reference; it is no feedback on a referral."))
    if len(tasks) > 1:
        raise InputError(
            _("The Bundle holds {count} referral Tasks; import the feedback on one referral at a time.").format(
                count=len(tasks)
            )
        )
    index, task = tasks[0]
    return _task_of(task, resources, f"Bundle.entry[{index}].Task")


def _reference_of(task: Mapping[str, Any]) -> str | None:
    identifiers = task.get("identifier")
    if not isinstance(identifiers, list):
        return None
    for identifier in identifiers:
        if isinstance(identifier, dict) and identifier.get("system") == fhir.REFERRAL_SYSTEM:
            value = identifier.get("value")
            return value if isinstance(value, str) else None
    return None


def _task_of(task: Mapping[str, Any], resources: Mapping[str, Mapping[str, Any]], where: str) -> ReturnedTask:
    problems = fhir.problems_of(task)
    if problems:
        raise InputError(
            _("The Task in the file is not valid FHIR ({where}): {problems}").format(
                where=where, problems="; ".join(problems[:5])
            )
        )
    reference = _reference_of(task)
    if not reference:
        raise InputError(
            _(
                "The Task carries no referral reference ({where}.identifier with system {system}); it was not "
                "made from a broadtalk handover."
            ).format(where=where, system=fhir.REFERRAL_SYSTEM)
        )
    status = task.get("status")
    if status not in ALL_STATUSES:
        raise InputError(
            _("The Task's status '{status}' ({where}.status) is no FHIR Task status; expected one of: {known}.").format(
                status=shown_value(str(status)), where=where, known=", ".join(ALL_STATUSES)
            )
        )
    period = task.get("executionPeriod") if isinstance(task.get("executionPeriod"), dict) else {}
    subject = task.get("for") if isinstance(task.get("for"), dict) else {}
    focus = task.get("focus") if isinstance(task.get("focus"), dict) else {}
    patient = resources.get(subject.get("reference", "")) if subject.get("reference") else None
    reason = task.get("statusReason") if isinstance(task.get("statusReason"), dict) else {}
    return ReturnedTask(
        reference=reference,
        status=status,
        task_id=task.get("id"),
        reason=clean_block(str(reason.get("text") or "")),
        feedback=_feedback_text(task),
        changed_on=_day(task.get("lastModified"), f"{where}.lastModified"),
        started_on=_day(period.get("start"), f"{where}.executionPeriod.start"),
        ended_on=_day(period.get("end"), f"{where}.executionPeriod.end"),
        focus=focus.get("reference"),
        for_reference=subject.get("reference"),
        for_display=subject.get("display"),
        patient_birth_date=_day(patient.get("birthDate"), "Patient.birthDate") if patient else None,
    )


def _feedback_text(task: Mapping[str, Any]) -> str:
    """The outputs' texts, in order: what the recipient writes back."""
    texts = []
    for output in task.get("output") or ():
        if not isinstance(output, dict):
            continue
        for key in ("valueString", "valueMarkdown"):
            if isinstance(output.get(key), str):
                texts.append(output[key])
        for key in ("valueAnnotation", "valueCodeableConcept"):
            if isinstance(output.get(key), dict) and isinstance(output[key].get("text"), str):
                texts.append(output[key]["text"])
        if isinstance(output.get("valueReference"), dict) and isinstance(output["valueReference"].get("display"), str):
            texts.append(output["valueReference"]["display"])
    return clean_block("\n\n".join(t.strip() for t in texts if t.strip()))


def _day(value: object, where: str) -> date | None:
    """A FHIR date or dateTime as the Dutch calendar day it fell on."""
    if value is None:
        return None
    text = str(value)
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            _("{where} '{value}' is no date; a date is written as 2026-12-03.").format(
                where=where, value=shown_value(text)
            )
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return to_display_time(moment).date()


# -- matching it to the referral ------------------------------------------------------------------


def _points_at(reference: str | None, kind: str, ident: str) -> bool:
    return reference in (fhir.urn(ident), f"{kind}/{ident}") or (
        reference is not None and reference.endswith(f"/{kind}/{ident}")
    )


def plan_feedback(tx: Session, actor: Actor, task: ReturnedTask, *, today: date) -> FeedbackPlan:
    """Which steps the Task records on which referral; refuses (changing nothing) when it does
    not match or cannot be recorded. Needs ``MANAGE_REFERRALS``."""
    row = tx.exec(select(Referral).where(Referral.reference == task.reference)).first()
    require(actor, Permission.MANAGE_REFERRALS, client_id=row.client_id if row is not None else None)
    if row is None or row.id is None:
        raise NotFoundError(
            _(
                "There is no referral {reference} in this practice; the feedback is on a referral made elsewhere."
            ).format(reference=shown_value(task.reference))
        )
    reference = row.reference
    seal = tx.get(DatabaseSeal, 1)
    source = seal.database_id if seal is not None else ""
    client = client_record_unchecked(tx, row.client_id)
    if task.task_id is not None and task.task_id != resource_id(source, reference, "task"):
        raise RefusedError(
            _(
                "The Task in the file is not the one sent with referral {reference} (Task.id differs): it was made "
                "for another referral or by another practice. Nothing was recorded."
            ).format(reference=reference)
        )
    if task.focus is not None and not _points_at(
        task.focus, "ServiceRequest", resource_id(source, reference, "request")
    ):
        raise RefusedError(
            _(
                "The Task in the file points at another referral's request (Task.focus), not at referral "
                "{reference}. Nothing was recorded."
            ).format(reference=reference)
        )
    other_client = _(
        "The Task in the file is about another client ({field}) than referral {reference}. Nothing was recorded."
    )
    if task.for_reference is not None and not _points_at(
        task.for_reference, "Patient", resource_id(source, reference, "patient")
    ):
        raise RefusedError(other_client.format(field="Task.for", reference=reference))
    if task.for_display is not None and fold(" ".join(task.for_display.split())) != fold(" ".join(client.name.split())):
        raise RefusedError(other_client.format(field="Task.for.display", reference=reference))
    if task.patient_birth_date is not None and task.patient_birth_date != client.birth_date:
        raise RefusedError(other_client.format(field="Patient.birthDate", reference=reference))
    steps = _steps(task, row.status, reference, today)
    last = tx.exec(
        select(ReferralEvent.at).where(ReferralEvent.referral_id == row.id).order_by(ReferralEvent.at.desc())
    ).first()
    last_day = to_display_time(last).date() if last is not None else None
    for step in steps:
        if step.on > today:
            raise InputError(
                _("The Task says '{status}' on {date}, a day still to come; nothing was recorded.").format(
                    status=status_label(step.status), date=format_short_date(step.on)
                )
            )
        if last_day is not None and step.on < last_day:
            raise InputError(
                _(
                    "The Task says '{status}' on {date}, before the referral's last recorded step ({last}); check "
                    "the dates with the recipient. Nothing was recorded."
                ).format(
                    status=status_label(step.status), date=format_short_date(step.on), last=format_short_date(last_day)
                )
            )
    return FeedbackPlan(row.id, reference, row.client_id, client.name, row.status, task.status, steps, row.recipient)


def _steps(task: ReturnedTask, current: str, reference: str, today: date) -> tuple[FeedbackStep, ...]:
    if task.status == "entered-in-error":
        raise RefusedError(
            _(
                "The recipient marked this Task as entered in error; nothing was recorded on referral {reference}."
            ).format(reference=reference)
        )
    if task.status in NOT_ANSWERED:
        raise RefusedError(
            _(
                "The Task says '{status}': the recipient has not answered referral {reference} yet, so there is "
                "nothing to record."
            ).format(status=task.status, reference=reference)
        )
    target = STEPS[task.status]
    if current == DRAFT:
        raise RefusedError(
            _("Referral {reference} was never sent, so there can be no answer to it; nothing was recorded.").format(
                reference=reference
            )
        )
    if current == target:
        raise RefusedError(
            _(
                "This was recorded before: referral {reference} is '{current}' already. Nothing was recorded again."
            ).format(reference=reference, current=status_label(current))
        )
    if target not in allowed_next(current):
        raise RefusedError(
            _(
                "The file is older than what is recorded: referral {reference} is '{current}' already, the Task "
                "says '{status}'. Nothing was recorded."
            ).format(reference=reference, current=status_label(current), status=status_label(target))
        )
    if target == FEEDBACK and not task.feedback:
        raise InputError(
            _(
                "The Task says the referral is completed but carries no feedback (Task.output with a text); ask "
                "the recipient to write what came of it. Nothing was recorded."
            )
        )
    if target == DECLINED and not task.reason:
        raise InputError(
            _(
                "The Task says the referral was {status} but gives no reason (Task.statusReason.text); ask the "
                "recipient why. Nothing was recorded."
            ).format(status=task.status)
        )
    origin = _("Recorded from the recipient's answer (FHIR Task).")
    steps: list[FeedbackStep] = []
    if target == FEEDBACK and task.started_on is not None and ORDER.index(current) < ORDER.index(FIRST_CONTACT):
        steps.append(FeedbackStep(FIRST_CONTACT, task.started_on, origin))
    if target == ACCEPTED:
        steps.append(FeedbackStep(ACCEPTED, task.changed_on or today, origin))
    elif target == FIRST_CONTACT:
        steps.append(FeedbackStep(FIRST_CONTACT, task.started_on or task.changed_on or today, origin))
    elif target == FEEDBACK:
        steps.append(FeedbackStep(FEEDBACK, task.ended_on or task.changed_on or today, task.feedback))
    else:
        steps.append(FeedbackStep(DECLINED, task.changed_on or task.ended_on or today, task.reason))
    if len(steps) == 2 and steps[0].on > steps[1].on:
        raise InputError(
            _(
                "The Task's first contact ({first}) lies after its end ({end}); check the dates with the recipient."
            ).format(first=format_short_date(steps[0].on), end=format_short_date(steps[1].on))
        )
    return tuple(steps)


def record_feedback(tx: Session, actor: Actor, task: ReturnedTask, *, now: datetime | None = None) -> FeedbackPlan:
    """Record the Task's steps on its referral (planned again here, in this transaction)."""
    now = now or datetime.now(UTC)
    plan = plan_feedback(tx, actor, task, today=dutch_today(now))
    for step in plan.steps:
        advance_referral(tx, actor, plan.referral_id, step.status, note=step.note, happened_on=step.on, now=now)
    return plan
