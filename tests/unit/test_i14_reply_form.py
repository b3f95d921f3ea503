"""Issue 14: the letter's reply form, filled in on screen and sent back, is read as the answer to
its referral, matched as a FHIR Task is, or refused with a message and no change."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter
from sqlmodel import select

from broadtalk import i18n
from broadtalk.errors import BroadtalkError, InputError, RefusedError
from broadtalk.handover import reply_form as form
from broadtalk.handover.pdf import render_client_copy_pdf, render_handover_pdf
from broadtalk.interop.feedback import read_answer, record_feedback
from broadtalk.interop.handover_fhir import resource_id
from broadtalk.practitioners import Actor
from broadtalk.referral_steps import ACCEPTED, DECLINED, FEEDBACK, FIRST_CONTACT, SENT
from broadtalk.referrals import advance_referral
from broadtalk.store.database import Database
from broadtalk.store.tables import ReferralEvent
from tests.unit.test_handover_pdf import NOW, load, realistic_case, record_case
from tests.unit.test_i14_feedback import back_to_sent

LATER = NOW + timedelta(days=9)


@pytest.fixture(autouse=True)
def english():
    i18n.set_language("en")


@pytest.fixture
def letter(db: Database, actor: Actor) -> tuple[int, bytes]:
    referral_id = record_case(db, actor, realistic_case())
    with db.transaction() as tx:
        advance_referral(tx, actor, referral_id, SENT, now=NOW)
    buffer = io.BytesIO()
    render_handover_pdf(load(db, actor, referral_id), buffer)
    return referral_id, buffer.getvalue()


def filled(data: bytes, **values: str) -> bytes:
    """The letter with its form filled in, as a PDF viewer saves it."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for page in writer.pages:
        if page.get("/Annots"):
            writer.update_page_form_field_values(page, values, auto_regenerate=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _steps(db: Database, referral_id: int) -> list[tuple[str, str]]:
    with db.transaction() as tx:
        rows = tx.exec(select(ReferralEvent).where(ReferralEvent.referral_id == referral_id).order_by(ReferralEvent.id))
        return [(e.status, e.note) for e in rows.all()]


def _record(db: Database, actor: Actor, data: bytes):
    with db.transaction() as tx:
        return record_feedback(tx, actor, read_answer(data), now=LATER)


def test_the_letter_carries_a_form_with_the_referral_its_task_and_the_birth_date(db, actor, letter):
    referral_id, data = letter
    values = form.read_reply_form(data)
    content = load(db, actor, referral_id)
    assert values[form.REFERENCE] == content.reference
    assert values[form.TASK] == resource_id(content.source, content.reference, "task")
    assert values[form.BIRTH_DATE] == "1980-11-04"
    assert not form.ticked(values[form.ACCEPTED]) and values[form.FEEDBACK] == ""


def test_feedback_with_its_days_is_recorded_with_the_first_contact(db, actor, letter):
    referral_id, data = letter
    answer = filled(
        data,
        accepted="/Yes",
        first_contact_on="5-3-2026",
        feedback="Kennismaking was fijn.\nRon komt dinsdag.",
        name_function="Fatima, welzijnscoach",
        date="2026-03-10",
    )
    plan = _record(db, actor, answer)
    assert [(s.status, s.on) for s in plan.steps] == [(FIRST_CONTACT, date(2026, 3, 5)), (FEEDBACK, date(2026, 3, 10))]
    assert _steps(db, referral_id)[-1] == (
        FEEDBACK,
        "Kennismaking was fijn.\nRon komt dinsdag.\n\nFatima, welzijnscoach",
    )


@pytest.mark.parametrize(
    ("values", "step"),
    [
        ({"accepted": "/Yes", "date": "4.3.2026"}, ACCEPTED),
        ({"declined": "/Yes", "declined_reason": "Wachtlijst", "date": "04/03/2026"}, DECLINED),
        ({"first_contact_on": "4-3-2026"}, FIRST_CONTACT),
    ],
)
def test_each_kind_of_answer_is_its_step(db, actor, letter, values, step):
    referral_id, data = letter
    _record(db, actor, filled(data, **values))
    assert _steps(db, referral_id)[-1][0] == step


@pytest.mark.parametrize(
    ("values", "error", "words"),
    [
        ({}, InputError, ("not filled in",)),
        ({"accepted": "/Yes", "declined": "/Yes"}, InputError, ("both",)),
        ({"accepted": "/Yes", "date": "morgen"}, InputError, ("'morgen'", "Date")),
        ({"first_contact_on": "31-2-2026"}, InputError, ("First contact on",)),
        ({"declined": "/Yes"}, InputError, ("reason",)),
        ({"accepted": "/Yes", "date": "1-1-2030"}, InputError, ("still to come",)),
        ({"accepted": "/Yes", form.BIRTH_DATE: "1950-01-01"}, RefusedError, ("another client",)),
        ({"accepted": "/Yes", form.TASK: "0000"}, RefusedError, ("Task.id",)),
    ],
)
def test_a_form_that_cannot_be_recorded_is_refused_and_changes_nothing(db, actor, letter, values, error, words):
    referral_id, data = letter
    before = _steps(db, referral_id)
    with pytest.raises(error) as refused:
        _record(db, actor, filled(data, **values))
    for word in words:
        assert word in refused.value.message, refused.value.message
    assert _steps(db, referral_id) == before


def test_a_pdf_without_the_form_or_no_pdf_at_all_is_refused(db, actor, letter):
    referral_id, _data = letter
    copy = io.BytesIO()
    render_client_copy_pdf(load(db, actor, referral_id), copy)
    with pytest.raises(InputError, match="no broadtalk reply form"):
        read_answer(copy.getvalue())
    with pytest.raises(InputError, match="cannot be read"):
        read_answer(b"%PDF-1.4\n" + b"\x00garbage" * 50)


form_text = st.one_of(
    st.just(""),
    st.sampled_from(["5-3-2026", "2026-03-06", "31-2-2026", "morgen", "12/13/2026", "1.1.1900", "<b>&amp;", "   "]),
    st.text(max_size=30),
)


@pytest.fixture(scope="module")
def fuzz_letter(tmp_path_factory: pytest.TempPathFactory):
    from broadtalk.practitioners import Role, create_practitioner

    db = Database.open(tmp_path_factory.mktemp("reply") / "broadtalk.sqlite")
    with db.transaction() as tx:
        actor = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
    referral_id = record_case(db, actor, realistic_case())
    with db.transaction() as tx:
        advance_referral(tx, actor, referral_id, SENT, now=NOW)
    buffer = io.BytesIO()
    render_handover_pdf(load(db, actor, referral_id), buffer)
    yield db, actor, referral_id, buffer.getvalue()
    db.close()


@given(
    ticks=st.tuples(st.booleans(), st.booleans()),
    texts=st.fixed_dictionaries(
        {
            form.DECLINED_REASON: form_text,
            form.FIRST_CONTACT_ON: form_text,
            form.FEEDBACK: form_text,
            form.NAME_FUNCTION: form_text,
            form.DATE: form_text,
        }
    ),
)
@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
def test_any_filled_in_form_is_recorded_or_refused_with_a_message_and_no_change(ticks, texts, fuzz_letter):
    db, actor, referral_id, data = fuzz_letter
    values = {name: value for name, value in texts.items() if value}
    if ticks[0]:
        values[form.ACCEPTED] = "/Yes"
    if ticks[1]:
        values[form.DECLINED] = "/Yes"
    answer = filled(data, **values)
    before = _steps(db, referral_id)
    try:
        with db.transaction() as tx:
            plan = record_feedback(tx, actor, read_answer(answer), now=LATER)
    except BroadtalkError as error:
        assert error.message.strip()
        assert _steps(db, referral_id) == before
        return
    assert plan.referral_id == referral_id and len(_steps(db, referral_id)) == len(before) + len(plan.steps)
    back_to_sent(db, referral_id)
