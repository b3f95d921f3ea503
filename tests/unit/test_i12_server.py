"""Issue 12, part 3: a practice database on a PostgreSQL server. These tests always run on the
server the tests start themselves (whatever ``BROADTALK_TEST_ENGINE`` says): what the server
sees, the practice key, the list order without names, two workstations at once, the refusals."""

from __future__ import annotations

import itertools
import logging
import threading
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from broadtalk import client_order, i18n
from broadtalk.clients import ClientInput, create_client, search_clients, update_client
from broadtalk.conversations import assess_domain, set_closing, start_conversation
from broadtalk.errors import StoreError
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.store.database import PassphraseNeeded, WrongPassphrase
from broadtalk.store.practice_key import UnreadableText
from broadtalk.store.server import ServerDatabase
from broadtalk.text import fold
from tests import engines
from tests.conftest import NOW, SERVER_PASSPHRASE

RANK = st.text(alphabet=client_order.DIGITS, max_size=8).filter(lambda r: not r.endswith("0"))


# -- ranks ------------------------------------------------------------------------------------------


@given(RANK, RANK)
def test_a_rank_between_two_others_sorts_between_them_and_never_ends_in_zero(a: str, b: str) -> None:
    low, high = sorted((a, b))
    if low == high:
        return
    middle = client_order.between(low, high)
    assert low < middle < high
    assert not middle.endswith("0")
    assert set(middle) <= set(client_order.DIGITS)


@given(RANK)
def test_there_is_always_room_at_the_start_and_the_end(rank: str) -> None:
    if rank:
        assert "" < client_order.between("", rank) < rank
    assert rank < client_order.between(rank, None)


@settings(max_examples=30)
@given(st.integers(min_value=0, max_value=5000))
def test_evenly_spaced_ranks_are_in_order_and_leave_room(count: int) -> None:
    ranks = client_order.ranks_for(count)
    assert len(ranks) == count
    assert ranks == sorted(ranks) and len(set(ranks)) == count
    for low, high in itertools.pairwise(ranks):
        assert low < client_order.between(low, high) < high


def test_inserting_many_times_at_one_place_keeps_ranks_short_enough() -> None:
    low, high = "a", "b"
    for _ in range(200):  # a practice adding 200 clients who all sort at the same place
        high = client_order.between(low, high)
        assert low < high
    assert len(high) < 60


# -- the server -----------------------------------------------------------------------------------------


@pytest.fixture
def server(server_url: str):
    database = ServerDatabase.open(server_url, passphrase=SERVER_PASSPHRASE)
    yield database
    database.close()


def _person(given: str, family: str, prefix: str = "", born: date = date(1960, 5, 1), **extra) -> ClientInput:
    return ClientInput(given_name=given, family_name=family, name_prefix=prefix, birth_date=born, **extra)


NAMES = [
    ("Anna", "Berg", "van den"),
    ("Çelik", "Öztürk", ""),
    ("Jan", "Bakker", ""),
    ("Zeynep", "Aydın", ""),
    ("Piet", "Vries", "de"),
    ("anna", "Berg", ""),
    ("Émile", "Dijk", "van"),
    ("Mo", "Amrani", "el"),
]


def test_the_list_comes_in_dutch_order_while_the_server_sees_only_ranks(server) -> None:
    with server.transaction() as tx:
        nurse = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
    for first, family, prefix in NAMES:  # one by one: each finds its own place among the others
        with server.transaction() as tx:
            create_client(tx, nurse, _person(first, family, prefix, phone="0612345678"), now=NOW)
    with server.transaction() as tx:
        listed = search_clients(tx, nurse)
    expected = sorted(listed, key=lambda c: (fold(f"{c.family_name} {c.given_name} {c.name_prefix}"), c.id))
    assert [c.id for c in listed] == [c.id for c in expected]
    with server.engine.connect() as connection:
        raw = connection.execute(text("SELECT sort_key, given_name, family_name, phone FROM client")).all()
    for sort_key, first, family, phone in raw:
        assert set(sort_key) <= set(client_order.DIGITS)
        assert first.startswith("bt1:") and family.startswith("bt1:") and phone.startswith("bt1:")


