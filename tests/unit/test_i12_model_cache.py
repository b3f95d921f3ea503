"""Conversation models are parsed once: a valid model is remembered by its content's hash, in
the process and in a private cache folder, and read with libyaml; a broken file is read again
with the line-keeping parser, so its problems still name their lines.

Whether a load parsed is seen by counting the calls of the two YAML readers, not by timing.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from broadtalk import config, i18n
from broadtalk.forms import cache as model_cache
from broadtalk.forms import library, loader, yamlsource
from broadtalk.forms.library import BUILTIN_DIR, builtin_model, find_model, forget_loaded_models
from broadtalk.forms.loader import load_model_file, load_model_text, validate_model_text
from broadtalk.forms.schema import ConversationModel
from broadtalk.store.database import Database

REPO = Path(__file__).resolve().parents[2]
CASES = Path(__file__).resolve().parent / "forms_cases"
BUILTIN_FILES = sorted(BUILTIN_DIR.glob("*.yaml"))

VALID = """\
id: cached-model
version: 1
title: {nl: Mijn model, en: My model}
description: {nl: Een testmodel, en: A test model}
domains:
  - id: body
    title: {nl: Lichaam, en: Body}
    description: {nl: Het lichaam, en: The body}
    colour: '#0072B2'
    items:
      - linkId: body.notes
        type: text
        text: {nl: Aantekeningen, en: Notes}
