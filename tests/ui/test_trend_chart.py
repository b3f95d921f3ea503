"""The trend chart of one domain over time, its table, and the first-and-latest spider data: a
skipped domain is a gap (never a zero), the scale is the model's full scale, the client's own
score is a second series told apart by line and shape."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainterPath

from broadtalk.client_history import DomainScores, ModelTrends, TrendConversation, TrendDomain
from broadtalk.i18n import _
from broadtalk.ui.chart_parts import CURRENT, DIAMOND_REACH, OWN
from broadtalk.ui.trend_chart import (
    TrendChart,
    TrendData,
    TrendTable,
    describe_trend,
    first_and_latest_chart,
    line_runs,
    trend_data,
)

DATES = (date(2025, 1, 7), date(2025, 5, 7), date(2025, 9, 23), date(2026, 1, 21))


def _data(scores, own=None, minimum=0, maximum=10, dates=DATES, drafts=()) -> TrendData:
    return TrendData("Meedoen", "#56B4E9", minimum, maximum, dates[: len(scores)], tuple(scores),
                     None if own is None else tuple(own), drafts)  # fmt: skip


def _chart(qtbot, data: TrendData, width: int = 420) -> TrendChart:
    chart = TrendChart()
    qtbot.addWidget(chart)
    chart.set_data(data)
    chart.resize(width, chart.sizeHint().height())
    return chart


def _near(colour: QColor, target: QColor, tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour.getRgb()[:3], target.getRgb()[:3], strict=True))


def _subpaths(path: QPainterPath) -> int:
    return sum(1 for i in range(path.elementCount()) if path.elementAt(i).isMoveTo())


def test_line_runs_break_at_every_missing_value():
    assert line_runs([3, None, 7, 8]) == [[0], [2, 3]]
    assert line_runs([None, None]) == []
    assert line_runs([1, 2, 3]) == [[0, 1, 2]]
    assert line_runs([0, None, 0]) == [[0], [2]]  # a real 0 is a value


def test_a_skipped_conversation_is_a_gap_in_the_line_never_a_point_at_zero(qtbot):
    dates = (*DATES, date(2026, 5, 1))
    chart = _chart(qtbot, _data([4, 5, None, 7, 8], dates=dates))
    path = chart.series_path(chart.data().scores)
    assert _subpaths(path) == 2  # broken at the skipped date
    assert path.elementCount() == 4  # 4-5, then 7-8: nothing at the skipped date
    bottom = chart.y_for(0)
    assert all(path.elementAt(i).y < bottom - 1 for i in range(path.elementCount()))
    lone = _chart(qtbot, _data([4, None, 7, 8]))
    assert lone.series_path(lone.data().scores).elementCount() == 2  # the lone 4 is a marker only
    image = lone.grab().toImage()
    first = lone.point_for(0, 4)
    assert _near(image.pixelColor(round(first.x()), round(first.y())), lone.score_colour())
    chart = lone
    bottom = chart.y_for(0)
    # Painted: at the skipped date nothing of the line's colour lies on the zero line or between 4 and 7.
    image = chart.grab().toImage()
    x = round(chart.x_for(1))
    column = [
        image.pixelColor(x + dx, y) for dx in (-1, 0, 1) for y in range(round(chart.y_for(10)), round(bottom) + 1)
    ]
    assert not any(_near(c, chart.score_colour()) for c in column)
    # The joined part is drawn: halfway between the third and the fourth point.
    a, b = chart.point_for(2, 7), chart.point_for(3, 8)
    middle = QPointF((a.x() + b.x()) / 2, (a.y() + b.y()) / 2)
    assert any(
        _near(image.pixelColor(round(middle.x()) + dx, round(middle.y()) + dy), chart.score_colour())
        for dx in (-1, 0, 1)
        for dy in (-1, 0, 1)
    )


def test_the_full_scale_and_time_run_along_the_axes(qtbot):
    chart = _chart(qtbot, _data([1, 1, 1], minimum=1, maximum=5))
    plot = chart.plot_rect()
    assert chart.y_for(1) == pytest.approx(plot.bottom()) and chart.y_for(5) == pytest.approx(plot.top())
    assert chart.y_ticks() == [1, 2, 3, 4, 5]
    xs = [chart.x_for(i) for i in range(3)]
    assert xs[0] == pytest.approx(plot.left()) and xs[-1] == pytest.approx(plot.right())
    assert xs[0] < xs[1] < xs[2]
    # Spaced by time: four months, then four and a half.
    assert (xs[1] - xs[0]) < (xs[2] - xs[1])
    # Dates close together are still apart enough to read.
    close = _chart(qtbot, _data([3, 4, 5], dates=(date(2025, 1, 1), date(2025, 1, 2), date(2025, 12, 31))))
    assert close.x_for(1) - close.x_for(0) >= 2 * close.fontMetrics().height()
    # Every date label inside the widget.
    metrics = close.fontMetrics()
    for index in close.date_label_indices():
        half = metrics.horizontalAdvance(close._date_texts()[index]) / 2
        assert close.x_for(index) - half >= 0 and close.x_for(index) + half <= close.width()
    assert close.date_label_indices()[0] == 0 and close.date_label_indices()[-1] == 2


def test_the_clients_own_score_is_a_dotted_second_series_with_its_legend(qtbot):
    without = _chart(qtbot, _data([4, 5, 6]))
    assert without.legend_entries() == []
    chart = _chart(qtbot, _data([4, 5, 6], own=[None, 8, 9]))
    assert chart.legend_entries() == [_("Score"), _("Client's own score")]
    assert chart.sizeHint().height() > without.sizeHint().height()  # room for the legend
    # Dotted (as in the spider chart, where dashed is the first conversation), the score solid.
    assert chart.series_pen(OWN).dashPattern() == [0.1, 2.2] and not chart.series_pen(CURRENT).dashPattern()
    own_path = chart.series_path(chart.data().own_scores)
    assert _subpaths(own_path) == 1 and own_path.elementCount() == 2
    image = chart.grab().toImage()
    diamond = chart.point_for(2, 9)
    size = chart.marker_size() * DIAMOND_REACH
    # A hollow diamond: its outline in the own colour, its middle the background.
    assert any(
        _near(image.pixelColor(round(diamond.x() + dx), round(diamond.y() - size + 1)), chart.own_colour(), 60)
        for dx in (-1, 0, 1)
    )
    assert not _near(image.pixelColor(round(diamond.x()), round(diamond.y())), chart.own_colour(), 30)
    # The higher of the two values is written above its point, the lower below.
    assert chart.value_above(2, own=True) and not chart.value_above(2, own=False)


def test_the_chart_is_focusable_and_named_for_screen_readers(qtbot):
    chart = _chart(qtbot, _data([4, None, 7], own=[None, 3, None]))
    assert chart.focusPolicy() & Qt.FocusPolicy.TabFocus
    assert chart.accessibleName() == _("Trend of {domain}").format(domain="Meedoen")
    description = chart.accessibleDescription()
    assert description == describe_trend(chart.data())
    assert _("{date}: skipped (client's own score {own})").format(date="07-05-2025", own="3") in description
    assert _("{date}: {score}").format(date="07-01-2025", score="4") in description


def test_at_200_percent_the_chart_is_drawn_at_double_resolution(qtbot):
    chart = _chart(qtbot, _data([10, 10]))
    image = QImage(chart.width() * 2, chart.height() * 2, QImage.Format.Format_ARGB32)
    image.setDevicePixelRatio(2)
    image.fill(0)
    chart.render(image)
    point = chart.point_for(1, 10)
    assert _near(image.pixelColor(round(point.x() * 2), round(point.y() * 2)), chart.score_colour())


def test_the_table_lists_date_score_and_own_score_with_dashes_for_skipped(qtbot):
    table = TrendTable()
    qtbot.addWidget(table)
    table.set_data(_data([4, None, 7], own=[None, 3, None], drafts=(False, False, True)))
    assert table.header_texts() == [_("Date"), _("Score"), _("Own score")]
    assert [[table.cell_text(r, c) for c in range(3)] for r in range(3)] == [
        ["07-01-2025", "4", "\u2013"],
        ["07-05-2025", "\u2013", "3"],
        [_("{date} (draft)").format(date="23-09-2025"), "7", "\u2013"],
    ]
    assert table.item(1, 1).data(Qt.ItemDataRole.AccessibleTextRole) == _("skipped, no score")
    assert table.accessibleName() == _("Scores of {domain} as a table").format(domain="Meedoen")
    assert not table.tabKeyNavigation()
    table.set_data(_data([4, 5]))
    assert table.header_texts() == [_("Date"), _("Score")]


def _trends(conversations) -> ModelTrends:
    domains = tuple(TrendDomain(d, d.title(), d.title(), "#000000", 0, 10) for d in ("a", "b", "c"))
    return ModelTrends(
        "m",
        1,
        "Model",
        domains,
        tuple(
            TrendConversation(
                i,
                datetime(2025, 1 + 3 * i, 7, 9, tzinfo=UTC),
                True,
                tuple(DomainScores(d, *values[d]) for d in ("a", "b", "c")),
            )
            for i, values in enumerate(conversations)
        ),
    )


def test_the_spider_data_overlays_the_first_and_the_latest_with_the_latest_own_scores():
    trends = _trends(
        [
            {"a": (2, None), "b": (3, None), "c": (4, None)},
            {"a": (5, 6), "b": (None, 1), "c": (5, None)},
            {"a": (8, 7), "b": (None, None), "c": (0, 2)},
        ]
    )
    data = first_and_latest_chart(trends)
    assert data.first_and_latest
    assert data.previous == {"a": 2, "b": 3, "c": 4}
    assert data.current == {"a": 8, "c": 0}  # b skipped: absent, a gap; 0 is a score
    assert data.own == {"a": 7, "c": 2}
    assert "07-01-2025" in data.previous_label and "07-07-2025" in data.current_label
    series = trend_data(trends, trends.domains[1])
    assert series.scores == (3, None, None) and series.own_scores == (None, 1, None)
    one = _trends([{"a": (2, None), "b": (3, None), "c": (4, None)}])
    assert first_and_latest_chart(one).previous is None and first_and_latest_chart(one).own is None
