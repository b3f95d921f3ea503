"""A restore and a passphrase change are atomic across a kill (issue 10).

The process is killed (SIGKILL) at every step of the replacement. Afterwards the database
opens, passes its integrity check, its audit chain and its seal are whole, no entry that was
confirmed before is lost, and it is either the database as it was or the replacement with its
own audit entry: never a mix, never the restored data without the restore's entry, never a new
passphrase without its entry. The prepared file is gone after the next opening.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlmodel import select

from broadtalk import audit
from broadtalk.clients import ClientInput, create_client
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.store import seal
from broadtalk.store.database import PREPARED_SUFFIXES, Database
from broadtalk.store.tables import AuditEntry, Client
from tests.conftest import NOW

PASSPHRASE = "de linde bloeit in juni"
NEW_PASSPHRASE = "het riet ruist aan de sloot"
RESTORE_POINTS = ["restore-copied", "restore-prepared", "before-rename", "after-rename", None]
REKEY_POINTS = ["rekey-exported", "rekey-recorded", "before-rename", "after-rename", None]

RESTORE = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from broadtalk import backups
    path, backup, passphrase, safety = sys.argv[1:5]
    backups.restore(Path(path), Path(backup), backup_passphrase=passphrase, passphrase=passphrase,
                    actor=None, safety_dir=Path(safety))
    """
)

REKEY = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from broadtalk import audit
    from broadtalk.store.database import Database
    path, current, new = sys.argv[1:4]
    db = Database.open(Path(path), passphrase=current)
    db.change_passphrase(current, new, lambda tx: audit.record(tx, None, audit.Action.CHANGE,
                         object_type="database", detail="passphrase"))
    db.close()
    """
)


def _practice(tmp_path: Path) -> tuple[Path, Path, list[tuple[int, str]]]:
    """A practice with a backup, and confirmed writes after the backup."""
    db = Database.open(tmp_path / "practice.sqlite", passphrase=PASSPHRASE)
    try:
        with db.transaction() as tx:
            nurse = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
            create_client(tx, nurse, ClientInput("Greet", "Visser", "03-03-1942"), now=NOW)
        backup = db.backup_to(tmp_path / "backup.sqlite")
        for n in range(8):  # confirmed to their writer: must survive whatever happens next
            with db.transaction() as tx:
                create_client(tx, nurse, ClientInput(f"Na{n}", "Dekopie", "01-01-1990"), now=NOW)
        with db.transaction() as tx:
            trail = [(e.id, e.hash) for e in tx.exec(select(AuditEntry).order_by(AuditEntry.id))]
        return db.path, backup, trail
    finally:
        db.close()


def _run(script: str, args: list[str], crash_at: str | None) -> int:
    env = {**os.environ}
    env.pop("BROADTALK_CRASH_AT", None)
    if crash_at is not None:
        env["BROADTALK_CRASH_AT"] = crash_at
    done = subprocess.run([sys.executable, "-c", script, *args], env=env, capture_output=True, timeout=120)
    if crash_at is None:
        assert done.returncode == 0, done.stderr.decode()
    else:
        assert done.returncode == -signal.SIGKILL, done.stderr.decode()
    return done.returncode


def _after(path: Path, passphrase: str):
    """Open as the next start does, and check everything; returns (trail, clients)."""
    db = Database.open(path, passphrase=passphrase)
    try:
        for suffix in PREPARED_SUFFIXES:
            assert not path.with_name(path.name + suffix).exists()
        assert not seal.pending_path(path).exists()
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert seal.check(connection, path).intact, seal.check(connection, path).problems
        with db.transaction() as tx:
            assert audit.verify_chain(tx).intact
            trail = list(tx.exec(select(AuditEntry).order_by(AuditEntry.id)))
            clients = sorted(c.given_name for c in tx.exec(select(Client)))
        return trail, clients
    finally:
        db.close()


@pytest.mark.parametrize("crash_at", RESTORE_POINTS)
def test_a_restore_killed_at_any_step_leaves_the_old_or_the_restored_database_and_no_entry_lost(tmp_path, crash_at):
    path, backup, confirmed = _practice(tmp_path)
    _run(RESTORE, [str(path), str(backup), PASSPHRASE, str(tmp_path / "safety")], crash_at)

    trail, clients = _after(path, PASSPHRASE)

    assert [(e.id, e.hash) for e in trail[: len(confirmed)]] == confirmed  # zero entries lost
    restored = [e for e in trail if e.action == audit.Action.RESTORE]
    if crash_at in ("restore-copied", "restore-prepared", "before-rename"):
        assert restored == [] and len(clients) == 9  # as it was
    else:
        assert len(restored) == 1 and clients == ["Greet"]  # the backup, and the restore's own entry
        assert restored[0].detail.startswith(f"trail+{len(confirmed) - _entries_in(backup)}")


def _entries_in(backup: Path) -> int:
    db = Database.open_prepared_read(backup, PASSPHRASE)
    try:
        with db.engine.connect() as connection:
            return seal.count_entries(connection)
    finally:
        db.close()


@pytest.mark.parametrize("crash_at", REKEY_POINTS)
def test_a_passphrase_change_killed_at_any_step_is_whole_with_its_entry_or_not_done(tmp_path, crash_at):
    path, _backup, confirmed = _practice(tmp_path)
    _run(REKEY, [str(path), PASSPHRASE, NEW_PASSPHRASE], crash_at)

    changed = crash_at in ("after-rename", None)
    trail, clients = _after(path, NEW_PASSPHRASE if changed else PASSPHRASE)

    assert [(e.id, e.hash) for e in trail[: len(confirmed)]] == confirmed
    assert len(clients) == 9
    recorded = [e for e in trail if e.detail == "passphrase"]
    assert len(recorded) == (1 if changed else 0)
