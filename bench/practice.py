"""The demo practices the benchmarks run on: built once per run (the build is the demo benchmark),
or copied from a cache keyed by size, seed, day and the code that shapes the file.

A practice is a folder: the encrypted database, the configuration folder the app and the commands
use (``BROADTALK_HOME``: the seal key, the seals), and a practice nurse who works here and signs in
with the demo PIN. Benchmarks change the database (sign-ins, audit entries, a draft, exports), so a
cached practice is always copied into the run's own folder first.

With ``--engine postgresql`` the database is a database of the run's server (``bench/server.py``),
set up by ``ServerDatabase.open`` with the same passphrase (its practice key); the folder keeps the
configuration folder only, and the cache a ``pg_dump`` of the database beside it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bench.server import DUMP, POSTGRESQL, SQLITE

if TYPE_CHECKING:
    from tests.pg_server import Server

ROOT = Path(__file__).resolve().parent.parent
#: Encrypted, as every practice's database is: the timings include SQLCipher's work.
PASSPHRASE = "bench bench bench"
SEED = 1
DATABASE = "practice.sqlite"


@dataclass
class Practice:
    size: int
    folder: Path
    nurse: int
    #: Seconds the demo took to make, when it was made in this run (not copied from the cache).
    demo_seconds: float | None = None
    referrals: dict[str, int] = field(default_factory=dict)
    #: A database on the run's PostgreSQL server: its URL (with the throw-away server's password).
    url: str | None = None

    @property
    def engine(self) -> str:
        return POSTGRESQL if self.url else SQLITE

    @property
    def db(self) -> Path:
        return self.folder / DATABASE

    @property
    def target(self) -> str:
        """What ``--db`` is given: the file's path or the server database's URL."""
        return self.url or str(self.db)

    def open(self):
        """The practice's database, opened as the app opens it: ``Database`` or ``ServerDatabase``."""
        if self.url:
            from broadtalk.store.server import ServerDatabase

            return ServerDatabase.open(self.url, passphrase=PASSPHRASE)
        from broadtalk.store.database import Database

        return Database.open(self.db, passphrase=PASSPHRASE, backup_dir=self.backups)

    @property
    def home(self) -> Path:
        return self.folder / "home"

    @property
    def backups(self) -> Path:
        return self.folder / "backups"

    def environment(self) -> dict[str, str]:
        """For a child process: this practice's passphrase, configuration folder, and the nurse signed in."""
        from broadtalk.demo import DEMO_SECRET
        from broadtalk.sign_in import PIN_VARIABLE, USER_VARIABLE

        return {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "BROADTALK_HOME": str(self.home),
            "BROADTALK_PASSPHRASE": PASSPHRASE,
            USER_VARIABLE: str(self.nurse),
            PIN_VARIABLE: DEMO_SECRET,
        }

    def use_here(self) -> None:
        """This process works on this practice from now on (its configuration folder)."""
        os.environ["BROADTALK_HOME"] = str(self.home)


#: On a server, what else decides the database's content: its set-up, the practice key, the search
#: index's hashes and the list's ranks.
SERVER_SOURCES = ("store/server.py", "store/practice_key.py", "client_search.py", "client_order.py")


def cache_key(size: int, seed: int, today: date, engine: str = SQLITE) -> str:
    """Size, seed, the demo's day and a digest of what decides the file's content: the migrations,
    the tables and the demo generator (on a server also ``SERVER_SOURCES``; the key then starts
    with the engine). Any change to those makes a new key."""
    digest = hashlib.sha256()
    sources = [
        *sorted((ROOT / "broadtalk" / "store" / "migrations" / "versions").glob("*.py")),
        ROOT / "broadtalk" / "store" / "tables.py",
        ROOT / "broadtalk" / "demo.py",
    ]
    if engine != SQLITE:
        sources += [ROOT / "broadtalk" / name for name in SERVER_SOURCES]
    for path in sources:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    prefix = "" if engine == SQLITE else f"{engine}-"
    return f"{prefix}{size}-seed{seed}-{today.isoformat()}-{digest.hexdigest()[:12]}"


def make(
    size: int,
    work: Path,
    today: date,
    *,
    cache: Path | None = None,
    reuse: bool = True,
    seed: int = SEED,
    server: Server | None = None,
) -> Practice:
    """The practice of ``size`` clients in ``work`` (``server``: its database on that server):
    from the cache when it has it and ``reuse`` (then without a demo figure), else made here,
    timed (``demo_seconds``), and stored in the cache when there is one."""
    folder = work / f"practice-{size}"
    engine = SQLITE if server is None else POSTGRESQL
    cached = cache / cache_key(size, seed, today, engine) if cache is not None else None
    if reuse and cached is not None and (cached / "done").exists():
        print(f"bench: {size:,} clients: copying the cached demo practice ...", file=sys.stderr, flush=True)
        shutil.copytree(cached, folder)
        practice = Practice(size, folder, nurse=int((folder / "done").read_text()))
        if server is not None:
            from bench.server import database_name, restore

            practice.url = restore(server, folder / DUMP, database_name(size))
            (folder / DUMP).unlink()
        return practice
    practice = _build(size, folder, today, seed, server)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_name(cached.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(folder, partial)
        if server is not None:
            from bench.server import database_name, dump

            print(f"bench: {size:,} clients: keeping a pg_dump in the cache ...", file=sys.stderr, flush=True)
            dump(server, database_name(size), partial / DUMP)
        shutil.rmtree(cached, ignore_errors=True)
        partial.rename(cached)
    return practice


def remove(practice: Practice, server: Server | None = None) -> None:
    """The practice's folder, and its database on the server (100,000 clients take most of a GB)."""
    shutil.rmtree(practice.folder, ignore_errors=True)
    if server is not None and practice.url:
        from bench.server import database_name

        server.drop_database(database_name(practice.size))


def _build(size: int, folder: Path, today: date, seed: int, server: Server | None = None) -> Practice:
    from broadtalk.demo import generate_demo
    from broadtalk.practitioners import Role, list_practitioners
    from broadtalk.workstation import use_practitioner_here

    where = "" if server is None else " on the server"
    print(f"bench: {size:,} clients: making the demo practice{where} (timed) ...", file=sys.stderr, flush=True)
    folder.mkdir(parents=True)
    practice = Practice(size, folder, nurse=0)
    if server is not None:
        from bench.server import database_name

        practice.url = server.create_database(database_name(size))
    practice.use_here()
    started = time.perf_counter()
    db = practice.open()  # a new database: set up (tables; on a server the practice key's salt)
    try:
        generate_demo(db, clients=size, seed=seed, today=today)
        practice.demo_seconds = time.perf_counter() - started
        # As the app leaves it after the first start: a practice nurse works here.
        with db.transaction() as tx:
            nurse = next(a for a in sorted(list_practitioners(tx), key=lambda a: a.id) if a.role == Role.PRACTICE_NURSE)
            use_practitioner_here(tx, nurse)
    finally:
        db.close()
    if server is not None:
        from bench.server import database_name, settle

        settle(server, database_name(size))
    practice.nurse = nurse.id
    (folder / "done").write_text(str(nurse.id))
    return practice
