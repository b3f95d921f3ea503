"""Another broadtalk holding the database is told plainly (issue 10): after waiting for it, a use
case ends with one clear message, not "something went wrong inside broadtalk"."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from broadtalk.errors import StoreError
from broadtalk.i18n import _
from broadtalk.store.database import Database

PASSPHRASE = "een lange wachtzin"


def test_a_database_another_process_keeps_locked_is_told_plainly(tmp_path, monkeypatch):
    path = tmp_path / "broadtalk.sqlite"
    Database.open(path, passphrase=PASSPHRASE).close()
    holder = Database.open(path, passphrase=PASSPHRASE)
    other = Database.open(path, passphrase=PASSPHRASE)
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        with holder.transaction() as tx:
            tx.connection().exec_driver_sql("CREATE TABLE scratch (x)")  # takes the write lock
            locked.set()
            release.wait(30)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert locked.wait(10)
        with pytest.raises(StoreError) as told, other.transaction() as tx:
            tx.execute(text("CREATE TABLE other_scratch (x)"))
        assert told.value.message == _(
            "Another broadtalk is using this database right now, or has just changed it; wait a moment and try again."
        )
    finally:
        release.set()
        thread.join()
        holder.close()
        other.close()
