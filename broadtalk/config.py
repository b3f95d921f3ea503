"""Where broadtalk keeps its files, and the user's own preferences.

Data (the database, backups), settings and a cache go to the platform's per-user folders. The
environment variable ``BROADTALK_HOME`` puts them all under one folder instead (tests, portable
installs). Preferences are a small JSON file written atomically.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import platformdirs

from broadtalk.i18n import DEFAULT_LANGUAGE, LANGUAGES

APP_NAME = "broadtalk"
log = logging.getLogger(__name__)


#: How a PostgreSQL server database is named (``--db``, the first start): a URL, not a file.
SERVER_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")


def is_server_url(target: object) -> bool:
    """True when ``target`` (what ``--db`` was given) names a database on a PostgreSQL server."""
    return isinstance(target, str) and target.strip().lower().startswith(SERVER_SCHEMES)


def data_dir() -> Path:
    home = os.environ.get("BROADTALK_HOME")
    return Path(home) / "data" if home else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    home = os.environ.get("BROADTALK_HOME")
    return Path(home) / "config" if home else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    """Files broadtalk can make again (validated conversation models); safe to delete."""
    home = os.environ.get("BROADTALK_HOME")
    return Path(home) / "cache" if home else Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    return data_dir() / "broadtalk.sqlite"


# -- the practice's server, chosen at this workstation's first start ----------------------------------

SERVER_FILE = "server.json"
#: The server user's password, in libpq's password-file format, readable by the owner only.
PASSWORD_FILE = "server.pgpass"


def _read_small(path: Path) -> str:
    """A settings file's text: an ordinary file of at most 64 KB (a pipe, a device or a huge file
    put in its place raises OSError, never hangs or fills the memory)."""
    from broadtalk.files import read_limited

    return read_limited(path, 64 * 1024).decode("utf-8")


def server_password_file() -> Path:
    """Where this workstation keeps the server user's password (libpq's ``passfile``)."""
    return config_dir() / PASSWORD_FILE


def remembered_server() -> str | None:
    """The address (``postgresql://user@host:port/database``, never a password) of the server
    database this workstation uses, when one was chosen at its first start; else None."""
    try:
        raw = json.loads(_read_small(config_dir() / SERVER_FILE))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        log.warning("server choice unreadable; using the database on this computer")
        return None
    address = raw.get("address") if isinstance(raw, dict) else None
    return address if is_server_url(address) else None


def _passfile_field(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:")


def remember_server(address: str, *, host: str, port: int, database: str, user: str, password: str) -> None:
    """From now on this workstation uses the server database at ``address`` (which holds no
    password). A non-empty ``password`` is kept in the owner-only password file libpq reads,
    for this host, port, database and user only; an empty one removes a kept one. Written whole
    or not at all (OSError)."""
    from broadtalk.files import private_folder, write_private_text

    folder = config_dir()
    private_folder(folder)
    password_file = server_password_file()
    if password:
        line = ":".join(_passfile_field(part) for part in (host, str(port), database, user, password))
        write_private_text(password_file, line + "\n")
    else:
        password_file.unlink(missing_ok=True)
    write_private_text(folder / SERVER_FILE, json.dumps({"address": address}, indent=2))


def forget_server() -> None:
    """This workstation uses the database on this computer again (the server keeps its data)."""
    for name in (SERVER_FILE, PASSWORD_FILE):
        (config_dir() / name).unlink(missing_ok=True)


SIGNED_IN_FILE = "signed_in.json"


def last_signed_in(place: str) -> int | None:
    """The practitioner (id) who last signed in on this workstation to the server database at
    ``place`` (its location, without user or password), or None."""
    try:
        raw = json.loads(_read_small(config_dir() / SIGNED_IN_FILE))
    except (OSError, ValueError):
        return None
    value = raw.get(place) if isinstance(raw, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def remember_signed_in(place: str, practitioner_id: int) -> None:
    from broadtalk.files import private_folder, write_private_text

    path = config_dir() / SIGNED_IN_FILE
    try:
        raw = json.loads(_read_small(path))
    except (OSError, ValueError):
        raw = {}
    known = raw if isinstance(raw, dict) else {}
    known[place] = practitioner_id
    private_folder(path.parent)
    write_private_text(path, json.dumps(known, indent=2, sort_keys=True))


def default_database() -> str | Path:
    """What the app and the commands open without ``--db``: the remembered server's address, or
    the database file on this computer."""
    return remembered_server() or default_db_path()


def backup_dir() -> Path:
    return data_dir() / "backups"


@dataclass
class Preferences:
    """Per-user preferences (not data): the language of the interface."""

    language: str = DEFAULT_LANGUAGE

    @classmethod
    def load(cls) -> Preferences:
        path = config_dir() / "preferences.json"
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError):
            log.warning("preferences file unreadable; using defaults")
            return cls()
        language = raw.get("language") if isinstance(raw, dict) else None
        return cls(language=language if language in LANGUAGES else DEFAULT_LANGUAGE)

    def save(self) -> None:
        path = config_dir() / "preferences.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".json.partial")
        partial.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
        partial.replace(path)


def interface_language() -> str:
    """The language to show: ``BROADTALK_LANGUAGE`` when set, else the saved preference."""
    wanted = os.environ.get("BROADTALK_LANGUAGE")
    if wanted in LANGUAGES:
        return wanted
    return Preferences.load().language
