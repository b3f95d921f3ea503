"""The spider chart, its score table and the panel holding both, rendered offscreen and read back as pixels."""

from __future__ import annotations

import itertools
import math

import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QBoxLayout

from broadtalk import i18n
from broadtalk.forms.library import builtin_models
from broadtalk.forms.loader import load_model_text
from broadtalk.forms.schema import ConversationModel
from broadtalk.i18n import _
from broadtalk.ui.spider_chart import (
    ChartAxis,
    ChartData,
    ChartPanel,
    ScoreTable,
    SpiderChart,
    chart_data_for,
    describe_scores,
    format_change,
    web_runs,
)


def _model(model_id: str) -> ConversationModel:
    return next(m for m in builtin_models() if m.id == model_id)


@pytest.fixture
def health() -> ConversationModel:
    return _model("positive-health")


@pytest.fixture
def zrm() -> ConversationModel:
    return _model("self-sufficiency")


def _all(model: ConversationModel, value: int) -> dict[str, int]:
    return {d.id: value for d in model.domains}


def _chart(qtbot, data: ChartData | None, width: int = 420, height: int = 420) -> SpiderChart:
    chart = SpiderChart()
    qtbot.addWidget(chart)
    chart.resize(width, height)
    chart.set_data(data)
    return chart


def _near(colour: QColor, target: QColor, tolerance: int) -> bool:
    return (
        abs(colour.red() - target.red()) <= tolerance
        and abs(colour.green() - target.green()) <= tolerance
        and abs(colour.blue() - target.blue()) <= tolerance
    )


def _farthest_along(image: QImage, centre: QPointF, direction: tuple[float, float], colour: QColor) -> float:
    """The largest distance from the centre, along one axis, at which a pixel has the colour."""
    farthest = -1.0
    for step in range(0, 2 * max(image.width(), image.height())):
        distance = step / 2
        x = round(centre.x() + direction[0] * distance)
        y = round(centre.y() + direction[1] * distance)
        if not (0 <= x < image.width() and 0 <= y < image.height()):
            break
        if _near(image.pixelColor(x, y), colour, 24):
            farthest = distance
    return farthest


def _pixels_within(image: QImage, centre: QPointF, radius: float, colour: QColor, tolerance: int) -> list[float]:
    """Distances from the centre of every pixel of a colour inside a circle."""
    found = []
    for y in range(max(0, int(centre.y() - radius)), min(image.height(), int(centre.y() + radius) + 1)):
        for x in range(max(0, int(centre.x() - radius)), min(image.width(), int(centre.x() + radius) + 1)):
            distance = math.hypot(x - centre.x(), y - centre.y())
            if distance <= radius and _near(image.pixelColor(x, y), colour, tolerance):
                found.append(distance)
    return found


# -- the data -----------------------------------------------------------------------------------

MIXED_MODEL = """
id: mixed
version: 1
title: {nl: Gemengd, en: Mixed}
description: {nl: Een model met een ongescoord domein, en: A model with an unscored domain}
scale:
  min: 0
  max: 10
  anchors:
    - {value: 0, label: {nl: Slecht, en: Poor}}
    - {value: 10, label: {nl: Goed, en: Good}}
domains:
  - {id: body, title: {nl: Lichaam, en: Body}, description: {nl: x, en: x}, colour: "#0072B2"}
  - {id: mind, title: {nl: Geest, en: Mind}, description: {nl: x, en: x}, colour: "#CC79A7"}
  - id: notes
    title: {nl: Aantekeningen, en: Notes}
    description: {nl: x, en: x}
    colour: "#777777"
    scale: null
  - id: money
    title: {nl: Geld, en: Money}
    description: {nl: x, en: x}
    colour: "#E69F00"
    scale:
      min: 1
      max: 12
      anchors:
        - {value: 1, label: {nl: Slecht, en: Poor}}
        - {value: 12, label: {nl: Goed, en: Good}}
"""


