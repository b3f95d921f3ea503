"""A throw-away PostgreSQL server for the tests and benchmarks: ``initdb`` and ``pg_ctl`` in a
temporary folder, listening on loopback only, with a password (SCRAM) like a real server.

The server binaries come from Debian's ``postgresql`` package (``tools/system-packages``
installs it when missing and it may). They are looked for on ``PATH`` and in
``/usr/lib/postgresql/<version>/bin`` (Debian keeps them there, off ``PATH``).

Also a small command for trying the app on a server by hand::

    python -m tests.pg_server start /tmp/pg     # prints the URL of an empty database
    python -m tests.pg_server stop /tmp/pg
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

USER = "broadtalk"
PASSWORD = "server-secret-Zeeland"  # a test server's own password; never a practice passphrase
SETTINGS = (
    # A test server: speed over durability (a kill of the machine loses a test run, nothing else).
    "fsync = off\n"
    "synchronous_commit = off\n"
    "full_page_writes = off\n"
    "listen_addresses = '127.0.0.1'\n"
    "max_connections = 200\n"
    "shared_buffers = 32MB\n"
    "log_min_messages = warning\n"
)
#: A benchmark's server (``bench --engine postgresql``): PostgreSQL's own defaults (fsync,
#: synchronous commits, full pages, 128 MB of shared buffers), as a practice's server runs, so
#: a commit costs what it costs there. Only where it listens is set.
DURABLE_SETTINGS = "listen_addresses = '127.0.0.1'\nlog_min_messages = warning\n"


class NoServerBinaries(RuntimeError):
    pass


def find_binaries() -> Path:
    """The folder with ``initdb``, ``pg_ctl`` and ``postgres``."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if versions:
        return versions[-1].parent
    raise NoServerBinaries(
        "The tests need PostgreSQL's server programs (initdb, pg_ctl). On Debian/Ubuntu: "
        "'make system-packages' installs them (sudo apt install postgresql)."
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    folder: Path
    port: int
    bin: Path

    def url(self, database: str = "postgres", *, user: str = USER, password: str = PASSWORD) -> str:
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{database}"

    def admin(self, database: str = "postgres"):
        """A psycopg connection as the server's superuser (autocommit), for set-up."""
        import psycopg

        return psycopg.connect(
            host="127.0.0.1", port=self.port, user=USER, password=PASSWORD, dbname=database, autocommit=True
        )

    def create_database(self, name: str, *, template: str | None = None) -> str:
        with self.admin() as connection:
            if template:
                connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
            else:
                connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with self.admin() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        subprocess.run(
            _no_root([str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
            check=False,
        )


def _no_root(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root: as root (a container, CI) it runs as 'nobody'.
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "nobody", "--", *command]


OWNER_FILE = "owner.pid"
PREFIX = "broadtalk-pg-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep(base: Path | None = None) -> None:
    """Stop and remove test servers whose test process is gone (killed, or crashed before its
    fixture could stop them): a server has no way to notice that its test run ended."""
    import tempfile

    for folder in Path(base or tempfile.gettempdir()).glob(PREFIX + "*"):
        try:
            owner = int((folder / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue
        if _alive(owner):
            continue
        try:
            binaries = find_binaries()
        except NoServerBinaries:
            return
        subprocess.run(
            _no_root([str(binaries / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "stop"]),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(folder, ignore_errors=True)


def start(folder: Path, *, ssl_cert: tuple[Path, Path] | None = None, settings: str = SETTINGS) -> Server:
    """A new server in ``folder`` (made empty first), started and accepting connections.
    ``settings``: its configuration (default the tests' fast one; ``DURABLE_SETTINGS`` for a benchmark)."""
    binaries = find_binaries()
    folder = Path(folder)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / OWNER_FILE).write_text(str(os.getpid()))
    data = folder / "data"
    password_file = folder / "password"
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")
    if os.geteuid() == 0:
        shutil.chown(folder, "nobody")
        shutil.chown(password_file, "nobody")
    done = subprocess.run(
        _no_root(
            [
                str(binaries / "initdb"),
                "-D",
                str(data),
                "-U",
                USER,
                "--pwfile",
                str(password_file),
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"initdb failed: {done.stderr.strip()[-500:]}")
    port = free_port()
    settings += f"port = {port}\nunix_socket_directories = '{folder}'\n"
    if ssl_cert is not None:
        cert, key = ssl_cert
        for source, name in ((cert, "server.crt"), (key, "server.key")):
            shutil.copy(source, data / name)
            (data / name).chmod(0o600)
            if os.geteuid() == 0:
                shutil.chown(data / name, "nobody")
        settings += "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n"
    with (data / "postgresql.conf").open("a", encoding="utf-8") as conf:
        conf.write(settings)
    done = subprocess.run(
        _no_root([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-w", "start"]),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        log = (folder / "server.log").read_text(encoding="utf-8", errors="replace")[-800:]
        raise RuntimeError(f"PostgreSQL did not start: {done.stderr.strip()[-300:]} {log}")
    server = Server(folder=folder, port=port, bin=binaries)
    deadline = time.monotonic() + 20
    while True:
        try:
            server.admin().close()
            return server
        except Exception:
            if time.monotonic() > deadline:
                server.stop()
                raise
            time.sleep(0.1)


def _main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print(__doc__)
        return 2
    folder = Path(argv[1]).resolve()
    if argv[0] == "stop":
        port = int((folder / "port").read_text())
        Server(folder, port, find_binaries()).stop()
        return 0
    server = start(folder)
    (folder / "port").write_text(str(server.port))
    print(server.create_database("practice"))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
