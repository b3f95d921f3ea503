"""Kill (SIGKILL) a process that writes to an encrypted database, many times, at random moments:
every acknowledged write survives with its exact value, a write in flight is whole or absent,
the file stays intact and encrypted, and the audit chain stays whole.

The writer is tests/e2e/crash_writer.py, a real process using the app's own use cases. It says
``try`` before a transaction and ``ack`` after its commit. After each kill the database is
reopened and its whole state compared with what the acknowledgements say it must be: exactly
that, or that plus the one write that was in flight when the process died.
"""

from __future__ import annotations

import copy
import json
import os
import random
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from broadtalk.audit import verify_chain
from broadtalk.store.database import Database, companion_files, is_encrypted_file
from broadtalk.store.tables import Answer, AuditEntry, Client, Conversation, DomainAssessment, Goal, Practitioner
from tests.conftest import REPO

PASSPHRASE = "zeven zilveren zwanen"
KILLS = 20
SEED = 20260302
WRITER = REPO / "tests" / "e2e" / "crash_writer.py"
#: Words the writer puts in names and answers: they must never be readable in the files.
PLAIN_MARKERS = ("Verpleegkundige", "Çelik", "Ødegård", "antwoord", "ronde", "schulden", "de post elke week")

State = dict[str, dict[Any, Any]]
TABLES = ("practitioners", "clients", "conversations", "answers", "assessments", "goals", "sign_ins", "unlocks")


def empty_state() -> State:
    return {table: {} for table in TABLES}


def read_state(db: Database) -> State:
    """Everything the writer can have written, as plain values."""
    state = empty_state()
    with db.transaction() as tx:
        for p in tx.exec(select(Practitioner)):
            state["practitioners"][p.id] = (p.name, bool(p.secret_hash))
        for c in tx.exec(select(Client)):
            state["clients"][c.id] = (
                c.client_number,
                c.given_name,
                c.name_prefix,
                c.family_name,
                c.birth_date.isoformat(),
            )
        for v in tx.exec(select(Conversation)):
            state["conversations"][v.id] = (v.client_id, v.practitioner_id, v.model_id, v.model_version)
        for a in tx.exec(select(Answer)):
            state["answers"][(a.conversation_id, a.link_id)] = json.loads(a.value_json)
        for d in tx.exec(select(DomainAssessment)):
            state["assessments"][(d.conversation_id, d.domain_id)] = (d.score, d.own_words)
        for g in tx.exec(select(Goal)):
            state["goals"][g.id] = (g.conversation_id, g.description)
        for e in tx.exec(select(AuditEntry).where(AuditEntry.outcome == "success")):
            table = {"sign_in": "sign_ins", "unlock": "unlocks"}.get(e.action)
            if table:
                state[table][e.practitioner_id] = state[table].get(e.practitioner_id, 0) + 1
    return state


def apply(new: State, event: dict[str, Any]) -> State:
    """Apply one write of the writer to ``new`` (``event`` carries the ids the database gave)."""
    kind = event["kind"]
    if kind == "practitioner":
        new["practitioners"][event["id"]] = (event["name"], False)
    elif kind == "secret":
        name, _ = new["practitioners"][event["practitioner"]]
        new["practitioners"][event["practitioner"]] = (name, True)
        new["sign_ins"][event["practitioner"]] = new["sign_ins"].get(event["practitioner"], 0) + 1
    elif kind == "client":
        fields = (event["number"], event["given"], event["prefix"], event["family"], event["birth"])
        new["clients"][event["id"]] = fields
    elif kind == "conversation":
        new["conversations"][event["id"]] = (event["client"], event["practitioner"], "positive-health", 1)
    elif kind == "answer":
        new["answers"][(event["conversation"], event["link"])] = event["value"]
    elif kind == "round":
        for domain_id in event["domains"]:
            new["assessments"][(event["conversation"], domain_id)] = (event["score"], event["own_words"])
    elif kind == "goal":
        new["goals"][event["id"]] = (event["conversation"], event["description"])
    elif kind == "unlock":
        new["unlocks"][event["practitioner"]] = new["unlocks"].get(event["practitioner"], 0) + 1
    else:
        raise AssertionError(f"unknown kind of write {kind!r}")
    return new


CREATES = {"practitioner": "practitioners", "client": "clients", "conversation": "conversations", "goal": "goals"}


def with_database_ids(pending: dict[str, Any], before: State, found: State) -> dict[str, Any] | None:
    """The in-flight write completed with the id (and client number) it got, if it was committed:
    the one row the database has beyond what was acknowledged. None when there is no such row."""
    table = CREATES.get(pending["kind"])
    if table is None:
        return pending
    new_ids = set(found[table]) - set(before[table])
    if len(new_ids) != 1:
        return None
    (new_id,) = new_ids
    completed = {**pending, "id": new_id}
    if pending["kind"] == "client":
        completed["number"] = found["clients"][new_id][0]
    return completed