def test_chart_data_takes_only_scored_domains_on_the_union_of_their_scales():
    model = load_model_text(MIXED_MODEL, "mixed").raise_for_problems()
    data = chart_data_for(model, {"body": 7, "notes": 3, "money": 11, "elsewhere": 2}, {"body": 5}, "2 mrt", "12 jan")
    assert data is not None
    assert [a.domain_id for a in data.axes] == ["body", "mind", "money"]
    assert [a.label for a in data.axes] == ["Lichaam", "Geest", "Geld"]
    assert data.axes[0] == ChartAxis("body", "Lichaam", "#0072B2")
    assert (data.minimum, data.maximum) == (0, 12)
    assert data.current == {"body": 7, "money": 11}  # the unscored and unknown domains are dropped
    assert data.previous == {"body": 5}
    assert (data.current_label, data.previous_label) == ("2 mrt", "12 jan")
    assert ChartData.for_model(model, {"body": 7}) == chart_data_for(model, {"body": 7})


def test_chart_data_uses_the_models_full_scale_and_short_labels(health, zrm):
    data = chart_data_for(health, {"bodily-functions": 3})
    assert data is not None
    assert (data.minimum, data.maximum) == (0, 10)
    assert [a.label for a in data.axes][:2] == ["Lichaam", "Mentaal welbevinden"]
    assert data.previous is None
    zrm_data = chart_data_for(zrm, _all(zrm, 3))
    assert zrm_data is not None
    assert len(zrm_data.axes) == 13
    assert (zrm_data.minimum, zrm_data.maximum) == (1, 5)


def test_no_chart_for_the_4d_model_nor_for_fewer_than_three_scored_domains():
    assert chart_data_for(_model("four-domains"), {}) is None
    two = MIXED_MODEL.split("  - id: money")[0]
    model = load_model_text(two, "two").raise_for_problems()
    assert chart_data_for(model, {"body": 1, "mind": 2}) is None


def test_a_previous_conversation_without_scores_on_these_axes_counts_as_none(health):
    data = chart_data_for(health, {"bodily-functions": 3}, {"not-a-domain": 4})
    assert data is not None and data.previous is None and not data.has_previous


def test_change_is_signed_with_a_real_minus_and_a_dash_when_unknown():
    assert [format_change(c) for c in (2, -1, 0, None)] == ["+2", "\u22121", "0", "\u2013"]


# -- the chart: scale and series -------------------------------------------------------------------


def test_maximum_scores_reach_the_rim_on_every_axis(qtbot, health):
    chart = _chart(qtbot, chart_data_for(health, _all(health, 10)))
    image = chart.grab().toImage()
    centre, radius = chart.centre(), chart.radius()
    assert radius > 100
    for axis in range(6):
        tip = chart.point_for(axis, 10)
        direction = ((tip.x() - centre.x()) / radius, (tip.y() - centre.y()) / radius)
        assert _farthest_along(image, centre, direction, chart.current_colour()) >= radius - 2


def test_the_scale_is_fixed_so_middling_scores_stay_halfway(qtbot, health):
    # A chart scaled to the data would put an all-5 web on the rim: that would read as "excellent".
    chart = _chart(qtbot, chart_data_for(health, _all(health, 5)))
    image = chart.grab().toImage()
    centre, radius = chart.centre(), chart.radius()
    reach = _farthest_along(image, centre, (0.0, -1.0), chart.current_colour())
    # Halfway between the minimum's inner ring and the rim.
    inner = radius / 11
    assert abs(reach - (inner + (radius - inner) / 2)) <= 6


