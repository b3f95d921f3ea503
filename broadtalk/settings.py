"""Practice-wide settings stored with the data (practice name, demo marker)."""

from __future__ import annotations

from sqlmodel import Session

from broadtalk import audit
from broadtalk.errors import InputError
from broadtalk.i18n import _
from broadtalk.permissions import Permission, require
from broadtalk.practitioners import Actor
from broadtalk.store.tables import Setting

PRACTICE_NAME = "practice_name"
DEMO = "demo"
#: Minutes without keyboard or mouse before the window locks itself (a practice-wide policy).
AUTO_LOCK_MINUTES = "auto_lock_minutes"
AUTO_LOCK_DEFAULT, AUTO_LOCK_MIN, AUTO_LOCK_MAX = 5, 1, 120


def read_setting(tx: Session, key: str, default: str = "") -> str:
    row = tx.get(Setting, key)
    return row.value if row is not None else default


def write_setting(tx: Session, key: str, value: str) -> None:
    tx.merge(Setting(key=key, value=value))


def is_demo(tx: Session) -> bool:
    """True when the database holds fictional demo data (the window says so)."""
    return read_setting(tx, DEMO) == "1"


def change_setting(tx: Session, actor: Actor, key: str, value: str, *, default: str = "") -> bool:
    """A practitioner changes a practice-wide setting (``MANAGE_SETTINGS``), recorded in the audit
    trail by its key. Writing the value it already has (``default`` when never set) changes
    nothing and needs no permission, so a settings screen may save every field; returns whether
    the value changed."""
    if read_setting(tx, key, default) == value:
        return False
    require(actor, Permission.MANAGE_SETTINGS)
    write_setting(tx, key, value)
    audit.record(tx, actor, audit.Action.CHANGE, object_type="setting", detail=key)
    return True


def auto_lock_minutes(tx: Session) -> int:
    """Minutes of idle time before the app locks (anyone may read it; a bad value reads as the default)."""
    try:
        minutes = int(read_setting(tx, AUTO_LOCK_MINUTES, str(AUTO_LOCK_DEFAULT)))
    except ValueError:
        return AUTO_LOCK_DEFAULT
    return minutes if AUTO_LOCK_MIN <= minutes <= AUTO_LOCK_MAX else AUTO_LOCK_DEFAULT


def set_auto_lock_minutes(tx: Session, actor: Actor, minutes: int) -> bool:
    """The practice's idle time before locking (``MANAGE_SETTINGS``); the current value changes nothing."""
    if not AUTO_LOCK_MIN <= minutes <= AUTO_LOCK_MAX:
        raise InputError(
            _("The time before the screen locks must be between {low} and {high} minutes.").format(
                low=AUTO_LOCK_MIN, high=AUTO_LOCK_MAX
            )
        )
    return change_setting(tx, actor, AUTO_LOCK_MINUTES, str(minutes), default=str(auto_lock_minutes(tx)))
