"""Make a demo through ``generate_demo`` and say ``done N`` after each batch's commit, so that
tests/e2e/test_i12_demo_kills.py can kill it (SIGKILL) in the middle of a later batch.

Usage: i12_demo_killer.py DATABASE CLIENTS (the passphrase comes from BROADTALK_PASSPHRASE)."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from broadtalk.demo import generate_demo
from broadtalk.store.database import Database


def main() -> None:
    path, clients = Path(sys.argv[1]), int(sys.argv[2])
    db = Database.open(path, passphrase=os.environ["BROADTALK_PASSPHRASE"])
    try:
        generate_demo(
            db,
            clients=clients,
            seed=1,
            today=date(2026, 3, 2),
            progress=lambda done, _total: print(f"done {done}", flush=True),
        )
    finally:
        db.close()
    print("finished", flush=True)


if __name__ == "__main__":
    main()
