"""Import the social map from a CSV file (a municipality's list, a practice's own spreadsheet).

One row is one offering with its organisation. Organisations are matched by name and postal
code and created when new; an existing organisation is left as it is (the import adds, it does
not overwrite what someone checked by hand). Every row is checked with the editor's validation;
a row with problems is reported with its line in the file and every reason, the good rows are
written in the caller's transaction, so a failure half-way leaves nothing behind.

Excel is the usual source: Dutch Excel writes ``;`` between cells and cp1252 or UTF-8 with a
BOM, so those are read as well as plain ``,``-separated UTF-8.

Importing needs ``EDIT_SOCIAL_MAP``; one audit entry records what a file added (counts only).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

from sqlmodel import Session, select

from broadtalk import audit
from broadtalk.audit import require
from broadtalk.errors import InputError, os_reason
from broadtalk.files import FileTooLarge, NotAnOrdinaryFile, read_limited
from broadtalk.i18n import _, ngettext, translations_for
from broadtalk.life_domains import TAGS
from broadtalk.permissions import Permission
from broadtalk.practitioners import Actor
from broadtalk.social_map import (
    KINDS,
    InvalidEntry,
    OfferingInput,
    OrganisationInput,
    add_checked_offering,
    add_checked_organisation,
    validate_offering,
    validate_organisation,
)
from broadtalk.store.tables import Offering, Organisation
from broadtalk.text import clean_line, fold

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000

#: Each column's accepted headers: English first, then Dutch, then other spellings (compared
#: folded, without spaces, dashes and underscores).
COLUMNS: dict[str, tuple[str, ...]] = {
    "organisation": ("organisation", "organisatie", "organization"),
    "offering": ("offering", "aanbod"),
    "kind": ("kind", "soort", "soort aanbod"),
    "domains": ("domains", "domeinen", "life domains", "levensdomeinen"),
    "contact_function": ("contact_function", "contactfunctie"),
    "phone": ("phone", "telefoon", "telefoonnummer"),
    "email": ("email", "e-mail", "e-mailadres"),
    "address": ("address", "adres"),
    "postal_code": ("postal_code", "postcode"),
    "city": ("city", "plaats", "woonplaats"),
    "opening_hours": ("opening_hours", "openingstijden"),
    "last_checked": ("last_checked", "laatst_gecontroleerd"),
    "description": ("description", "omschrijving"),
    "website": ("website", "website", "webadres"),
}
REQUIRED = ("organisation", "offering", "kind", "domains", "contact_function")

#: Dutch names of kinds and tags as people write them, so a Dutch file reads before (and besides)
#: the catalog's translations of the labels.
DUTCH_KINDS: dict[str, str] = {
    "welzijnscoach": "welfare_coach",
    "welzijn op recept": "welfare_coach",
    "schuldhulpverlening": "debt_counselling",
    "schuldhulp": "debt_counselling",
    "wijkteam": "neighbourhood_team",
    "buurtteam": "neighbourhood_team",
    "wijkteam / buurtteam": "neighbourhood_team",
    "buurthuis": "community_centre",
    "buurthuis-activiteit": "community_centre",
    "buurthuisactiviteit": "community_centre",
    "huisarts": "gp",
    "wijkverpleging": "district_nurse",
    "wijkverpleegkundige": "district_nurse",
    "ggz": "mental_health",
    "ggz / poh-ggz": "mental_health",
    "poh-ggz": "mental_health",
    "maatschappelijk werk": "social_work",
    "mantelzorgondersteuning": "informal_care",
    "mantelzorg": "informal_care",
    "vrijwilligerswerk": "volunteer_work",
    "anders": "other",
    "overig": "other",
}
DUTCH_TAGS: dict[str, str] = {
    "lichaam": "body",
    "lichamelijke gezondheid": "body",
    "geest": "mind",
    "psychische gezondheid": "mind",
    "zingeving": "meaning",
    "zingeving en kwaliteit van leven": "meaning",
    "meedoen": "participation",
    "participatie": "participation",
    "meedoen en dagbesteding": "participation",
    "dagbesteding": "participation",
    "werk": "work",
    "werk en opleiding": "work",
    "dagelijks leven": "daily-life",
    "dagelijks leven en zelfzorg": "daily-life",
    "zelfzorg": "daily-life",
    "geld": "money",
    "financien": "money",
    "schulden": "money",
    "geld en schulden": "money",
    "wonen": "housing",
    "huisvesting": "housing",
    "netwerk": "network",
    "sociaal netwerk": "network",
    "eenzaamheid": "network",
    "familie, vrienden en eenzaamheid": "network",
    "alcohol en drugs": "substance-use",
    "middelengebruik": "substance-use",
    "verslaving": "substance-use",
    "justitie": "justice",
}
TAG_SEPARATOR = re.compile(r"[;,|]")


@dataclass(frozen=True)
class RejectedRow:
    """A row that was not imported: its line in the file and why (every reason, one sentence each)."""

    line: int
    reason: str
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportReport:
    imported: int
    organisations_created: int
    rejected: list[RejectedRow]
    duplicates_skipped: int
    #: The skipped duplicate rows, with their lines, so the report can say which.
    duplicates: list[RejectedRow] = field(default_factory=list)
    #: Headers in the file that are not a column of the social map (their cells are not read).
    ignored_columns: tuple[str, ...] = ()

    @property
    def rows_read(self) -> int:
        return self.imported + len(self.rejected) + self.duplicates_skipped


def _header_key(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", fold(text))


_HEADER_KEYS = {_header_key(alias): column for column, aliases in COLUMNS.items() for alias in aliases}


def column_names() -> dict[str, str]:
    """Each column with its Dutch and English header, as the messages name them."""
    return {column: " / ".join(dict.fromkeys((aliases[1], aliases[0]))) for column, aliases in COLUMNS.items()}


# -- reading the file -----------------------------------------------------------------------------


def read_social_map_csv(path: Path) -> str:
    """The text of a social-map CSV file, judged by type and size before it is read."""
    try:
        raw = read_limited(path, MAX_BYTES)
    except FileNotFoundError:
        raise InputError(_("The file {path} does not exist; check the name and folder.").format(path=path)) from None
    except IsADirectoryError:
        raise InputError(_("{path} is a folder, not a CSV file; choose a file.").format(path=path)) from None
    except NotAnOrdinaryFile:
        raise InputError(
            _("{path} is not an ordinary file (a device or a pipe); save the social map as a CSV file.").format(
                path=path
            )
        ) from None
    except FileTooLarge as error:
        raise InputError(
            _(
                "The file is {size} MB; a social map file may be at most {limit} MB. Split it into smaller files."
            ).format(size=round(error.size / 1024 / 1024, 1), limit=MAX_BYTES // 1024 // 1024)
        ) from None
    except OSError as error:
        raise InputError(
            _("The file {path} cannot be read ({reason}).").format(path=path, reason=os_reason(error))
        ) from None
    return _decode(raw)


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), Excel's UTF-16 'Unicode text', or else Windows' cp1252."""
    not_text = _("This file is not a text file; save the spreadsheet as CSV (separated by ; or ,).")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(not_text) from None
    if b"\x00" in raw:
        raise InputError(not_text)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        raise InputError(
            _("This file's characters cannot be read; save it as 'CSV UTF-8 (comma delimited)' and import it again.")
        ) from None


