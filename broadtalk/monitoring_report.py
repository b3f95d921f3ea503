"""The monitor's figures leave the app: a CSV file for a spreadsheet and a printable PDF report
(A4) for the care group or the municipality. No Qt; the screen and ``broadtalk monitor`` call
``write_csv`` and ``write_pdf``.

Both renderers take one pure builder's output (``report_tables``): the figures of
``broadtalk.monitoring`` as headed tables of text and ``Cell`` values, already suppressed. A
suppressed cell carries no value, so neither file can hold one: it is written as the translated
"< 10", and a bar chart draws no bar for it. Only counts of distinct clients and what is derived
from them are in either file; the one name is the practitioner of the filter (a colleague, not a
client), and organisations' names from the social map.

- CSV: one file, every table a section (its title, a header row, the rows, an empty line), the
  filter and the day it was made at the top. Written in the document language's conventions: a
  locale whose decimal sign is a comma (Dutch) gets ``;`` between cells and a decimal comma, as a
  Dutch spreadsheet expects; English ``,`` and a decimal point. UTF-8 with a byte-order mark, so
  that Excel reads "Cliënten" right. Text that a spreadsheet would run as a formula gets a quote
  (``text.spreadsheet_cell``); numbers broadtalk writes (a negative median change) stay numbers.
- PDF: the title, the filter, the day, the suppression rule in one sentence, each table with headed
  columns (fitted to the page's width: the type gets smaller before a column would overflow),
  bar charts of the conversations per month and of the referrals per organisation, page numbers.
  No personal data in the metadata (``pdf_text.document_info``: a generic title).

Both are written whole or not at all, owner-only (``files.write_private_bytes``); a path that
cannot be written raises ``InputError`` naming it and what to do, and leaves nothing behind.
Both follow the interface language, as the handover documents do.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from broadtalk.errors import BroadtalkError, InputError, os_reason
from broadtalk.files import write_private_bytes
from broadtalk.i18n import _, current_locale, dutch_today, format_date, format_short_date
from broadtalk.monitoring import (
    UNKNOWN_AREA,
    Cell,
    DomainScores,
    EquityRow,
    EquityTable,
    Figures,
    Filter,
    Period,
)
from broadtalk.text import spreadsheet_cell

if TYPE_CHECKING:
    from sqlmodel import Session

log = logging.getLogger(__name__)

__all__ = [
    "Column",
    "CountShare",
    "ReportNames",
    "ReportTable",
    "parse_period",
    "period_label",
    "report_names",
    "report_tables",
    "suppression_sentence",
    "write_csv",
    "write_pdf",
]


# -- the filter's names --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportNames:
    """What the figures name by id, by name: the filter's practitioner (None: all, or unknown)
    and each conversation model's title (id → title, in the current language)."""

    practitioner: str | None = None
    models: Mapping[str, str] = field(default_factory=dict)


def report_names(tx: Session, view: Filter) -> ReportNames:
    """The names for a report on ``view``: its practitioner's name and every model's title.
    A practitioner or model the database does not know is refused with what to do."""
    from broadtalk.forms.library import latest_models
    from broadtalk.practitioners import get_actor

    practitioner = get_actor(tx, view.practitioner_id).name if view.practitioner_id is not None else None
    models = {entry.model.id: entry.model.display_title() for entry in latest_models(tx)}
    if view.model_id is not None and view.model_id not in models:
        raise InputError(
            _("There is no conversation model '{id}'; 'broadtalk forms list' shows the models and their ids.").format(
                id=view.model_id
            )
        )
    return ReportNames(practitioner, models)


def _default_names() -> ReportNames:
    """Without the database: the built-in models' titles (the practice's own show their id)."""
    from broadtalk.forms.library import builtin_models

    return ReportNames(None, {model.id: model.display_title() for model in builtin_models()})


# -- periods -------------------------------------------------------------------------------------

_PERIOD = re.compile(r"(\d{4})(?:-(?:[Qq](\d+)|(\d{1,2})))?")


