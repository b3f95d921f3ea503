"""Consent dates are Dutch calendar days (issue 10): just after midnight in the Netherlands it is
still yesterday in UTC, and a consent that has already ended cannot be recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from broadtalk import conversations as conv
from broadtalk.clients import ClientInput, create_client
from broadtalk.consent import ConsentInput, record_consent
from broadtalk.errors import InputError, RefusedError
from broadtalk.handover.export import HANDOVER_PDF, export_document
from broadtalk.referrals import create_referral
from broadtalk.store.tables import Consent, Disclosure, Offering, Organisation
from tests.conftest import NOW

#: 00:30 on 1 February in Amsterdam (winter time, UTC+1) is 23:30 on 31 January in UTC.
AFTER_MIDNIGHT = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
DUTCH_TODAY = date(2026, 2, 1)


@pytest.fixture
def referral_id(db, actor) -> int:
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Greet", "Visser", "03-03-1942"), now=NOW - timedelta(days=60))
        cid = conv.start_conversation(tx, actor, client.id, "positive-health", 1, now=NOW - timedelta(days=60)).id
        conv.assess_domain(tx, actor, cid, "meaningfulness", score=3, now=NOW - timedelta(days=60))
        conv.complete_conversation(tx, actor, cid, now=NOW - timedelta(days=60))
        organisation = Organisation(name="Welzijn", created_at=NOW, updated_at=NOW)
        tx.add(organisation)
        tx.flush()
        offering = Offering(
            organisation_id=organisation.id, name="WoR", kind="welfare_coach", created_at=NOW, updated_at=NOW
        )
        tx.add(offering)
        tx.flush()
        return create_referral(
            tx,
            actor,
            client.id,
            offering_id=offering.id,
            question="Meedoen",
            urgency="soon",
            feedback_contact="POH 030 111 2222",
            conversation_id=cid,
            now=AFTER_MIDNIGHT - timedelta(days=40),
        ).id


def _data(given_on: date, valid_until: date) -> ConsentInput:
    return ConsentInput("Meedoen", ("meaningfulness",), False, False, False, "verbal", given_on, valid_until)


def test_a_consent_given_today_in_the_netherlands_is_not_in_the_future(db, actor, referral_id):
    with db.transaction() as tx:
        consent = record_consent(
            tx, actor, referral_id, _data(DUTCH_TODAY, DUTCH_TODAY + timedelta(days=30)), now=AFTER_MIDNIGHT
        )
    assert consent.given_on == DUTCH_TODAY


def test_a_consent_that_has_already_ended_cannot_be_recorded(db, actor, referral_id):
    ended = _data(DUTCH_TODAY - timedelta(days=20), DUTCH_TODAY - timedelta(days=1))
    with db.transaction() as tx, pytest.raises(InputError) as refused:
        record_consent(tx, actor, referral_id, ended, now=AFTER_MIDNIGHT)
    assert "31-01-2026" in refused.value.message
    with db.transaction() as tx:
        assert tx.exec(Consent.__table__.select()).all() == []


def test_a_consent_ends_at_the_end_of_its_last_dutch_day(db, actor, referral_id, tmp_path):
    last_day = DUTCH_TODAY - timedelta(days=1)  # 31 January: over in the Netherlands, not yet in UTC
    with db.transaction() as tx:
        record_consent(
            tx,
            actor,
            referral_id,
            _data(last_day - timedelta(days=10), last_day),
            now=datetime(2026, 1, 30, 12, tzinfo=UTC),
        )
    target = tmp_path / "handover.pdf"
    with db.transaction() as tx, pytest.raises(RefusedError):
        export_document(tx, actor, referral_id, HANDOVER_PDF, target, now=AFTER_MIDNIGHT)
    assert not target.exists()
    with db.transaction() as tx:
        assert tx.exec(Disclosure.__table__.select()).all() == []
