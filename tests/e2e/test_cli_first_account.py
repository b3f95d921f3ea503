"""The first account of a practice runs it on the command line too: a practice nurse who set up
the practice (the welcome's default role) signs in with BROADTALK_USER/BROADTALK_PIN and may
restore a backup and read the audit trail; a practice nurse added later may not."""

from __future__ import annotations

from pathlib import Path

import pytest

from broadtalk.cli import main
from broadtalk.practitioners import Role
from broadtalk.sign_in import add_account
from broadtalk.store.database import Database
from broadtalk.workstation import set_up_workstation

#: A raw key as the passphrase: encrypted as a practice is, without PBKDF2's rounds per connection.
PASSPHRASE = "x'" + "5D" * 32 + "'"
PIN, COLLEAGUE_PIN = "48213", "24680"


@pytest.fixture
def practice(tmp_path) -> tuple[Path, Path, int, int]:
    """A practice set up by a practice nurse, a colleague nurse, and a backup of it."""
    path = tmp_path / "practice.sqlite"
    db = Database.open(path, passphrase=PASSPHRASE)
    try:
        with db.transaction() as tx:
            anouk = set_up_workstation(tx, "Anouk de Vries", Role.PRACTICE_NURSE, "De Linde", PIN)
            els = add_account(tx, anouk, "Els Bakker", Role.PRACTICE_NURSE, COLLEAGUE_PIN)
        backup = tmp_path / "backup.sqlite"
        db.backup_to(backup)
    finally:
        db.close()
    return path, backup, anouk.id, els.id


def run(argv: list[str], capsys, monkeypatch, user: int, pin: str) -> tuple[int, str, str]:
    monkeypatch.setenv("BROADTALK_LANGUAGE", "en")
    monkeypatch.setenv("BROADTALK_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("BROADTALK_USER", str(user))
    monkeypatch.setenv("BROADTALK_PIN", pin)
    try:
        code = main(argv)
    except SystemExit as stop:
        code = int(stop.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_nurse_who_set_up_the_practice_may_restore_and_read_the_trail(practice, capsys, monkeypatch):
    path, backup, anouk, _els = practice
    code, _out, err = run(["--db", str(path), "audit", "--check"], capsys, monkeypatch, anouk, PIN)
    assert code == 0, err
    code, _out, err = run(["--db", str(path), "restore", str(backup), "--yes"], capsys, monkeypatch, anouk, PIN)
    assert code == 0, err
    assert "may not" not in err


def test_a_nurse_added_later_may_not_restore(practice, capsys, monkeypatch):
    path, backup, _anouk, els = practice
    code, _out, err = run(["--db", str(path), "restore", str(backup), "--yes"], capsys, monkeypatch, els, COLLEAGUE_PIN)
    assert code == 1
    assert "may not restore backups" in err
