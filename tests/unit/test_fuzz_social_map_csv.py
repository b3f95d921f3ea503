"""Fuzz: social map CSV files -- generated with hostile cells, damaged byte by byte, or random
bytes -- go through ``import_social_map`` on a real database. Always a report or a clear
InputError, never another exception; a refused file changes nothing in the database; an
accepted file's imported rows are all there with their values, every other row is reported by
its line, and the database gains only the new organisations, offerings and one audit entry.

tests/unit/test_social_map_import.py checks the import on hand-written files; this file adds
the random ones.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import text as sql

from broadtalk.errors import BroadtalkError, InputError
from broadtalk.social_map_import import COLUMNS, REQUIRED, ImportReport, import_social_map, resolve_kind
from broadtalk.store.database import Database
from broadtalk.text import clean_block, clean_line, fold
from tests import engines
from tests.conftest import NOW

TODAY = NOW.date()
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
#: Python's csv module refuses a cell longer than this (the import says so, as an InputError).
CSV_FIELD_LIMIT = csv.field_size_limit()

DUTCH_FILE = (
    "Organisatie;Aanbod;Soort;Domeinen;Contactfunctie;Telefoon;E-mail;Adres;Postcode;Plaats;"
    "Openingstijden;Laatst gecontroleerd;Omschrijving;Website\r\n"
    'Stichting Welzijn Overvecht;Welzijn op Recept;Welzijnscoach;"Zingeving; Meedoen";Welzijnscoach Overvecht;'
    "030 123 45 67;coach@welzijn.nl;Zamenhofdreef 12;3562 JT;Utrecht;ma-vr 9-17;15-01-2026;Samen zoeken;"
    "www.welzijn.nl\r\n"
    "Schuldhulp Utrecht;Schuldhulpmaatje;Schuldhulpverlening;Geld en schulden;Coördinator schuldhulp;"
    '030-2861234;;Stadsplateau 1;3521 AZ;Utrecht;"di 9-12\r\ndo 13-16";2025-11-30;;\r\n'
)


# -- the database, exactly ------------------------------------------------------------------------


def dump(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (schema included), in a stable order."""
    return engines.dump(db)


