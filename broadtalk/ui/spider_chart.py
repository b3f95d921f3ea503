"""The spider chart (spinnenweb) of a conversation's scores, with the same values as a table.

``ChartData`` is plain Python, built from a conversation model and its scores by
``chart_data_for``: only scored domains become axes, and the scale is the model's full scale.
``SpiderChart`` paints it with QPainter, always on that full scale (the minimum on the innermost
ring, one step away from the centre, and the maximum on the rim), so a 3 out of 10 never looks
like a full web and a lowest score is still a visible point, not an empty chart. ``ScoreTable`` lists the same values for
those who read rather than look, and ``ChartPanel`` shows both, or a calm message for models
without scores (the 4D model).

Missing values (a domain that was skipped) break the web: each present value gets a dot, and
only neighbouring axes that both have a value are joined; only a whole web is filled. Drawing
straight past a missing axis would suggest a value there, and a fill or a line pulled to the
centre would suggest the lowest score.

Besides the current series the chart can show an earlier one (the previous conversation, or the
first one when the client page compares the first with the latest): dashed, with square markers;
and the client's own scores: dotted, with hollow diamonds. Each is told apart by line and marker,
not by colour alone, and named in the legend.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QIcon,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QStackedLayout,
    QTableWidgetItem,
    QWidget,
)

from broadtalk.forms.schema import ConversationModel
from broadtalk.i18n import _, pick
from broadtalk.ui import chart_parts
from broadtalk.ui.chart_parts import CURRENT, OWN, PREVIOUS, LegendEntry, LegendLook, format_number, with_alpha
from broadtalk.ui.fitting_table import FittingTableWidget, filled_then_fitted

#: A spider needs at least three axes; with two it is a line, with one a point.
MIN_AXES = 3
#: Grid rings at every whole step up to this many steps (0-10 is ten steps); coarser above.
MAX_RING_STEPS = 10
#: Share of the radius where the minimum lies on scales of more than MAX_RING_STEPS steps.
INNER_SHARE = 0.1
MINUS = "\u2212"  # a real minus sign: a hyphen is too short to read as negative
NO_VALUE = "\u2013"  # en dash for "nothing to show"


# -- data -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartAxis:
    domain_id: str
    label: str
    colour: str


@dataclass(frozen=True)
class ChartData:
    """What a spider chart shows; free of Qt so that it can be built and tested anywhere."""

    axes: tuple[ChartAxis, ...]
    minimum: int
    maximum: int
    current: Mapping[str, int]
    previous: Mapping[str, int] | None = None
    current_label: str = ""
    previous_label: str = ""
    #: The client's own scores (beside the current series), None when the client gave none.
    own: Mapping[str, int] | None = None
    own_label: str = ""
    #: The earlier series is the first conversation and the current one the latest: the table
    #: then reads in time order (first, latest, change).
    first_and_latest: bool = False

    @classmethod
    def for_model(
        cls,
        model: ConversationModel,
        scores: Mapping[str, int],
        previous_scores: Mapping[str, int] | None = None,
        current_label: str = "",
        previous_label: str = "",
        own_scores: Mapping[str, int | None] | None = None,
        own_label: str = "",
    ) -> ChartData | None:
        return chart_data_for(model, scores, previous_scores, current_label, previous_label, own_scores, own_label)

    @property
    def has_previous(self) -> bool:
        return self.previous is not None

    @property
    def has_own(self) -> bool:
        return self.own is not None

    def own_value(self, domain_id: str) -> int | None:
        return None if self.own is None else self.own.get(domain_id)

    def value(self, domain_id: str) -> int | None:
        return self.current.get(domain_id)

    def previous_value(self, domain_id: str) -> int | None:
        return None if self.previous is None else self.previous.get(domain_id)

    def change(self, domain_id: str) -> int | None:
        now, before = self.value(domain_id), self.previous_value(domain_id)
        return None if now is None or before is None else now - before

    # Callers pass whole phrases ("Vorige keer (12-01-2026)"), shown as given; wrapping them in
    # another phrase would read "Vorige keer (Vorige keer (...))".
    def current_legend(self) -> str:
        return self.current_label or _("This time")

    def previous_legend(self) -> str:
        return self.previous_label or _("Previous time")

    def own_legend(self) -> str:
        return self.own_label or _("Client's own score")


def chart_data_for(
    model: ConversationModel,
    scores: Mapping[str, int],
    previous_scores: Mapping[str, int] | None = None,
    current_label: str = "",
    previous_label: str = "",
    own_scores: Mapping[str, int | None] | None = None,
    own_label: str = "",
    *,
    first_and_latest: bool = False,
    plain_titles: bool = False,
) -> ChartData | None:
    """The chart of a model's scored domains, or None when it has fewer than three of them.

    Domains whose scale is None are left out. When scored domains use different scales the
    chart spans all of them (lowest minimum to highest maximum). Scores of domains that are not
    axes are ignored; a previous conversation without any score on these axes counts as none,
    and so do own scores without any value on these axes. ``plain_titles``: the axes carry the
    domains' plain titles, as everything else the client reads in the client view does.
    """
    scored = [(domain, scale) for domain in model.domains if (scale := model.scale_of(domain)) is not None]
    if len(scored) < MIN_AXES:
        return None
    axes = tuple(
        ChartAxis(d.id, pick(d.plain()) if plain_titles else model.domain_label(d), d.colour) for d, _scale in scored
    )
    ids = {axis.domain_id for axis in axes}
    previous = None
    if previous_scores is not None:
        previous = {k: v for k, v in previous_scores.items() if k in ids and v is not None}
    own = None
    if own_scores is not None:
        own = {k: v for k, v in own_scores.items() if k in ids and v is not None}
    return ChartData(
        axes=axes,
        minimum=min(scale.min for _d, scale in scored),
        maximum=max(scale.max for _d, scale in scored),
        current={k: v for k, v in scores.items() if k in ids and v is not None},
        previous=previous or None,
        current_label=current_label,
        previous_label=previous_label,
        own=own or None,
        own_label=own_label,
        first_and_latest=first_and_latest,
    )


def format_change(change: int | None) -> str:
    """+2, −1, 0, or an en dash when there is nothing to compare."""
    if change is None:
        return NO_VALUE
    if change > 0:
        return "+" + format_number(change)
    if change < 0:
        return MINUS + format_number(-change)
    return format_number(0)


def describe_scores(data: ChartData) -> str:
    """One sentence per domain for screen readers, e.g. "Lichaam 7 van 10 (vorige keer 5)"."""
    parts = []
    for axis in data.axes:
        now, before = data.value(axis.domain_id), data.previous_value(axis.domain_id)
        fields = {
            "domain": axis.label,
            "score": format_number(now) if now is not None else "",
            "maximum": format_number(data.maximum),
            "previous": format_number(before) if before is not None else "",
        }
        if now is not None and before is not None:
            text = (
                _("{domain} {score} of {maximum} (first conversation {previous})")
                if data.first_and_latest
                else _("{domain} {score} of {maximum} (previous time {previous})")
            )
        elif now is not None:
            text = _("{domain} {score} of {maximum}")
        elif before is not None:
            text = (
                _("{domain} no score (first conversation {previous})")
                if data.first_and_latest
                else _("{domain} no score (previous time {previous})")
            )
        else:
            text = _("{domain} no score")
        text = text.format(**fields)  # format() ignores the fields a sentence does not use
        own = data.own_value(axis.domain_id)
        if own is not None:
            text += " " + _("(client's own score {score})").format(score=format_number(own))
        parts.append(text)
    scale = _("Scale from {minimum} to {maximum}.").format(
        minimum=format_number(data.minimum), maximum=format_number(data.maximum)
    )
    return scale + " " + "; ".join(parts) + "."


# -- geometry ---------------------------------------------------------------------------------


def web_runs(present: Sequence[bool]) -> list[list[int]]:
    """The axes joined by a series' outline: with every axis present one closed ring (the first
    axis again at the end); else each run of neighbouring present axes, wrapping round from the
    last axis to the first. A run of one axis is a lone point (a marker, no line). A missing axis
    is never bridged and never pulled to the centre: the outline has a gap there."""
    count = len(present)
    if count and all(present):
        return [[*range(count), 0]]
    if not any(present):
        return []
    start = next(i for i, here in enumerate(present) if not here) + 1
    runs: list[list[int]] = []
    run: list[int] = []
    for offset in range(count + 1):
        index = (start + offset) % count
        if present[index] and offset < count:
            run.append(index)
            continue
        if run:
            runs.append(run)
        run = []
    return runs


@dataclass(frozen=True)
class AxisLabel:
    """Where one axis label is painted: lines of text, their rect, the colour dot."""

    axis: int
    lines: tuple[str, ...]
    rect: QRectF
    dot_centre: QPointF
    dot_radius: float
    alignment: Qt.AlignmentFlag


@dataclass(frozen=True)
class ChartLayout:
    centre: QPointF
    radius: float
    label_font: QFont
    labels: tuple[AxisLabel, ...] = field(default_factory=tuple)
    legend_rect: QRectF | None = None


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _direction(index: int, count: int) -> tuple[float, float]:
    """Unit vector of an axis: the first points up, the rest follow clockwise."""
    angle = -math.pi / 2 + 2 * math.pi * index / count
    return math.cos(angle), math.sin(angle)


def _balanced_lines(text: str, metrics: QFontMetricsF, target: float) -> list[str]:
    """Word-wrap a label into as few lines as fit ``target``, then even the lines out.

    Words are never broken: "Lichamelijke / gezondheid" reads well, "Lichamelijke gezond- / heid"
    does not. A target below the longest word means as narrow as that word.
    """
    words = text.split()
    if not words:
        return [""]
    target = max(target, *(metrics.horizontalAdvance(word) for word in words))
    lines: list[str] = []
    for word in words:
        if lines and metrics.horizontalAdvance(lines[-1] + " " + word) <= target:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) == 1 or len(words) > 8:
        return lines
    # The greedy split may leave "Kwaliteit van / leven"; prefer the split with the narrowest widest line.
    best, best_width = lines, max(metrics.horizontalAdvance(line) for line in lines)
    for cuts in itertools.combinations(range(1, len(words)), len(lines) - 1):
        bounds = (0, *cuts, len(words))
        candidate = [" ".join(words[a:b]) for a, b in itertools.pairwise(bounds)]
        width = max(metrics.horizontalAdvance(line) for line in candidate)
        if width < best_width - 0.01:
            best, best_width = candidate, width
    return best


def _scaled_font(base: QFont, factor: float) -> QFont:
    font = QFont(base)
    if base.pointSizeF() > 0:
        font.setPointSizeF(max(6.5, base.pointSizeF() * factor))
    else:
        font.setPixelSize(max(9, round(base.pixelSize() * factor)))
    return font


@dataclass(frozen=True)
class _LabelShape:
    lines: tuple[str, ...]
    widths: tuple[float, ...]
    width: float  # dot + spacing + widest line
    height: float


@dataclass(frozen=True)
class _Plan:
    radius: float
    font: QFont
    shapes: list[_LabelShape]
    rects: list[QRectF]  # absolute, after moving neighbours apart
    clear: bool  # no two labels touch and none reaches into the web


class _LabelPlanner:
    """Finds the largest web for which every label fits the area, trying smaller labels if needed."""

    def __init__(self, labels: Sequence[str], area: QRectF, base_font: QFont, device: QWidget | None):
        self.labels = list(labels)
        self.area = area
        self.base_font = base_font
        self.device = device

    def _metrics(self, font: QFont) -> QFontMetricsF:
        return QFontMetricsF(font, self.device) if self.device is not None else QFontMetricsF(font)

    def plan(self) -> ChartLayout:
        short_side = min(self.area.width(), self.area.height())
        best: _Plan | None = None
        for factor in (1.0, 0.9, 0.8):
            font = _scaled_font(self.base_font, factor)
            metrics = self._metrics(font)
            longest_word = max((metrics.horizontalAdvance(w) for t in self.labels for w in t.split()), default=0.0)
            for chars in (18, 13, 10, 0, -1):
                if chars < 0:
                    # As narrow as each label's own longest word: wide side labels become two lines.
                    shapes = [self._shape(text, metrics, 0.0) for text in self.labels]
                else:
                    target = max(longest_word, chars * metrics.averageCharWidth())
                    shapes = [self._shape(text, metrics, target) for text in self.labels]
                radius = self._fit(shapes, metrics)
                if radius is None:
                    continue
                option = self._place(radius, font, shapes, metrics)
                # Labels that touch are worse than a smaller web; otherwise the bigger web wins.
                if best is None or (option.clear, option.radius) > (best.clear, best.radius):
                    best = option
            # A web much smaller than the space is hard to read: only then try smaller labels.
            if best is not None and best.clear and best.radius >= 0.22 * short_side:
                return self._layout(best)
        if best is not None and best.clear:
            return self._layout(best)
        return self._layout(self._elided() or best or self._squeezed())

    def _elided(self) -> _Plan | None:
        """Too little room for whole labels: one line each, shortened just enough for all to be clear.

        The table beside the chart carries the full names; overlapping text would help no one.
        """
        font = _scaled_font(self.base_font, 0.8)
        metrics = self._metrics(font)
        for chars in range(14, 3, -1):
            room = chars * metrics.averageCharWidth()
            shapes = [self._shape(text, metrics, math.inf, elide=room) for text in self.labels]
            radius = self._fit(shapes, metrics)
            if radius is not None and radius > 0:
                option = self._place(radius, font, shapes, metrics)
                if option.clear:
                    return option
        return None

    def _squeezed(self) -> _Plan:
        """Far below the minimum size: elide the labels so that they still stay inside the widget."""
        font = _scaled_font(self.base_font, 0.8)
        metrics = self._metrics(font)
        room = max(1.0, self.area.width() / 2 - self._gap(metrics) - self._dot_room(metrics) - 2)
        shapes = [self._shape(text, metrics, room, elide=room) for text in self.labels]
        radius = self._fit(shapes, metrics)
        if radius is None:
            shapes = [self._shape(text[:1], metrics, room, elide=room) for text in self.labels]
            radius = self._fit(shapes, metrics) or 0.0
        return self._place(radius, font, shapes, metrics)

    # -- pieces -----------------------------------------------------------------------------

    @staticmethod
    def _gap(metrics: QFontMetricsF) -> float:
        return 0.6 * metrics.height()

    @staticmethod
    def _dot_radius(metrics: QFontMetricsF) -> float:
        return 0.25 * metrics.height()

    def _dot_room(self, metrics: QFontMetricsF) -> float:
        return 2 * self._dot_radius(metrics) + 0.35 * metrics.height()

    def _shape(self, text: str, metrics: QFontMetricsF, target: float, elide: float | None = None) -> _LabelShape:
        lines = _balanced_lines(text, metrics, target)
        if elide is not None:
            lines = [metrics.elidedText(line, Qt.TextElideMode.ElideRight, elide) for line in lines]
        widths = tuple(metrics.horizontalAdvance(line) for line in lines)
        width = self._dot_room(metrics) + max(widths)
        return _LabelShape(tuple(lines), widths, math.ceil(width) + 1, len(lines) * metrics.lineSpacing())

    def _rect(self, index: int, shape: _LabelShape, radius: float, metrics: QFontMetricsF) -> QRectF:
        """The label rect relative to the centre, pushed outwards from the rim in its axis direction."""
        c, s = _direction(index, len(self.labels))
        reach = radius + self._gap(metrics)
        # Labels within 60 degrees of horizontal sit fully beside their spoke; those near the
        # top and bottom are centred on it, with a smooth shift in between.
        fx, fy = _clamp(2 * c, -1, 1), _clamp(2 * s, -1, 1)
        x = reach * c + (fx - 1) / 2 * shape.width
        y = reach * s + (fy - 1) / 2 * shape.height
        return QRectF(x, y, shape.width, shape.height)

    def _bounds(self, shapes: list[_LabelShape], metrics: QFontMetricsF, radius: float) -> QRectF:
        bounds = QRectF(-radius, -radius, 2 * radius, 2 * radius)
        for index, shape in enumerate(shapes):
            bounds = bounds.united(self._rect(index, shape, radius, metrics))
        return bounds

    def _fits(self, shapes: list[_LabelShape], metrics: QFontMetricsF, radius: float) -> bool:
        bounds = self._bounds(shapes, metrics, radius)
        return bounds.width() <= self.area.width() and bounds.height() <= self.area.height()

    def _fit(self, shapes: list[_LabelShape], metrics: QFontMetricsF) -> float | None:
        if not self._fits(shapes, metrics, 0.0):
            return None
        low, high = 0.0, min(self.area.width(), self.area.height()) / 2
        if self._fits(shapes, metrics, high):
            return high
        for _step in range(24):
            middle = (low + high) / 2
            low, high = (middle, high) if self._fits(shapes, metrics, middle) else (low, middle)
        return math.floor(low)

    def _place(self, radius: float, font: QFont, shapes: list[_LabelShape], metrics: QFontMetricsF) -> _Plan:
        # Centre the web with its labels in the area: lopsided labels shift the web a little.
        bounds = self._bounds(shapes, metrics, radius)
        offset = self.area.center() - bounds.center()
        rects = [self._rect(i, shape, radius, metrics).translated(offset) for i, shape in enumerate(shapes)]
        # Labels above the web may only move up, those below only down: never into the web.
        sides = [_direction(i, len(shapes))[1] for i in range(len(shapes))]
        spread = _spread(rects, sides, self.area, pad=0.15 * metrics.height())
        keep_out = radius + 0.25 * metrics.height()
        clear = spread and not any(_distance_to(rect, offset) < keep_out for rect in rects)
        return _Plan(radius, font, shapes, rects, clear)

    def _layout(self, plan: _Plan) -> ChartLayout:
        metrics = self._metrics(plan.font)
        bounds = self._bounds(plan.shapes, metrics, plan.radius)
        centre = self.area.center() - bounds.center()
        dot_radius = self._dot_radius(metrics)
        spacing = 0.35 * metrics.height()
        labels = []
        for index, (shape, rect) in enumerate(zip(plan.shapes, plan.rects, strict=True)):
            c, _s = _direction(index, len(plan.shapes))
            fx = _clamp(2 * c, -1, 1)
            if fx >= 0.99:
                alignment = Qt.AlignmentFlag.AlignLeft
            elif fx <= -0.99:
                alignment = Qt.AlignmentFlag.AlignRight
            else:
                alignment = Qt.AlignmentFlag.AlignHCenter
            text_left = rect.left() + self._dot_room(metrics)
            first_x = _aligned_x(text_left, rect.right() - text_left, shape.widths[0], alignment)
            dot = QPointF(first_x - spacing - dot_radius, rect.top() + metrics.lineSpacing() / 2)
            labels.append(AxisLabel(index, shape.lines, rect, dot, dot_radius, alignment))
        return ChartLayout(centre, plan.radius, plan.font, tuple(labels))


def _distance_to(rect: QRectF, point: QPointF) -> float:
    dx = max(rect.left() - point.x(), 0.0, point.x() - rect.right())
    dy = max(rect.top() - point.y(), 0.0, point.y() - rect.bottom())
    return math.hypot(dx, dy)


def _spread(rects: list[QRectF], sides: list[float], area: QRectF, pad: float) -> bool:
    """Move touching labels apart vertically (in place), staying inside the area; True when all are clear.

    Many axes put several labels above each other beside the web; a nudge of a few pixels keeps
    each next to its spoke and readable. ``sides`` is each axis' vertical direction: a label
    of an upward axis is never pushed down, one of a downward axis never up.
    """

    def overlap(a: QRectF, b: QRectF) -> float:
        if a.right() <= b.left() or b.right() <= a.left():
            return 0.0
        return min(a.bottom(), b.bottom()) + pad - max(a.top(), b.top())

    for _round in range(200):
        moved = False
        for i, j in itertools.combinations(range(len(rects)), 2):
            needed = overlap(rects[i], rects[j])
            if needed <= 0.01:
                continue
            upper, lower = (i, j) if rects[i].center().y() <= rects[j].center().y() else (j, i)
            room_up = rects[upper].top() - area.top() if sides[upper] < 0.5 else 0.0
            room_down = area.bottom() - rects[lower].bottom() if sides[lower] > -0.5 else 0.0
            up = min(needed / 2, room_up)
            down = min(needed - up, room_down)
            up = min(needed - down, room_up)
            if up <= 0.01 and down <= 0.01:
                continue
            rects[upper] = rects[upper].translated(0, -max(0.0, up))
            rects[lower] = rects[lower].translated(0, max(0.0, down))
            moved = True
        if not moved:
            break
    return all(overlap(a, b) <= 0.5 for a, b in itertools.combinations(rects, 2))


def _aligned_x(left: float, width: float, line_width: float, alignment: Qt.AlignmentFlag) -> float:
    if alignment == Qt.AlignmentFlag.AlignLeft:
        return left
    if alignment == Qt.AlignmentFlag.AlignRight:
        return left + width - line_width
    return left + (width - line_width) / 2


# -- the chart --------------------------------------------------------------------------------


class SpiderChart(QWidget):
    """A radar chart on the model's full scale; the previous conversation dashed underneath."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._data: ChartData | None = None
        self._layout_cache: tuple[tuple, ChartLayout] | None = None
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setAccessibleName(_("Spider chart of the scores"))

    # -- data -------------------------------------------------------------------------------

    def set_data(self, data: ChartData | None) -> None:
        self._data = data
        self._layout_cache = None
        self.setAccessibleDescription(describe_scores(data) if data is not None else "")
        self.updateGeometry()
        self.update()

    def data(self) -> ChartData | None:
        return self._data

    # -- size -------------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        return QSize(420, 420)

    def minimumSizeHint(self) -> QSize:
        # Beyond eight axes the labels crowd each other; the 13 ZRM domains need some more room.
        extra = 0 if self._data is None else 20 * max(0, len(self._data.axes) - 8)
        return QSize(260 + extra, 260 + extra)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width + round(self._legend_height())

    # -- colours ----------------------------------------------------------------------------

    def text_colour(self) -> QColor:
        return chart_parts.text_colour(self.palette())

    def muted_colour(self) -> QColor:
        return chart_parts.muted_colour(self.palette())

    def grid_colour(self) -> QColor:
        return chart_parts.grid_colour(self.palette(), 0.22)

    def current_colour(self) -> QColor:
        highlight = self.palette().color(QPalette.ColorRole.Highlight)
        base = self.palette().color(QPalette.ColorRole.Base)
        # A grey highlight (some themes) would vanish into the grid; so would one close to the background.
        if highlight.hsvSaturation() >= 80 and abs(highlight.lightnessF() - base.lightnessF()) >= 0.25:
            return QColor(highlight.red(), highlight.green(), highlight.blue())
        return chart_parts.strong_blue(self.palette())

    def previous_colour(self) -> QColor:
        return chart_parts.previous_colour(self.palette())

    # -- geometry, exposed for tests and for anyone placing things over the chart -------------

    def _legend_rows(self) -> int:
        """One row when the entries fit side by side, else as many as needed."""
        metrics = QFontMetricsF(self.font(), self)
        return chart_parts.legend_rows(self.legend_entries(), metrics, self.width() - 2 * self._margin())

    def _legend_height(self) -> float:
        rows = self._legend_rows()
        return 0.0 if rows == 0 else (rows * 1.4 + 0.4) * QFontMetricsF(self.font(), self).height()

    def _margin(self) -> float:
        return max(4.0, 0.4 * QFontMetricsF(self.font(), self).height())

    def chart_layout(self) -> ChartLayout | None:
        if self._data is None:
            return None
        key = (self.width(), self.height(), self.font().key(), id(self._data))
        if self._layout_cache is not None and self._layout_cache[0] == key:
            return self._layout_cache[1]
        margin = self._margin()
        legend = self._legend_height()
        area = QRectF(self.rect()).adjusted(margin, margin, -margin, -margin - legend)
        if area.width() < 1 or area.height() < 1:
            area = QRectF(self.rect())
        planned = _LabelPlanner([a.label for a in self._data.axes], area, self.font(), self).plan()
        if legend:
            legend_rect = QRectF(margin, self.height() - margin - legend, self.width() - 2 * margin, legend)
            planned = ChartLayout(planned.centre, planned.radius, planned.label_font, planned.labels, legend_rect)
        self._layout_cache = (key, planned)
        return planned

    def label_rects(self) -> list[QRectF]:
        """The rects of the axis labels at the current size, in widget coordinates."""
        layout = self.chart_layout()
        return [] if layout is None else [label.rect for label in layout.labels]

    def label_lines(self) -> list[tuple[str, ...]]:
        layout = self.chart_layout()
        return [] if layout is None else [label.lines for label in layout.labels]

    def centre(self) -> QPointF:
        layout = self.chart_layout()
        return QRectF(self.rect()).center() if layout is None else layout.centre

    def radius(self) -> float:
        layout = self.chart_layout()
        return 0.0 if layout is None else layout.radius

    def inner_share(self) -> float:
        """Where the minimum lies, as a share of the radius: one ring away from the centre.

        The centre itself is not on the scale: a lowest score there would be invisible, and a
        web of lowest scores would look like no web at all."""
        assert self._data is not None
        steps = self._data.maximum - self._data.minimum
        return 1 / (steps + 1) if 0 < steps <= MAX_RING_STEPS else INNER_SHARE

    def fraction_for(self, value: float) -> float:
        """How far out a value lies, as a share of the radius (minimum: the inner ring, maximum: 1)."""
        assert self._data is not None
        span = max(1, self._data.maximum - self._data.minimum)
        inner = self.inner_share()
        return inner + (1 - inner) * _clamp((value - self._data.minimum) / span, 0.0, 1.0)

    def point_for(self, axis: int, value: float) -> QPointF:
        """Where a value lies on an axis: the minimum on the inner ring, the maximum on the rim."""
        assert self._data is not None
        fraction = self.fraction_for(value)
        c, s = _direction(axis, len(self._data.axes))
        centre, radius = self.centre(), self.radius()
        return QPointF(centre.x() + c * radius * fraction, centre.y() + s * radius * fraction)

    def legend_series(self) -> list[tuple[str, str]]:
        """(text, kind) of each legend entry; kind is "current", "previous" or "own"."""
        if self._data is None or not (self._data.has_previous or self._data.has_own):
            return []
        entries = [(self._data.current_legend(), CURRENT)]
        if self._data.has_previous:
            entries.append((self._data.previous_legend(), PREVIOUS))
        if self._data.has_own:
            entries.append((self._data.own_legend(), OWN))
        if self._data.first_and_latest and self._data.has_previous:  # in time order: first, then latest
            entries[0], entries[1] = entries[1], entries[0]
        return entries

    def legend_entries(self) -> list[str]:
        return [text for text, _kind in self.legend_series()]

    def series_runs(self, values: Mapping[str, int]) -> list[list[QPointF]]:
        """The outline of a series as runs of joined points: one closed ring when every axis has a
        value, else one run per stretch of neighbouring axes with values. A skipped axis is a gap."""
        assert self._data is not None
        present = [values.get(axis.domain_id) is not None for axis in self._data.axes]
        points = [
            self.point_for(index, values[axis.domain_id]) if here else None
            for index, (axis, here) in enumerate(zip(self._data.axes, present, strict=True))
        ]
        return [[p for i in run if (p := points[i]) is not None] for run in web_runs(present)]

    # -- painting ---------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._layout_cache = None
        super().resizeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base))
        layout = self.chart_layout()
        if self._data is None or layout is None:
            painter.end()
            return
        self._paint_grid(painter, layout)
        # The scale's numbers go under the data: a dot on a number hides less than a number on a dot.
        self._paint_ring_values(painter, layout)
        if self._data.previous is not None:
            self._paint_series(painter, self._data.previous, PREVIOUS)
        self._paint_series(painter, self._data.current, CURRENT)
        if self._data.own is not None:
            self._paint_series(painter, self._data.own, OWN)
        self._paint_labels(painter, layout)
        if layout.legend_rect is not None:
            self._paint_legend(painter, layout.legend_rect)
        painter.end()

    def _ring_values(self) -> list[int]:
        assert self._data is not None
        low, high = self._data.minimum, self._data.maximum
        steps = high - low
        if steps <= 0:
            return [high]
        if steps <= MAX_RING_STEPS:
            return list(range(low, high + 1))
        # Round steps that divide the scale evenly, so that the rim is a ring like the others.
        candidates = [s for s in (2, 5, 10, 20, 25, 50, 100, 250, 500, 1000) if steps / s <= MAX_RING_STEPS]
        even = [s for s in candidates if steps % s == 0]
        step = (even or candidates or [math.ceil(steps / MAX_RING_STEPS)])[0]
        values = list(range(low, high, step))
        return [*values, high]

    def _ring_polygon(self, value: float) -> QPolygonF:
        assert self._data is not None
        return QPolygonF([self.point_for(i, value) for i in range(len(self._data.axes))])

    def _paint_grid(self, painter: QPainter, layout: ChartLayout) -> None:
        assert self._data is not None
        grid = self.grid_colour()
        # Inside the minimum's ring lies no value: a quiet hollow, so the inner ring reads as the floor.
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(with_alpha(grid, 70))
        painter.drawPolygon(self._ring_polygon(self._data.minimum))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for value in self._ring_values():
            edge = value in (self._data.minimum, self._data.maximum)
            painter.setPen(QPen(grid, 1.5 if edge else 1.0))
            painter.drawPolygon(self._ring_polygon(value))
        painter.setPen(QPen(grid, 1.0))
        for index in range(len(self._data.axes)):
            painter.drawLine(self.point_for(index, self._data.minimum), self.point_for(index, self._data.maximum))

    def _paint_ring_values(self, painter: QPainter, layout: ChartLayout) -> None:
        """Small value labels along the first (upward) spoke, thinned out when rings are close."""
        assert self._data is not None
        font = _scaled_font(self.font(), 0.8)
        metrics = QFontMetricsF(font, self)
        span = max(1, self._data.maximum - self._data.minimum)
        ring_gap = layout.radius * (1 - self.inner_share()) / span
        every = next((k for k in (1, 2, 5, 10, 20, 50) if k * ring_gap >= 1.5 * metrics.height()), span)
        painter.setFont(font)
        painter.setPen(self.muted_colour())
        offset = 0.3 * metrics.height()
        for value in self._ring_values():
            if (value - self._data.minimum) % every:
                continue
            point = self.point_for(0, value)
            text = format_number(value)
            rect = QRectF(
                point.x() + offset,
                point.y() - metrics.height() / 2,
                metrics.horizontalAdvance(text) + 2,
                metrics.height(),
            )
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)

    def own_colour(self) -> QColor:
        return chart_parts.own_colour(self.palette())

    def series_colour(self, kind: str) -> QColor:
        if kind == PREVIOUS:
            return self.previous_colour()
        if kind == OWN:
            return self.own_colour()
        return self.current_colour()

    @staticmethod
    def series_pen(colour: QColor, kind: str) -> QPen:
        return chart_parts.series_pen(colour, kind)

    def marker_size(self, kind: str) -> float:
        size = 0.22 * QFontMetricsF(self.font(), self).height()
        return {PREVIOUS: 0.8 * size, OWN: 1.25 * size}.get(kind, size)

    def paint_marker(self, painter: QPainter, point: QPointF, kind: str, size: float | None = None) -> None:
        """A dot (current), a square (earlier) or a hollow diamond (the client's own)."""
        size = self.marker_size(kind) if size is None else size
        base = self.palette().color(QPalette.ColorRole.Base)
        chart_parts.paint_marker(painter, point, kind, size, self.series_colour(kind), base)

    def _paint_series(self, painter: QPainter, values: Mapping[str, int], kind: str) -> None:
        assert self._data is not None
        runs = self.series_runs(values)
        colour = self.series_colour(kind)
        closed = len(runs) == 1 and len(runs[0]) == len(self._data.axes) + 1
        # Only a whole web has an area. A web with a gap is its lines and points: a fill would have
        # to close it somewhere, and any edge drawn to the centre would read as a score there.
        if closed and kind != OWN:  # the client's own scores are a line and markers, no area
            path = QPainterPath()
            path.addPolygon(QPolygonF(runs[0]))
            path.closeSubpath()
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(with_alpha(colour, 38 if kind == PREVIOUS else 60))
            painter.drawPath(path)

        painter.setPen(self.series_pen(colour, kind))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for run in runs:
            if len(run) >= 2:
                painter.drawPolyline(QPolygonF(run))
        for index, axis in enumerate(self._data.axes):
            value = values.get(axis.domain_id)
            if value is not None:
                self.paint_marker(painter, self.point_for(index, value), kind)

    def _paint_labels(self, painter: QPainter, layout: ChartLayout) -> None:
        assert self._data is not None
        painter.setFont(layout.label_font)
        metrics = QFontMetricsF(layout.label_font, self)
        line_height = metrics.lineSpacing()
        for label in layout.labels:
            axis = self._data.axes[label.axis]
            painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Base), 1.0))
            painter.setBrush(QColor(axis.colour))
            painter.drawEllipse(label.dot_centre, label.dot_radius, label.dot_radius)
            # An axis without a score today is shown quieter: the web has a gap there.
            painter.setPen(self.text_colour() if axis.domain_id in self._data.current else self.muted_colour())
            text_left = label.rect.left() + 2 * label.dot_radius + 0.35 * metrics.height()
            for number, line in enumerate(label.lines):
                rect = QRectF(
                    text_left, label.rect.top() + number * line_height, label.rect.right() - text_left, line_height
                )
                painter.drawText(rect, int(label.alignment | Qt.AlignmentFlag.AlignVCenter), line)

    def legend_look(self) -> LegendLook:
        kinds = (CURRENT, PREVIOUS, OWN)
        return LegendLook(
            colours={kind: self.series_colour(kind) for kind in kinds},
            marker_sizes={kind: self.marker_size(kind) for kind in kinds},
            text=self.text_colour(),
            base=self.palette().color(QPalette.ColorRole.Base),
        )

    def _paint_legend(self, painter: QPainter, rect: QRectF) -> None:
        """The legend's rows, each centred, at the bottom of its rect."""
        metrics = QFontMetricsF(self.font(), self)
        painter.setFont(self.font())
        rows = self._legend_rows()
        top = rect.bottom() - rows * chart_parts.LegendSpacing.for_metrics(metrics).row_height
        entries = [LegendEntry(text, kind) for text, kind in self.legend_series()]
        area = QRectF(rect.left(), top, rect.width(), rect.bottom() - top)
        chart_parts.paint_legend(painter, area, entries, metrics, self.legend_look(), centred=True)