def parse_period(text: str) -> Period:
    """A period as typed: a year (``2026``), a quarter (``2026-Q1``) or a month (``2026-03``).
    ``InputError`` says what is wrong and how to write it."""
    typed = text.strip()
    match = _PERIOD.fullmatch(typed)
    how = _("give a year (2026), a quarter (2026-Q1) or a month (2026-03)")
    if match is None:
        raise InputError(_("'{text}' is not a period; {how}.").format(text=text, how=how))
    year, quarter, month = int(match[1]), match[2], match[3]
    if quarter is not None and not 1 <= int(quarter) <= 4:
        raise InputError(
            _("'{text}' has no quarter {quarter}; a year has the quarters Q1 to Q4.").format(
                text=text, quarter=int(quarter)
            )
        )
    if month is not None and not 1 <= int(month) <= 12:
        raise InputError(
            _("'{text}' has no month {month}; months are 01 to 12, e.g. 2026-03.").format(text=text, month=int(month))
        )
    try:
        if quarter is not None:
            return Period.of_quarter(year, int(quarter))
        if month is not None:
            return Period.of_month(year, int(month))
        return Period(year)
    except ValueError:
        raise InputError(_("'{text}' is not a period; {how}.").format(text=text, how=how)) from None


def period_label(period: Period) -> str:
    """'2026', 'Q1 2026' or 'March 2026' in the current language."""
    if period.month is not None:
        return format_date(period.first_day, "LLLL yyyy")
    if period.quarter is not None:
        return _("Q{quarter} {year}").format(quarter=period.quarter, year=period.year)
    return str(period.year)


def suppression_sentence() -> str:
    return _(
        "Numbers of fewer than 10 clients, and numbers that could be worked out from other figures, are shown as < 10."
    )


# -- the tables (the one builder both renderers take) -------------------------------------------


@dataclass(frozen=True)
class CountShare:
    """A count and its share of the row's base (a percentage): one cell on paper ("24 (40%)"),
    two columns in the CSV file."""

    count: Cell
    share: Cell


Value = str | Cell | CountShare | None


@dataclass(frozen=True)
class Column:
    title: str
    #: "score": a number that is no count of clients (an area's score from a file).
    kind: Literal["text", "number", "count_share", "score"] = "number"
    #: The CSV column of a ``count_share`` column's percentage.
    share_title: str = ""


@dataclass(frozen=True)
class ReportTable:
    #: A stable name ("per_month", "scores", "equity_area", ...) for tests and the screen.
    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Value, ...], ...]
    #: One plain sentence under the title (what is counted), or "".
    note: str = ""
    #: How many of the last rows are totals.
    totals: int = 0
    #: Said instead of an empty table.
    empty: str = ""
    #: On paper, rows in which every count is 0 or "< 10" are not printed one by one but named in
    #: this sentence (``{count}``, ``{names}``): hundreds of postal code areas that say nothing.
    #: The CSV file has every row.
    collapse: str = ""


def report_tables(
    figures: Figures, equities: Sequence[EquityTable] = (), names: ReportNames | None = None
) -> tuple[ReportTable, ...]:
    """Every table of the figures and of the equity tables, in the report's order."""
    names = names or _default_names()

    def model(model_id: str) -> str:
        return names.models.get(model_id, model_id)

    tables: list[ReportTable] = []
    months = tuple((format_date(date(figures.filter.period.year, m, 1), "LLLL"), c) for m, c in _months(figures))
    tables.append(
        ReportTable(
            "per_month",
            _("Clients with a conversation, per month"),
            (Column(_("Month"), "text"), Column(_("Clients"))),
            (*months, (_("Whole period"), figures.clients_total)),
            note=_(
                "Clients with a completed conversation, by the day it was held. A client with conversations in "
                "two months counts in both, and once in the whole period."
            ),
            totals=1,
        )
    )
    tables.append(
        ReportTable(
            "per_model",
            _("Clients with a conversation, per conversation model"),
            (Column(_("Conversation model"), "text"), Column(_("Clients"))),
            tuple((model(m), c) for m, c in figures.clients_per_model.items()),
            empty=_("No conversations in this period."),
        )
    )
    tables += _score_tables(figures.scores, model)
    tables += _per_model(
        "movement",
        figures.movement,
        model,
        lambda title: _("Change between the first and the second conversation: {model}").format(model=title),
        (
            Column(_("Life domain"), "text"),
            Column(_("Clients with a second conversation")),
            Column(_("Score went up")),
            Column(_("Score stayed the same")),
            Column(_("Score went down")),
            Column(_("Median change")),
        ),
        lambda m: (m.title, m.clients, m.up, m.same, m.down, m.median_change),
        note=_(
            "Per life domain: the score at the client's first conversation of the model against the score at "
            "the second, counted in the period of the second."
        ),
        empty=_("No scored life domains in this period."),
        title_without=_("Change between the first and the second conversation"),
    )
    tables += _per_model(
        "wanted",
        figures.wanted,
        model,
        lambda title: _("What clients want to work on: {model}").format(model=title),
        (Column(_("Life domain"), "text"), Column(_("Clients"))),
        lambda w: (w.title, w.clients),
        note=_(
            "Clients who marked the life domain as important, wanted to talk about it, put it first, or "
            "set a goal in it; the most wanted first."
        ),
        empty=_("No conversations in this period."),
        title_without=_("What clients want to work on"),
    )
    summary = figures.referrals
    tables.append(
        ReportTable(
            "referrals",
            _("Referrals"),
            (Column(_("What is counted"), "text"), Column(_("Number"))),
            (
                (_("Referred"), summary.referred),
                (_("With feedback from the organisation"), summary.with_feedback),
                (_("Without feedback yet"), summary.without_feedback),
                (_("With a referral waiting too long for feedback"), summary.overdue),
                (_("Share of the referred clients with feedback (%)"), summary.feedback_share),
                (_("Median days from sending to feedback (over referrals)"), summary.median_days_to_feedback),
            ),
            note=_("Clients referred in the period, by the day the referral was sent."),
        )
    )
    tables.append(_organisation_table(figures))
    for table in equities:
        tables.append(_equity_table(table))
    return tuple(tables)