def _recognised(cells: list[str]) -> int:
    return sum(1 for cell in cells if _header_key(cell) in _HEADER_KEYS)


def _first_row(line: str, delimiter: str) -> list[str]:
    # A line csv cannot split (a cell beyond its size limit) names no columns; reading the rows
    # reports it with its line.
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return []


def _delimiter(text: str) -> str:
    """The delimiter that splits the header into the most known columns; else csv.Sniffer's guess."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: _recognised(_first_row(first, d)) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    if counts[best]:
        return best
    try:
        return csv.Sniffer().sniff(text[:8192], delimiters=";,\t").delimiter
    except csv.Error:
        return ","


def _rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Each non-empty row with the line in the file it starts on (quoted cells may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise InputError(
                _("Line {line} of the file cannot be read as CSV ({reason}); check its quotes.").format(
                    line=line, reason=error
                )
            ) from None
        if any(cell.strip() for cell in cells):
            yield line, cells


def _columns(header: list[str]) -> tuple[dict[str, int], tuple[str, ...]]:
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for index, cell in enumerate(header):
        column = _HEADER_KEYS.get(_header_key(cell))
        if column is None:
            if cell.strip():
                ignored.append(cell.strip())
        elif column not in positions:
            positions[column] = index
    missing = [column for column in REQUIRED if column not in positions]
    if missing:
        names = column_names()
        found = ", ".join(f"'{cell.strip()}'" for cell in header if cell.strip()) or _("none")
        raise InputError(
            ngettext(
                "The file has no column {missing}; the first row must name the columns. Columns found: {found}.",
                "The file has no columns {missing}; the first row must name the columns. Columns found: {found}.",
                len(missing),
            ).format(missing=", ".join(f"'{names[column]}'" for column in missing), found=found)
        )
    return positions, tuple(ignored)


# -- kinds and tags as people write them ----------------------------------------------------------


@cache
def _label_lookup(vocabulary: str) -> dict[str, str]:
    """Folded code, English label, each catalog's translation and the Dutch names -> code."""
    codes, dutch = (KINDS, DUTCH_KINDS) if vocabulary == "kinds" else (TAGS, DUTCH_TAGS)
    lookup = {fold(name): code for name, code in dutch.items()}
    for code, label in codes.items():
        lookup[fold(code)] = code
        lookup[fold(code.replace("_", " ").replace("-", " "))] = code
        lookup[fold(label)] = code
        for language in ("nl", "en"):
            lookup[fold(translations_for(language).gettext(label))] = code
    return lookup


