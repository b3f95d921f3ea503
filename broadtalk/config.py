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