def _months(figures: Figures) -> list[tuple[int, Cell]]:
    return sorted(figures.clients_per_month.items())


def _per_model(key, items, model, title, columns, row, *, note: str, empty: str, title_without: str):
    """One table per conversation model (in the order of the figures), or one empty table."""
    per: dict[str, list] = {}
    for item in items:
        per.setdefault(item.model_id, []).append(item)
    tables = [
        ReportTable(f"{key}:{model_id}", title(model(model_id)), columns, tuple(row(i) for i in rows), note=note)
        for model_id, rows in per.items()
    ]
    return tables or [ReportTable(key, title_without, columns, (), empty=empty)]


def _score_tables(scores: Sequence[DomainScores], model) -> list[ReportTable]:
    """One table per model and scale (the points of its scale are the columns)."""
    groups: dict[tuple[str, tuple[int, ...]], list[DomainScores]] = {}
    for domain in scores:
        groups.setdefault((domain.model_id, tuple(sorted(domain.bins))), []).append(domain)
    tables = []
    for (model_id, points), domains in groups.items():
        scale = _("scale {low} to {high}").format(low=points[0], high=points[-1]) if points else ""
        tables.append(
            ReportTable(
                f"scores:{model_id}:{points[0] if points else ''}-{points[-1] if points else ''}",
                _("Scores: {model}, {scale}").format(model=model(model_id), scale=scale),
                (
                    Column(_("Life domain"), "text"),
                    Column(_("Clients with a score")),
                    *(Column(str(p)) for p in points),
                ),
                tuple((d.title, d.clients, *(d.bins[p] for p in points)) for d in domains),
                note=_("Clients per score given; a client scored twice in the period counts once for each score."),
            )
        )
    if not tables:
        tables.append(
            ReportTable(
                "scores",
                _("Scores"),
                (Column(_("Life domain"), "text"), Column(_("Clients with a score"))),
                (),
                empty=_("No scored life domains in this period."),
            )
        )
    return tables


def _organisation_table(figures: Figures) -> ReportTable:
    from broadtalk.referral_steps import status_label

    statuses = list(figures.organisations[0].statuses) if figures.organisations else []
    return ReportTable(
        "organisations",
        _("Referrals per organisation"),
        (
            Column(_("Organisation"), "text"),
            Column(_("Clients referred")),
            *(Column(status_label(s)) for s in statuses),
        ),
        tuple((o.name, o.clients, *(o.statuses[s] for s in statuses)) for o in figures.organisations),
        note=_("Clients per organisation of the social map, by where their referral stands now."),
        empty=_("No referrals in this period."),
    )


def _group_label(table: EquityTable, group: str) -> str:
    if table.by == "area":
        return _("Postal code unknown") if group == UNKNOWN_AREA else group
    return _("{band} years").format(band=group)


