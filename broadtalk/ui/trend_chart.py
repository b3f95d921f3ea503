"""How things moved: per domain a small line chart of the scores of every conversation of a model.

``TrendData`` is plain Python: one domain, its full scale, and per conversation (oldest first) the
date, the professional's score and the client's own score. ``TrendChart`` paints it with QPainter:
the model's full scale on the y-axis (never scaled to the data), the dates on the x-axis (spaced
by time), a point with its value per conversation. A domain that was skipped is a GAP in the line,
never a point at zero: only neighbouring conversations that both have a score are joined. The
client's own score is a second series, dashed with hollow diamonds (its own legend entry; told
apart by line and shape, not by colour alone). ``TrendTable`` lists the same values beside it.

``TrendsPanel`` shows one model at a time (a chooser when the client had conversations of several
models): the spider chart with the first and the latest conversation overlaid, then a card per
domain with its chart and table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from broadtalk.client_history import ModelTrends, TrendDomain
from broadtalk.i18n import _, to_display_time
from broadtalk.ui import chart_parts
from broadtalk.ui.chart_parts import CURRENT, OWN, LegendEntry, LegendLook, format_number, format_short_date
from broadtalk.ui.fitting_table import FittingTableWidget, filled_then_fitted
from broadtalk.ui.spider_chart import MIN_AXES, NO_VALUE, ChartAxis, ChartData, ChartPanel

#: At most this many labelled ticks on the y-axis.
MAX_Y_LABELS = 6


# -- data -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendData:
    """One domain over time: the scale and, per conversation (oldest first), date, score, own score."""

    title: str
    colour: str
    minimum: int
    maximum: int
    dates: tuple[date, ...]
    scores: tuple[int | None, ...]
    #: The client's own scores, one per conversation; None when the client never gave one.
    own_scores: tuple[int | None, ...] | None = None
    #: Per conversation: still a draft (its scores may change).
    drafts: tuple[bool, ...] = ()

    @property
    def has_own(self) -> bool:
        return self.own_scores is not None and any(v is not None for v in self.own_scores)

    def is_draft(self, index: int) -> bool:
        return index < len(self.drafts) and self.drafts[index]


def _day(moment: datetime) -> date:
    return to_display_time(moment).date()


def trend_data(trends: ModelTrends, domain: TrendDomain) -> TrendData:
    """The series of one domain of a model's conversations with a client."""
    series = trends.series(domain.domain_id)
    own = tuple(point[2] for point in series)
    return TrendData(
        title=domain.title,
        colour=domain.colour,
        minimum=domain.minimum,
        maximum=domain.maximum,
        dates=tuple(_day(point[0]) for point in series),
        scores=tuple(point[1] for point in series),
        own_scores=own if any(v is not None for v in own) else None,
        drafts=tuple(not c.is_completed for c in trends.conversations),
    )


def line_runs(values: Sequence[int | None]) -> list[list[int]]:
    """The indices joined by a line: each run of neighbouring values that are present.

    A missing value (a skipped domain) ends a run: the line has a gap there and is never drawn
    down to zero or across. A run of one is a lone point (drawn as a marker only)."""
    runs: list[list[int]] = []
    run: list[int] = []
    for index, value in enumerate(values):
        if value is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append(index)
    if run:
        runs.append(run)
    return runs


def describe_trend(data: TrendData) -> str:
    """For screen readers: the scale, then per conversation its date, score and own score."""
    parts = []
    for index, day in enumerate(data.dates):
        score = data.scores[index]
        own = data.own_scores[index] if data.own_scores is not None else None
        fields = {
            "date": format_short_date(day),
            "score": format_number(score) if score is not None else "",
            "own": format_number(own) if own is not None else "",
        }
        if score is not None and own is not None:
            text = _("{date}: {score} (client's own score {own})")
        elif score is not None:
            text = _("{date}: {score}")
        elif own is not None:
            text = _("{date}: skipped (client's own score {own})")
        else:
            text = _("{date}: skipped")
        parts.append(text.format(**fields))
    scale = _("{domain}, scale from {minimum} to {maximum}.").format(
        domain=data.title, minimum=format_number(data.minimum), maximum=format_number(data.maximum)
    )
    return scale + " " + "; ".join(parts) + "."


# -- the chart --------------------------------------------------------------------------------


