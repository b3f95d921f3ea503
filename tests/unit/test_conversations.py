"""The broad conversation: answers, domains, ranking, goals and actions, completing, reading back;
and recording a whole conversation in one go."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, func, select

from broadtalk import i18n
from broadtalk.clients import ClientInput, create_client
from broadtalk.conversation_records import (
    ActionEntry,
    ConversationContent,
    DomainEntry,
    GoalEntry,
    record_conversation,
)
from broadtalk.conversations import (
    MAX_TEXT,
    UNSET,
    ActionView,
    AssessmentView,
    ConversationSnapshot,
    ConversationSummary,
    GoalView,
    add_action,
    add_goal,
    assess_domain,
    complete_conversation,
    list_conversations,
    load_conversation,
    normalise_answer,
    rank_domains,
    record_answer,
    remove_action,
    remove_goal,
    set_closing,
    start_conversation,
)
from broadtalk.errors import InputError, NotFoundError, RefusedError
from broadtalk.forms.schema import Item
from broadtalk.practitioners import Actor
from broadtalk.store.database import Database
from broadtalk.store.tables import Action, Answer, Conversation, DomainAssessment, Goal

NOW = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)  # as in conftest
LATER = NOW + timedelta(minutes=50)
TABLES = (Conversation, Answer, DomainAssessment, Goal, Action)


@pytest.fixture
def client_id(db: Database, actor: Actor) -> int:
    with db.transaction() as tx:
        return create_client(tx, actor, ClientInput("Jan", "Berg", "07-03-1951", name_prefix="van der"), now=NOW).id


def _start(db: Database, actor: Actor, client_id: int, model_id: str, version: int = 1) -> int:
    with db.transaction() as tx:
        return start_conversation(tx, actor, client_id, model_id, version, now=NOW).id


@pytest.fixture
def health(db: Database, actor: Actor, client_id: int) -> int:
    """A draft conversation with the positive-health model (scored 0-10)."""
    return _start(db, actor, client_id, "positive-health")


@pytest.fixture
def four_d(db: Database, actor: Actor, client_id: int) -> int:
    """A draft conversation with the four-domains model (unscored, ranked)."""
    return _start(db, actor, client_id, "four-domains")


@pytest.fixture
def zrm(db: Database, actor: Actor, client_id: int) -> int:
    """A draft conversation with the self-sufficiency model (scored 1-5 per domain)."""
    return _start(db, actor, client_id, "self-sufficiency")


def _load(db: Database, actor: Actor, conversation_id: int) -> ConversationSnapshot:
    with db.transaction() as tx:
        return load_conversation(tx, actor, conversation_id)


def _run(db: Database, use_case: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with db.transaction() as tx:
        return use_case(tx, *args, **kwargs)


def _counts(tx: Session) -> dict[str, int]:
    return {table.__tablename__: tx.exec(select(func.count()).select_from(table)).one() for table in TABLES}


def _db_counts(db: Database) -> dict[str, int]:
    with db.transaction() as tx:
        return _counts(tx)


# -- starting ---------------------------------------------------------------------------------


@pytest.mark.parametrize("model_id", ["positive-health", "four-domains", "self-sufficiency"])
def test_a_conversation_is_pinned_to_the_model_id_and_version(
    db: Database, actor: Actor, client_id: int, model_id: str
) -> None:
    with db.transaction() as tx:
        summary = start_conversation(tx, actor, client_id, model_id, 1, now=NOW)

    assert (summary.model_id, summary.model_version) == (model_id, 1)
    assert summary.status == "draft"
    assert not summary.is_completed
    assert summary.started_at == NOW
    assert summary.completed_at is None
    assert summary.client_id == client_id
    assert summary.practitioner_id == actor.id
    assert _load(db, actor, summary.id).summary == summary


@pytest.mark.parametrize(("model_id", "version"), [("no-such-model", 1), ("positive-health", 2)])
def test_starting_with_an_unknown_model_is_refused(
    db: Database, actor: Actor, client_id: int, model_id: str, version: int
) -> None:
    i18n.set_language("en")
    with pytest.raises(NotFoundError, match="is not available here"), db.transaction() as tx:
        start_conversation(tx, actor, client_id, model_id, version, now=NOW)

    assert _db_counts(db)["conversation"] == 0


def test_starting_for_an_unknown_client_is_refused(db: Database, actor: Actor) -> None:
    with pytest.raises(NotFoundError), db.transaction() as tx:
        start_conversation(tx, actor, 4242, "positive-health", 1, now=NOW)

    assert _db_counts(db)["conversation"] == 0


def test_list_conversations_gives_a_clients_conversations_newest_first(
    db: Database, actor: Actor, client_id: int
) -> None:
    with db.transaction() as tx:
        old = start_conversation(tx, actor, client_id, "four-domains", 1, now=NOW - timedelta(days=90))
        new = start_conversation(tx, actor, client_id, "positive-health", 1, now=NOW)
        middle = start_conversation(tx, actor, client_id, "self-sufficiency", 1, now=NOW - timedelta(days=30))
        other = create_client(tx, actor, ClientInput("Anna", "Bakker", "01-01-1980"), now=NOW)

    with db.transaction() as tx:
        assert [c.id for c in list_conversations(tx, actor, client_id)] == [new.id, middle.id, old.id]
        assert list_conversations(tx, actor, other.id) == []


# -- answers ----------------------------------------------------------------------------------


def test_a_choice_answer_is_stored_by_its_code(db: Database, actor: Actor, health: int) -> None:
    stored = _run(db, record_answer, actor, health, "bodily-functions.work-on", "maybe-later", now=NOW)

    assert stored == "maybe-later"
    assert _load(db, actor, health).answers == {"bodily-functions.work-on": "maybe-later"}


@pytest.mark.parametrize("value", ["perhaps", "Yes", "ja", ["yes", "no"]])
def test_a_choice_answer_must_be_one_existing_code(db: Database, actor: Actor, health: int, value: Any) -> None:
    with pytest.raises(InputError), db.transaction() as tx:
        record_answer(tx, actor, health, "bodily-functions.work-on", value, now=NOW)

    assert _load(db, actor, health).answers == {}


def test_a_repeating_choice_is_stored_as_a_list_in_option_order(db: Database, actor: Actor, zrm: int) -> None:
    stored = _run(db, record_answer, actor, zrm, "finances.carried-by", ["professional", "person", "person"], now=NOW)
    single = _run(db, record_answer, actor, zrm, "housing.carried-by", "network", now=NOW)

    assert stored == ["person", "professional"]
    assert single == ["network"]
    assert _load(db, actor, zrm).answers == {
        "finances.carried-by": ["person", "professional"],
        "housing.carried-by": ["network"],
    }
    with pytest.raises(InputError), db.transaction() as tx:
        record_answer(tx, actor, zrm, "finances.carried-by", ["person", "neighbour"], now=NOW)
    assert _load(db, actor, zrm).answers["finances.carried-by"] == ["person", "professional"]


def test_text_answers_are_cleaned(db: Database, actor: Actor, health: int, zrm: int) -> None:
    block = _run(db, record_answer, actor, health, "bodily-functions.going-well", "  Goed\r\nslapen \x07 ", now=NOW)
    line = _run(db, record_answer, actor, zrm, "finances.professional", "  Schuldhulp \n  Utrecht\t", now=NOW)

    assert block == "Goed\nslapen"  # a text keeps its line breaks
    assert line == "Schuldhulp Utrecht"  # a string is one line
    assert _load(db, actor, health).answers == {"bodily-functions.going-well": "Goed\nslapen"}


@pytest.mark.parametrize(
    ("fixture", "link_id", "limit"),
    [("zrm", "finances.professional", 200), ("health", "bodily-functions.going-well", MAX_TEXT)],
)
def test_a_text_answer_longer_than_the_limit_is_refused(
    request: pytest.FixtureRequest, db: Database, actor: Actor, fixture: str, link_id: str, limit: int
) -> None:
    conversation_id = request.getfixturevalue(fixture)
    i18n.set_language("en")

    assert _run(db, record_answer, actor, conversation_id, link_id, "x" * limit, now=NOW) == "x" * limit
    with pytest.raises(InputError, match=f"longer than {limit} characters"), db.transaction() as tx:
        record_answer(tx, actor, conversation_id, link_id, "y" * (limit + 1), now=NOW)

    assert _load(db, actor, conversation_id).answers == {link_id: "x" * limit}


def test_an_answer_to_an_unknown_item_is_refused(db: Database, actor: Actor, health: int) -> None:
    i18n.set_language("en")
    with pytest.raises(InputError, match=r"has no item 'body\.going-on'"), db.transaction() as tx:
        record_answer(tx, actor, health, "body.going-on", "Hoofdpijn", now=NOW)  # an item of the 4D model

    assert _db_counts(db)["answer"] == 0


def test_a_date_answer_is_stored_as_an_iso_date(db: Database, actor: Actor, four_d: int) -> None:
    assert _run(db, record_answer, actor, four_d, "closing.follow-up", date(2026, 4, 13), now=NOW) == "2026-04-13"
    assert _run(db, record_answer, actor, four_d, "closing.follow-up", "2026-05-01", now=NOW) == "2026-05-01"
    with pytest.raises(InputError), db.transaction() as tx:
        record_answer(tx, actor, four_d, "closing.follow-up", "over zes weken", now=NOW)

    assert _load(db, actor, four_d).answers == {"closing.follow-up": "2026-05-01"}


@pytest.mark.parametrize("empty", ["", None, [], "   \n "])
def test_an_empty_answer_deletes_the_stored_one(db: Database, actor: Actor, health: int, empty: Any) -> None:
    _run(db, record_answer, actor, health, "bodily-functions.going-well", "Ik wandel elke dag", now=NOW)
    _run(db, record_answer, actor, health, "bodily-functions.work-on", "yes", now=NOW)

    assert _run(db, record_answer, actor, health, "bodily-functions.going-well", empty, now=LATER) is None

    assert _load(db, actor, health).answers == {"bodily-functions.work-on": "yes"}
    assert _db_counts(db)["answer"] == 1


def test_changing_an_answer_replaces_it_and_touches_the_conversation(db: Database, actor: Actor, health: int) -> None:
    _run(db, record_answer, actor, health, "bodily-functions.work-on", "yes", now=NOW)
    _run(db, record_answer, actor, health, "bodily-functions.work-on", "no", now=LATER)

    assert _load(db, actor, health).answers == {"bodily-functions.work-on": "no"}
    with db.transaction() as tx:
        assert tx.get(Conversation, health).updated_at == LATER
        rows = tx.exec(select(Answer)).all()
    assert [(r.link_id, json.loads(r.value_json), r.updated_at) for r in rows] == [
        ("bodily-functions.work-on", "no", LATER)
    ]


def _item(kind: str, **extra: Any) -> Item:
    return Item.model_validate({"linkId": "x", "type": kind, "text": {"nl": "Vraag", "en": "Question"}, **extra})


@pytest.mark.parametrize(
    ("kind", "value", "stored"),
    [
        ("integer", 7, 7),
        ("integer", "7", 7),
        ("integer", 0, 0),
        ("integer", 7.0, 7),
        ("decimal", "2,5", 2.5),
        ("decimal", 3, 3.0),
        ("boolean", True, True),
        ("boolean", False, False),
        ("date", date(2026, 3, 2), "2026-03-02"),
        ("string", " a \n b ", "a b"),
        ("text", "  a \n b ", "a \n b"),
        ("text", "", None),
    ],
)
def test_normalise_answer_stores_each_item_type_in_its_plain_form(kind: str, value: Any, stored: Any) -> None:
    result = normalise_answer(_item(kind), value)

    assert result == stored
    assert type(result) is type(stored)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("integer", "7,5"),
        ("integer", "zeven"),
        ("integer", True),
        ("integer", float("nan")),
        ("decimal", "inf"),
        ("decimal", False),
        ("boolean", "yes"),
        ("boolean", 1),
        ("date", "02-03-2026"),
        ("display", "anything"),
    ],
)
def test_normalise_answer_refuses_a_value_that_does_not_fit_the_item_type(kind: str, value: Any) -> None:
    with pytest.raises(InputError):
        normalise_answer(_item(kind), value)


# -- domains ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "domain_id", "lowest", "highest"),
    [("health", "bodily-functions", 0, 10), ("zrm", "finances", 1, 5)],
)
def test_a_score_must_lie_on_the_domains_scale(
    request: pytest.FixtureRequest, db: Database, actor: Actor, fixture: str, domain_id: str, lowest: int, highest: int
) -> None:
    conversation_id = request.getfixturevalue(fixture)
    i18n.set_language("en")

    for good in (lowest, highest):
        assert _run(db, assess_domain, actor, conversation_id, domain_id, score=good, now=NOW).score == good
    for bad in (lowest - 1, highest + 1, 2.5, "3"):
        with pytest.raises(InputError, match=f"whole number from {lowest} to {highest}"), db.transaction() as tx:
            assess_domain(tx, actor, conversation_id, domain_id, score=bad, now=NOW)

    assert _load(db, actor, conversation_id).scores() == {domain_id: highest}


def test_a_bool_is_not_a_score(db: Database, actor: Actor, health: int) -> None:
    with pytest.raises(InputError), db.transaction() as tx:
        assess_domain(tx, actor, health, "mental-wellbeing", score=True, now=NOW)

    assert _load(db, actor, health).assessments == {}


def test_a_score_on_the_unscored_four_domain_model_is_refused(db: Database, actor: Actor, four_d: int) -> None:
    i18n.set_language("en")
    with pytest.raises(InputError, match="is not scored in this model"), db.transaction() as tx:
        assess_domain(tx, actor, four_d, "body", score=3, now=NOW)

    assert _load(db, actor, four_d).assessments == {}
    view = _run(db, assess_domain, actor, four_d, "body", score=None, notes="Rugpijn", now=NOW)
    assert (view.score, view.notes) == (None, "Rugpijn")


def test_assess_domain_of_an_unknown_domain_is_refused(db: Database, actor: Actor, health: int) -> None:
    with pytest.raises(InputError), db.transaction() as tx:
        assess_domain(tx, actor, health, "body", notes="x", now=NOW)

    assert _db_counts(db)["domain_assessment"] == 0


def test_assess_domain_changes_only_the_fields_it_is_given(db: Database, actor: Actor, health: int) -> None:
    _run(
        db,
        assess_domain,
        actor,
        health,
        "participation",
        score=4,
        notes="Weinig contact",
        own_words="Ik zit veel alleen",
        important=True,
        now=NOW,
    )

    after_notes = _run(db, assess_domain, actor, health, "participation", notes="  Buurthuis\r\ngenoemd ", now=LATER)
    after_score = _run(db, assess_domain, actor, health, "participation", score=None, now=LATER)
    after_flag = _run(db, assess_domain, actor, health, "participation", important=False, score=UNSET, now=LATER)

    assert after_notes == AssessmentView("participation", 4, "Buurthuis\ngenoemd", "Ik zit veel alleen", True, None)
    assert after_score == AssessmentView("participation", None, "Buurthuis\ngenoemd", "Ik zit veel alleen", True, None)
    assert after_flag == AssessmentView("participation", None, "Buurthuis\ngenoemd", "Ik zit veel alleen", False, None)
    assert _load(db, actor, health).assessments == {"participation": after_flag}


def test_domain_notes_longer_than_the_limit_are_refused(db: Database, actor: Actor, health: int) -> None:
    with pytest.raises(InputError), db.transaction() as tx:
        assess_domain(tx, actor, health, "participation", own_words="x" * (MAX_TEXT + 1), now=NOW)

    assert _load(db, actor, health).assessments == {}


def test_rank_domains_stores_1_to_n_in_the_given_order(db: Database, actor: Actor, four_d: int) -> None:
    _run(db, assess_domain, actor, four_d, "social", notes="Eenzaam", now=NOW)

    _run(db, rank_domains, actor, four_d, ["societal", "mind", "body"], now=NOW)

    ranks = {d: a.priority_rank for d, a in _load(db, actor, four_d).assessments.items()}
    assert ranks == {"societal": 1, "mind": 2, "body": 3, "social": None}
    assert _load(db, actor, four_d).assessments["social"].notes == "Eenzaam"


def test_rank_domains_clears_the_rank_of_domains_left_out(db: Database, actor: Actor, four_d: int) -> None:
    _run(db, rank_domains, actor, four_d, ["societal", "mind", "body"], now=NOW)

    _run(db, rank_domains, actor, four_d, ["body"], now=LATER)
    assert {d: a.priority_rank for d, a in _load(db, actor, four_d).assessments.items()} == {
        "societal": None,
        "mind": None,
        "body": 1,
    }

    _run(db, rank_domains, actor, four_d, [], now=LATER)
    assert {a.priority_rank for a in _load(db, actor, four_d).assessments.values()} == {None}


@pytest.mark.parametrize("order", [["mind", "body", "mind"], ["mind", "finances"]])
def test_rank_domains_refuses_a_duplicate_or_unknown_domain_and_keeps_the_old_order(
    db: Database, actor: Actor, four_d: int, order: list[str]
) -> None:
    _run(db, rank_domains, actor, four_d, ["body", "mind"], now=NOW)

    with pytest.raises(InputError), db.transaction() as tx:
        rank_domains(tx, actor, four_d, order, now=LATER)

    assert {d: a.priority_rank for d, a in _load(db, actor, four_d).assessments.items()} == {"body": 1, "mind": 2}


# -- closing: what matters most, goals, actions -----------------------------------------------


def test_set_closing_stores_what_matters_most_and_the_follow_up_date(db: Database, actor: Actor, health: int) -> None:
    _run(db, set_closing, actor, health, what_matters_most="  Weer\r\nfietsen \x00", follow_up_date=date(2026, 4, 13))
    _run(db, set_closing, actor, health, follow_up_date=date(2026, 5, 1))  # what matters most stays

    snapshot = _load(db, actor, health)
    assert snapshot.what_matters_most == "Weer\nfietsen"
    assert snapshot.follow_up_date == date(2026, 5, 1)

    with pytest.raises(InputError), db.transaction() as tx:
        set_closing(tx, actor, health, follow_up_date=NOW.date() - timedelta(days=1))
    assert _load(db, actor, health).follow_up_date == date(2026, 5, 1)


def test_goals_and_actions_record_what_who_and_by_when(db: Database, actor: Actor, health: int) -> None:
    with db.transaction() as tx:
        goal = add_goal(tx, actor, health, " Weer naar de markt fietsen ", domain_id="bodily-functions", now=NOW)
        second = add_goal(tx, actor, health, "Iemand om mee te praten", now=NOW)
        action = add_action(
            tx, actor, health, "Fietsmaatje zoeken", who=" Jan ", due_date=date(2026, 3, 16), goal_id=goal.id, now=NOW
        )
        loose = add_action(tx, actor, health, "Bellen met de fysiotherapeut", now=NOW)

    assert goal == GoalView(goal.id, "Weer naar de markt fietsen", "bodily-functions", 1)
    assert second.position == 2
    assert action == ActionView(action.id, "Fietsmaatje zoeken", "Jan", date(2026, 3, 16), goal.id, False, 1)
    assert (loose.goal_id, loose.who, loose.due_date, loose.position) == (None, "", None, 2)
    snapshot = _load(db, actor, health)
    assert snapshot.goals == [goal, second]
    assert snapshot.actions == [action, loose]


@pytest.mark.parametrize("text", ["", "   ", "\n\t\x00"])
def test_an_empty_goal_or_action_is_refused(db: Database, actor: Actor, health: int, text: str) -> None:
    i18n.set_language("en")
    with pytest.raises(InputError, match="The goal is empty"), db.transaction() as tx:
        add_goal(tx, actor, health, text, now=NOW)
    with pytest.raises(InputError, match="The action is empty"), db.transaction() as tx:
        add_action(tx, actor, health, text, who="POH", now=NOW)

    assert _db_counts(db)["goal"] == _db_counts(db)["action"] == 0


def test_a_goal_for_an_unknown_domain_and_an_action_due_before_the_conversation_are_refused(
    db: Database, actor: Actor, health: int
) -> None:
    with pytest.raises(InputError), db.transaction() as tx:
        add_goal(tx, actor, health, "Beter slapen", domain_id="mind", now=NOW)
    with pytest.raises(InputError), db.transaction() as tx:
        add_action(tx, actor, health, "Slaapdagboek", due_date=NOW.date() - timedelta(days=1), now=NOW)

    assert _db_counts(db)["goal"] == _db_counts(db)["action"] == 0


def test_an_action_for_a_goal_of_another_conversation_is_refused(
    db: Database, actor: Actor, health: int, four_d: int
) -> None:
    i18n.set_language("en")
    other_goal = _run(db, add_goal, actor, four_d, "Schulden op een rij", domain_id="societal", now=NOW)

    with pytest.raises(InputError, match="not part of this conversation"), db.transaction() as tx:
        add_action(tx, actor, health, "Formulieren invullen", goal_id=other_goal.id, now=NOW)
    with pytest.raises(InputError), db.transaction() as tx:
        add_action(tx, actor, health, "Formulieren invullen", goal_id=4242, now=NOW)

    assert _load(db, actor, health).actions == []
    assert _db_counts(db)["action"] == 0


def test_removing_a_goal_keeps_its_actions_without_the_goal(db: Database, actor: Actor, health: int) -> None:
    goal = _run(db, add_goal, actor, health, "Beter slapen", now=NOW)
    action = _run(db, add_action, actor, health, "Slaapdagboek bijhouden", goal_id=goal.id, now=NOW)

    _run(db, remove_goal, actor, health, goal.id)

    snapshot = _load(db, actor, health)
    assert snapshot.goals == []
    assert snapshot.actions == [dataclasses.replace(action, goal_id=None)]


def test_removing_an_action_or_a_goal_of_another_conversation_is_refused(
    db: Database, actor: Actor, health: int, four_d: int
) -> None:
    goal = _run(db, add_goal, actor, health, "Beter slapen", now=NOW)
    action = _run(db, add_action, actor, health, "Slaapdagboek", now=NOW)

    with pytest.raises(NotFoundError), db.transaction() as tx:
        remove_goal(tx, actor, four_d, goal.id)
    with pytest.raises(NotFoundError), db.transaction() as tx:
        remove_action(tx, actor, four_d, action.id)
    assert (len(_load(db, actor, health).goals), len(_load(db, actor, health).actions)) == (1, 1)

    _run(db, remove_action, actor, health, action.id)
    assert _load(db, actor, health).actions == []
    assert _load(db, actor, health).goals == [goal]


# -- completing -------------------------------------------------------------------------------


def test_completing_drops_answers_of_items_that_are_hidden_by_enable_when(
    db: Database, actor: Actor, health: int
) -> None:
    for link_id, value in [
        ("bodily-functions.work-on", "yes"),
        ("bodily-functions.change", "Meer bewegen"),
        ("mental-wellbeing.work-on", "yes"),
        ("mental-wellbeing.change", "Rust vinden"),
        ("bodily-functions.work-on", "no"),  # the change question is hidden again
    ]:
        _run(db, record_answer, actor, health, link_id, value, now=NOW)
    assert "bodily-functions.change" in _load(db, actor, health).answers  # a draft keeps it, in case of a slip

    summary = _run(db, complete_conversation, actor, health, duration_seconds=2700, now=LATER)

    assert summary.status == "completed"
    assert summary.is_completed
    assert summary.completed_at == LATER
    snapshot = _load(db, actor, health)
    assert snapshot.answers == {
        "bodily-functions.work-on": "no",
        "mental-wellbeing.work-on": "yes",
        "mental-wellbeing.change": "Rust vinden",
    }
    assert snapshot.duration_seconds == 2700
    assert snapshot.summary == summary


def test_completing_with_a_negative_duration_is_refused_and_leaves_a_draft(
    db: Database, actor: Actor, health: int
) -> None:
    with pytest.raises(InputError), db.transaction() as tx:
        complete_conversation(tx, actor, health, duration_seconds=-1, now=LATER)

    snapshot = _load(db, actor, health)
    assert snapshot.summary.status == "draft"
    assert snapshot.duration_seconds == 0


def _edits(actor: Actor, conversation_id: int, goal_id: int, action_id: int) -> list[Callable[[Session], Any]]:
    return [
        lambda tx: record_answer(tx, actor, conversation_id, "bodily-functions.going-well", "Anders", now=LATER),
        lambda tx: record_answer(tx, actor, conversation_id, "bodily-functions.going-well", "", now=LATER),
        lambda tx: assess_domain(tx, actor, conversation_id, "bodily-functions", score=9, now=LATER),
        lambda tx: assess_domain(tx, actor, conversation_id, "participation", notes="Nieuw", now=LATER),
        lambda tx: rank_domains(tx, actor, conversation_id, ["participation"], now=LATER),
        lambda tx: set_closing(tx, actor, conversation_id, what_matters_most="Iets anders", now=LATER),
        lambda tx: add_goal(tx, actor, conversation_id, "Nog een doel", now=LATER),
        lambda tx: add_action(tx, actor, conversation_id, "Nog een actie", now=LATER),
        lambda tx: remove_goal(tx, actor, conversation_id, goal_id),
        lambda tx: remove_action(tx, actor, conversation_id, action_id),
        lambda tx: complete_conversation(tx, actor, conversation_id, duration_seconds=60, now=LATER),
    ]


def test_a_completed_conversation_refuses_every_edit_and_nothing_changes(
    db: Database, actor: Actor, health: int
) -> None:
    i18n.set_language("en")
    _run(db, record_answer, actor, health, "bodily-functions.going-well", "Ik wandel", now=NOW)
    _run(db, assess_domain, actor, health, "bodily-functions", score=6, notes="Moe", now=NOW)
    _run(db, set_closing, actor, health, what_matters_most="Weer fietsen", follow_up_date=date(2026, 4, 13))
    goal = _run(db, add_goal, actor, health, "Fitter worden", now=NOW)
    action = _run(db, add_action, actor, health, "Elke dag wandelen", goal_id=goal.id, now=NOW)
    _run(db, complete_conversation, actor, health, duration_seconds=1800, now=NOW + timedelta(minutes=30))
    before = _load(db, actor, health)
    counts = _db_counts(db)

    edits = _edits(actor, health, goal.id, action.id)
    for edit in edits:
        with pytest.raises(RefusedError, match="completed and can no longer be changed"), db.transaction() as tx:
            edit(tx)

    assert _load(db, actor, health) == before
    assert _db_counts(db) == counts
    with db.transaction() as tx:
        assert tx.get(Conversation, health).updated_at == NOW + timedelta(minutes=30)


def test_load_conversation_returns_plain_frozen_dataclasses(db: Database, actor: Actor, four_d: int) -> None:
    _run(db, record_answer, actor, four_d, "body.going-on", "Rugpijn", now=NOW)
    _run(db, assess_domain, actor, four_d, "body", own_words="Mijn rug", important=True, now=NOW)
    _run(db, rank_domains, actor, four_d, ["body"], now=NOW)
    goal = _run(db, add_goal, actor, four_d, "Minder pijn", domain_id="body", now=NOW)
    _run(db, add_action, actor, four_d, "Fysiotherapie", who="Jan", goal_id=goal.id, now=NOW)

    snapshot = _load(db, actor, four_d)  # read after its transaction has ended

    assert type(snapshot) is ConversationSnapshot
    assert type(snapshot.summary) is ConversationSummary
    assert snapshot.answers == {"body.going-on": "Rugpijn"}
    assert snapshot.assessments == {"body": AssessmentView("body", None, "", "Mijn rug", True, 1)}
    assert all(type(g) is GoalView for g in snapshot.goals)
    assert all(type(a) is ActionView for a in snapshot.actions)
    assert snapshot.scores() == {}
    for value in (snapshot, snapshot.summary, *snapshot.assessments.values(), *snapshot.goals, *snapshot.actions):
        assert dataclasses.is_dataclass(value)
        with pytest.raises(dataclasses.FrozenInstanceError):
            value.__setattr__(dataclasses.fields(value)[0].name, None)


def test_load_conversation_of_an_unknown_id_is_not_found(db: Database, actor: Actor) -> None:
    with pytest.raises(NotFoundError), db.transaction() as tx:
        load_conversation(tx, actor, 4242)


# -- recording a whole conversation -----------------------------------------------------------


def _content(**changes: Any) -> ConversationContent:
    content = ConversationContent(
        model_id="positive-health",
        model_version=1,
        started_at=NOW,
        answers={
            "bodily-functions.work-on": "no",
            "bodily-functions.change": "Verborgen",
            "participation.work-on": "yes",
            "participation.change": " Vaker  naar\r\nhet buurthuis ",
            "closing.most-important": "Mensen zien",
        },
        domains=[
            DomainEntry("bodily-functions", score=7, notes="Slaapt goed"),
            DomainEntry("participation", score=3, own_words="Ik zie niemand", important=True),
        ],
        what_matters_most="Mensen zien",
        follow_up_date=date(2026, 4, 13),
        goals=[
            GoalEntry(
                "Meer contact",
                "participation",
                [ActionEntry("Buurthuis bezoeken", "Jan", date(2026, 3, 9)), ActionEntry("Welzijnswerk bellen", "POH")],
            )
        ],
        actions=[ActionEntry("Terugkomen", "POH", date(2026, 4, 13))],
        completed_at=LATER,
        duration_seconds=3000,
    )
    return dataclasses.replace(content, **changes)


def test_record_conversation_writes_a_whole_completed_conversation(db: Database, actor: Actor, client_id: int) -> None:
    conversation_id = _run(db, record_conversation, actor, client_id, _content())

    snapshot = _load(db, actor, conversation_id)
    assert snapshot.summary.status == "completed"
    assert (snapshot.summary.started_at, snapshot.summary.completed_at) == (NOW, LATER)
    assert snapshot.summary.practitioner_id == actor.id
    assert snapshot.duration_seconds == 3000
    assert snapshot.answers == {
        "bodily-functions.work-on": "no",  # and its hidden follow-up question is dropped
        "participation.work-on": "yes",
        "participation.change": "Vaker  naar\nhet buurthuis",
        "closing.most-important": "Mensen zien",
    }
    assert snapshot.scores() == {"bodily-functions": 7, "participation": 3}
    assert snapshot.assessments["participation"].important
    assert snapshot.what_matters_most == "Mensen zien"
    assert snapshot.follow_up_date == date(2026, 4, 13)
    assert [(g.description, g.domain_id, g.position) for g in snapshot.goals] == [("Meer contact", "participation", 1)]
    goal_id = snapshot.goals[0].id
    assert [(a.what, a.who, a.due_date, a.goal_id, a.position) for a in snapshot.actions] == [
        ("Buurthuis bezoeken", "Jan", date(2026, 3, 9), goal_id, 1),
        ("Welzijnswerk bellen", "POH", None, goal_id, 2),
        ("Terugkomen", "POH", date(2026, 4, 13), None, 3),
    ]


def test_record_conversation_without_completion_leaves_a_draft_with_every_answer(
    db: Database, actor: Actor, client_id: int
) -> None:
    conversation_id = _run(db, record_conversation, actor, client_id, _content(completed_at=None, duration_seconds=0))

    snapshot = _load(db, actor, conversation_id)
    assert snapshot.summary.status == "draft"
    assert snapshot.summary.completed_at is None
    assert snapshot.answers["bodily-functions.change"] == "Verborgen"
    # A draft written whole is still edited the usual way.
    _run(db, record_answer, actor, conversation_id, "bodily-functions.work-on", "yes", now=LATER)


BAD_CONTENT = {
    "score-above-scale": {
        "domains": [DomainEntry("bodily-functions", score=7), DomainEntry("participation", score=11)]
    },
    "score-below-scale": {"domains": [DomainEntry("participation", score=-1)]},
    "bool-score": {"domains": [DomainEntry("participation", score=True)]},
    "unknown-item": {"answers": {"bodily-functions.work-on": "yes", "body.going-on": "Rugpijn"}},
    "unknown-choice-code": {"answers": {"participation.work-on": "misschien"}},
    "unknown-domain": {"domains": [DomainEntry("body", notes="x")]},
    "same-domain-twice": {"domains": [DomainEntry("participation", score=3), DomainEntry("participation", score=4)]},
    "goal-for-unknown-domain": {"goals": [GoalEntry("Minder pijn", "body")]},
    "empty-goal": {"goals": [GoalEntry("Meer contact"), GoalEntry("  ")]},
    "empty-action-of-a-goal": {"goals": [GoalEntry("Meer contact", None, [ActionEntry("Bellen"), ActionEntry(" ")])]},
    "empty-loose-action": {"actions": [ActionEntry("")]},
    "unknown-model": {"model_id": "no-such-model"},
}


@pytest.mark.parametrize("changes", BAD_CONTENT.values(), ids=BAD_CONTENT.keys())
def test_record_conversation_refuses_bad_content_anywhere_and_writes_nothing(
    db: Database, actor: Actor, client_id: int, changes: dict[str, Any]
) -> None:
    _run(db, record_conversation, actor, client_id, _content())
    before = _db_counts(db)

    with pytest.raises((InputError, NotFoundError)), db.transaction() as tx:
        record_conversation(tx, actor, client_id, _content(**changes))

    assert _db_counts(db) == before


@pytest.mark.parametrize("changes", BAD_CONTENT.values(), ids=BAD_CONTENT.keys())
def test_record_conversation_checks_everything_before_it_writes_a_row(
    db: Database, actor: Actor, client_id: int, changes: dict[str, Any]
) -> None:
    # An import may skip a refused conversation and go on in the same transaction: the refused
    # one must not have left rows behind in it.
    with db.transaction() as tx:
        before = _counts(tx)
        with pytest.raises((InputError, NotFoundError)):
            record_conversation(tx, actor, client_id, _content(**changes))
        assert _counts(tx) == before


def test_record_conversation_for_an_unknown_client_writes_nothing(db: Database, actor: Actor) -> None:
    with pytest.raises(NotFoundError), db.transaction() as tx:
        record_conversation(tx, actor, 4242, _content())

    assert set(_db_counts(db).values()) == {0}


SAME_RULES = {
    "follow-up-before-the-conversation": {"follow_up_date": NOW.date() - timedelta(days=1)},
    "action-due-before-the-conversation": {"actions": [ActionEntry("Bellen", "POH", NOW.date() - timedelta(days=1))]},
    "negative-duration": {"duration_seconds": -60},
    "what-matters-most-too-long": {"what_matters_most": "x" * (MAX_TEXT + 1)},
}


@pytest.mark.parametrize("changes", SAME_RULES.values(), ids=SAME_RULES.keys())
def test_record_conversation_applies_the_rules_of_the_field_by_field_use_cases(
    db: Database, actor: Actor, client_id: int, changes: dict[str, Any]
) -> None:
    # The module promises: a conversation that arrives whole "is checked by the same rules".
    with pytest.raises(InputError), db.transaction() as tx:
        record_conversation(tx, actor, client_id, _content(**changes))

    assert set(_db_counts(db).values()) == {0}
