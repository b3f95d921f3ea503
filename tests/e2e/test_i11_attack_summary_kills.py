"""Kill (SIGKILL) a real ``conversations client-summary`` at every step, and the recovery after it
too (issue 11, a power cut while saving the client's summary): the summary and its export entry
in the audit trail are there together, or the trail says the export failed; no temporary file
is left behind; a summary on disk is the whole PDF and the owner's alone.

The same kill points as tests/e2e/test_export_kills.py (the handover documents): the command
runs in tests/e2e/i11_attack_summary_killer.py, which dies just before its N-th step, N = 1, 2,
3, ... until a run finishes. After each kill the test does what the next start does
(``recover_interrupted_exports``), first itself killed at each of its own steps once for each kind
of leftover.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlmodel import col, select

from broadtalk.client_summary import CLIENT_SUMMARY
from broadtalk.handover.export import recover_interrupted_exports
from broadtalk.store.database import Database
from broadtalk.store.tables import AuditEntry, Conversation
from tests.conftest import REPO
from tests.e2e.test_export_kills import (
    MOST_STEPS,
    PASSPHRASE,
    _check_database,
    _journal,
    _killed_at,
    _partials,
    _run,
)

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL and owner-only modes are POSIX")

KILLER = REPO / "tests" / "e2e" / "i11_attack_summary_killer.py"
RECOVERY_KILLER = REPO / "tests" / "e2e" / "export_killer.py"


@pytest.fixture(scope="module")
def practice(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A demo practice made by the command line, and a completed conversation."""
    folder = tmp_path_factory.mktemp("practice")
    path = folder / "practice.sqlite"
    env = {
        **os.environ,
        "BROADTALK_HOME": str(folder / "home"),
        "BROADTALK_PASSPHRASE": PASSPHRASE,
        "PYTHONPATH": str(REPO),
    }
    made = _run(["-m", "broadtalk", "--db", str(path), "demo", "--clients", "3", "--seed", "1"], env, timeout=300)
    assert made.returncode == 0, made.stderr
    env |= {"BROADTALK_USER": "1", "BROADTALK_PIN": "12345"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BROADTALK_HOME", str(folder / "home"))
        db = Database.open(path, passphrase=PASSPHRASE)
        try:
            with db.transaction() as tx:
                conversation = tx.exec(
                    select(Conversation.id).where(Conversation.status == "completed").order_by(col(Conversation.id))
                ).first()
        finally:
            db.close()
    assert conversation is not None
    return {"path": path, "env": env, "conversation": conversation, "home": folder / "home"}


def _summary_trail(db: Database, conversation: int) -> list[str]:
    """The outcome of every export entry of this conversation's summary, in order."""
    with db.transaction() as tx:
        rows = tx.exec(
            select(AuditEntry)
            .where(
                AuditEntry.action == "export",
                AuditEntry.object_type == "conversation",
                AuditEntry.object_id == conversation,
                AuditEntry.detail == CLIENT_SUMMARY,
            )
            .order_by(col(AuditEntry.id))
        ).all()
    return [row.outcome for row in rows]


def _killed_summary_at(step: int, arguments: list[str], env: dict[str, str]) -> bool:
    result = _run([str(KILLER), str(step), *arguments], env)
    if result.returncode == -9:
        return True
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].startswith("steps "), result.stdout
    return False


@pytest.mark.slow
def test_a_kill_at_any_step_of_saving_the_summary_leaves_the_file_and_its_entry_together_or_a_failed_entry(
    practice, tmp_path, monkeypatch
):
    path, env, conversation = practice["path"], practice["env"], practice["conversation"]
    monkeypatch.setenv("BROADTALK_HOME", str(practice["home"]))
    assert isinstance(path, Path) and isinstance(env, dict) and isinstance(conversation, int)
    out = tmp_path / "documents"
    out.mkdir()
    written = interrupted = recovery_kills = 0
    situations: set[tuple[bool, bool]] = set()
    db = Database.open(path, passphrase=PASSPHRASE)
    try:
        trail_before = _summary_trail(db, conversation)
    finally:
        db.close()

    for step in range(1, MOST_STEPS + 1):
        target = out / f"samenvatting-{step}.pdf"
        arguments = ["--db", str(path), "conversations", "client-summary", str(conversation), "--out", str(target)]
        killed = _killed_summary_at(step, arguments, env)
        when = f"after a kill before step {step}" if killed else "after a summary that was saved"

        partials = _partials(out)
        for partial in partials:
            assert stat.S_IMODE(partial.stat().st_mode) == 0o600, when
        db = Database.open(path, passphrase=PASSPHRASE, full_check=False)
        try:
            pending = _journal(db)
        finally:
            db.close()

        situation = (bool(partials), target.exists())
        if pending and situation not in situations:
            situations.add(situation)
            for recovery_step in range(1, MOST_STEPS + 1):
                if not _killed_at(recovery_step, "recover", [str(path)], env):
                    break
                recovery_kills += 1
        db = Database.open(path, passphrase=PASSPHRASE)
        try:
            recovered = recover_interrupted_exports(db)
            assert recovered.waiting == 0, when
            _check_database(db, when)
            assert _journal(db) == [], when
            trail_after = _summary_trail(db, conversation)
        finally:
            db.close()
        trail, trail_before = trail_after[len(trail_before) :], trail_after
        assert _partials(out) == [], f"{when}: a temporary file was left behind"
        assert {p.name for p in out.iterdir()} <= {f"samenvatting-{n}.pdf" for n in range(1, step + 1)}, when

        if target.exists():
            data = target.read_bytes()
            assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF"), when
            assert stat.S_IMODE(target.stat().st_mode) == 0o600, when
            assert trail == ["success"], when
            written += 1
        else:
            assert trail in ([], ["success", "failed"]), f"{when}: {trail}"
            interrupted += bool(trail)
        if not killed:
            break
    else:
        pytest.fail(f"saving the summary was still killed before step {MOST_STEPS}: it never finished")

    assert step >= 8, step
    assert interrupted >= 3, interrupted
    assert written >= 2, written
    assert situations >= {(True, False), (False, True), (False, False)}, situations
    assert recovery_kills >= 3, recovery_kills
