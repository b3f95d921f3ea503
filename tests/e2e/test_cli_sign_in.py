"""Who acts on the command line (issue 10): always a named practitioner who signs in with their
PIN, never an anonymous administrator. Without BROADTALK_USER/BROADTALK_PIN and without a
terminal a command is refused and changes nothing; a wrong PIN is refused and recorded; in a
terminal broadtalk asks (the PIN without echo); and each role gets exactly what the role matrix
allows, command by command."""

from __future__ import annotations

import io
import json
import os
import pty
import select
import sys
import time
from pathlib import Path

import pytest
import sqlcipher3.dbapi2 as sqlcipher
from sqlmodel import select as select_rows

from broadtalk import i18n
from broadtalk.cli import main
from broadtalk.consent import WITHDRAWN, withdraw_consent
from broadtalk.demo import DEMO_SECRET
from broadtalk.errors import BroadtalkError
from broadtalk.handover.content import load_handover
from broadtalk.permissions import MATRIX, Permission
from broadtalk.practitioners import Role, get_actor, list_practitioners
from broadtalk.referrals import list_referrals
from broadtalk.store.database import Database
from broadtalk.store.tables import Conversation, Referral
from tests.e2e.signing_in import demo_practice, signed_in

#: Raw 256-bit keys (SQLCipher's ``x'...'`` form) given as the passphrase: the file is encrypted
#: the same way, without PBKDF2's 256,000 rounds for every connection, so the matrix of commands
#: and roles below runs in a fraction of the time.
PASSPHRASE = "x'" + "3C" * 32 + "'"
NEW_PASSPHRASE = "x'" + "A7" * 32 + "'"
VARIABLES = ("BROADTALK_USER", "BROADTALK_PIN", "BROADTALK_PASSPHRASE", "BROADTALK_NEW_PASSPHRASE")
MODEL = """\
id: sleep-check
version: 1
title: {nl: Slaapcheck, en: Sleep check}
description: {nl: Hoe je slaapt., en: How you sleep.}
scale:
  min: 1
  max: 5
  anchors:
    - {value: 1, label: {nl: slecht, en: poor}}
    - {value: 5, label: {nl: goed, en: good}}
domains:
  - id: sleep
    title: {nl: Slapen, en: Sleep}
    description: {nl: Hoe je slaapt., en: How you sleep.}
    colour: "#0072B2"
"""


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """One data and configuration folder for the whole module: the practice below is made once
    and copied, and its audit seal's key lives in the configuration folder."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(autouse=True)
def clean_environment(isolated_home, home, monkeypatch):
    monkeypatch.setenv("BROADTALK_HOME", str(home))
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BROADTALK_LANGUAGE", "en")


def run(argv: list[str], capsys, monkeypatch, *, user: int | None, pin: str = DEMO_SECRET, **env: str):
    """``main`` in this process, signed in as ``user`` (None: no sign-in variables), with stdin
    no terminal (pytest's)."""
    if user is not None:
        env = {**signed_in(user, pin), **env}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        code = main(argv)
    except SystemExit as stop:
        code = int(stop.code or 0)
    finally:
        for name in env:
            monkeypatch.delenv(name, raising=False)
    out, err = capsys.readouterr()
    return code, out, err


def rows(path: Path, passphrase: str | None) -> dict[str, list[tuple]]:
    """Every row of every table, read with SQLCipher directly."""
    connection = sqlcipher.connect(str(path))
    try:
        if passphrase is not None:
            connection.execute("PRAGMA key = '" + passphrase.replace("'", "''") + "'")
        names = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        # ORDER BY 1: also for a table without rowids (the client search tokens); the first column
        # is each table's key.
        return {name: connection.execute(f'SELECT * FROM "{name}" ORDER BY 1').fetchall() for name in names}
    finally:
        connection.close()


def trail(path: Path, passphrase: str | None) -> list[tuple[int | None, str, str]]:
    """(practitioner, action, outcome) of every audit entry, oldest first."""
    connection = sqlcipher.connect(str(path))
    try:
        if passphrase is not None:
            connection.execute("PRAGMA key = '" + passphrase.replace("'", "''") + "'")
        return connection.execute("SELECT practitioner_id, action, outcome FROM audit_entry ORDER BY id").fetchall()
    finally:
        connection.close()


#: The audit trail and its seal (which follows the trail's newest entry).
TRAIL_TABLES = ("audit_entry", "database_seal")


def assert_unchanged_but_the_trail(before: dict[str, list[tuple]], path: Path, passphrase: str | None) -> list[tuple]:
    """Nothing changed but the audit trail, which only grew: (practitioner, action, outcome) of
    its new entries."""
    after = rows(path, passphrase)
    trail_before, trail_after = before["audit_entry"], after["audit_entry"]
    assert {k: v for k, v in after.items() if k not in TRAIL_TABLES} == {
        k: v for k, v in before.items() if k not in TRAIL_TABLES
    }
    assert trail_after[: len(trail_before)] == trail_before
    return trail(path, passphrase)[len(trail_before) :]


# -- the practice the commands act on -------------------------------------------------------------


class Practice:
    """A demo practice with an administrator, a backup of it, a referral with valid consent and a
    model file; the same as a plain (unencrypted) file for ``encrypt``."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.encrypted = folder / "practice.sqlite"
        self.numbers = demo_practice(self.encrypted, PASSPHRASE, clients=8, today=i18n.dutch_today())
        self.plain = folder / "plain.sqlite"
        demo_practice(self.plain, None, clients=1, today=i18n.dutch_today())
        self.backup = folder / "saved-backup.sqlite"
        db = Database.open(self.encrypted, passphrase=PASSPHRASE)
        try:
            db.backup_to(self.backup)
            nurse = self._actor(db, Role.PRACTICE_NURSE)
            with db.transaction() as tx:
                self.client = next(iter(sorted(r.client_id for r in list_referrals(tx, nurse))))
                self.conversation = tx.exec(
                    select_rows(Conversation.id).where(Conversation.status == "completed").order_by(Conversation.id)
                ).first()
            self.referral = self._consented_referral(db, nurse)
            self.answer = self._answer(db, nurse, folder / "answer.json")
            self.record = self._record(db, folder / "record.json")
            self.withdrawn = self._withdrawn_referral(db, nurse)
        finally:
            db.close()
        self.model = folder / "sleep-check.yaml"
        self.model.write_text(MODEL, encoding="utf-8")

    def _actor(self, db: Database, role: Role):
        with db.transaction() as tx:
            return get_actor(tx, self.numbers[role])

    @staticmethod
    def _consented_referral(db: Database, nurse) -> int:
        with db.transaction() as tx:
            candidates = [r.id for r in list_referrals(tx, nurse)]
        for referral_id in candidates:
            try:
                with db.transaction() as tx:
                    load_handover(tx, nurse, referral_id, today=i18n.dutch_today())
            except BroadtalkError:
                continue
            return referral_id
        raise AssertionError("the demo has no referral with valid consent")

    @staticmethod
    def _answer(db: Database, nurse, path: Path) -> Path:
        """The recipient's answer to a referral waiting for feedback: its Task, completed."""
        from broadtalk.interop.handover_fhir import handover_bundle
        from broadtalk.referral_steps import AWAITING_FEEDBACK

        with db.transaction() as tx:
            waiting = [r.id for r in list_referrals(tx, nurse) if r.status in AWAITING_FEEDBACK]
        for referral_id in waiting:
            try:
                with db.transaction() as tx:
                    content = load_handover(tx, nurse, referral_id, today=i18n.dutch_today())
            except BroadtalkError:
                continue
            task = handover_bundle(content)["entry"][0]["resource"]
            task.update(status="completed", output=[{"type": {"text": "x"}, "valueString": "Kennismaking gehad."}])
            path.write_text(json.dumps(task), encoding="utf-8")
            return path
        raise AssertionError("the demo has no referral waiting for feedback with valid consent")

    @staticmethod
    def _record(db: Database, path: Path) -> Path:
        """A client's record from this practice, with another client number: it imports as a new client."""
        from broadtalk.interop.record import load_client_file
        from broadtalk.interop.record_fhir import record_bundle

        with db.transaction() as tx:
            client_id = next(iter(sorted(r.client_id for r in tx.exec(select_rows(Referral)).all())))
            bundle = record_bundle(load_client_file(tx, client_id))
        patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
        patient["identifier"][0]["value"] = "MOV-001"
        path.write_text(json.dumps(bundle), encoding="utf-8")
        return path

    def _withdrawn_referral(self, db: Database, nurse) -> int:
        """A referral whose consent was withdrawn (the demo's, else one withdrawn here)."""
        today = i18n.dutch_today()
        with db.transaction() as tx:
            found = list_referrals(tx, nurse)
            withdrawn = [r.id for r in found if r.consent_status(today) == WITHDRAWN]
            if withdrawn:
                return withdrawn[0]
            other = next(r for r in found if r.consent is not None and r.id != self.referral)
            withdraw_consent(tx, nurse, other.consent.id, note="zelf geregeld")
            return other.id

    def copy(self, target: Path, *, plain: bool = False) -> Path:
        source = self.plain if plain else self.encrypted
        target.mkdir(parents=True, exist_ok=True)
        path = target / source.name
        path.write_bytes(source.read_bytes())
        return path


@pytest.fixture(scope="module")
def template(tmp_path_factory, home) -> Practice:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BROADTALK_HOME", str(home))
        return Practice(tmp_path_factory.mktemp("practice"))


#: Every command that opens a database, what it needs of the role matrix, and its arguments
#: (``{db}``, ``{out}``, ``{backup}``, ``{client}``, ``{referral}``, ``{model}`` filled in).
COMMANDS: dict[str, tuple[frozenset[Permission], list[str]]] = {
    "forms list": (frozenset(), ["forms", "list"]),
    "forms import": (frozenset({Permission.MANAGE_MODELS}), ["forms", "import", "{model}"]),
    "forms export": (frozenset(), ["forms", "export", "positive-health", "--fhir", "--out", "{out}.json"]),
    "clients": (frozenset({Permission.VIEW_CLIENTS}), ["clients", "--json"]),
    "referrals": (frozenset({Permission.VIEW_REFERRAL_STATUS}), ["referrals", "--json"]),
    "referrals feedback": (frozenset({Permission.MANAGE_REFERRALS}), ["referrals", "feedback", "import", "{answer}"]),
    "handover pdf": (frozenset({Permission.EXPORT_HANDOVERS}), ["handover", "pdf", "{referral}", "--out", "{out}.pdf"]),
    "handover client-copy": (
        frozenset({Permission.EXPORT_HANDOVERS}),
        ["handover", "client-copy", "{referral}", "--out", "{out}.pdf"],
    ),
    "handover withdrawal-notice": (
        frozenset({Permission.EXPORT_HANDOVERS}),
        ["handover", "withdrawal-notice", "{withdrawn}", "--out", "{out}.pdf"],
    ),
    "handover withdrawal-confirmation": (
        frozenset({Permission.EXPORT_HANDOVERS}),
        ["handover", "withdrawal-confirmation", "{withdrawn}", "--out", "{out}.pdf"],
    ),
    "handover export": (
        frozenset({Permission.EXPORT_HANDOVERS}),
        ["handover", "export", "--since", "2000-01-01", "--workers", "1", "--out", "{out}"],
    ),
    "monitor": (
        frozenset({Permission.VIEW_REFERRAL_STATUS}),
        ["monitor", "--period", "2026", "--by", "area", "--csv", "{out}.csv"],
    ),
    "conversations gp-note": (
        frozenset({Permission.VIEW_CONVERSATIONS}),
        ["conversations", "gp-note", "{conversation}"],
    ),
    "conversations client-summary": (
        frozenset({Permission.VIEW_CONVERSATIONS}),
        ["conversations", "client-summary", "{conversation}", "--out", "{out}.pdf"],
    ),
    "backup": (frozenset({Permission.BACKUP}), ["backup", "--out", "{out}.sqlite"]),
    "restore": (frozenset({Permission.RESTORE}), ["restore", "{backup}", "--yes"]),
    "audit": (frozenset({Permission.VIEW_AUDIT}), ["audit", "--json"]),
    "audit --check": (frozenset({Permission.VIEW_AUDIT}), ["audit", "--check"]),
    "record erase": (frozenset({Permission.ERASE_CLIENTS}), ["record", "erase", "{client}", "--yes"]),
    "record export": (
        frozenset({Permission.VIEW_CONVERSATIONS}),
        ["record", "export", "{client}", "--out", "{out}.json"],
    ),
    "record import": (
        frozenset({Permission.EDIT_CLIENTS, Permission.HOLD_CONVERSATIONS, Permission.MANAGE_REFERRALS}),
        ["record", "import", "{record}"],
    ),
    "retention": (frozenset({Permission.REVIEW_RETENTION}), ["retention", "--json"]),
    "retention --set": (
        frozenset({Permission.MANAGE_SETTINGS, Permission.REVIEW_RETENTION}),
        ["retention", "--set", "referral", "25"],
    ),
    "passphrase": (frozenset({Permission.MANAGE_SETTINGS}), ["passphrase"]),
    "encrypt": (frozenset({Permission.MANAGE_SETTINGS}), ["encrypt"]),
    "copy-to-server": (frozenset({Permission.MANAGE_SETTINGS}), ["copy-to-server", "{server}"]),
}


def _argv(template: Practice, name: str, db: Path, out: Path, server: str = "") -> list[str]:
    _needs, args = COMMANDS[name]
    values = {
        "server": server,
        "out": str(out),
        "backup": str(template.backup),
        "client": str(template.client),
        "referral": str(template.referral),
        "withdrawn": str(template.withdrawn),
        "model": str(template.model),
        "answer": str(template.answer),
        "record": str(template.record),
        "conversation": str(template.conversation),
    }
    return ["--db", str(db), *(arg.format(**values) for arg in args)]


def _passphrases(name: str) -> tuple[str | None, dict[str, str]]:
    """The database's passphrase and the variables this command is given besides sign-in."""
    if name == "encrypt":
        return None, {"BROADTALK_NEW_PASSPHRASE": NEW_PASSPHRASE}
    env = {"BROADTALK_PASSPHRASE": PASSPHRASE}
    if name == "passphrase":
        env["BROADTALK_NEW_PASSPHRASE"] = NEW_PASSPHRASE
    return PASSPHRASE, env


# -- nobody signed in -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_without_the_variables_and_a_terminal_a_command_is_refused_and_changes_nothing(
    template, tmp_path, capsys, monkeypatch, name, request
):
    db = template.copy(tmp_path, plain=name == "encrypt")
    passphrase, env = _passphrases(name)
    before = rows(db, passphrase)
    server = _server(request, name)
    code, out, err = run(_argv(template, name, db, tmp_path / "out", server), capsys, monkeypatch, user=None, **env)
    assert code == 1, (out, err)
    (line,) = err.strip().splitlines()
    assert "BROADTALK_USER" in line and "BROADTALK_PIN" in line and "terminal" in line, line
    assert rows(db, passphrase) == before  # not even an audit entry: nobody was there to name
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("out")]  # no document, no backup
    _assert_server_untouched(request, name)


