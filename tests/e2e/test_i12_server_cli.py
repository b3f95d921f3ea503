"""Issue 12: the command line with a server address. A wrong or unreachable address, a command
that belongs to the file, and a copy onto a server that is not empty: each is one clear line,
and neither the file nor the server is changed."""

from __future__ import annotations

import pytest

from broadtalk import i18n
from broadtalk.demo import generate_demo
from broadtalk.store.database import Database
from tests import engines
from tests.conftest import SERVER_PASSPHRASE
from tests.e2e.test_cli import run


@pytest.fixture
def practice_file(tmp_path):
    database = Database.open(tmp_path / "praktijk.sqlite", passphrase=SERVER_PASSPHRASE)
    from datetime import date

    generate_demo(database, clients=3, seed=2, today=date(2026, 3, 2))
    database.close()
    return tmp_path / "praktijk.sqlite"


@pytest.fixture(autouse=True)
def english(monkeypatch):
    i18n.set_language("en")
    monkeypatch.setenv("BROADTALK_LANGUAGE", "en")
    monkeypatch.setenv("BROADTALK_PASSPHRASE", SERVER_PASSPHRASE)
    monkeypatch.setenv("BROADTALK_USER", "4")  # the demo's practice manager
    monkeypatch.setenv("BROADTALK_PIN", "12345")


@pytest.mark.parametrize(
    ("address", "says"),
    [
        ("postgresql://", "needs a host and a database name"),
        ("postgresql://u:geheim-wachtwoord@127.0.0.1:1/praktijk", "cannot be reached"),
    ],
)
def test_a_wrong_or_unreachable_server_is_one_line_without_its_password(capsys, address, says):
    code, _out, err = run(["--db", address, "clients"], capsys)
    assert code == 1
    (line,) = err.strip().splitlines()
    assert says in line and "geheim-wachtwoord" not in line


@pytest.mark.parametrize("command", [["backup", "--out", "x.sqlite"], ["check"], ["encrypt"]])
def test_file_commands_on_a_server_say_it_is_the_servers_work_and_touch_nothing(capsys, server_url, command):
    before = _dump(server_url)
    code, _out, err = run(["--db", server_url, *command], capsys)
    assert code == 1 and "is the server's own work there" in err, err
    assert _dump(server_url) == before


def test_copy_to_server_refuses_an_address_that_is_no_server(capsys, practice_file):
    code, _out, err = run(["--db", str(practice_file), "copy-to-server", "/tmp/elders.sqlite"], capsys)
    assert code == 2 and "is no server address" in err


def test_copy_to_server_refuses_a_server_database_in_use_and_changes_neither(capsys, practice_file, server_url):
    from broadtalk.practitioners import Role, create_practitioner
    from broadtalk.store.server import ServerDatabase
    from tests.conftest import NOW

    server = ServerDatabase.open(server_url, passphrase=SERVER_PASSPHRASE)
    with server.transaction() as tx:
        create_practitioner(tx, "Al in gebruik", Role.PRACTICE_NURSE, now=NOW)
    server.close()
    before = _dump(server_url)
    code, _out, err = run(["--db", str(practice_file), "copy-to-server", server_url], capsys)
    assert code == 1 and "already holds a practice" in err, err
    assert _dump(server_url) == before


def test_copy_to_server_copies_and_the_server_then_answers_the_same(capsys, practice_file, empty_server_url):
    code, _out, err = run(["--db", str(practice_file), "clients", "--json"], capsys)
    assert code == 0, err
    listed = _out
    code, out, err = run(["--db", str(practice_file), "copy-to-server", empty_server_url], capsys)
    assert code == 0 and "copied to" in out and "checked" in out, err
    assert "@" not in out  # the address is shown without user or password
    code, out, err = run(["--db", empty_server_url, "clients", "--json"], capsys)
    assert code == 0 and out == listed, err


def _dump(url: str):
    from broadtalk.store.server import ServerDatabase

    database = ServerDatabase.open(url, passphrase=SERVER_PASSPHRASE)
    try:
        return engines.dump(database)
    finally:
        database.close()


def test_use_server_remembers_a_server_that_answers_and_the_commands_then_go_there(
    capsys, empty_server_url, practice_file
):
    from broadtalk import config

    code, out, _err = run(["use-server"], capsys)
    assert code == 0 and "database on this computer" in out
    code, _out, err = run(["use-server", "postgresql://u:geheim-wachtwoord@127.0.0.1:1/praktijk"], capsys)
    assert code == 1 and "cannot be reached" in err and "geheim" not in err
    assert config.remembered_server() is None  # nothing kept
    code, _out, err = run(["use-server", "/tmp/praktijk.sqlite"], capsys)
    assert code == 2 and "is no server address" in err

    code, out, _err = run(["use-server", empty_server_url], capsys)
    assert code == 0 and "It is empty" in out
    password = empty_server_url.split(":")[2].split("@")[0]
    assert password not in out and password not in config.remembered_server()
    code, out, _err = run(["use-server"], capsys)
    assert code == 0 and empty_server_url.rsplit("/", 1)[1] in out and password not in out

    # Without --db the commands use the chosen server (its password from the kept file).
    code, _out, err = run(["check"], capsys)
    assert code == 1 and "is the server's own work there" in err
    code, _out, err = run(["use-server", "--here", empty_server_url], capsys)
    assert code == 1 and "not both" in err
    code, out, _err = run(["use-server", "--here"], capsys)
    assert code == 0 and config.remembered_server() is None and not config.server_password_file().exists()
