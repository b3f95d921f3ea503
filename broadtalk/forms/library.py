"""The conversation models a practice can use: the built-in ones and its own imports.

Built-in models are YAML files in ``builtin/`` named ``<id>.v<version>.yaml``; a new version is
a new file, so conversations held with an older version keep their meaning. A practice's own
models are stored in the database (so they travel with backups), validated on import, and a
published (id, version) can never be replaced by different content.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from sqlmodel import Session, select

from broadtalk import audit
from broadtalk.audit import require
from broadtalk.errors import InputError, NotFoundError
from broadtalk.forms.loader import forget_remembered_models, load_model_file, load_model_text
from broadtalk.forms.schema import ConversationModel
from broadtalk.i18n import _
from broadtalk.permissions import Permission
from broadtalk.practitioners import Actor
from broadtalk.store.tables import CustomModel

BUILTIN_DIR = Path(__file__).resolve().parent / "builtin"


@dataclass(frozen=True)
class ModelEntry:
    model: ConversationModel
    builtin: bool


@lru_cache(maxsize=1)
def builtin_models() -> tuple[ConversationModel, ...]:
    """Every built-in model, in file order. Only what lists the models needs them all; a
    conversation needs its own model alone: ``builtin_model``."""
    return tuple(_load_builtin(path) for path in _builtin_files().values())


@lru_cache(maxsize=64)
def builtin_model(model_id: str, version: int) -> ConversationModel | None:
    """The built-in model (id, version), loaded alone (and kept), or None when there is none."""
    path = _builtin_files().get((model_id, version))
    return None if path is None else _load_builtin(path)


def builtin_ids() -> set[str]:
    """The ids of the built-in models, from their file names (without loading them)."""
    return {model_id for model_id, _version in _builtin_files()}


def forget_loaded_models() -> None:
    """Forget every model this process loaded (tests, benchmarks); the disk cache stays."""
    builtin_models.cache_clear()
    builtin_model.cache_clear()
    _builtin_files.cache_clear()
    _parse_custom.cache_clear()
    forget_remembered_models()


@lru_cache(maxsize=1)
def _builtin_files() -> dict[tuple[str, int], Path]:
    """The built-in model files by (id, version), read from their names ``<id>.v<version>.yaml``."""
    files: dict[tuple[str, int], Path] = {}
    for path in sorted(BUILTIN_DIR.glob("*.yaml")):
        model_id, _dot, version = path.stem.rpartition(".v")
        if not model_id or not version.isdecimal() or version != str(int(version)):
            raise RuntimeError(f"built-in model file {path.name} must be named <id>.v<version>.yaml")
        files[(model_id, int(version))] = path
    return files


def _load_builtin(path: Path) -> ConversationModel:
    """A built-in model; a broken built-in file is a programming error, not user input."""
    result = load_model_file(path)
    if not result.ok:
        raise RuntimeError("built-in conversation model is invalid: " + "; ".join(result.messages()))
    assert result.model is not None
    if path.name != f"{result.model.id}.v{result.model.version}.yaml":
        raise RuntimeError(f"built-in model file {path.name} must be named <id>.v<version>.yaml")
    return result.model


@lru_cache(maxsize=256)
def _parse_custom(sha256: str, source: str) -> ConversationModel:
    # Cached by content hash: a stored model is parsed once per run.
    return load_model_text(source, "custom").raise_for_problems()


def available_models(tx: Session) -> list[ModelEntry]:
    """Built-in models first, then the practice's own; each id with all its versions."""
    entries = [ModelEntry(model, True) for model in builtin_models()]
    rows = tx.exec(select(CustomModel).order_by(CustomModel.model_id, CustomModel.version)).all()
    entries += [ModelEntry(_parse_custom(row.sha256, row.source_yaml), False) for row in rows]
    return entries


def latest_models(tx: Session) -> list[ModelEntry]:
    """The newest version of each model: what a new conversation is started with."""
    newest: dict[str, ModelEntry] = {}
    for entry in available_models(tx):
        current = newest.get(entry.model.id)
        if current is None or entry.model.version > current.model.version:
            newest[entry.model.id] = entry
    return list(newest.values())


def find_model(tx: Session, model_id: str, version: int) -> ConversationModel:
    model = builtin_model(model_id, version)
    if model is not None:
        return model
    row = tx.exec(select(CustomModel).where(CustomModel.model_id == model_id, CustomModel.version == version)).first()
    if row is None:
        raise NotFoundError(
            _("The conversation model '{id}' version {version} is not available here; import it first.").format(
                id=model_id, version=version
            )
        )
    return _parse_custom(row.sha256, row.source_yaml)


@dataclass(frozen=True)
class ImportOutcome:
    model: ConversationModel
    created: bool  # False: this exact model was imported before


def import_model(tx: Session, actor: Actor, path: Path, *, now: datetime | None = None) -> ImportOutcome:
    """Validate a model file and add it to the practice's models; nothing is stored on a problem.

    Needs ``MANAGE_MODELS``; an import that adds a model is written to the audit trail."""
    require(actor, Permission.MANAGE_MODELS)
    result = load_model_file(path)
    model = result.raise_for_problems()
    source = Path(path).read_text(encoding="utf-8")
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
    if model.id in builtin_ids():
        raise InputError(
            _("{file}: '{id}' is the id of a built-in model; give your model an id of its own.").format(
                file=Path(path).name, id=model.id
            )
        )
    existing = tx.exec(
        select(CustomModel).where(CustomModel.model_id == model.id, CustomModel.version == model.version)
    ).first()
    if existing is not None:
        if existing.sha256 == digest:
            return ImportOutcome(model, created=False)
        raise InputError(
            _(
                "{file}: version {version} of '{id}' was imported before with other content, and a published version "
                "never changes; raise 'version' to {next} to import this one."
            ).format(file=Path(path).name, version=model.version, id=model.id, next=_next_version(tx, model.id))
        )
    now = now or datetime.now(UTC)
    row = CustomModel(
        model_id=model.id,
        version=model.version,
        source_yaml=source,
        sha256=digest,
        imported_at=now,
        imported_by_id=actor.id,
    )
    tx.add(row)
    tx.flush()
    audit.record(
        tx,
        actor,
        audit.Action.CREATE,
        object_type="model",
        object_id=row.id,
        detail=f"{model.id} v{model.version}",
        now=now,
    )
    return ImportOutcome(model, created=True)


def _next_version(tx: Session, model_id: str) -> int:
    versions = tx.exec(select(CustomModel.version).where(CustomModel.model_id == model_id)).all()
    return max(versions, default=0) + 1
