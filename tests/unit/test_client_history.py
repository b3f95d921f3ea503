"""A client's history: conversations newest first, goals and actions across conversations, and
ticking actions off later (also on completed conversations)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from broadtalk import i18n
from broadtalk.client_history import ClientHistory, client_history, set_action_done
from broadtalk.clients import ClientInput, create_client
from broadtalk.conversation_records import ActionEntry, ConversationContent, GoalEntry, record_conversation
from broadtalk.conversations import add_action, complete_conversation, start_conversation
from broadtalk.errors import NotFoundError
from broadtalk.practitioners import Actor, Role, create_practitioner
from broadtalk.store.database import Database
from broadtalk.store.tables import Action, Conversation, Practitioner

NOW = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)  # as in conftest
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def client_id(db: Database, actor: Actor) -> int:
    with db.transaction() as tx:
        return create_client(tx, actor, ClientInput("Greet", "Berg", "03-03-1942", name_prefix="van den"), now=NOW).id


def _history(db: Database, actor: Actor, client_id: int) -> ClientHistory:
    with db.transaction() as tx:
        return client_history(tx, actor, client_id)


def _record(db: Database, actor: Actor, client_id: int, content: ConversationContent) -> int:
    with db.transaction() as tx:
        return record_conversation(tx, actor, client_id, content)


def _four_domains_last_autumn(db: Database, actor: Actor, client_id: int) -> int:
    started = NOW - timedelta(days=150)
    return _record(
        db,
        actor,
        client_id,
        ConversationContent(
            "four-domains",
            1,
            started,
            goals=[
                GoalEntry(
                    "Minder alleen zijn",
                    "social",
                    actions=[ActionEntry("Aanmelden bij de maaltijd in het buurthuis", "Greet", date(2025, 10, 20))],
                )
            ],
            actions=[ActionEntry("Welzijnscoach bellen", "POH", date(2025, 10, 10))],
            completed_at=started + timedelta(minutes=55),
            duration_seconds=55 * 60,
        ),
    )


def test_conversations_come_newest_first_with_the_models_dutch_title_practitioner_and_duration(db, actor, client_id):
    older = _four_domains_last_autumn(db, actor, client_id)
    with db.transaction() as tx:
        coach = create_practitioner(tx, "Sander Bakker", Role.SOCIAL_WORKER, now=NOW)
        newer = start_conversation(tx, coach, client_id, "positive-health", 1, now=NOW).id

    history = _history(db, actor, client_id)

    assert [c.id for c in history.conversations] == [newer, older]
    draft, completed = history.conversations
    assert draft.model_title == "Gezondheid breed bekeken (zes dimensies)"
    assert (draft.status, draft.is_completed, draft.practitioner_name) == ("draft", False, "Sander Bakker")
    assert draft.started_at == NOW and draft.duration_seconds == 0
    assert completed.model_title == "Vier domeinen (4D-model)"
    assert (completed.is_completed, completed.practitioner_name, completed.duration_seconds) == (
        True,
        "Anouk de Vries",
        3300,
    )
    assert history.client.id == client_id and history.client.name == "Greet van den Berg"


def test_the_model_title_follows_the_language(db, actor, client_id):
    _four_domains_last_autumn(db, actor, client_id)
    i18n.set_language("en")
    assert _history(db, actor, client_id).conversations[0].model_title == "Four domains (4D model)"


def test_a_conversation_held_with_a_model_that_is_not_available_here_shows_the_models_id(db, actor, client_id):
    # E.g. a practice's own model in a database restored without it: the history must still open.
    with db.transaction() as tx:
        tx.add(
            Conversation(
                client_id=client_id,
                practitioner_id=actor.id,
                model_id="own-practice-model",
                model_version=3,
                status="completed",
                started_at=NOW,
                updated_at=NOW,
                completed_at=NOW,
            )
        )
    (entry,) = _history(db, actor, client_id).conversations
    assert entry.model_title == "own-practice-model"


def test_a_removed_practitioner_leaves_an_empty_name(db, actor, client_id):
    with db.transaction() as tx:
        someone = create_practitioner(tx, "Oud Collega", Role.PRACTICE_NURSE, now=NOW)
        start_conversation(tx, someone, client_id, "four-domains", 1, now=NOW)
    with db.transaction() as tx:
        tx.delete(tx.get(Practitioner, someone.id))
    (entry,) = _history(db, actor, client_id).conversations
    assert entry.practitioner_name == ""


def test_goals_from_all_conversations_newest_conversation_first_with_domain_title(db, actor, client_id):
    older = _four_domains_last_autumn(db, actor, client_id)
    newer = _record(
        db,
        actor,
        client_id,
        ConversationContent(
            "four-domains",
            1,
            NOW,
            goals=[GoalEntry("Weer elke dag wandelen", "body"), GoalEntry("Zonder domein")],
        ),
    )
    goals = _history(db, actor, client_id).goals
    assert [(g.description, g.conversation_id) for g in goals] == [
        ("Weer elke dag wandelen", newer),
        ("Zonder domein", newer),
        ("Minder alleen zijn", older),
    ]
    assert goals[0].domain_title == "Lichaam"
    assert goals[0].conversation_started_at == NOW
    assert goals[1].domain_id is None and goals[1].domain_title == ""
    assert goals[2].domain_title == "Sociaal"


def test_actions_come_open_first_then_by_due_date_undated_last(db, actor, client_id):
    older = _four_domains_last_autumn(db, actor, client_id)
    with db.transaction() as tx:
        newer = start_conversation(tx, actor, client_id, "positive-health", 1, now=NOW).id
        add_action(tx, actor, newer, "Zonder datum", who="Greet", now=NOW)
        soon = add_action(tx, actor, newer, "Binnenkort", who="dochter", due_date=date(2026, 3, 9), now=NOW)
        add_action(tx, actor, newer, "Later", due_date=date(2026, 6, 1), now=NOW)
    with db.transaction() as tx:
        earliest = next(a for a in tx.exec(select(Action)).all() if a.what == "Welzijnscoach bellen")
    with db.transaction() as tx:
        set_action_done(tx, actor, earliest.id, True)

    actions = _history(db, actor, client_id).actions

    assert [a.what for a in actions] == [
        "Aanmelden bij de maaltijd in het buurthuis",
        "Binnenkort",
        "Later",
        "Zonder datum",
        "Welzijnscoach bellen",  # done: last, whatever its date
    ]
    assert [a.done for a in actions] == [False, False, False, False, True]
    first, second = actions[0], actions[1]
    assert (first.who, first.due_date, first.conversation_id) == ("Greet", date(2025, 10, 20), older)
    assert first.conversation_started_at == NOW - timedelta(days=150)
    assert first.goal_id is not None
    assert (second.id, second.who, second.conversation_id, second.conversation_started_at) == (
        soon.id,
        "dochter",
        newer,
        NOW,
    )
    assert [a.what for a in _history(db, actor, client_id).open_actions] == [a.what for a in actions[:4]]


def test_an_action_can_be_ticked_off_and_on_again_after_the_conversation_was_completed(db, actor, client_id):
    conversation_id = _four_domains_last_autumn(db, actor, client_id)
    action = _history(db, actor, client_id).actions[0]
    assert not action.done

    with db.transaction() as tx:
        stored = set_action_done(tx, actor, action.id, True)
    assert stored.done and stored.id == action.id and stored.conversation_id == conversation_id
    with db.transaction() as tx:
        assert tx.get(Action, action.id).done is True
        assert tx.get(Conversation, conversation_id).status == "completed"

    with db.transaction() as tx:
        set_action_done(tx, actor, action.id, False)
    assert not next(a for a in _history(db, actor, client_id).actions if a.id == action.id).done


def test_ticking_off_an_action_of_a_draft_conversation_works_too(db, actor, client_id):
    with db.transaction() as tx:
        conversation = start_conversation(tx, actor, client_id, "four-domains", 1, now=NOW)
        action = add_action(tx, actor, conversation.id, "Huisarts bellen", now=NOW)
    with db.transaction() as tx:
        set_action_done(tx, actor, action.id, True)
    with db.transaction() as tx:
        complete_conversation(tx, actor, conversation.id, duration_seconds=600, now=NOW + timedelta(minutes=10))
    assert _history(db, actor, client_id).actions[0].done


def test_ticking_off_an_unknown_action_is_refused_with_a_message_and_changes_nothing(db, actor, client_id):
    _four_domains_last_autumn(db, actor, client_id)
    with pytest.raises(NotFoundError) as refused, db.transaction() as tx:
        set_action_done(tx, actor, 999_999, True)
    assert "999999" in refused.value.message
    assert not any(a.done for a in _history(db, actor, client_id).actions)


def test_an_unknown_client_has_no_history(db, actor):
    with pytest.raises(NotFoundError), db.transaction() as tx:
        client_history(tx, actor, 424242)


def test_a_client_without_conversations_has_an_empty_history(db, actor, client_id):
    history = _history(db, actor, client_id)
    assert history.conversations == () and history.goals == () and history.actions == ()


def test_the_history_is_plain_frozen_values(db, actor, client_id):
    _four_domains_last_autumn(db, actor, client_id)
    history = _history(db, actor, client_id)
    for value in (history, history.conversations[0], history.goals[0], history.actions[0]):
        assert dataclasses.is_dataclass(value)
        with pytest.raises(dataclasses.FrozenInstanceError):
            value.id = 1  # type: ignore[misc]


def test_the_history_core_runs_without_qt():
    code = "import sys, broadtalk.client_history; sys.exit(any(m.startswith('PySide6') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=False).returncode == 0