def _server(request, name: str) -> str:
    """An empty server database for ``copy-to-server``; none for the other commands."""
    return request.getfixturevalue("empty_server_url") if name == "copy-to-server" else ""


def _assert_server_untouched(request, name: str) -> None:
    if name != "copy-to-server":
        return
    import psycopg

    with psycopg.connect(request.getfixturevalue("empty_server_url")) as connection:
        tables = connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    assert tables == []  # not even set up


def test_a_wrong_pin_is_refused_recorded_and_changes_nothing_else(template, tmp_path, capsys, monkeypatch):
    db = template.copy(tmp_path)
    manager = template.numbers[Role.PRACTICE_MANAGER]
    before = rows(db, PASSPHRASE)
    argv = ["--db", str(db), "record", "erase", str(template.client), "--yes"]
    code, _out, err = run(argv, capsys, monkeypatch, user=manager, pin="00000", BROADTALK_PASSPHRASE=PASSPHRASE)
    assert code == 1 and "not right" in err and len(err.strip().splitlines()) == 1
    assert assert_unchanged_but_the_trail(before, db, PASSPHRASE) == [(manager, "sign_in_failed", "failed")]


def test_a_database_nobody_can_sign_in_to_says_to_set_up_the_practice_first(tmp_path, capsys, monkeypatch):
    path = tmp_path / "new.sqlite"
    Database.open(path, passphrase=PASSPHRASE).close()  # made, but the welcome was never filled in
    code, _out, err = run(["--db", str(path), "clients"], capsys, monkeypatch, user=1, BROADTALK_PASSPHRASE=PASSPHRASE)
    assert code == 1
    (line,) = err.strip().splitlines()
    assert "set up the practice in the app first" in line and "demo" in line


