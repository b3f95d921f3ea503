"""Issue 14: a client's record moves as one FHIR Bundle: exported, imported into another (empty)
practice and exported again, it is the same; a bundle that is not such a record is refused with
messages that name the entry and the field, and nothing changes."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from broadtalk import i18n
from broadtalk.consent import current_consent, withdraw_consent
from broadtalk.demo import generate_demo
from broadtalk.errors import InputError, RefusedError
from broadtalk.interop import fhir
from broadtalk.interop.record import import_record, load_client_file
from broadtalk.interop.record_fhir import record_bundle
from broadtalk.interop.record_read import read_record
from broadtalk.practitioners import Actor, Role, create_practitioner
from broadtalk.referral_steps import ACCEPTED, DECLINED, FEEDBACK, FIRST_CONTACT, SENT
from broadtalk.referrals import advance_referral
from broadtalk.store.database import Database
from broadtalk.store.tables import Client, Practitioner, Referral
from tests import engines
from tests.unit.test_handover_pdf import NOW, Case, cases, record_case

TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def english():
    i18n.set_language("en")


def exported(db: Database, client_id: int) -> dict:
    with db.transaction() as tx:
        return record_bundle(load_client_file(tx, client_id))


def imported(db: Database, actor: Actor, bundle: dict) -> int:
    data = json.dumps(bundle, ensure_ascii=False).encode("utf-8")
    with db.transaction() as tx:
        return import_record(tx, actor, read_record(data), now=NOW + timedelta(days=400))


def fresh(tmp_path: Path, name: str) -> tuple[Database, Actor]:
    """An empty practice (a database file of its own) with the practitioner who imports."""
    (tmp_path / name).mkdir()
    db = Database.open(tmp_path / name / "broadtalk.sqlite")
    with db.transaction() as tx:
        actor = create_practitioner(tx, "Importeur Jansen", Role.PRACTICE_NURSE, now=NOW)
    return db, actor


def test_every_demo_record_moves_to_an_empty_practice_and_back_the_same(db: Database, tmp_path: Path):
    generate_demo(db, clients=12, seed=7, today=TODAY)
    other, actor = fresh(tmp_path, "other")
    try:
        with db.transaction() as tx:
            clients = [c.id for c in tx.exec(select(Client).order_by(Client.id)).all()]
        for client_id in clients:
            bundle = exported(db, client_id)
            moved = imported(other, actor, bundle)
            again = exported(other, moved)
            fhir.validate(again)
            assert again == bundle, f"client {client_id} changed on the way"
        with other.transaction() as tx:  # the colleagues named in the records: present, but switched off
            colleagues = tx.exec(select(Practitioner).where(Practitioner.name != "Importeur Jansen")).all()
        assert colleagues and not any(p.active for p in colleagues)
    finally:
        other.close()


@pytest.fixture(scope="module")
def two_practices(tmp_path_factory: pytest.TempPathFactory):
    here = Database.open(tmp_path_factory.mktemp("here") / "broadtalk.sqlite")
    there = Database.open(tmp_path_factory.mktemp("there") / "broadtalk.sqlite")
    with here.transaction() as tx:
        nurse = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
    with there.transaction() as tx:
        importer = create_practitioner(tx, "Importeur Jansen", Role.PRACTICE_NURSE, now=NOW)
    yield here, nurse, there, importer
    here.close()
    there.close()


PATHS = [(), (SENT,), (SENT, ACCEPTED), (SENT, FIRST_CONTACT), (SENT, ACCEPTED, FEEDBACK), (SENT, DECLINED)]


@given(case=cases(), path=st.sampled_from(PATHS), withdraw=st.booleans())
@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
def test_a_generated_record_in_any_referral_state_moves_unchanged(case: Case, path, withdraw, two_practices):
    here, nurse, there, importer = two_practices
    referral_id = record_case(here, nurse, case)
    with here.transaction() as tx:
        for number, step in enumerate(path):
            note = {FEEDBACK: "Kennismaking <b>fijn</b> & goed", DECLINED: "Wachtlijst\nte lang"}.get(step, "")
            advance_referral(tx, nurse, referral_id, step, note=note, now=NOW + timedelta(hours=number + 1))
        if withdraw:
            consent = current_consent(tx, nurse, referral_id)
            withdraw_consent(tx, nurse, consent.id, note="Zelf geregeld 😊", now=NOW + timedelta(hours=9))
        client_id = tx.get(Referral, referral_id).client_id
    bundle = exported(here, client_id)
    fhir.validate(bundle)
    moved = imported(there, importer, bundle)
    assert exported(there, moved) == bundle


# -- refused, nothing changed ----------------------------------------------------------------------------


@pytest.fixture
def record(db: Database, actor: Actor, tmp_path: Path) -> dict:
    """A demo client's record, from a practice of its own."""
    (tmp_path / "source").mkdir()
    source = Database.open(tmp_path / "source" / "broadtalk.sqlite")
    try:
        generate_demo(source, clients=3, seed=11, today=TODAY)
        with source.transaction() as tx:
            client_id = next(
                r.client_id for r in tx.exec(select(Referral).order_by(Referral.id)).all() if r.conversation_id
            )
        return exported(source, client_id)
    finally:
        source.close()