def resolve_kind(text: str) -> str:
    """A kind's code from a code or a Dutch or English label; unknown text is returned as it is,
    so validation names it."""
    text = clean_line(text)
    return _label_lookup("kinds").get(fold(text), text)


def resolve_tags(text: str) -> list[str]:
    """Tags from a cell like 'geld; wonen' or 'money, Housing'; unknown ones stay as they are."""
    lookup = _label_lookup("tags")
    cell = clean_line(text)
    whole = lookup.get(fold(cell))
    if whole is not None:  # a label with a comma in it, e.g. "Family, friends and loneliness"
        return [whole]
    return [lookup.get(fold(part.strip()), part.strip()) for part in TAG_SEPARATOR.split(cell) if part.strip()]


# -- the import -----------------------------------------------------------------------------------


def _reasons(
    organisation: OrganisationInput,
    offering: OfferingInput,
    today: date,
    positions: dict[str, int],
    headers: dict[str, str],
) -> tuple[dict[str, object], dict[str, object], list[str]]:
    """Both halves of the row checked by the editor's rules; every problem named by its column."""
    problems: list[tuple[str, str]] = []  # (column, message)
    organisation_values: dict[str, object] = {}
    offering_values: dict[str, object] = {}
    try:
        organisation_values = validate_organisation(organisation, today)
    except InvalidEntry as invalid:
        problems += [({"name": "organisation"}.get(name, name), message) for name, message in invalid.problems.items()]
    try:
        offering_values = validate_offering(offering)
    except InvalidEntry as invalid:
        columns = {"name": "offering", "domain_tags": "domains"}
        problems += [(columns.get(name, name), message) for name, message in invalid.problems.items()]
    # In the order of the columns in the file, as someone correcting the row reads it.
    problems.sort(key=lambda problem: positions.get(problem[0], len(positions)))
    # Named as the file names them, so the cell is found; a column the file lacks by its standard name.
    names = column_names() | headers
    reasons = [_("{column}: {problem}").format(column=names[column], problem=message) for column, message in problems]
    return organisation_values, offering_values, reasons


