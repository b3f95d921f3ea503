"""Issue 12: no work at start-up that grows with the data. The whole check of the file
(``PRAGMA quick_check``, every page read) left the start path: opening the database and a
command run no such statement (seen in the SQL the connections execute, not in timings). A
damaged file is still found, with the same refusal and way out: before a backup is made, by
``broadtalk check``, when a damaged page is met in use, and at every opening after a failed
check. When the last check passed is kept beside the file (``store.integrity``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

import broadtalk.store.database as database_module
from broadtalk import cli
from broadtalk.backups import make_backup, restore
from broadtalk.clients import ClientInput, create_client, search_clients
from broadtalk.errors import StoreError
from broadtalk.i18n import _
from broadtalk.practitioners import Role
from broadtalk.store import integrity
from broadtalk.store.database import DamagedDatabase, Database, FileCheck, check_file, list_backups
from tests.conftest import NOW
from tests.e2e.signing_in import add_account_with_pin

PASSPHRASE = "de linde bloeit in juni"
PIN = "48213"
PAGE = 4096  # SQLCipher's page size
CHECKS = ("quick_check", "integrity_check")


def _damaged_message(path: Path) -> str:
    return _(
        "The database {path} is damaged (its integrity check failed). It was not changed; restore a backup."
    ).format(path=path)


@pytest.fixture
def practice(tmp_path: Path) -> tuple[Path, int]:
    """An encrypted practice with a nurse who signs in with ``PIN`` and 60 clients."""
    path = tmp_path / "practice.sqlite"
    db = Database.open(path, passphrase=PASSPHRASE)
    try:
        nurse = add_account_with_pin(db, "Anouk de Vries", Role.PRACTICE_NURSE, PIN)
        with db.transaction() as tx:
            for n in range(60):
                create_client(
                    tx,
                    nurse,
                    ClientInput(given_name=f"Naam{n}", family_name="Oosterhuisbeek", birth_date=date(1951, 3, 7)),
                    now=NOW,
                )
    finally:
        db.close()
    return path, nurse.id


def _damage_the_client_table(path: Path) -> bytes:
    """Overwrite bytes inside the client table's root page: a page the opening never reads."""
    db = Database.open(path, passphrase=PASSPHRASE)
    try:
        with db.engine.connect() as connection:
            root = connection.exec_driver_sql("SELECT rootpage FROM sqlite_master WHERE name = 'client'").scalar()
    finally:
        db.close()
    assert root and root > 2
    data = bytearray(path.read_bytes())
    start = (root - 1) * PAGE + 200
    data[start : start + 64] = b"\x00" * 64
    path.write_bytes(bytes(data))
    return bytes(data)


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every SQL statement any connection of the database module executes from now on."""
    seen: list[str] = []
    connect = database_module.sqlcipher.connect

    def traced(*args, **kwargs):
        connection = connect(*args, **kwargs)
        connection.set_trace_callback(seen.append)
        return connection

    monkeypatch.setattr(database_module.sqlcipher, "connect", traced)
    return seen


def _checks_in(statements: list[str]) -> list[str]:
    return [s for s in statements if any(word in s.lower() for word in CHECKS)]


# -- start-up runs no check --------------------------------------------------------------------


def test_opening_an_existing_database_reads_no_page_it_does_not_need(practice, statements) -> None:
    path, _nurse = practice
    db = Database.open(path, passphrase=PASSPHRASE)
    try:
        with db.transaction() as tx:
            assert tx.connection().exec_driver_sql("SELECT count(*) FROM client").scalar() == 60
    finally:
        db.close()
    assert statements, "the trace saw the connections"
    assert _checks_in(statements) == []


def test_a_command_runs_no_check_of_the_whole_file(practice, statements, monkeypatch, capsys) -> None:
    path, nurse = practice
    monkeypatch.setenv("BROADTALK_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("BROADTALK_USER", str(nurse))
    monkeypatch.setenv("BROADTALK_PIN", PIN)
    assert cli.main(["clients", "--db", str(path), "--search", "Naam1", "--json"]) == 0
    assert "Naam1" in capsys.readouterr().out
    assert any("FROM client" in s for s in statements)
    assert _checks_in(statements) == []


def test_opening_an_encrypted_database_derives_its_key_once(practice, statements) -> None:
    """SQLCipher derives the key from the passphrase (a tenth of a second) on every connection
    keyed with it: the inspection and the engine's connections now share one derivation."""
    path, _nurse = practice
    db = Database.open(path, passphrase=PASSPHRASE)
    try:
        for _round in range(3):
            with db.transaction() as tx:
                tx.connection().exec_driver_sql("SELECT count(*) FROM client").scalar()
        db.checkpoint(patience=0)
    finally:
        db.close()
    keyed = [s for s in statements if s.lower().startswith("pragma key")]
    assert keyed, "every connection is keyed"
    assert [s for s in keyed if PASSPHRASE in s] == []  # none derives the key from the passphrase again
    assert all(s.startswith("PRAGMA key = \"x'") for s in keyed)


