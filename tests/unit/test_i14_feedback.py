"""Issue 14: the loop closes. The recipient returns the handover's Task, updated; broadtalk records
it as the referral's steps with their dates, or refuses precisely and changes nothing.

The Tasks are the ones ``handover_bundle`` writes, changed as a recipient's system would; the
fuzz tests change them as a careless or hostile sender would (and send bytes that are no JSON)."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from broadtalk import i18n
from broadtalk.errors import BroadtalkError, InputError, NotFoundError, RefusedError
from broadtalk.interop import fhir
from broadtalk.interop.feedback import ALL_STATUSES, read_answer_file, read_task, record_feedback
from broadtalk.interop.handover_fhir import handover_bundle
from broadtalk.practitioners import Actor, Role, create_practitioner
from broadtalk.referral_steps import ACCEPTED, DECLINED, FEEDBACK, FIRST_CONTACT, SENT
from broadtalk.referrals import advance_referral
from broadtalk.store.database import Database
from broadtalk.store.tables import AuditEntry, Referral, ReferralEvent
from tests.unit.test_handover_pdf import NOW, load, realistic_case, record_case

LATER = NOW + timedelta(days=9)  # the day the answer is imported


@pytest.fixture(autouse=True)
def english():
    """The messages are checked in English (the source language)."""
    i18n.set_language("en")


@pytest.fixture
def sent(db: Database, actor: Actor) -> tuple[int, dict]:
    """A referral sent with consent, and the Bundle that went to the recipient."""
    referral_id = record_case(db, actor, realistic_case())
    with db.transaction() as tx:
        advance_referral(tx, actor, referral_id, SENT, now=NOW)
    return referral_id, handover_bundle(load(db, actor, referral_id))


def _task(bundle: dict, **changes) -> dict:
    task = copy.deepcopy(bundle["entry"][0]["resource"])
    assert task["resourceType"] == "Task"
    task.update(changes)
    return task


def _bytes(resource: dict) -> bytes:
    return json.dumps(resource, ensure_ascii=False).encode("utf-8")


def _record(db: Database, actor: Actor, data: bytes, now: datetime = LATER):
    with db.transaction() as tx:
        return record_feedback(tx, actor, read_task(data), now=now)


def _state(db: Database, referral_id: int) -> tuple:
    """Everything an import may change: the referral, its steps, the trail's length."""
    with db.transaction() as tx:
        row = tx.get(Referral, referral_id)
        events = tx.exec(
            select(ReferralEvent.status, ReferralEvent.at, ReferralEvent.note).where(
                ReferralEvent.referral_id == referral_id
            )
        ).all()
        trail = len(tx.exec(select(AuditEntry.id)).all())
        return (row.status, row.feedback_at, row.closed_at, row.updated_at, tuple(events), trail)


def _steps(db: Database, referral_id: int) -> list[tuple[str, date, str]]:
    from broadtalk.i18n import to_display_time

    with db.transaction() as tx:
        events = tx.exec(
            select(ReferralEvent).where(ReferralEvent.referral_id == referral_id).order_by(ReferralEvent.id)
        ).all()
        return [(e.status, to_display_time(e.at).date(), e.note) for e in events]


# -- recorded ---------------------------------------------------------------------------------------


def test_accepted_is_recorded_on_the_day_the_task_changed(db: Database, actor: Actor, sent):
    referral_id, bundle = sent
    plan = _record(db, actor, _bytes(_task(bundle, status="accepted", lastModified="2026-03-04T09:15:00+01:00")))
    assert [(s.status, s.on) for s in plan.steps] == [(ACCEPTED, date(2026, 3, 4))]
    status, on, note = _steps(db, referral_id)[-1]
    assert (status, on) == (ACCEPTED, date(2026, 3, 4))
    assert "FHIR" in note  # the history says where the step came from


