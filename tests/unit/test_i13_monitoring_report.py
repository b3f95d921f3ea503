"""The monitor's exports (issue 13): the CSV file parsed back (every section, "< 10" never a
number, the Dutch and the English conventions, the formula guard), the PDF report read back
(every table, shown numbers, no suppressed value, no personal data in its metadata), both
owner-only and whole or not at all; and once through ``monitor()`` on a small practice."""

from __future__ import annotations

import csv
import io
import os
import stat
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from broadtalk import i18n
from broadtalk.errors import InputError
from broadtalk.monitoring import (
    DomainMovement,
    DomainScores,
    DomainWanted,
    EquityRow,
    EquityTable,
    Figures,
    OrganisationReferrals,
    ReferralSummary,
    equity,
    monitor,
)
from broadtalk.monitoring_report import (
    ReportNames,
    parse_period,
    period_label,
    report_tables,
    suppression_sentence,
    write_csv,
    write_pdf,
)
from broadtalk.monitoring_suppression import Cell, Filter, Period
from tests.unit.test_i13_monitoring import Q1, TODAY, practice  # noqa: F401 (the fixture)

#: A suppressed cell that (against the rule) still holds a value: the exports must never show it.
HIDDEN = 777


def hidden() -> Cell:
    return Cell(HIDDEN, True)


def shown(value: float) -> Cell:
    return Cell(value)


PRACTITIONER = "Anouk de Vries"
PRACTICE = "Huisartsenpraktijk De Linde"
DAY = date(2026, 12, 3)
NAMES = ReportNames(PRACTITIONER, {"positive-health": "Positive health", "four-domains": "Four domains"})


def figures() -> Figures:
    statuses = ("sent", "accepted", "first_contact", "feedback_received", "closed", "declined")
    return Figures(
        filter=Filter(Period(2026), practitioner_id=3),
        clients_total=shown(1412),
        clients_per_month={m: hidden() if m == 5 else shown(30 + m) for m in range(1, 13)},
        clients_per_model={"positive-health": shown(300), "four-domains": hidden()},
        scores=(
            DomainScores(
                "positive-health",
                "bodily-functions",
                "Bodily functions",
                shown(120),
                {p: hidden() if p in (0, 10) else shown(11 + p) for p in range(11)},
            ),
        ),
        movement=(
            DomainMovement(
                "positive-health",
                "bodily-functions",
                "Bodily functions",
                shown(40),
                shown(22),
                hidden(),
                hidden(),
                shown(-1.5),
            ),
        ),
        wanted=(
            DomainWanted("positive-health", "meaning", '=HYPERLINK("http://x")', shown(15)),
            DomainWanted("four-domains", "social", "Social", hidden()),
        ),
        organisations=(
            OrganisationReferrals(
                1,
                "Welzijn Stad",
                shown(24),
                dict(zip(statuses, (hidden(), hidden(), shown(0), shown(12), shown(0), shown(0)), strict=True)),
            ),
            OrganisationReferrals(
                2,
                "+31 Schuldhulp",
                shown(13),
                dict(zip(statuses, (hidden(), hidden(), shown(0), shown(0), shown(0), shown(0)), strict=True)),
            ),
            OrganisationReferrals(
                3, "@Buurtteam", hidden(), dict(zip(statuses, (hidden(),) + (shown(0),) * 5, strict=True))
            ),
        ),
        referrals=ReferralSummary(shown(37), shown(12), shown(25), shown(12), shown(32.4), shown(10.5)),
    )


def equities() -> list[EquityTable]:
    view = Filter(Period(2026), practitioner_id=3)

    def row(group: str, score: float | None = None) -> EquityRow:
        return EquityRow(
            group, score, shown(1000), shown(100), shown(20), hidden(), shown(12), shown(10.0), shown(2.0), hidden()
        )

    return [
        EquityTable(view, "area", (row("3583", 3.5), row("unknown")), row("")),
        EquityTable(view, "age", (row("18-29"), row("65-74")), row("")),
    ]


