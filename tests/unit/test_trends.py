"""How things moved: per conversation model every conversation of a client in date order, with per
domain the professional's score and the client's own score; a skipped domain is None, never 0."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from broadtalk.client_history import client_history, client_trends, score_trends
from broadtalk.clients import ClientInput, create_client
from broadtalk.conversation_records import ConversationContent, DomainEntry, record_conversation
from broadtalk.errors import NotFoundError
from broadtalk.permissions import PermissionRefused
from broadtalk.practitioners import Actor, Role, create_practitioner
from broadtalk.store.database import Database
from broadtalk.store.tables import AuditEntry, DomainAssessment

NOW = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
HEALTH = ("bodily-functions", "mental-wellbeing", "meaningfulness", "quality-of-life", "participation",
          "daily-functioning")  # fmt: skip


@pytest.fixture
def client_id(db: Database, actor: Actor) -> int:
    with db.transaction() as tx:
        return create_client(tx, actor, ClientInput("Greet", "Berg", "03-03-1942"), now=NOW).id


def _record(db, actor, client_id, model_id, started, scores, own=None, completed=True, follow_up=None) -> int:
    with db.transaction() as tx:
        conversation_id = record_conversation(
            tx,
            actor,
            client_id,
            ConversationContent(
                model_id,
                1,
                started,
                domains=[DomainEntry(domain_id, score) for domain_id, score in scores.items()],
                completed_at=started + timedelta(minutes=50) if completed else None,
                follow_up_date=follow_up,
            ),
        )
        for domain_id, value in (own or {}).items():  # the client's own score, as the client view stores it
            row = tx.exec(
                select(DomainAssessment).where(
                    DomainAssessment.conversation_id == conversation_id, DomainAssessment.domain_id == domain_id
                )
            ).first()
            if row is None:
                row = DomainAssessment(conversation_id=conversation_id, domain_id=domain_id, updated_at=started)
            row.client_score = value
            tx.add(row)
    return conversation_id


@pytest.fixture
def three(db, actor, client_id) -> list[int]:
    """Three positive-health conversations recorded out of order, one self-sufficiency between them."""
    second = _record(db, actor, client_id, "positive-health", NOW - timedelta(days=60),
                     {d: 5 for d in HEALTH} | {"meaningfulness": None}, own={"bodily-functions": 4})  # fmt: skip
    latest = _record(db, actor, client_id, "positive-health", NOW - timedelta(days=1),
                     {d: 7 for d in HEALTH if d != "participation"} | {"bodily-functions": 0},
                     own={"bodily-functions": 6, "participation": 3})  # fmt: skip
    first = _record(db, actor, client_id, "positive-health", NOW - timedelta(days=200), {d: 3 for d in HEALTH})
    _record(db, actor, client_id, "self-sufficiency", NOW - timedelta(days=30), {"finances": 2, "housing": 4})
    return [first, second, latest]


def test_conversations_come_in_date_order_with_every_domain_of_the_model(db, actor, client_id, three):
    with db.transaction() as tx:
        trends = score_trends(tx, actor, client_id, "positive-health")
    assert trends is not None
    assert [c.id for c in trends.conversations] == three
    assert [c.started_at for c in trends.conversations] == sorted(c.started_at for c in trends.conversations)
    assert [d.domain_id for d in trends.domains] == list(HEALTH)
    assert (trends.domains[0].minimum, trends.domains[0].maximum) == (0, 10)
    assert trends.first.id == three[0] and trends.latest.id == three[2]
    assert all(c.is_completed for c in trends.conversations)


def test_skipped_domains_are_none_never_zero_and_a_real_zero_stays_zero(db, actor, client_id, three):
    with db.transaction() as tx:
        trends = score_trends(tx, actor, client_id, "positive-health")
    # Scored as None (skipped on the page) and not assessed at all (no row): both None.
    assert [c.score("meaningfulness") for c in trends.conversations] == [3, None, 7]
    assert [c.score("participation") for c in trends.conversations] == [3, 5, None]
    # The minimum of the scale is a real score.
    assert [c.score("bodily-functions") for c in trends.conversations] == [3, 5, 0]


def test_the_clients_own_scores_stand_beside_the_professionals(db, actor, client_id, three):
    with db.transaction() as tx:
        trends = score_trends(tx, actor, client_id, "positive-health")
    assert [point[1:] for point in trends.series("bodily-functions")] == [(3, None), (5, 4), (0, 6)]
    # An own score where the professional skipped the domain.
    assert trends.series("participation")[2][1:] == (None, 3)
    assert trends.has_client_scores


def test_models_are_kept_apart(db, actor, client_id, three):
    with db.transaction() as tx:
        everything = client_trends(tx, actor, client_id)
        zrm = score_trends(tx, actor, client_id, "self-sufficiency")
        none = score_trends(tx, actor, client_id, "four-domains")
    # The model of the newest conversation first.
    assert [t.model_id for t in everything] == ["positive-health", "self-sufficiency"]
    assert len(everything[0].conversations) == 3
    assert [c.score("finances") for c in zrm.conversations] == [2]
    assert [c.score("justice") for c in zrm.conversations] == [None]
    assert not zrm.has_client_scores
    assert {d.domain_id for d in zrm.domains}.isdisjoint(HEALTH)
    assert none is None


def test_a_model_without_scores_is_left_out(db, actor, client_id):
    _record(db, actor, client_id, "four-domains", NOW, {})
    _record(db, actor, client_id, "positive-health", NOW, {"bodily-functions": None}, completed=False)
    with db.transaction() as tx:
        assert client_trends(tx, actor, client_id) == ()
    _record(db, actor, client_id, "positive-health", NOW, {}, own={"participation": 6})
    with db.transaction() as tx:
        (trends,) = client_trends(tx, actor, client_id)
    assert [c.client_score("participation") for c in trends.conversations] == [None, 6]
    assert [c.is_completed for c in trends.conversations] == [False, True]


def test_the_view_is_audited_like_the_history(db, actor, client_id, three):
    with db.transaction() as tx:
        before = len(tx.exec(select(AuditEntry).where(AuditEntry.client_id == client_id)).all())
        client_trends(tx, actor, client_id)
        entries = tx.exec(select(AuditEntry).where(AuditEntry.client_id == client_id)).all()
    assert len(entries) >= before
    assert any(e.action == "view" and e.object_type == "client" and e.object_id == client_id for e in entries)


def test_a_practice_manager_is_refused_and_the_refusal_recorded(db, client_id, three):
    with db.transaction() as tx:
        manager = create_practitioner(tx, "Joyce van Dijk", Role.PRACTICE_MANAGER, now=NOW)
    for use_case in (lambda tx: client_trends(tx, manager, client_id),
                     lambda tx: score_trends(tx, manager, client_id, "positive-health")):  # fmt: skip
        with pytest.raises(PermissionRefused), db.transaction() as tx:
            use_case(tx)
    with db.transaction() as tx:
        refusals = tx.exec(select(AuditEntry).where(AuditEntry.outcome == "refused")).all()
    assert len(refusals) == 2 and all(e.client_id == client_id for e in refusals)


def test_an_unknown_client_is_not_found(db, actor):
    with pytest.raises(NotFoundError), db.transaction() as tx:
        client_trends(tx, actor, 424242)


def test_the_history_carries_the_latest_follow_up_and_each_actions_domain(db, actor, client_id):
    _record(db, actor, client_id, "positive-health", NOW - timedelta(days=90), {}, follow_up=date(2026, 1, 5))
    with db.transaction() as tx:
        assert client_history(tx, actor, client_id).follow_up.follow_up_date == date(2026, 1, 5)
    latest = _record(db, actor, client_id, "positive-health", NOW, {}, follow_up=date(2026, 12, 8))
    with db.transaction() as tx:
        follow_up = client_history(tx, actor, client_id).follow_up
    assert (follow_up.follow_up_date, follow_up.conversation_id) == (date(2026, 12, 8), latest)
