"""Files that hold client data are readable by their owner only (issue 10): the database and its
write-ahead log, backups, the file a restore writes, logs, and everything the command line and
the app create (they run with a private umask)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from broadtalk import backups, i18n
from broadtalk.store.database import Database

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
PASSPHRASE = "een lange wachtzin"


def restore_backup(backup, path, passphrase, *, safety_dir):
    """The restore use case as the app and the command line run it, without an actor."""
    return backups.restore(
        path, backup, backup_passphrase=passphrase, passphrase=passphrase, actor=None, safety_dir=safety_dir
    ).safety


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def open_umask():
    """As on a machine where new files are readable by everyone unless broadtalk says otherwise."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_new_database_and_its_write_ahead_log_are_owner_only(tmp_path):
    path = tmp_path / "broadtalk.sqlite"
    db = Database.open(path, passphrase=PASSPHRASE)
    try:
        with db.transaction() as tx:
            tx.connection().exec_driver_sql("CREATE TABLE scratch (x)")
        assert mode(path) == 0o600
        for companion in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if companion.exists():
                assert mode(companion) == 0o600, companion.name
    finally:
        db.close()


def test_an_existing_database_readable_by_others_is_made_owner_only_when_opened(tmp_path):
    path = tmp_path / "broadtalk.sqlite"
    Database.open(path, passphrase=PASSPHRASE).close()
    path.chmod(0o644)
    Database.open(path, passphrase=PASSPHRASE).close()
    assert mode(path) == 0o600


def test_backups_and_a_restored_database_are_owner_only(tmp_path):
    path = tmp_path / "broadtalk.sqlite"
    db = Database.open(path, passphrase=PASSPHRASE)
    try:
        backup = db.rotating_backup(tmp_path / "backups", reason="manual")
    finally:
        db.close()
    assert mode(backup) == 0o600
    assert mode(backup.parent) & 0o077 == 0
    safety = restore_backup(backup, path, PASSPHRASE, safety_dir=tmp_path / "backups")
    assert mode(path) == 0o600
    assert safety is not None and mode(safety) == 0o600


def test_the_command_line_creates_every_file_owner_only(tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, "BROADTALK_HOME": str(home), "BROADTALK_PASSPHRASE": PASSPHRASE}
    result = subprocess.run(
        [sys.executable, "-m", "broadtalk", "demo", "--clients", "2", "--seed", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=lambda: os.umask(0o022),
    )
    assert result.returncode == 0, result.stderr
    created = [p for p in home.rglob("*")]
    assert any(p.suffix == ".sqlite" for p in created)
    assert any(p.suffix == ".log" for p in created)
    for path in created:
        if path.is_dir():
            assert mode(path) & 0o077 == 0, path
        else:
            assert mode(path) == 0o600, path


def test_a_file_written_whole_never_replaces_a_device_or_a_pipe(tmp_path):
    """An export asked to go to /dev/null or a named pipe: renaming the finished file over it
    would replace the device (as root, /dev/null itself). Refused with a reason in words, the
    pipe left as it was and no partial file behind."""
    import os
    import stat as stat_module

    from broadtalk.errors import os_reason
    from broadtalk.files import NotAnOrdinaryFile, write_private_bytes

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    with pytest.raises(NotAnOrdinaryFile) as refused:
        write_private_bytes(pipe, b"figures")
    assert stat_module.S_ISFIFO(pipe.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]
    i18n.set_language("en")
    assert os_reason(refused.value) == "it is a device or a pipe, not a file"
