"""Editing an agreed goal or action: checked like adding one, refused without changing anything,
and recorded as an amendment when the conversation was completed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from broadtalk import conversations as conv
from broadtalk.clients import ClientInput, create_client
from broadtalk.conversation_changes import list_changes
from broadtalk.errors import InputError, NotFoundError, RefusedError
from broadtalk.i18n import _
from broadtalk.permissions import PermissionRefused
from broadtalk.practitioners import Role, create_practitioner
from tests.conftest import NOW


@pytest.fixture
def client_id(db, actor):
    with db.transaction() as tx:
        return create_client(tx, actor, ClientInput("Greet", "Visser", "03-03-1942"), now=NOW).id


@pytest.fixture
def cid(db, actor, client_id):
    with db.transaction() as tx:
        return conv.start_conversation(tx, actor, client_id, "positive-health", 1, now=NOW).id


def _goal_and_action(db, actor, cid):
    with db.transaction() as tx:
        goal = conv.add_goal(tx, actor, cid, "Beter slapen", domain_id="bodily-functions", now=NOW)
        action = conv.add_action(
            tx, actor, cid, "Slaapdagboek bijhouden", who="Greet", due_date=date(2026, 3, 16), goal_id=goal.id, now=NOW
        )
    return goal, action


def _snapshot(db, actor, cid):
    with db.transaction() as tx:
        return conv.load_conversation(tx, actor, cid)


def test_a_goals_description_and_domain_can_be_edited(db, actor, cid):
    goal, _action = _goal_and_action(db, actor, cid)
    with db.transaction() as tx:
        edited = conv.update_goal(
            tx, actor, cid, goal.id, description="  Beter slapen, zonder pillen \n", domain_id=None
        )
    assert edited == conv.GoalView(goal.id, "Beter slapen, zonder pillen", None, goal.position)
    assert _snapshot(db, actor, cid).goals == [edited]
    with db.transaction() as tx:
        conv.update_goal(tx, actor, cid, goal.id, domain_id="mental-wellbeing")  # only the domain
    assert _snapshot(db, actor, cid).goals[0].description == "Beter slapen, zonder pillen"
    assert _snapshot(db, actor, cid).goals[0].domain_id == "mental-wellbeing"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"description": "   "}, lambda: _("The goal is empty; describe what the client wants to reach.")),
        (
            {"description": "x" * (conv.MAX_TEXT + 1)},
            lambda: _("The goal is longer than {limit} characters; shorten it.").format(limit=conv.MAX_TEXT),
        ),
        ({"domain_id": "no-such-domain"}, lambda: "no-such-domain"),
    ],
)
def test_a_bad_goal_edit_is_refused_and_changes_nothing(db, actor, cid, changes, message):
    goal, _action = _goal_and_action(db, actor, cid)
    before = _snapshot(db, actor, cid)
    with db.transaction() as tx, pytest.raises(InputError) as refused:
        conv.update_goal(tx, actor, cid, goal.id, **changes)
    assert message() in refused.value.message
    after = _snapshot(db, actor, cid)
    assert after.goals == before.goals and after.actions == before.actions


def test_an_actions_fields_can_be_edited(db, actor, cid):
    goal, action = _goal_and_action(db, actor, cid)
    with db.transaction() as tx:
        edited = conv.update_action(
            tx,
            actor,
            cid,
            action.id,
            what="Slaapdagboek twee weken bijhouden",
            who=" Greet, met de POH ",
            due_date=date(2026, 3, 30),
            goal_id=None,
            domain_id="daily-functioning",
        )
    assert (edited.what, edited.who, edited.due_date, edited.goal_id, edited.domain_id) == (
        "Slaapdagboek twee weken bijhouden",
        "Greet, met de POH",
        date(2026, 3, 30),
        None,
        "daily-functioning",
    )
    assert edited.position == action.position and not edited.done
    # Only the date: the rest stays; back to the goal, the action has the goal's domain.
    with db.transaction() as tx:
        conv.update_action(tx, actor, cid, action.id, due_date=None)
        again = conv.update_action(tx, actor, cid, action.id, goal_id=goal.id)
    assert (again.what, again.due_date, again.goal_id, again.domain_id) == (
        "Slaapdagboek twee weken bijhouden",
        None,
        goal.id,
        None,
    )


def test_a_bad_action_edit_is_refused_and_changes_nothing(db, actor, client_id, cid):
    _goal, action = _goal_and_action(db, actor, cid)
    with db.transaction() as tx:
        other = conv.start_conversation(tx, actor, client_id, "positive-health", 1, now=NOW).id
        foreign_goal = conv.add_goal(tx, actor, other, "Ander doel", now=NOW)
    before = _snapshot(db, actor, cid)
    bad = [
        ({"what": ""}, InputError),
        ({"who": "x" * 201}, InputError),
        ({"due_date": NOW.date() - timedelta(days=1)}, InputError),
        ({"goal_id": foreign_goal.id}, InputError),
        ({"domain_id": "no-such-domain", "goal_id": None}, InputError),
    ]
    for changes, error in bad:
        with db.transaction() as tx, pytest.raises(error) as refused:
            conv.update_action(tx, actor, cid, action.id, **changes)
        assert refused.value.message
    with db.transaction() as tx, pytest.raises(NotFoundError):
        conv.update_action(tx, actor, other, action.id, what="Iets anders")
    with db.transaction() as tx, pytest.raises(NotFoundError):
        conv.update_goal(tx, actor, other, _goal.id, description="Iets anders")
    after = _snapshot(db, actor, cid)
    assert after.actions == before.actions and after.goals == before.goals


def test_editing_needs_the_right_to_hold_conversations(db, actor, cid):
    goal, action = _goal_and_action(db, actor, cid)
    with db.transaction() as tx:
        manager = create_practitioner(tx, "Petra Manager", Role.PRACTICE_MANAGER, now=NOW)
    with db.transaction() as tx, pytest.raises(PermissionRefused):
        conv.update_goal(tx, manager, cid, goal.id, description="Iets anders")
    with db.transaction() as tx, pytest.raises(PermissionRefused):
        conv.update_action(tx, manager, cid, action.id, what="Iets anders")
    assert _snapshot(db, actor, cid).goals[0].description == "Beter slapen"


def test_a_completed_conversation_is_edited_only_by_amending_and_the_edit_is_recorded(db, actor, cid):
    goal, action = _goal_and_action(db, actor, cid)
    with db.transaction() as tx:
        conv.complete_conversation(tx, actor, cid, now=NOW + timedelta(minutes=40))
    with db.transaction() as tx, pytest.raises(RefusedError):
        conv.update_goal(tx, actor, cid, goal.id, description="Anders")
    with db.transaction() as tx, pytest.raises(RefusedError):
        conv.update_action(tx, actor, cid, action.id, what="Anders")

    with db.transaction() as tx:
        conv.amend_conversation(tx, actor, cid)
        conv.update_goal(tx, actor, cid, goal.id, description="Beter doorslapen")
        conv.update_action(tx, actor, cid, action.id, who="Greet en haar dochter", due_date=date(2026, 3, 23))
        conv.update_action(tx, actor, cid, action.id, who="Greet en haar dochter")  # no change: not recorded
        conv.complete_conversation(tx, actor, cid)
    with db.transaction() as tx:
        changes = list_changes(tx, actor, cid)
    assert [c.target for c in changes] == ["amend:start", f"goal:edit:{goal.id}", f"action:edit:{action.id}"]
    goal_change, action_change = changes[1], changes[2]
    assert goal_change.old_value == {"description": "Beter slapen", "domain_id": "bodily-functions"}
    assert goal_change.new_value == {"description": "Beter doorslapen", "domain_id": "bodily-functions"}
    assert action_change.old_value["who"] == "Greet" and action_change.new_value["who"] == "Greet en haar dochter"
    assert action_change.old_value["due_date"] == "2026-03-16"
    assert action_change.new_value["due_date"] == "2026-03-23"
    assert action_change.practitioner_name == "Anouk de Vries"