def test_completed_records_first_contact_and_the_feedback_with_their_days(db: Database, actor: Actor, sent):
    referral_id, bundle = sent
    task = _task(
        bundle,
        status="completed",
        executionPeriod={"start": "2026-03-05", "end": "2026-03-10"},
        output=[
            {"type": {"text": "Terugkoppeling"}, "valueString": "Kennismaking was fijn."},
            {"type": {"text": "Vervolg"}, "valueMarkdown": "Ron gaat **dinsdag** naar de moestuin."},
        ],
    )
    _record(db, actor, _bytes(task), now=NOW + timedelta(days=12))
    assert _steps(db, referral_id)[-2:] == [
        (FIRST_CONTACT, date(2026, 3, 5), _steps(db, referral_id)[-2][2]),
        (FEEDBACK, date(2026, 3, 10), "Kennismaking was fijn.\n\nRon gaat **dinsdag** naar de moestuin."),
    ]
    with db.transaction() as tx:
        assert tx.get(Referral, referral_id).status == FEEDBACK


def test_rejected_is_declined_with_the_recipients_reason(db: Database, actor: Actor, sent):
    referral_id, bundle = sent
    task = _task(bundle, status="rejected", statusReason={"text": "Wachtlijst tot de zomer."})
    _record(db, actor, _bytes(task))
    assert _steps(db, referral_id)[-1][0::2] == (DECLINED, "Wachtlijst tot de zomer.")


def test_the_whole_bundle_sent_back_is_read_too(db: Database, actor: Actor, sent):
    referral_id, bundle = sent
    back = copy.deepcopy(bundle)
    back["entry"][0]["resource"].update(status="accepted")
    _record(db, actor, _bytes(back))
    assert _steps(db, referral_id)[-1][0] == ACCEPTED


def test_a_file_on_disk_is_read_and_a_bad_file_refused_by_name(tmp_path: Path, sent):
    _referral_id, bundle = sent
    path = tmp_path / "antwoord.json"
    path.write_bytes(_bytes(_task(bundle, status="accepted")))
    assert read_answer_file(path).status == "accepted"
    with pytest.raises(InputError, match="does not exist"):
        read_answer_file(tmp_path / "nothing.json")
    with pytest.raises(InputError, match="folder"):
        read_answer_file(tmp_path)
    (tmp_path / "huge.json").write_bytes(b" " * (5 * 1024 * 1024 + 1))
    with pytest.raises(InputError, match="too large"):
        read_answer_file(tmp_path / "huge.json")


# -- refused, nothing changed ----------------------------------------------------------------------


def _refused(db: Database, actor: Actor, referral_id: int, data: bytes, error: type, *words: str) -> None:
    before = _state(db, referral_id)
    with pytest.raises(error) as refused:
        _record(db, actor, data)
    message = refused.value.message
    assert message and "Traceback" not in message
    for word in words:
        assert word in message, (word, message)
    assert _state(db, referral_id) == before


def test_another_client_is_refused(db: Database, actor: Actor, sent):
    referral_id, bundle = sent
    for changes, field in (
        ({"for": {"reference": "Patient/elsewhere"}}, "Task.for"),
        (
            {"for": {"reference": bundle["entry"][0]["resource"]["for"]["reference"], "display": "Greet Visser"}},
            "display",
        ),
    ):
        _refused(db, actor, referral_id, _bytes(_task(bundle, status="accepted", **changes)), RefusedError, field)
    back = copy.deepcopy(bundle)
    back["entry"][0]["resource"].update(status="accepted")
    patient = next(e["resource"] for e in back["entry"] if e["resource"]["resourceType"] == "Patient")
    patient["birthDate"] = "1955-01-01"
    _refused(db, actor, referral_id, _bytes(back), RefusedError, "Patient.birthDate")


def test_another_referral_or_practice_is_refused(db: Database, actor: Actor, sent):
    referral_id, bundle = sent
    _refused(db, actor, referral_id, _bytes(_task(bundle, status="accepted", id="not-ours")), RefusedError, "Task.id")
    _refused(
        db,
        actor,
        referral_id,
        _bytes(_task(bundle, status="accepted", focus={"reference": "ServiceRequest/other"})),
        RefusedError,
        "Task.focus",
    )
    unknown = _task(bundle, status="accepted", identifier=[{"system": fhir.REFERRAL_SYSTEM, "value": "V-ZZZZZZ"}])
    unknown.pop("id")
    _refused(db, actor, referral_id, _bytes(unknown), NotFoundError, "V-ZZZZZZ")


