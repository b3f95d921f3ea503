"""Fuzz: damaged conversation model files, from the text down to the bytes, go through the loader
and through the import into a real database. Each file either loads, or is refused with a clear
message (an InputError) -- never another exception -- and a refused import changes nothing in
the database, not even the audit trail.

tests/unit/test_forms_validation.py already fuzzes ``load_model_text`` with random text, YAML
pieces, random mappings and damaged *data* of one built-in model. What is added here: every
built-in model damaged as a *file* (lines deleted, duplicated, swapped, re-indented; values
swapped, junk inserted, numbers made huge, nesting made deep, the text cut short), the same as
bytes (other encodings, byte flips, NULs, BOMs), ``load_model_file`` on those files, and
``import_model`` with the database compared table by table before and after.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import text as sql

from broadtalk.errors import BroadtalkError, InputError
from broadtalk.forms.library import BUILTIN_DIR, ImportOutcome, find_model, import_model
from broadtalk.forms.loader import load_model_file
from broadtalk.practitioners import Actor, Role, create_practitioner
from broadtalk.store.database import Database
from tests import engines
from tests.conftest import NOW

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
BYTES_FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

BUILTIN_TEXTS = {path.name: path.read_text(encoding="utf-8") for path in sorted(BUILTIN_DIR.glob("*.yaml"))}
ID_LINE = re.compile(r"^id: .*$", re.MULTILINE)
KEY_VALUE = re.compile(r"^(\s*(?:- )?[A-Za-z]+: )(\S.*)$")


# -- the database, exactly ------------------------------------------------------------------------


def dump(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (schema included), in a stable order."""
    return engines.dump(db)


