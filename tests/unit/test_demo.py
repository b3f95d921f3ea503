"""Demo data: deterministic, varied, valid by the app's own rules, and never mixed into real data."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from broadtalk import client_search, i18n
from broadtalk.conversations import answers_to_drop_on_completion, check_score, normalise_answer
from broadtalk.demo import DemoReport, generate_demo
from broadtalk.errors import RefusedError
from broadtalk.forms.library import builtin_models
from broadtalk.practitioners import Role, create_practitioner, list_practitioners
from broadtalk.settings import PRACTICE_NAME, is_demo, read_setting
from broadtalk.store.database import Database
from broadtalk.store.tables import (
    Action,
    Answer,
    Client,
    Consent,
    Conversation,
    DomainAssessment,
    Goal,
    Practitioner,
    Referral,
)

TODAY = date(2026, 3, 2)
CLIENTS = 40
SEED = 7
DUTCH_PREFIXES = {"van", "de", "van der", "van den", "van de", "ter", "den", "in 't", "der", "te", "het", "'t"}


#: Not the demo's data: the search index is keyed hashes under a key random per database
#: (``client_search``), so two files of the same demo differ there by design.
RANDOM_PER_DATABASE = {"client_search_token"}


def _dump(path: Path) -> dict[str, list[tuple]]:
    """Every table of the file, every row, every column (but the search index and its key)."""
    connection = sqlite3.connect(path)
    try:
        names = [
            row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        return {
            name: [
                row
                for row in connection.execute(f'SELECT * FROM "{name}" ORDER BY rowid').fetchall()
                if not (name == "setting" and row[0] == client_search.KEY_SETTING)
            ]
            for name in names
            if name not in RANDOM_PER_DATABASE
        }
    finally:
        connection.close()


def _generate(path: Path, **kwargs) -> tuple[Database, DemoReport]:
    database = Database.open(path)
    options = {"clients": CLIENTS, "seed": SEED, "today": TODAY} | kwargs
    return database, generate_demo(database, **options)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, DemoReport]]:
    database, report = _generate(tmp_path_factory.mktemp("demo") / "demo.sqlite")
    yield database, report
    database.close()


@pytest.fixture(scope="module")
def demo_db(demo: tuple[Database, DemoReport]) -> Database:
    return demo[0]


# -- determinism ------------------------------------------------------------------------------


def test_the_same_seed_and_day_give_identical_databases(tmp_path: Path) -> None:
    first, first_report = _generate(tmp_path / "first.sqlite")
    second, second_report = _generate(tmp_path / "second.sqlite")
    first.close()
    second.close()

    assert first_report == second_report
    first_rows, second_rows = _dump(tmp_path / "first.sqlite"), _dump(tmp_path / "second.sqlite")
    assert set(first_rows) == set(second_rows)
    assert first_rows["client"]  # not trivially equal
    for table in first_rows:
        if table == "database_seal":  # every database has its own identity, and so its own seal
            continue
        assert first_rows[table] == second_rows[table], table


def test_a_different_seed_gives_different_data(tmp_path: Path) -> None:
    first, _ = _generate(tmp_path / "seed7.sqlite", seed=7)
    other, _ = _generate(tmp_path / "seed8.sqlite", seed=8)
    first.close()
    other.close()

    first_rows, other_rows = _dump(tmp_path / "seed7.sqlite"), _dump(tmp_path / "seed8.sqlite")
    assert first_rows["client"] != other_rows["client"]
    assert first_rows["conversation"] != other_rows["conversation"]
    assert first_rows["practitioner"] == other_rows["practitioner"]  # the team is the same in every demo


# -- what is in it ----------------------------------------------------------------------------


def test_the_report_matches_what_was_written(demo: tuple[Database, DemoReport]) -> None:
    database, report = demo
    with database.transaction() as tx:
        assert report.clients == CLIENTS == len(tx.exec(select(Client.id)).all())
        assert report.conversations == len(tx.exec(select(Conversation.id)).all())
        assert report.practitioners == len(tx.exec(select(Practitioner.id)).all())


def test_the_database_is_marked_as_demo_with_a_practice_and_practitioners(demo_db: Database) -> None:
    with demo_db.transaction() as tx:
        assert is_demo(tx)
        assert read_setting(tx, PRACTICE_NAME)
        practitioners = tx.exec(select(Practitioner)).all()
        conversation_practitioners = set(tx.exec(select(Conversation.practitioner_id)).all())

    assert len(practitioners) >= 2
    roles = {Role(p.role) for p in practitioners}
    assert Role.PRACTICE_NURSE in roles
    assert Role.SOCIAL_WORKER in roles
    by_id = {p.id: Role(p.role) for p in practitioners}
    assert conversation_practitioners <= set(by_id)
    assert {by_id[i] for i in conversation_practitioners} <= {Role.PRACTICE_NURSE, Role.SOCIAL_WORKER}


def test_the_practice_has_its_details_and_the_practitioners_their_direct_lines(demo_db: Database) -> None:
    from broadtalk.practitioners import check_contact, practitioner_contact
    from broadtalk.settings import check_practice_details, practice_details

    with demo_db.transaction() as tx:
        details = practice_details(tx)
        contacts = [practitioner_contact(tx, p.id) for p in list_practitioners(tx)]

    assert details.name == "Huisartsenpraktijk De Linde (demo)"
    assert details.address and details.postal_code and details.city and details.phone and details.agb
    assert check_practice_details(details) == details  # valid by the settings screen's own rules
    assert details.email.endswith((".example.nl", ".example.org", "@example.nl", "@example.org"))
    for contact in contacts:
        assert check_contact(contact.phone, contact.email) == (contact.phone, contact.email)
        assert contact.email.endswith(".example.nl")
        if contact.role in (Role.PRACTICE_NURSE, Role.SOCIAL_WORKER):
            assert contact.phone  # colleagues elsewhere reach the referrer directly
    assert len({c.phone for c in contacts if c.phone}) == len([c for c in contacts if c.phone])


def test_some_clients_have_another_gp_another_language_and_a_few_an_interpreter(demo_db: Database) -> None:
    with demo_db.transaction() as tx:
        clients = tx.exec(select(Client)).all()

    languages = Counter(c.language for c in clients)
    assert languages[""] > len(clients) // 2  # most prefer Dutch
    assert len(languages) >= 3  # and several other languages occur
    interpreters = [c for c in clients if c.interpreter_needed]
    assert interpreters
    assert all(c.language for c in interpreters)
    assert len(interpreters) < len([c for c in clients if c.language])
    with_gp = [c for c in clients if c.general_practitioner]
    assert 0 < len(with_gp) < len(clients) // 2


def test_referrals_vary_first_contact_contact_preference_and_the_pieces_chosen(demo_db: Database) -> None:
    from broadtalk.handover.content import WHAT_MATTERS_MOST

    with demo_db.transaction() as tx:
        referrals = tx.exec(select(Referral)).all()
        consents = tx.exec(select(Consent)).all()

    assert {r.first_contact for r in referrals} == {"recipient", "client", "practice"}
    preferences = [r for r in referrals if r.contact_preference]
    assert 0 < len(preferences) < len(referrals)
    chosen = [json.loads(c.pieces) for c in consents]
    with_what_matters = [p for p in chosen if WHAT_MATTERS_MOST in p]
    assert len(consents) // 4 <= len(with_what_matters) <= 3 * len(consents) // 4  # roughly half
    assert any(key.startswith("action:") for p in chosen for key in p)
    assert any(not p for p in chosen)


def test_every_client_has_one_to_three_conversations(demo_db: Database) -> None:
    with demo_db.transaction() as tx:
        client_ids = tx.exec(select(Client.id)).all()
        per_client = Counter(tx.exec(select(Conversation.client_id)).all())

    assert set(per_client) == set(client_ids)
    assert set(per_client.values()) <= {1, 2, 3}
    assert len(set(per_client.values())) > 1  # not everyone the same


def test_all_three_built_in_models_are_used(demo_db: Database) -> None:
    with demo_db.transaction() as tx:
        used = set(tx.exec(select(Conversation.model_id, Conversation.model_version)).all())

    assert used == {("positive-health", 1), ("four-domains", 1), ("self-sufficiency", 1)}


def test_names_include_diacritics_and_dutch_prefixes(demo_db: Database) -> None:
    with demo_db.transaction() as tx:
        clients = tx.exec(select(Client)).all()

    names = [f"{c.given_name} {c.family_name}" for c in clients]
    assert any(not name.isascii() for name in names)
    prefixes = {c.name_prefix for c in clients if c.name_prefix}
    assert prefixes
    assert prefixes <= DUTCH_PREFIXES
    assert any(not c.name_prefix for c in clients)
    for client in clients:
        assert client.birth_date < TODAY
        assert 18 <= (TODAY - client.birth_date).days // 365 <= 120


def test_some_conversations_are_drafts_and_most_are_completed(demo_db: Database) -> None:
    with demo_db.transaction() as tx:
        conversations = tx.exec(select(Conversation)).all()

    statuses = Counter(c.status for c in conversations)
    assert set(statuses) == {"draft", "completed"}
    assert statuses["completed"] > statuses["draft"] > 0
    for conversation in conversations:
        if conversation.status == "completed":
            assert conversation.completed_at is not None
            assert conversation.completed_at > conversation.started_at
            assert conversation.duration_seconds > 0
        else:
            assert conversation.completed_at is None
        assert conversation.started_at.date() <= TODAY


def test_goals_and_actions_exist_and_belong_to_their_conversation(demo_db: Database) -> None:
    with demo_db.transaction() as tx:
        goals = {g.id: g for g in tx.exec(select(Goal)).all()}
        actions = tx.exec(select(Action)).all()

    assert goals
    assert actions
    assert any(a.who for a in actions)
    assert any(a.due_date for a in actions)
    for action in actions:
        if action.goal_id is not None:
            assert goals[action.goal_id].conversation_id == action.conversation_id
            assert action.domain_id is None  # it has its goal's domain
    loose = [a for a in actions if a.goal_id is None]
    # Some actions serve no goal but have a domain of their own; a few have neither.
    assert any(a.domain_id for a in loose)
    assert any(a.domain_id is None for a in loose)
    assert len(loose) < len(actions) // 2


def test_the_demo_data_obeys_the_rules_of_the_models(demo_db: Database) -> None:
    models = {m.key: m for m in builtin_models()}
    with demo_db.transaction() as tx:
        conversations = {c.id: c for c in tx.exec(select(Conversation)).all()}
        assessments = tx.exec(select(DomainAssessment)).all()
        answers = tx.exec(select(Answer)).all()

    assert assessments
    assert answers
    for assessment in assessments:
        conversation = conversations[assessment.conversation_id]
        model = models[(conversation.model_id, conversation.model_version)]
        domain = model.domain(assessment.domain_id)
        assert domain is not None
        check_score(model, domain, assessment.score)
    by_conversation: dict[int, dict] = {}
    for answer in answers:
        conversation = conversations[answer.conversation_id]
        model = models[(conversation.model_id, conversation.model_version)]
        item = model.item(answer.link_id)
        assert item is not None
        value = json.loads(answer.value_json)
        assert normalise_answer(item, value) == value
        by_conversation.setdefault(answer.conversation_id, {})[answer.link_id] = value
    for conversation_id, given in by_conversation.items():
        conversation = conversations[conversation_id]
        if conversation.status == "completed":
            model = models[(conversation.model_id, conversation.model_version)]
            assert answers_to_drop_on_completion(model, given) == []
    scored = {a.conversation_id for a in assessments if a.score is not None}
    assert all(conversations[c].model_id != "four-domains" for c in scored)
    assert any(a.priority_rank for a in assessments)


# -- refusing and small runs ------------------------------------------------------------------


def test_a_second_run_into_the_same_database_is_refused_and_adds_nothing(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite"
    database, _ = _generate(path, clients=5)
    database.close()
    before = _dump(path)

    database = Database.open(path)
    i18n.set_language("en")
    try:
        with pytest.raises(RefusedError, match="already in use") as caught:
            generate_demo(database, clients=5, seed=99, today=TODAY)
        assert "new database" in caught.value.message
    finally:
        database.close()

    assert _dump(path) == before


def test_a_database_with_practitioners_but_no_clients_is_refused_too(tmp_path: Path) -> None:
    database = Database.open(tmp_path / "real.sqlite")
    try:
        with database.transaction() as tx:
            create_practitioner(tx, "Echte Hulpverlener", Role.SOCIAL_WORKER)
        with pytest.raises(RefusedError):
            generate_demo(database, clients=3, seed=1, today=TODAY)
        with database.transaction() as tx:
            assert not is_demo(tx)
            assert len(list_practitioners(tx)) == 1
    finally:
        database.close()


def test_zero_clients_gives_a_demo_database_without_clients(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    database, report = _generate(tmp_path / "empty-demo.sqlite", clients=0, progress=lambda *a: calls.append(a))
    try:
        with database.transaction() as tx:
            assert is_demo(tx)
            assert tx.exec(select(Client.id)).all() == []
            assert tx.exec(select(Conversation.id)).all() == []
            assert len(tx.exec(select(Practitioner.id)).all()) == report.practitioners > 0
    finally:
        database.close()

    assert (report.clients, report.conversations) == (0, 0)
    assert calls == []


def test_progress_is_reported_up_to_the_total(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    database, _ = _generate(tmp_path / "progress.sqlite", clients=3, progress=lambda *a: calls.append(a))
    database.close()

    assert calls[-1] == (3, 3)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_demo_has_a_social_map_and_referrals_in_every_state_with_withdrawn_and_expired_consent(tmp_path: Path) -> None:
    from broadtalk.referral_steps import ORDER
    from broadtalk.referrals import list_referrals
    from broadtalk.social_map import list_offerings

    database, report = _generate(tmp_path / "referrals.sqlite", clients=60)
    try:
        with database.transaction() as tx:
            nurse = next(p for p in list_practitioners(tx) if p.role == Role.PRACTICE_NURSE)
            referrals = list_referrals(tx, nurse, today=TODAY)
            offerings = list_offerings(tx, today=TODAY)
            overdue = list_referrals(tx, nurse, overdue_only=True, today=TODAY)
    finally:
        database.close()
    assert report.referrals == len(referrals) > 0
    assert {r.status for r in referrals} >= {*ORDER, "declined"}
    assert {r.consent_status(TODAY) for r in referrals} == {"given", "withdrawn", "expired", "none"}
    assert any(o.stale for o in offerings) and any(not o.stale for o in offerings)
    assert 0 < len(overdue) <= len(referrals) // 4  # a handful, not half the list


def test_demo_handovers_share_one_two_or_more_scored_domains_from_every_model(tmp_path: Path) -> None:
    from broadtalk.handover.content import load_handover
    from broadtalk.referrals import list_referrals

    database, _ = _generate(tmp_path / "handovers.sqlite", clients=60)
    try:
        with database.transaction() as tx:
            nurse = next(p for p in list_practitioners(tx) if p.role == Role.PRACTICE_NURSE)
            models = {r.id: tx.get(Conversation, r.conversation_id).model_id for r in tx.exec(select(Referral)).all()}
            given = [r for r in list_referrals(tx, nurse, today=TODAY) if r.consent_status(TODAY) == "given"]
            contents = {r.id: load_handover(tx, nurse, r.id, today=TODAY) for r in given}
    finally:
        database.close()

    assert set(models.values()) == {"positive-health", "four-domains", "self-sufficiency"}
    scored = Counter(len(c.scored_domains()) for c in contents.values())
    assert scored[1] and scored[2]  # the bar chart
    assert any(count >= 3 for count in scored)  # the full chart
    charted = {models[i] for i, c in contents.items() if c.scored_domains()}
    assert charted == {"positive-health", "self-sufficiency"}
    # What the client saw at consent is what the recipient gets: nothing changed or left out.
    assert all(not c.changed_after_consent and c.pieces_left_out == 0 for c in contents.values())
    assert any(c.what_matters_most for c in contents.values())
    assert any(not c.what_matters_most for c in contents.values())
    assert {c.first_contact for c in contents.values()} >= {"recipient", "client", "practice"}


def test_every_demo_practitioner_signs_in_with_the_demo_pin(demo_db: Database) -> None:
    from broadtalk.demo import DEMO_SECRET
    from broadtalk.sign_in import can_sign_in, sign_in

    with demo_db.transaction() as tx:
        everyone = list_practitioners(tx)
        assert {a.id for a in can_sign_in(tx)} == {a.id for a in everyone}
    assert DEMO_SECRET == "12345"
    for practitioner in everyone:
        assert sign_in(demo_db, practitioner.id, DEMO_SECRET) == practitioner


def test_the_demo_writes_an_intact_audit_trail_through_its_use_cases(demo_db: Database) -> None:
    from broadtalk.audit import verify_chain
    from broadtalk.store.tables import AuditEntry

    with demo_db.transaction() as tx:
        report = verify_chain(tx)
        created = tx.exec(select(AuditEntry).where(AuditEntry.action == "create")).all()
        conversations = tx.exec(select(Conversation.id)).all()

    assert report.intact
    kinds = Counter(entry.object_type for entry in created)
    assert kinds["client"] == CLIENTS
    assert kinds["conversation"] == len(conversations)
    assert kinds["referral"] and kinds["consent"] and kinds["organisation"] and kinds["offering"]
    assert all(entry.practitioner_id is not None for entry in created)