class TrendChart(QWidget):
    """A small line chart of one domain's scores over time, on the full scale; focusable."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._data: TrendData | None = None
        # Worked out once per data and font, not at each of the layout's many size questions.
        self._dates: list[str] = []
        self._heights: dict[tuple[str, int], int] = {}
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(_("Trend chart"))

    def set_data(self, data: TrendData | None) -> None:
        self._data = data
        self._dates = [format_short_date(day) for day in data.dates] if data is not None else []
        self._heights.clear()
        if data is not None:
            description = describe_trend(data)
            self.setAccessibleName(_("Trend of {domain}").format(domain=data.title))
            self.setAccessibleDescription(description)
            self.setToolTip(description)
        else:
            self.setAccessibleName(_("Trend chart"))
            self.setAccessibleDescription("")
        self.updateGeometry()
        self.update()

    def data(self) -> TrendData | None:
        return self._data

    # -- size -------------------------------------------------------------------------------

    def _line(self) -> float:
        return QFontMetricsF(self.font(), self).height()

    def sizeHint(self) -> QSize:
        width = round(24 * self._line())
        # Once laid out, the height is the one for the width it was given (the legend may wrap).
        laid_out = self.testAttribute(Qt.WidgetAttribute.WA_Resized)
        return QSize(width, self.height_at(self.width() if laid_out else width))

    def minimumSizeHint(self) -> QSize:
        # Never so narrow that a legend entry would have to be cut off.
        metrics = QFontMetricsF(self.font(), self)
        spacing = chart_parts.LegendSpacing.for_metrics(metrics)
        widest = max((metrics.horizontalAdvance(t) for t in self.legend_entries()), default=0.0)
        legend = spacing.swatch + spacing.after_swatch + widest + 0.6 * self._line() + 2
        return QSize(math.ceil(max(15 * self._line(), legend)), self.sizeHint().height())

    def height_at(self, width: int) -> int:
        """The height the chart needs at a width: a narrow chart wraps its legend into more rows."""
        key = (self.font().key(), width)
        if key not in self._heights:
            self._heights[key] = round(self._plot_height() + self._legend_height(width) + 3.2 * self._line())
        return self._heights[key]

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.height_at(event.size().width()) != self.height_at(event.oldSize().width()):
            self.updateGeometry()  # the legend wraps differently: another height

    def _plot_height(self) -> float:
        return 7.5 * self._line()

    def legend_entries(self) -> list[str]:
        if self._data is None or not self._data.has_own:
            return []
        return [_("Score"), _("Client's own score")]

    def _legend_left(self, width: float) -> float:
        """From the left edge of the lines; from the widget's edge when the entries then fit in
        fewer rows (a narrow chart)."""
        metrics = QFontMetricsF(self.font(), self)
        entries = self.legend_entries()
        margin = 0.3 * self._line()
        aligned = self._plot_left()
        rows_aligned = chart_parts.legend_rows(entries, metrics, width - aligned - margin)
        rows_edge = chart_parts.legend_rows(entries, metrics, width - 2 * margin)
        if rows_aligned <= rows_edge and self._legend_fits(width - aligned - margin):
            return aligned
        return margin

    def _legend_fits(self, room: float) -> bool:
        """Every entry whole on a row of this width."""
        metrics = QFontMetricsF(self.font(), self)
        spacing = chart_parts.LegendSpacing.for_metrics(metrics)
        widest = max((metrics.horizontalAdvance(t) for t in self.legend_entries()), default=0.0)
        return spacing.swatch + spacing.after_swatch + widest <= room

    def _legend_room(self, width: float) -> float:
        return max(1.0, width - self._legend_left(width) - 0.3 * self._line())

    def _legend_height(self, width: float | None = None) -> float:
        entries = self.legend_entries()
        if not entries:
            return 0.0
        metrics = QFontMetricsF(self.font(), self)
        rows = chart_parts.legend_rows(entries, metrics, self._legend_room(self.width() if width is None else width))
        return rows * chart_parts.LegendSpacing.for_metrics(metrics).row_height + 0.1 * self._line()

    def _legend_rect(self) -> QRectF:
        left = self._legend_left(self.width())
        return QRectF(left, 0.0, self._legend_room(self.width()), self._legend_height())

    def legend_text_rects(self) -> list[tuple[str, QRectF]]:
        """Where each legend text is written (for tests): whole, inside the widget."""
        metrics = QFontMetricsF(self.font(), self)
        spacing = chart_parts.LegendSpacing.for_metrics(metrics)
        rect = self._legend_rect()
        entries = self.legend_entries()
        placement = chart_parts.legend_placement(entries, metrics, rect.width())
        result = []
        for text, (row, x) in zip(entries, placement, strict=True):
            left = rect.left() + x + spacing.swatch + spacing.after_swatch
            width = min(metrics.horizontalAdvance(text), rect.right() - left)
            result.append((text, QRectF(left, rect.top() + row * spacing.row_height, width, spacing.row_height)))
        return result

    # -- colours ----------------------------------------------------------------------------

    def _is_dark(self) -> bool:
        return chart_parts.is_dark(self.palette())

    def text_colour(self) -> QColor:
        return chart_parts.text_colour(self.palette())

    def muted_colour(self) -> QColor:
        return chart_parts.muted_colour(self.palette())

    def grid_colour(self) -> QColor:
        return chart_parts.grid_colour(self.palette(), 0.18)

    def score_colour(self) -> QColor:
        """The professional's score, in the fixed blue (a theme's highlight may be pale on a small chart)."""
        return chart_parts.strong_blue(self.palette())

    def own_colour(self) -> QColor:
        return chart_parts.own_colour(self.palette())

    def series_colour(self, kind: str) -> QColor:
        return self.own_colour() if kind == OWN else self.score_colour()

    def series_pen(self, kind: str) -> QPen:
        """The same lines as in the spider chart: solid for the score, dotted for the client's own."""
        return chart_parts.series_pen(self.series_colour(kind), kind)

    # -- geometry (exposed for tests) -------------------------------------------------------

    def _date_texts(self) -> list[str]:
        assert self._data is not None
        return self._dates

    def _numbers_width(self) -> float:
        metrics = QFontMetricsF(self.font(), self)
        numbers = [format_number(v) for v in (self._data.minimum, self._data.maximum)] if self._data else ["10"]
        return max(metrics.horizontalAdvance(n) for n in numbers) + 0.8 * self._line()

    def _inset(self) -> float:
        # Half a date's width on either side, so the first and the last date are never cut off.
        metrics = QFontMetricsF(self.font(), self)
        widest_date = max((metrics.horizontalAdvance(t) for t in self._date_texts()), default=0.0) if self._data else 0
        return max(0.6 * self._line(), widest_date / 2 + 2)

    def _plot_left(self) -> float:
        return self._numbers_width() + self._inset()

    def plot_rect(self) -> QRectF:
        """Where the lines are drawn: right of the scale's numbers, above the dates."""
        left, inset = self._numbers_width(), self._inset()
        top = 1.3 * self._line() + self._legend_height()  # room for a value above the top ring
        return QRectF(left + inset, top, max(1.0, self.width() - left - 2 * inset), self._plot_height())

    def x_for(self, index: int) -> float:
        """By time, the first conversation on the left and the latest on the right; conversations
        close together are moved apart just enough for their points and values to stay readable."""
        assert self._data is not None
        rect = self.plot_rect()
        return rect.left() + self._x_offsets(rect.width())[index]

    def _x_offsets(self, width: float) -> list[float]:
        assert self._data is not None
        days = [d.toordinal() for d in self._data.dates]
        count = len(days)
        if count <= 1:
            return [width / 2] * count
        if days[-1] == days[0]:
            return [width * i / (count - 1) for i in range(count)]
        xs = [width * (day - days[0]) / (days[-1] - days[0]) for day in days]
        gap = min(2.4 * self._line(), width / (count - 1))
        for i in range(1, count):
            xs[i] = max(xs[i], xs[i - 1] + gap)
        xs[-1] = min(xs[-1], width)
        for i in range(count - 2, -1, -1):
            xs[i] = min(xs[i], xs[i + 1] - gap)
        return xs

    def y_for(self, value: float) -> float:
        """The full scale: the minimum on the bottom line, the maximum on the top line."""
        assert self._data is not None
        rect = self.plot_rect()
        span = max(1, self._data.maximum - self._data.minimum)
        share = (min(max(value, self._data.minimum), self._data.maximum) - self._data.minimum) / span
        return rect.bottom() - rect.height() * share

    def point_for(self, index: int, value: float) -> QPointF:
        return QPointF(self.x_for(index), self.y_for(value))

    def series_path(self, values: Sequence[int | None]) -> QPainterPath:
        """The line through the present values; a new subpath (a gap) after each missing one."""
        path = QPainterPath()
        for run in line_runs(values):
            value = values[run[0]]
            assert value is not None
            path.moveTo(self.point_for(run[0], value))
            for index in run[1:]:
                value = values[index]
                assert value is not None
                path.lineTo(self.point_for(index, value))
        return path

    def y_ticks(self) -> list[int]:
        assert self._data is not None
        low, high = self._data.minimum, self._data.maximum
        steps = max(1, high - low)
        step = next((s for s in (1, 2, 5, 10, 20, 25, 50, 100) if steps / s <= MAX_Y_LABELS - 1), steps)
        ticks = list(range(low, high, step))
        return [*ticks, high]

    def date_label_indices(self) -> list[int]:
        """Which dates are written: all when they fit, else the first, the last and what fits between."""
        assert self._data is not None
        metrics = QFontMetricsF(self.font(), self)
        texts = self._date_texts()
        count = len(texts)
        if count == 0:
            return []
        gap = 0.6 * self._line()
        order = [0, count - 1] if count > 1 else [0]
        order += [i for i in range(1, count - 1)]
        shown: list[tuple[float, float, int]] = []
        for index in order:
            half = metrics.horizontalAdvance(texts[index]) / 2
            x = self.x_for(index)
            if all(x + half + gap <= left or x - half - gap >= right for left, right, _i in shown):
                shown.append((x - half, x + half, index))
        return sorted(i for _l, _r, i in shown)

    # -- painting ---------------------------------------------------------------------------

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        base = self.palette().color(QPalette.ColorRole.Base)
        painter.fillRect(self.rect(), base)
        if self.hasFocus():
            pen = QPen(self.palette().color(QPalette.ColorRole.Highlight), 2.0)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))
        if self._data is None or not self._data.dates:
            painter.end()
            return
        self._paint_axes(painter)
        if self._data.own_scores is not None and self._data.has_own:
            self._paint_series(painter, self._data.own_scores, own=True)
        self._paint_series(painter, self._data.scores, own=False)
        if self._data.has_own:
            self._paint_legend(painter)
        painter.end()

    def _paint_axes(self, painter: QPainter) -> None:
        assert self._data is not None
        rect = self.plot_rect()
        metrics = QFontMetricsF(self.font(), self)
        grid = self.grid_colour()
        for value in self.y_ticks():
            y = self.y_for(value)
            painter.setPen(QPen(grid, 1.4 if value in (self._data.minimum, self._data.maximum) else 1.0))
            painter.drawLine(QPointF(rect.left() - 4, y), QPointF(rect.right() + 4, y))
            painter.setPen(self.muted_colour())
            text = format_number(value)
            box = QRectF(0, y - metrics.height() / 2, rect.left() - 0.5 * self._line() - 4, metrics.height())
            box.setLeft(2)
            painter.drawText(box, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), text)
        texts = self._date_texts()
        painter.setPen(self.muted_colour())
        for index in range(len(texts)):
            x = self.x_for(index)
            painter.setPen(QPen(grid, 1.0))
            painter.drawLine(QPointF(x, rect.bottom()), QPointF(x, rect.bottom() + 4))
        painter.setPen(self.text_colour())
        for index in self.date_label_indices():
            x = self.x_for(index)
            width = metrics.horizontalAdvance(texts[index]) + 2
            box = QRectF(x - width / 2, rect.bottom() + 6, width, metrics.height())
            painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), texts[index])

    def _paint_series(self, painter: QPainter, values: Sequence[int | None], own: bool) -> None:
        kind = OWN if own else CURRENT
        colour = self.series_colour(kind)
        painter.setPen(self.series_pen(kind))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self.series_path(values))
        for index, value in enumerate(values):
            if value is None:
                continue
            self.paint_marker(painter, self.point_for(index, value), own)
            painter.setPen(colour if not self._is_dark() else self.text_colour())
            painter.drawText(
                self.value_rect(index, value, own), int(Qt.AlignmentFlag.AlignCenter), format_number(value)
            )

    def value_rect(self, index: int, value: int, own: bool) -> QRectF:
        """Where a value is written: above or below its point, on the side away from the other
        series; beside the point when below would run over the bottom line and the dates."""
        metrics = QFontMetricsF(self.font(), self)
        point = self.point_for(index, value)
        width = metrics.horizontalAdvance(format_number(value)) + 4
        height = metrics.height()
        offset = 0.45 * self._line() + 0.5 * height
        if self.value_above(index, own):
            return QRectF(point.x() - width / 2, point.y() - offset - height / 2, width, height)
        below = QRectF(point.x() - width / 2, point.y() + offset - height / 2, width, height)
        if below.bottom() <= self.plot_rect().bottom() + 1:
            return below
        # Beside the point, right of it (left of the latest, which has no room on its right).
        reach = self.marker_size() * chart_parts.DIAMOND_REACH + 0.2 * self._line()
        top = min(point.y() - height / 2, self.plot_rect().bottom() + 1 - height)
        last = self._data is not None and index == len(self._data.dates) - 1
        left = point.x() - reach - width if last else point.x() + reach
        return QRectF(left, top, width, height)

    def value_above(self, index: int, own: bool) -> bool:
        """Whether a value is written above its point: the higher of the two series above, the
        lower below (the professional's score above when they are equal)."""
        assert self._data is not None
        score = self._data.scores[index]
        mine = self._data.own_scores[index] if self._data.own_scores is not None else None
        if score is None or mine is None:
            value = mine if own else score
            # Alone: above, unless it sits on the top line (then below, inside the chart).
            return value is None or value < self._data.maximum
        return mine > score if own else score >= mine

    def marker_size(self) -> float:
        return 0.26 * self._line()

    def paint_marker(self, painter: QPainter, point: QPointF, own: bool) -> None:
        """A filled dot for the score, a hollow diamond for the client's own (as in the spider chart)."""
        kind = OWN if own else CURRENT
        base = self.palette().color(QPalette.ColorRole.Base)
        chart_parts.paint_marker(painter, point, kind, self.marker_size(), self.series_colour(kind), base)

    def _paint_legend(self, painter: QPainter) -> None:
        """The legend's rows from the left edge of the lines, above them; wrapped when narrow."""
        painter.setFont(self.font())
        entries = [LegendEntry(_("Score"), CURRENT), LegendEntry(_("Client's own score"), OWN)]
        look = LegendLook(
            colours={kind: self.series_colour(kind) for kind in (CURRENT, OWN)},
            marker_sizes=dict.fromkeys((CURRENT, OWN), self.marker_size()),
            text=self.text_colour(),
            base=self.palette().color(QPalette.ColorRole.Base),
        )
        metrics = QFontMetricsF(self.font(), self)
        chart_parts.paint_legend(painter, self._legend_rect(), entries, metrics, look, centred=False)


