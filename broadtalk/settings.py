"""Practice-wide settings stored with the data (practice name, demo marker)."""

from __future__ import annotations

from sqlmodel import Session

from broadtalk.store.tables import Setting

PRACTICE_NAME = "practice_name"
DEMO = "demo"


def read_setting(tx: Session, key: str, default: str = "") -> str:
    row = tx.get(Setting, key)
    return row.value if row is not None else default


def write_setting(tx: Session, key: str, value: str) -> None:
    tx.merge(Setting(key=key, value=value))


def is_demo(tx: Session) -> bool:
    """True when the database holds fictional demo data (the window says so)."""
    return read_setting(tx, DEMO) == "1"