def _refused(db: Database, actor: Actor, bundle_or_bytes, error: type, *words: str) -> None:
    before = engines.dump(db)
    data = bundle_or_bytes if isinstance(bundle_or_bytes, bytes) else json.dumps(bundle_or_bytes).encode()
    with pytest.raises(error) as refused, db.transaction() as tx:
        import_record(tx, actor, read_record(data), now=NOW)
    for word in words:
        assert word in refused.value.message, (word, refused.value.message)
    assert engines.dump(db) == before, "a refused record changed something"


def _entry(bundle: dict, kind: str) -> tuple[int, dict]:
    return next((i, e["resource"]) for i, e in enumerate(bundle["entry"]) if e["resource"]["resourceType"] == kind)


def test_a_broken_entry_is_named_with_its_field(db, actor, record):
    bad = copy.deepcopy(record)
    index, goal = _entry(bad, "Goal")
    del goal["subject"]
    _refused(db, actor, bad, InputError, f"entry[{index}] (Goal)", "Goal.subject")
    bad = copy.deepcopy(record)
    index, patient = _entry(bad, "Patient")
    patient["birthDate"] = "gisteren"
    _refused(db, actor, bad, InputError, f"entry[{index}] (Patient)", "birthDate")


def test_what_is_no_record_is_refused(db, actor, record):
    _refused(db, actor, b"{", InputError, "no valid JSON")
    _refused(db, actor, {"resourceType": "Patient"}, InputError, "no FHIR Bundle")
    _refused(db, actor, {"resourceType": "Bundle", "type": "collection", "entry": []}, InputError, "no entries")
    two = copy.deepcopy(record)
    two["entry"].append(copy.deepcopy(two["entry"][_entry(two, "Patient")[0]]))
    _refused(db, actor, two, InputError, "exactly one Patient")


def test_a_record_with_a_model_not_here_or_a_bad_referral_or_a_bad_bsn_is_refused(db, actor, record):
    bad = copy.deepcopy(record)
    _index, response = _entry(bad, "QuestionnaireResponse")
    response["questionnaire"] = fhir.questionnaire_url("sleep-check") + "|3"
    _refused(db, actor, bad, InputError, "'sleep-check' version 3")
    bad = copy.deepcopy(record)
    _index, request = _entry(bad, "ServiceRequest")
    for sub in request["extension"][0]["extension"]:
        if sub["url"] == "urgency":
            sub["valueString"] = "yesterday"
    _refused(db, actor, bad, InputError, "'yesterday' is no urgency")
    bad = copy.deepcopy(record)
    _index, patient = _entry(bad, "Patient")
    patient["identifier"].append({"system": "http://fhir.nl/fhir/NamingSystem/bsn", "value": "123456789"})
    _refused(db, actor, bad, InputError)


