"""Issue 12, part 3: optimistic locking. A conversation changed by another workstation (another
opening of the same database: a second process, a colleague on the server) after it was shown
here is told apart from this opening's own changes, and a copy keeps every piece of it."""

from __future__ import annotations

from datetime import date

import pytest

from broadtalk import conversations as conv
from broadtalk.client_scores import set_client_assessment
from broadtalk.clients import ClientInput, create_client
from broadtalk.conversation_records import copy_conversation
from broadtalk.practitioners import Role, create_practitioner
from tests import engines
from tests.conftest import NOW


@pytest.fixture
def conversation(db, actor):
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Jan", "Bakker", birth_date=date(1950, 1, 2)), now=NOW)
        return conv.start_conversation(tx, actor, client.id, "positive-health", 1, now=NOW)


@pytest.fixture
def elsewhere(db):
    """The same database opened a second time: another workstation."""
    other = engines.reopen(db)
    yield other
    other.close()


def test_changes_made_here_are_not_a_conflict_and_changes_elsewhere_are(db, actor, conversation, elsewhere):
    seen = conversation.version
    with db.transaction() as tx:
        conv.assess_domain(tx, actor, conversation.id, "bodily-functions", notes="Slaapt slecht", now=NOW)
        conv.set_closing(tx, actor, conversation.id, what_matters_most="Weer fietsen", now=NOW)
    with db.transaction() as tx:
        seen = conv.unchanged_elsewhere(tx, conversation.id, seen)  # only our own two changes
    assert seen == conversation.version + 2

    with elsewhere.transaction() as tx:
        colleague = create_practitioner(tx, "Sanne Visser", Role.SOCIAL_WORKER, now=NOW)
        conv.assess_domain(tx, colleague, conversation.id, "bodily-functions", notes="Slaapt beter", now=NOW)
    with pytest.raises(conv.ChangedElsewhere, match="Sanne Visser"), db.transaction() as tx:
        conv.unchanged_elsewhere(tx, conversation.id, seen)


def test_a_change_made_here_after_one_elsewhere_still_shows_the_one_elsewhere(db, actor, conversation, elsewhere):
    seen = conversation.version
    with elsewhere.transaction() as tx:
        conv.set_closing(tx, actor, conversation.id, what_matters_most="Van elders", now=NOW)
    with db.transaction() as tx:  # e.g. the client view here, on top of it
        conv.assess_domain(tx, actor, conversation.id, "meaningfulness", score=5, now=NOW)
    with pytest.raises(conv.ChangedElsewhere), db.transaction() as tx:
        conv.unchanged_elsewhere(tx, conversation.id, seen)


def test_a_copy_holds_everything_the_conversation_holds(db, actor, conversation) -> None:
    cid = conversation.id
    with db.transaction() as tx:
        conv.assess_domain(
            tx, actor, cid, "bodily-functions", score=4, notes="Pijn in de knie", own_words="Het gaat", now=NOW
        )
        conv.assess_domain(tx, actor, cid, "meaningfulness", important=True, now=NOW)
        set_client_assessment(tx, actor, cid, "bodily-functions", score=6, wants_to_talk=True, now=NOW)
        conv.set_closing(tx, actor, cid, what_matters_most="Weer fietsen", follow_up_date=date(2026, 4, 1), now=NOW)
        goal = conv.add_goal(tx, actor, cid, "Twee keer per week wandelen", domain_id="bodily-functions", now=NOW)
        conv.add_action(tx, actor, cid, "Fysio bellen", who="Jan", due_date=date(2026, 3, 9), goal_id=goal.id, now=NOW)
        conv.add_action(tx, actor, cid, "Buurthuis bezoeken", domain_id="meaningfulness", now=NOW)
        original = conv.load_conversation(tx, actor, cid)
        copy_id = copy_conversation(tx, actor, cid, now=NOW)
        copy = conv.load_conversation(tx, actor, copy_id)
    assert copy_id != cid and copy.summary.status == conv.DRAFT
    assert copy.summary.client_id == original.summary.client_id
    assert copy.answers == original.answers
    assert copy.assessments == original.assessments
    assert (copy.what_matters_most, copy.follow_up_date) == (original.what_matters_most, original.follow_up_date)
    assert [(g.description, g.domain_id) for g in copy.goals] == [(g.description, g.domain_id) for g in original.goals]

    def actions(snapshot):
        goals = {g.id: g.description for g in snapshot.goals}
        return [(a.what, a.who, a.due_date, a.done, a.domain_id, goals.get(a.goal_id)) for a in snapshot.actions]

    assert actions(copy) == actions(original)