def test_a_renamed_client_moves_to_their_new_place(server) -> None:
    with server.transaction() as tx:
        nurse = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
        ids = [create_client(tx, nurse, _person(g, f, p), now=NOW).id for g, f, p in NAMES]
    with server.transaction() as tx:
        update_client(tx, nurse, ids[2], _person("Jan", "Zwart"), now=NOW)  # Bakker becomes Zwart: last
        update_client(tx, nurse, ids[4], _person("Piet", "Aa", "de"), now=NOW)  # de Vries becomes de Aa: first
    with server.transaction() as tx:
        listed = [c.id for c in search_clients(tx, nurse)]
    assert listed[0] == ids[4] and listed[-1] == ids[2]
    with server.transaction() as tx:
        page = search_clients(tx, nurse, limit=3)
        rest = search_clients(tx, nurse, limit=100, after=page[-1])
    assert [c.id for c in page + rest] == listed


def test_long_search_words_find_names_without_the_server_comparing_them(server) -> None:
    with server.transaction() as tx:
        nurse = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
        wanted = create_client(tx, nurse, _person("Maria", "Schoonderwoerd-Vermeulen"), now=NOW).id
        create_client(tx, nurse, _person("Karel", "Schoonderbeek"), now=NOW)
    with server.transaction() as tx:
        assert [c.id for c in search_clients(tx, nurse, "schoonderwoerd")] == [wanted]
        assert [c.id for c in search_clients(tx, nurse, "derwoerd-vermeulen")] == [wanted]
        assert search_clients(tx, nurse, "schoonderwoerdx") == []


SECRETS = ("Zilverschoon", "Reinoudina", "0687654321", "kleinzoon komt niet meer langs", "schulden bij de woningbouw")


def test_the_server_holds_no_name_contact_detail_or_word_said(server) -> None:
    with server.transaction() as tx:
        nurse = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
        client = create_client(
            tx, nurse, _person("Reinoudina", "Zilverschoon", phone="0687654321", city="Zilverschoon"), now=NOW
        )
        conversation = start_conversation(tx, nurse, client.id, "positive-health", 1, now=NOW)
        set_closing(tx, nurse, conversation.id, what_matters_most=SECRETS[3], now=NOW)
        assess_domain(tx, nurse, conversation.id, "bodily-functions", score=4, notes=SECRETS[4], now=NOW)
    everything = repr(engines.dump(server, skip=()))
    for secret in SECRETS:
        assert secret not in everything
        assert fold(secret) not in everything
    with server.transaction() as tx:
        assert search_clients(tx, nurse, "zilver")[0].family_name == "Zilverschoon"


def test_a_text_changed_or_moved_on_the_server_is_refused_with_a_clear_message(server) -> None:
    i18n.set_language("en")
    with server.transaction() as tx:
        nurse = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
        create_client(tx, nurse, _person("Reinoudina", "Zilverschoon", phone="0687654321"), now=NOW)
    with server.engine.begin() as connection:  # an administrator moves the phone into the name
        connection.execute(text("UPDATE client SET given_name = phone"))
    with pytest.raises(UnreadableText, match=r"client\.given_name"), server.transaction() as tx:
        search_clients(tx, nurse)


def test_the_wrong_passphrase_opens_nothing_and_none_is_asked_for(server_url: str) -> None:
    i18n.set_language("en")
    with pytest.raises(WrongPassphrase, match="does not open"):
        ServerDatabase.open(server_url, passphrase="een ander wachtwoord")
    with pytest.raises(PassphraseNeeded):
        ServerDatabase.open(server_url, passphrase=None)


def test_an_empty_database_is_set_up_only_when_asked_and_one_with_other_tables_never(pg_server) -> None:
    i18n.set_language("en")
    url = pg_server.create_database("leeg_voor_test")
    try:
        with pytest.raises(StoreError, match="not set up for broadtalk yet"):
            ServerDatabase.open(url, passphrase=SERVER_PASSPHRASE, create=False)
        with pg_server.admin("leeg_voor_test") as connection:
            connection.execute("CREATE TABLE boekhouding (id int)")
        with pytest.raises(StoreError, match="other tables"):
            ServerDatabase.open(url, passphrase=SERVER_PASSPHRASE)
        with pg_server.admin("leeg_voor_test") as connection:
            tables = [r[0] for r in connection.execute("SELECT tablename FROM pg_tables WHERE schemaname='public'")]
        assert tables == ["boekhouding"]  # refused untouched
    finally:
        pg_server.drop_database("leeg_voor_test")


