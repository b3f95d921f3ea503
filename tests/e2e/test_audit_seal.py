"""The audit trail detects removal (issue 10): entries cut from the end, every entry deleted,
or one client's entries deleted and the rest chained again all make ``audit --check`` fail with
what is missing; the passphrase alone cannot forge the seal."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlcipher3.dbapi2 as sqlcipher

from broadtalk import cli
from broadtalk.audit import GENESIS, entry_hash
from broadtalk.store import seal

PASSPHRASE = "oefenpraktijk"
MANAGER = "4"  # the demo practice's practice manager; every demo PIN is 12345


@pytest.fixture
def practice(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("BROADTALK_PASSPHRASE", PASSPHRASE)
    path = tmp_path / "praktijk.sqlite"
    assert cli.main(["--db", str(path), "demo", "--clients", "6", "--seed", "3"]) == 0
    monkeypatch.setenv("BROADTALK_USER", MANAGER)
    monkeypatch.setenv("BROADTALK_PIN", "12345")
    return path


def _check(path: Path, capsys) -> tuple[int, dict]:
    capsys.readouterr()
    code = cli.main(["--db", str(path), "audit", "--check", "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def _raw(path: Path) -> sqlcipher.Connection:
    """What someone holding the passphrase can do to the file, outside broadtalk."""
    connection = sqlcipher.connect(str(path), isolation_level=None)
    connection.execute(f"PRAGMA key = '{PASSPHRASE}'")
    connection.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
    connection.execute("DROP TRIGGER IF EXISTS audit_entry_no_delete")
    return connection


def _rechain(connection: sqlcipher.Connection) -> None:
    """Give every entry a hash that fits the chain again, as a careful forger would."""
    columns = [row[1] for row in connection.execute("PRAGMA table_info(audit_entry)")]
    rows = [dict(zip(columns, row, strict=True)) for row in connection.execute("SELECT * FROM audit_entry ORDER BY id")]
    previous = GENESIS
    from datetime import datetime

    for row in rows:
        values = dict(row)
        values["at"] = datetime.fromisoformat(values["at"]) if isinstance(values["at"], str) else values["at"]
        values["prev_hash"] = previous
        new_hash = entry_hash(SimpleNamespace(**values))
        connection.execute(
            "UPDATE audit_entry SET prev_hash = ?, hash = ? WHERE id = ?", ("x" + str(row["id"]), "y", row["id"])
        )
        connection.execute(
            "UPDATE audit_entry SET prev_hash = ?, hash = ? WHERE id = ?", (previous, new_hash, row["id"])
        )
        previous = new_hash


def test_an_untouched_trail_checks_out_with_its_seal(practice, capsys):
    code, report = _check(practice, capsys)
    assert code == 0 and report["intact"], report
    assert seal.beside_path(practice).exists()


def test_cutting_the_newest_entries_is_reported_with_what_is_missing(practice, capsys):
    connection = _raw(practice)
    last = connection.execute("SELECT max(id) FROM audit_entry").fetchone()[0]
    connection.execute("DELETE FROM audit_entry WHERE id > ?", (last - 20,))
    connection.close()

    code, report = _check(practice, capsys)

    assert code == 1 and not report["intact"]
    # Signing in for the check writes entries into the freed numbers; the rest stays missing.
    first_missing, last_missing = report["missing"]
    assert last - 19 < first_missing <= last - 15 and last_missing == last
    assert f"{last}" in report["reason"]


def test_deleting_every_entry_is_reported(practice, capsys):
    connection = _raw(practice)
    last = connection.execute("SELECT max(id) FROM audit_entry").fetchone()[0]
    connection.execute("DELETE FROM audit_entry")
    connection.close()

    code, report = _check(practice, capsys)

    assert code == 1 and not report["intact"]
    # the check itself writes entry 1 again, so what is missing starts just after it
    assert report["missing"][1] == last


def test_deleting_one_clients_entries_and_chaining_the_rest_again_is_reported(practice, capsys):
    connection = _raw(practice)
    client = connection.execute("SELECT client_id FROM audit_entry WHERE client_id IS NOT NULL LIMIT 1").fetchone()[0]
    connection.execute("DELETE FROM audit_entry WHERE client_id = ?", (client,))
    _rechain(connection)
    connection.close()

    code, report = _check(practice, capsys)

    assert code == 1 and not report["intact"]
    assert report["broken_at"] is None  # the chain itself fits again: only the seal tells
    assert report["reason"]


def test_removing_the_seal_beside_the_database_does_not_hide_a_cut(practice, capsys):
    connection = _raw(practice)
    last = connection.execute("SELECT max(id) FROM audit_entry").fetchone()[0]
    connection.execute("DELETE FROM audit_entry WHERE id > ?", (last - 5,))
    connection.close()
    seal.beside_path(practice).unlink()  # the copy in the user's settings still knows

    code, report = _check(practice, capsys)

    assert code == 1 and not report["intact"]
    assert report["missing"][1] == last


def test_a_seal_written_by_someone_without_the_key_does_not_count(practice, capsys):
    connection = _raw(practice)
    last = connection.execute("SELECT max(id) FROM audit_entry").fetchone()[0]
    connection.execute("DELETE FROM audit_entry WHERE id > ?", (last - 5,))
    head = connection.execute("SELECT id, hash FROM audit_entry ORDER BY id DESC LIMIT 1").fetchone()
    connection.close()
    forged = seal.Seal.from_json(seal.beside_path(practice).read_text())
    forged = seal.Seal(forged.database_id, head[0], head[1], forged.first, forged.erased, forged.sealed_at)
    forged = forged.signed(b"a key guessed from the passphrase" * 2)
    seal.beside_path(practice).write_text(forged.to_json())

    code, report = _check(practice, capsys)

    assert code == 1 and not report["intact"]


def test_an_administrator_can_renew_the_seal_and_the_renewal_is_in_the_trail(practice, capsys, monkeypatch):
    seal.key_path().unlink()  # the database moved to another computer: its key is not here
    code, report = _check(practice, capsys)
    assert code == 1
    # Only with the right to manage the settings; the practice manager has it.
    assert cli.main(["--db", str(practice), "audit", "--renew-seal"]) == 0
    code, report = _check(practice, capsys)
    assert code == 0 and report["intact"], report
    capsys.readouterr()
    assert cli.main(["--db", str(practice), "audit", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert any(row["detail"] == "seal renewed" for row in rows)
