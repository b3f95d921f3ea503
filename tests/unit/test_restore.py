"""A restore never lowers protection and never loses work (issue 10): encryption kept, another
database's backup refused, no restore under another process, erasures done again, a file
replaced under a running database noticed."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlmodel import func, select

from broadtalk import audit, backups
from broadtalk.clients import ClientInput, create_client
from broadtalk.erasure import erase_client
from broadtalk.errors import StoreError
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.store import seal
from broadtalk.store.database import Database, PassphraseNeeded, is_encrypted_file
from broadtalk.store.tables import AuditEntry, Client
from tests.conftest import NOW

PASSPHRASE = "de linde bloeit in juni"


@pytest.fixture
def practice(tmp_path: Path):
    db = Database.open(tmp_path / "practice.sqlite", passphrase=PASSPHRASE)
    with db.transaction() as tx:
        nurse = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
        admin = create_practitioner(tx, "Sander Kok", Role.ADMINISTRATOR, now=NOW)
        create_client(tx, nurse, ClientInput("Greet", "Visser", "03-03-1942"), now=NOW)
    yield db, nurse, admin
    db.close()


def _restore(path: Path, backup: Path, tmp_path: Path, actor, **kwargs):
    options = {"backup_passphrase": PASSPHRASE, "passphrase": PASSPHRASE, **kwargs}
    return backups.restore(path, backup, actor=actor, safety_dir=tmp_path / "safety", **options)


def _names(path: Path, passphrase: str | None = PASSPHRASE) -> list[str]:
    db = Database.open(path, passphrase=passphrase)
    try:
        with db.transaction() as tx:
            return sorted(c.family_name for c in tx.exec(select(Client)))
    finally:
        db.close()


def _plain_backup(tmp_path: Path, nurse_name: str = "Ron") -> Path:
    """A backup file without encryption (from before encryption, or made by hand)."""
    plain = Database.open(tmp_path / "plain.sqlite")
    with plain.transaction() as tx:
        nurse = create_practitioner(tx, "Iemand", Role.PRACTICE_NURSE, now=NOW)
        create_client(tx, nurse, ClientInput(nurse_name, "Bakker", "01-02-1980"), now=NOW)
    backup = plain.backup_to(tmp_path / "plain-backup.sqlite")
    plain.close()
    return backup


def test_a_plain_backup_over_an_encrypted_database_comes_in_encrypted(practice, tmp_path):
    db, _nurse, admin = practice
    path = db.path
    db.close()
    backup = _plain_backup(tmp_path)
    assert not is_encrypted_file(backup)

    result = _restore(path, backup, tmp_path, admin, backup_passphrase=None, replace_practice=True)

    assert result.encrypted_on_the_way and result.passphrase == PASSPHRASE
    assert is_encrypted_file(path) and b"Bakker" not in path.read_bytes()
    assert _names(path) == ["Bakker"]
    with pytest.raises(PassphraseNeeded):
        Database.open(path)  # from now on everything is still written encrypted


def test_a_plain_backup_with_no_passphrase_at_all_is_refused_with_the_way_out(tmp_path):
    backup = _plain_backup(tmp_path)
    with pytest.raises(PassphraseNeeded, match="wachtzin"):
        backups.restore(
            tmp_path / "new.sqlite", backup, backup_passphrase=None, passphrase=None, actor=None, safety_dir=tmp_path
        )
    assert not (tmp_path / "new.sqlite").exists()


def test_another_practices_backup_is_refused_and_nothing_changes(practice, tmp_path):
    db, _nurse, admin = practice
    other = Database.open(tmp_path / "other.sqlite", passphrase=PASSPHRASE)  # same passphrase
    with other.transaction() as tx:
        someone = create_practitioner(tx, "Iemand", Role.PRACTICE_NURSE, now=NOW)
        create_client(tx, someone, ClientInput("Ayse", "Celik", "12-04-1961"), now=NOW)
    foreign = other.backup_to(tmp_path / "other-backup.sqlite")
    other.close()
    path = db.path
    db.close()
    before = path.read_bytes()

    with pytest.raises(backups.OtherDatabase, match="andere database"):
        _restore(path, foreign, tmp_path, admin)
    assert path.read_bytes() == before
    assert not (tmp_path / "safety").exists()

    result = _restore(path, foreign, tmp_path, admin, replace_practice=True)
    assert result.other_database
    assert _names(path) == ["Celik"]
    restored = Database.open(path, passphrase=PASSPHRASE)
    try:
        with restored.transaction() as tx:
            last = tx.exec(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
            assert last.action == audit.Action.RESTORE and "other database" in last.detail
            assert last.practitioner_name == "Sander Kok"
            assert audit.verify_chain(tx).intact
    finally:
        restored.close()


def test_a_restore_is_refused_while_the_database_is_open_elsewhere(practice, tmp_path):
    db, _nurse, admin = practice
    backup = db.backup_to(tmp_path / "b.sqlite")
    # Another process has the database open (the app on a second screen, a command).
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, time
                from broadtalk.store.database import Database
                db = Database.open({str(db.path)!r}, passphrase={PASSPHRASE!r})
                print("open", flush=True)
                sys.stdin.readline()
                db.close()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        path = db.path
        db.close()
        before = path.read_bytes()
        started = time.monotonic()
        with pytest.raises(StoreError, match=r"broadtalk.*open"):
            _restore(path, backup, tmp_path, admin)
        assert time.monotonic() - started < 30
        assert path.read_bytes() == before
    finally:
        holder.communicate("\n", timeout=30)
    _restore(path, backup, tmp_path, admin)  # once the other has closed it, the restore goes ahead


def test_an_erasure_after_the_backup_is_done_again_on_restore(practice, tmp_path):
    db, nurse, admin = practice
    with db.transaction() as tx:
        erased = create_client(tx, nurse, ClientInput("Wies", "Uitgewist", "05-05-1955"), now=NOW)
    backup = db.backup_to(tmp_path / "before-erasure.sqlite")
    with db.transaction() as tx:
        erase_client(tx, admin, erased.id)
    with db.transaction() as tx:
        # The freed id may be given to the next client: that one must not be erased.
        later = create_client(tx, nurse, ClientInput("Nieuw", "Later", "06-06-1966"), now=NOW)
    path = db.path
    db.close()

    result = _restore(path, backup, tmp_path, admin)

    assert result.reapplied == 1
    names = _names(path)
    assert "Uitgewist" not in names and "Visser" in names
    assert b"Uitgewist" not in path.read_bytes()
    restored = Database.open(path, passphrase=PASSPHRASE)
    try:
        with restored.transaction() as tx:
            erasures = tx.exec(select(AuditEntry).where(AuditEntry.action == audit.Action.ERASE)).all()
            assert [e.detail.startswith("reapplied") for e in erasures] == [False, True]
            assert audit.verify_chain(tx).intact
    finally:
        restored.close()
    assert later.id is not None


def test_an_erasure_is_done_again_even_when_the_database_restored_over_was_unreadable(practice, tmp_path):
    db, nurse, admin = practice
    with db.transaction() as tx:
        erased = create_client(tx, nurse, ClientInput("Wies", "Uitgewist", "05-05-1955"), now=NOW)
    backup = db.backup_to(tmp_path / "before-erasure.sqlite")
    with db.transaction() as tx:
        erase_client(tx, admin, erased.id)
    path = db.path
    db.close()
    path.write_bytes(b"\x13" * 8192)  # damaged: only the seal beside it still knows the erasure

    result = _restore(path, backup, tmp_path, None)

    assert result.reapplied == 1 and result.lost >= 1
    assert "Uitgewist" not in _names(path)


def test_a_file_put_in_place_under_an_open_database_is_noticed_before_anything_is_written(practice, tmp_path):
    db, nurse, _admin = practice
    copy = db.backup_to(tmp_path / "copy.sqlite")
    os.replace(copy, db.path)  # another program swaps the file
    with pytest.raises(StoreError, match="vervangen"), db.transaction() as tx:
        create_client(tx, nurse, ClientInput("Niet", "Geschreven", "01-01-1990"), now=NOW)


def test_the_restored_database_is_sealed_and_its_seal_checks_out(practice, tmp_path):
    db, nurse, admin = practice
    backup = db.backup_to(tmp_path / "b.sqlite")
    with db.transaction() as tx:
        create_client(tx, nurse, ClientInput("Ron", "Bakker", "01-02-1980"), now=NOW)
    path = db.path
    db.close()
    _restore(path, backup, tmp_path, admin)
    restored = Database.open(path, passphrase=PASSPHRASE)
    try:
        with restored.engine.connect() as connection:
            assert seal.check(connection, path).intact
            count = connection.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
        assert seal.read_beside(path).last_id == count
        assert not seal.pending_path(path).exists()
    finally:
        restored.close()
