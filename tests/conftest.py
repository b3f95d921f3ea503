"""Shared fixtures: every test gets its own data and config folder and starts in Dutch."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from broadtalk import i18n
from broadtalk.practitioners import Actor, Role, create_practitioner
from broadtalk.store.database import Database

REPO = Path(__file__).resolve().parent.parent
BUILTIN = REPO / "broadtalk" / "forms" / "builtin"
NOW = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Data, settings and logs in a temp folder; Dutch, as a new user would have it."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("BROADTALK_HOME", str(home))
    monkeypatch.delenv("BROADTALK_LANGUAGE", raising=False)
    i18n.set_language("nl")
    yield home
    i18n.set_language("nl")


#: ``BROADTALK_TEST_ENGINE=postgresql`` runs every test that uses ``db`` on a PostgreSQL server
#: the tests start themselves (``tests/pg_server.py``); the default is the embedded file.
ENGINE = os.environ.get("BROADTALK_TEST_ENGINE", "sqlite")
SERVER_PASSPHRASE = "oefenpraktijk op de server"


def pytest_collection_modifyitems(config, items) -> None:
    """A run for PostgreSQL (``make test-server``) runs the tests that use a practice database
    (``db``, also through other fixtures); the rest does not depend on the engine and ran in
    ``make test`` already, as did the tests about the embedded file itself."""
    if ENGINE != "postgresql":
        return
    chosen = [i for i in items if "db" in getattr(i, "fixturenames", ()) and i.get_closest_marker("embedded") is None]
    others = [i for i in items if i not in set(chosen)]
    if others:
        config.hook.pytest_deselected(items=others)
    items[:] = chosen


@pytest.fixture(autouse=True, scope="session")
def _practice_key_derived_once_per_run():
    """The practice key's derivation (PBKDF2, 256,000 rounds) once per passphrase and salt in a
    test run, not at every opening of a test's server database (each a copy of one template)."""
    from functools import lru_cache

    from broadtalk.store import practice_key

    real = practice_key.derive
    practice_key.derive = lru_cache(maxsize=64)(real)
    yield
    practice_key.derive = real


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server of this test process, on loopback, with a set-up practice database
    to copy (``server_url``). Its folder is not under pytest's (owner-only) temporary folder:
    run as root, the server runs as another user, who must reach it."""
    import shutil
    import tempfile

    from tests import pg_server as servers

    servers.sweep()
    folder = Path(tempfile.mkdtemp(prefix=servers.PREFIX))
    server = servers.start(folder)
    url = server.create_database("template_practice")
    from broadtalk.store.server import ServerDatabase

    ServerDatabase.open(url, passphrase=SERVER_PASSPHRASE).close()
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def server_url(pg_server, request: pytest.FixtureRequest) -> Iterator[str]:
    """A new, set-up practice database on the test server (passphrase ``SERVER_PASSPHRASE``)."""
    name = f"t{abs(hash(request.node.nodeid)) % 10**12}_{os.getpid()}"
    url = pg_server.create_database(name, template="template_practice")
    yield url
    pg_server.drop_database(name)


@pytest.fixture
def empty_server_url(pg_server, request: pytest.FixtureRequest) -> Iterator[str]:
    """A new, empty database on the test server (nothing set up in it)."""
    name = f"e{abs(hash(request.node.nodeid)) % 10**12}_{os.getpid()}"
    url = pg_server.create_database(name)
    yield url
    pg_server.drop_database(name)


@pytest.fixture
def db(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Database]:
    """The practice database of a test: on the engine the run is for, except for tests marked
    ``embedded`` (about the file itself: its pages, SQLite's query plans, backups), which always
    get the file."""
    if ENGINE == "postgresql" and request.node.get_closest_marker("embedded") is None:
        from broadtalk.store.server import ServerDatabase

        database = ServerDatabase.open(request.getfixturevalue("server_url"), passphrase=SERVER_PASSPHRASE)
    else:
        database = Database.open(tmp_path / "test.sqlite")
    yield database
    database.close()


@pytest.fixture
def actor(db: Database) -> Actor:
    with db.transaction() as tx:
        return create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)


def pdf_metadata(path) -> str:
    """Everything a PDF says about itself outside its pages, as text: its document information
    (title, author, subject, keywords, creator, producer, dates) and its XMP metadata stream,
    read with pypdf (no system program needed)."""
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    info = reader.metadata or {}
    parts = [f"{key}: {value}" for key, value in info.items()]
    root = reader.trailer["/Root"]
    if "/Metadata" in root:
        parts.append(root["/Metadata"].get_object().get_data().decode("utf-8", "replace"))
    return "\n".join(parts)
