"""The command line protecting the data, run as a real process: encrypted databases, a wrong
passphrase, backup and restore, the audit trail and its check, erasing a client, retention,
encrypting a plain database, changing the passphrase, and who acts. Every command that opens
the database signs in; unless a test says otherwise, as the practice's administrator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import sqlcipher3.dbapi2 as sqlcipher

from broadtalk.demo import DEMO_SECRET, generate_demo
from broadtalk.practitioners import Role
from broadtalk.store.database import Database, companion_files, is_encrypted_file
from tests.e2e.signing_in import ADMINISTRATOR_NAME, add_account_with_pin, add_administrator, signed_in

PASSPHRASE = "zeven zwanen zwemmen"
OTHER = "acht eenden duiken"
TODAY = "2026-06-01"
#: The administrator added to each demo practice here (the demo's own four are numbers 1 to 4).
ADMINISTRATOR = 5


def cli(
    args: list[str], home: Path, *, passphrase: str | None = PASSPHRASE, user: int | None = ADMINISTRATOR, **env: str
):
    """The real command line in its own process, in English, with the given environment, signed
    in as practitioner ``user`` with the demo PIN (``user=None``: no sign-in variables). Its
    stdin is no terminal, so nothing is ever asked."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("BROADTALK_")}
    environment.update(BROADTALK_HOME=str(home), BROADTALK_LANGUAGE="en")
    if user is not None:
        environment.update(signed_in(user, DEMO_SECRET))
    environment.update(env)
    if passphrase is not None:
        environment["BROADTALK_PASSPHRASE"] = passphrase
    return subprocess.run(
        [sys.executable, "-m", "broadtalk", *args],
        capture_output=True,
        text=True,
        env=environment,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """A refusal: exit 1, exactly one line on stderr, none of SQLCipher's or Python's noise."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for noise in ("Traceback", "ERROR CORE", "hmac", "sqlcipher", "Error:"):
        assert noise.lower() not in result.stderr.lower(), result.stderr
    return lines[0]


def on_disk(path: Path) -> bytes:
    """The database file and whatever SQLite keeps beside it."""
    return b"".join(p.read_bytes() for p in (path, *companion_files(path)) if p.exists())


def dump(path: Path, passphrase: str | None, *, with_audit: bool = False) -> dict[str, list[tuple]]:
    """Every row of every table, read with SQLCipher directly (the audit trail and its seal aside
    unless asked)."""
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
        return {
            name: connection.execute(f'SELECT * FROM "{name}" ORDER BY 1').fetchall()
            for name in names
            if with_audit or name not in ("audit_entry", "database_seal")  # the trail and its seal
        }
    finally:
        connection.close()


def audit_rows(db: Path, home: Path, *args: str, passphrase: str | None = PASSPHRASE) -> list[dict]:
    result = cli(["--db", str(db), "audit", "--json", *args], home, passphrase=passphrase)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory) -> Path:
    """One encrypted demo database made by the real command, copied for each test that needs it."""
    folder = tmp_path_factory.mktemp("demo")
    db = folder / "practice.sqlite"
    made = cli(["--db", str(db), "demo", "--clients", "20", "--seed", "7", "--today", TODAY], folder, user=None)
    assert made.returncode == 0, made.stderr
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BROADTALK_HOME", str(folder))  # as the command that made it
        assert add_administrator(db, PASSPHRASE) == ADMINISTRATOR
    return db


@pytest.fixture
def practice(demo_template, tmp_path) -> Path:
    db = tmp_path / "practice.sqlite"
    db.write_bytes(demo_template.read_bytes())
    # The same computer: the audit seal beside the database and its key in the user's settings.
    seal_file = demo_template.with_name(demo_template.name + ".seal")
    db.with_name(db.name + ".seal").write_bytes(seal_file.read_bytes())
    key = demo_template.parent / "config" / "seal.key"
    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "config" / "seal.key").write_bytes(key.read_bytes())
    return db


def client_rows(db: Path, home: Path, passphrase: str = PASSPHRASE) -> list[dict]:
    result = cli(["--db", str(db), "clients", "--json"], home, passphrase=passphrase)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# -- encryption at rest -------------------------------------------------------------------------


def test_a_new_database_is_not_made_without_a_passphrase(tmp_path):
    db = tmp_path / "new.sqlite"
    line = one_line(cli(["--db", str(db), "demo", "--clients", "2"], tmp_path, passphrase=None))
    assert "BROADTALK_PASSPHRASE" in line
    assert not db.exists() and not any(p.exists() for p in companion_files(db))


def test_the_demo_database_holds_no_client_name_in_its_bytes(demo_template, tmp_path):
    rows = client_rows(demo_template, tmp_path)
    assert len(rows) == 20
    assert is_encrypted_file(demo_template)
    data = on_disk(demo_template)
    assert not data.startswith(b"SQLite format 3")
    for row in rows:
        for text in (row["name"], row["family_name"], row["given_name"]):
            if len(text) >= 5:  # a short name could turn up in random bytes by chance
                assert text.encode("utf-8") not in data, text
    # A plain copy of the same data shows the names are there to be found.
    plain = tmp_path / "plain.sqlite"
    connection = sqlcipher.connect(str(demo_template))
    connection.execute(f"PRAGMA key = '{PASSPHRASE}'")
    connection.execute(f"ATTACH DATABASE '{plain}' AS plain KEY ''")
    connection.execute("SELECT sqlcipher_export('plain')")
    connection.close()
    assert rows[0]["family_name"].encode("utf-8") in plain.read_bytes()


def test_a_wrong_passphrase_is_one_clear_line_and_the_file_is_left_as_it_was(practice, tmp_path):
    before = practice.read_bytes()
    home = tmp_path / "home"  # logs go there; nothing may appear beside the database
    files_before = sorted(p.name for p in tmp_path.iterdir())
    for command in (["clients"], ["audit", "--check"], ["backup", "--out", str(tmp_path / "b.sqlite")]):
        line = one_line(cli(["--db", str(practice), *command], home, passphrase="niet de goede zin"))
        assert "passphrase does not open" in line
    line = one_line(cli(["--db", str(practice), "clients"], home, passphrase=None))
    assert "BROADTALK_PASSPHRASE" in line
    assert practice.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p != home) == files_before


# -- backups ------------------------------------------------------------------------------------


def test_backup_then_restore_gives_back_exactly_the_same_data(practice, tmp_path):
    assert cli(["--db", str(practice), "clients"], tmp_path).returncode == 0  # a sign-in and a list recorded
    before = dump(practice, PASSPHRASE)
    backup = tmp_path / "saved" / "backup.sqlite"
    made = cli(["--db", str(practice), "backup", "--out", str(backup)], tmp_path)
    assert made.returncode == 0, made.stderr
    assert is_encrypted_file(backup) and "encrypted" in made.stdout
    assert dump(backup, PASSPHRASE) == before
    # The backup is recorded once the copy is made; then the look at the trail signs in.
    *_, backed_up, looked = audit_rows(practice, tmp_path)
    assert (looked["action"], looked["user_id"]) == ("sign_in", ADMINISTRATOR)
    assert (backed_up["action"], backed_up["outcome"], backed_up["user"]) == ("backup", "success", ADMINISTRATOR_NAME)
    one_line(cli(["--db", str(practice), "backup", "--out", str(backup)], tmp_path))  # never overwrites

    first = client_rows(practice, tmp_path)[0]
    erased = cli(["--db", str(practice), "record", "erase", str(first["id"]), "--yes"], tmp_path)
    assert erased.returncode == 0, erased.stderr
    after_erasure = dump(practice, PASSPHRASE)
    assert after_erasure != before

    asked = practice.read_bytes()
    line = one_line(cli(["--db", str(practice), "restore", str(backup)], tmp_path))
    assert "--yes" in line
    assert practice.read_bytes() == asked

    trail_before = dump(practice, PASSPHRASE, with_audit=True)["audit_entry"]
    restored = cli(["--db", str(practice), "restore", str(backup), "--yes"], tmp_path)
    assert restored.returncode == 0, restored.stderr
    # The backup's data, with the client erased after it was made erased again (never back).
    assert dump(practice, PASSPHRASE) == after_erasure
    assert "erased again" in restored.stdout
    safety = list((tmp_path / "backups").glob("*before-restore*.sqlite"))
    assert len(safety) == 1 and is_encrypted_file(safety[0])
    assert first["id"] not in [c["id"] for c in dump_clients(safety[0])]  # the state before the restore
    # The data came back, the trail did not: the replaced database's entries written after the
    # backup (the backup itself, the erasure, every look) are carried over with their hashes,
    # then the restore. This look at the trail is recorded after what it shows.
    # (The restore and this look sign in: those entries come after, named.)
    rows = audit_rows(practice, tmp_path)
    carried = rows[: len(trail_before)]
    assert [row["id"] for row in carried] == [entry[0] for entry in trail_before]
    assert [row["hash"] for row in carried] == [entry[-1] for entry in trail_before]
    assert "erase" in [row["action"] for row in rows]
    after = [(r["action"], r["object_type"], r["outcome"], r["user_id"]) for r in rows[len(trail_before) :]]
    assert [a for a in after if a[0] != "sign_in"] == [
        ("erase", "client", "success", ADMINISTRATOR),  # done again in the restored data
        ("restore", "database", "success", ADMINISTRATOR),
    ]
    assert {a[3] for a in after} == {ADMINISTRATOR}
    intact = cli(["--db", str(practice), "audit", "--check"], tmp_path)
    assert intact.returncode == 0, intact.stderr


def dump_clients(path: Path) -> list[dict]:
    return [{"id": row[0]} for row in dump(path, PASSPHRASE)["client"]]


@pytest.mark.parametrize("kind", ["junk", "empty", "text", "newer", "other passphrase", "another program"])
def test_restoring_a_bad_file_is_refused_and_changes_nothing(practice, tmp_path, kind):
    bad = tmp_path / "bad.sqlite"
    if kind == "junk":
        bad.write_bytes(os.urandom(8192))
    elif kind == "empty":
        bad.write_bytes(b"")
    elif kind == "text":
        bad.write_text("dit is geen database\n" * 100)
    elif kind == "newer":
        bad.write_bytes(practice.read_bytes())
        connection = sqlcipher.connect(str(bad))
        connection.execute(f"PRAGMA key = '{PASSPHRASE}'")
        connection.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
        connection.commit()
        connection.close()
    elif kind == "other passphrase":
        made = cli(["--db", str(bad), "demo", "--clients", "1"], tmp_path, passphrase=OTHER)
        assert made.returncode == 0, made.stderr
    else:
        connection = sqlcipher.connect(str(bad))
        connection.execute("CREATE TABLE recipes (name TEXT)")
        connection.commit()
        connection.close()
    before, bad_before = practice.read_bytes(), bad.read_bytes()
    one_line(cli(["--db", str(practice), "restore", str(bad), "--yes"], tmp_path))
    assert practice.read_bytes() == before
    assert bad.read_bytes() == bad_before
    assert not (tmp_path / "backups").exists()


# -- the audit trail ----------------------------------------------------------------------------


def test_audit_json_rows_and_a_changed_entry_is_found_by_the_check(practice, tmp_path):
    rows = audit_rows(practice, tmp_path)
    assert rows and set(rows[0]) >= {"user", "client_id", "action", "timestamp", "outcome", "role", "workstation"}
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)  # oldest first
    client_id = next(r["client_id"] for r in rows if r["client_id"] is not None)
    about_one = audit_rows(practice, tmp_path, "--client", str(client_id))
    assert about_one and {r["client_id"] for r in about_one} == {client_id}
    # Looking at the trail is itself in the trail.
    views = [r for r in audit_rows(practice, tmp_path) if r["action"] == "view" and r["object_type"] == "audit"]
    assert len(views) == 2 and views[0]["user"] == ADMINISTRATOR_NAME

    intact = cli(["--db", str(practice), "audit", "--check"], tmp_path)
    assert intact.returncode == 0, intact.stderr
    assert "intact:" in intact.stdout and "entries" in intact.stdout

    connection = sqlcipher.connect(str(practice))
    connection.execute(f"PRAGMA key = '{PASSPHRASE}'")
    with pytest.raises(sqlcipher.DatabaseError):  # the triggers refuse a change...
        connection.execute("UPDATE audit_entry SET detail = 'x' WHERE id = 5")
    for (trigger,) in connection.execute("SELECT name FROM sqlite_master WHERE type='trigger'").fetchall():
        connection.execute(f'DROP TRIGGER "{trigger}"')  # ...so someone with the key removes them
    connection.execute("UPDATE audit_entry SET practitioner_name = 'Niemand' WHERE id = 5")
    connection.commit()
    connection.close()

    line = one_line(cli(["--db", str(practice), "audit", "--check"], tmp_path))
    assert "5" in line and "changed" in line
    report = cli(["--db", str(practice), "audit", "--check", "--json"], tmp_path)
    assert report.returncode == 1
    assert json.loads(report.stdout)["broken_at"] == 5


def test_audit_client_and_check_together_is_a_usage_error(practice, tmp_path):
    result = cli(["--db", str(practice), "audit", "--client", "1", "--check"], tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_listing_clients_and_referrals_writes_one_audit_entry_each(practice, tmp_path):
    before = len(audit_rows(practice, tmp_path))
    assert cli(["--db", str(practice), "clients"], tmp_path).returncode == 0
    assert cli(["--db", str(practice), "referrals", "--json"], tmp_path).returncode == 0
    rows = audit_rows(practice, tmp_path)
    # A look at the trail is recorded after what it showed: first the look that counted `before`,
    # then each command's sign-in and list, then this look's sign-in (the look is not in its own
    # answer).
    assert (rows[before]["action"], rows[before]["object_type"]) == ("view", "audit")
    new = [(r["action"], r["object_type"], r["detail"]) for r in rows[before + 1 :]]
    signed_in_entry = ("sign_in", "practitioner", "")
    assert new == [
        signed_in_entry,
        ("list", "client", "20"),
        signed_in_entry,
        ("list", "referral", new[3][2]),
        signed_in_entry,
    ]
    assert new[3][2].isdigit()
    assert {r["user_id"] for r in rows[before:]} == {ADMINISTRATOR}


# -- erasing a client ---------------------------------------------------------------------------


def test_record_erase_asks_for_yes_then_erases_and_says_so_in_the_audit_trail(practice, tmp_path):
    clients = client_rows(practice, tmp_path)
    practitioners = dump(practice, PASSPHRASE)["practitioner"]
    # A client whose surname nobody else in the practice carries -- no other client, no
    # practitioner (the demo's practice manager is a Van Dijk) -- so that the surname anywhere
    # after the erasure can only be a trace of this client.
    client = next(
        c
        for c in clients[3:]
        if sum(c["family_name"] in other["name"] for other in clients) == 1
        and not any(c["family_name"] in repr(row) for row in practitioners)
    )
    before = practice.read_bytes()
    line = one_line(cli(["--db", str(practice), "record", "erase", str(client["id"])], tmp_path))
    assert "--yes" in line
    assert practice.read_bytes() == before

    erased = cli(["--db", str(practice), "record", "erase", str(client["id"]), "--yes"], tmp_path)
    assert erased.returncode == 0, erased.stderr
    assert client["client_number"] in erased.stdout and client["family_name"] not in erased.stdout
    assert client["id"] not in [c["id"] for c in client_rows(practice, tmp_path)]
    for table, rows in dump(practice, PASSPHRASE).items():
        for row in rows:
            assert client["family_name"] not in repr(row), table
    entries = audit_rows(practice, tmp_path, "--client", str(client["id"]))
    erase = [e for e in entries if e["action"] == "erase"]
    assert len(erase) == 1 and erase[0]["outcome"] == "success" and erase[0]["user"] == ADMINISTRATOR_NAME
    assert not any(p.exists() and p.stat().st_size for p in companion_files(practice)[:1])  # WAL folded

    one_line(cli(["--db", str(practice), "record", "erase", str(client["id"]), "--yes"], tmp_path))  # gone


# -- retention ----------------------------------------------------------------------------------


def test_retention_lists_what_is_due_and_a_period_can_be_set(practice, tmp_path):
    now = cli(["--db", str(practice), "retention", "--today", TODAY, "--json"], tmp_path)
    assert now.returncode == 0, now.stderr
    assert json.loads(now.stdout) == {"periods": {"client_record": 20, "referral": 20}, "due": []}
    later = cli(["--db", str(practice), "retention", "--today", "2060-01-01", "--json"], tmp_path)
    due = json.loads(later.stdout)["due"]
    assert {d["record_type"] for d in due} == {"client_record", "referral"}
    assert len([d for d in due if d["record_type"] == "client_record"]) == 20
    assert [d["due"] for d in due] == sorted(d["due"] for d in due)
    assert set(due[0]) == {
        "record_type",
        "client_id",
        "client_number",
        "client_name",
        "object_id",
        "last_activity",
        "due",
    }

    one_line(cli(["--db", str(practice), "retention", "--set", "client_record", "0"], tmp_path))
    one_line(cli(["--db", str(practice), "retention", "--set", "letters", "5"], tmp_path))
    one_line(cli(["--db", str(practice), "retention", "--set", "referral", "five"], tmp_path))
    changed = cli(["--db", str(practice), "retention", "--set", "referral", "5", "--today", TODAY], tmp_path)
    assert changed.returncode == 0, changed.stderr
    assert "5 years" in changed.stdout.splitlines()[0]


# -- encrypting a plain database, changing the passphrase ---------------------------------------


def test_encrypt_a_plain_database_then_change_its_passphrase(tmp_path):
    db = tmp_path / "old.sqlite"
    plain = Database.open(db)
    try:
        generate_demo(plain, clients=5, seed=2, today=date(2026, 5, 1))
    finally:
        plain.close()
    assert add_administrator(db, None) == ADMINISTRATOR
    names = [c["family_name"] for c in client_rows(db, tmp_path, passphrase=None) if len(c["family_name"]) >= 5]
    assert names and names[0].encode("utf-8") in on_disk(db)
    before = dump(db, None)

    line = one_line(cli(["--db", str(db), "encrypt"], tmp_path, passphrase=None))
    assert "BROADTALK_NEW_PASSPHRASE" in line
    one_line(cli(["--db", str(db), "encrypt"], tmp_path, passphrase=None, BROADTALK_NEW_PASSPHRASE="kort"))
    assert not is_encrypted_file(db)

    done = cli(["--db", str(db), "encrypt"], tmp_path, passphrase=None, BROADTALK_NEW_PASSPHRASE=PASSPHRASE)
    assert done.returncode == 0, done.stderr
    assert is_encrypted_file(db)
    data = on_disk(db)
    assert not any(name.encode("utf-8") in data for name in names)
    assert not list(tmp_path.glob("*.encrypting")) and not (tmp_path / "backups").exists()  # no plain copy kept
    assert {k: v for k, v in dump(db, PASSPHRASE).items() if k not in ("practitioner", "setting")} == {
        k: v for k, v in before.items() if k not in ("practitioner", "setting")
    }
    one_line(cli(["--db", str(db), "clients"], tmp_path, passphrase=None))
    one_line(cli(["--db", str(db), "encrypt"], tmp_path, BROADTALK_NEW_PASSPHRASE=OTHER))  # already is

    one_line(cli(["--db", str(db), "passphrase"], tmp_path, BROADTALK_NEW_PASSPHRASE=PASSPHRASE))  # the same
    one_line(
        cli(["--db", str(db), "passphrase"], tmp_path, passphrase="niet de goede zin", BROADTALK_NEW_PASSPHRASE=OTHER)
    )
    changed = cli(["--db", str(db), "passphrase"], tmp_path, BROADTALK_NEW_PASSPHRASE=OTHER)
    assert changed.returncode == 0, changed.stderr
    one_line(cli(["--db", str(db), "clients"], tmp_path))  # the old one no longer opens it
    assert len(client_rows(db, tmp_path, passphrase=OTHER)) == 5
    changes = [r["detail"] for r in audit_rows(db, tmp_path, passphrase=OTHER) if r["object_type"] == "database"]
    assert changes == ["encrypted", "passphrase"]


# -- who acts -----------------------------------------------------------------------------------


@pytest.fixture
def accounts(practice):
    """A practice nurse and a practice manager who can sign in with their own PINs."""
    db = Database.open(practice, passphrase=PASSPHRASE)
    try:
        nurse = add_account_with_pin(db, "Noor Verpleegkundige", Role.PRACTICE_NURSE, "13579")
        manager = add_account_with_pin(db, "Mila Manager", Role.PRACTICE_MANAGER, "24680")
    finally:
        db.close()
    return {"nurse": nurse.id, "manager": manager.id}


def test_a_practitioner_signs_in_from_the_environment_and_the_role_decides(practice, tmp_path, accounts):
    nurse = {"BROADTALK_USER": str(accounts["nurse"]), "BROADTALK_PIN": "13579"}
    manager = {"BROADTALK_USER": str(accounts["manager"]), "BROADTALK_PIN": "24680"}
    listed = cli(["--db", str(practice), "clients"], tmp_path, user=None, **nurse)
    assert listed.returncode == 0, listed.stderr

    wrong = one_line(
        cli(["--db", str(practice), "clients"], tmp_path, user=None, **{**nurse, "BROADTALK_PIN": "00000"})
    )
    assert "not right" in wrong
    no_pin = one_line(
        cli(["--db", str(practice), "clients"], tmp_path, user=None, BROADTALK_USER=str(accounts["nurse"]))
    )
    assert "BROADTALK_PIN" in no_pin

    client_id = client_rows(practice, tmp_path)[0]["id"]
    line = one_line(
        cli(["--db", str(practice), "record", "erase", str(client_id), "--yes"], tmp_path, user=None, **nurse)
    )
    assert "erase clients" in line
    one_line(cli(["--db", str(practice), "audit"], tmp_path, user=None, **nurse))
    one_line(cli(["--db", str(practice), "retention"], tmp_path, user=None, **nurse))
    assert client_id in [c["id"] for c in client_rows(practice, tmp_path)]

    rows = audit_rows(practice, tmp_path, **{}, passphrase=PASSPHRASE)
    mine = [(r["action"], r["outcome"]) for r in rows if r["user_id"] == accounts["nurse"]]
    assert ("sign_in", "success") in mine and ("list", "success") in mine
    assert ("sign_in_failed", "failed") in mine
    assert [o for a, o in mine if a == "refused"] == ["refused", "refused", "refused"]

    erased = cli(["--db", str(practice), "record", "erase", str(client_id), "--yes"], tmp_path, user=None, **manager)
    assert erased.returncode == 0, erased.stderr
    erase_entry = next(r for r in audit_rows(practice, tmp_path) if r["action"] == "erase")
    assert erase_entry["user"] == "Mila Manager" and erase_entry["role"] == "practice_manager"


def test_the_help_says_who_acts_and_where_the_passphrase_comes_from(tmp_path):
    result = cli(["--help"], tmp_path)
    assert result.returncode == 0
    for text in (
        "BROADTALK_PASSPHRASE",
        "BROADTALK_NEW_PASSPHRASE",
        "BROADTALK_USER",
        "BROADTALK_PIN",
        "signs in",
        "lock-out",
    ):
        assert text in result.stdout
    for command in ("backup", "restore", "audit", "record", "retention", "encrypt", "passphrase"):
        assert command in result.stdout
