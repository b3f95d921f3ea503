"""Issue 12: Today (the start page) reads its lists from indexes, never every conversation or action.

Each list walks an index in its own order and stops at the limit; its count stops at
``COUNT_CAP``. Open drafts come from the partial index of open conversations, actions from the
partial index of actions not done; "is there a later conversation of this model?" is one seek."""

from __future__ import annotations

import pytest

from broadtalk.clients import ClientInput, create_client
from broadtalk.conversations import start_conversation
from broadtalk.today import today_overview
from tests.conftest import NOW
from tests.unit.i12_query_plans import query_plans


@pytest.mark.embedded  # about the embedded file (SQLite plans, pages, backups)
@pytest.mark.parametrize("mine", [True, False])
def test_every_list_of_today_and_its_count_is_read_from_an_index(db, actor, mine):
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Jan", "Berg", "07-03-1951"), now=NOW)
        start_conversation(tx, actor, client.id, "positive-health", 1, now=NOW)

    def run() -> None:
        with db.transaction() as tx:  # limit 0: every list is "cut", so every count runs too
            today_overview(tx, actor, mine=mine, limit=0)

    plans = query_plans(db, run)

    # A walk of a partial index reads the open items only; any other scan reads them all.
    partial = ("ix_conversation_open", "ix_action_open_due")
    scans = [
        line
        for line in plans
        if line.startswith("SCAN")
        and any(table in line for table in ("conversation", "action", "client"))
        and not any(index in line for index in partial)
    ]
    assert scans == []  # before: SCAN conversation for the open drafts (status has no index)
    assert any("ix_conversation_open" in line for line in plans)
    assert any("ix_action_open_due" in line for line in plans)


def test_the_lists_still_hold_what_is_due(db, actor):
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Jan", "Berg", "07-03-1951"), now=NOW)
        start_conversation(tx, actor, client.id, "positive-health", 1, now=NOW)
    with db.transaction() as tx:
        overview = today_overview(tx, actor, mine=True)
    assert [draft.client.name for draft in overview.drafts.items] == ["Jan Berg"]
    assert overview.drafts.total == 1 and not overview.drafts.capped