"""


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """How often each YAML reader ran, from now on, with every in-process cache emptied: as in
    a new process (the disk cache is the test's own, in its BROADTALK_HOME)."""
    forget_loaded_models()
    count: Counter = Counter()

    def counting(name: str, function: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            count[name] += 1
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(loader, "parse_yaml", counting("precise", loader.parse_yaml))
    monkeypatch.setattr(loader, "parse_yaml_fast", counting("fast", loader.parse_yaml_fast))
    yield count
    forget_loaded_models()


def cache_files() -> list[Path]:
    folder = model_cache.folder()
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def fields_set(model: BaseModel) -> Any:
    """Which fields were given, all the way down: ``scale_of`` tells 'no scale given' from
    'scale: null', so a cached model must keep this exactly."""
    out: dict[str, Any] = {"set": sorted(model.model_fields_set)}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            out[name] = fields_set(value)
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            out[name] = [fields_set(v) for v in value]
    return out


def assert_same_model(a: ConversationModel | None, b: ConversationModel | None) -> None:
    assert a is not None and b is not None
    assert a == b
    assert fields_set(a) == fields_set(b)
    assert [a.scale_of(d) for d in a.domains] == [b.scale_of(d) for d in b.domains]


# -- the cache is used ---------------------------------------------------------------------------


def test_a_second_load_in_the_process_does_not_parse(parses: Counter) -> None:
    first = load_model_text(VALID)
    assert first.ok and sum(parses.values()) == 1
    second = load_model_text(VALID)
    assert second.ok and sum(parses.values()) == 1
    assert second.model is first.model


def test_a_later_process_reads_the_model_from_the_disk_cache(parses: Counter) -> None:
    first = load_model_text(VALID)
    assert sum(parses.values()) == 1
    assert len(cache_files()) == 1
    forget_loaded_models()  # as if a new process started

    again = load_model_text(VALID)
    assert again.ok and sum(parses.values()) == 1, "the model was parsed again instead of read from the cache"
    assert again.model is not first.model
    assert_same_model(again.model, first.model)


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=lambda p: p.stem)
def test_a_builtin_model_from_the_cache_is_the_same_model_down_to_which_fields_were_given(
    path: Path, parses: Counter
) -> None:
    parsed = load_model_file(path)
    assert parsed.ok and parses["fast"] == 1
    forget_loaded_models()
    cached = load_model_file(path)
    assert cached.ok and sum(parses.values()) == 1
    assert_same_model(cached.model, parsed.model)
    assert_same_model(cached.model, validate_model_text(path.read_text(encoding="utf-8"), fast=False).model)


def test_a_new_process_does_not_parse_a_builtin_model_it_has_cached(tmp_path: Path) -> None:
    """Two real processes: the first parses the model and caches it, the second only reads it."""
    script = (
        "from collections import Counter\n"
        "from broadtalk.forms import library, loader\n"
        "count = Counter()\n"
        "def counting(name, function):\n"
        "    def wrapper(*args, **kwargs):\n"
        "        count[name] += 1\n"
        "        return function(*args, **kwargs)\n"
        "    return wrapper\n"
        "loader.parse_yaml = counting('precise', loader.parse_yaml)\n"
        "loader.parse_yaml_fast = counting('fast', loader.parse_yaml_fast)\n"
        "model = library.builtin_model('self-sufficiency', 1)\n"
        "print(model.id, sum(count.values()))\n"
    )
    env = {**os.environ, "BROADTALK_HOME": str(tmp_path / "home")}
    runs = [
        subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
        for _ in range(2)
    ]
    assert [run.returncode for run in runs] == [0, 0], [run.stderr for run in runs]
    assert [run.stdout.split() for run in runs] == [["self-sufficiency", "1"], ["self-sufficiency", "0"]]


def test_find_model_loads_only_the_model_it_is_asked_for(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    forget_loaded_models()
    loaded: list[str] = []
    real = loader.load_model_file
    monkeypatch.setattr(library, "load_model_file", lambda path: loaded.append(Path(path).name) or real(path))
    with db.transaction() as tx:
        model = find_model(tx, "four-domains", 1)
        assert find_model(tx, "four-domains", 1) is model
    assert model.key == ("four-domains", 1)
    assert loaded == ["four-domains.v1.yaml"]
    forget_loaded_models()


def test_builtin_model_answers_none_for_a_model_that_is_not_built_in() -> None:
    assert builtin_model("no-such-model", 1) is None
    assert builtin_model("four-domains", 99) is None
    assert builtin_model("../four-domains", 1) is None
    assert builtin_model("four-domains", 1).key == ("four-domains", 1)


# -- a changed or damaged cache is never trusted -------------------------------------------------


def test_a_changed_file_is_parsed_again(tmp_path: Path, parses: Counter) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(VALID, encoding="utf-8")
    assert load_model_file(path).model.title["en"] == "My model"
    path.write_text(VALID.replace("en: My model", "en: My changed model"), encoding="utf-8")
    changed = load_model_file(path)
    assert changed.ok and changed.model.title["en"] == "My changed model"
    assert sum(parses.values()) == 2
    forget_loaded_models()
    assert load_model_file(path).model.title["en"] == "My changed model"
    assert sum(parses.values()) == 2  # the changed content was cached in its turn


def test_a_changed_file_that_is_now_broken_is_reported_not_served_from_the_cache(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(VALID, encoding="utf-8")
    assert load_model_file(path).ok
    path.write_text(VALID.replace("type: text", "type: txt"), encoding="utf-8")
    broken = load_model_file(path)
    assert not broken.ok
    assert any(message.startswith("mine.yaml:12: domains[0].items[0].type:") for message in broken.messages())


def _model_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


DAMAGES = {
    "empty": lambda raw: b"",
    "cut short": lambda raw: raw[: len(raw) // 2],
    "not json": lambda raw: b"\x00\xff garbage \x80",
    "a json list": lambda raw: b"[1, 2, 3]",
    "model changed, checksum not": lambda raw: raw.replace(b"Mijn model", b"Uw model!!"),
    "a colour that is no colour, checksum fitted": lambda raw: _rechecksummed(
        raw, lambda m: m.replace("#0072B2", "blue")
    ),
    "model no longer valid": lambda raw: _rechecksummed(raw, lambda m: m.replace('"domains":[', '"domains":7,"x":[')),
    "another key": lambda raw: raw.replace(b'"key":"', b'"key":"0'),
    "another format": lambda raw: raw.replace(b'"format":1', b'"format":99'),
}


def _rechecksummed(raw: bytes, change: Any) -> bytes:
    """A cache file whose model was changed and whose checksum was made to fit: only validating
    the model again can tell."""
    import hashlib

    entry = json.loads(raw)
    entry["model"] = change(entry["model"])
    entry["model_sha256"] = hashlib.sha256(entry["model"].encode("utf-8")).hexdigest()
    return json.dumps(entry).encode("utf-8")


@pytest.mark.parametrize("damage", list(DAMAGES), ids=list(DAMAGES))
def test_a_damaged_cache_file_is_ignored_and_written_anew(damage: str, parses: Counter) -> None:
    original = load_model_text(VALID).model
    [path] = cache_files()
    good = path.read_bytes()
    path.write_bytes(DAMAGES[damage](good))
    forget_loaded_models()

    again = load_model_text(VALID)
    assert again.ok
    assert_same_model(again.model, original)
    assert sum(parses.values()) == 2, "the damaged cache file was trusted"
    assert _model_json(path)["model_sha256"] == _model_json_bytes(good)["model_sha256"]
    forget_loaded_models()
    assert load_model_text(VALID).ok and sum(parses.values()) == 2, "the cache file was not written anew"


def _model_json_bytes(raw: bytes) -> dict[str, Any]:
    return json.loads(raw)


def test_a_cache_of_another_version_of_the_code_is_not_used(parses: Counter, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_model_text(VALID).ok
    forget_loaded_models()
    monkeypatch.setattr(model_cache, "code_fingerprint", lambda: "another version of broadtalk")
    assert load_model_text(VALID).ok
    assert sum(parses.values()) == 2


def test_a_cache_file_that_is_a_folder_or_a_link_is_not_read(parses: Counter) -> None:
    load_model_text(VALID)
    [path] = cache_files()
    good = path.read_bytes()
    path.unlink()
    elsewhere = path.parent.parent / "elsewhere.json"
    elsewhere.write_bytes(good)
    path.symlink_to(elsewhere)
    forget_loaded_models()
    assert load_model_text(VALID).ok
    assert sum(parses.values()) == 2
    assert not path.is_symlink()  # replaced by an ordinary file of its own


# -- private, atomic, and never in the way --------------------------------------------------------


def test_the_cache_file_is_the_owners_alone_in_a_folder_that_is_the_owners_alone(parses: Counter) -> None:
    load_model_text(VALID)
    [path] = cache_files()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.parent == config.cache_dir() / "models"
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no partial file left behind


def test_an_existing_cache_folder_open_to_others_is_made_private(parses: Counter) -> None:
    folder = config.cache_dir() / "models"
    folder.mkdir(parents=True, mode=0o755)
    folder.chmod(0o755)
    load_model_text(VALID)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert [stat.S_IMODE(p.stat().st_mode) for p in cache_files()] == [0o600]


def test_a_cache_folder_that_cannot_be_made_costs_only_time(parses: Counter) -> None:
    config.cache_dir().parent.mkdir(parents=True, exist_ok=True)
    config.cache_dir().write_text("a file where the cache folder should be", encoding="utf-8")
    for _ in range(2):
        forget_loaded_models()
        assert load_model_text(VALID).ok
    assert sum(parses.values()) == 2


def test_a_read_only_cache_folder_costs_only_time(parses: Counter, monkeypatch: pytest.MonkeyPatch) -> None:
    load_model_text(VALID)
    folder = model_cache.folder()
    [path] = cache_files()
    path.unlink()
    folder.chmod(0o500)
    if os.geteuid() == 0:  # root writes into read-only folders: refuse the way the kernel would
        real_mkstemp = model_cache.tempfile.mkstemp

        def refused(*args, **kwargs):
            if Path(kwargs.get("dir", "")) == folder:
                raise PermissionError(13, "Permission denied")
            return real_mkstemp(*args, **kwargs)

        monkeypatch.setattr(model_cache.tempfile, "mkstemp", refused)
    try:
        forget_loaded_models()
        assert load_model_text(VALID).ok
        assert cache_files() == []
    finally:
        folder.chmod(0o700)


def test_a_broken_model_is_not_cached(parses: Counter) -> None:
    broken = VALID.replace("colour: '#0072B2'", "colour: blue")
    for _ in range(2):
        assert not load_model_text(broken).ok
    assert cache_files() == []
    assert parses["precise"] == 2


# -- libyaml where no line is needed, the precise reader where one is ---------------------------


def test_libyaml_is_installed() -> None:
    """PyYAML's wheels bring libyaml along; without it every load takes the slow reader."""
    assert yaml.__with_libyaml__
    assert yamlsource.HAVE_LIBYAML


def test_a_valid_model_is_read_with_libyaml_only(parses: Counter) -> None:
    assert load_model_text(VALID).ok
    assert parses == Counter(fast=1)


def test_a_broken_model_is_read_again_for_its_lines(parses: Counter) -> None:
    i18n.set_language("en")
    text = VALID.replace("      - linkId: body.notes\n", "      - linkId: body.notes\n        linkId: body.other\n")
    result = load_model_text(text, "mine.yaml")
    assert parses == Counter(fast=1, precise=1)
    assert result.messages() == [
        "mine.yaml:12: domains[0].items[0].linkId: the key 'linkId' appears twice; keep one",
    ]


def test_without_libyaml_the_precise_reader_does_the_work(parses: Counter, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsource, "HAVE_LIBYAML", False)
    result = load_model_text(VALID)
    assert result.ok
    assert parses["precise"] == 1


# What libyaml reads without a murmur and the precise reader refuses or reads otherwise: the fast
# path must never call such a file valid, nor give it another meaning.
TRICKY = {
    "alias": VALID.replace("title: {nl: Mijn model", "title: &t {nl: Mijn model").replace(
        "    title: {nl: Lichaam, en: Body}", "    title: *t"
    ),
    "merge key": VALID.replace("    title: {nl: Lichaam, en: Body}", "    title: {<<: {nl: Lichaam}, en: Body}"),
    "duplicate key": VALID.replace("version: 1\n", "version: 1\nversion: 2\n"),
    "duplicate key in a text": VALID.replace("{nl: Lichaam, en: Body}", "{nl: Lichaam, en: Body, nl: Lijf}"),
    "a set of languages": VALID.replace("version: 1\n", "version: 1\nlanguages: !!set {nl, en}\n"),
    "an ordered map": VALID.replace("title: {nl: Mijn model, en: My model}", "title: !!omap [nl: Mijn, en: Mine]"),
    "a number as key": VALID.replace("{nl: Lichaam, en: Body}", "{nl: Lichaam, en: Body, 1: een}"),
    "yes as key": VALID.replace("{nl: Lichaam, en: Body}", "{nl: Lichaam, en: Body, yes: ja}"),
    "a date": VALID.replace("text: {nl: Aantekeningen, en: Notes}", "text: {nl: 2026-02-30, en: Notes}"),
    "a valid date": VALID.replace("text: {nl: Aantekeningen, en: Notes}", "text: {nl: 2026-02-03, en: Notes}"),
    "two documents": VALID + "---\n" + VALID,
    "empty": "",
    "a list": "- a\n- b\n",
    "a tab": VALID.replace("    colour:", "\tcolour:"),
    "a control character": VALID.replace("Notes", "No\x07tes"),
    "a next-line break": VALID.replace("Notes", "No\x85tes"),
    "a binary value": VALID.replace("en: Notes", "en: !!binary aGFsbG8="),
    "a python tag": VALID.replace("en: Notes", "en: !!python/name:os.system"),
    "a quoted text": VALID.replace("en: Notes", "en: 'No''tes'"),
    "a block text": VALID.replace(
        "en: Notes}",
        "en: Notes}\n        help:\n          nl: |\n            Twee\n"
        "            regels\n          en: >\n            Two\n            lines\n",
    ),
    "null scale on a domain": VALID.replace("    colour: '#0072B2'\n", "    colour: '#0072B2'\n    scale: null\n"),
    "deep": "a: " + "[" * 900 + "]" * 900 + "\n",
    "too deep": "a: " + "[" * 1200 + "]" * 1200 + "\n",
}


@pytest.mark.parametrize("text", list(TRICKY.values()), ids=list(TRICKY))
def test_the_fast_reader_agrees_with_the_precise_reader(text: str) -> None:
    i18n.set_language("en")
    fast = validate_model_text(text, "t.yaml", fast=True)
    precise = validate_model_text(text, "t.yaml", fast=False)
    assert fast.ok == precise.ok
    assert fast.messages() == precise.messages()
    if precise.ok:
        assert_same_model(fast.model, precise.model)


CASE_FILES = sorted(CASES.glob("*.yaml"))


@pytest.mark.parametrize("path", CASE_FILES + BUILTIN_FILES, ids=lambda p: p.stem)
def test_the_fast_reader_agrees_with_the_precise_reader_on_every_case_file(path: Path) -> None:
    i18n.set_language("en")
    text = path.read_text(encoding="utf-8")
    fast = validate_model_text(text, path.name, fast=True)
    precise = validate_model_text(text, path.name, fast=False)
    assert (fast.ok, fast.messages()) == (precise.ok, precise.messages())
    if precise.ok:
        assert_same_model(fast.model, precise.model)


def test_the_quick_search_for_unprintable_characters_finds_exactly_the_control_and_surrogate_characters() -> None:
    """checks.UNPRINTABLE replaced a category test per character; it must find the same ones."""
    import unicodedata

    from broadtalk.forms.checks import UNPRINTABLE

    wrong = [
        hex(code)
        for code in range(sys.maxunicode + 1)
        if bool(UNPRINTABLE.search(chr(code)))
        != (chr(code) not in "\n\t" and unicodedata.category(chr(code)) in ("Cc", "Cs"))
    ]
    assert wrong == []
