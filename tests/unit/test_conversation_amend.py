"""Amending a completed conversation, resuming a draft, the running time, the previous conversation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from broadtalk import conversations as conv
from broadtalk.clients import ClientInput, create_client
from broadtalk.conversation_changes import list_changes
from broadtalk.errors import RefusedError
from tests.conftest import NOW


@pytest.fixture
def client_id(db, actor):
    with db.transaction() as tx:
        return create_client(tx, actor, ClientInput("Greet", "Visser", "03-03-1942"), now=NOW).id


def _completed(db, actor, client_id, when, score):
    with db.transaction() as tx:
        cid = conv.start_conversation(tx, actor, client_id, "positive-health", 1, now=when).id
        conv.assess_domain(tx, actor, cid, "meaningfulness", score=score, own_words="Mijn kleinkinderen", now=when)
        conv.complete_conversation(tx, actor, cid, duration_seconds=3000, now=when + timedelta(minutes=50))
    return cid


def test_a_completed_conversation_is_read_only_until_amended_and_then_every_change_is_logged(db, actor, client_id):
    cid = _completed(db, actor, client_id, NOW, 4)
    with db.transaction() as tx, pytest.raises(RefusedError):
        conv.assess_domain(tx, actor, cid, "meaningfulness", score=6)

    with db.transaction() as tx:
        assert conv.amend_conversation(tx, actor, cid).is_editable
        conv.assess_domain(tx, actor, cid, "meaningfulness", score=6, own_words="Mijn kleinkinderen")
        conv.add_goal(tx, actor, cid, "Elke week naar de soos")
        conv.complete_conversation(tx, actor, cid)

    with db.transaction() as tx:
        changes = list_changes(tx, actor, cid)
        snapshot = conv.load_conversation(tx, actor, cid)
    assert [c.target for c in changes] == ["amend:start", "score:meaningfulness", "goal:add"]
    score_change = changes[1]
    assert (score_change.old_value, score_change.new_value) == (4, 6)
    assert score_change.practitioner_name == "Anouk de Vries"
    assert snapshot.summary.is_completed
    assert snapshot.summary.completed_at == NOW + timedelta(minutes=50)  # the original completion stays
    assert snapshot.summary.amended_at is not None
    assert snapshot.duration_seconds == 3000  # amending does not count as consultation time


def test_changes_to_a_draft_are_not_logged(db, actor, client_id):
    with db.transaction() as tx:
        cid = conv.start_conversation(tx, actor, client_id, "positive-health", 1).id
        conv.assess_domain(tx, actor, cid, "meaningfulness", score=3)
        conv.assess_domain(tx, actor, cid, "meaningfulness", score=5)
        assert list_changes(tx, actor, cid) == []


def test_a_draft_cannot_be_amended(db, actor, client_id):
    with db.transaction() as tx:
        cid = conv.start_conversation(tx, actor, client_id, "positive-health", 1).id
    with db.transaction() as tx, pytest.raises(RefusedError):
        conv.amend_conversation(tx, actor, cid)


def test_the_current_step_and_the_running_time_are_kept_for_resuming(db, actor, client_id):
    with db.transaction() as tx:
        cid = conv.start_conversation(tx, actor, client_id, "four-domains", 1).id
        conv.set_current_step(tx, actor, cid, "social")
        conv.set_duration(tx, actor, cid, 754)
    with db.transaction() as tx:
        snapshot = conv.load_conversation(tx, actor, cid)
    assert snapshot.summary.current_step == "social"
    assert snapshot.duration_seconds == 754


def test_the_previous_conversation_is_the_last_completed_one_with_the_same_model(db, actor, client_id):
    first = _completed(db, actor, client_id, NOW - timedelta(days=90), 3)
    second = _completed(db, actor, client_id, NOW - timedelta(days=30), 5)
    with db.transaction() as tx:
        other_model = conv.start_conversation(tx, actor, client_id, "four-domains", 1, now=NOW - timedelta(days=10)).id
        current = conv.start_conversation(tx, actor, client_id, "positive-health", 1, now=NOW).id
    with db.transaction() as tx:
        previous = conv.previous_conversation(tx, actor, current)
        assert previous is not None and previous.summary.id == second
        assert previous.scores() == {"meaningfulness": 5}
        assert conv.previous_conversation(tx, actor, first) is None
        assert conv.previous_conversation(tx, actor, other_model) is None


def test_the_ranking_of_a_snapshot_follows_the_clients_order(db, actor, client_id):
    with db.transaction() as tx:
        cid = conv.start_conversation(tx, actor, client_id, "four-domains", 1, now=datetime.now(UTC)).id
        conv.rank_domains(tx, actor, cid, ["social", "body"])
        assert conv.load_conversation(tx, actor, cid).ranking() == ["social", "body"]