def added_rows(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """Rows only appended (the rows before are all still there, unchanged); which tables grew."""
    grown = {}
    for table, rows in after.items():
        old = before.get(table, [])
        assert rows[: len(old)] == old, f"rows of {table} changed or went"
        if len(rows) > len(old):
            grown[table] = rows[len(old) :]
    assert set(before) == set(after)
    return grown


@pytest.fixture
def administrator(db: Database) -> Actor:
    """Importing models needs MANAGE_MODELS: an administrator."""
    with db.transaction() as tx:
        return create_practitioner(tx, "Beheerder", Role.ADMINISTRATOR, now=NOW)


def tally(outcome: str) -> None:
    """Count an outcome in Hypothesis' statistics -- only inside a @given test: the baseline test
    below calls import_or_refuse directly, where Hypothesis has no test to record it in."""
    if currently_in_test_context():
        event(outcome)


def import_or_refuse(db: Database, actor: Actor, path: Path) -> ImportOutcome | None:
    """The one property: loads and imports, or is refused with a message and changes nothing.
    The outcome of the import; None when it was refused."""
    loaded = load_model_file(path)  # never raises
    assert loaded.ok or loaded.problems
    for message in loaded.messages():
        assert message.strip() and "Traceback" not in message

    before = dump(db)
    try:
        with db.transaction() as tx:
            outcome = import_model(tx, actor, path, now=NOW)
    except BroadtalkError as error:
        assert isinstance(error, InputError), f"{type(error).__name__}: {error.message}"
        assert error.message.strip() and "Traceback" not in error.message
        if not loaded.ok:
            assert error.message == "\n".join(loaded.messages())
        assert dump(db) == before, "a refused import changed the database"
        tally("refused by the loader" if not loaded.ok else "loaded, refused by the import")
        return None

    assert loaded.ok, "an import succeeded although the loader found problems"
    assert loaded.model is not None and outcome.model.key == loaded.model.key
    after = dump(db)
    if not outcome.created:  # the very same model was imported before
        assert after == before
        tally("imported before")
        return outcome
    grown = added_rows(before, after)
    assert set(grown) == {"custom_model", "audit_entry"}, set(grown)
    assert len(grown["custom_model"]) == len(grown["audit_entry"]) == 1
    # What was stored is usable later: it loads again, as the same model.
    with db.transaction() as tx:
        assert find_model(tx, outcome.model.id, outcome.model.version) == outcome.model
    tally("imported")
    return outcome


# -- damaging a model file ------------------------------------------------------------------------

JUNK = st.one_of(
    st.sampled_from(
        [
            "",
            "- ",
            ": :",
            "{",
            "]",
            "'",
            '"',
            "&anchor x",
            "*anchor",
            "<<: *anchor",
            "!!python/object/apply:os.system ['true']",
            "!!binary aGVsbG8=",
            "? [a, b]",
            "%YAML 1.1",
            "---",
            "...",
            "\t",
            "id: other",
            "version: 2",
            "type: choice",
            "linkId: bodily-functions.going-well",
            "\ufeff",
            "\x00",
            "\x85",
            "\u2028",
        ]
    ),
    st.text(max_size=40),
)
HUGE = st.sampled_from(
    [
        "99999999999999999999999999999999",
        "-99999999999999999999999999999999",
        "1e309",
        "-1e309",
        ".inf",
        ".nan",
        "0x7fffffffffffffff",
        "9223372036854775808",
        "1_000_000_000_000",
        "0o777777777777777777",
        "1" * 5000,
        "1000001",
        "-1",
        "0",
    ]
)


def nested(kind: str, depth: int) -> str:
    if kind == "flow-list":
        return "[" * depth + "]" * depth
    if kind == "flow-map":
        return "{a: " * depth + "1" + "}" * depth
    # Block style: one more level of indentation per line.
    return "\n" + "".join("  " * (level + 1) + "- \n" for level in range(depth))


@st.composite
def damaged_model_text(draw: st.DrawFn) -> str:
    text = BUILTIN_TEXTS[draw(st.sampled_from(sorted(BUILTIN_TEXTS)))]
    if draw(st.integers(0, 3)):
        # An id of its own (mostly new, now and then one used before), so a file that survives
        # the damage can really be imported.
        text = ID_LINE.sub(f"id: fuzz-{draw(st.integers(0, 3) | st.integers(4, 10**9))}", text, count=1)
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        action = draw(
            st.sampled_from(
                ["delete", "duplicate", "swap-lines", "swap-values", "junk", "comment", "huge", "nest", "indent", "cut"]
            )
        )
        if action == "comment":  # harmless: the model must still import
            lines.insert(at, "# " + draw(st.text(st.characters(blacklist_categories=["Cc", "Cs", "Zl", "Zp"]))) + "\n")
        elif action == "delete":
            del lines[at]
        elif action == "duplicate":
            lines.insert(at, lines[at])
        elif action == "swap-lines":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif action == "swap-values":
            pairs = [i for i, line in enumerate(lines) if KEY_VALUE.match(line.rstrip("\n"))]
            if len(pairs) >= 2:
                a, b = draw(st.sampled_from(pairs)), draw(st.sampled_from(pairs))
                ma, mb = KEY_VALUE.match(lines[a].rstrip("\n")), KEY_VALUE.match(lines[b].rstrip("\n"))
                assert ma is not None and mb is not None
                lines[a], lines[b] = ma[1] + mb[2] + "\n", mb[1] + ma[2] + "\n"
        elif action == "junk":
            lines.insert(at, draw(JUNK) + draw(st.sampled_from(["\n", "\r\n", "\r", ""])))
        elif action in ("huge", "nest"):
            match = KEY_VALUE.match(lines[at].rstrip("\n"))
            if match:
                if action == "huge":
                    value = draw(HUGE)
                else:
                    value = nested(draw(st.sampled_from(["flow-list", "flow-map", "block"])), draw(st.integers(1, 400)))
                lines[at] = match[1] + value + "\n"
        elif action == "indent":
            lines[at] = (" " * draw(st.integers(1, 3)) + lines[at]) if draw(st.booleans()) else lines[at].lstrip(" ")
        else:
            cut = "".join(lines)[: draw(st.integers(0, len("".join(lines))))]
            lines = [cut]
    return "".join(lines)


ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252", "mac-roman", "ascii"]


@st.composite
def damaged_model_bytes(draw: st.DrawFn) -> bytes:
    text = draw(st.one_of(st.sampled_from(list(BUILTIN_TEXTS.values())), damaged_model_text()))
    raw = bytearray(text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace"))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(raw)))
        action = draw(st.sampled_from(["flip", "insert", "nul", "bom", "delete", "cut"]))
        if action == "flip" and at < len(raw):
            raw[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "insert":
            raw[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif action == "nul":
            raw[at:at] = b"\x00"
        elif action == "bom":
            raw[at:at] = draw(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]))
        elif action == "delete":
            del raw[at : at + draw(st.integers(1, 8))]
        elif action == "cut":
            del raw[at:]
    return bytes(raw)


# -- the properties -------------------------------------------------------------------------------


def test_every_builtin_model_renamed_imports_once_and_is_then_recognised(db, administrator, tmp_path):
    """The baseline the fuzz damages: an undamaged file with an id of its own imports once; the
    built-in file itself is refused for reusing a built-in id."""
    for name, text in BUILTIN_TEXTS.items():
        own = tmp_path / f"own-{name}"
        own.write_text(ID_LINE.sub(f"id: own-{name.split('.')[0]}", text, count=1), encoding="utf-8")
        first = import_or_refuse(db, administrator, own)
        again = import_or_refuse(db, administrator, own)  # the same file again: not created twice
        assert first is not None and first.created
        assert again is not None and not again.created
        before = dump(db)
        with pytest.raises(InputError) as refused, db.transaction() as tx:
            import_model(tx, administrator, BUILTIN_DIR / name, now=NOW)
        assert f"'{name.split('.')[0]}'" in refused.value.message
        assert dump(db) == before
    with db.transaction() as tx:
        assert tx.exec(sql("SELECT count(*) FROM custom_model")).one()[0] == len(BUILTIN_TEXTS)


@FUZZ
@given(text=damaged_model_text())
def test_a_damaged_model_file_loads_or_is_refused_clearly_and_changes_nothing(db, administrator, tmp_path, text):
    path = tmp_path / "model.yaml"
    path.write_bytes(text.encode("utf-8", errors="surrogatepass"))

    import_or_refuse(db, administrator, path)


@BYTES_FUZZ
@given(raw=damaged_model_bytes())
def test_a_model_file_with_damaged_bytes_or_another_encoding_loads_or_is_refused(db, administrator, tmp_path, raw):
    path = tmp_path / "model.yaml"
    path.write_bytes(raw)

    import_or_refuse(db, administrator, path)


@BYTES_FUZZ
@given(raw=st.binary(max_size=2000))
def test_random_bytes_as_a_model_file_are_refused_and_change_nothing(db, administrator, tmp_path, raw):
    path = tmp_path / "model.yaml"
    path.write_bytes(raw)

    before = dump(db)
    with pytest.raises(InputError) as refused, db.transaction() as tx:
        import_model(tx, administrator, path, now=NOW)
    assert refused.value.message.strip()
    assert dump(db) == before


HOSTILE_FILES = {
    "empty": b"",
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "utf-16-with-bom": BUILTIN_TEXTS["four-domains.v1.yaml"].encode("utf-16"),
    "utf-32": BUILTIN_TEXTS["four-domains.v1.yaml"].encode("utf-32"),
    "nul-in-the-middle": BUILTIN_TEXTS["four-domains.v1.yaml"].replace("version: 1", "version: \x001").encode(),
    "version-beyond-64-bits": ID_LINE.sub("id: huge", BUILTIN_TEXTS["four-domains.v1.yaml"], count=1)
    .replace("version: 1", "version: 99999999999999999999999")
    .encode(),
    "version-a-float": BUILTIN_TEXTS["four-domains.v1.yaml"].replace("version: 1", "version: 1.0").encode(),
    "deep-block-nesting": (
        BUILTIN_TEXTS["four-domains.v1.yaml"] + "closing:\n" + "".join("  " * n + "  - \n" for n in range(2000))
    ).encode(),
    "deep-flow-nesting": (BUILTIN_TEXTS["four-domains.v1.yaml"] + "closing: " + "{a: " * 3000 + "}" * 3000).encode(),
    "python-tag": b"id: !!python/object/apply:os.system ['echo hacked']\nversion: 1\n",
    "billion-laughs": b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n",
    "latin-1-accents": BUILTIN_TEXTS["four-domains.v1.yaml"].encode("latin-1", errors="replace"),
}


@pytest.mark.parametrize("raw", HOSTILE_FILES.values(), ids=HOSTILE_FILES.keys())
def test_hostile_model_files_are_refused_with_a_message_and_change_nothing(db, administrator, tmp_path, raw):
    path = tmp_path / "model.yaml"
    path.write_bytes(raw)

    before = dump(db)
    with pytest.raises(InputError) as refused, db.transaction() as tx:
        import_model(tx, administrator, path, now=NOW)
    assert refused.value.message.strip()
    assert dump(db) == before
