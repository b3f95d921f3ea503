"""The trend and spider charts as the client's page shows them: nothing cut off, the same look for
the same series in both charts, gaps drawn as gaps."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QFontMetricsF

from broadtalk import i18n
from broadtalk.client_history import DomainScores, ModelTrends, TrendConversation, TrendDomain
from broadtalk.i18n import _
from broadtalk.ui import chart_parts
from broadtalk.ui.spider_chart import ChartAxis, ChartData, SpiderChart
from broadtalk.ui.trend_chart import TrendChart, TrendData, TrendsPanel

DATES = (date(2026, 3, 18), date(2026, 6, 13), date(2026, 8, 28))


def _data(scores, own=None, title="Lichaam") -> TrendData:
    return TrendData(title, "#0072B2", 0, 10, DATES[: len(scores)], tuple(scores),
                     None if own is None else tuple(own))  # fmt: skip


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("width", [200, 268, 420])
def test_the_trend_legend_is_never_cut_off(qtbot, language, width):
    """A narrow card (two columns of cards, Dutch, large type) wraps the legend instead of cutting
    "Client's own score" off at the chart's edge."""
    i18n.set_language(language)
    chart = TrendChart()
    qtbot.addWidget(chart)
    chart.set_data(_data([None, 3, 6], own=[None, 1, None]))
    chart.resize(width, chart.sizeHint().height())
    chart.show()
    qtbot.waitExposed(chart)
    chart.resize(width, chart.sizeHint().height())  # the legend's rows follow the width
    rects = chart.legend_text_rects()
    assert [text for text, _rect in rects] == [_("Score"), _("Client's own score")]
    metrics = QFontMetricsF(chart.font(), chart)
    for text, rect in rects:
        assert rect.width() >= metrics.horizontalAdvance(text), text  # whole, not elided
        assert QRectF(chart.rect()).contains(rect), (text, rect, chart.rect())
    # The lines start below the legend.
    assert chart.plot_rect().top() > max(rect.bottom() for _t, rect in rects)
    assert chart.height() >= chart.plot_rect().bottom() + metrics.height()  # the dates fit under it


def test_a_low_value_is_never_written_over_the_dates(qtbot):
    """The lower of two values is written below its point, unless that would put it on the bottom
    line and the dates: then beside the point."""
    chart = TrendChart()
    qtbot.addWidget(chart)
    chart.set_data(_data([None, 3, 6], own=[None, 1, None]))
    chart.resize(420, chart.sizeHint().height())
    bottom = chart.plot_rect().bottom()
    for index, value, own in ((1, 1, True), (1, 3, False), (2, 6, False)):
        box = chart.value_rect(index, value, own)
        assert box.bottom() <= bottom + 1, (value, box, bottom)
    # Beside a point, not over it: the diamond stays readable.
    box = chart.value_rect(1, 1, True)
    point = chart.point_for(1, 1)
    assert not box.contains(point)


def test_the_clients_own_score_looks_the_same_in_the_trend_and_the_spider_chart(qtbot):
    """On the client's page the spider's dashed line is the first conversation: the trend chart must
    not draw the client's own score dashed as well."""
    trend = TrendChart()
    qtbot.addWidget(trend)
    trend.set_data(_data([4, 5, 6], own=[None, 8, 9]))
    spider = SpiderChart()
    qtbot.addWidget(spider)
    axes = tuple(ChartAxis(d, d, "#000000") for d in ("a", "b", "c"))
    spider.set_data(ChartData(axes, 0, 10, {"a": 1, "b": 2, "c": 3}, own={"a": 2}))
    assert (
        trend.series_pen(chart_parts.OWN).dashPattern() == spider.series_pen(spider.own_colour(), "own").dashPattern()
    )
    assert trend.series_pen(chart_parts.CURRENT).style() == spider.series_pen(spider.own_colour(), "current").style()
    assert trend.own_colour() == spider.own_colour()


def test_domain_cards_in_a_row_start_level(qtbot):
    """A card without own scores (no legend) starts at the same height as its neighbour."""
    domains = tuple(TrendDomain(d, d.title(), d.title(), "#000000", 0, 10) for d in ("a", "b", "c"))
    values = [{"a": (2, None), "b": (3, None), "c": (4, None)}, {"a": (5, 6), "b": (None, None), "c": (5, 3)}]
    conversations = tuple(
        TrendConversation(
            i, datetime(2025, 1 + 3 * i, 7, 9, tzinfo=UTC), True, tuple(DomainScores(d, *v[d]) for d in ("a", "b", "c"))
        )
        for i, v in enumerate(values)
    )
    panel = TrendsPanel()
    qtbot.addWidget(panel)
    panel.resize(1000, 1400)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_trends((ModelTrends("m", 1, "Model", domains, conversations),))
    qtbot.wait(10)
    first, second = panel.domain_trends[:2]
    assert first.chart.data().has_own and not second.chart.data().has_own
    top = [card.title.mapTo(panel, card.title.rect().topLeft()).y() for card in (first, second)]
    assert top[0] == top[1]
    # The title is a line of text at the top, not a label stretched over spare height with its text
    # in the middle (lower than its neighbour's).
    for card in (first, second):
        assert card.title.height() == card.title.sizeHint().height()


@pytest.mark.parametrize("language", ["nl", "en"])
def test_no_legend_text_runs_off_the_charts_edge(qtbot, language):
    """As painted: at the width of a card on a 1000-pixel page, nothing of the legend (above the
    lines) touches the chart's right edge, where a text that does not fit would be cut off."""
    i18n.set_language(language)
    chart = TrendChart()
    qtbot.addWidget(chart)
    chart.set_data(_data([None, 3, 6], own=[None, 1, None]))
    chart.resize(268, chart.sizeHint().height())
    chart.show()
    qtbot.waitExposed(chart)
    chart.resize(268, chart.sizeHint().height())
    image = chart.grab().toImage()
    ratio = image.devicePixelRatio()
    band = range(0, round((chart.plot_rect().top() - chart.fontMetrics().height()) * ratio))
    edge = range(image.width() - round(4 * ratio), image.width())
    ink = [(x, y) for x in edge for y in band if image.pixelColor(x, y).lightnessF() < 0.75]
    assert not ink, ink[:5]


def test_no_value_is_painted_among_the_dates(qtbot):
    """As painted: below the bottom line (the dates) there is nothing in the client's own colour."""
    chart = TrendChart()
    qtbot.addWidget(chart)
    chart.set_data(_data([None, 3, 6], own=[None, 1, None]))
    chart.resize(420, chart.sizeHint().height())
    image = chart.grab().toImage()
    ratio = image.devicePixelRatio()
    own = chart.own_colour()
    rows = range(round((chart.plot_rect().bottom() + 3) * ratio), image.height())

    def orange(x: int, y: int) -> bool:
        colour = image.pixelColor(x, y)
        return all(abs(a - b) <= 60 for a, b in zip(colour.getRgb()[:3], own.getRgb()[:3], strict=True))

    assert not [(x, y) for y in rows for x in range(image.width()) if orange(x, y)]