def suppressed_cells() -> int:
    """How many suppressed cells the figures and equity tables above hold, in the tables."""
    f = figures()
    count = sum(c.suppressed for c in f.clients_per_month.values()) + sum(
        c.suppressed for c in f.clients_per_model.values()
    )
    count += sum(c.suppressed for s in f.scores for c in (s.clients, *s.bins.values()))
    count += sum(c.suppressed for m in f.movement for c in (m.clients, m.up, m.same, m.down, m.median_change))
    count += sum(w.clients.suppressed for w in f.wanted)
    count += sum(c.suppressed for o in f.organisations for c in (o.clients, *o.statuses.values()))
    count += 2 * 3 * 2  # two equity tables of three rows, each with "with feedback" and "Coming back (%)" hidden
    return count


def read_csv(path: Path, delimiter: str) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for Excel"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def sections(rows: list[list[str]]) -> dict[str, list[list[str]]]:
    """Title → [header, rows...]: a section starts after an empty line."""
    found: dict[str, list[list[str]]] = {}
    blocks: list[list[list[str]]] = [[]]
    for row in rows:
        if not row:
            blocks.append([])
        else:
            blocks[-1].append(row)
    for block in blocks[1:]:
        (title,), *rest = block
        found[title] = rest
    return found


@pytest.fixture
def english():
    i18n.set_language("en")


# -- CSV ------------------------------------------------------------------------------------------


def test_the_csv_file_has_the_filter_and_every_table_as_a_headed_section(tmp_path, english):
    path = tmp_path / "monitor.csv"
    write_csv(path, figures(), equities(), names=NAMES, today=DAY)
    rows = read_csv(path, ",")
    assert rows[0] == ["Monitor: the broad conversation and its referrals"]
    top = {row[0]: row[1] for row in rows[1:6]}
    assert top == {
        "Period": "2026",
        "Practitioner": PRACTITIONER,
        "Conversation model": "all",
        "Made on": i18n.format_short_date(DAY),
        "Small numbers": suppression_sentence(),
    }
    found = sections(rows)
    expected = [t.title for t in report_tables(figures(), equities(), NAMES)]
    assert list(found) == expected
    assert "Scores: Positive health, scale 0 to 10" in found
    assert "Reach per postal code area" in found and "Reach per age band" in found
    month = found["Clients with a conversation, per month"]
    assert month[0] == ["Month", "Clients"]
    assert month[1] == ["January", "31"] and month[5] == ["May", "< 10"] and month[-1] == ["Whole period", "1412"]
    area = found["Reach per postal code area"]
    assert area[0] == [
        "Postal code area",
        "Area score",
        "Clients of the practice",
        "With a conversation",
        "With a conversation (%)",
        "Referred",
        "Referred (%)",
        "With feedback",
        "Coming back",
        "Coming back (%)",
    ]
    assert area[1] == ["3583", "3.5", "1000", "100", "10", "20", "2", "< 10", "12", "< 10"]
    assert area[2][:2] == ["Postal code unknown", ""] and area[3][0] == "Whole practice"
    assert found["Reach per age band"][1][0] == "18-29 years"
    for title, (header, *body) in found.items():
        assert all(len(row) == len(header) for row in body), title


def test_a_suppressed_cell_is_written_as_under_ten_and_never_as_its_number(tmp_path, english):
    path = tmp_path / "monitor.csv"
    write_csv(path, figures(), equities(), names=NAMES, today=DAY)
    cells = [cell for row in read_csv(path, ",")[6:] for cell in row]
    assert cells.count("< 10") == suppressed_cells()
    assert not any(str(HIDDEN) in cell for cell in cells)


def test_dutch_uses_semicolons_and_a_decimal_comma_english_commas_and_a_point(tmp_path):
    dutch, english_path = tmp_path / "nl.csv", tmp_path / "en.csv"
    i18n.set_language("nl")
    write_csv(dutch, figures(), equities(), names=NAMES, today=DAY)
    i18n.set_language("en")
    write_csv(english_path, figures(), equities(), names=NAMES, today=DAY)
    nl = [cell for row in read_csv(dutch, ";") for cell in row]
    en = [cell for row in read_csv(english_path, ",") for cell in row]
    assert "10,5" in nl and "32,4" in nl and "-1,5" in nl and "3,5" in nl
    assert "10.5" in en and "32.4" in en and "-1.5" in en and "3.5" in en
    # Whole numbers without a thousands separator: a spreadsheet reads them as numbers either way.
    assert "1412" in nl and "1412" in en
    assert ";" in dutch.read_text(encoding="utf-8-sig").splitlines()[1]
    assert len(nl) == len(en)  # the same cells: no comma split a Dutch number


