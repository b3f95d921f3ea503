"""The PostgreSQL server of a run with ``--engine postgresql``: started for the run, stopped and
removed at its end (also after an error, Ctrl-C or a SIGTERM), and the practices' databases on it.

The server is the tests' throw-away server (``tests/pg_server.py``: ``initdb`` and ``pg_ctl`` in a
temporary folder, on loopback, a password as on a real server, run as ``nobody`` when root), but
with PostgreSQL's own durable defaults (fsync and synchronous commits on): a commit costs what it
costs on a practice's server. It runs on the same machine as broadtalk and the floors, so the
network is loopback: what a server across a network adds per round trip is not in the figures.

A practice's database can be kept in the cache as a ``pg_dump`` (custom format) and restored into
the run's server with ``pg_restore``, with the same binaries as the server's.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.pg_server import Server

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
ENGINES = (SQLITE, POSTGRESQL)
#: Where the cache keeps a practice's server database.
DUMP = "practice.dump"


def _pg_server():
    """``tests/pg_server.py``, importable from the project's root (``python -m bench`` runs there)."""
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    from tests import pg_server

    return pg_server


class NotStarted(RuntimeError):
    """No server for the run: no server programs, or the server would not start."""


class _Stopped(KeyboardInterrupt):
    """A SIGTERM, turned into what Ctrl-C raises, so the server is stopped on the way out."""


def _terminated(signum, _frame) -> None:
    raise _Stopped(f"signal {signum}")


@contextmanager
def running() -> Iterator[Server]:
    """A PostgreSQL server for this run; stopped and its folder removed when the block ends."""
    servers = _pg_server()
    # Not under the run's (owner-only) folder: run as root, the server runs as ``nobody``. The
    # tests' prefix: a run killed outright leaves a folder whose owner is gone, which the tests'
    # ``sweep`` stops and removes.
    folder = Path(tempfile.mkdtemp(prefix=servers.PREFIX + "bench-"))
    previous = signal.signal(signal.SIGTERM, _terminated)
    server = None
    try:
        print("bench: starting a PostgreSQL server for this run ...", file=sys.stderr, flush=True)
        try:
            server = servers.start(folder, settings=servers.DURABLE_SETTINGS)
        except Exception as error:
            raise NotStarted(f"{type(error).__name__}: {error}") from error
        yield server
    finally:
        try:
            if server is not None:
                server.stop()
            elif (folder / "data" / "postmaster.pid").exists():  # interrupted while it started
                servers.Server(folder, 0, servers.find_binaries()).stop()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            signal.signal(signal.SIGTERM, previous)


def version(server: Server) -> str:
    """The server's version in its own words: "PostgreSQL 15.14"."""
    with server.admin() as connection:
        number = connection.execute("SHOW server_version").fetchone()[0]
    return f"PostgreSQL {number.split()[0]}"


def database_name(size: int) -> str:
    return f"practice_{size}"


def _client_env(server: Server) -> dict[str, str]:
    return {**os.environ, "PGPASSWORD": _pg_server().PASSWORD}


def _client_args(server: Server, database: str) -> list[str]:
    user = _pg_server().USER
    return ["--host", "127.0.0.1", "--port", str(server.port), "--username", user, "--dbname", database]


def dump(server: Server, database: str, out: Path) -> None:
    """The database as a ``pg_dump`` archive (custom format, compressed)."""
    _run(
        [str(server.bin / "pg_dump"), "--format", "custom", "--file", str(out), *_client_args(server, database)], server
    )


def restore(server: Server, archive: Path, database: str) -> str:
    """A new database ``database`` made from a ``pg_dump`` archive; returns its URL."""
    url = server.create_database(database)
    _run(
        [
            str(server.bin / "pg_restore"),
            "--exit-on-error",
            "--no-owner",
            *_client_args(server, database),
            str(archive),
        ],
        server,
    )
    settle(server, database)
    return url


def settle(server: Server, database: str) -> None:
    """``VACUUM ANALYZE``, untimed: as a server's autovacuum leaves a database a minute after a
    demo or a restore (statistics, visibility map), rather than in the middle of a benchmark."""
    with server.admin(database) as connection:
        connection.execute("VACUUM ANALYZE")


def _run(argv: list[str], server: Server) -> None:
    done = subprocess.run(argv, env=_client_env(server), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{Path(argv[0]).name} failed: {done.stderr.strip()[-400:]}")