def _equity_table(table: EquityTable) -> ReportTable:
    scored = table.by == "area" and any(r.area_score is not None for r in table.rows)
    columns = [Column(_("Postal code area") if table.by == "area" else _("Age band"), "text")]
    if scored:
        columns.append(Column(_("Area score"), "score"))
    columns += [
        Column(_("Clients of the practice")),
        Column(_("With a conversation"), "count_share", _("With a conversation (%)")),
        Column(_("Referred"), "count_share", _("Referred (%)")),
        Column(_("With feedback")),
        Column(_("Coming back"), "count_share", _("Coming back (%)")),
    ]

    def row(r: EquityRow, label: str) -> tuple[Value, ...]:
        score: tuple[Value, ...] = ()
        if scored:
            score = (Cell(r.area_score) if r.area_score is not None else "",)
        return (
            label,
            *score,
            r.clients,
            CountShare(r.with_conversation, r.conversation_share),
            CountShare(r.referred, r.referred_share),
            r.with_feedback,
            CountShare(r.returning, r.returning_share),
        )

    if table.by == "area":
        title = _("Reach per postal code area")
        if scored:
            note = _(
                "Per area (the first four digits of the postal code) the practice's clients, and how many of them "
                "had a conversation, were referred, got feedback, or came back (two or more conversations or "
                "referrals in the period). The areas with the most need by their area score come first."
            )
        else:
            note = _(
                "Per area (the first four digits of the postal code) the practice's clients, and how many of them "
                "had a conversation, were referred, got feedback, or came back (two or more conversations or "
                "referrals in the period)."
            )
    else:
        title = _("Reach per age band")
        note = _(
            "Per age band (the age on the last day of the period) the practice's clients, and how many of them "
            "had a conversation, were referred, got feedback, or came back (two or more conversations or "
            "referrals in the period)."
        )
    return ReportTable(
        f"equity_{table.by}",
        title,
        tuple(columns),
        (*(row(r, _group_label(table, r.group)) for r in table.rows), row(table.total, _("Whole practice"))),
        note=note,
        totals=1,
        collapse=_("Areas where every number is 0 or < 10 ({count}): {names}.") if table.by == "area" else "",
    )


def says_nothing(row: Sequence[Value], columns: Sequence[Column]) -> bool:
    """Every count in the row is 0 or suppressed."""
    counts = [
        value.count if isinstance(value, CountShare) else value
        for value, column in zip(row, columns, strict=True)
        if column.kind in ("number", "count_share")
    ]
    return bool(counts) and all(isinstance(c, Cell) and (c.suppressed or not c.value) for c in counts)


# -- numbers -------------------------------------------------------------------------------------


def _number(value: float | int, *, grouped: bool) -> str:
    """A whole number without decimals, else one decimal, in the current language's way."""
    from babel import numbers

    whole = isinstance(value, int) or float(value).is_integer()
    return numbers.format_decimal(
        int(value) if whole else value,
        format=None if whole else "#,##0.0",
        locale=current_locale(),
        group_separator=grouped,
    )


def cell_text(cell: Cell, *, grouped: bool = True) -> str:
    """A cell as written: "< 10" when suppressed (never a number), else its number."""
    if cell.suppressed or cell.value is None:
        return _("< 10")
    return _number(cell.value, grouped=grouped)


def _share_text(cell: Cell) -> str:
    if cell.suppressed or cell.value is None:
        return _("< 10")
    return _("{number}%").format(number=_number(cell.value, grouped=True))


# -- the heading ---------------------------------------------------------------------------------


def _heading(figures: Figures, names: ReportNames, today: date, *, short_date: bool) -> list[tuple[str, str]]:
    view = figures.filter
    if view.practitioner_id is None:
        practitioner = _("all")
    else:
        practitioner = names.practitioner or _("practitioner {number}").format(number=view.practitioner_id)
    model = _("all") if view.model_id is None else names.models.get(view.model_id, view.model_id)
    return [
        (_("Period"), period_label(view.period)),
        (_("Practitioner"), practitioner),
        (_("Conversation model"), model),
        (_("Made on"), format_short_date(today) if short_date else format_date(today, "long")),
    ]


# -- CSV -----------------------------------------------------------------------------------------


def csv_delimiter() -> str:
    """``;`` where the decimal sign is a comma (Dutch), as spreadsheets there expect; else ``,``."""
    from babel import numbers

    return ";" if numbers.get_decimal_symbol(current_locale()) == "," else ","