# -- the table --------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _colour_icon(colour: str, size: int) -> QIcon:
    """A dot in the domain's colour (kept: every opening of a client shows the same few)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawEllipse(QRectF(1, 1, size - 2, size - 2))
    painter.end()
    return QIcon(pixmap)


class ScoreTable(FittingTableWidget):
    """The chart's values as rows: domain, score, and with a previous conversation, previous and change.

    Without a previous conversation the Previous and Change columns are left out: a column of
    dashes says nothing.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._data: ChartData | None = None
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSortingEnabled(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizeAdjustPolicy(QAbstractItemView.SizeAdjustPolicy.AdjustToContents)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        self.setWordWrap(False)
        self.setTabKeyNavigation(False)  # Tab leaves the table; the arrows move within it
        self.setAccessibleName(_("Scores as a table"))

    def set_data(self, data: ChartData | None) -> None:
        self._data = data
        with filled_then_fitted(self):  # the columns measured once, not after every cell
            self.clear()
            if data is None:
                self.setRowCount(0)
                self.setColumnCount(0)
                return
            scale = _("Score ({minimum}\u2013{maximum})").format(
                minimum=format_number(data.minimum), maximum=format_number(data.maximum)
            )
            # Columns as (header, tooltip, value of a domain); the change is text already.
            columns: list[tuple[str, str, object]] = []
            if data.first_and_latest and data.has_previous:
                columns += [
                    (_("First"), data.previous_legend(), data.previous_value),
                    (_("Latest"), data.current_legend(), data.value),
                    (_("Change"), "", data.change),
                ]
            else:
                columns.append((scale, data.current_label, data.value))
                if data.has_previous:
                    columns += [
                        (_("Previous"), data.previous_label, data.previous_value),
                        (_("Change"), "", data.change),
                    ]
            if data.has_own:
                columns.append((_("Own score"), data.own_legend(), data.own_value))
            self.setColumnCount(1 + len(columns))
            self.setHorizontalHeaderLabels([_("Domain"), *(header for header, _tip, _value in columns)])
            for number, (_header, tip, _value) in enumerate(columns, start=1):
                if tip:
                    self.horizontalHeaderItem(number).setToolTip(tip)
            self.setRowCount(len(data.axes))
            icon_size = self.fontMetrics().height() * 2 // 3
            self.setIconSize(QSize(icon_size, icon_size))
            for row, axis in enumerate(data.axes):
                domain = QTableWidgetItem(_colour_icon(axis.colour, icon_size), axis.label)
                self.setItem(row, 0, domain)
                for column, (_header, _tip, value_of) in enumerate(columns, start=1):
                    value = value_of(axis.domain_id)  # type: ignore[operator]
                    if value_of == data.change:
                        text = format_change(value)
                    else:
                        text = NO_VALUE if value is None else format_number(value)
                    self.setItem(row, column, self._number(text))
        self.resizeColumnsToContents()
        self.updateGeometry()

    def _number(self, text: str) -> QTableWidgetItem:
        item = QTableWidgetItem(text)
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if text == NO_VALUE:
            item.setData(Qt.ItemDataRole.AccessibleTextRole, _("no score"))
        return item

    def cell_text(self, row: int, column: int) -> str:
        item = self.item(row, column)
        return "" if item is None else item.text()

    def header_texts(self) -> list[str]:
        return [self.horizontalHeaderItem(c).text() for c in range(self.columnCount())]


# -- the panel --------------------------------------------------------------------------------


class ChartPanel(QWidget):
    """The chart with its table beside it (below it when the panel is narrow), or a message."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.chart = SpiderChart()
        self.table = ScoreTable()
        self.message = QLabel(_("This conversation model has no scores, so there is no chart."))
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setMargin(self.fontMetrics().height())

        self.content = QWidget()
        self._box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self.content)
        self._box.setContentsMargins(0, 0, 0, 0)
        self._box.addWidget(self.chart, 1)
        self._box.addWidget(self.table, 0, Qt.AlignmentFlag.AlignTop)

        self._stack = QStackedLayout(self)
        self._stack.addWidget(self.message)
        self._stack.addWidget(self.content)
        self.set_data(None)

    def set_data(self, data: ChartData | None) -> None:
        self.chart.set_data(data)
        self.table.set_data(data)
        self._stack.setCurrentWidget(self.content if data is not None else self.message)
        self._arrange(self.width())

    def showing_chart(self) -> bool:
        return self._stack.currentWidget() is self.content

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange(event.size().width())

    def _arrange(self, width: int) -> None:
        # Side by side while the chart keeps a little more than its minimum beside the table;
        # the panel can always shrink below that point, so this never locks its size.
        beside = width - self.table.sizeHint().width() - self._box.spacing()
        wide_enough = beside >= self.chart.minimumSizeHint().width() + 40
        direction = QBoxLayout.Direction.LeftToRight if wide_enough else QBoxLayout.Direction.TopToBottom
        if self._box.direction() != direction:
            self._box.setDirection(direction)