def test_forms_validate_and_demo_need_nobody(template, tmp_path, capsys, monkeypatch):
    code, out, err = run(["forms", "validate", str(template.model)], capsys, monkeypatch, user=None)
    assert code == 0, err
    new = tmp_path / "demo.sqlite"
    argv = ["--db", str(new), "demo", "--clients", "2"]
    code, out, err = run(argv, capsys, monkeypatch, user=None, BROADTALK_PASSPHRASE=PASSPHRASE)
    assert code == 0, err
    assert f"BROADTALK_PIN={DEMO_SECRET}" in out
    # ...and the demo goes only into a database nobody uses: not a way in to a real practice.
    real = template.copy(tmp_path / "real")
    before = rows(real, PASSPHRASE)
    argv = ["--db", str(real), "demo", "--clients", "2"]
    code, _out, err = run(argv, capsys, monkeypatch, user=None, BROADTALK_PASSPHRASE=PASSPHRASE)
    assert code == 1 and "already in use" in err
    assert rows(real, PASSPHRASE) == before


# -- in a terminal --------------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_in_a_terminal_what_is_missing_is_asked_and_asked_once(template, tmp_path, capsys, monkeypatch):
    import getpass

    db = template.copy(tmp_path)
    nurse = template.numbers[Role.PRACTICE_NURSE]
    asked: list[str] = []
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": asked.append(prompt) or DEMO_SECRET)
    monkeypatch.setattr(sys, "stdin", _Terminal(f"{nurse}\n"))
    code, out, err = run(
        ["--db", str(db), "clients", "--json"], capsys, monkeypatch, user=None, BROADTALK_PASSPHRASE=PASSPHRASE
    )
    assert code == 0, err
    assert out.lstrip().startswith("[")  # the prompts went to stderr: the JSON stays clean
    assert "Your practitioner number" in err and "Anouk de Vries" in err  # who can sign in, by number
    assert asked == ["Your PIN or password: "]
    # A wrong PIN typed is refused like one in BROADTALK_PIN.
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": "00000")
    monkeypatch.setattr(sys, "stdin", _Terminal(f"{nurse}\n"))
    code, _out, err = run(["--db", str(db), "clients"], capsys, monkeypatch, user=None, BROADTALK_PASSPHRASE=PASSPHRASE)
    assert code == 1 and "not right" in err.strip().splitlines()[-1]