def csv_text(
    figures: Figures,
    equities: Sequence[EquityTable] = (),
    *,
    names: ReportNames | None = None,
    today: date | None = None,
) -> str:
    """The CSV file's text (without its byte-order mark)."""
    names = names or _default_names()
    today = today or dutch_today()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=csv_delimiter(), lineterminator="\r\n")
    writer.writerow([spreadsheet_cell(_("Monitor: the broad conversation and its referrals"))])
    for label, value in _heading(figures, names, today, short_date=True):
        writer.writerow([spreadsheet_cell(label), spreadsheet_cell(value)])
    writer.writerow([spreadsheet_cell(_("Small numbers")), spreadsheet_cell(suppression_sentence())])
    for table in report_tables(figures, equities, names):
        writer.writerow([])
        writer.writerow([spreadsheet_cell(table.title)])
        header: list[str] = []
        for column in table.columns:
            header.append(spreadsheet_cell(column.title))
            if column.kind == "count_share":
                header.append(spreadsheet_cell(column.share_title))
        writer.writerow(header)
        for row in table.rows:
            writer.writerow([text for value in row for text in _csv_values(value)])
    return buffer.getvalue()


def _csv_values(value: Value) -> list[str]:
    if isinstance(value, CountShare):
        return [cell_text(value.count, grouped=False), cell_text(value.share, grouped=False)]
    if isinstance(value, Cell):
        return [cell_text(value, grouped=False)]
    return [spreadsheet_cell(value or "")]


def write_csv(
    path: Path,
    figures: Figures,
    equities: Sequence[EquityTable],
    *,
    names: ReportNames | None = None,
    today: date | None = None,
) -> None:
    """Every table of ``figures`` and ``equities`` in one CSV file at ``path`` (see the module):
    whole or not at all, owner-only. ``names`` (``report_names``) names the practitioner and
    the models; without it the built-in models' titles are used and the practitioner's number."""
    text = csv_text(figures, equities, names=names, today=today)
    _write(Path(path), ("\ufeff" + text).encode("utf-8"))


def _write(path: Path, data: bytes) -> None:
    try:
        write_private_bytes(path, data)
    except OSError as error:
        raise InputError(
            _("{file} could not be written ({reason}); nothing was saved. Choose another folder or file name.").format(
                file=path, reason=os_reason(error)
            )
        ) from None


# -- PDF -----------------------------------------------------------------------------------------


class ReportRenderError(BroadtalkError):
    """The PDF could not be made; the message says what to do."""


#: At most this many organisations in the chart (the table has them all).
CHART_ORGANISATIONS = 15


def write_pdf(
    path: Path,
    figures: Figures,
    equities: Sequence[EquityTable],
    *,
    practice_name: str | None = None,
    names: ReportNames | None = None,
    today: date | None = None,
) -> None:
    """The printable report (A4, current language) at ``path``: whole or not at all, owner-only."""
    data = pdf_bytes(figures, equities, practice_name=practice_name, names=names, today=today)
    _write(Path(path), data)


def pdf_bytes(
    figures: Figures,
    equities: Sequence[EquityTable] = (),
    *,
    practice_name: str | None = None,
    names: ReportNames | None = None,
    today: date | None = None,
) -> bytes:
    names = names or _default_names()
    today = today or dutch_today()
    try:
        return _render_pdf(
            title=_("Monitor: the broad conversation and its referrals"),
            heading=_heading(figures, names, today, short_date=False),
            sentence=suppression_sentence(),
            tables=report_tables(figures, equities, names),
            months=[(format_date(date(figures.filter.period.year, m, 1), "LLL"), c) for m, c in _months(figures)],
            organisations=[(o.name, o.clients) for o in figures.organisations],
            practice_name=practice_name,
            footer=_("Monitor {period} · made on {date}").format(
                period=period_label(figures.filter.period), date=format_short_date(today)
            ),
        )
    except BroadtalkError:
        raise
    except Exception as error:
        log.error("monitor report PDF failed: %s", type(error).__name__)
        raise ReportRenderError(
            _("The PDF could not be made. Try again; if it keeps failing, report it to your administrator.")
        ) from None


# -- the PDF's pieces (ReportLab is imported here only, when a PDF is made) ----------------------

_MM = 72 / 25.4
MARGIN_X = 18 * _MM
MARGIN_TOP = 24 * _MM
MARGIN_BOTTOM = 20 * _MM
BODY_SIZE = 9.5
#: The type of a table, tried largest first until its columns fit the page's width.
TABLE_SIZES = (8.5, 8.0, 7.5, 7.0, 6.5)
#: Space left and right inside a table cell.
PAD = 3.0
#: Room to spare beside the widest word of a column (ReportLab breaks a word that fits exactly).
SLACK = 2.0
#: A word in a text column longer than this is broken (a long organisation name).
LONGEST_WORD = 90.0