def import_social_map(
    tx: Session, actor: Actor, path: Path | str, today: date, *, now: datetime | None = None
) -> ImportReport:
    """Read the file and add its good rows in ``tx``; the caller commits (or, on failure, nothing)."""
    require(actor, Permission.EDIT_SOCIAL_MAP)
    now = now or datetime.now(UTC)
    text = read_social_map_csv(Path(path))
    rows = _rows(text, _delimiter(text))
    header = next(rows, None)
    if header is None:
        raise InputError(_("The file is empty; it needs a first row with the column names and a row per offering."))
    positions, ignored = _columns(header[1])
    records = list(rows)
    if len(records) > MAX_ROWS:
        raise InputError(
            _(
                "The file has {count} rows; at most {limit} can be imported at once. Split it into smaller files."
            ).format(count=len(records), limit=MAX_ROWS)
        )

    organisations = {
        (fold(row.name), row.postal_code): row.id for row in tx.exec(select(Organisation)).all() if row.id is not None
    }
    offerings = {
        (organisation_id, fold(name))
        for organisation_id, name in tx.exec(select(Offering.organisation_id, Offering.name))
    }
    rejected: list[RejectedRow] = []
    duplicates: list[RejectedRow] = []
    imported = created = 0
    width = len(header[1])
    headers = {column: header[1][index].strip() for column, index in positions.items()}

    for line, cells in records:
        values = {column: cells[index].strip() if index < len(cells) else "" for column, index in positions.items()}
        cell = values.get
        organisation = OrganisationInput(
            name=cell("organisation", ""),
            address=cell("address", ""),
            postal_code=cell("postal_code", ""),
            city=cell("city", ""),
            website=cell("website", ""),
            opening_hours=cell("opening_hours", ""),
            last_checked=cell("last_checked", ""),
        )
        # The row's phone and e-mail are the contact function's: they belong to the offering.
        offering = OfferingInput(
            organisation_id=0,
            name=cell("offering", ""),
            kind=resolve_kind(cell("kind", "")),
            domain_tags=resolve_tags(cell("domains", "")),
            contact_function=cell("contact_function", ""),
            phone=cell("phone", ""),
            email=cell("email", ""),
            description=cell("description", ""),
        )
        organisation_values, offering_values, reasons = _reasons(organisation, offering, today, positions, headers)
        if any(value.strip() for value in cells[width:]):
            reasons.insert(
                0,
                _(
                    "This row has {count} cells where the first row names {columns} columns; "
                    "a ; or , inside a cell needs quotes around the cell."
                ).format(count=len(cells), columns=width),
            )
        if reasons:
            rejected.append(RejectedRow(line, " ".join(reasons), tuple(reasons)))
            continue

        key = (fold(str(organisation_values["name"])), str(organisation_values["postal_code"]))
        organisation_id = organisations.get(key)
        name = str(offering_values["name"])
        if organisation_id is not None and (organisation_id, fold(name)) in offerings:
            message = _("'{offering}' of {organisation} is already on the social map; this row was skipped.").format(
                offering=name, organisation=organisation_values["name"]
            )
            duplicates.append(RejectedRow(line, message, (message,)))
            continue
        if organisation_id is None:
            organisation_id = add_checked_organisation(tx, organisation, now).id
            organisations[key] = organisation_id
            created += 1
        # Checked above with the editor's rules, duplicates included: stored without asking again.
        add_checked_offering(tx, offering_values, organisation_id, now)
        offerings.add((organisation_id, fold(name)))
        imported += 1

    tx.flush()
    audit.record(
        tx,
        actor,
        audit.Action.CREATE,
        object_type="social_map_import",
        detail=f"offerings={imported} organisations={created} rejected={len(rejected)}",
        now=now,
    )
    return ImportReport(
        imported=imported,
        organisations_created=created,
        rejected=rejected,
        duplicates_skipped=len(duplicates),
        duplicates=duplicates,
        ignored_columns=ignored,
    )
