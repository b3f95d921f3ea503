"""Encryption at rest: what a lost laptop gives away (nothing readable), the passphrase as the
only way in, backups that are encrypted and checked, restores that refuse bad files, changing
the passphrase, and turning plain data from before into encrypted data."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import sqlcipher3.dbapi2 as sqlcipher

from broadtalk import backups, i18n
from broadtalk.clients import ClientInput, create_client
from broadtalk.errors import StoreError
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.store.database import (
    DamagedDatabase,
    Database,
    PassphraseNeeded,
    WrongPassphrase,
    check_file,
    encrypt_database,
    is_encrypted_file,
    list_backups,
)
from tests.conftest import NOW

PASSPHRASE = "de linde bloeit in juni"
NAME = "Zwanetta Oosterhuisbeek"


def restore_backup(backup, path, passphrase, *, safety_dir):
    """The restore use case as the app and the command line run it, without an actor."""
    return backups.restore(
        path, backup, backup_passphrase=passphrase, passphrase=passphrase, actor=None, safety_dir=safety_dir
    ).safety


def _client(db: Database, given: str = "Zwanetta", family: str = "Oosterhuisbeek") -> None:
    with db.transaction() as tx:
        nurse = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
        create_client(
            tx, nurse, ClientInput(given_name=given, family_name=family, birth_date=date(1951, 3, 7)), now=NOW
        )


def _bytes_on_disk(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))


def _dump(path: Path, passphrase: str | None) -> dict[str, list[tuple]]:
    connection = sqlcipher.connect(str(path))
    try:
        if passphrase is not None:
            connection.execute("PRAGMA key = '" + passphrase.replace("'", "''") + "'")
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {name: connection.execute(f'SELECT * FROM "{name}" ORDER BY 1').fetchall() for name in names}
    finally:
        connection.close()


@pytest.fixture
def encrypted(tmp_path: Path):
    db = Database.open(tmp_path / "practice.sqlite", passphrase=PASSPHRASE)
    yield db
    db.close()


def test_no_client_name_is_in_the_bytes_of_the_file_or_its_write_ahead_log(encrypted: Database) -> None:
    _client(encrypted)
    # While open: the WAL holds the latest pages; look at everything on disk, then after closing.
    assert Path(str(encrypted.path) + "-wal").exists()
    on_disk = _bytes_on_disk(encrypted.path)
    assert NAME.split()[1].encode() not in on_disk and b"Zwanetta" not in on_disk
    assert b"SQLite format 3" not in encrypted.path.read_bytes()[:16]
    encrypted.close()
    assert b"Zwanetta" not in _bytes_on_disk(encrypted.path)
    # The same through a plain database shows the test can fail.
    plain = Database.open(encrypted.path.with_name("plain.sqlite"))
    _client(plain)
    plain.close()
    assert b"Zwanetta" in _bytes_on_disk(plain.path)


def test_a_wrong_passphrase_is_refused_with_one_message_and_changes_nothing(encrypted: Database) -> None:
    i18n.set_language("en")
    _client(encrypted)
    encrypted.close()
    before = _bytes_on_disk(encrypted.path)
    with pytest.raises(WrongPassphrase) as caught:
        Database.open(encrypted.path, passphrase="de linde bloeit in juli")
    assert "passphrase does not open" in caught.value.message
    with pytest.raises(PassphraseNeeded):
        Database.open(encrypted.path)
    assert _bytes_on_disk(encrypted.path) == before
    again = Database.open(encrypted.path, passphrase=PASSPHRASE)
    assert again.encrypted
    again.close()


def test_sqlcipher_says_nothing_on_stderr_for_a_wrong_passphrase(encrypted: Database, tmp_path: Path) -> None:
    encrypted.close()
    script = (
        "import sys\n"
        "from broadtalk.store.database import Database\n"
        "from broadtalk.errors import StoreError\n"
        "try:\n"
        "    Database.open(sys.argv[1], passphrase='fout fout fout')\n"
        "except StoreError:\n"
        "    print('refused')\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(encrypted.path)], capture_output=True, text=True)
    assert result.stdout.strip() == "refused"
    assert result.stderr == ""


def test_a_new_database_needs_a_passphrase_of_at_least_eight_characters(tmp_path: Path) -> None:
    i18n.set_language("en")
    with pytest.raises(StoreError) as caught:
        Database.open(tmp_path / "new.sqlite", passphrase="kort")
    assert "at least 8 characters" in caught.value.message
    assert not (tmp_path / "new.sqlite").exists()


def test_a_backup_is_encrypted_like_the_source_and_restores_exactly(encrypted: Database, tmp_path: Path) -> None:
    _client(encrypted)
    target = encrypted.backup_to(tmp_path / "copies" / "backup.sqlite")
    before = _dump(encrypted.path, PASSPHRASE)
    assert is_encrypted_file(target) and b"Zwanetta" not in target.read_bytes()
    assert _dump(target, PASSPHRASE) == before
    _client(encrypted, "Later", "Toegevoegd")
    encrypted.close()

    safety = restore_backup(target, encrypted.path, PASSPHRASE, safety_dir=tmp_path / "safety")

    restored = _dump(encrypted.path, PASSPHRASE)
    for table in before:
        if table not in ("audit_entry", "database_seal"):  # the trail goes on: the restore is in it
            assert restored[table] == before[table], table
    assert restored["audit_entry"][: len(before["audit_entry"])] == before["audit_entry"]
    assert safety is not None and b"Toegevoegd" not in safety.read_bytes()  # the replaced data, kept encrypted
    assert "Toegevoegd" in str(_dump(safety, PASSPHRASE)["client"])


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"SQLite format 3\x00" + b"\x13" * 8176, id="damaged-plain"),
        pytest.param(b"not a backup at all", id="text"),
    ],
)
def test_a_bad_backup_is_refused_before_anything_is_replaced(
    encrypted: Database, tmp_path: Path, content: bytes
) -> None:
    _client(encrypted)
    encrypted.close()
    before = _bytes_on_disk(encrypted.path)
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(content)
    with pytest.raises(StoreError):
        restore_backup(bad, encrypted.path, PASSPHRASE, safety_dir=tmp_path / "safety")
    assert _bytes_on_disk(encrypted.path) == before
    assert bad.read_bytes() == content


def test_a_backup_with_another_passphrase_is_refused(encrypted: Database, tmp_path: Path) -> None:
    other = Database.open(tmp_path / "other.sqlite", passphrase="een heel andere zin")
    backup = other.backup_to(tmp_path / "other-backup.sqlite")
    other.close()
    encrypted.close()
    before = _bytes_on_disk(encrypted.path)
    with pytest.raises(WrongPassphrase):
        restore_backup(backup, encrypted.path, PASSPHRASE, safety_dir=tmp_path / "safety")
    assert _bytes_on_disk(encrypted.path) == before


def test_a_damaged_page_fails_the_integrity_check_and_the_file_is_left_alone(tmp_path: Path) -> None:
    db = Database.open(tmp_path / "practice.sqlite", passphrase=PASSPHRASE)
    for n in range(40):
        _client(db, f"Naam{n}", "Achternaam")
    db.close()
    path = tmp_path / "practice.sqlite"
    data = bytearray(path.read_bytes())
    data[4096 * 3 + 100 : 4096 * 3 + 140] = b"\x00" * 40  # one page's bytes overwritten
    path.write_bytes(bytes(data))
    # The whole check is no longer run at every opening (issue 12): at a backup, by
    # ``broadtalk check`` or in the app when idle. It finds the page.
    with pytest.raises(DamagedDatabase) as caught:
        check_file(path, PASSPHRASE)
    assert "zet een reservekopie terug" in caught.value.message  # the way out, in Dutch
    assert path.read_bytes() == bytes(data)
    # After a failed check every opening checks again, and refuses the file while it is damaged.
    with pytest.raises(StoreError) as caught:
        Database.open(path, passphrase=PASSPHRASE)
    assert isinstance(caught.value, DamagedDatabase | WrongPassphrase)
    assert "zet een reservekopie terug" in caught.value.message
    assert path.read_bytes() == bytes(data)


def test_rotating_backups_keep_the_newest(encrypted: Database, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    made = [encrypted.rotating_backup(folder, keep=3) for _ in range(5)]
    assert list_backups(folder) == sorted(made[-3:], reverse=True)


def test_changing_the_passphrase_needs_the_current_one_and_re_encrypts(encrypted: Database) -> None:
    _client(encrypted)
    with pytest.raises(WrongPassphrase):
        encrypted.change_passphrase("niet de goede zin", "een nieuwe lange zin")
    encrypted.change_passphrase(PASSPHRASE, "een nieuwe lange zin")
    _client(encrypted, "Na", "Wijziging")  # the open database goes on working
    encrypted.close()
    with pytest.raises(WrongPassphrase):
        Database.open(encrypted.path, passphrase=PASSPHRASE)
    reopened = Database.open(encrypted.path, passphrase="een nieuwe lange zin")
    reopened.close()
    assert len(_dump(encrypted.path, "een nieuwe lange zin")["client"]) == 2


def test_plain_data_is_encrypted_in_place_and_the_plain_bytes_are_gone(tmp_path: Path) -> None:
    path = tmp_path / "practice.sqlite"
    plain = Database.open(path)
    _client(plain)
    plain.close()
    before = _dump(path, None)
    encrypt_database(path, PASSPHRASE)
    assert is_encrypted_file(path)
    assert b"Zwanetta" not in _bytes_on_disk(path)
    assert _dump(path, PASSPHRASE) == before
    db = Database.open(path, passphrase=PASSPHRASE)
    db.close()
    with pytest.raises(StoreError):
        encrypt_database(path, PASSPHRASE)  # already encrypted: said so, nothing done


def test_a_plain_sqlite_file_of_another_program_stays_refused(tmp_path: Path) -> None:
    path = tmp_path / "recipes.sqlite"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE recipe (id INTEGER PRIMARY KEY, title TEXT)")
    connection.commit()
    connection.close()
    before = path.read_bytes()
    with pytest.raises(StoreError):
        Database.open(path, passphrase=PASSPHRASE)
    assert path.read_bytes() == before
