"""Erasing a client while another connection holds the client's pages (issue 10).

In WAL mode an erasure's overwritten pages go to the write-ahead log first; the checkpoint after
it copies them over the main file. A connection elsewhere that is inside a read transaction (a
second broadtalk, a backup being made) may still need the old pages, so SQLite leaves them in the
main file until it lets go: a copy of the main file alone would still show the client. The
erasure reports success only when the log is folded into the main file whole; otherwise it says
plainly that the erasure is done in the database but not finished on disk, and it is finished
when the other connection closes (or at the next start).
"""

from __future__ import annotations

import shutil
import threading
from datetime import date
from itertools import count
from pathlib import Path

import pytest
import sqlcipher3.dbapi2 as sqlcipher
from sqlmodel import select

from broadtalk import erasure, i18n
from broadtalk.clients import ClientInput, create_client
from broadtalk.demo import DEMO_SECRET, generate_demo
from broadtalk.erasure import erase_client, finish_erasure
from broadtalk.practitioners import Role, get_actor
from broadtalk.store.database import Database
from broadtalk.store.tables import Practitioner
from tests.e2e.test_cli import run

PASSPHRASE = "kamerplant vensterbank"
GIVEN, FAMILY = "Zwaantje", "Erasmusdochter"
_copies = count()


@pytest.fixture(params=["encrypted", "plain"])
def practice(request, tmp_path, monkeypatch):
    """A demo practice with one more client, whose name is in the main file (checkpointed)."""
    passphrase = PASSPHRASE if request.param == "encrypted" else None
    path = tmp_path / "practice.sqlite"
    db = Database.open(path, passphrase=passphrase)
    try:
        generate_demo(db, clients=2, seed=1, today=date(2026, 3, 2))
        with db.transaction() as tx:
            ids = {p.role: p.id for p in tx.exec(select(Practitioner).order_by(Practitioner.id))}
        with db.transaction() as tx:
            nurse = get_actor(tx, ids[Role.PRACTICE_NURSE])
            client = create_client(tx, nurse, ClientInput(GIVEN, FAMILY, "14-02-1961", city="Assen"))
        assert db.checkpoint()
    finally:
        db.close()
    if passphrase is None:
        monkeypatch.delenv("BROADTALK_PASSPHRASE", raising=False)
    else:
        monkeypatch.setenv("BROADTALK_PASSPHRASE", passphrase)
    monkeypatch.setenv("BROADTALK_USER", str(ids[Role.PRACTICE_MANAGER]))
    monkeypatch.setenv("BROADTALK_PIN", DEMO_SECRET)
    found = traces_in_main_file(path, passphrase, tmp_path)
    assert found, "the client's name should be in the main file before the erasure"
    return {"path": path, "passphrase": passphrase, "client": client, "manager": ids[Role.PRACTICE_MANAGER]}