@pytest.mark.parametrize("model_id", ["self-sufficiency", "positive-health"])
def test_a_minimum_score_lies_visibly_off_centre_on_the_inner_ring(qtbot, model_id):
    # With the minimum in the centre a web of lowest scores was a dot: it looked like no scores at all.
    model = _model(model_id)
    lowest = min(model.scale_of(d).min for d in model.domains if model.scale_of(d) is not None)
    chart = _chart(qtbot, chart_data_for(model, _all(model, lowest)))
    centre, radius = chart.centre(), chart.radius()
    for axis in range(len(chart.data().axes)):
        point = chart.point_for(axis, lowest)
        assert math.hypot(point.x() - centre.x(), point.y() - centre.y()) >= radius / 12
    # The one-step distances stay equal: the inner ring is one step from the centre.
    steps = chart.data().maximum - chart.data().minimum
    assert chart.fraction_for(chart.data().minimum) == pytest.approx(1 / (steps + 1))
    # Painted: the current colour reaches the inner ring on the upward spoke, not just the centre dot.
    image = chart.grab().toImage()
    reach = _farthest_along(image, centre, (0.0, -1.0), chart.current_colour())
    assert reach >= radius / (steps + 1) - 3
    # And the scale's lowest number is written on that ring.
    assert chart._ring_values()[0] == lowest


def test_a_wide_scale_keeps_its_minimum_a_tenth_out(qtbot):
    axes = (ChartAxis("a", "A", "#000"), ChartAxis("b", "B", "#000"), ChartAxis("c", "C", "#000"))
    chart = _chart(qtbot, ChartData(axes, 0, 100, {"a": 0, "b": 0, "c": 0}))
    assert chart.fraction_for(0) == pytest.approx(0.1) and chart.fraction_for(100) == pytest.approx(1.0)


def test_the_previous_series_is_dashed_grey_and_only_there_when_given(qtbot, health):
    minimum = _all(health, 0)
    without = _chart(qtbot, chart_data_for(health, minimum))
    assert without.legend_entries() == []
    with_previous = _chart(
        qtbot, chart_data_for(health, minimum, _all(health, 8), "Nu (2 mrt)", "Vorige keer (12 jan)")
    )
    assert with_previous.legend_entries() == ["Nu (2 mrt)", "Vorige keer (12 jan)"]
    unnamed = _chart(qtbot, chart_data_for(health, minimum, _all(health, 8)))
    assert unnamed.legend_entries() == [_("This time"), _("Previous time")]
    grey = with_previous.previous_colour()
    assert grey.hsvSaturation() < 10  # grey, not a colour that competes with the current series

    image = with_previous.grab().toImage()
    grey_inside = _pixels_within(image, with_previous.centre(), with_previous.radius(), grey, 10)
    assert len(grey_inside) > 200
    # Without it only the edges of a few small scale numbers come near that grey.
    assert len(_pixels_within(without.grab().toImage(), without.centre(), without.radius(), grey, 10)) < 60

    # Along the edge between the first two values, the outline alternates between dash and gap.
    a, b = with_previous.point_for(0, 8), with_previous.point_for(1, 8)
    samples = []
    for step in range(10, 90):
        t = step / 100
        x, y = round(a.x() + (b.x() - a.x()) * t), round(a.y() + (b.y() - a.y()) * t)
        samples.append(_near(image.pixelColor(x, y), grey, 50))
    assert 0.3 < sum(samples) / len(samples) < 0.9


def test_the_current_series_is_drawn_on_top_of_the_previous(qtbot, health):
    chart = _chart(qtbot, chart_data_for(health, _all(health, 6), _all(health, 6)))
    image = chart.grab().toImage()
    dot = chart.point_for(2, 6)
    assert _near(image.pixelColor(round(dot.x()), round(dot.y())), chart.current_colour(), 24)


def test_a_skipped_domain_breaks_the_web_instead_of_bridging_it(qtbot, health):
    scores = _all(health, 10)
    del scores["meaningfulness"]  # axis 2
    chart = _chart(qtbot, chart_data_for(health, scores))
    image = chart.grab().toImage()
    # Halfway between the rim points of axes 1 and 3 lies the straight bridge a closed polygon would draw.
    a, b = chart.point_for(1, 10), chart.point_for(3, 10)
    bridge = QPointF((a.x() + b.x()) / 2, (a.y() + b.y()) / 2)
    near_bridge = [
        image.pixelColor(round(bridge.x()) + dx, round(bridge.y()) + dy) for dx in range(-2, 3) for dy in range(-2, 3)
    ]
    assert not any(_near(c, chart.current_colour(), 40) for c in near_bridge)
    # The present neighbours are still joined: the rim edge from axis 0 to axis 1 is drawn.
    c, d = chart.point_for(0, 10), chart.point_for(1, 10)
    middle = QPointF((c.x() + d.x()) / 2, (c.y() + d.y()) / 2)
    assert any(
        _near(image.pixelColor(round(middle.x()) + dx, round(middle.y()) + dy), chart.current_colour(), 24)
        for dx in range(-2, 3)
        for dy in range(-2, 3)
    )