def test_text_a_spreadsheet_would_run_as_a_formula_gets_a_quote_a_negative_number_does_not(tmp_path, english):
    path = tmp_path / "monitor.csv"
    write_csv(path, figures(), equities(), names=NAMES, today=DAY)
    cells = [cell for row in read_csv(path, ",") for cell in row]
    assert '\'=HYPERLINK("http://x")' in cells
    assert "'+31 Schuldhulp" in cells and "'@Buurtteam" in cells
    assert not any(cell[:1] in ("=", "+", "@") for cell in cells)
    assert "-1.5" in cells  # a number stays a number


@pytest.mark.parametrize("kind", ["csv", "pdf"])
def test_both_files_are_their_owners_alone(tmp_path, kind, english):
    path = tmp_path / f"monitor.{kind}"
    previous = os.umask(0o022)
    try:
        writer = write_csv if kind == "csv" else write_pdf
        writer(path, figures(), equities())
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no partial file left


@pytest.mark.parametrize("kind", ["csv", "pdf"])
@pytest.mark.parametrize("where", ["missing folder", "a folder", "under a file"])
def test_a_path_that_cannot_be_written_is_refused_with_its_name_and_leaves_nothing(tmp_path, kind, where, english):
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "taken").mkdir()
    path = {
        "missing folder": tmp_path / "missing" / f"monitor.{kind}",
        "a folder": tmp_path / "taken",
        "under a file": tmp_path / "file.txt" / f"monitor.{kind}",
    }[where]
    before = sorted(p.name for p in tmp_path.rglob("*"))
    writer = write_csv if kind == "csv" else write_pdf
    with pytest.raises(InputError) as refused:
        writer(path, figures(), equities())
    assert str(path) in refused.value.message and "another folder" in refused.value.message
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


# -- PDF ------------------------------------------------------------------------------------------


def pdf_text(path: Path) -> str:
    reader = PdfReader(str(path))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_the_pdf_report_has_every_table_the_numbers_and_never_a_suppressed_value(tmp_path, english):
    path = tmp_path / "monitor.pdf"
    write_pdf(path, figures(), equities(), practice_name=PRACTICE, names=NAMES, today=DAY)
    text = pdf_text(path)
    for table in report_tables(figures(), equities(), NAMES):
        assert " ".join(table.title.split()) in text, table.title
    assert suppression_sentence() in text
    assert PRACTICE in text and PRACTITIONER in text and "2026" in text
    for number in ("1,412", "300", "-1.5", "32.4", "10.5", "Welzijn Stad", "100 (10%)", "3583", "Page 1 of"):
        assert number in text, number
    assert "< 10" in text
    assert str(HIDDEN) not in text


def test_the_pdf_metadata_names_no_one(tmp_path, english):
    path = tmp_path / "monitor.pdf"
    write_pdf(path, figures(), equities(), practice_name=PRACTICE, names=NAMES, today=DAY)
    metadata = PdfReader(str(path)).metadata
    assert metadata.title == "Monitor report" and metadata.author == "broadtalk"
    values = " ".join(str(v) for v in metadata.values())
    assert PRACTITIONER not in values and PRACTICE not in values and "Welzijn" not in values


def test_a_month_is_reported_without_a_chart_and_an_empty_period_says_so(tmp_path, english):
    empty = Figures(
        filter=Filter(Period.of_month(2026, 3)),
        clients_total=shown(0),
        clients_per_month={3: shown(0)},
        clients_per_model={},
        scores=(),
        movement=(),
        wanted=(),
        organisations=(),
        referrals=ReferralSummary(*(shown(0),) * 4, hidden(), hidden()),
    )
    path = tmp_path / "march.pdf"
    write_pdf(path, empty, [])
    text = pdf_text(path)
    assert (
        "March 2026" in text and "No conversations in this period." in text and "No referrals in this period." in text
    )
    rows = read_csv_after(tmp_path / "march.csv", empty)
    assert rows["Referrals per organisation"] == [["Organisation", "Clients referred"]]


