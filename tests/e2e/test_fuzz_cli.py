"""Fuzzing the command line: whatever arguments are typed, the answer is exit 0, or one clear
line with exit 1, or a usage message with exit 2; never a traceback, never an 'unexpected
error', and a refused command leaves the data as it was (the audit trail may only grow: a
refusal is itself recorded). Each example acts as a practitioner of some role, signed in with a
right or a wrong PIN, or as nobody at all."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlcipher3.dbapi2 as sqlcipher
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from broadtalk.cli import main
from broadtalk.demo import DEMO_SECRET, generate_demo
from broadtalk.practitioners import Role
from broadtalk.store.database import Database
from tests.e2e.signing_in import ADMINISTRATOR_NAME, add_account_with_pin, practitioner_numbers, signed_in

PASSPHRASE = "fuzz fuzz fuzz fuzz"

COMMANDS = [
    ["clients"],
    ["clients", "--search"],
    ["clients", "--json"],
    ["referrals", "--overdue"],
    ["handover", "pdf"],
    ["handover", "client-copy"],
    ["audit"],
    ["audit", "--client"],
    ["audit", "--check"],
    ["record", "erase"],
    ["backup", "--out"],
    ["restore"],
    ["retention", "--set"],
    ["retention", "--today"],
    ["forms", "validate"],
    ["forms", "import"],
    ["forms", "list"],
    ["demo", "--clients"],
    ["encrypt"],
    ["passphrase"],
]  # (no command at all starts the desktop app: not a command-line answer)
OPTIONS = ["--json", "--yes", "--db", "--out", "--client", "--search", "--today", "--seed", "--set", "-h", "--"]


def _argv_text() -> st.SearchStrategy[str]:
    # Arguments cannot hold NUL; anything else a shell can pass may come.
    return st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=40)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, dict[Role, int]]:
    """A demo practice with an administrator, and the practitioner number per role."""
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "template.sqlite"
    db = Database.open(path, passphrase=PASSPHRASE)
    try:
        generate_demo(db, clients=4, seed=3, today=date(2026, 6, 1))
        add_account_with_pin(db, ADMINISTRATOR_NAME, Role.ADMINISTRATOR, DEMO_SECRET)
        numbers = practitioner_numbers(db)
        db.checkpoint()
    finally:
        db.close()
    return path, numbers


def _rows(path: Path) -> dict[str, list[tuple]]:
    connection = sqlcipher.connect(str(path))
    try:
        connection.execute("PRAGMA key = '" + PASSPHRASE.replace("'", "''") + "'")
        names = [
            r[0]
            for r in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {name: connection.execute(f'SELECT * FROM "{name}" ORDER BY 1').fetchall() for name in names}
    finally:
        connection.close()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_arguments_get_a_clear_answer_and_a_refusal_changes_nothing(template, tmp_path, capsys, monkeypatch, data):
    monkeypatch.chdir(tmp_path)  # a relative --out (a backup, a PDF) is written here, not in the project
    monkeypatch.setenv("BROADTALK_PASSPHRASE", PASSPHRASE)
    for name in ("BROADTALK_NEW_PASSPHRASE", "BROADTALK_USER", "BROADTALK_PIN", "BROADTALK_LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    template, numbers = template
    who = data.draw(st.sampled_from([*Role, None]))
    if who is not None:  # else nobody signs in (and there is no terminal to ask at)
        pin = data.draw(st.sampled_from([DEMO_SECRET, DEMO_SECRET, "00000"]))
        for name, value in signed_in(numbers[who], pin).items():
            monkeypatch.setenv(name, value)
    db = tmp_path / "practice.sqlite"
    for leftover in tmp_path.glob("practice.sqlite*"):
        leftover.unlink()
    db.write_bytes(template.read_bytes())
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database\n" * 40)
    places = [str(db), str(junk), str(tmp_path), str(tmp_path / "missing" / "x.sqlite"), str(tmp_path / "new.pdf")]
    words = st.one_of(
        _argv_text(),
        st.sampled_from(OPTIONS),
        st.sampled_from(places),
        st.integers(-5, 10**12).map(str),
        st.sampled_from(["2026-02-30", "01-01-2026", "client_record", "referral", "0", "-1", "1e9", "nan"]),
    )
    command = data.draw(st.sampled_from(COMMANDS))
    argv = ["--db", str(db), *command, *data.draw(st.lists(words, max_size=4))]
    before = _rows(db)

    try:
        code = main(argv)
    except SystemExit as stop:  # argparse: usage errors and --help
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 2)
    _out, err = capsys.readouterr()

    assert code in (0, 1, 2), (argv, code, err)
    assert "Traceback" not in err, (argv, err)
    assert "er ging iets mis" not in err.lower() and "something went wrong" not in err.lower(), (argv, err)
    if code == 1:
        lines = err.strip().splitlines()
        if command[:2] == ["forms", "validate"]:  # one line per problem, each naming its file
            assert lines and all(line.strip() and not line.startswith(":") for line in lines), (argv, err)
        else:
            assert len(lines) == 1 and lines[0].startswith("broadtalk"), (argv, err)
    if code == 2:
        assert err.strip(), argv
    assert junk.read_bytes() == b"not a database\n" * 40
    if code != 0:
        after = _rows(db)
        trail_before, trail_after = before.pop("audit_entry"), after.pop("audit_entry")
        assert after == before, argv
        assert trail_after[: len(trail_before)] == trail_before, argv  # the trail only grows
