"""Load conversation models from YAML text or files, with precise, translated problems.

``load_model_text`` never raises for bad content: it returns the problems, each naming the line
and the path in the file and what to do. ``load_model_file`` adds the file name and refuses
files that are unreadable, too large or not UTF-8.

A model is parsed once: a valid model is remembered by the SHA-256 of its text, in this process
and in the user's cache folder (``forms.cache``), so a later load, or a later process, skips the
YAML. A text is first read with libyaml, which keeps no line numbers; only a text with a problem
is read again with the line-keeping reader, so every problem still names its line.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path as FsPath
from typing import Any

from pydantic import ValidationError

from broadtalk.errors import InputError, os_reason
from broadtalk.files import FileTooLarge, NotAnOrdinaryFile, read_limited
from broadtalk.forms import cache as model_cache
from broadtalk.forms.checks import check_model
from broadtalk.forms.schema import ConversationModel, Item, ItemType
from broadtalk.forms.yamlsource import (
    GiveUp,
    Path,
    Problem,
    SourceMap,
    YamlSyntaxError,
    parse_yaml,
    parse_yaml_fast,
    refused_paths,
    yes_no_hint,
)
from broadtalk.i18n import _

MAX_FILE_BYTES = 2_000_000

#: Fields that hold a text per language (``{nl: ..., en: ...}``).
TEXT_FIELDS = (
    "title",
    "description",
    "text",
    "help",
    "display",
    "label",
    "shortTitle",
    "plainTitle",
    "plainLabel",
    "reportLabel",
    "clientQuestion",
)


@dataclass
class LoadResult:
    source_name: str
    model: ConversationModel | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.model is not None and not self.problems

    def messages(self) -> list[str]:
        """One line per problem: ``file:line: path: what is wrong``."""
        lines = []
        for problem in self.problems:
            where = f"{self.source_name}:{problem.line}" if problem.line else self.source_name
            path = problem.dotted_path()
            lines.append(f"{where}: {path}: {problem.message}" if path else f"{where}: {problem.message}")
        return lines

    def raise_for_problems(self) -> ConversationModel:
        if not self.ok:
            raise InputError("\n".join(self.messages()))
        assert self.model is not None
        return self.model


def load_model_text(text: str, source_name: str = "<text>") -> LoadResult:
    """The model in ``text``, or its problems. A valid model is remembered by the text's hash (in
    this process and on disk) and shared: models are frozen, treat them as read-only."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    try:
        model = _remembered_model(digest, text)
    except _Refused as refused:
        result = refused.result
        result.source_name = source_name
        return result
    return LoadResult(source_name, model)


def forget_remembered_models() -> None:
    """Empty this process's memory of models (tests, benchmarks); the disk cache stays."""
    _remembered_model.cache_clear()


class _Refused(Exception):
    def __init__(self, result: LoadResult):
        super().__init__("model has problems")
        self.result = result


@lru_cache(maxsize=32)
def _remembered_model(digest: str, text: str) -> ConversationModel:
    """The valid model of ``text`` (whose SHA-256 is ``digest``): from memory, else from the disk
    cache, else validated and cached. Raises _Refused, which is not remembered, on a problem."""
    model = model_cache.read(digest)
    if model is not None:
        return model
    result = validate_model_text(text)
    if not result.ok:
        raise _Refused(result)
    assert result.model is not None
    model_cache.write(digest, result.model)
    return result.model


def validate_model_text(text: str, source_name: str = "<text>", *, fast: bool = True) -> LoadResult:
    """Parse and check ``text`` (no cache). ``fast``: read it with libyaml first; when anything
    is wrong, or libyaml is missing, read it again keeping line numbers, so the problems are those
    of the careful reading alone. ``fast=False`` reads carefully at once."""
    if fast:
        model = _quick_model(text)
        if model is not None:
            return LoadResult(source_name, model)
    return _careful_result(text, source_name)


def _quick_model(text: str) -> ConversationModel | None:
    """The model when libyaml reads ``text`` and it has no problem at all, else None."""
    try:
        data = parse_yaml_fast(text)
    except GiveUp:
        return None
    if not isinstance(data, dict):
        return None
    try:
        model = ConversationModel.model_validate(data)
    except ValidationError:
        return None
    return None if check_model(model) else model


def _careful_result(text: str, source_name: str) -> LoadResult:
    result = LoadResult(source_name)
    try:
        data, source, problems = parse_yaml(text)
    except YamlSyntaxError as error:
        result.problems.append(error.problem)
        return result
    result.problems += problems
    if not isinstance(data, dict):
        result.problems.append(
            Problem((), 1, _("a conversation model must be a mapping with id, version, title and domains"))
        )
        return result
    try:
        model = ConversationModel.model_validate(data)
    except ValidationError as error:
        refused = refused_paths(data)
        reported: set[Path] = set()
        for detail in error.errors():
            problem = _problem_from_pydantic(detail, source, data)
            # A value that fits none of a union's types is one problem, not one per type.
            if problem.path in reported or any(problem.path[: len(r)] == r for r in refused):
                continue
            reported.add(problem.path)
            result.problems.append(problem)
        return result
    result.problems += check_model(model, source)
    result.problems.sort(key=lambda problem: problem.line or 0)
    result.model = model
    return result