def test_grid_rings_at_every_step_up_to_ten_steps(qtbot, health, zrm):
    # The minimum is a ring too (one step from the centre).
    assert _chart(qtbot, chart_data_for(health, {}))._ring_values() == list(range(0, 11))
    assert _chart(qtbot, chart_data_for(zrm, {}))._ring_values() == [1, 2, 3, 4, 5]
    wide = ChartData(
        (ChartAxis("a", "A", "#000"), ChartAxis("b", "B", "#000"), ChartAxis("c", "C", "#000")), 0, 100, {}
    )
    assert _chart(qtbot, wide)._ring_values() == list(range(0, 101, 10))
    wider = ChartData(wide.axes, 0, 150, {})
    assert _chart(qtbot, wider)._ring_values() == list(range(0, 151, 25))


# -- the chart: labels and size ------------------------------------------------------------------


def _every_models_labels() -> list[tuple[str, ChartData]]:
    # The 4D model has no chart, but its labels are real chart labels a practice's model could have.
    cases = []
    for model in builtin_models():
        axes = tuple(ChartAxis(d.id, model.domain_label(d), d.colour) for d in model.domains)
        cases.append(
            (model.id, ChartData(axes, 0, 10, {d.id: 5 for d in model.domains}, {d.id: 4 for d in model.domains}))
        )
    return cases


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("size", [(260, 260), (800, 600), (420, 420)])
def test_labels_stay_inside_the_widget_and_clear_of_each_other(qtbot, language, size):
    i18n.set_language(language)
    for model_id, data in _every_models_labels():
        chart = _chart(qtbot, data, *size)
        widget = QRectF(chart.rect())
        rects = chart.label_rects()
        assert len(rects) == len(data.axes)
        for rect, axis in zip(rects, data.axes, strict=True):
            assert widget.contains(rect), f"{model_id} {size}: {axis.label} at {rect} leaves {widget}"
        for (i, a), (j, b) in itertools.combinations(enumerate(rects), 2):
            assert not a.intersects(b), f"{model_id} {size}: {data.axes[i].label} overlaps {data.axes[j].label}"
        # Labels stay outside the web
        centre, radius = chart.centre(), chart.radius()
        for rect in rects:
            nearest = QPointF(
                min(max(centre.x(), rect.left()), rect.right()), min(max(centre.y(), rect.top()), rect.bottom())
            )
            assert math.hypot(nearest.x() - centre.x(), nearest.y() - centre.y()) >= radius


@pytest.mark.parametrize("language", ["nl", "en"])
def test_at_the_preferred_size_every_label_is_shown_whole(qtbot, language):
    i18n.set_language(language)
    for _model_id, data in _every_models_labels():
        chart = _chart(qtbot, data)
        chart.resize(chart.sizeHint().expandedTo(chart.minimumSizeHint()))
        for lines, axis in zip(chart.label_lines(), data.axes, strict=True):
            assert " ".join(lines) == axis.label  # wrapped between words, never elided


def test_long_dutch_labels_wrap_between_words(qtbot, zrm):
    chart = _chart(qtbot, chart_data_for(zrm, _all(zrm, 3)), 420, 420)
    lines = dict(zip([a.label for a in chart.data().axes], chart.label_lines(), strict=True))
    assert all(len(line) > 1 for line in lines["Huishouden en regelen"])
    assert " ".join(lines["Huishouden en regelen"]) == "Huishouden en regelen"