def run_and_kill(path: Path, run: int, delay: float, env: dict[str, str], log: Path) -> list[tuple[str, dict]]:
    """Start the writer, let it write for ``delay`` seconds after it is ready, SIGKILL it; the
    lines it printed, in order."""
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, str(WRITER), str(path), str(run), str(SEED + run)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            encoding="utf-8",
        )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:  # until the pipe closes: the kill
            if not line.endswith("\n"):
                break  # cut off by the kill: an acknowledgement not fully said was not given
            lines.append(line.rstrip("\n"))
            if line.strip() == "ready":
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(timeout=60), f"the writer did not start: {log.read_text()}"
        with pytest.raises(subprocess.TimeoutExpired):
            # The random moment of the kill; the writer never stops by itself.
            process.wait(timeout=delay)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait(timeout=30)
        reader.join(timeout=30)
    assert process.returncode == -signal.SIGKILL, log.read_text()
    events = []
    for line in lines:
        if line == "ready":
            continue
        word, _, payload = line.partition(" ")
        assert word in ("try", "ack"), line
        events.append((word, json.loads(payload)))
    return events


def expected_states(before: State, events: list[tuple[str, dict]], found: State) -> tuple[list[State], bool]:
    """What the database may hold after the kill: the acknowledged writes applied, with or
    without the one write in flight. Also: was a write in flight?"""
    state = copy.deepcopy(before)
    pending = None
    for word, event in events:
        if word == "try":
            assert pending is None, "the writer tried a second write before the first was committed"
            pending = event
        else:
            assert pending is not None and pending["kind"] == event["kind"], event
            state = apply(state, event)
            pending = None
    candidates = [state]
    if pending is not None:
        completed = with_database_ids(pending, state, found)
        if completed is not None:
            candidates.append(apply(copy.deepcopy(state), completed))
    return candidates, pending is not None


def differences(found: State, wanted: State) -> dict[str, object]:
    out: dict[str, object] = {}
    for table in TABLES:
        a, b = found[table], wanted[table]
        missing = {k: b[k] for k in b if k not in a}
        extra = {k: a[k] for k in a if k not in b}
        changed = {k: (a[k], b[k]) for k in a if k in b and a[k] != b[k]}
        if missing or extra or changed:
            out[table] = {"missing": missing, "extra": extra, "changed (found, wanted)": changed}
    return out


def assert_no_plain_text(path: Path) -> None:
    for file in [path, *companion_files(path)]:
        if file.exists():
            data = file.read_bytes()
            for marker in PLAIN_MARKERS:
                assert marker.encode("utf-8") not in data, f"{marker!r} readable in {file.name}"


@pytest.mark.slow
def test_killing_a_writer_at_random_moments_loses_no_acknowledged_write(tmp_path):
    path = tmp_path / "practice.sqlite"
    Database.open(path, passphrase=PASSPHRASE).close()
    assert is_encrypted_file(path)
    env = {
        **os.environ,
        "BROADTALK_PASSPHRASE": PASSPHRASE,
        "BROADTALK_HOME": str(tmp_path / "home"),
        "PYTHONPATH": str(REPO),
    }
    rng = random.Random(SEED)
    state = empty_state()
    acknowledged = in_flight = 0

    for run in range(1, KILLS + 1):
        events = run_and_kill(path, run, rng.uniform(0.2, 2.0), env, tmp_path / f"writer-{run}.log")
        acknowledged += sum(1 for word, _ in events if word == "ack")

        # The files the killed process left behind (the WAL included) hold no plain text.
        assert is_encrypted_file(path)
        assert_no_plain_text(path)

        db = Database.open(path, passphrase=PASSPHRASE)
        try:
            with db.engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA integrity_check").fetchall() == [("ok",)]
            with db.transaction() as tx:
                chain = verify_chain(tx)
            assert chain.intact, f"after kill {run}: {chain.reason}"
            found = read_state(db)
        finally:
            db.close()

        candidates, was_in_flight = expected_states(state, events, found)
        in_flight += was_in_flight
        assert found in candidates, (
            f"after kill {run} the database differs from the acknowledged writes: {differences(found, candidates[-1])}"
        )
        assert chain.entries >= sum(found["sign_ins"].values()) + sum(found["unlocks"].values())
        state = found

    # The test proved something: many writes, most kills in the middle of one.
    assert acknowledged >= 20 * KILLS, acknowledged
    assert in_flight >= KILLS // 2, in_flight
    assert len(state["practitioners"]) >= KILLS
    assert all(state[table] for table in TABLES), {table: len(state[table]) for table in TABLES}