def added_rows(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """The rows appended to each table; fails when a row that was there changed or went."""
    assert set(before) == set(after)
    grown = {}
    for table, rows in after.items():
        old = before[table]
        assert rows[: len(old)] == old, f"rows of {table} changed or went"
        if len(rows) > len(old):
            grown[table] = rows[len(old) :]
    return grown


@dataclass(frozen=True)
class OfferingRow:
    organisation: str  # folded: a row joins an organisation of the same name in other capitals
    name: str
    kind: str
    contact_function: str
    description: str


def offerings(db: Database) -> dict[int, OfferingRow]:
    """Every offering on the map by id, with its organisation's name."""
    with db.engine.connect() as connection:
        rows = connection.execute(
            sql(
                "SELECT offering.id, organisation.name, offering.name, offering.kind, offering.contact_function, "
                "offering.description FROM offering JOIN organisation ON organisation.id = offering.organisation_id "
                "ORDER BY offering.id"
            )
        ).all()
    return {row[0]: OfferingRow(fold(row[1]), *row[2:]) for row in rows}


def import_or_refuse(db: Database, actor, path: Path) -> ImportReport | None:
    """The properties every file must have, whatever is in it; the report, or None when refused."""
    before = dump(db)
    try:
        with db.transaction() as tx:
            report = import_social_map(tx, actor, path, TODAY, now=NOW)
    except BroadtalkError as error:
        assert isinstance(error, InputError), f"{type(error).__name__}: {error.message}"
        assert error.message.strip() and "Traceback" not in error.message
        assert dump(db) == before, "a refused file changed the database"
        event("file refused")
        return None

    after = dump(db)
    grown = added_rows(before, after)
    assert set(grown) <= {"organisation", "offering", "audit_entry"}, set(grown)
    assert len(grown.get("organisation", [])) == report.organisations_created
    assert len(grown.get("offering", [])) == report.imported
    [entry] = grown["audit_entry"]  # one entry per file, with counts only
    counts = f"offerings={report.imported} organisations={report.organisations_created} rejected={len(report.rejected)}"
    assert counts in entry
    for row in [*report.rejected, *report.duplicates]:
        assert row.line >= 1 and row.reason.strip() and all(reason.strip() for reason in row.reasons)
    lines = [row.line for row in [*report.rejected, *report.duplicates]]
    assert len(lines) == len(set(lines)), "a line was reported twice"
    assert report.duplicates_skipped == len(report.duplicates)
    event("file read: some rows imported" if report.imported else "file read: no rows imported")
    return report


# -- generated files: every row accounted for -----------------------------------------------------

HOSTILE_PIECES = st.sampled_from(
    [";", ",", "\t", '"', "'", "\n", "\r\n", "\r", " ", "\ufeff", "\u2028", "\x85", "é", "ß", "€", "Ç", "😀", "\\"]
)
HOSTILE = st.lists(st.one_of(st.characters(blacklist_categories=["Cs"]), HOSTILE_PIECES), max_size=30).map("".join)
HUGE = st.sampled_from([2_000, 30_000, CSV_FIELD_LIMIT + 1]).map(lambda n: "x" * n)
NUL = st.just("a\x00b")


def mostly(
    good: list[str] | st.SearchStrategy[str], bad: list[str], *, hostile_is_good: bool = False
) -> st.SearchStrategy[str]:
    """A cell: mostly a value the map accepts (so rows get imported), else a wrong or hostile one."""
    good_cell = good if isinstance(good, st.SearchStrategy) else st.sampled_from(good)
    if hostile_is_good:
        good_cell = good_cell | HOSTILE.map(lambda text: "Naam " + text)
    return st.integers(0, 19).flatmap(
        lambda n: good_cell if n < 18 else (st.sampled_from(bad) if n == 18 else st.one_of(HOSTILE, HUGE, NUL))
    )


def numbered(names: list[str]) -> st.SearchStrategy[str]:
    """A name, often with a number: new offerings and organisations, not only duplicates."""
    return st.tuples(st.sampled_from(names), st.integers(0, 10**6)).map(
        lambda pair: pair[0] if pair[1] % 3 == 0 else f"{pair[0]} {pair[1]}"
    )


ROW = st.fixed_dictionaries(
    {
        "organisation": mostly(
            numbered(
                ["Stichting Welzijn Overvecht", "stichting welzijn overvecht", "Schuldhulp Utrecht", "Café De Kroon"]
            ),
            [""],
            hostile_is_good=True,
        ),
        "offering": mostly(numbered(["Welzijn op Recept", "Buurtmaaltijd", "Spreekuur"]), [""], hostile_is_good=True),
        "kind": mostly(["Welzijnscoach", "schuldhulpverlening", "debt_counselling", "GP", " wijkteam "], ["yoga", ""]),
        "domains": mostly(
            ["geld; wonen", "money, housing", "Family, friends and loneliness", "lichaam|geest"], ["geluk", ""]
        ),
        "contact_function": mostly(["Welzijnscoach Overvecht", "Balie", "Gastvrouw café"], [""], hostile_is_good=True),
        "description": mostly(["", "Samen zoeken", "regel 1\nregel 2"], ["x" * 4001], hostile_is_good=True),
        "phone": mostly(["", "030 123 45 67", "+31 (0)30 700 00 00"], ["bel ons", "1" * 41]),
        "email": mostly(["", "coach@welzijn.nl"], ["info@"]),
        "postal_code": mostly(["", "3562 JT", "3562jt"], ["ABCDEFGHIJKL"]),
        "city": mostly(["", "Utrecht", "'s-Hertogenbosch"], ["x" * 101], hostile_is_good=True),
        "last_checked": mostly(["", "15-01-2026", "2025-11-30"], ["01-01-2099", "gisteren"]),
        "website": mostly(["", "www.welzijn.nl", "https://example.org/kaart"], ["niet bekend"]),
        "address": mostly(["", "Zamenhofdreef 12"], ["x" * 201], hostile_is_good=True),
        "opening_hours": mostly(["", "ma-vr 9-17", "di 9-12\ndo 13-16"], ["x" * 2001], hostile_is_good=True),
    }
)


def header_cell(column: str) -> st.SearchStrategy[str]:
    spellings = st.sampled_from(COLUMNS[column])
    return st.tuples(spellings, st.sampled_from([str, str.upper, str.title]), st.sampled_from(["", " "])).map(
        lambda parts: parts[2] + parts[1](parts[0]) + parts[2]
    )


@dataclass
class CsvFile:
    raw: bytes
    text: str
    columns: list[str]  # the column of each header cell ("" for one the map does not know)
    rows: list[list[str]]  # the data rows as written
    lines: list[int]  # the line each data row starts on
    encoding: str


LINE_BREAK = re.compile(r"\r\n|\r|\n")  # what the import's reader counts as a line


@st.composite
def csv_files(draw: st.DrawFn) -> CsvFile:
    columns = draw(st.permutations(list(COLUMNS)))
    columns = columns[: draw(st.integers(len(REQUIRED), len(columns)))]
    if draw(st.integers(0, 9)) == 0:  # now and then a required column is missing
        columns = [c for c in columns if c != draw(st.sampled_from(REQUIRED))]
    elif not set(REQUIRED) <= set(columns):
        columns += [c for c in REQUIRED if c not in columns]
    if draw(st.booleans()):
        columns.insert(draw(st.integers(0, len(columns))), "")  # a column the social map does not know
    header = [draw(header_cell(c)) if c else "Wethouder" for c in columns]

    rows = []
    for values in draw(st.lists(ROW, max_size=12)):
        row = [values[c] if c else draw(HOSTILE) for c in columns]
        if draw(st.integers(0, 9)) == 0:
            row.append(draw(HOSTILE))  # a cell more than the header names
        if draw(st.integers(0, 9)) == 0:
            row = [""] * len(columns)  # an empty row, skipped
        rows.append(row)

    delimiter = draw(st.sampled_from([";", ",", "\t"]))
    terminator, quoting = draw(st.sampled_from([("\r\n", csv.QUOTE_MINIMAL), ("\n", csv.QUOTE_ALL)]))
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator=terminator, quoting=quoting)
    writer.writerow(header)
    lines = []
    for row in rows:
        lines.append(len(LINE_BREAK.findall(out.getvalue())) + 1)
        writer.writerow(row)
    text = out.getvalue()

    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError:
        encoding, raw = "utf-8", text.encode("utf-8")
    if encoding == "cp1252" and not text.isascii():
        try:
            raw.decode("utf-8")
            encoding, raw = "utf-8", text.encode("utf-8")  # cp1252 bytes that read as UTF-8: ambiguous
        except UnicodeDecodeError:
            pass
    return CsvFile(raw, text, columns, rows, lines, encoding)


