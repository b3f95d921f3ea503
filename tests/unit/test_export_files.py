"""Exported handover documents on disk (issue 10): owner-only, written only once the disclosure
is committed, and whatever a stopped export left behind is settled at the next start.

A process that stops in the middle is played here by ``stopping_at``: from the chosen call on,
every file operation raises ``Stopped`` (nothing is cleaned up, as after a kill) and the files
it held open are closed afterwards, as the system does for a killed process. The real kills
are in tests/e2e/test_export_kills.py.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from broadtalk import conversations as conv
from broadtalk.clients import ClientInput, create_client
from broadtalk.consent import ConsentInput, record_consent
from broadtalk.errors import InputError
from broadtalk.handover.export import (
    HANDOVER_PDF,
    JOURNAL_PREFIX,
    PARTIAL_PREFIX,
    PARTIAL_SUFFIX,
    export_document,
    recover_interrupted_exports,
)
from broadtalk.referrals import create_referral
from broadtalk.store.tables import AuditEntry, Disclosure, Offering, Organisation, Setting
from tests.conftest import NOW

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes and locks are POSIX")
FILE_CALLS = ("open", "write", "fsync", "replace", "rename", "unlink", "remove", "close", "fchmod")


class Stopped(BaseException):
    """The process stopped here, as if killed: nothing after this point runs."""


@contextmanager
def stopping_at(monkeypatch: pytest.MonkeyPatch, call: str, when: Callable[..., bool]) -> Iterator[None]:
    """The block stops at the first ``os.<call>`` whose arguments satisfy ``when``."""
    originals = {name: getattr(os, name) for name in FILE_CALLS if hasattr(os, name)}
    held: set[int] = set()
    stopped = False

    def wrapped(name: str) -> Callable[..., object]:
        def call_it(*args, **kwargs):
            nonlocal stopped
            if stopped or (name == call and when(*args)):
                stopped = True
                raise Stopped(name)
            result = originals[name](*args, **kwargs)
            if name == "open":
                held.add(result)
            elif name == "close":
                held.discard(args[0])
            return result

        return call_it

    for name in originals:
        monkeypatch.setattr(os, name, wrapped(name))
    try:
        with pytest.raises(Stopped):
            yield
    finally:
        for name, original in originals.items():
            monkeypatch.setattr(os, name, original)
        for handle in held:  # the system closes a killed process's files (and drops its locks)
            with suppress(OSError):
                os.close(handle)


def is_partial(path: object) -> bool:
    return Path(os.fspath(path)).name.startswith(PARTIAL_PREFIX)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def referral_id(db, actor) -> int:
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Greet", "Visser", "03-03-1942"), now=NOW)
        cid = conv.start_conversation(tx, actor, client.id, "positive-health", 1, now=NOW).id
        conv.assess_domain(tx, actor, cid, "meaningfulness", score=3, now=NOW)
        conv.complete_conversation(tx, actor, cid, now=NOW)
        organisation = Organisation(name="Welzijn", created_at=NOW, updated_at=NOW)
        tx.add(organisation)
        tx.flush()
        offering = Offering(
            organisation_id=organisation.id, name="WoR", kind="welfare_coach", created_at=NOW, updated_at=NOW
        )
        tx.add(offering)
        tx.flush()
        referral = create_referral(
            tx,
            actor,
            client.id,
            offering_id=offering.id,
            question="Meedoen",
            urgency="soon",
            feedback_contact="POH 030 111 2222",
            conversation_id=cid,
            now=NOW,
        )
        data = ConsentInput(
            "Meedoen", ("meaningfulness",), False, False, False, "verbal", NOW.date(), NOW.date() + timedelta(days=300)
        )
        record_consent(tx, actor, referral.id, data, now=NOW)
        return referral.id


@pytest.fixture
def folder(tmp_path) -> Path:
    path = tmp_path / "documents"
    path.mkdir()
    return path


def export(db, actor, referral_id: int, target: Path) -> None:
    with db.transaction() as tx:
        export_document(tx, actor, referral_id, HANDOVER_PDF, target, now=NOW)


def record(db) -> dict[str, object]:
    """What the database says about exports: disclosures, the trail's export entries, the journal."""
    with db.transaction() as tx:
        return {
            "disclosures": len(tx.exec(select(Disclosure)).all()),
            "trail": [
                (e.outcome, e.detail)
                for e in tx.exec(select(AuditEntry).where(AuditEntry.action == "export").order_by(col(AuditEntry.id)))
            ],
            "journal": len(tx.exec(select(Setting).where(col(Setting.key).startswith(JOURNAL_PREFIX))).all()),
        }