def test_a_record_imported_twice_or_by_a_manager_is_refused(db, actor, record):
    imported(db, actor, record)
    _refused(db, actor, record, RefusedError, "already in this practice")
    with db.transaction() as tx:
        manager = create_practitioner(tx, "Joyce van Dijk", Role.PRACTICE_MANAGER, now=NOW)
    other = copy.deepcopy(record)
    _index, patient = _entry(other, "Patient")
    patient["identifier"][0]["value"] = "ZZZ-999"
    with pytest.raises(RefusedError), db.transaction() as tx:
        import_record(tx, manager, read_record(json.dumps(other).encode()), now=NOW)


# -- every kind of item ---------------------------------------------------------------------------------

EVERY_ITEM_MODEL = """
id: every-item
version: 2
title: {nl: Elk soort vraag, en: Every kind of item}
description: {nl: Een model om mee te testen, en: A model to test with}
scale: {min: 1, max: 5, anchors: [{value: 1, label: {nl: Slecht, en: Poor}}, {value: 5, label: {nl: Goed, en: Good}}]}
closing:
  rankDomains: true
  items:
    - {linkId: closing.note, type: text, text: {nl: Nog iets?, en: Anything else?}}
domains:
  - id: daily
    title: {nl: Dagelijks leven, en: Daily life}
    description: {nl: Hoe de dag gaat, en: How the day goes}
    colour: "#336699"
    items:
      - {linkId: daily.info, type: display, text: {nl: Vraag door, en: Ask on}}
      - {linkId: daily.works, type: boolean, text: {nl: Werkt u?, en: Do you work?}}
      - {linkId: daily.hours, type: integer, text: {nl: Uren, en: Hours}}
      - {linkId: daily.weight, type: decimal, text: {nl: Gewicht, en: Weight}}
      - {linkId: daily.since, type: date, text: {nl: Sinds, en: Since}}
      - {linkId: daily.word, type: string, text: {nl: Eén woord, en: One word}}
      - {linkId: daily.story, type: text, text: {nl: Verhaal, en: Story}}
      - linkId: daily.mood
        type: choice
        text: {nl: Stemming, en: Mood}
        answerOptions:
          - {code: low, display: {nl: Somber, en: Low}, weight: 1}
          - {code: high, display: {nl: Goed, en: Good}, weight: 2.5}
      - linkId: daily.help
        type: choice
        repeats: true
        text: {nl: Hulp van, en: Help from}
        answerOptions:
          - {code: family, display: {nl: Familie, en: Family}}
          - {code: friends, display: {nl: Vrienden, en: Friends}}
          - {code: neighbours, display: {nl: Buren, en: Neighbours}}
  - id: money
    title: {nl: Geld, en: Money}
    description: {nl: Rondkomen, en: Making ends meet}
    colour: "#996633"
    scale: null
    items:
      - {linkId: money.debts, type: boolean, text: {nl: Schulden?, en: Debts?}}
"""

hostile = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(
    lambda s: s.strip()
)


@st.composite
def every_item_answers(draw) -> dict:
    answers = {
        "daily.works": draw(st.none() | st.booleans()),
        "daily.hours": draw(st.none() | st.integers(-1000, 1000)),
        "daily.weight": draw(st.none() | st.floats(-1e6, 1e6, allow_nan=False).map(lambda f: round(f, 3))),
        "daily.since": draw(st.none() | st.dates(date(1900, 1, 1), date(2026, 3, 1)).map(date.isoformat)),
        "daily.word": draw(st.none() | hostile.map(lambda s: " ".join(s.split()))),
        "daily.story": draw(st.none() | hostile),
        "daily.mood": draw(st.none() | st.sampled_from(["low", "high"])),
        "daily.help": draw(st.none() | st.lists(st.sampled_from(["family", "friends", "neighbours"]), unique=True)),
        "money.debts": draw(st.none() | st.booleans()),
        "closing.note": draw(st.none() | hostile),
    }
    return {k: v for k, v in answers.items() if v not in (None, [], "")}