@pytest.mark.parametrize(
    ("changes", "error", "words"),
    [
        ({"status": "requested"}, RefusedError, ("not answered",)),
        ({"status": "on-hold"}, RefusedError, ("not answered",)),
        ({"status": "entered-in-error"}, RefusedError, ("in error",)),
        ({"status": "finished"}, InputError, ("'finished'", "Task.status")),
        ({"status": "completed"}, InputError, ("Task.output",)),
        ({"status": "rejected"}, InputError, ("Task.statusReason.text",)),
        ({"status": "accepted", "lastModified": "2026-04-30"}, InputError, ("still to come",)),
        ({"status": "accepted", "lastModified": "2026-02-01"}, InputError, ("last recorded step",)),
        ({"status": "accepted", "lastModified": "morgen"}, InputError, ("not valid FHIR", "Task.lastModified")),
        (
            {
                "status": "completed",
                "executionPeriod": {"start": "2026-03-08", "end": "2026-03-06"},
                "output": [{"type": {"text": "x"}, "valueString": "Goed gegaan."}],
            },
            InputError,
            ("first contact",),
        ),
        ({"status": "accepted", "intent": 7}, InputError, ("not valid FHIR", "Task.intent")),
        ({"status": "accepted", "identifier": []}, InputError, ("no referral reference",)),
    ],
)
def test_a_task_that_cannot_be_recorded_is_refused_precisely(db, actor, sent, changes, error, words):
    referral_id, bundle = sent
    _refused(db, actor, referral_id, _bytes(_task(bundle, **changes)), error, *words)


def test_a_replayed_or_older_task_changes_nothing(db: Database, actor: Actor, sent):
    referral_id, bundle = sent
    done = _task(bundle, status="completed", output=[{"type": {"text": "x"}, "valueString": "Klaar."}])
    _record(db, actor, _bytes(done))
    _refused(db, actor, referral_id, _bytes(done), RefusedError, "recorded before")
    _refused(db, actor, referral_id, _bytes(_task(bundle, status="accepted")), RefusedError, "older")
    _refused(
        db,
        actor,
        referral_id,
        _bytes(_task(bundle, status="rejected", statusReason={"text": "te laat"})),
        RefusedError,
        "older",
    )


def test_an_answer_to_a_referral_never_sent_is_refused(db: Database, actor: Actor):
    referral_id = record_case(db, actor, realistic_case())
    bundle = handover_bundle(load(db, actor, referral_id))
    _refused(db, actor, referral_id, _bytes(_task(bundle, status="accepted")), RefusedError, "never sent")


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", ("no valid JSON",)),
        (b"\xff\xfe\x00", ("UTF-8",)),
        (b'{"resourceType": "Task"', ("no valid JSON", "line 1")),
        (b"[1, 2]", ("no FHIR resource",)),
        (b'{"resourceType": "Patient"}', ("Patient", "not a Task")),
        (b'{"resourceType": "Bundle", "type": "collection"}', ("no entries",)),
        (b'{"resourceType": "Bundle", "entry": [7]}', ("Entry 0",)),
        (b"[" * 100_000 + b"]" * 100_000, ()),
    ],
)
def test_what_is_no_task_is_refused_with_a_message(data: bytes, words: tuple[str, ...]):
    with pytest.raises(InputError) as refused:
        read_task(data)
    for word in words:
        assert word in refused.value.message, refused.value.message


def test_a_bundle_with_two_referral_tasks_is_refused(sent):
    _referral_id, bundle = sent
    back = copy.deepcopy(bundle)
    back["entry"].append(copy.deepcopy(back["entry"][0]))
    with pytest.raises(InputError, match="2"):
        read_task(_bytes(back))


