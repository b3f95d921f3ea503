"""The monitor: whether the broad conversation and its referrals reach people, in numbers only.

Filters at the top (a calendar year, then the whole year, a quarter or a month; one or all
practitioners; one or all conversation models), the figures of ``broadtalk.monitoring`` in tabs
below: conversations per month and per model, the score distribution per domain, the movement
between the first conversation and the first follow-up, the domains clients want to work on,
the referrals, and the equity view by area or age band. Every number is ``Cell.text()``: a
suppressed cell reads "< 10" (a legend says why) and is hatched in a chart, never drawn with a
value. No name and no text of a client reaches this screen: the core hands it counts only.

The figures are counted off the GUI thread (``monitor_counting``) while "Counting…" shows; a
result for a filter that has changed since is thrown away, and only one count for the filter
runs at a time (the newest request waits for it). When the year was counted before the data last
changed, the count kept then is shown at once ("Counted at 17:25; counting again…") and the year
is counted again behind it; export waits for that count. Export to CSV and the PDF report are
``broadtalk.monitoring_report``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, QThreadPool, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from broadtalk import settings
from broadtalk.area_scores import AreaScores, load_area_scores
from broadtalk.errors import BroadtalkError
from broadtalk.i18n import _, dutch_today, format_date, format_datetime, format_number
from broadtalk.monitoring import SENT_STATUSES, UNKNOWN_AREA, Counted
from broadtalk.monitoring_suppression import Cell, Filter, Period
from broadtalk.practitioners import Actor, list_practitioners, role_label
from broadtalk.referral_steps import status_label
from broadtalk.store.database import Database
from broadtalk.ui import file_dialogs
from broadtalk.ui.bar_chart import Bar, BarChart, HatchSwatch
from broadtalk.ui.common import ErrorLabel, show_refusal
from broadtalk.ui.dialog_parts import bold_label, buddy_label, quiet_label
from broadtalk.ui.fitting_table import FittingTableWidget, filled_then_fitted
from broadtalk.ui.monitor_counting import Counting, Outcome, Request, forget, register

#: The kinds of file that remember their own last folder (``file_dialogs``).
MONITOR_EXPORT = "monitor-export"
AREA_SCORES = "area-scores"
#: The years offered: this one and the ones before it.
YEARS_OFFERED = 6
NUMBER = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def legend_text() -> str:
    return _("Fewer than 10 clients, or a number that could be worked out from other figures, is not shown.")


def month_name(month: int, width: str = "LLLL") -> str:
    """The month's own name ("Januari", "January"; "LLL": "Jan"), as a list item."""
    name = format_date(date(2000, month, 1), width).rstrip(".")
    return name[:1].upper() + name[1:]


# -- a table of figures -----------------------------------------------------------------------------


class FiguresTable(FittingTableWidget):
    """Read-only rows of texts and cells; every cell as ``Cell.text()``, right-aligned."""

    def __init__(self, accessible_name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName(accessible_name)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setTabKeyNavigation(False)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.horizontalHeader().setHighlightSections(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # As wide and as tall as its rows (no empty space inside the frame), scrolling when the
        # window has less room.
        self.setSizeAdjustPolicy(QAbstractItemView.SizeAdjustPolicy.AdjustToContents)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Maximum)

    def fill(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str | Cell]],
        *,
        bold_first: bool = False,
        equal_from: int | None = None,
    ) -> None:
        """Fill anew; ``bold_first``: the first row is a total; ``equal_from``: the columns from
        there on (a scale's points) are equally wide."""
        with filled_then_fitted(self):
            self.clear()
            self.setColumnCount(len(headers))
            self.setHorizontalHeaderLabels(list(headers))
            for column in range(len(headers)):
                item = self.horizontalHeaderItem(column)
                if item is not None and any(isinstance(row[column], Cell) for row in rows):
                    item.setTextAlignment(NUMBER)
            self.setRowCount(len(rows))
            for r, row in enumerate(rows):
                for column, value in enumerate(row):
                    item = QTableWidgetItem(value.text() if isinstance(value, Cell) else value)
                    if isinstance(value, Cell):
                        item.setTextAlignment(NUMBER)
                        if value.suppressed:
                            item.setToolTip(legend_text())
                    if bold_first and r == 0:
                        font = item.font()
                        font.setBold(True)
                        item.setFont(font)
                    self.setItem(r, column, item)
        if equal_from is not None and equal_from < len(headers):
            header = self.horizontalHeader()
            columns = range(equal_from, len(headers))
            width = max(max(self.sizeHintForColumn(c), header.sectionSizeHint(c)) for c in columns)
            for column in columns:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
                self.setColumnWidth(column, width)

    def texts(self) -> list[list[str]]:
        return [[self.item(r, c).text() for c in range(self.columnCount())] for r in range(self.rowCount())]

    def headers(self) -> list[str]:
        return [self.horizontalHeaderItem(c).text() for c in range(self.columnCount())]


