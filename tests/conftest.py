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


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database.open(tmp_path / "test.sqlite")
    yield database
    database.close()


@pytest.fixture
def actor(db: Database) -> Actor:
    with db.transaction() as tx:
        return create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