class Reader:
    """Another connection to the same file (as a second broadtalk would have) inside a read
    transaction: its snapshot needs the pages as they were before the erasure."""

    def __init__(self, path: Path, passphrase: str | None):
        self.db = Database(path, passphrase)
        self.connection = self.db.engine.connect()
        assert self.connection.exec_driver_sql("SELECT count(*) FROM client").scalar_one() > 0

    def let_go(self) -> None:
        """End the read transaction; the connection stays open (an idle broadtalk)."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def close(self) -> None:
        self.let_go()
        self.db.close()


def traces_in_main_file(path: Path, passphrase: str | None, tmp_path: Path) -> list[str]:
    """What a copy of the main file alone (no -wal, no -shm) shows of the client."""
    copy = tmp_path / f"copy-{next(_copies)}.sqlite"
    shutil.copyfile(path, copy)
    found = []
    names = (GIVEN.lower().encode(), FAMILY.lower().encode())
    if passphrase is None:  # plain: every byte of the file, free pages included
        data = copy.read_bytes().lower()
        found += [f"bytes {name.decode()}" for name in names if name in data]
    connection = sqlcipher.connect(str(copy))
    try:
        if passphrase is not None:
            connection.execute("PRAGMA key = '" + passphrase.replace("'", "''") + "'")
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in tables:
            for row in connection.execute(f'SELECT * FROM "{table}"'):
                text = repr(row).lower().encode()
                found += [f"{table} row" for name in names if name in text]
    finally:
        connection.close()
    return found


def live_client_count(path: Path, passphrase: str | None) -> int:
    db = Database(path, passphrase)
    try:
        with db.engine.connect() as connection:
            return connection.exec_driver_sql(
                "SELECT count(*) FROM client WHERE family_name = ?", (FAMILY,)
            ).scalar_one()
    finally:
        db.close()


def unfinished_message(number: str) -> str:
    return erasure.unfinished_message(number)


# -- the command line -----------------------------------------------------------------------------


def test_the_command_line_does_not_report_success_while_another_connection_holds_the_pages(
    practice, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(erasure, "CHECKPOINT_PATIENCE", 0.5)
    path, passphrase, client = practice["path"], practice["passphrase"], practice["client"]
    reader = Reader(path, passphrase)
    try:
        code, out, err = run(["--db", str(path), "record", "erase", str(client.id), "--yes"], capsys)
        found = traces_in_main_file(path, passphrase, tmp_path)
        if code == 0:  # success is reported only when the main file alone holds nothing of the client
            assert found == [], (out, found)
        assert code == 1, (code, out, err)
        assert found, "the reader still needs the old pages: the main file cannot be clean yet"
        assert err.strip().splitlines() == [f"broadtalk: {unfinished_message(client.client_number)}"]
        assert "Traceback" not in err and GIVEN not in err + out
        assert live_client_count(path, passphrase) == 0  # erased in the database all the same
    finally:
        reader.close()  # the last connection closes: SQLite folds the log into the file
    assert traces_in_main_file(path, passphrase, tmp_path) == []


def test_a_connection_that_lets_go_within_the_wait_gets_a_finished_erasure(practice, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(erasure, "CHECKPOINT_PATIENCE", 10.0)
    path, passphrase, client = practice["path"], practice["passphrase"], practice["client"]
    reader = Reader(path, passphrase)
    timer = threading.Timer(0.3, reader.let_go)
    timer.start()
    try:
        code, out, err = run(["--db", str(path), "record", "erase", str(client.id), "--yes"], capsys)
        assert code == 0, err
        assert client.client_number in out and err == ""
        # The reader's connection is still open (idle): the checkpoint itself made the file clean.
        assert traces_in_main_file(path, passphrase, tmp_path) == []
    finally:
        timer.join()
        reader.close()


# -- the core: the check, and finishing it later ----------------------------------------------------


def _erase_with_reader(practice, patience: float) -> tuple[Database, Reader, str | None]:
    path, passphrase = practice["path"], practice["passphrase"]
    db = Database.open(path, passphrase=passphrase)
    reader = Reader(path, passphrase)
    with db.transaction() as tx:
        manager = get_actor(tx, practice["manager"])
    with db.transaction() as tx:
        report = erase_client(tx, manager, practice["client"].id)
    return db, reader, finish_erasure(db, report, patience=patience)


def test_finish_erasure_says_plainly_what_is_not_finished(practice, tmp_path):
    db, reader, message = _erase_with_reader(practice, patience=0.2)
    try:
        assert message == unfinished_message(practice["client"].client_number)
        assert GIVEN not in message and FAMILY not in message
        assert live_client_count(practice["path"], practice["passphrase"]) == 0
    finally:
        reader.close()
        db.close()
    assert traces_in_main_file(practice["path"], practice["passphrase"], tmp_path) == []


def test_the_message_is_in_english_in_the_source_and_dutch_by_default():
    i18n.set_language("en")
    english = erasure.unfinished_message("C-0042")
    assert "C-0042" in english and "another broadtalk" in english
    i18n.set_language("nl")
    assert "C-0042" in erasure.unfinished_message("C-0042")


def test_this_process_pooled_connections_hold_no_old_pages(practice, tmp_path):
    """What holds a snapshot is another process (or a backup being made): the app's own pooled
    connections, idle between use cases, do not, so the erasure finishes at once."""
    db = Database.open(practice["path"], passphrase=practice["passphrase"])
    try:
        held = [db.engine.connect() for _ in range(3)]  # three connections in the pool, each has read
        for connection in held:
            assert connection.exec_driver_sql("SELECT count(*) FROM client").scalar_one() > 0
        for connection in held:
            connection.close()  # back to the pool: the read transaction ends with it
        with db.transaction() as tx:
            report = erase_client(tx, get_actor(tx, practice["manager"]), practice["client"].id)
        assert finish_erasure(db, report, patience=0) is None
        assert traces_in_main_file(practice["path"], practice["passphrase"], tmp_path) == []
    finally:
        db.close()


def test_a_checkpoint_without_a_reader_is_complete_at_once(practice):
    db = Database.open(practice["path"], passphrase=practice["passphrase"])
    try:
        assert db.checkpoint(patience=0) is True
    finally:
        db.close()


def test_a_clean_close_finishes_the_erasure_once_the_other_connection_let_go(practice, tmp_path):
    db, reader, message = _erase_with_reader(practice, patience=0.2)
    try:
        assert message is not None
        reader.let_go()  # the other broadtalk stays open, idle
        db.close()  # not the last connection: SQLite itself does not fold the log in
        assert traces_in_main_file(practice["path"], practice["passphrase"], tmp_path) == []
    finally:
        reader.close()


def test_the_next_start_finishes_the_erasure(practice, tmp_path):
    db, reader, message = _erase_with_reader(practice, patience=0.2)
    try:
        assert message is not None
        reader.let_go()
        db.engine.dispose()  # as a crash would leave it: no fold on the way out
        again = Database.open(practice["path"], passphrase=practice["passphrase"])
        try:
            assert traces_in_main_file(practice["path"], practice["passphrase"], tmp_path) == []
        finally:
            again.close()
    finally:
        reader.close()