# -- the table --------------------------------------------------------------------------------


class TrendTable(FittingTableWidget):
    """The values of one trend chart: date, score and (when the client gave any) own score."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._headers: list[str] = []
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSortingEnabled(False)
        self.setWordWrap(False)
        self.setTabKeyNavigation(False)  # Tab leaves the table; the arrows move within it
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizeAdjustPolicy(QAbstractItemView.SizeAdjustPolicy.AdjustToContents)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Maximum)

    def set_data(self, data: TrendData) -> None:
        # The headers and the cells stay; their texts change (a card shows the next client's domain).
        with filled_then_fitted(self):
            headers = [_("Date"), _("Score")] + ([_("Own score")] if data.has_own else [])
            if headers != self._headers:
                self.setColumnCount(len(headers))
                self.setHorizontalHeaderLabels(headers)
                self._headers = headers
            self.selectionModel().clear()  # as a table filled anew: nothing chosen in it
            self.setRowCount(len(data.dates))
            self.setAccessibleName(_("Scores of {domain} as a table").format(domain=data.title))
            for row, day in enumerate(data.dates):
                text = format_short_date(day)
                if data.is_draft(row):
                    text = _("{date} (draft)").format(date=text)
                self._cell(row, 0).setText(text)
                values = [data.scores[row]]
                if data.has_own:
                    assert data.own_scores is not None
                    values.append(data.own_scores[row])
                for column, value in enumerate(values, start=1):
                    self._number(self._cell(row, column), value)
        self.resizeColumnsToContents()
        self.updateGeometry()

    def _cell(self, row: int, column: int) -> QTableWidgetItem:
        item = self.item(row, column)
        if item is None:
            item = QTableWidgetItem()
            if column > 0:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.setItem(row, column, item)
        return item

    def _number(self, item: QTableWidgetItem, value: int | None) -> None:
        item.setText(NO_VALUE if value is None else format_number(value))
        item.setData(Qt.ItemDataRole.AccessibleTextRole, _("skipped, no score") if value is None else None)

    def sizeHint(self) -> QSize:
        width = self.verticalHeader().width() + 2 * self.frameWidth()
        width += sum(self.columnWidth(c) for c in range(self.columnCount()))
        height = self.horizontalHeader().height() + 2 * self.frameWidth()
        height += sum(self.rowHeight(r) for r in range(self.rowCount()))
        return QSize(width + 2, height + 2)

    def cell_text(self, row: int, column: int) -> str:
        item = self.item(row, column)
        return "" if item is None else item.text()

    def header_texts(self) -> list[str]:
        return [self.horizontalHeaderItem(c).text() for c in range(self.columnCount())]


# -- one domain, and the panel ----------------------------------------------------------------


class DomainTrend(QWidget):
    """A domain's title, its trend chart and the table of its values beside it."""

    def __init__(self, data: TrendData, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel()
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.chart = TrendChart()
        self.table = TrendTable()
        self._colour = ""
        self.set_data(data)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(10)
        row.addWidget(self.chart, 1, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.table, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addLayout(row)
        layout.addStretch(1)  # a shorter card beside a taller one keeps its title at the top

    def set_data(self, data: TrendData) -> None:
        """Another domain or client in the same card (cheaper than a new card per client)."""
        self.title.setText(data.title)
        if data.colour != self._colour:
            self._colour = data.colour
            self.title.setStyleSheet(f"QLabel {{ border-left: 5px solid {data.colour}; padding-left: 6px; }}")
        self.chart.set_data(data)
        self.table.set_data(data)


def first_and_latest_chart(trends: ModelTrends) -> ChartData | None:
    """The spider chart of a model's first and latest conversation with the client's own scores
    of the latest beside them; None below three scored domains (a web needs three axes)."""
    if len(trends.domains) < MIN_AXES or trends.latest is None or trends.first is None:
        return None
    latest, first = trends.latest, trends.first
    current = {d.domain_id: d.score for d in latest.domains if d.score is not None}
    own = {d.domain_id: d.client_score for d in latest.domains if d.client_score is not None}
    earlier = None
    if first.id != latest.id:
        earlier = {d.domain_id: d.score for d in first.domains if d.score is not None} or None
    latest_day = format_short_date(_day(latest.started_at))
    return ChartData(
        axes=tuple(ChartAxis(d.domain_id, d.label, d.colour) for d in trends.domains),
        minimum=min(d.minimum for d in trends.domains),
        maximum=max(d.maximum for d in trends.domains),
        current=current,
        previous=earlier,
        current_label=_("Latest conversation ({date})").format(date=latest_day)
        if earlier is not None
        else _("Conversation of {date}").format(date=latest_day),
        previous_label=_("First conversation ({date})").format(date=format_short_date(_day(first.started_at))),
        own=own or None,
        own_label=_("Client's own score ({date})").format(date=latest_day),
        first_and_latest=True,
    )


class TrendsPanel(QWidget):
    """How things moved with a client, one conversation model at a time."""

    model_changed = Signal(str)

    COLUMNS = 2

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._trends: tuple[ModelTrends, ...] = ()
        self.domain_trends: list[DomainTrend] = []
        self._spare_cards: list[DomainTrend] = []  # hidden, for the next client's domains

        self.model_label = QLabel(_("Conversation model:"))
        self.model_combo = QComboBox()
        self.model_combo.setAccessibleName(_("Conversation model of the trends"))
        self.model_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.model_label.setBuddy(self.model_combo)
        self.model_combo.currentIndexChanged.connect(self._model_chosen)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        chooser = QHBoxLayout()
        chooser.setContentsMargins(0, 0, 0, 0)
        chooser.addWidget(self.model_label)
        chooser.addWidget(self.model_combo)
        chooser.addSpacing(12)
        chooser.addWidget(self.summary, 1)

        self.chart_heading = QLabel(_("First and latest conversation"))
        font = self.chart_heading.font()
        font.setBold(True)
        self.chart_heading.setFont(font)
        self.spider = ChartPanel()
        self.spider.chart.setAccessibleName(_("Spider chart of the first and the latest conversation"))
        self.spider.setMinimumHeight(380)
        self.spider.setMaximumHeight(520)

        self.domains_heading = QLabel(_("Per domain"))
        self.domains_heading.setFont(font)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(28)
        self.grid.setVerticalSpacing(16)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addLayout(chooser)
        layout.addWidget(self.chart_heading)
        layout.addWidget(self.spider)
        layout.addWidget(self.domains_heading)
        layout.addLayout(self.grid)

    # -- showing ------------------------------------------------------------------------------

    @property
    def trends(self) -> tuple[ModelTrends, ...]:
        return self._trends

    def current_trends(self) -> ModelTrends | None:
        index = self.model_combo.currentIndex()
        return self._trends[index] if 0 <= index < len(self._trends) else None

    def set_trends(self, trends: tuple[ModelTrends, ...]) -> None:
        """Show these models' trends; the model shown before stays chosen when it is still there."""
        previous = self.current_trends()
        self._trends = trends
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        for item in trends:
            self.model_combo.addItem(item.model_title, item.model_id)
        keep = next((i for i, t in enumerate(trends) if previous and t.model_id == previous.model_id), 0)
        self.model_combo.setCurrentIndex(keep if trends else -1)
        self.model_combo.blockSignals(False)
        several = len(trends) > 1
        self.model_label.setVisible(several)
        self.model_combo.setVisible(several)
        self._show(self.current_trends())

    def show_model(self, model_id: str) -> bool:
        index = self.model_combo.findData(model_id)
        if index < 0:
            return False
        self.model_combo.setCurrentIndex(index)
        return True

    def _model_chosen(self, _index: int) -> None:
        trends = self.current_trends()
        self._show(trends)
        if trends is not None:
            self.model_changed.emit(trends.model_id)

    def _show(self, trends: ModelTrends | None) -> None:
        # The cards already made show the new domains (a card per domain per client would be
        # built anew at every opening); the ones left over wait, hidden, for a later client.
        wanted = len(trends.domains) if trends is not None else 0
        for widget in self.domain_trends[wanted:]:
            self.grid.removeWidget(widget)
            widget.hide()
        cards = self.domain_trends + self._spare_cards
        kept, self._spare_cards = cards[:wanted], cards[wanted:]
        shown, self.domain_trends = len(self.domain_trends), []
        if trends is None:
            self.summary.setText("")
            self.spider.set_data(None)
            for widget in (self.chart_heading, self.spider, self.domains_heading):
                widget.hide()
            return
        count = len(trends.conversations)
        self.summary.setText(
            _("{model}: {count} conversations, from {first} to {latest}").format(
                model=trends.model_title,
                count=count,
                first=format_short_date(_day(trends.conversations[0].started_at)),
                latest=format_short_date(_day(trends.conversations[-1].started_at)),
            )
            if count > 1
            else _("{model}: one conversation so far, on {date}").format(
                model=trends.model_title, date=format_short_date(_day(trends.conversations[0].started_at))
            )
        )
        chart = first_and_latest_chart(trends)
        self.spider.set_data(chart)
        self.chart_heading.setVisible(chart is not None)
        self.spider.setVisible(chart is not None)
        self.domains_heading.setVisible(True)
        for number, domain in enumerate(trends.domains):
            if number < len(kept):
                widget = kept[number]
                widget.set_data(trend_data(trends, domain))
                self.domain_trends.append(widget)
                if number >= shown:  # a spare card: back into the grid
                    self.grid.addWidget(
                        widget, number // self.COLUMNS, number % self.COLUMNS, Qt.AlignmentFlag.AlignTop
                    )
                    widget.show()  # it was hidden explicitly: the layout would not show it
                continue
            widget = DomainTrend(trend_data(trends, domain), self)
            self.grid.addWidget(widget, number // self.COLUMNS, number % self.COLUMNS, Qt.AlignmentFlag.AlignTop)
            if self.isVisible():  # at once, not after the layout's queued show: Tab may come first
                widget.show()
            self.domain_trends.append(widget)
        self._chain_tab_order()

    def focus_widgets(self) -> list[QWidget]:
        """The keyboard's way through the panel, in reading order."""
        widgets: list[QWidget] = []
        if self.model_combo.isVisibleTo(self):
            widgets.append(self.model_combo)
        if self.spider.isVisibleTo(self) and self.spider.showing_chart():
            widgets.append(self.spider.table)
        for trend in self.domain_trends:
            widgets += [trend.chart, trend.table]
        return widgets

    def _chain_tab_order(self) -> None:
        widgets = self.focus_widgets()
        for first, second in pairwise(widgets):
            QWidget.setTabOrder(first, second)

    def first_focus_widget(self) -> QWidget | None:
        widgets = self.focus_widgets()
        return widgets[0] if widgets else None
