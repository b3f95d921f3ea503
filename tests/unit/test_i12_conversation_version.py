"""Issue 12: every change to a conversation counts its version up (revision 0010), the ground of
optimistic locking between workstations."""

from __future__ import annotations

from datetime import date

from broadtalk.clients import ClientInput, create_client
from broadtalk.conversations import add_goal, assess_domain, set_closing, start_conversation
from broadtalk.store.tables import Conversation
from tests.conftest import NOW


def _version(db, conversation_id: int) -> int:
    with db.transaction() as tx:
        row = tx.get(Conversation, conversation_id)
        assert row is not None
        return row.version


def test_each_change_counts_the_version_up_and_a_look_does_not(db, actor) -> None:
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Jan", "Bakker", birth_date=date(1950, 1, 2)), now=NOW)
        conversation = start_conversation(tx, actor, client.id, "positive-health", 1, now=NOW).id
    first = _version(db, conversation)
    with db.transaction() as tx:
        assess_domain(tx, actor, conversation, "bodily-functions", score=6, now=NOW)
    assert _version(db, conversation) == first + 1
    with db.transaction() as tx:
        set_closing(tx, actor, conversation, what_matters_most="Weer buiten komen", now=NOW)
        add_goal(tx, actor, conversation, "Twee keer per week wandelen", domain_id="bodily-functions", now=NOW)
    assert _version(db, conversation) == first + 3
    assert _version(db, conversation) == first + 3