def test_a_server_that_cannot_be_reached_or_refuses_is_said_without_its_password(pg_server, caplog) -> None:
    i18n.set_language("en")
    caplog.set_level(logging.DEBUG)
    wrong = pg_server.url("template_practice", password="geheim-fout-wachtwoord")
    with pytest.raises(StoreError, match="refused the user name or password") as refused:
        ServerDatabase.open(wrong, passphrase=SERVER_PASSPHRASE)
    with pytest.raises(StoreError, match="cannot be reached") as unreachable:
        ServerDatabase.open("postgresql://u:geheim-fout-wachtwoord@127.0.0.1:1/x", passphrase=SERVER_PASSPHRASE)
    for said in (str(refused.value), str(unreachable.value), caplog.text):
        assert "geheim-fout-wachtwoord" not in said
    with pytest.raises(StoreError, match="host and a database name"):
        ServerDatabase.open("postgresql://", passphrase=SERVER_PASSPHRASE)


def test_the_audit_trail_is_append_only_on_the_server_too(server) -> None:
    with server.transaction() as tx:
        nurse = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
        create_client(tx, nurse, _person("Jan", "Bakker"), now=NOW)  # an audit entry
    for statement in ("UPDATE audit_entry SET detail = 'x'", "DELETE FROM audit_entry", "TRUNCATE audit_entry"):
        with pytest.raises(Exception, match="append-only"), server.engine.begin() as connection:
            connection.execute(text(statement))


def test_two_workstations_making_clients_at_once_lose_none_and_share_no_number(server_url: str) -> None:
    first = ServerDatabase.open(server_url, passphrase=SERVER_PASSPHRASE)
    second = ServerDatabase.open(server_url, passphrase=SERVER_PASSPHRASE)
    try:
        with first.transaction() as tx:
            nurse = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
        errors: list[BaseException] = []

        def work(database, family: str) -> None:
            try:
                for number in range(15):
                    with database.transaction() as tx:
                        create_client(tx, nurse, _person(f"Kind{number}", family), now=NOW)
            except BaseException as error:  # reported below
                errors.append(error)

        threads = [threading.Thread(target=work, args=(db, name)) for db, name in ((first, "Oost"), (second, "West"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with first.transaction() as tx:
            listed = search_clients(tx, nurse)
        assert len(listed) == 30
        assert len({c.client_number for c in listed}) == 30
        assert [c.family_name for c in listed] == ["Oost"] * 15 + ["West"] * 15
    finally:
        first.close()
        second.close()


def _self_signed(folder) -> tuple:
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    cert, private = folder / "server.crt", folder / "server.key"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert, private


def _uses_tls(database) -> bool:
    with database.engine.connect() as connection:
        return bool(connection.execute(text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).scalar())


def test_connections_use_tls_when_the_server_offers_it_and_may_demand_it(tmp_path) -> None:
    import shutil
    import tempfile
    from pathlib import Path

    from tests import pg_server as servers

    i18n.set_language("en")
    folder = Path(tempfile.mkdtemp(prefix=servers.PREFIX + "tls-"))
    server = servers.start(folder, ssl_cert=_self_signed(tmp_path))
    try:
        url = server.create_database("tls")
        database = ServerDatabase.open(url, passphrase=SERVER_PASSPHRASE)
        try:
            assert _uses_tls(database)
        finally:
            database.close()
        demanded = ServerDatabase.open(url + "?sslmode=require", passphrase=SERVER_PASSPHRASE)
        demanded.close()
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_a_server_without_tls_is_used_plainly_unless_tls_is_demanded(server, server_url) -> None:
    i18n.set_language("en")
    assert not _uses_tls(server)
    with pytest.raises(StoreError, match="secure"):
        ServerDatabase.open(server_url + "?sslmode=require", passphrase=SERVER_PASSPHRASE)


def test_a_database_with_records_but_no_key_salt_is_refused_never_keyed_anew(server, server_url) -> None:
    """Someone removed the practice key's salt on the server: a new key would make every stored
    text unreadable for good. It is refused, and nothing is written."""
    i18n.set_language("en")
    with server.transaction() as tx:
        nurse = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
        create_client(tx, nurse, _person("Jan", "Bakker"), now=NOW)
    server.close()
    with ServerDatabase.open(server_url, passphrase=SERVER_PASSPHRASE).engine.begin() as connection:
        connection.execute(text("DELETE FROM setting WHERE key LIKE 'practice_key_%'"))
    for attempt in (SERVER_PASSPHRASE, "een heel ander wachtwoord"):
        with pytest.raises(StoreError, match="key's salt is missing"):
            ServerDatabase.open(server_url, passphrase=attempt)
    import psycopg

    with psycopg.connect(server_url) as connection:
        keys = [r[0] for r in connection.execute("SELECT key FROM setting WHERE key LIKE 'practice_key_%'")]
    assert keys == []