def _render_pdf(
    *,
    title: str,
    heading: list[tuple[str, str]],
    sentence: str,
    tables: Sequence[ReportTable],
    months: list[tuple[str, Cell]],
    organisations: list[tuple[str, Cell]],
    practice_name: str | None,
    footer: str,
) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, SimpleDocTemplate, Spacer

    from broadtalk.handover.pdf_text import FONT_BOLD, document_info, make_styles, numbered_canvas, para_text

    styles = make_styles(BODY_SIZE)
    note_style = ParagraphStyle("note", styles.small, keepWithNext=1, spaceAfter=4)
    width = A4[0] - 2 * MARGIN_X
    story: list = [Paragraph(para_text(title, FONT_BOLD), styles.title)]
    if practice_name:
        story.append(Paragraph(para_text(practice_name, FONT_BOLD), styles.subheading))
    story += [
        Spacer(1, 4),
        _pairs(heading, styles, width),
        Paragraph(para_text(sentence), styles.boxed),
        Paragraph(
            para_text(_("Every number is a number of different clients, unless the table says otherwise.")),
            styles.small,
        ),
    ]
    for table in tables:
        parts: list = [Paragraph(para_text(table.title, FONT_BOLD), styles.heading)]
        if table.note:
            parts.append(Paragraph(para_text(table.note), note_style))
        chart = None
        if table.key == "per_month":
            chart = _month_chart(months, width)
        elif table.key == "organisations":
            chart = _organisation_chart(organisations, width)
        if chart is not None:
            parts += chart
        collapsed: list[str] = []
        if table.collapse:
            body = len(table.rows) - table.totals
            quiet = [i for i in range(body) if says_nothing(table.rows[i], table.columns)]
            if len(quiet) >= 3:
                collapsed = [str(table.rows[i][0]) for i in quiet]
                kept = [r for i, r in enumerate(table.rows) if i not in set(quiet)]
                table = replace(table, rows=tuple(kept))
        if table.rows:
            parts.append(_table(table, width))
            if collapsed:
                text = table.collapse.format(count=len(collapsed), names=", ".join(collapsed))
                parts.append(Paragraph(para_text(text), styles.small))
        else:
            parts.append(Paragraph(para_text(table.empty or _("None in this period.")), styles.body))
        if len(table.rows) <= 15:
            story.append(KeepTogether(parts))
        else:  # a long table starts with its heading and some rows on a page, then runs on
            story += [CondPageBreak(200), *parts]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        **document_info(_("Monitor report")),
    )
    doc.build(story, canvasmaker=numbered_canvas(_decorator(practice_name, footer)))
    return buffer.getvalue()


def _decorator(practice_name: str | None, footer: str):
    from reportlab.lib.pagesizes import A4

    from broadtalk.handover.pdf_text import ACCENT, FONT, FONT_BOLD, MUTED, RULE, fit_line, line_text

    page_width, page_height = A4
    left = line_text(practice_name, FONT_BOLD) if practice_name else "broadtalk"
    right = _("Monitor")
    bottom_line = line_text(footer)

    def decorate(canvas, page: int, total: int) -> None:
        canvas.saveState()
        top = page_height - 14 * _MM
        right_width = canvas.stringWidth(right, FONT_BOLD, 9)
        canvas.setFont(FONT_BOLD, 9)
        canvas.setFillColor(ACCENT)
        canvas.drawString(MARGIN_X, top, fit_line(left, FONT_BOLD, 9, page_width - 2 * MARGIN_X - right_width - 12))
        canvas.setFillColor(MUTED)
        canvas.drawRightString(page_width - MARGIN_X, top, right)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.line(MARGIN_X, top - 3 * _MM, page_width - MARGIN_X, top - 3 * _MM)
        bottom = 12 * _MM
        canvas.line(MARGIN_X, bottom + 4 * _MM, page_width - MARGIN_X, bottom + 4 * _MM)
        canvas.setFont(FONT, 8)
        canvas.drawString(MARGIN_X, bottom, fit_line(bottom_line, FONT, 8, page_width - 2 * MARGIN_X - 90))
        canvas.drawRightString(
            page_width - MARGIN_X, bottom, _("Page {page} of {total}").format(page=page, total=total)
        )
        canvas.restoreState()

    return decorate