def _talk(argv: list[str], env: dict[str, str], answers: list[tuple[str, str]]) -> str:
    """Run broadtalk in a pseudo-terminal; type each answer once its prompt shows. All it wrote."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: broadtalk with the terminal as stdin, stdout and stderr
        try:
            os.execve(sys.executable, [sys.executable, "-m", "broadtalk", *argv], env)
        finally:
            os._exit(127)
    seen = b""
    deadline = time.monotonic() + 120
    pending = list(answers)
    try:
        while time.monotonic() < deadline:
            if pending and pending[0][0].encode() in seen:
                os.write(fd, pending.pop(0)[1].encode() + b"\n")
            ready, _w, _x = select.select([fd], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.waitpid(pid, 0)
        os.close(fd)
    return seen.decode("utf-8", "replace")


@pytest.mark.slow
def test_a_real_terminal_asks_for_the_number_and_the_pin_without_echo(template, tmp_path):
    db = template.copy(tmp_path)
    worker = template.numbers[Role.SOCIAL_WORKER]
    env = {k: v for k, v in os.environ.items() if not k.startswith("BROADTALK_")}
    env.update(BROADTALK_HOME=str(tmp_path / "home"), BROADTALK_LANGUAGE="en", BROADTALK_PASSPHRASE=PASSPHRASE)
    pin = DEMO_SECRET
    shown = _talk(
        ["--db", str(db), "clients", "--json"],
        env,
        [("Your practitioner number: ", str(worker)), ("Your PIN or password: ", pin)],
    )
    after_number_prompt = shown.split("Your practitioner number: ", 1)[1]
    assert after_number_prompt.splitlines()[0].strip() == str(worker)  # the number is echoed...
    after_pin_prompt = shown.split("Your PIN or password: ", 1)[1]
    assert pin not in after_pin_prompt.splitlines()[0]  # ...the PIN is not
    assert '"client_number"' in after_pin_prompt  # signed in: the list follows
    assert trail(db, PASSPHRASE)[-2:] == [(worker, "sign_in", "success"), (worker, "list", "success")]


# -- the role matrix, command by command ----------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_role_gets_exactly_what_the_matrix_allows(template, tmp_path, capsys, monkeypatch, name, role, request):
    needs, _args = COMMANDS[name]
    allowed = needs <= MATRIX[role]
    db = template.copy(tmp_path / "data", plain=name == "encrypt")
    passphrase, env = _passphrases(name)
    before = rows(db, passphrase)
    number = template.numbers[role]
    server = _server(request, name)
    argv = _argv(template, name, db, tmp_path / "out", server)
    code, out, err = run(argv, capsys, monkeypatch, user=number, **env)
    if allowed:
        assert code == 0, (name, role, err)
        return
    assert code == 1, (name, role, out)
    (line,) = err.strip().splitlines()
    assert "you may not" in line, line
    if name == "encrypt":  # still plain, still readable without a passphrase
        passphrase = None
    # Signed in as themselves, then refused by the matrix: both recorded, with their number.
    new = assert_unchanged_but_the_trail(before, db, passphrase)
    assert new == [(number, "sign_in", "success"), (number, "refused", "refused")]
    assert not (tmp_path / "out.pdf").exists() and not (tmp_path / "out.sqlite").exists()
    _assert_server_untouched(request, name)


def test_the_table_covers_every_command_that_opens_a_database():
    from broadtalk.cli import COMMANDS as HANDLERS

    # ``check`` only reads the file's pages (no data shown) and must work on a damaged file;
    # ``use-server`` is a setting of the workstation: it only tries the server's door
    # (tests/e2e/test_i12_server_cli.py).
    opened = {" ".join(part for part in key if part) for key in HANDLERS} - {
        "forms validate",
        "demo",
        "check",
        "use-server",
    }
    assert opened == {name for name in COMMANDS if " --" not in name}


def test_the_practice_here_has_every_role(template):
    db = Database.open(template.encrypted, passphrase=PASSPHRASE)
    try:
        with db.transaction() as tx:
            assert {a.role for a in list_practitioners(tx)} == set(Role)
    finally:
        db.close()
