"""Backups as a use case: targets, roles, the list of backups, and the audit trail across a restore."""

from __future__ import annotations

import pytest
from sqlmodel import select

from broadtalk import audit, backups
from broadtalk.audit import verify_chain
from broadtalk.clients import ClientInput, create_client
from broadtalk.errors import InputError
from broadtalk.permissions import PermissionRefused
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.store.database import Database
from broadtalk.store.tables import AuditEntry
from tests.conftest import NOW

#: Backups and restores are the embedded file's; a server database's are the server's own.
pytestmark = pytest.mark.embedded


def _trail(db: Database) -> list[tuple[int, str, str]]:
    with db.transaction() as tx:
        return [(e.id, e.action, e.hash) for e in tx.exec(select(AuditEntry).order_by(AuditEntry.id))]


def test_a_backup_goes_only_to_a_new_file(db, actor, tmp_path):
    (tmp_path / "taken.sqlite").write_bytes(b"x")
    for target, words in (
        (db.path, "de database zelf"),
        (tmp_path / "taken.sqlite", "bestaat al"),
        (tmp_path, "is een map"),
    ):
        with pytest.raises(InputError, match=words):
            backups.make_backup(db, actor, target)
    assert (tmp_path / "taken.sqlite").read_bytes() == b"x"


def test_a_backup_is_audited_and_listed_with_when_and_why(db, actor, tmp_path):
    written = backups.make_backup(db, actor, tmp_path / "copy.sqlite")
    assert written.exists()
    assert _trail(db)[-1][1] == audit.Action.BACKUP
    folder = tmp_path / "backups"
    db.rotating_backup(folder, reason="on-exit")
    (found,) = backups.available_backups(db.path, folder)
    assert found.reason == "on-exit" and found.made is not None and found.made.tzinfo is not None


def test_only_an_administrator_may_restore(db, actor, tmp_path):
    backup = db.backup_to(tmp_path / "b.sqlite")
    with db.transaction() as tx:
        manager = create_practitioner(tx, "Mirjam Bos", Role.PRACTICE_MANAGER, now=NOW)
        admin = create_practitioner(tx, "Sander Kok", Role.ADMINISTRATOR, now=NOW)
    for who in (actor, manager):
        with pytest.raises(PermissionRefused):
            backups.check_restore_source(db, who, backup, None)
    backups.check_restore_source(db, admin, backup, None)


def test_the_trail_written_after_a_backup_survives_its_restore(db, actor, tmp_path):
    with db.transaction() as tx:
        create_client(tx, actor, ClientInput("Greet", "Visser", "03-03-1942"), now=NOW)
    backup = db.backup_to(tmp_path / "b.sqlite")
    with db.transaction() as tx:
        create_client(tx, actor, ClientInput("Ron", "Bakker", "01-02-1980"), now=NOW)
    before = _trail(db)
    path = db.path
    db.close()
    result = backups.restore(
        path, backup, backup_passphrase=None, passphrase=None, actor=actor, safety_dir=tmp_path / "safety"
    )
    assert result.carried == 1  # Ron's creation
    restored = Database.open(path)
    try:
        after = _trail(restored)
        assert after[: len(before)] == before
        assert [entry[1] for entry in after[len(before) :]] == [audit.Action.RESTORE]
        with restored.transaction() as tx:
            assert verify_chain(tx).intact
    finally:
        restored.close()


def test_the_trail_of_another_database_is_not_mixed_in(db, actor, tmp_path):
    other = Database.open(tmp_path / "other.sqlite")
    with other.transaction() as tx:
        someone = create_practitioner(tx, "Iemand", Role.PRACTICE_NURSE, now=NOW)
        create_client(tx, someone, ClientInput("Ayse", "Celik", "12-04-1961"), now=NOW)
    backup = other.backup_to(tmp_path / "other-backup.sqlite")
    other.close()
    with db.transaction() as tx:
        create_client(tx, actor, ClientInput("Greet", "Visser", "03-03-1942"), now=NOW)
    path = db.path
    db.close()
    result = backups.restore(
        path,
        backup,
        backup_passphrase=None,
        passphrase=None,
        actor=actor,
        safety_dir=tmp_path / "safety",
        replace_practice=True,
    )
    assert result.other_database and result.carried == 0
    restored = Database.open(path)
    try:
        with restored.transaction() as tx:
            assert verify_chain(tx).intact
            last = tx.exec(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
            assert last.action == audit.Action.RESTORE and "other database" in last.detail
    finally:
        restored.close()
