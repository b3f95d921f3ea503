"""Issue 12, part 3: moving a practice from its file onto an empty server database
(``server_copy``): everything, checked, all or nothing, and refused when it would mix practices."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from broadtalk import audit, client_order, i18n, server_copy
from broadtalk.clients import search_clients
from broadtalk.conversations import load_conversation
from broadtalk.demo import generate_demo
from broadtalk.errors import RefusedError
from broadtalk.permissions import PermissionRefused
from broadtalk.practitioners import Actor, Role
from broadtalk.store.database import Database
from broadtalk.store.server import ServerDatabase
from broadtalk.store.tables import AuditEntry, Conversation, Practitioner, metadata
from tests.conftest import SERVER_PASSPHRASE

TODAY = date(2026, 3, 2)


@pytest.fixture
def practice_file(tmp_path):
    database = Database.open(tmp_path / "praktijk.sqlite", passphrase=SERVER_PASSPHRASE)
    generate_demo(database, clients=25, seed=5, today=TODAY)
    yield database
    database.close()


def _actor(database, role: Role) -> Actor:
    with database.transaction() as tx:
        row = tx.exec(select(Practitioner).where(Practitioner.role == role.value)).scalars().first()
        return Actor(row.id, row.name, Role(row.role), row.administers)


@pytest.fixture
def empty_server(pg_server):
    name = "kopie_doel"
    url = pg_server.create_database(name)
    database = ServerDatabase.open(url, passphrase=SERVER_PASSPHRASE)
    yield database
    database.close()
    pg_server.drop_database(name)


def _counts(database) -> dict[str, int]:
    with database.engine.connect() as connection:
        return {
            t.name: connection.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables
        }


def test_every_row_arrives_readable_in_list_order_with_its_trail_intact(practice_file, empty_server) -> None:
    manager = _actor(practice_file, Role.PRACTICE_MANAGER)
    nurse = _actor(practice_file, Role.PRACTICE_NURSE)
    with practice_file.transaction() as tx:
        listed_before = [(c.id, c.client_number, c.family_name, c.given_name) for c in search_clients(tx, nurse)]
        found_before = [c.id for c in search_clients(tx, nurse, "berg")]
        conversation_id = tx.exec(select(Conversation.id).order_by(Conversation.id.desc())).scalars().first()
        record_before = load_conversation(tx, nurse, conversation_id)
    before = _counts(practice_file)

    report = server_copy.copy_to_server(practice_file, manager, empty_server)

    after = _counts(empty_server)
    assert report.clients == before["client"] == after["client"] == 25
    # The server adds the copy's own audit entry; its settings hold its practice key's salt and
    # check value instead of the file's search key.
    assert after == {**before, "audit_entry": before["audit_entry"] + 1, "setting": before["setting"] + 1}
    with empty_server.transaction() as tx:
        assert [
            (c.id, c.client_number, c.family_name, c.given_name) for c in search_clients(tx, nurse)
        ] == listed_before
        assert [c.id for c in search_clients(tx, nurse, "berg")] == found_before
        assert load_conversation(tx, nurse, conversation_id) == record_before
        assert audit.verify_chain(tx).intact
        assert audit.seal_problems(tx, empty_server.place) == ()
        last = tx.exec(select(AuditEntry).order_by(AuditEntry.id.desc())).scalars().first()
        assert (last.object_type, last.detail) == ("database", "copied from file")
    with practice_file.transaction() as tx:
        last = tx.exec(select(AuditEntry).order_by(AuditEntry.id.desc())).scalars().first()
        assert (last.object_type, last.detail) == ("database", "copied to server")


def test_a_second_copy_into_a_database_in_use_is_refused_and_changes_nothing(practice_file, empty_server) -> None:
    i18n.set_language("en")
    manager = _actor(practice_file, Role.PRACTICE_MANAGER)
    server_copy.copy_to_server(practice_file, manager, empty_server)
    before = _counts(empty_server)
    with pytest.raises(RefusedError, match="already holds a practice"):
        server_copy.copy_to_server(practice_file, manager, empty_server)
    assert _counts(empty_server) == before


def test_who_does_not_run_the_practice_may_not_copy_it(practice_file, empty_server) -> None:
    nurse = _actor(practice_file, Role.PRACTICE_NURSE)
    with pytest.raises(PermissionRefused):
        server_copy.copy_to_server(practice_file, nurse, empty_server)
    assert _counts(empty_server)["client"] == 0


def test_a_failure_half_way_leaves_the_server_empty_and_a_later_copy_works(
    practice_file, empty_server, monkeypatch
) -> None:
    manager = _actor(practice_file, Role.PRACTICE_MANAGER)
    empty = _counts(empty_server)

    def broken(*_args, **_kwargs):
        raise OSError("the network went away")

    monkeypatch.setattr(client_order, "assign_all", broken)
    with pytest.raises(OSError):
        server_copy.copy_to_server(practice_file, manager, empty_server)
    assert _counts(empty_server) == empty
    monkeypatch.undo()
    assert server_copy.copy_to_server(practice_file, manager, empty_server).clients == 25


def test_the_monitors_kept_count_is_not_copied_but_counted_again_on_the_server(practice_file, empty_server) -> None:
    """The monitor's kept count (``monitoring_kept``) belongs to the data it was counted on: the
    server counts its own the first time its monitor opens, with the same figures."""
    from broadtalk.monitoring import Filter, Period, count_for, forget_computed

    manager = _actor(practice_file, Role.PRACTICE_MANAGER)
    view = Filter(Period(TODAY.year))
    in_file = count_for(practice_file, manager, view).figures
    assert _counts(practice_file)["monitor_count"] == 1

    server_copy.copy_to_server(practice_file, manager, empty_server)

    assert _counts(empty_server)["monitor_count"] == 0
    forget_computed()
    on_server = count_for(empty_server, manager, view, earlier=True).figures
    assert not on_server.stale and on_server.counted_at > in_file.counted_at
    assert on_server.clients_total == in_file.clients_total and on_server.referrals == in_file.referrals
    assert _counts(empty_server)["monitor_count"] == 1
