"""A demo is made in batches of clients, one transaction each. Killed (SIGKILL) part-way, it
leaves a database that opens, whose audit trail checks out (``audit --check``) and that holds
whole clients only: every batch committed before the kill, nothing of the batch in flight."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from broadtalk.audit import verify_chain
from broadtalk.demo import BATCH
from broadtalk.store.database import Database
from broadtalk.store.tables import AuditEntry, Client, Conversation
from tests.conftest import REPO

PASSPHRASE = "oefenpraktijk"
KILLER = REPO / "tests" / "e2e" / "i12_demo_killer.py"
DEMO_PIN = "12345"
MANAGER = "4"  # the demo's practice manager may check the trail


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "BROADTALK_HOME": str(home), "BROADTALK_PASSPHRASE": PASSPHRASE, "PYTHONPATH": str(REPO)}


def _kill_mid_batch(path: Path, env: dict[str, str], rng: random.Random) -> int:
    """Start a demo of three batches and kill it in the middle of its second; the clients
    committed when it died."""
    writer = subprocess.Popen(
        [sys.executable, str(KILLER), str(path), str(3 * BATCH)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        line = writer.stdout.readline()
        assert line.startswith("done "), (line, writer.stderr.read() if writer.stderr else "")
        committed = int(line.split()[1])
        # A batch takes seconds: this is inside the next one, after some of its clients were written.
        time.sleep(rng.uniform(0.3, 1.0))
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=60)
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert writer.returncode == -signal.SIGKILL, "the demo finished before it could be killed"
    return committed


@pytest.mark.parametrize("seed", [1, 2])
def test_a_demo_killed_part_way_holds_whole_batches_and_an_intact_trail(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "demo.sqlite"
    env = _env(tmp_path / "home")
    committed = _kill_mid_batch(path, env, random.Random(seed))
    assert committed == BATCH

    db = Database.open(path, passphrase=PASSPHRASE)
    try:
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").fetchall() == [("ok",)]
        with db.transaction() as tx:
            chain = verify_chain(tx)
            clients = tx.exec(select(Client.id).order_by(Client.id)).all()
            per_client = dict(
                tx.exec(
                    select(Conversation.client_id, func.count(Conversation.id)).group_by(Conversation.client_id)
                ).all()
            )
            created = set(
                tx.exec(
                    select(AuditEntry.client_id).where(
                        AuditEntry.object_type == "client", AuditEntry.action == "create"
                    )
                ).all()
            )
            named = {row for row in tx.exec(select(AuditEntry.client_id)).all() if row is not None}
    finally:
        db.close()
    assert chain.intact, chain.reason
    # Every batch committed before the kill, whole, and nothing of the one in flight (on a busy
    # machine the next batch may have been committed too before the kill landed).
    assert committed <= len(clients) < 3 * BATCH, (committed, len(clients))
    assert len(clients) % BATCH == 0, len(clients)
    assert all(1 <= per_client.get(client_id, 0) <= 3 for client_id in clients)
    assert created == set(clients)
    assert named <= set(clients)  # no trail entry about a client that is not there

    # The command line opens it and finds the trail intact (and the seal beside it fitting).
    checked = subprocess.run(
        [sys.executable, "-m", "broadtalk", "--db", str(path), "audit", "--check"],
        cwd=REPO,
        env=env | {"BROADTALK_USER": MANAGER, "BROADTALK_PIN": DEMO_PIN},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