def test_size_hints_are_square_ish(qtbot, health, zrm):
    chart = _chart(qtbot, chart_data_for(health, {}))
    assert (chart.sizeHint().width(), chart.sizeHint().height()) == (420, 420)
    assert (chart.minimumSizeHint().width(), chart.minimumSizeHint().height()) == (260, 260)
    assert chart.hasHeightForWidth() and chart.heightForWidth(400) == 400
    with_legend = _chart(qtbot, chart_data_for(health, {}, _all(health, 3)))
    assert 400 < with_legend.heightForWidth(400) < 460  # room for the legend underneath
    many = _chart(qtbot, chart_data_for(zrm, {}))
    assert many.minimumSizeHint().width() > 260  # thirteen labels need more room


def test_at_200_percent_the_chart_is_drawn_at_double_resolution(qtbot, health):
    chart = _chart(qtbot, chart_data_for(health, _all(health, 10)))
    image = QImage(840, 840, QImage.Format.Format_ARGB32)
    image.setDevicePixelRatio(2)
    image.fill(0)
    chart.render(image)
    centre = QPointF(chart.centre().x() * 2, chart.centre().y() * 2)
    reach = _farthest_along(image, centre, (0.0, -1.0), chart.current_colour())
    assert reach >= 2 * chart.radius() - 4


# -- the chart: palette and accessibility ----------------------------------------------------------


def _dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, "#202124"),
        (QPalette.ColorRole.Base, "#1B1B1D"),
        (QPalette.ColorRole.Text, "#E8EAED"),
        (QPalette.ColorRole.WindowText, "#E8EAED"),
        (QPalette.ColorRole.Highlight, "#8AB4F8"),
        (QPalette.ColorRole.Button, "#303134"),
        (QPalette.ColorRole.ButtonText, "#E8EAED"),
    ):
        palette.setColor(role, QColor(colour))
    return palette


def test_a_dark_palette_gives_a_dark_chart_with_light_text(qtbot, health):
    chart = _chart(qtbot, chart_data_for(health, _all(health, 7), _all(health, 5)))
    chart.setPalette(_dark_palette())
    image = chart.grab().toImage()
    assert chart.text_colour() == QColor("#E8EAED")
    assert chart.current_colour() == QColor("#8AB4F8")
    assert _near(image.pixelColor(1, 1), QColor("#1B1B1D"), 2)
    label = chart.label_rects()[0].toRect()
    brightest = max(
        image.pixelColor(x, y).lightness()
        for x in range(label.left(), label.right())
        for y in range(label.top(), label.bottom())
    )
    assert brightest > 200  # the label text is light on the dark background
    grid = chart.grid_colour()
    assert 0x1B < grid.lightness() < 0xE8  # between background and text: visible, yet quiet


def test_a_grey_highlight_falls_back_to_a_strong_blue(qtbot, health):
    chart = _chart(qtbot, chart_data_for(health, {}))
    palette = chart.palette()
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#9A9A9A"))
    chart.setPalette(palette)
    assert chart.current_colour().hsvSaturation() > 150


def test_the_accessible_description_reads_every_domain_and_score(qtbot, health):
    scores = {
        "bodily-functions": 7,
        "mental-wellbeing": 4,
        "meaningfulness": 8,
        "quality-of-life": 6,
        "participation": 3,
    }
    previous = {"bodily-functions": 5, "participation": 2}
    chart = _chart(qtbot, chart_data_for(health, scores, previous))
    assert chart.accessibleName() == _("Spider chart of the scores")
    description = chart.accessibleDescription()
    for axis in chart.data().axes:
        assert axis.label in description
    assert (
        _("{domain} {score} of {maximum} (previous time {previous})").format(
            domain="Lichaam", score="7", maximum="10", previous="5"
        )
        in description
    )
    assert _("{domain} {score} of {maximum}").format(domain="Zingeving", score="8", maximum="10") in description
    assert _("{domain} no score").format(domain="Dagelijks leven") in description
    assert description == describe_scores(chart.data())


# -- the table -----------------------------------------------------------------------------------


