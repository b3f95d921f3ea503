"""Conversation models already validated, kept on disk so that a model's YAML is parsed once.

After a model text was parsed and found valid, the model is written as JSON to the user's cache
folder (``config.cache_dir()/models``), named after a key made of the SHA-256 of the text,
broadtalk's version and a fingerprint of the code that reads and checks models. A later process
that meets the same text reads the JSON (about a millisecond) instead of parsing the YAML. A
changed text, or another version of broadtalk, makes another key: the old file is not used.

Nothing read here is trusted: a cache file that is not an ordinary file of the user's own, whose
key or checksum does not fit, or whose model does not validate again (pydantic and the checks
across the model) is ignored, and the caller writes it anew. The checksum finds damage; the
folder (0700) and its files (0600), the owner's alone like every broadtalk folder, keep others
out. Files are written atomically (a private temporary file, then a rename). A cache that cannot
be read or written (a read-only home, a full disk) only costs time, never an error.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
import tempfile
from contextlib import suppress
from functools import lru_cache
from pathlib import Path

from broadtalk import __version__, config
from broadtalk.files import PRIVATE_FOLDER, private_folder
from broadtalk.forms.checks import check_model
from broadtalk.forms.schema import ConversationModel
from broadtalk.i18n import LANGUAGES

log = logging.getLogger(__name__)

#: The layout of a cache file; raise it when the layout changes.
FORMAT = 1
#: The modules whose code decides what a model file means; a change in any makes a new key.
CODE = ("schema.py", "checks.py", "loader.py", "yamlsource.py", "cache.py")
#: Larger cache files are not read (the model files themselves are at most 2 MB).
MAX_BYTES = 8_000_000
#: Files kept in the folder; the oldest beyond this are removed when one is written.
KEEP = 64

_POSIX = os.name == "posix"


def folder() -> Path:
    return config.cache_dir() / "models"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """What, besides the text, decides whether and how a model file is read: broadtalk's
    version, the languages every text must have and the code of the model modules."""
    digest = hashlib.sha256(f"format {FORMAT}; broadtalk {__version__}; languages {sorted(LANGUAGES)}".encode())
    here = Path(__file__).resolve().parent
    for name in CODE:
        try:
            digest.update((here / name).read_bytes())
        except OSError:  # an installation without sources: the version alone tells
            digest.update(f"no {name}".encode())
    return digest.hexdigest()


def cache_key(digest: str) -> str:
    """The key of a model text with SHA-256 ``digest``, for this version of broadtalk."""
    return hashlib.sha256(f"{code_fingerprint()}\n{digest}".encode()).hexdigest()


def read(digest: str) -> ConversationModel | None:
    """The cached model of the text with SHA-256 ``digest``, or None (no cache file, or one that
    cannot be trusted)."""
    base = _usable_folder(create=False)
    if base is None:
        return None
    key = cache_key(digest)
    try:
        raw = _read_own_file(base / f"{key}.json")
    except FileNotFoundError:
        return None
    except OSError as error:
        log.debug("model cache file not read: %s", type(error).__name__)
        return None
    if raw is None:
        return None
    try:
        entry = json.loads(raw)
        text = entry["model"]
        if (
            entry["format"] != FORMAT
            or entry["key"] != key
            or not isinstance(text, str)
            or hashlib.sha256(text.encode("utf-8")).hexdigest() != entry["model_sha256"]
        ):
            log.debug("model cache file does not fit; ignored")
            return None
        model = ConversationModel.model_validate_json(text)
        if check_model(model):
            log.debug("model cache file holds a model with problems; ignored")
            return None
        return model
    except Exception as error:  # damaged in any way: parse the model file instead
        log.debug("model cache file damaged (%s); ignored", type(error).__name__)
        return None


def write(digest: str, model: ConversationModel) -> None:
    """Cache a valid model of the text with SHA-256 ``digest``; silently nothing when the folder
    cannot be made or written."""
    base = _usable_folder(create=True)
    if base is None:
        return
    key = cache_key(digest)
    # Only the fields the file gave: ``scale_of`` tells a domain without a scale from 'scale: null'.
    text = model.model_dump_json(by_alias=True, exclude_unset=True)
    entry = {"format": FORMAT, "key": key, "model_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
    entry["model"] = text
    partial = None
    try:
        handle, partial = tempfile.mkstemp(dir=base, prefix=".", suffix=".partial")  # created 0600
        with os.fdopen(handle, "wb") as out:
            out.write(json.dumps(entry, separators=(",", ":")).encode("utf-8"))
        os.replace(partial, base / f"{key}.json")
        partial = None
    except OSError as error:
        log.debug("model cache file not written: %s", type(error).__name__)
    finally:
        if partial is not None:
            with suppress(OSError):
                os.unlink(partial)
    _prune(base)


def _usable_folder(*, create: bool) -> Path | None:
    """The cache folder when it is a real folder of the user's own that only they can enter
    (made so when needed), else None."""
    path = folder()
    try:
        if create:
            private_folder(path)
        info = os.lstat(path)
        if not stat.S_ISDIR(info.st_mode):
            return None
        if _POSIX:
            if info.st_uid != os.getuid():
                return None
            if stat.S_IMODE(info.st_mode) != PRIVATE_FOLDER:
                os.chmod(path, PRIVATE_FOLDER)
    except OSError as error:
        log.debug("model cache folder not usable: %s", type(error).__name__)
        return None
    return path


def _read_own_file(path: Path) -> bytes | None:
    """The bytes of an ordinary file of the user's own that others cannot change; None for
    anything else (a link, a folder, someone else's file). Raises OSError."""
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(handle, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
            return None
        if _POSIX and (info.st_uid != os.getuid() or info.st_mode & 0o022):
            return None
        raw = file.read(MAX_BYTES + 1)
    return raw if len(raw) <= MAX_BYTES else None


def _prune(base: Path) -> None:
    """Remove the oldest cache files beyond ``KEEP`` (left by older versions of broadtalk)."""
    try:
        files = [entry for entry in os.scandir(base) if entry.name.endswith(".json") and entry.is_file()]
        if len(files) <= KEEP:
            return
        files.sort(key=lambda entry: entry.stat().st_mtime)
        for entry in files[: len(files) - KEEP]:
            with suppress(OSError):
                os.unlink(entry.path)
    except OSError:
        return
