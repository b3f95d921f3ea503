"""Run every benchmark once and compare it with its budget; exit 1 when one is over budget.

Budgets are for the reference machine (2 cores); timings are wall-clock, best of a few runs
where a run is cheap.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from broadtalk.clients import search_clients
from broadtalk.demo import generate_demo
from broadtalk.forms.library import builtin_models
from broadtalk.forms.loader import load_model_file
from broadtalk.practitioners import list_practitioners
from broadtalk.store.database import Database

REPORT: list[tuple[str, float, float]] = []


def bench(name: str, budget_s: float, repeat: int = 1) -> Callable:
    def wrap(func: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            best = min(_timed(func) for _ in range(repeat))
            REPORT.append((name, best, budget_s))

        return run

    return wrap


def _timed(func: Callable[[], None]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


WORK = Path(tempfile.mkdtemp(prefix="broadtalk-bench-"))
BIG = WORK / "big.sqlite"
#: Encrypted, as every practice's database is: the timings include SQLCipher's work.
PASSPHRASE = "bench bench bench"


# 45 s before the audit trail and encryption; each use case now also writes a chained audit
# entry, and every page is encrypted (measured 46 s on the reference machine).
@bench("demo: 10,000 clients through the use cases", budget_s=50.0)
def demo_10k() -> None:
    db = Database.open(BIG, passphrase=PASSPHRASE)
    try:
        generate_demo(db, clients=10_000, seed=1, today=date(2026, 11, 1))
    finally:
        db.close()


_OPEN: list[Database] = []


@bench("search-as-you-type: first page of 10,000 clients", budget_s=0.05, repeat=5)
def search_10k() -> None:
    # Only the search is timed: the app opens the database once, then searches per keystroke.
    with _OPEN[0].transaction() as tx:
        search_clients(tx, list_practitioners(tx)[0], "berg", limit=200)


@bench("open the encrypted 10,000-client database (key derivation, integrity check)", budget_s=3.0)
def open_10k() -> None:
    Database.open(BIG, passphrase=PASSPHRASE).close()


@bench("load and validate the three built-in models", budget_s=1.0, repeat=3)
def load_models() -> None:
    builtin_models.cache_clear()
    for path in sorted(Path(builtin_models.__module__.replace(".", "/")).parent.glob("builtin/*.yaml")):
        load_model_file(path)
    builtin_models()


# 3 s before encryption; the key derivation and the integrity check of the whole encrypted file
# (85 MB) at every start add about 0.6 s (measured 3.3 s).
@bench("start-up until the list of 10,000 clients has painted (--startup-check)", budget_s=4.0)
def startup_10k() -> None:
    import os
    import subprocess
    import sys

    from broadtalk.workstation import use_practitioner_here

    db = Database.open(BIG, passphrase=PASSPHRASE)
    try:
        with db.transaction() as tx:
            use_practitioner_here(tx, list_practitioners(tx)[0])
    finally:
        db.close()
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "BROADTALK_HOME": str(WORK),
        "BROADTALK_PASSPHRASE": PASSPHRASE,
    }
    subprocess.run(
        [sys.executable, "-m", "broadtalk", "--db", str(BIG), "--startup-check"],
        check=True,
        env=env,
        capture_output=True,
    )


def main() -> int:
    demo_10k()
    _OPEN.append(Database.open(BIG, passphrase=PASSPHRASE))
    try:
        search_10k()
    finally:
        _OPEN.pop().close()
    for run in (open_10k, load_models, startup_10k):
        run()
    failed = 0
    for name, took, budget in REPORT:
        verdict = "ok" if took <= budget else "OVER BUDGET"
        failed += took > budget
        print(f"{verdict:<12} {took * 1000:10.1f} ms  (budget {budget * 1000:.0f} ms)  {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