def test_after_a_failed_check_every_opening_checks_again_and_refuses_while_damaged(practice) -> None:
    path, _nurse = practice
    damaged = _damage_the_client_table(path)
    Database.open(path, passphrase=PASSPHRASE).close()  # the damage is not on the start path
    with pytest.raises(DamagedDatabase) as caught:
        check_file(path, PASSPHRASE)
    assert caught.value.message == _damaged_message(path)
    assert integrity.failed_before(path)
    with pytest.raises(DamagedDatabase) as caught:
        Database.open(path, passphrase=PASSPHRASE)
    assert caught.value.message == _damaged_message(path)
    assert path.read_bytes() == damaged  # refused untouched


def test_a_file_put_in_place_does_not_inherit_the_old_files_verdict(practice, tmp_path) -> None:
    path, _nurse = practice
    integrity.write_verdict(path, False)
    assert integrity.failed_before(path)
    copy = tmp_path / "copy.sqlite"
    copy.write_bytes(path.read_bytes())
    copy.replace(path)  # another file at the same path (as a restore does)
    assert integrity.read_verdict(path) is None
    Database.open(path, passphrase=PASSPHRASE).close()


# -- a backup checks first ---------------------------------------------------------------------


def test_a_damaged_database_is_never_backed_up_silently(practice, tmp_path) -> None:
    path, nurse = practice
    _damage_the_client_table(path)
    db = Database.open(path, passphrase=PASSPHRASE)
    try:
        with db.transaction() as tx:
            actor = database_actor(tx, nurse)
        target = tmp_path / "kopie" / "backup.sqlite"
        with pytest.raises(DamagedDatabase) as caught:
            make_backup(db, actor, target)
        assert caught.value.message == _damaged_message(path)
        assert not target.exists() and not list((tmp_path / "kopie").glob("*"))  # no copy, no partial
        with pytest.raises(DamagedDatabase):
            db.rotating_backup(tmp_path / "backups")  # the backup on exit too
        assert list_backups(tmp_path / "backups") == []
    finally:
        db.close()
    assert integrity.failed_before(path)  # and the next start refuses it with the way out
    with pytest.raises(DamagedDatabase):
        Database.open(path, passphrase=PASSPHRASE)


def database_actor(tx, practitioner_id: int):
    from broadtalk.practitioners import list_practitioners

    return next(a for a in list_practitioners(tx) if a.id == practitioner_id)


def test_a_backup_of_an_intact_database_keeps_that_the_check_passed(practice, tmp_path) -> None:
    path, _nurse = practice
    assert integrity.read_verdict(path) is None and integrity.is_due(path)
    db = Database.open(path, passphrase=PASSPHRASE)
    try:
        db.backup_to(tmp_path / "backup.sqlite")
    finally:
        db.close()
    verdict = integrity.read_verdict(path)
    assert verdict is not None and verdict.passed
    assert not integrity.is_due(path)
    assert integrity.is_due(path, now=datetime.now(UTC) + integrity.CHECK_EVERY + timedelta(minutes=1))