def test_only_roles_that_manage_referrals_may_import_and_a_refusal_changes_nothing(db: Database, actor: Actor, sent):
    referral_id, bundle = sent
    with db.transaction() as tx:
        manager = create_practitioner(tx, "Joyce van Dijk", Role.PRACTICE_MANAGER, now=NOW)
    before = _state(db, referral_id)[:5]
    with pytest.raises(RefusedError):
        _record(db, manager, _bytes(_task(bundle, status="accepted")))
    assert _state(db, referral_id)[:5] == before


# -- fuzzed -------------------------------------------------------------------------------------------


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
TASK_FIELDS = (
    "id",
    "status",
    "identifier",
    "for",
    "focus",
    "lastModified",
    "executionPeriod",
    "statusReason",
    "output",
    "intent",
    "resourceType",
)


@st.composite
def mutated_tasks(draw, task: dict) -> dict:
    """The Task sent, with a status and a few fields changed, removed or made nonsense."""
    changed = copy.deepcopy(task)
    changed["status"] = draw(st.sampled_from([*ALL_STATUSES, "Completed", "", "done"]))
    for field in draw(st.lists(st.sampled_from(TASK_FIELDS), max_size=3, unique=True)):
        if draw(st.booleans()):
            changed.pop(field, None)
        else:
            changed[field] = draw(json_values)
    if draw(st.booleans()):
        changed["output"] = [{"type": {"text": "t"}, "valueString": draw(st.text(max_size=40))}]
    if draw(st.booleans()):
        changed["statusReason"] = {"text": draw(st.text(max_size=40))}
    return changed


@pytest.fixture(scope="module")
def fuzz_case(tmp_path_factory: pytest.TempPathFactory):
    db = Database.open(tmp_path_factory.mktemp("feedback") / "broadtalk.sqlite")
    with db.transaction() as tx:
        actor = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
    referral_id = record_case(db, actor, realistic_case())
    with db.transaction() as tx:
        advance_referral(tx, actor, referral_id, SENT, now=NOW)
    task = handover_bundle(load(db, actor, referral_id))["entry"][0]["resource"]
    yield db, actor, referral_id, task
    db.close()


@given(data=st.data())
@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
def test_fuzzed_answers_are_recorded_or_refused_with_a_message_and_no_change(data, fuzz_case):
    db, actor, referral_id, task = fuzz_case
    kind = data.draw(st.sampled_from(["bytes", "json", "task"]))
    if kind == "bytes":
        raw = data.draw(st.binary(max_size=200))
    elif kind == "json":
        raw = json.dumps(data.draw(json_values)).encode()
    else:
        raw = _bytes(data.draw(mutated_tasks(task)))
    before = _state(db, referral_id)
    try:
        with db.transaction() as tx:
            plan = record_feedback(tx, actor, read_task(raw), now=LATER)
    except BroadtalkError as error:
        assert error.message.strip() and "Traceback" not in error.message
        assert _state(db, referral_id) == before, "a refused file changed something"
        return
    # Recorded: only ever on this referral, and it really moved on.
    assert plan.referral_id == referral_id
    after = _state(db, referral_id)
    assert after != before and len(after[4]) == len(before[4]) + len(plan.steps)
    back_to_sent(db, referral_id)


def back_to_sent(db: Database, referral_id: int) -> None:
    """Start again from "sent" for the next example: undo the steps recorded after it."""
    with db.transaction() as tx:
        for event in tx.exec(select(ReferralEvent).where(ReferralEvent.referral_id == referral_id)).all():
            if event.status not in (SENT, "draft"):
                tx.delete(event)
        row = tx.get(Referral, referral_id)
        row.status, row.feedback_at, row.closed_at = SENT, None, None
        tx.add(row)


def test_the_task_carries_the_referrals_reference_and_stable_ids(sent):
    _referral_id, bundle = sent
    task = bundle["entry"][0]["resource"]
    returned = read_task(_bytes({**task, "status": "accepted"}))
    assert returned.reference == task["identifier"][0]["value"]
    assert returned.task_id == task["id"]