@pytest.fixture(scope="module")
def every_item_practices(tmp_path_factory: pytest.TempPathFactory):
    from broadtalk.forms.library import import_model

    folder = tmp_path_factory.mktemp("every-item")
    model = folder / "every-item.yaml"
    model.write_text(EVERY_ITEM_MODEL, encoding="utf-8")
    practices = []
    for name in ("here", "there"):
        db = Database.open(folder / f"{name}.sqlite")
        with db.transaction() as tx:
            administrator = create_practitioner(tx, f"Beheerder {name}", Role.ADMINISTRATOR, now=NOW)
            import_model(tx, administrator, model, now=NOW)
            nurse = create_practitioner(tx, f"Verpleegkundige {name}", Role.PRACTICE_NURSE, now=NOW)
        practices.append((db, nurse))
    yield practices
    for db, _actor in practices:
        db.close()


@given(answers=every_item_answers(), score=st.none() | st.integers(1, 5), done=st.booleans(), draft=st.booleans())
@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
def test_every_kind_of_answer_moves_unchanged(answers, score, done, draft, every_item_practices):
    from broadtalk import conversations as conv
    from broadtalk.clients import ClientInput, create_client

    (here, admin), (there, importer) = every_item_practices
    with here.transaction() as tx:
        client = create_client(tx, admin, ClientInput("Zoë", "Ødegård", "01-02-1990", name_prefix="van"), now=NOW)
        conversation = conv.start_conversation(tx, admin, client.id, "every-item", 2, now=NOW).id
        for link_id, value in answers.items():
            conv.record_answer(tx, admin, conversation, link_id, value, now=NOW)
        conv.assess_domain(tx, admin, conversation, "daily", score=score, notes="<b>notitie</b>", now=NOW)
        conv.assess_domain(tx, admin, conversation, "money", own_words="Rood staan 😟", important=True, now=NOW)
        conv.rank_domains(tx, admin, conversation, ["money", "daily"], now=NOW)
        goal = conv.add_goal(tx, admin, conversation, "Schulden op een rij", domain_id="money", now=NOW)
        action = conv.add_action(tx, admin, conversation, "Bellen", who="Zoë", goal_id=goal.id, now=NOW)
        conv.add_action(tx, admin, conversation, "Los", domain_id="daily", due_date=date(2026, 4, 1), now=NOW)
        if not draft:
            conv.complete_conversation(tx, admin, conversation, duration_seconds=1800, now=NOW + timedelta(hours=1))
    if done:
        from broadtalk.client_history import set_action_done

        with here.transaction() as tx:
            set_action_done(tx, admin, action.id, True)
    bundle = exported(here, client.id)
    fhir.validate(bundle)
    moved = imported(there, importer, bundle)
    assert exported(there, moved) == bundle


def test_a_file_that_is_no_record_file_is_refused_by_name(tmp_path: Path):
    from broadtalk.interop.record import read_record_file

    with pytest.raises(InputError, match="does not exist"):
        read_record_file(tmp_path / "nothing.json")
    with pytest.raises(InputError, match="not an ordinary file"):
        read_record_file(tmp_path)
    with pytest.raises(InputError, match="not an ordinary file"):
        read_record_file(Path("/dev/zero"))
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024 + 1)
    with pytest.raises(InputError, match="too large"):
        read_record_file(huge)
    plain = tmp_path / "plain.json"
    plain.write_text("Dit is geen dossier.", encoding="utf-8")
    with pytest.raises(InputError, match="no valid JSON"):
        read_record_file(plain)
