"""Issue 12: the practice's server chosen at a workstation's first start. The address is checked
field by field (every wrong field named at once, nothing kept), kept without its password, the
password owner-only in libpq's own password file, and used by the app and by the commands on this
workstation without ``--db``."""

from __future__ import annotations

import json
import stat
from urllib.parse import urlsplit

import pytest

from broadtalk import config, i18n
from broadtalk.errors import StoreError
from broadtalk.server_choice import (
    DATABASE,
    HOST,
    PASSWORD,
    PORT,
    USER,
    InvalidServer,
    ServerInput,
    check_password,
    split_address,
    try_server,
    use_server,
    validate_server,
)
from broadtalk.store.server import ServerDatabase


@pytest.fixture(autouse=True)
def english():
    i18n.set_language("en")


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_wrong_field_is_named_at_once_and_says_how_to_mend_it():
    with pytest.raises(InvalidServer) as refused:
        validate_server("  ", "99999", "", "")
    problems = refused.value.problems
    assert set(problems) == {HOST, PORT, DATABASE, USER}
    assert "server.praktijk.local" in problems[HOST]
    assert "1 to 65535" in problems[PORT] and "5432" in problems[PORT]
    assert "database" in problems[DATABASE]
    assert "user name" in problems[USER]
    for host in ("server praktijk", "a/b", "x@y", "q?x", "h#"):
        with pytest.raises(InvalidServer) as refused:
            validate_server(host, "", "praktijk", "poh")
        assert set(refused.value.problems) == {HOST}
    for port in ("abc", "0", "-5", "70000", "5 4"):
        with pytest.raises(InvalidServer) as refused:
            validate_server("db.local", port, "praktijk", "poh")
        assert set(refused.value.problems) == {PORT}


def test_fields_are_cleaned_and_the_port_defaults_to_postgresqls_own():
    server = validate_server("  db.praktijk.local ", "", " praktijk ", " poh ")
    assert server == ServerInput("db.praktijk.local", 5432, "praktijk", "poh", False)
    assert server.address() == "postgresql://poh@db.praktijk.local:5432/praktijk"
    assert validate_server("10.0.0.5", " 6543 ", "p", "u", secure_only=True).address() == (
        "postgresql://u@10.0.0.5:6543/p?sslmode=require"
    )
    assert validate_server("::1", "", "p", "u").address() == "postgresql://u@[::1]:5432/p"


def test_an_address_with_a_password_reads_back_as_the_same_fields_however_odd_the_password():
    for password in ("geheim", "p@ss:w/rd?#%", "spatie en é", "\\back"):
        server = validate_server("db.local", "5433", "praktijk-oost", "poh.jansen", secure_only=True)
        fields, secure = split_address(server.address(password))
        assert fields == {
            HOST: "db.local",
            PORT: "5433",
            DATABASE: "praktijk-oost",
            USER: "poh.jansen",
            PASSWORD: password,
        }
        assert secure
    assert split_address("not an address") is None
    assert split_address("postgresql://u@h:notaport/db") is None
    assert split_address("postgresql://u@h/db")[0][PORT] == ""


def test_a_password_the_password_file_cannot_keep_is_refused():
    for bad in ("two\nlines", "cr\r", "nul\0", "x" * 201):
        with pytest.raises(InvalidServer) as refused:
            check_password(bad)
        assert set(refused.value.problems) == {PASSWORD}
    check_password("")  # a server that asks none


def test_the_choice_is_kept_without_the_password_which_goes_owner_only_into_libpqs_file(isolated_home):
    server = validate_server("db.local", "5432", "praktijk", "poh")
    address = use_server(server, "ge:heim\\x")
    assert address == "postgresql://poh@db.local:5432/praktijk"
    assert config.remembered_server() == address
    kept = config.config_dir() / config.SERVER_FILE
    assert json.loads(kept.read_text()) == {"address": address}
    assert "heim" not in kept.read_text()
    passfile = config.server_password_file()
    assert passfile.read_text() == "db.local:5432:praktijk:poh:ge\\:heim\\\\x\n"
    assert _mode(passfile) == 0o600 and _mode(kept) == 0o600
    assert config.default_database() == address

    use_server(server, "")  # chosen again without a password: none is kept
    assert not passfile.exists()
    config.forget_server()
    assert config.remembered_server() is None
    assert config.default_database() == config.default_db_path()


def test_an_unreadable_or_strange_choice_falls_back_to_the_file_here(isolated_home):
    kept = config.config_dir() / config.SERVER_FILE
    kept.parent.mkdir(parents=True, exist_ok=True)
    for content in ("{not json", json.dumps(["x"]), json.dumps({"address": "/tmp/file.sqlite"})):
        kept.write_text(content)
        assert config.remembered_server() is None


def _parts(url: str) -> tuple[ServerInput, str]:
    parts = urlsplit(url)
    server = validate_server(parts.hostname, str(parts.port), parts.path.lstrip("/"), parts.username)
    return server, parts.password


def test_the_kept_password_opens_the_server_for_the_app_and_the_commands_and_goes_with_the_choice(
    server_url, isolated_home, capsys, monkeypatch
):
    from broadtalk.cli import main
    from tests.conftest import SERVER_PASSPHRASE

    server, password = _parts(server_url)
    with pytest.raises(StoreError) as refused:
        try_server(server, "wrong password")
    assert "refused the user name or password" in refused.value.message
    assert config.remembered_server() is None  # trying keeps nothing

    assert try_server(server, password) is True  # set up already: a practice is there
    address = use_server(server, password)
    assert password not in address
    db = ServerDatabase.open(address, passphrase=SERVER_PASSPHRASE)  # the password comes from the kept file
    db.close()

    # A command without --db works on the chosen server (and says so with its place).
    monkeypatch.setenv("BROADTALK_PASSPHRASE", SERVER_PASSPHRASE)
    assert main(["check"]) != 0
    assert "server" in capsys.readouterr().err
    i18n.set_language("en")  # the command set the interface language

    config.forget_server()
    with pytest.raises(StoreError) as refused:
        ServerDatabase.is_set_up(address)
    assert "refused the user name or password" in refused.value.message


def test_an_empty_server_database_is_found_empty(empty_server_url):
    server, password = _parts(empty_server_url)
    assert try_server(server, password) is False


def test_a_pipe_or_a_huge_file_in_place_of_the_choice_is_passed_over_without_waiting(isolated_home):
    import os

    folder = config.config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    os.mkfifo(folder / config.SERVER_FILE)  # reading it would wait for ever
    assert config.remembered_server() is None
    (folder / config.SIGNED_IN_FILE).write_text(json.dumps({"x": 1}) + " " * (64 * 1024))
    assert config.last_signed_in("x") is None
    config.remember_signed_in("x", 3)  # replaces the file it could not read
    assert config.last_signed_in("x") == 3
