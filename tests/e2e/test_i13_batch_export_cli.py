"""Issue 13: ``broadtalk handover export`` end to end. The practice manager signs in as for every
command; the documents, ``index.csv`` and the summary land in the folder, owner-only; bad input
is one line and changes nothing; and a process killed (SIGKILL) at several points of a batch,
with one or two workers, is finished by the same command run again: exactly one disclosure and
one whole file per document, none missing, nothing half-written left."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlmodel import col, select

from broadtalk import i18n
from broadtalk.audit import verify_chain
from broadtalk.cli import main
from broadtalk.handover.batch import INDEX, MANIFEST, BatchParameters, plan_batch
from broadtalk.handover.export import JOURNAL_PREFIX, PARTIAL_PREFIX
from broadtalk.practitioners import Role, get_actor
from broadtalk.store.database import Database
from broadtalk.store.tables import AuditEntry, Disclosure, Setting
from tests.conftest import REPO
from tests.e2e.signing_in import demo_practice, signed_in

#: A raw key (SQLCipher's ``x'...'`` form): encrypted as usual, without PBKDF2 for every process.
PASSPHRASE = "x'" + "5D" * 32 + "'"
SINCE = "2000-01-01"


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def template(tmp_path_factory, home) -> tuple[Path, dict[Role, int]]:
    path = tmp_path_factory.mktemp("practice") / "practice.sqlite"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BROADTALK_HOME", str(home))
        numbers = demo_practice(path, PASSPHRASE, clients=6, today=i18n.dutch_today())
    return path, numbers


@pytest.fixture
def practice(template, home, tmp_path, monkeypatch) -> tuple[Path, dict[Role, int]]:
    source, numbers = template
    monkeypatch.setenv("BROADTALK_HOME", str(home))  # the same seals as the template's
    path = tmp_path / "data" / "practice.sqlite"
    path.parent.mkdir()
    path.write_bytes(source.read_bytes())
    return path, numbers


def _cli(argv: list[str], capsys, monkeypatch, user: int) -> tuple[int, str, str]:
    # Messages are asserted in English (the interface's other language; Dutch is the default).
    for name, value in {**signed_in(user), "BROADTALK_PASSPHRASE": PASSPHRASE, "BROADTALK_LANGUAGE": "en"}.items():
        monkeypatch.setenv(name, value)
    try:
        code = main(argv)
    except SystemExit as stop:
        code = int(stop.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _open(path: Path) -> Database:
    return Database.open(path, passphrase=PASSPHRASE)


def _disclosures(path: Path) -> list[tuple[int, str, str | None]]:
    db = _open(path)
    try:
        with db.transaction() as tx:
            rows = tx.exec(select(Disclosure).order_by(col(Disclosure.id))).all()
            return [(d.referral_id, d.kind, d.batch) for d in rows]
    finally:
        db.close()


def _expected(path: Path, numbers: dict[Role, int], client_copy: bool) -> set[tuple[int, str]]:
    """(referral, kind) of every document the batch of everything must make."""
    db = _open(path)
    try:
        with db.transaction() as tx:
            actor = get_actor(tx, numbers[Role.PRACTICE_MANAGER])
            plan = plan_batch(
                tx, actor, BatchParameters(since=i18n.dutch_today().replace(year=2000), client_copy=client_copy)
            )
        kinds = ("handover_pdf", "client_copy") if client_copy else ("handover_pdf",)
        return {(e.referral_id, kind) for e in plan.exportable for kind in kinds}
    finally:
        db.close()


def _pdfs(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*.pdf"))


def test_the_manager_exports_every_consented_referral_with_an_index_and_a_summary(
    practice, tmp_path, capsys, monkeypatch
):
    path, numbers = practice
    out = tmp_path / "overdrachten"
    argv = ["--db", str(path), "handover", "export", "--since", SINCE, "--client-copy", "--group", "--out", str(out)]
    code, stdout, err = _cli(argv, capsys, monkeypatch, numbers[Role.PRACTICE_MANAGER])
    assert code == 0, err
    expected = _expected(path, numbers, client_copy=True)
    assert str(out) in stdout
    token = json.loads((out / MANIFEST).read_text())["token"]
    made = [(r, k) for r, k, batch in _disclosures(path) if batch == token]
    assert sorted(made) == sorted(expected)
    files = _pdfs(out)
    assert len(files) == len(expected)
    assert all(p.parent != out for p in files)  # grouped per organisation
    for item in out.rglob("*"):
        assert stat.S_IMODE(item.stat().st_mode) == (0o700 if item.is_dir() else 0o600), item
    rows = list(csv.reader(io.StringIO((out / INDEX).read_text(encoding="utf-8"))))
    exported = [row for row in rows[1:] if row[8]]
    assert len(exported) * 2 == len(expected)
    for row in exported:
        assert (out / row[8]).is_file() and (out / row[9]).is_file()
    assert [row for row in rows[1:] if not row[8]] and all(row[7] for row in rows[1:] if not row[8])
    summaries = [p for p in out.iterdir() if p.suffix == ".txt"]
    assert len(summaries) == 1 and summaries[0].read_text(encoding="utf-8").strip()
    db = _open(path)
    try:
        with db.transaction() as tx:
            exports = tx.exec(
                select(AuditEntry).where(AuditEntry.action == "export", AuditEntry.object_type == "handover")
            ).all()
        assert len(exports) == len(expected)
    finally:
        db.close()


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["--since", "2026-05-01", "--until", "2026-04-01"], "end date"),
        (["--since", SINCE, "--recipient", "Bakkerij Nergens"], "Bakkerij Nergens"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(practice, tmp_path, capsys, monkeypatch, arguments, words):
    path, numbers = practice
    out = tmp_path / "out"
    before = _disclosures(path)
    argv = ["--db", str(path), "handover", "export", *arguments, "--out", str(out)]
    code, _stdout, err = _cli(argv, capsys, monkeypatch, numbers[Role.PRACTICE_MANAGER])
    assert code == 1
    (line,) = err.strip().splitlines()
    assert words in line
    assert not out.exists() and _disclosures(path) == before


def test_a_file_a_full_folder_and_another_batchs_folder_are_refused_and_left_alone(
    practice, tmp_path, capsys, monkeypatch
):
    path, numbers = practice
    manager = numbers[Role.PRACTICE_MANAGER]
    done = tmp_path / "done"
    first = ["--db", str(path), "handover", "export", "--since", SINCE, "--workers", "1", "--out", str(done)]
    assert _cli(first, capsys, monkeypatch, manager)[0] == 0
    listing = sorted(p.name for p in done.rglob("*"))
    before = _disclosures(path)
    a_file = tmp_path / "a-file.txt"
    a_file.write_text("mine")
    full = tmp_path / "full"
    full.mkdir()
    (full / "notes.txt").write_text("mine")
    for out, extra in ((done, ["--client-copy"]), (a_file, []), (full, [])):
        argv = ["--db", str(path), "handover", "export", "--since", SINCE, *extra, "--out", str(out)]
        code, _stdout, err = _cli(argv, capsys, monkeypatch, manager)
        assert code == 1, out
        (line,) = err.strip().splitlines()
        assert str(out) in line
    assert sorted(p.name for p in done.rglob("*")) == listing and _disclosures(path) == before
    assert a_file.read_text() == "mine" and sorted(p.name for p in full.iterdir()) == ["notes.txt"]


def test_a_folder_that_cannot_be_written_is_refused(practice, tmp_path, capsys, monkeypatch):
    from tests.e2e.test_i11_attack_cli import read_only

    path, numbers = practice
    locked = tmp_path / "locked"
    locked.mkdir()
    before = _disclosures(path)
    with read_only(locked):  # for root too: the immutable attribute
        for out in (locked, locked / "batch"):
            argv = ["--db", str(path), "handover", "export", "--since", SINCE, "--out", str(out)]
            code, _stdout, err = _cli(argv, capsys, monkeypatch, numbers[Role.PRACTICE_MANAGER])
            (line,) = err.strip().splitlines()
            assert code == 1 and str(locked) in line and "Traceback" not in line
    assert list(locked.iterdir()) == [] and _disclosures(path) == before


def test_the_same_command_again_exports_nothing_twice(practice, tmp_path, capsys, monkeypatch):
    path, numbers = practice
    out = tmp_path / "out"
    argv = ["--db", str(path), "handover", "export", "--since", SINCE, "--workers", "1", "--out", str(out)]
    assert _cli(argv, capsys, monkeypatch, numbers[Role.PRACTICE_MANAGER])[0] == 0
    before = _disclosures(path)
    assert _cli(argv, capsys, monkeypatch, numbers[Role.PRACTICE_MANAGER])[0] == 0
    assert _disclosures(path) == before


# -- killed ---------------------------------------------------------------------------------------

#: Where the batch dies (``store.database.crash_point``): after the manifest, after a document's
#: commit but before its file is in place, after a document is in place, before the index.
KILL_POINTS = (
    "batch-manifest",
    "batch-committed-1",
    "batch-written-1",
    "batch-committed-4",
    "batch-written-6",
    "batch-before-index",
)


def _command(path: Path, out: Path, workers: str, home: Path, numbers, crash: str | None):
    env = {
        **os.environ,
        **signed_in(numbers[Role.PRACTICE_MANAGER]),
        "BROADTALK_HOME": str(home),
        "BROADTALK_PASSPHRASE": PASSPHRASE,
        "PYTHONPATH": str(REPO),
    }
    env.pop("BROADTALK_CRASH_AT", None)
    if crash:
        env["BROADTALK_CRASH_AT"] = crash
    argv = ["--db", str(path), "handover", "export", "--since", SINCE, "--client-copy", "--workers", workers]
    return subprocess.run(
        [sys.executable, "-m", "broadtalk", *argv, "--out", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_kill_at_any_point_of_a_batch_is_finished_by_the_same_command_with_every_document_once(
    practice, home, tmp_path, workers
):
    path, numbers = practice
    expected = _expected(path, numbers, client_copy=True)
    assert len(expected) >= 8
    for point in KILL_POINTS:
        out = tmp_path / point
        killed = _command(path, out, workers, home, numbers, point)
        assert killed.returncode == -signal.SIGKILL, (point, killed.returncode, killed.stderr)
        finished = _command(path, out, workers, home, numbers, None)
        assert finished.returncode == 0, (point, finished.stderr)
        token = json.loads((out / MANIFEST).read_text())["token"]
        made = [(r, k) for r, k, batch in _disclosures(path) if batch == token]
        assert sorted(made) == sorted(expected), point  # exactly one disclosure per document
        files = _pdfs(out)
        assert len(files) == len(expected), point
        for document in files:
            assert len(PdfReader(document).pages) >= 1  # whole
            assert stat.S_IMODE(document.stat().st_mode) == 0o600
        leftovers = [p.name for p in out.rglob("*") if p.name.startswith(PARTIAL_PREFIX) or p.suffix == ".partial"]
        assert leftovers == [], point
        rows = list(csv.reader(io.StringIO((out / INDEX).read_text(encoding="utf-8"))))
        assert sum(1 for row in rows[1:] if row[8]) * 2 == len(expected), point
    db = _open(path)
    try:
        with db.transaction() as tx:
            assert tx.exec(select(Setting).where(col(Setting.key).startswith(JOURNAL_PREFIX))).all() == []
            assert verify_chain(tx).intact
    finally:
        db.close()