def test_restoring_over_a_database_that_opens_but_is_damaged_keeps_its_bytes_aside(practice, tmp_path) -> None:
    path, _nurse = practice
    db = Database.open(path, passphrase=PASSPHRASE)
    try:
        backup = db.backup_to(tmp_path / "backup.sqlite")
    finally:
        db.close()
    damaged = _damage_the_client_table(path)
    result = restore(
        path, backup, backup_passphrase=PASSPHRASE, passphrase=PASSPHRASE, actor=None, safety_dir=tmp_path / "aside"
    )
    assert result.safety is not None and result.safety.read_bytes() == damaged
    assert not integrity.failed_before(path)
    check_file(path, PASSPHRASE)  # the restored file is whole


# -- damage met in use -------------------------------------------------------------------------


def test_a_damaged_page_met_in_use_gives_the_same_refusal_and_the_next_start_checks(practice) -> None:
    path, nurse = practice
    _damage_the_client_table(path)
    db = Database.open(path, passphrase=PASSPHRASE)
    try:
        with db.transaction() as tx:
            actor = database_actor(tx, nurse)
        with pytest.raises(DamagedDatabase) as caught, db.transaction() as tx:
            search_clients(tx, actor, "Naam")
        assert caught.value.message == _damaged_message(path)
    finally:
        db.close()
    assert integrity.failed_before(path)
    with pytest.raises(DamagedDatabase):
        Database.open(path, passphrase=PASSPHRASE)


# -- broadtalk check -------------------------------------------------------------------------


def test_the_check_command_says_intact_or_damaged_with_the_way_out(practice, monkeypatch, capsys) -> None:
    path, _nurse = practice
    monkeypatch.setenv("BROADTALK_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("BROADTALK_USER", raising=False)
    monkeypatch.delenv("BROADTALK_PIN", raising=False)
    assert cli.main(["check", "--db", str(path)]) == 0  # nobody needs to sign in
    out = capsys.readouterr().out
    assert out.strip() == _("The database {path} is intact: every page was read and checked.").format(path=path)
    assert integrity.read_verdict(path).passed

    damaged = _damage_the_client_table(path)
    assert cli.main(["check", "--db", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.strip() == f"broadtalk: {_damaged_message(path)}"  # the way out: restore a backup
    assert path.read_bytes() == damaged
    assert integrity.failed_before(path)
    # Every other command now refuses it the same way, as the start-up check did.
    monkeypatch.setenv("BROADTALK_USER", "1")
    monkeypatch.setenv("BROADTALK_PIN", PIN)
    assert cli.main(["clients", "--db", str(path)]) == 1
    assert _damaged_message(path) in capsys.readouterr().err


def test_the_check_command_refuses_a_wrong_passphrase_without_calling_the_file_damaged(
    practice, monkeypatch, capsys
) -> None:
    path, _nurse = practice
    monkeypatch.setenv("BROADTALK_PASSPHRASE", "niet de goede wachtzin")
    assert cli.main(["check", "--db", str(path)]) == 1
    assert integrity.read_verdict(path) is None
    Database.open(path, passphrase=PASSPHRASE).close()


# -- the check itself ----------------------------------------------------------------------------


def test_an_interrupted_check_keeps_no_verdict(practice) -> None:
    path, _nurse = practice
    check = FileCheck(path, PASSPHRASE)
    check.interrupt()  # before it began: it does not run
    assert check.run() is False
    assert integrity.read_verdict(path) is None


def test_a_verdict_file_that_cannot_be_read_means_check_again(practice) -> None:
    path, _nurse = practice
    integrity.verdict_path(path).write_text("{not json", encoding="utf-8")
    assert integrity.read_verdict(path) is None and integrity.is_due(path)
    Database.open(path, passphrase=PASSPHRASE).close()
    with pytest.raises(StoreError):
        check_file(path.with_name("absent.sqlite"), PASSPHRASE)