def read_csv_after(path: Path, figures_: Figures) -> dict[str, list[list[str]]]:
    write_csv(path, figures_, [])
    return sections(read_csv(path, ","))


def test_areas_where_every_number_is_small_are_named_in_one_sentence_on_paper(tmp_path, english):
    view = Filter(Period(2026))
    quiet = [
        EquityRow(f"34{n:02d}", None, hidden(), hidden(), shown(0), hidden(), hidden(), hidden(), hidden(), hidden())
        for n in range(40)
    ]
    busy = EquityRow("3583", None, *(shown(50),) * 5, *(shown(100.0),) * 3)
    table = EquityTable(view, "area", (busy, *quiet), busy)
    path = tmp_path / "areas.pdf"
    write_pdf(path, figures(), [table])
    text = pdf_text(path)
    assert "Areas where every number is 0 or < 10 (40): 3400, 3401," in text and "3439." in text
    # The CSV file has every area.
    write_csv(tmp_path / "areas.csv", figures(), [table])
    area = sections(read_csv(tmp_path / "areas.csv", ","))["Reach per postal code area"]
    assert len(area) == 1 + 41 + 1


# -- periods --------------------------------------------------------------------------------------


def test_a_period_is_a_year_a_quarter_or_a_month(english):
    assert parse_period("2026") == Period(2026)
    assert parse_period(" 2026-q1 ") == Period.of_quarter(2026, 1)
    assert parse_period("2026-03") == Period.of_month(2026, 3)
    assert period_label(Period.of_quarter(2026, 2)) == "Q2 2026"
    assert period_label(Period.of_month(2026, 3)) == "March 2026"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2026-13", "no month 13; months are 01 to 12"),
        ("2026-Q5", "no quarter 5; a year has the quarters Q1 to Q4"),
        ("march", "give a year (2026), a quarter (2026-Q1) or a month (2026-03)"),
        ("2026-03-01", "is not a period"),
        ("", "is not a period"),
    ],
)
def test_a_wrong_period_says_what_and_how_to_write_it(text, says, english):
    with pytest.raises(InputError) as refused:
        parse_period(text)
    assert says in refused.value.message and f"'{text}'" in refused.value.message


# -- through the monitor --------------------------------------------------------------------------


def as_written(cell: Cell) -> str:
    return "< 10" if cell.suppressed else str(cell.value)


def test_the_figures_of_a_practice_go_into_both_files(db, practice, tmp_path, english):  # noqa: F811
    manager = practice["manager"]
    with db.transaction() as tx:
        figures_ = monitor(tx, manager, Filter(Q1), today=TODAY)
        by_area = equity(tx, manager, Filter(Q1), "area")
    write_csv(tmp_path / "q1.csv", figures_, [by_area])
    found = sections(read_csv(tmp_path / "q1.csv", ","))
    month = found["Clients with a conversation, per month"]
    # The rows are the figures as the monitor gives them (its own tests pin the numbers).
    assert month[1:] == [
        *(
            [name, as_written(figures_.clients_per_month[m])]
            for m, name in ((1, "January"), (2, "February"), (3, "March"))
        ),
        ["Whole period", as_written(figures_.clients_total)],
    ]
    organisations = {row[0]: row[1] for row in found["Referrals per organisation"][1:]}
    assert organisations == {o.name: as_written(o.clients) for o in figures_.organisations}
    assert set(organisations) == {"Welzijn Stad", "Schuldhulp"}
    assert found["Reach per postal code area"][-1][0] == "Whole practice"
    write_pdf(tmp_path / "q1.pdf", figures_, [by_area], practice_name=PRACTICE)
    text = pdf_text(tmp_path / "q1.pdf")
    assert "Q1 2025" in text and "Welzijn Stad" in text and "Reach per postal code area" in text
