"""The demo feeds a nurse's day: goals and actions that vary by theme, clients followed over
time with the same model, follow-ups and actions spread around the demo's day, open drafts,
referrals waiting for feedback, and the client's own scores beside the practitioner's."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from sqlmodel import select

from broadtalk import demo_texts as texts
from broadtalk.conversations import check_score
from broadtalk.demo import generate_demo
from broadtalk.forms.library import builtin_models
from broadtalk.referral_steps import AWAITING_FEEDBACK
from broadtalk.store.database import Database
from broadtalk.store.tables import Action, Conversation, DomainAssessment, Goal, Referral

TODAY = date(2026, 3, 2)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = Database.open(tmp_path_factory.mktemp("demo") / "demo.sqlite")
    generate_demo(database, clients=100, seed=3, today=TODAY)
    yield database
    database.close()


def _conversations(demo: Database) -> list[Conversation]:
    with demo.transaction() as tx:
        return list(tx.exec(select(Conversation).order_by(Conversation.id)).all())


def _newest_per_client(demo: Database) -> list[Conversation]:
    newest: dict[int, Conversation] = {}
    for conversation in _conversations(demo):
        newest[conversation.client_id] = conversation  # by id: the newest is written last
    return list(newest.values())


# -- variety ----------------------------------------------------------------------------------------


def test_goals_vary_from_conversation_to_conversation(demo):
    with demo.transaction() as tx:
        goals = tx.exec(select(Goal).order_by(Goal.id)).all()
    by_conversation: dict[int, list[str]] = defaultdict(list)
    for goal in goals:
        by_conversation[goal.conversation_id].append(goal.description)
    first_twenty = [text for texts_ in list(by_conversation.values())[:20] for text in texts_]
    assert len(set(first_twenty)) >= 14, first_twenty
    assert len({g.description for g in goals}) >= 30
    # Never twice the same goal in one conversation.
    assert all(len(set(texts_)) == len(texts_) for texts_ in by_conversation.values())


def test_each_goal_fits_its_domain_and_its_actions_fit_the_goal(demo):
    with demo.transaction() as tx:
        goals = {g.id: g for g in tx.exec(select(Goal)).all()}
        actions = tx.exec(select(Action).where(Action.goal_id.is_not(None))).all()
    for goal in goals.values():
        theme = texts.THEMES.get(goal.domain_id, "meaning")
        assert goal.description in texts.GOAL_CHOICES[theme], (goal.domain_id, goal.description)
    general = {what for what, _who in texts.ACTIONS}
    for action in actions:
        theme = texts.THEMES.get(goals[action.goal_id].domain_id, "meaning")
        assert action.what in {what for what, _who in texts.ACTION_CHOICES[theme]} | general
    assert len({a.what for a in actions}) >= 20


# -- clients followed over time ---------------------------------------------------------------------


def test_several_clients_have_two_or_three_conversations_of_one_model_within_the_year(demo):
    series: dict[tuple[int, str], list[Conversation]] = defaultdict(list)
    for conversation in _conversations(demo):
        assert conversation.started_at.date() >= TODAY - timedelta(days=366)
        series[(conversation.client_id, conversation.model_id)].append(conversation)
    followed = [rows for rows in series.values() if len(rows) >= 2]
    assert len(followed) >= 10
    assert {len(rows) for rows in followed} == {2, 3}
    for rows in followed:
        days = [r.started_at.date() for r in rows]
        assert days == sorted(days) and all((b - a).days >= 40 for a, b in pairwise(days))


def test_scores_move_over_time_and_some_domains_are_skipped(demo):
    series: dict[tuple[int, str], list[int]] = defaultdict(list)
    for conversation in _conversations(demo):
        series[(conversation.client_id, conversation.model_id)].append(conversation.id)
    with demo.transaction() as tx:
        assessments = tx.exec(select(DomainAssessment)).all()
    scores: dict[int, dict[str, int | None]] = defaultdict(dict)
    for row in assessments:
        scores[row.conversation_id][row.domain_id] = row.score
    moved = skipped = 0
    for ids in series.values():
        if len(ids) < 2:
            continue
        first, last = scores[ids[0]], scores[ids[-1]]
        moved += any(first[d] != last[d] for d in first.keys() & last.keys() if first[d] is not None)
        skipped += bool(first.keys() ^ last.keys())
    assert moved >= 5 and skipped >= 3


# -- what is due, around the demo's day ---------------------------------------------------------------


def test_follow_ups_are_overdue_this_week_or_later(demo):
    newest = _newest_per_client(demo)
    follow_ups = [c.follow_up_date for c in newest if c.follow_up_date is not None]
    overdue = [d for d in follow_ups if d < TODAY]
    this_week = [d for d in follow_ups if TODAY <= d < TODAY + timedelta(days=7)]
    later = [d for d in follow_ups if d >= TODAY + timedelta(days=7)]
    assert len(overdue) >= 5 and len(this_week) >= 5 and len(later) >= 5, (overdue, this_week, later)
    assert any(c.follow_up_date is None for c in newest)
    for conversation in _conversations(demo):
        if conversation.follow_up_date is not None:
            assert conversation.follow_up_date > conversation.started_at.date()


def test_actions_fall_due_around_today_and_some_are_done(demo):
    newest = {c.id for c in _newest_per_client(demo)}
    with demo.transaction() as tx:
        actions = [a for a in tx.exec(select(Action)).all() if a.conversation_id in newest]
    due = [a for a in actions if a.due_date is not None]
    assert any(a.due_date < TODAY and a.done for a in due)
    assert sum(a.due_date < TODAY and not a.done for a in due) >= 5  # overdue
    assert sum(TODAY <= a.due_date < TODAY + timedelta(days=7) for a in due) >= 3  # this week
    assert sum(a.due_date >= TODAY + timedelta(days=7) for a in due) >= 3
    assert not any(a.done and a.due_date > TODAY for a in due)


def test_some_drafts_are_left_open_recently(demo):
    drafts = [c for c in _conversations(demo) if c.status == "draft"]
    assert len(drafts) >= 3
    assert all(c.started_at.date() >= TODAY - timedelta(days=30) for c in drafts)


def test_some_referrals_wait_for_feedback(demo):
    with demo.transaction() as tx:
        statuses = [r.status for r in tx.exec(select(Referral)).all()]
    assert sum(s in AWAITING_FEEDBACK for s in statuses) >= 5


# -- the client's own scores --------------------------------------------------------------------------


def test_some_conversations_hold_the_clients_own_scores_on_the_models_scale(demo):
    models = {(m.id, m.version): m for m in builtin_models()}
    conversations = {c.id: c for c in _conversations(demo)}
    with demo.transaction() as tx:
        assessments = tx.exec(select(DomainAssessment)).all()
    own = [a for a in assessments if a.client_score is not None]
    assert own and len(own) < len(assessments) // 2
    assert any(a.client_wants_to_talk for a in assessments)
    assert any(a.client_score != a.score for a in own) and any(a.client_score == a.score for a in own)
    for row in own:
        conversation = conversations[row.conversation_id]
        model = models[(conversation.model_id, conversation.model_version)]
        check_score(model, model.domain(row.domain_id), row.client_score)
    with_own = {a.conversation_id for a in own}
    assert 0 < len(with_own) < len(conversations)


def test_the_demo_stays_fast(tmp_path: Path):
    import time

    database = Database.open(tmp_path / "fast.sqlite")
    try:
        started = time.perf_counter()
        generate_demo(database, clients=200, seed=1, today=TODAY)
        elapsed = time.perf_counter() - started
    finally:
        database.close()
    assert elapsed < 20, elapsed  # the app makes 200 clients with a progress bar; bench/ times 10,000