def _pairs(pairs: list[tuple[str, str]], styles, width: float):
    from reportlab.platypus import Paragraph, Table, TableStyle

    from broadtalk.handover.pdf_text import para_text

    rows = [
        [Paragraph(para_text(label), styles.cell_label), Paragraph(para_text(value), styles.cell)]
        for label, value in pairs
    ]
    table = Table(rows, colWidths=[42 * _MM, width - 42 * _MM], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def _pdf_values(value: Value) -> str:
    if isinstance(value, CountShare):
        if value.count.suppressed or value.count.value is None:
            return _("< 10")
        if value.share.suppressed or value.share.value is None:
            return cell_text(value.count)
        return _("{count} ({share})").format(count=cell_text(value.count), share=_share_text(value.share))
    if isinstance(value, Cell):
        return cell_text(value)
    return value or ""


def _column_widths(table: ReportTable, header: list[str], body: list[list[str]], size: float, width: float):
    """Widths that let every header word and every number stand on its line at ``size``, the
    text columns as wide as they would like where there is room; None when even that is too wide."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from broadtalk.handover.pdf_text import FONT_BOLD

    needs, desires = [], []
    for j, column in enumerate(table.columns):
        words = [stringWidth(w, FONT_BOLD, size) for w in header[j].split()] or [0.0]
        full_header = stringWidth(header[j], FONT_BOLD, size)
        values = [stringWidth(row[j], FONT_BOLD, size) for row in body] or [0.0]
        if column.kind == "text":
            longest = max([*words, *(stringWidth(w, FONT_BOLD, size) for row in body for w in row[j].split())])
            need = min(longest, LONGEST_WORD) + 2 * PAD + SLACK
            desire = max(need, min(max([*values, full_header / 2]), 0.42 * width) + 2 * PAD)
        else:
            need = max(max(words), max(values)) + 2 * PAD + SLACK
            desire = max(need, full_header / 3 + 2 * PAD)
        needs.append(need)
        desires.append(desire)
    # The points of a scale (short headers: 0 … 10) are columns of one width.
    points = [j for j, c in enumerate(table.columns) if c.kind == "number" and len(c.title) <= 3]
    if len(points) > 1:
        for j in points:
            needs[j] = desires[j] = max(needs[k] for k in points)
    spare = width - sum(needs)
    if spare < 0:
        return None
    widths = list(needs)
    for kinds in (("text",), ("number", "count_share", "score")):
        chosen = [j for j, c in enumerate(table.columns) if c.kind in kinds]
        wanted = sum(desires[j] - needs[j] for j in chosen)
        if wanted <= 0 or spare <= 0:
            continue
        give = min(spare, wanted)
        for j in chosen:
            widths[j] += (desires[j] - needs[j]) * give / wanted
        spare -= give
    return widths


def _table(table: ReportTable, width: float):
    from reportlab.lib.enums import TA_LEFT, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Table, TableStyle

    from broadtalk.handover.pdf_text import BOX_FILL, FONT, FONT_BOLD, RULE, TEXT, para_text

    header = [column.title for column in table.columns]
    body = [[_pdf_values(value) for value in row] for row in table.rows]
    for size in TABLE_SIZES:
        widths = _column_widths(table, header, body, size, width)
        if widths is not None:
            break
    else:  # the smallest type, the columns in proportion to what they need (words may break)
        size = TABLE_SIZES[-1]
        needs = _column_widths(table, header, body, size, 10 * width) or [1.0] * len(header)
        widths = [w * width / sum(needs) for w in needs]
    leading = round(size * 1.22, 2)
    base = ParagraphStyle("cell", fontName=FONT, fontSize=size, leading=leading, textColor=TEXT, alignment=TA_LEFT)
    styles = {
        (kind, bold): ParagraphStyle(
            f"cell-{kind}-{bold}",
            base,
            fontName=FONT_BOLD if bold else FONT,
            alignment=TA_LEFT if kind == "text" else TA_RIGHT,
        )
        for kind in ("text", "number")
        for bold in (False, True)
    }
    kinds = ["text" if c.kind == "text" else "number" for c in table.columns]
    first_total = len(body) - table.totals
    data = [[Paragraph(para_text(text, FONT_BOLD), styles[(kinds[j], True)]) for j, text in enumerate(header)]]
    for i, row in enumerate(body):
        bold = i >= first_total
        data.append(
            [
                Paragraph(para_text(text, FONT_BOLD if bold else FONT), styles[(kinds[j], bold)])
                for j, text in enumerate(row)
            ]
        )
    result = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    commands = [
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("VALIGN", (0, 1), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, RULE),
        ("LINEBELOW", (0, -1), (-1, -1), 0.8, RULE),
    ]
    if first_total > 1:
        commands.append(("ROWBACKGROUNDS", (0, 1), (-1, first_total), [None, BOX_FILL]))
    if table.totals and first_total >= 0:
        commands.append(("LINEABOVE", (0, first_total + 1), (-1, first_total + 1), 0.8, RULE))
    result.setStyle(TableStyle(commands))
    return result


def _month_chart(months: list[tuple[str, Cell]], width: float) -> list | None:
    """Bars of the clients per month (a quarter or a year); a suppressed month gets no bar, only
    "< 10" on its baseline."""
    from reportlab.graphics.shapes import Drawing, Line, Rect, String

    from broadtalk.handover.pdf_text import ACCENT, FONT, MUTED, RULE, TEXT, line_text

    shown = [c.value for _label, c in months if c.shown and c.value]
    if len(months) < 2 or not shown:
        return None
    height, bottom, top_room = 120.0, 16.0, 14.0
    drawing = Drawing(width, height)
    slot = width / len(months)
    bar = min(slot * 0.62, 36.0)
    peak = max(shown)
    drawing.add(Line(0, bottom, width, bottom, strokeColor=RULE, strokeWidth=0.8))
    for i, (label, cell) in enumerate(months):
        middle = i * slot + slot / 2
        drawing.add(
            String(middle, 4, line_text(label), fontName=FONT, fontSize=7.5, fillColor=MUTED, textAnchor="middle")
        )
        if cell.shown and cell.value:
            tall = (height - bottom - top_room) * cell.value / peak
            drawing.add(Rect(middle - bar / 2, bottom, bar, tall, fillColor=ACCENT, strokeColor=None))
            drawing.add(
                String(
                    middle,
                    bottom + tall + 3,
                    cell_text(cell),
                    fontName=FONT,
                    fontSize=7.5,
                    fillColor=TEXT,
                    textAnchor="middle",
                )
            )
        else:
            drawing.add(
                String(
                    middle,
                    bottom + 3,
                    cell_text(cell),
                    fontName=FONT,
                    fontSize=7.5,
                    fillColor=MUTED,
                    textAnchor="middle",
                )
            )
    return [drawing]


def _organisation_chart(organisations: list[tuple[str, Cell]], width: float) -> list | None:
    """A bar per organisation (the ones with most clients first); a suppressed one gets no bar,
    only "< 10"."""
    from reportlab.graphics.shapes import Drawing, Rect, String
    from reportlab.platypus import Paragraph

    from broadtalk.handover.pdf_text import ACCENT, FONT, MUTED, TEXT, fit_line, line_text, make_styles, para_text

    shown = [c.value for _name, c in organisations if c.shown and c.value]
    if len(shown) < 2:
        return None
    rows = organisations[:CHART_ORGANISATIONS]
    row_height, size = 13.0, 7.5
    labels = 0.36 * width
    room = 30.0
    drawing = Drawing(width, row_height * len(rows) + 2)
    peak = max(shown)
    for i, (name, cell) in enumerate(rows):
        y = drawing.height - (i + 1) * row_height
        label = fit_line(line_text(name), FONT, size, labels - 8)
        drawing.add(String(labels - 6, y + 3.5, label, fontName=FONT, fontSize=size, fillColor=TEXT, textAnchor="end"))
        if cell.shown and cell.value:
            long = (width - labels - room) * cell.value / peak
            drawing.add(Rect(labels, y + 2, long, row_height - 4, fillColor=ACCENT, strokeColor=None))
            drawing.add(
                String(labels + long + 3, y + 3.5, cell_text(cell), fontName=FONT, fontSize=size, fillColor=TEXT)
            )
        else:
            drawing.add(String(labels + 3, y + 3.5, cell_text(cell), fontName=FONT, fontSize=size, fillColor=MUTED))
    parts: list = [drawing]
    if len(organisations) > len(rows):
        parts.append(
            Paragraph(
                para_text(
                    _(
                        "The chart shows the {count} organisations with the most clients; the table shows them all."
                    ).format(count=len(rows))
                ),
                make_styles(BODY_SIZE).small,
            )
        )
    return parts
