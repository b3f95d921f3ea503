"""Issue 12: a new passphrase for a practice database on a server. Every text under the practice
key is encrypted again, with the new salt and check value, the search index and the seal, in one
transaction: afterwards only the new passphrase opens and every text reads as before; a wrong
current passphrase, another workstation with the data open, or a text that does not open leaves
the server exactly as it was; a workstation that was open meanwhile writes nothing with the old
key. Always on the test server (whatever ``BROADTALK_TEST_ENGINE`` says)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text

from broadtalk import audit, i18n
from broadtalk.cli import main
from broadtalk.clients import search_clients
from broadtalk.demo import generate_demo
from broadtalk.errors import RefusedError, StoreError
from broadtalk.store import server_rekey
from broadtalk.store.database import WrongPassphrase
from broadtalk.store.practice_key import PREFIX, UnreadableText
from broadtalk.store.server import ServerDatabase
from broadtalk.store.tables import AuditEntry
from tests import engines
from tests.conftest import SERVER_PASSPHRASE

NEW = "een heel andere wachtzin"
PIN = "24680"


@pytest.fixture
def practice(server_url):
    """A small demo practice on the server (every kind of text)."""
    i18n.set_language("en")
    db = ServerDatabase.open(server_url, passphrase=SERVER_PASSPHRASE)
    generate_demo(db, clients=6, seed=3, today=date(2026, 11, 20))
    yield db
    db.close()


def _manager(db):
    from broadtalk.practitioners import create_practitioner, get_actor
    from broadtalk.sign_in import hash_secret
    from broadtalk.store.tables import Practitioner

    with db.transaction() as tx:
        actor = create_practitioner(tx, "Mirjam Bos", "practice_manager")
        row = tx.get(Practitioner, actor.id)
        row.secret_hash = hash_secret(PIN)
        tx.add(row)
        return get_actor(tx, actor.id)


def _nurse(tx):
    from broadtalk.practitioners import get_actor

    return get_actor(tx, 1)  # the demo's first practitioner: a practice nurse


def _plain(db) -> dict[str, list[tuple]]:
    """Every text table as the practice reads it (decrypted with the key the database holds)."""
    with db.transaction() as tx:
        return {
            table.name: [tuple(row) for row in tx.connection().execute(select(table).order_by(key))]
            for table, key, _columns in server_rekey.secret_columns()
        }


def _stored_texts(db) -> set[str]:
    found: set[str] = set()
    with db.engine.connect() as connection:
        for table, _key, columns in server_rekey.secret_columns():
            for column in columns:
                found |= {
                    value
                    for (value,) in connection.exec_driver_sql(f'SELECT "{column.name}" FROM "{table.name}"')
                    if value is not None
                }
    return found


def _record(actor):
    return lambda tx: audit.record(tx, actor, audit.Action.CHANGE, object_type="database", detail="passphrase")


def test_every_text_is_encrypted_again_and_reads_the_same_and_only_the_new_passphrase_opens(practice, server_url):
    db = practice
    actor = _manager(db)
    before_plain, before_stored = _plain(db), _stored_texts(db)
    assert sum(map(len, before_plain.values())) > 50 and all(v.startswith(PREFIX) for v in before_stored)
    with db.transaction() as tx:
        someone = search_clients(tx, _nurse(tx), "")[0]
    word = someone.family_name.split()[-1]

    db.change_passphrase(SERVER_PASSPHRASE, NEW, _record(actor))

    after_stored = _stored_texts(db)
    assert after_stored and not after_stored & before_stored  # not one cipher text left as it was
    assert all(v.startswith(PREFIX) for v in after_stored)
    assert _plain(db) == before_plain  # this workstation goes on with the new key
    db.close()
    with pytest.raises(WrongPassphrase):
        ServerDatabase.open(server_url, passphrase=SERVER_PASSPHRASE)
    again = ServerDatabase.open(server_url, passphrase=NEW)
    try:
        assert _plain(again) == before_plain
        with again.transaction() as tx:
            assert someone.id in {c.id for c in search_clients(tx, _nurse(tx), word)}  # the index under the new key
            assert audit.verify_chain(tx).intact
            assert audit.seal_problems(tx, again.place) == ()
            last = tx.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
            assert (last.action, last.detail) == (audit.Action.CHANGE, "passphrase")
    finally:
        again.close()


def test_a_wrong_current_passphrase_or_a_weak_new_one_changes_nothing(practice):
    db = practice
    before = engines.dump(db)
    with pytest.raises(WrongPassphrase):
        db.change_passphrase("not the passphrase", NEW)
    with pytest.raises(StoreError):
        db.change_passphrase(SERVER_PASSPHRASE, "kort")
    assert engines.dump(db) == before
    with db.transaction() as tx:  # still working with its own key
        assert search_clients(tx, _nurse(tx), "")


def test_refused_while_another_workstation_has_the_data_open(practice, server_url):
    db = practice
    other = ServerDatabase.open(server_url, passphrase=SERVER_PASSPHRASE)
    try:
        with other.transaction() as tx:
            search_clients(tx, _nurse(tx), "")
        before = engines.dump(db)
        with pytest.raises(RefusedError) as refused:
            db.change_passphrase(SERVER_PASSPHRASE, NEW)
        assert "close broadtalk" in refused.value.message
        assert engines.dump(db) == before
    finally:
        other.close()
    db.change_passphrase(SERVER_PASSPHRASE, NEW)  # once it closed


def test_a_workstation_open_meanwhile_writes_nothing_with_the_old_key(practice, server_url):
    db = practice
    other = ServerDatabase.open(server_url, passphrase=SERVER_PASSPHRASE)
    other.engine.dispose()  # between two steps it holds no connection
    db.change_passphrase(SERVER_PASSPHRASE, NEW)
    before = engines.dump(db)
    with pytest.raises(StoreError) as refused, other.transaction() as tx:
        tx.execute(text("UPDATE client SET phone = NULL"))
    assert "changed on another workstation" in refused.value.message
    assert engines.dump(db) == before
    other.close()


def test_a_text_that_does_not_open_stops_the_change_and_keeps_everything(practice, server_url):
    db = practice
    with db.engine.begin() as connection:  # changed on the server, behind broadtalk's back
        connection.exec_driver_sql(
            "UPDATE referral_event SET note = (SELECT note FROM referral_event WHERE note IS NOT NULL LIMIT 1) "
            "WHERE id = (SELECT max(id) FROM referral_event)"
        )
        connection.exec_driver_sql(
            "UPDATE action SET who = (SELECT what FROM action WHERE what IS NOT NULL LIMIT 1) "
            "WHERE id = (SELECT min(id) FROM action)"
        )
    before = engines.dump(db)
    with pytest.raises(UnreadableText) as refused:
        db.change_passphrase(SERVER_PASSPHRASE, NEW)
    assert "action.who" in refused.value.message
    assert engines.dump(db) == before
    with db.transaction() as tx:  # the old key still in use here, and on the server
        assert search_clients(tx, _nurse(tx), "")
    db.close()
    ServerDatabase.open(server_url, passphrase=SERVER_PASSPHRASE).close()


def test_the_command_changes_it_for_a_practice_manager_and_refuses_a_nurse(practice, server_url, monkeypatch, capsys):
    db = practice
    manager = _manager(db)
    db.close()
    monkeypatch.setenv("BROADTALK_LANGUAGE", "en")
    monkeypatch.setenv("BROADTALK_PASSPHRASE", SERVER_PASSPHRASE)
    monkeypatch.setenv("BROADTALK_NEW_PASSPHRASE", NEW)
    monkeypatch.setenv("BROADTALK_PIN", "12345")
    monkeypatch.setenv("BROADTALK_USER", "1")  # the demo's first practitioner: a practice nurse
    assert main(["--db", server_url, "passphrase"]) != 0
    said = capsys.readouterr().err
    assert "practice nurse" in said.lower() and "Traceback" not in said
    ServerDatabase.open(server_url, passphrase=SERVER_PASSPHRASE).close()  # unchanged

    monkeypatch.setenv("BROADTALK_USER", str(manager.id))
    monkeypatch.setenv("BROADTALK_PIN", PIN)
    assert main(["--db", server_url, "passphrase"]) == 0
    out = capsys.readouterr().out
    assert "every workstation opens the data with it" in out
    assert "server-secret" not in out
    ServerDatabase.open(server_url, passphrase=NEW).close()
