"""The demo practices the benchmarks run on: built once per run (the build is the demo benchmark),
or copied from a cache keyed by size, seed, day and the code that shapes the file.

A practice is a folder: the encrypted database, the configuration folder the app and the commands
use (``BROADTALK_HOME``: the seal key, the seals), and a practice nurse who works here and signs in
with the demo PIN. Benchmarks change the database (sign-ins, audit entries, a draft, exports), so a
cached practice is always copied into the run's own folder first.
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

    @property
    def db(self) -> Path:
        return self.folder / DATABASE

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


def cache_key(size: int, seed: int, today: date) -> str:
    """Size, seed, the demo's day and a digest of what decides the file's content: the migrations,
    the tables and the demo generator. Any change to those makes a new key."""
    digest = hashlib.sha256()
    sources = [
        *sorted((ROOT / "broadtalk" / "store" / "migrations" / "versions").glob("*.py")),
        ROOT / "broadtalk" / "store" / "tables.py",
        ROOT / "broadtalk" / "demo.py",
    ]
    for path in sources:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return f"{size}-seed{seed}-{today.isoformat()}-{digest.hexdigest()[:12]}"


def make(
    size: int, work: Path, today: date, *, cache: Path | None = None, reuse: bool = True, seed: int = SEED
) -> Practice:
    """The practice of ``size`` clients in ``work``: from the cache when it has it and ``reuse``
    (then without a demo figure), else made here, timed (``demo_seconds``), and stored in the
    cache when there is one."""
    folder = work / f"practice-{size}"
    cached = cache / cache_key(size, seed, today) if cache is not None else None
    if reuse and cached is not None and (cached / "done").exists():
        print(f"bench: {size:,} clients: copying the cached demo practice ...", file=sys.stderr, flush=True)
        shutil.copytree(cached, folder)
        return Practice(size, folder, nurse=int((folder / "done").read_text()))
    practice = _build(size, folder, today, seed)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_name(cached.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(folder, partial)
        shutil.rmtree(cached, ignore_errors=True)
        partial.rename(cached)
    return practice


def _build(size: int, folder: Path, today: date, seed: int) -> Practice:
    from broadtalk.demo import generate_demo
    from broadtalk.practitioners import Role, list_practitioners
    from broadtalk.store.database import Database
    from broadtalk.workstation import use_practitioner_here

    print(f"bench: {size:,} clients: making the demo practice (timed) ...", file=sys.stderr, flush=True)
    folder.mkdir(parents=True)
    practice = Practice(size, folder, nurse=0)
    practice.use_here()
    started = time.perf_counter()
    db = Database.open(practice.db, passphrase=PASSPHRASE, backup_dir=practice.backups)
    try:
        generate_demo(db, clients=size, seed=seed, today=today)
        practice.demo_seconds = time.perf_counter() - started
        # As the app leaves it after the first start: a practice nurse works here.
        with db.transaction() as tx:
            nurse = next(a for a in sorted(list_practitioners(tx), key=lambda a: a.id) if a.role == Role.PRACTICE_NURSE)
            use_practitioner_here(tx, nurse)
    finally:
        db.close()
    practice.nurse = nurse.id
    (folder / "done").write_text(str(nurse.id))
    return practice
