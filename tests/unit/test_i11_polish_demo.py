"""Issue 11, screens polish: the demo's older actions are mostly ticked off, as in a real practice;
Today shows a handful overdue, not a wall of red."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlmodel import select

from broadtalk.demo import generate_demo
from broadtalk.practitioners import Role, list_practitioners
from broadtalk.store.database import Database
from broadtalk.store.tables import Action, Conversation
from broadtalk.today import today_overview

TODAY = date(2026, 12, 3)
CLIENTS = 60


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = Database.open(tmp_path_factory.mktemp("demo") / "demo.sqlite")
    generate_demo(database, clients=CLIENTS, seed=1, today=TODAY)
    yield database
    database.close()


def test_actions_older_than_a_few_weeks_are_mostly_done(demo):
    with demo.transaction() as tx:
        completed = {c.id for c in tx.exec(select(Conversation)).all() if c.status != "draft"}
        actions = [a for a in tx.exec(select(Action)).all() if a.conversation_id in completed and a.due_date]
    old = [a for a in actions if a.due_date < TODAY - timedelta(weeks=4)]
    forgotten = [a for a in old if not a.done]
    assert len(old) >= 40
    assert 1 <= len(forgotten) <= max(2, len(old) // 20), (len(forgotten), len(old))  # a handful, not a wall


def test_today_shows_a_handful_of_overdue_actions(demo):
    with demo.transaction() as tx:
        nurse = next(a for a in list_practitioners(tx) if a.role == Role.PRACTICE_NURSE)
        practice = today_overview(tx, nurse, mine=False, today=TODAY)
        mine = today_overview(tx, nurse, mine=True, today=TODAY)
    # Some overdue (Today has something to show), but a handful per nurse, not one for every client.
    assert 3 <= practice.actions_overdue.total <= CLIENTS // 4, practice.actions_overdue.total
    assert 1 <= mine.actions_overdue.total <= 8, mine.actions_overdue.total
    # Those overdue are mostly recent: at most two over six weeks.
    late = [a for a in practice.actions.items if a.due_date < TODAY - timedelta(weeks=6)]
    assert len(late) <= 2, [a.due_date for a in late]


def test_the_same_seed_ticks_the_same_actions(tmp_path):
    done = []
    for name in ("a", "b"):
        database = Database.open(tmp_path / f"{name}.sqlite")
        try:
            generate_demo(database, clients=8, seed=5, today=TODAY)
            with database.transaction() as tx:
                done.append([(a.id, a.done) for a in tx.exec(select(Action).order_by(Action.id)).all()])
        finally:
            database.close()
    assert done[0] == done[1]


def test_no_conversation_agrees_on_the_same_action_twice(demo):
    with demo.transaction() as tx:
        actions = tx.exec(select(Action)).all()
    seen: dict[int, list[str]] = {}
    for action in actions:
        seen.setdefault(action.conversation_id, []).append(action.what)
    twice = {cid: whats for cid, whats in seen.items() if len(set(whats)) < len(whats)}
    assert twice == {}


def test_no_follow_up_is_left_overdue_for_months(demo):
    # A follow-up held with another model leaves no follow-up of the first model open for ever.
    with demo.transaction() as tx:
        nurse = next(a for a in list_practitioners(tx) if a.role == Role.PRACTICE_NURSE)
        practice = today_overview(tx, nurse, mine=False, today=TODAY, limit=1000)
    late = [(TODAY - f.follow_up_date).days for f in practice.overdue_follow_ups.items]
    assert late and max(late) <= 35, sorted(late)