def test_the_table_lists_scores_previous_values_and_the_change(qtbot, zrm):
    scores = _all(zrm, 3) | {"finances": 4, "housing": 2}
    del scores["justice"]
    previous = _all(zrm, 3) | {"finances": 2, "housing": 3}
    table = ScoreTable()
    qtbot.addWidget(table)
    table.set_data(chart_data_for(zrm, scores, previous, previous_label="Vorige keer (12 jan 2026)"))
    assert table.header_texts() == [
        _("Domain"),
        _("Score ({minimum}\u2013{maximum})").format(minimum=1, maximum=5),
        _("Previous"),
        _("Change"),
    ]
    assert table.rowCount() == 13
    rows = {table.cell_text(r, 0): [table.cell_text(r, c) for c in range(1, 4)] for r in range(13)}
    assert rows["Financiën"] == ["4", "2", "+2"]
    assert rows["Huisvesting"] == ["2", "3", "\u22121"]
    assert rows["Dagbesteding"] == ["3", "3", "0"]
    assert rows["Justitie"] == ["\u2013", "3", "\u2013"]
    assert table.horizontalHeaderItem(2).toolTip() == "Vorige keer (12 jan 2026)"
    assert table.accessibleName() == _("Scores as a table")


def test_the_table_is_read_only_and_not_sortable(qtbot, health):
    table = ScoreTable()
    qtbot.addWidget(table)
    table.set_data(chart_data_for(health, _all(health, 6)))
    assert not table.isSortingEnabled()
    assert table.editTriggers() == table.EditTrigger.NoEditTriggers
    assert table.columnCount() == 2  # without a previous conversation only domain and score
    table.setCurrentCell(0, 1)
    qtbot.keyClicks(table, "9")
    assert table.cell_text(0, 1) == "6"
    assert table.cell_text(0, 0) == "Lichaam"
    assert table.item(0, 1).textAlignment() & Qt.AlignmentFlag.AlignRight


# -- the panel -----------------------------------------------------------------------------------


def test_the_panel_shows_a_calm_message_for_a_model_without_scores(qtbot):
    panel = ChartPanel()
    qtbot.addWidget(panel)
    panel.set_data(chart_data_for(_model("four-domains"), {}))
    panel.show()
    qtbot.waitExposed(panel)
    assert not panel.showing_chart()
    assert panel.message.isVisible() and not panel.chart.isVisible()
    assert panel.message.text() == _("This conversation model has no scores, so there is no chart.")
    assert panel.message.alignment() & Qt.AlignmentFlag.AlignCenter


def test_the_panel_shows_chart_and_table_side_by_side_or_stacked_when_narrow(qtbot, health):
    panel = ChartPanel()
    qtbot.addWidget(panel)
    panel.set_data(chart_data_for(health, _all(health, 6), _all(health, 4)))
    panel.resize(900, 500)
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.showing_chart() and panel.chart.isVisible() and panel.table.isVisible()
    assert panel.table.rowCount() == 6
    qtbot.waitUntil(lambda: panel.table.geometry().left() >= panel.chart.geometry().right())
    panel.resize(380, 900)
    qtbot.waitUntil(lambda: panel._box.direction() == QBoxLayout.Direction.TopToBottom)
    qtbot.waitUntil(lambda: panel.table.geometry().top() >= panel.chart.geometry().bottom())
    panel.set_data(None)
    assert not panel.showing_chart()


# -- first and latest, the client's own scores, gaps ---------------------------------------------------


def test_web_runs_break_at_a_skipped_axis_and_never_bridge_it():
    assert web_runs([True] * 4) == [[0, 1, 2, 3, 0]]  # closed
    assert web_runs([True, True, False, True, True]) == [[3, 4, 0, 1]]  # wraps round, gap at 2
    assert sorted(web_runs([True, False, True, False, False])) == [[0], [2]]  # lone points
    assert web_runs([False, False, False]) == []


