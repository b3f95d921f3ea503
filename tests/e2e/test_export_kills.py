"""Kill (SIGKILL) a real export of a handover document at every step, and the recovery after it
too: the document, its disclosure and its audit entry are there together or not at all, no
temporary file is left, and a document is never readable by anyone but its owner.

The export runs through the command line in tests/e2e/export_killer.py, which dies just before
its N-th step (every call that changes a file, every database commit): N = 1, 2, 3, ... until
an export finishes, so every state a kill can leave behind is tried. After each kill the test
does what the next start does (``recover_interrupted_exports``), first itself killed at each of
its own steps (once for each kind of leftover), and then checks:

- ``PRAGMA integrity_check`` and the audit chain (``verify_chain``);
- no ``.broadtalk-export-*.partial`` (or any other file but the documents) in the folder, and no
  journal entry left;
- the invariant: a document that exists is the whole PDF, owner-only, with one disclosure and
  one successful export entry; an export without a document has no disclosure, and its export
  entry, if one was written, is followed by one with outcome "failed".
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import col, select

from broadtalk.audit import verify_chain
from broadtalk.handover.export import (
    HANDOVER_PDF,
    JOURNAL_PREFIX,
    PARTIAL_PREFIX,
    PARTIAL_SUFFIX,
    recover_interrupted_exports,
)
from broadtalk.store.database import Database
from broadtalk.store.tables import AuditEntry, Disclosure, Setting
from tests.conftest import REPO

PASSPHRASE = "oefenpraktijk"
KILLER = REPO / "tests" / "e2e" / "export_killer.py"
#: No export has more steps than this; a run that is still killed here never finished.
MOST_STEPS = 80
DEMO_PIN = "12345"


def _run(args: list[str], env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        # As on a machine where new files are readable by everyone unless broadtalk says otherwise.
        preexec_fn=(lambda: os.umask(0o022)) if os.name == "posix" else None,
    )


def _killed_at(step: int, mode: str, arguments: list[str], env: dict[str, str]) -> bool:
    """Run the export (or recovery) to die before ``step``: True when it was killed, False when
    it finished first (then it must have succeeded)."""
    result = _run([str(KILLER), str(step), mode, *arguments], env)
    if result.returncode == -signal.SIGKILL:
        return True
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].startswith("steps "), result.stdout
    return False


def _export_trail(db: Database, referral_id: int) -> list[tuple[str, str]]:
    """(outcome, detail) of every export entry of this referral's handover, in order."""
    with db.transaction() as tx:
        rows = tx.exec(
            select(AuditEntry)
            .where(
                AuditEntry.action == "export",
                AuditEntry.object_type == "handover",
                AuditEntry.object_id == referral_id,
            )
            .order_by(col(AuditEntry.id))
        ).all()
    return [(row.outcome, row.detail) for row in rows]


def _disclosures(db: Database, referral_id: int) -> int:
    with db.transaction() as tx:
        return len(tx.exec(select(Disclosure).where(Disclosure.referral_id == referral_id)).all())


def _journal(db: Database) -> list[str]:
    with db.transaction() as tx:
        return [row.key for row in tx.exec(select(Setting).where(col(Setting.key).startswith(JOURNAL_PREFIX)))]


def _check_database(db: Database, when: str) -> None:
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA integrity_check").fetchall() == [("ok",)], when
    with db.transaction() as tx:
        chain = verify_chain(tx)
    assert chain.intact, f"{when}: {chain.reason}"


def _partials(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith(PARTIAL_PREFIX) or p.suffix == PARTIAL_SUFFIX)