def must_be_accepted(file: CsvFile) -> bool:
    """Files the import has no reason to refuse as a whole."""
    return (
        set(REQUIRED) <= set(file.columns)
        and not (file.encoding != "utf-16" and "\x00" in file.text)
        and all(len(value) <= CSV_FIELD_LIMIT for row in file.rows for value in row)
    )


@FUZZ
@given(file=csv_files())
def test_a_generated_file_is_imported_row_by_row_or_refused_whole(db, actor, tmp_path, file):
    path = tmp_path / "kaart.csv"
    path.write_bytes(file.raw)
    known = set(offerings(db))

    report = import_or_refuse(db, actor, path)

    if report is None:
        assert not must_be_accepted(file), "a readable file with every required column was refused"
        return
    position = {column: index for index, column in enumerate(file.columns) if column}
    read = [(line, row) for line, row in zip(file.lines, file.rows, strict=True) if any(v.strip() for v in row)]
    assert report.rows_read == len(read)
    skipped = {row.line for row in report.rejected} | {row.line for row in report.duplicates}
    assert skipped <= {line for line, _ in read}, "a reported line is not the line of a row"

    def value(row: list[str], column: str) -> str:
        return row[position[column]].strip() if column in position else ""

    # Every row not reported is on the map, in the order of the file, with its values as cleaned on entry.
    on_the_map = offerings(db)
    assert [on_the_map[id] for id in sorted(set(on_the_map) - known)] == [
        OfferingRow(
            organisation=fold(clean_line(value(row, "organisation"))),
            name=clean_line(value(row, "offering")),
            kind=resolve_kind(value(row, "kind")),
            contact_function=clean_line(value(row, "contact_function")),
            description=clean_block(value(row, "description")),
        )
        for line, row in read
        if line not in skipped
    ]
    # A skipped duplicate is on the map (from before, or from an earlier row of this file).
    names = {(o.organisation, fold(o.name)) for o in on_the_map.values()}
    duplicates = {row.line for row in report.duplicates}
    for line, row in read:
        if line in duplicates:
            assert (fold(clean_line(value(row, "organisation"))), fold(clean_line(value(row, "offering")))) in names


