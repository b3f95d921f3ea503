"""When the database file was last checked whole, and with what outcome.

The integrity check (``PRAGMA quick_check``) reads every page of the file, so its time grows
with the data: about a second at 10,000 clients, ten at 100,000. It is therefore not run at
every start. It runs before a backup is put in place (``Database.backup_to`` checks the copy,
page for page the database's own), by ``broadtalk check``, and in the app in the background
when nobody is at the keyboard and the last check is older than ``CHECK_EVERY``.

Its verdict is kept in a small file beside the database (``<file>.checked``), for the file it
was made on (device and inode: a file a restore or a new passphrase put in place starts without
one). Opening reads only that file: after a failed check the opening checks again, and refuses
as before while the file is still damaged.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from broadtalk.files import write_private_text

log = logging.getLogger(__name__)

#: The app checks the file in the background when the last passed check is older than this.
CHECK_EVERY = timedelta(days=1)
SUFFIX = ".checked"


@dataclass(frozen=True)
class Verdict:
    """The outcome of the last whole check of a database file."""

    passed: bool
    at: datetime


def verdict_path(db_path: Path) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + SUFFIX)


def identity(db_path: Path) -> tuple[int, int] | None:
    """Which file is at ``db_path`` now (device, inode); None when there is none."""
    try:
        found = os.stat(db_path)
    except OSError:
        return None
    return (found.st_dev, found.st_ino)


def read_verdict(db_path: Path) -> Verdict | None:
    """The last verdict on the file now at ``db_path``; None when there is none (never checked,
    unreadable, or made on a file that has since been replaced)."""
    try:
        raw = json.loads(verdict_path(db_path).read_text(encoding="utf-8"))
        if list(raw["file"]) != list(identity(db_path) or ()):
            return None
        at = datetime.fromisoformat(raw["at"])
        if at.tzinfo is None:
            return None
        return Verdict(passed=raw["passed"] is True, at=at)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError):
        log.warning("integrity verdict unreadable; the file is checked again")
        return None


def write_verdict(
    db_path: Path, passed: bool, *, checked: tuple[int, int] | None = None, now: datetime | None = None
) -> None:
    """Keep the verdict on ``db_path`` (``checked``: the file's identity when the check began; a
    verdict on a file that was replaced meanwhile is not kept). Best effort: a verdict that
    cannot be written only means the file is checked again."""
    current = identity(db_path)
    if current is None or (checked is not None and checked != current):
        return
    at = (now or datetime.now(UTC)).astimezone(UTC)
    text = json.dumps({"file": list(current), "passed": passed, "at": at.isoformat()})
    try:
        write_private_text(verdict_path(db_path), text)
    except OSError as error:
        log.warning("integrity verdict cannot be written: %s", type(error).__name__)


def forget(db_path: Path) -> None:
    """The file at ``db_path`` is replaced: what was found about the old one does not hold."""
    try:
        verdict_path(db_path).unlink(missing_ok=True)
    except OSError as error:
        log.warning("integrity verdict cannot be removed: %s", type(error).__name__)


def failed_before(db_path: Path) -> bool:
    """The last check of this file failed (or damage was met while it was used)."""
    verdict = read_verdict(db_path)
    return verdict is not None and not verdict.passed


def is_due(db_path: Path, now: datetime | None = None) -> bool:
    """A check is due: never checked, the last check failed, or it passed longer than
    ``CHECK_EVERY`` ago. Reads one small file, never the database."""
    verdict = read_verdict(db_path)
    if verdict is None or not verdict.passed:
        return True
    return (now or datetime.now(UTC)) - verdict.at >= CHECK_EVERY