@pytest.fixture(scope="module")
def practice(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A demo practice made by the command line, and a referral whose consent holds."""
    folder = tmp_path_factory.mktemp("practice")
    path = folder / "practice.sqlite"
    env = {
        **os.environ,
        "BROADTALK_HOME": str(folder / "home"),
        "BROADTALK_PASSPHRASE": PASSPHRASE,
        "PYTHONPATH": str(REPO),
    }
    made = _run(["-m", "broadtalk", "--db", str(path), "demo", "--clients", "5", "--seed", "1"], env, timeout=300)
    assert made.returncode == 0, made.stderr
    env |= {"BROADTALK_USER": "1", "BROADTALK_PIN": DEMO_PIN}
    listed = _run(["-m", "broadtalk", "--db", str(path), "referrals", "--json"], env)
    assert listed.returncode == 0, listed.stderr
    referral = next(r["id"] for r in json.loads(listed.stdout) if r["consent_status"] == "given")
    return {"path": path, "env": env, "referral": referral, "home": folder / "home"}


@pytest.mark.slow
def test_a_kill_at_any_step_of_an_export_leaves_the_document_and_its_record_together_or_neither(
    practice, tmp_path, monkeypatch
):
    path, env, referral = practice["path"], practice["env"], practice["referral"]
    monkeypatch.setenv("BROADTALK_HOME", str(practice["home"]))  # the same keys and seals as the processes
    assert isinstance(path, Path) and isinstance(env, dict) and isinstance(referral, int)
    out = tmp_path / "documents"
    out.mkdir()
    written = interrupted = recovery_kills = 0
    #: What a kill left for the recovery (temporary file? document?); the recovery is itself
    #: killed at each of its steps once for each kind of leftover.
    situations: set[tuple[bool, bool]] = set()
    db = Database.open(path, passphrase=PASSPHRASE)
    try:
        trail_before, disclosed_before = _export_trail(db, referral), _disclosures(db, referral)
    finally:
        db.close()

    for step in range(1, MOST_STEPS + 1):
        target = out / f"handover-{step}.pdf"
        arguments = ["--db", str(path), "handover", "pdf", str(referral), "--out", str(target)]
        killed = _killed_at(step, "cli", arguments, env)
        when = f"after a kill before step {step}" if killed else "after an export that finished"

        # What the kill left: a temporary file is the owner's alone and says what it is.
        partials = _partials(out)
        for partial in partials:
            assert partial.name.startswith(PARTIAL_PREFIX) and partial.name.endswith(PARTIAL_SUFFIX), partial
            assert os.name != "posix" or stat.S_IMODE(partial.stat().st_mode) == 0o600, when
        db = Database.open(path, passphrase=PASSPHRASE, full_check=False)
        try:
            pending = _journal(db)
        finally:
            db.close()

        # The next start: its recovery killed at each of its own steps first, then whole.
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
            trail_after, disclosed_after = _export_trail(db, referral), _disclosures(db, referral)
        finally:
            db.close()
        trail, disclosed = trail_after[len(trail_before) :], disclosed_after - disclosed_before
        trail_before, disclosed_before = trail_after, disclosed_after
        assert _partials(out) == [], when
        assert {p.name for p in out.iterdir()} <= {f"handover-{n}.pdf" for n in range(1, step + 1)}, when

        if target.exists():
            data = target.read_bytes()
            assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF"), when
            assert os.name != "posix" or stat.S_IMODE(target.stat().st_mode) == 0o600, when
            assert disclosed == 1, when
            assert trail == [("success", HANDOVER_PDF)], when
            written += 1
        else:
            assert disclosed == 0, when
            assert trail in ([], [("success", HANDOVER_PDF), ("failed", HANDOVER_PDF)]), f"{when}: {trail}"
            interrupted += bool(trail)
        if not killed:
            break
    else:
        pytest.fail(f"the export was still killed before step {MOST_STEPS}: it never finished")

    # The test proved something: kills at many steps, some after the disclosure was committed
    # and before the document was whole, some with a whole document left without its record.
    assert step >= 10, step
    assert interrupted >= 3, interrupted
    assert written >= 2, written  # the export that finished, and one killed after the rename
    # Left for the recovery: a temporary file, a whole document, and neither (after the commit).
    assert situations >= {(True, False), (False, True), (False, False)}, situations
    assert recovery_kills >= 5, recovery_kills