EXPORTED = {"disclosures": 1, "trail": [("success", HANDOVER_PDF)], "journal": 0}
FAILED = {"disclosures": 0, "trail": [("success", HANDOVER_PDF), ("failed", HANDOVER_PDF)], "journal": 0}
PENDING = {"disclosures": 1, "trail": [("success", HANDOVER_PDF)], "journal": 1}


# -- owner-only -------------------------------------------------------------------------------------


@pytest.fixture
def open_umask():
    """As on a machine where new files are readable by everyone unless broadtalk says otherwise."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@posix_only
def test_an_exported_document_is_owner_only_whatever_the_umask(db, actor, referral_id, folder, open_umask):
    target = folder / "handover.pdf"
    export(db, actor, referral_id, target)
    assert target.read_bytes().startswith(b"%PDF")
    assert mode(target) == 0o600


@posix_only
def test_a_readable_file_written_over_becomes_owner_only(db, actor, referral_id, folder, open_umask):
    target = folder / "handover.pdf"
    target.write_bytes(b"an older file")
    target.chmod(0o644)
    export(db, actor, referral_id, target)
    assert target.read_bytes().startswith(b"%PDF")
    assert mode(target) == 0o600


@posix_only
def test_a_document_being_written_is_owner_only_and_named_as_ours(
    db, actor, referral_id, folder, open_umask, monkeypatch
):
    with stopping_at(monkeypatch, "replace", lambda source, *_: is_partial(source)):
        export(db, actor, referral_id, folder / "handover.pdf")
    (partial,) = folder.iterdir()
    assert partial.name.startswith(PARTIAL_PREFIX) and partial.name.endswith(PARTIAL_SUFFIX)
    assert mode(partial) == 0o600
    assert partial.read_bytes().startswith(b"%PDF")


# -- the file appears with its record, or neither --------------------------------------------------


def test_the_file_appears_only_when_the_disclosure_is_committed(db, actor, referral_id, folder):
    target = folder / "handover.pdf"
    with db.transaction() as tx:
        export_document(tx, actor, referral_id, HANDOVER_PDF, target, now=NOW)
        assert list(folder.iterdir()) == []  # the document waits in memory for the commit
    assert target.read_bytes().startswith(b"%PDF")
    assert record(db) == EXPORTED


def test_a_rolled_back_export_leaves_no_file_and_no_record(db, actor, referral_id, folder):
    class Elsewhere(Exception):
        pass

    with pytest.raises(Elsewhere), db.transaction() as tx:
        export_document(tx, actor, referral_id, HANDOVER_PDF, folder / "handover.pdf", now=NOW)
        raise Elsewhere  # something later in the same transaction went wrong
    assert list(folder.iterdir()) == []
    assert record(db) == {"disclosures": 0, "trail": [], "journal": 0}


def test_a_file_that_cannot_be_written_after_the_commit_is_undone_and_said(db, actor, referral_id, folder):
    target = folder / "handover.pdf"
    with pytest.raises(InputError, match=r"handover\.pdf"), db.transaction() as tx:
        export_document(tx, actor, referral_id, HANDOVER_PDF, target, now=NOW)
        folder.rmdir()  # e.g. a USB stick pulled out while the practitioner waited
    assert not folder.exists()
    assert record(db) == FAILED


# -- what a stopped export left: settled at the next start -----------------------------------------


def test_nothing_to_settle_says_nothing(db):
    recovered = recover_interrupted_exports(db)
    assert (recovered.completed, recovered.interrupted, recovered.waiting) == (0, 0, 0)
    assert recovered.message() == ""


def test_a_whole_document_left_beside_the_target_is_removed_and_the_export_recorded_as_failed(
    db, actor, referral_id, folder, monkeypatch
):
    with stopping_at(monkeypatch, "replace", lambda source, *_: is_partial(source)):
        export(db, actor, referral_id, folder / "handover.pdf")
    (partial,) = folder.iterdir()
    assert partial.name.startswith(PARTIAL_PREFIX)
    assert record(db) == PENDING
    recovered = recover_interrupted_exports(db)
    assert (recovered.completed, recovered.interrupted, recovered.waiting) == (0, 1, 0)
    assert recovered.message()
    assert list(folder.iterdir()) == []
    assert record(db) == FAILED
    assert recover_interrupted_exports(db).interrupted == 0  # settled once


def test_a_half_written_document_is_removed_too(db, actor, referral_id, folder, monkeypatch):
    original, halved = os.write, []

    def half_of_the_document(handle, data):
        if bytes(data[:4]) == b"%PDF" and not halved:  # as os.write may: only part of it
            halved.append(len(data))
            return original(handle, memoryview(data)[: len(data) // 2])
        return original(handle, data)

    monkeypatch.setattr(os, "write", half_of_the_document)
    with stopping_at(monkeypatch, "write", lambda *_: bool(halved)):  # before the rest is written
        export(db, actor, referral_id, folder / "handover.pdf")
    (partial,) = folder.iterdir()
    assert partial.stat().st_size == halved[0] // 2
    assert recover_interrupted_exports(db).interrupted == 1
    assert list(folder.iterdir()) == []
    assert record(db) == FAILED


def test_an_export_stopped_before_its_file_was_begun_is_recorded_as_failed(db, actor, referral_id, folder, monkeypatch):
    with stopping_at(monkeypatch, "open", lambda path, *_: is_partial(path)):
        export(db, actor, referral_id, folder / "handover.pdf")
    assert list(folder.iterdir()) == []
    assert recover_interrupted_exports(db).interrupted == 1
    assert record(db) == FAILED


def test_a_document_in_place_whose_journal_was_left_stands(db, actor, referral_id, folder, monkeypatch):
    target = folder / "handover.pdf"
    # Stopped after the rename, while making it durable: the document is whole and in place.
    with stopping_at(monkeypatch, "open", lambda path, *_: Path(os.fspath(path)) == folder):
        export(db, actor, referral_id, target)
    assert [p.name for p in folder.iterdir()] == ["handover.pdf"]
    assert record(db) == PENDING
    recovered = recover_interrupted_exports(db)
    assert (recovered.completed, recovered.interrupted) == (1, 0)
    assert recovered.message() == ""
    assert target.read_bytes().startswith(b"%PDF")
    assert record(db) == EXPORTED


def test_a_file_that_was_there_before_is_left_as_it_was(db, actor, referral_id, folder, monkeypatch):
    target = folder / "handover.pdf"
    target.write_bytes(b"the practitioner's own older file")
    with stopping_at(monkeypatch, "replace", lambda source, *_: is_partial(source)):
        export(db, actor, referral_id, target)
    assert recover_interrupted_exports(db).interrupted == 1
    assert [p.name for p in folder.iterdir()] == ["handover.pdf"]
    assert target.read_bytes() == b"the practitioner's own older file"
    assert record(db) == FAILED


@pytest.mark.skipif(fcntl is None, reason="POSIX locks")
def test_a_document_another_broadtalk_is_still_writing_is_left_alone(db, actor, referral_id, folder, monkeypatch):
    with stopping_at(monkeypatch, "replace", lambda source, *_: is_partial(source)):
        export(db, actor, referral_id, folder / "handover.pdf")
    (partial,) = folder.iterdir()
    handle = os.open(partial, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)  # as the process writing it holds it
        recovered = recover_interrupted_exports(db)
        assert (recovered.interrupted, recovered.waiting) == (0, 1)
        assert partial.exists() and record(db) == PENDING
    finally:
        os.close(handle)
    assert recover_interrupted_exports(db).interrupted == 1
    assert list(folder.iterdir()) == []


def test_a_folder_that_cannot_be_reached_now_is_looked_at_again_later(
    db, actor, referral_id, folder, tmp_path, monkeypatch
):
    with stopping_at(monkeypatch, "replace", lambda source, *_: is_partial(source)):
        export(db, actor, referral_id, folder / "handover.pdf")
    away = folder.rename(tmp_path / "unplugged")
    assert recover_interrupted_exports(db).waiting == 1
    assert record(db) == PENDING
    away.rename(folder)
    assert recover_interrupted_exports(db).interrupted == 1
    assert list(folder.iterdir()) == []
    assert record(db) == FAILED


def test_a_session_rolled_back_and_committed_later_writes_no_document(db, actor, referral_id, folder):
    session = db.session()
    try:
        session.begin()
        export_document(session, actor, referral_id, HANDOVER_PDF, folder / "handover.pdf", now=NOW)
        session.rollback()
        session.begin()
        session.commit()  # commits nothing of the export: no document either
    finally:
        session.close()
    assert list(folder.iterdir()) == []
    assert record(db) == {"disclosures": 0, "trail": [], "journal": 0}