def test_a_skipped_domain_gives_the_outline_a_gap_not_a_point_at_the_centre(qtbot, health):
    scores = _all(health, 6)
    scores["meaningfulness"] = None
    chart = _chart(qtbot, chart_data_for(health, scores))
    runs = chart.series_runs(chart.data().current)
    assert len(runs) == 1 and len(runs[0]) == 5  # five points, open: the gap is at the skipped axis
    centre = chart.centre()
    for point in runs[0]:
        assert math.hypot(point.x() - centre.x(), point.y() - centre.y()) > chart.radius() / 2


def _first_latest(model, first, latest, own=None):
    return chart_data_for(
        model, latest, first, "Laatste gesprek (01-03-2026)", "Eerste gesprek (01-03-2025)",
        own, "Eigen score (01-03-2026)", first_and_latest=True,
    )  # fmt: skip


def test_first_and_latest_are_named_in_time_order_with_the_clients_own_score(qtbot, health):
    data = _first_latest(health, _all(health, 3), _all(health, 7), {"bodily-functions": 5, "participation": None})
    chart = _chart(qtbot, data, 520, 520)
    assert chart.legend_entries() == [
        "Eerste gesprek (01-03-2025)",
        "Laatste gesprek (01-03-2026)",
        "Eigen score (01-03-2026)",
    ]
    assert [kind for _text, kind in chart.legend_series()] == ["previous", "current", "own"]
    # Told apart without colour: solid, dashed and dotted lines.
    pens = {kind: chart.series_pen(chart.series_colour(kind), kind) for kind in ("current", "previous", "own")}
    assert not pens["current"].dashPattern()
    assert pens["previous"].dashPattern() != pens["own"].dashPattern()
    assert data.own == {"bodily-functions": 5}
    # The own score is painted: the hollow diamond's outline lies around its point.
    image = chart.grab().toImage()
    point = chart.point_for(0, 5)
    own = _pixels_within(image, point, chart.marker_size("own") * 1.6, chart.own_colour(), 40)
    assert own
    assert chart.heightForWidth(520) > 520  # the legend has room
    assert _("(client's own score {score})").format(score=5) in describe_scores(data)


def test_the_table_beside_first_and_latest_has_first_latest_change_and_own(qtbot, zrm):
    table = ScoreTable()
    qtbot.addWidget(table)
    first, latest = _all(zrm, 2), _all(zrm, 4) | {"justice": None}
    table.set_data(_first_latest(zrm, first, latest, {"finances": 3}))
    assert table.header_texts() == [_("Domain"), _("First"), _("Latest"), _("Change"), _("Own score")]
    rows = {table.cell_text(r, 0): [table.cell_text(r, c) for c in range(1, 5)] for r in range(table.rowCount())}
    assert rows["Financiën"] == ["2", "4", "+2", "3"]
    assert rows["Justitie"] == ["2", "\u2013", "\u2013", "\u2013"]
    assert table.item(0, 4).data(Qt.ItemDataRole.AccessibleTextRole) is None
    justice = next(r for r in range(table.rowCount()) if table.cell_text(r, 0) == "Justitie")
    assert table.item(justice, 2).data(Qt.ItemDataRole.AccessibleTextRole) == _("no score")
    assert table.horizontalHeaderItem(1).toolTip() == "Eerste gesprek (01-03-2025)"


def test_a_web_with_a_gap_has_no_area_pulled_to_the_centre(qtbot, health):
    # The fill of a broken web used to fan out from the centre: its edges read as a lowest score.
    whole = _chart(qtbot, chart_data_for(health, _all(health, 8)))
    scores = _all(health, 8)
    scores["meaningfulness"] = None
    broken = _chart(qtbot, chart_data_for(health, scores))
    base = whole.palette().color(QPalette.ColorRole.Base)
    colour = whole.current_colour()
    fill = QColor.fromRgbF(
        *(0.765 * b + 0.235 * c for b, c in zip(base.getRgbF()[:3], colour.getRgbF()[:3], strict=True))
    )

    def filled(chart: SpiderChart) -> int:
        return len(_pixels_within(chart.grab().toImage(), chart.centre(), chart.radius() * 0.9, fill, 12))

    area = filled(whole)
    assert area > 2000
    assert filled(broken) < area / 20  # only the anti-aliased edges of its lines