# -- damaged and random bytes ---------------------------------------------------------------------

DAMAGE = st.sampled_from(["flip", "insert", "nul", "bom", "quote", "delimiter", "newline", "huge", "delete", "cut"])


@st.composite
def damaged_files(draw: st.DrawFn) -> bytes:
    base = draw(st.one_of(st.just(DUTCH_FILE.encode("utf-8")), st.just(DUTCH_FILE.encode("cp1252")), csv_files()))
    raw = bytearray(base.raw if isinstance(base, CsvFile) else base)
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(raw)))
        action = draw(DAMAGE)
        if action == "flip" and at < len(raw):
            raw[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "insert":
            raw[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif action == "nul":
            raw[at:at] = b"\x00"
        elif action == "bom":
            raw[at:at] = draw(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]))
        elif action in ("quote", "delimiter", "newline"):
            raw[at:at] = draw(
                st.sampled_from(
                    {"quote": [b'"', b"'"], "delimiter": [b";", b",", b"\t"], "newline": [b"\r", b"\n", b"\r\n"]}[
                        action
                    ]
                )
            )
        elif action == "huge":
            raw[at:at] = b"y" * draw(st.sampled_from([10_000, CSV_FIELD_LIMIT + 10]))
        elif action == "delete":
            del raw[at : at + draw(st.integers(1, 20))]
        else:
            del raw[at:]
    return bytes(raw)


@FUZZ
@given(raw=damaged_files())
def test_a_damaged_file_is_read_or_refused_and_a_refusal_changes_nothing(db, actor, tmp_path, raw):
    path = tmp_path / "kaart.csv"
    path.write_bytes(raw)

    report = import_or_refuse(db, actor, path)

    if report is not None:
        assert report.rows_read <= max(1, raw.count(b"\n") + raw.count(b"\r"))


@FUZZ
@given(raw=st.binary(max_size=3000))
def test_random_bytes_are_refused_or_read_without_an_unexpected_error(db, actor, tmp_path, raw):
    path = tmp_path / "kaart.csv"
    path.write_bytes(raw)

    import_or_refuse(db, actor, path)


HOSTILE_FILES = {
    "only-a-bom": b"\xef\xbb\xbf",
    "utf-16-bom-then-odd-bytes": b"\xff\xfe\x00",
    "cell-beyond-the-csv-limit": b"organisatie;aanbod;soort;domeinen;contactfunctie\r\nWijk;"
    + b"x" * (CSV_FIELD_LIMIT + 1)
    + b";anders;geld;Balie\r\n",
    "nul-in-a-cell": b"organisatie;aanbod;soort;domeinen;contactfunctie\r\nWijk;Hu\x00lp;anders;geld;Balie\r\n",
    "undefined-cp1252-bytes": b"organisatie;aanbod;soort;domeinen;contactfunctie\r\nWijk\x81\x8d;Hulp;anders;geld;Balie\r\n",
    "no-known-columns": b"a;b;c\r\n1;2;3\r\n",
}


@pytest.mark.parametrize("raw", HOSTILE_FILES.values(), ids=HOSTILE_FILES.keys())
def test_hostile_files_are_refused_with_a_message_and_change_nothing(db, actor, tmp_path, raw):
    path = tmp_path / "kaart.csv"
    path.write_bytes(raw)

    before = dump(db)
    with pytest.raises(InputError) as refused, db.transaction() as tx:
        import_social_map(tx, actor, path, TODAY, now=NOW)
    assert refused.value.message.strip()
    assert dump(db) == before