def _page(*parts: QWidget | QHBoxLayout | QGridLayout) -> QWidget:
    """The parts from the top, tables from the left edge; a chart takes the room left."""
    page = QWidget()
    layout = QVBoxLayout(page)
    for index, part in enumerate(parts):
        stretch = 1 if index == len(parts) - 1 else 0
        if isinstance(part, FiguresTable):
            layout.addWidget(part, 0, Qt.AlignmentFlag.AlignLeft)
        elif isinstance(part, QWidget):
            layout.addWidget(part, stretch)
        else:
            layout.addLayout(part, stretch)
    if isinstance(parts[-1], FiguresTable):
        layout.addStretch(1)
    return page


def first_of_each(titles: Sequence[str]) -> list[str]:
    """A model's title on the first of its rows only (its domains follow it)."""
    return [title if index == 0 or titles[index - 1] != title else "" for index, title in enumerate(titles)]


# -- the window ---------------------------------------------------------------------------------------


class MonitorWindow(QDialog):
    """The monitor's figures for one filter at a time. ``counted`` fires when a result (or its
    refusal) is shown; ``shown_request`` is what the shown figures are for."""

    counted = Signal()

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self._db, self._actor = db, actor
        self._generation = 0
        self._running = False
        self._pending: Request | None = None
        self._area_scores: AreaScores | None = None
        self._area_file = ""
        #: The recount behind figures kept from before the last change, while it runs.
        self._background: Request | None = None
        self.shown_request: Request | None = None
        self.result: Counted | None = None
        self.setWindowTitle(_("Monitor"))
        self.setSizeGripEnabled(True)
        self.resize(1240, 780)
        with db.transaction() as tx:
            practitioners = list_practitioners(tx)
            self._practice = settings.read_setting(tx, settings.PRACTICE_NAME) or None
            from broadtalk.forms.library import latest_models

            self._models = {entry.model.id: entry.model.display_title() for entry in latest_models(tx)}
        self._practitioners = {practitioner.id: practitioner.name for practitioner in practitioners}

        intro = quiet_label(
            _(
                "How many clients the broad conversation and its referrals reach, in numbers of clients only: "
                "no names, no texts. Looking at the monitor is recorded in the audit trail."
            )
        )
        # -- filters ---------------------------------------------------------------------------
        self.year_combo = QComboBox()
        this_year = dutch_today().year
        for year in range(this_year, this_year - YEARS_OFFERED, -1):
            self.year_combo.addItem(str(year), year)
        self.period_combo = QComboBox()
        self.period_combo.addItem(_("Whole year"), (None, None))
        for quarter in range(1, 5):
            self.period_combo.addItem(_("Quarter {number}").format(number=quarter), (quarter, None))
        for month in range(1, 13):
            self.period_combo.addItem(month_name(month), (None, month))
        self.practitioner_combo = QComboBox()
        self.practitioner_combo.addItem(_("All practitioners"), None)
        for practitioner in practitioners:
            name = _("{name} ({role})").format(name=practitioner.name, role=role_label(practitioner.role))
            self.practitioner_combo.addItem(name, practitioner.id)
        self.model_combo = QComboBox()
        self.model_combo.addItem(_("All conversation models"), None)
        for model_id, title in self._models.items():
            self.model_combo.addItem(title, model_id)
        filters = QHBoxLayout()
        for text, combo in (
            (_("&Year"), self.year_combo),
            (_("P&eriod"), self.period_combo),
            (_("&Practitioner"), self.practitioner_combo),
            (_("&Model"), self.model_combo),
        ):
            filters.addWidget(buddy_label(text, combo))
            filters.addWidget(combo)
            filters.addSpacing(12)
            combo.currentIndexChanged.connect(lambda _index: self.recount())
        filters.addStretch(1)
        # When the figures were counted, on a line of its own: "Counted at 17:19; counting
        # again…" does not fit beside the filters.
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.count_again_button = QPushButton(_("Count a&gain"))
        self.count_again_button.setAutoDefault(False)
        self.count_again_button.setToolTip(_("Count every figure anew, with every change made since."))
        self.count_again_button.clicked.connect(lambda: self.recount(fresh=True))
        filters.addWidget(self.count_again_button)
        self.error = ErrorLabel()

        # -- the tabs --------------------------------------------------------------------------
        self.tabs = QTabWidget()
        self.tabs.addTab(self._conversations_tab(), _("&Conversations"))
        self.tabs.addTab(self._scores_tab(), _("&Scores"))
        self.tabs.addTab(self._movement_tab(), _("Mo&vement"))
        self.tabs.addTab(self._wanted_tab(), _("&Wanted"))
        self.tabs.addTab(self._referrals_tab(), _("&Referrals"))
        self.tabs.addTab(self._equity_tab(), _("E&quity"))

        legend = QHBoxLayout()
        legend.addWidget(HatchSwatch())
        legend.addWidget(bold_label(QLabel(Cell(None, True).text())))
        self.legend = quiet_label(legend_text())
        legend.addWidget(self.legend, 1)
        self.csv_button = QPushButton(_("Export CSV…"))
        self.csv_button.clicked.connect(self.export_csv)
        self.pdf_button = QPushButton(_("Print report (PDF)…"))
        self.pdf_button.clicked.connect(self.export_pdf)
        close = QPushButton(_("Close"))
        close.clicked.connect(self.reject)
        legend.addSpacing(12)
        for button in (self.csv_button, self.pdf_button, close):
            button.setAutoDefault(False)  # Enter in a filter never starts an export
            legend.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(filters)
        layout.addWidget(self.status_label)
        layout.addWidget(self.error)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(legend)
        self.number = register(self)
        self.recount()

    # -- the tabs' widgets --------------------------------------------------------------------

    def _conversations_tab(self) -> QWidget:
        self.total_label = bold_label(QLabel(), 1.15)
        self.month_chart = BarChart()
        self.month_table = FiguresTable(_("Clients with a conversation per month"))
        self.model_table = FiguresTable(_("Clients with a conversation per model"))
        side = QVBoxLayout()
        for table in (self.month_table, self.model_table):
            side.addWidget(table, 0, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        side.addStretch(1)
        for table in (self.month_table, self.model_table):
            table.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        row = QHBoxLayout()
        row.addWidget(self.month_chart, 1)
        row.addLayout(side)
        return _page(self.total_label, row)

    def _scores_tab(self) -> QWidget:
        self.scores_table = FiguresTable(_("Score distribution per domain"))
        self.scores_table.itemSelectionChanged.connect(self._show_selected_scores)
        self.scores_chart = BarChart()
        explanation = quiet_label(
            _(
                "Clients per score of each domain; a client scored twice in the period counts once per score given. "
                "Choose a domain to see it as a chart."
            )
        )
        row = QHBoxLayout()
        row.addWidget(self.scores_table, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.scores_chart, 1)
        return _page(explanation, row)

    def _movement_tab(self) -> QWidget:
        self.movement_table = FiguresTable(_("Movement from the first conversation to the follow-up"))
        explanation = quiet_label(
            _(
                "Per domain the client's first conversation of a model against the first follow-up, counted in the "
                "period of the follow-up: clients whose score went up, stayed the same or went down."
            )
        )
        return _page(explanation, self.movement_table)

    def _wanted_tab(self) -> QWidget:
        self.wanted_table = FiguresTable(_("Domains clients want to work on"))
        explanation = quiet_label(
            _(
                "Clients who marked the domain important, want to talk about it, ranked it first or set a goal in "
                "it; the most wanted first."
            )
        )
        return _page(explanation, self.wanted_table)

    def _referrals_tab(self) -> QWidget:
        self.summary_values: dict[str, QLabel] = {}
        grid = QGridLayout()
        names = (
            ("referred", _("Clients referred")),
            ("with_feedback", _("With feedback")),
            ("feedback_share", _("Share with feedback (%)")),
            ("median_days_to_feedback", _("Median days to feedback")),
            ("overdue", _("Overdue (waiting for feedback too long)")),
        )
        for row, (key, text) in enumerate(names):
            value = QLabel()
            value.setAlignment(NUMBER)
            value.setMinimumWidth(60)
            value.setAccessibleName(text)
            grid.addWidget(QLabel(text), row, 0)
            grid.addWidget(value, row, 1)
            self.summary_values[key] = value
        grid.setColumnStretch(2, 1)
        self.organisations_table = FiguresTable(_("Clients referred per organisation and status"))
        return _page(grid, bold_label(QLabel(_("Per organisation and status"))), self.organisations_table)

    def _equity_tab(self) -> QWidget:
        self.by_area = QRadioButton(_("By &area (postcode)"))
        self.by_age = QRadioButton(_("By a&ge band"))
        self.by_area.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.by_area)
        group.addButton(self.by_age)
        self.by_area.toggled.connect(lambda _on: self._show_equity())
        self.load_scores_button = QPushButton(_("&Load area scores…"))
        self.load_scores_button.clicked.connect(self.load_area_scores)
        self.more_need_check = QCheckBox(_("A higher score means more &need"))
        self.more_need_check.setChecked(True)
        self.more_need_check.toggled.connect(lambda _on: self.recount() if self._area_scores is not None else None)
        self.area_scores_label = quiet_label()
        self.area_scores_error = ErrorLabel()
        row = QHBoxLayout()
        for widget in (self.by_area, self.by_age):
            row.addWidget(widget)
        row.addSpacing(24)
        row.addWidget(self.load_scores_button)
        row.addWidget(self.more_need_check)
        row.addStretch(1)
        self.equity_table = FiguresTable(_("Reach per group"))
        explanation = quiet_label(
            _(
                "Per group the practice's clients (registered before the period ended), those with a conversation, "
                "referred, with feedback, and coming back (two or more conversations or referrals in the period)."
            )
        )
        self.area_scores_label.hide()
        return _page(row, self.area_scores_label, self.area_scores_error, explanation, self.equity_table)

    # -- counting ----------------------------------------------------------------------------------

    def request(self) -> Request:
        quarter, month = self.period_combo.currentData()
        period = Period(self.year_combo.currentData(), quarter=quarter, month=month)
        view = Filter(period, self.practitioner_combo.currentData(), self.model_combo.currentData())
        return Request(view, self._area_scores, self.more_need_check.isChecked())

    @property
    def counting(self) -> bool:
        """A count for the filter shown is under way or waiting (not a recount behind figures)."""
        return self._running or self._pending is not None

    @property
    def recounting(self) -> bool:
        """The year is being counted again behind figures kept from before the last change."""
        return self._background is not None

    def recount(self, *, fresh: bool = False) -> None:
        """Count the figures for the filter as it is now (after the one under way, if any);
        ``fresh``: not figures counted a few minutes ago."""
        self._generation += 1
        self._pending = replace(self.request(), fresh=fresh)
        self.status_label.setText(_("Counting…"))
        self.tabs.setEnabled(False)
        self.csv_button.setEnabled(False)
        self.pdf_button.setEnabled(False)
        self._start_pending()

    def _start_pending(self) -> None:
        if self._running or self._pending is None:
            return
        request, self._pending = self._pending, None
        self._running = True
        self._start(request)

    def _start(self, request: Request) -> None:
        worker = Counting(self._db, self._actor, request, self.number, self._generation)
        QThreadPool.globalInstance().start(worker)

    def counted_outcome(self, outcome: Outcome) -> None:
        """A count has finished (on the GUI thread, through ``monitor_counting``)."""
        if outcome.request.background:
            self._recounted(outcome)
            return
        self._running = False
        if outcome.generation != self._generation or self._pending is not None:
            self._start_pending()  # the filter changed meanwhile: this result is thrown away
            return
        counted = outcome.counted
        again = counted is not None and counted.figures.stale and self._background is None
        if again:  # figures kept from before the last change: count the year again behind them
            self._background = replace(outcome.request, background=True)
            self.count_again_button.setEnabled(False)
        self._present(outcome)
        if again:
            self._start(self._background)

    def _recounted(self, outcome: Outcome) -> None:
        """The year counted again behind the figures shown: show the filter from it."""
        self._background = None
        self.count_again_button.setEnabled(True)
        if outcome.counted is None:  # the figures shown stay, with why they were not counted again
            self.error.show_message(outcome.error)
            if self.result is not None and not self.counting:
                self.status_label.setText(self._counted_text(self.result, again=False))
            return
        if self.counting:
            return  # the filter changed: its count, waiting or under way, finds the year counted
        if outcome.generation == self._generation:
            self._present(outcome)
        else:
            self.recount()

    def _present(self, outcome: Outcome) -> None:
        counted = outcome.counted
        self.status_label.setText(self._counted_text(counted) if counted is not None else "")
        self.error.show_message(outcome.error)
        self.tabs.setEnabled(counted is not None)
        self.result = counted
        self.shown_request = replace(outcome.request, fresh=False, background=False) if counted is not None else None
        if counted is not None:
            self._show(counted)
        exportable = counted is not None and not counted.figures.stale
        self.csv_button.setEnabled(exportable)
        self.pdf_button.setEnabled(exportable)
        self.counted.emit()

    @staticmethod
    def _counted_text(counted: Counted, *, again: bool = True) -> str:
        """When the figures shown were counted ("Counted at 17:25"; on an earlier day with its
        date), and, for figures kept from before the last change, that they are counted again."""
        at = counted.figures.counted_at
        if at is None:
            return ""
        time = format_datetime(at, "HH:mm")
        if format_datetime(at, "yyyy-MM-dd") == dutch_today().isoformat():
            text = _("Counted at {time}").format(time=time)
        else:
            text = _("Counted on {date} at {time}").format(date=format_datetime(at, "d MMMM"), time=time)
        if counted.figures.stale and again:
            return _("{counted}; counting again…").format(counted=text)
        return text

    def done(self, result: int) -> None:
        # A count under way finishes on its own (the main window stops it when the app closes);
        # its result no longer comes here. A recount behind kept figures is kept for next time.
        forget(self.number)
        self._pending = None
        super().done(result)

    # -- showing -----------------------------------------------------------------------------------

    def _model_title(self, model_id: str) -> str:
        return self._models.get(model_id, model_id)

    def _show(self, counted: Counted) -> None:
        figures = counted.figures
        self.total_label.setText(_("Clients with a conversation: {count}").format(count=figures.clients_total.text()))
        months = figures.clients_per_month
        self.month_chart.set_bars(
            _("Clients with a conversation per month"), [Bar(month_name(m, "LLL"), c) for m, c in months.items()]
        )
        self.month_table.fill([_("Month"), _("Clients")], [[month_name(m), c] for m, c in months.items()])
        self.model_table.fill(
            [_("Conversation model"), _("Clients")],
            [[self._model_title(m), cell] for m, cell in figures.clients_per_model.items()],
        )
        several = len({s.model_id for s in figures.scores}) > 1
        points = sorted({p for s in figures.scores for p in s.bins})
        models = first_of_each([self._model_title(s.model_id) for s in figures.scores])
        self.scores_table.fill(
            [_("Model"), _("Domain"), _("Clients scored"), *(str(p) for p in points)],
            [
                [m, s.title, s.clients, *(s.bins.get(p, "") for p in points)]
                for m, s in zip(models, figures.scores, strict=True)
            ],
            equal_from=3,
        )
        self.scores_table.setColumnHidden(0, not several)
        if figures.scores:
            self.scores_table.selectRow(0)
        self._show_selected_scores()
        titles = first_of_each([self._model_title(m.model_id) for m in figures.movement])
        self.movement_table.fill(
            [_("Model"), _("Domain"), _("Clients"), _("Up"), _("Same"), _("Down"), _("Median change")],
            [
                [title, m.title, m.clients, m.up, m.same, m.down, m.median_change]
                for title, m in zip(titles, figures.movement, strict=True)
            ],
            equal_from=3,
        )
        self.movement_table.setColumnHidden(0, not several)
        self.wanted_table.fill(
            [_("Model"), _("Domain"), _("Clients")],
            [[self._model_title(w.model_id), w.title, w.clients] for w in figures.wanted],
        )
        self.wanted_table.setColumnHidden(0, len({w.model_id for w in figures.wanted}) <= 1)
        summary = figures.referrals
        for key, label in self.summary_values.items():
            label.setText(getattr(summary, key).text())
        self.organisations_table.fill(
            [_("Organisation"), _("Clients referred"), *(status_label(s) for s in SENT_STATUSES)],
            [[o.name, o.clients, *(o.statuses[s] for s in SENT_STATUSES)] for o in figures.organisations],
        )
        self._show_equity()

    def _show_selected_scores(self) -> None:
        figures = self.result.figures if self.result is not None else None
        rows = self.scores_table.selectionModel().selectedRows()
        if figures is None or not rows or rows[0].row() >= len(figures.scores):
            self.scores_chart.set_bars("", [])
            return
        scores = figures.scores[rows[0].row()]
        self.scores_chart.set_bars(
            _("Clients per score: {domain}").format(domain=scores.title),
            [Bar(str(p), cell) for p, cell in scores.bins.items()],
        )

    def _group_label(self, group: str, by: str) -> str:
        if group == UNKNOWN_AREA and by == "area":
            return _("Unknown")
        return group

    def _show_equity(self) -> None:
        if self.result is None:
            return
        table = self.result.equities[0 if self.by_area.isChecked() else 1]
        scored = table.by == "area" and self._area_scores is not None
        headers = [
            _("Area (PC4)") if table.by == "area" else _("Age band"),
            _("Area score"),
            _("Clients of the practice"),
            _("With a conversation"),
            _("With a conversation (%)"),
            _("Referred"),
            _("Referred (%)"),
            _("With feedback"),
            _("Coming back"),
            _("Coming back (%)"),
        ]
        rows = []
        for row in (table.total, *table.rows):
            name = _("Whole practice") if row is table.total else self._group_label(row.group, table.by)
            score = "" if row.area_score is None else format_number(row.area_score)
            rows.append(
                [
                    name,
                    score,
                    row.clients,
                    row.with_conversation,
                    row.conversation_share,
                    row.referred,
                    row.referred_share,
                    row.with_feedback,
                    row.returning,
                    row.returning_share,
                ]
            )
        self.equity_table.fill(headers, rows, bold_first=True)
        self.equity_table.setColumnHidden(1, not scored)
        for r in range(len(rows)):
            self.equity_table.item(r, 1).setTextAlignment(NUMBER)

    # -- area scores ---------------------------------------------------------------------------------

    def load_area_scores(self) -> None:
        path = file_dialogs.ask_open_path(
            self, AREA_SCORES, _("Load area scores"), _("CSV files (*.csv *.txt);;All files (*)")
        )
        if path is None:
            return
        try:
            scores = load_area_scores(Path(path))
        except BroadtalkError as error:
            self.area_scores_error.show_message(error.message)  # nothing changed
            return
        self.area_scores_error.show_message("")
        self.area_scores_label.show()
        self._area_scores = scores
        self._area_file = Path(path).name
        self.area_scores_label.setText(
            _("Areas ordered by the scores in {file} ({count} areas), the most need first.").format(
                file=self._area_file, count=len(scores.scores)
            )
        )
        self.by_area.setChecked(True)
        self.recount()

    # -- export --------------------------------------------------------------------------------------

    def _names(self):
        """The filter's practitioner and the models' titles, for the files (no database needed)."""
        from broadtalk.monitoring_report import ReportNames

        assert self.result is not None
        practitioner_id = self.result.figures.filter.practitioner_id
        return ReportNames(self._practitioners.get(practitioner_id) if practitioner_id else None, self._models)

    def _file_name(self, suffix: str) -> str:
        assert self.result is not None
        return f"monitor-{self.result.figures.filter.period.code()}{suffix}"

    def export_csv(self) -> None:
        if self.result is None:
            return
        from broadtalk.monitoring_report import write_csv

        target = file_dialogs.ask_save_path(
            self,
            MONITOR_EXPORT,
            _("Export the figures as CSV"),
            self._file_name(".csv"),
            _("CSV files (*.csv)"),
            suffix=".csv",
        )
        if target is not None:
            result = self.result
            self._write(lambda: write_csv(target, result.figures, result.equities, names=self._names()), target)

    def export_pdf(self) -> None:
        if self.result is None:
            return
        from broadtalk.monitoring_report import write_pdf

        target = file_dialogs.ask_save_path(
            self,
            MONITOR_EXPORT,
            _("Save the report as PDF"),
            self._file_name(".pdf"),
            _("PDF documents (*.pdf)"),
            suffix=".pdf",
        )
        if target is not None:
            result = self.result
            self._write(
                lambda: write_pdf(
                    target, result.figures, result.equities, practice_name=self._practice, names=self._names()
                ),
                target,
            )

    def _write(self, work, target: Path) -> None:
        try:
            work()
        except BroadtalkError as error:
            show_refusal(self, error)
            return
        self.status_label.setText(_("Saved as {file}.").format(file=target))