def load_model_file(path: FsPath) -> LoadResult:
    path = FsPath(path)
    result = LoadResult(path.name)
    try:
        raw = read_limited(path, MAX_FILE_BYTES)
    except FileTooLarge:
        result.problems.append(
            Problem((), None, _("the file is larger than 2 MB; a conversation model is much smaller"))
        )
        return result
    except FileNotFoundError:
        result.problems.append(Problem((), None, _("the file does not exist; check the path")))
        return result
    except IsADirectoryError:
        result.problems.append(Problem((), None, _("this is a folder, not a file")))
        return result
    except NotAnOrdinaryFile:
        result.problems.append(
            Problem((), None, _("this is not an ordinary file (a device or a pipe); save the model as a file"))
        )
        return result
    except OSError as error:
        result.problems.append(
            Problem((), None, _("the file cannot be read ({reason})").format(reason=os_reason(error)))
        )
        return result
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        result.problems.append(Problem((), line, _("the file is not UTF-8 text; save it as UTF-8")))
        return result
    loaded = load_model_text(text, path.name)
    loaded.source_name = path.name
    return loaded


def _problem_from_pydantic(error: dict[str, Any], source: SourceMap, data: Any) -> Problem:
    path: Path = _yaml_path(tuple(error["loc"]))
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    field_name = str(path[-1]) if path else ""
    if field_name == "answer" and kind.endswith(("_type", "_parsing")):
        message = _("the answer must be one value: an option code or text in quotes, a number, or true/false")
    elif kind == "missing":
        message = _("the required field '{field}' is missing").format(field=field_name)
    elif kind == "extra_forbidden":
        message = _("unknown field '{field}'").format(field=field_name) + _suggestion(field_name, path, data)
    elif kind == "enum" and field_name == "type":
        allowed = ", ".join(t.value for t in ItemType)
        message = _("unknown item type '{value}'; use one of: {allowed}").format(value=value, allowed=allowed)
    elif kind in ("enum", "literal_error"):
        message = _("'{value}' is not allowed here; use one of: {allowed}").format(
            value=value, allowed=ctx.get("expected", "")
        )
    elif kind in ("int_type", "int_parsing", "int_from_float"):
        message = _("expected a whole number, found '{value}'").format(value=value)
    elif kind in ("float_type", "float_parsing"):
        message = _("expected a number, found '{value}'").format(value=value)
    elif kind in ("bool_type", "bool_parsing"):
        message = _("expected true or false, found '{value}'").format(value=value)
    elif kind in ("string_type",) and isinstance(value, bool):
        message = yes_no_hint()
    elif kind in ("string_type",):
        message = _("expected text, found '{value}'").format(value=value)
    elif kind in ("list_type",):
        message = _("expected a list (lines starting with '- ')")
    elif kind in ("dict_type", "model_type", "model_attributes_type"):
        if field_name in TEXT_FIELDS:
            message = _("expected a text per language, e.g. nl: ... and en: ...")
        else:
            message = _("expected a mapping of fields (key: value)")
    elif kind == "too_short":
        message = _("this list may not be empty")
    elif kind in ("greater_than_equal",):
        message = _("must be at least {limit}").format(limit=ctx.get("ge"))
    elif kind in ("less_than_equal",):
        message = _("must be at most {limit}").format(limit=ctx.get("le"))
    elif kind in ("string_too_long",):
        message = _("is too long (at most {limit} characters)").format(limit=ctx.get("max_length"))
    elif kind in ("string_too_short",):
        message = _("may not be empty")
    else:
        message = error.get("msg", kind)
    return Problem(path, source.line_of(path), message)


def _yaml_path(loc: tuple) -> Path:
    """pydantic reports field names; the file uses aliases (linkId) and dict keys."""
    aliases = {field.alias: name for name, field in Item.model_fields.items() if field.alias}
    names_to_alias = {name: alias for alias, name in aliases.items()}
    names_to_alias["rank_domains"] = "rankDomains"
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and part.startswith(("function-", "union[", "constrained-")):
            continue
        if part in ("bool", "int", "float", "str", "Scale", "LocalizedText"):
            continue
        out.append(names_to_alias.get(part, part) if isinstance(part, str) else part)
    return tuple(out)


def _suggestion(field_name: str, path: Path, data: Any) -> str:
    """' (did you mean ...?)' when an unknown field looks like a known one."""
    known = _known_fields_at(path)
    matches = difflib.get_close_matches(field_name, known, n=1, cutoff=0.6)
    if matches:
        return _("; did you mean '{suggestion}'?").format(suggestion=matches[0])
    return ""


def _known_fields_at(path: Path) -> list[str]:
    from broadtalk.forms import schema

    def names(model: type) -> list[str]:
        return [f.alias or n for n, f in model.model_fields.items()]

    parent = [p for p in path[:-1] if isinstance(p, str)]
    last = parent[-1] if parent else None
    table = {
        None: schema.ConversationModel,
        "domains": schema.Domain,
        "items": schema.Item,
        "answerOptions": schema.AnswerOption,
        "enableWhen": schema.EnableWhen,
        "scale": schema.Scale,
        "anchors": schema.Anchor,
        "closing": schema.Closing,
    }
    model = table.get(last)
    return names(model) if model else []
