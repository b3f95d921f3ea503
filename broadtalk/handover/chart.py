"""The scores chart of a handover, drawn with reportlab.graphics for the PDF.

``scores_drawing`` is the one entry point: it picks the form that suits the shared scored domains.

- One or two scored domains: a bar per domain (a gauge). A spider needs three axes, and two bars
  read better than a line. Every shared domain on a scale gets a row, in the letter's domain
  order; one without a score shows its empty track and "no score".
- Three or more: the spider web (spinnenweb) over the scored domains.

Both are always drawn on the model's full scale (``HandoverContent.scale``), never scaled to the
data. The scale's minimum is drawn visibly away from the zero point: in the web it is an inner
ring at ``INNER_RING`` of the radius (the centre itself is not on the scale), on a bar it is a
short stub. A worst score is then a visible point and a visible bar, not an empty chart.
ReportLab's own ``SpiderChart`` scales to the largest value in the data and puts zero in the
centre: ``PinnedSpiderChart`` fixes both ends with ``valueMin``/``valueMax``, draws the scale's
rings and lays out the labels itself, so that thirteen long Dutch titles stay inside the drawing
(wrapped onto two lines, shortened with "…" beyond that).

The drawings carry no user text: only domain titles (from the model), numbers and "no score".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from reportlab.graphics.charts.spider import SpiderChart
from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.lib.attrmap import AttrMap, AttrMapValue
from reportlab.lib.validators import isColorOrNone, isNumber, isString
from reportlab.pdfbase.pdfmetrics import stringWidth

from broadtalk.handover.content import HandoverContent, SharedDomain
from broadtalk.handover.pdf_text import (
    FONT,
    FONT_BOLD,
    MUTED,
    TEXT,
    fit_line,
    line_text,
    register_fonts,
    safe_colour,
)
from broadtalk.i18n import _

MIN_AXES = 3
#: Where the scale's minimum lies in the web, as a share of the radius (the centre is below it).
INNER_RING = 0.18
#: The client's web: a strong blue line over a light fill (as on screen).
STRAND = colors.HexColor("#1F6FD0")
STRAND_FILL = colors.Color(0x1F / 255, 0x6F / 255, 0xD0 / 255, alpha=0.16)
GRID = colors.HexColor("#D3D9E0")
GRID_RIM = colors.HexColor("#9AA5B1")
#: Inside the minimum ring, and the empty part of a bar's track.
HOLLOW = colors.HexColor("#EEF1F4")
DOT_RADIUS = 3.2
#: Room between the drawing's edge and anything on it.
EDGE = 2.0


def chart_height(axes: int) -> float:
    """Room for the web: a triangle needs less than the thirteen ZRM domains with their labels."""
    return 210.0 if axes <= 4 else 260.0 if axes <= 8 else 300.0


def wrap_label(text: str, font: str, size: float, width: float, max_lines: int = 2) -> tuple[str, ...]:
    """A title on at most ``max_lines`` lines of ``width``; what does not fit ends in '…'."""
    words = line_text(text, font).split()
    lines: list[str] = []
    current = ""
    for word in words:
        trial = f"{current} {word}" if current else word
        if not current or stringWidth(trial, font, size) <= width:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    return tuple(fit_line(line, font, size, width) for line in lines) or ("",)


def _label_box(angle: float, reach: float, width: float, height: float) -> tuple[float, float, str, float]:
    """A label block beside the point at ``reach`` along ``angle`` (relative to the centre).

    Returns (left, bottom, text anchor, x of the anchor). The block hugs the web: left-aligned on
    the right half, right-aligned on the left half, centred at the top and bottom; vertically it
    moves away from the web as far as the spoke points up or down.
    """
    c, s = math.cos(angle), math.sin(angle)
    px, py = reach * c, reach * s
    if c > 0.2:
        left, anchor = px, "start"
    elif c < -0.2:
        left, anchor = px - width, "end"
    else:
        left, anchor = px - width / 2, "middle"
    bottom = py + s * height / 2 - height / 2
    return left, bottom, anchor, px


class PinnedSpiderChart(SpiderChart):
    """A SpiderChart on a fixed scale: ``valueMin`` on an inner ring, ``valueMax`` on the rim."""

    _attrMap = AttrMap(
        BASE=SpiderChart,
        valueMin=AttrMapValue(isNumber, desc="value on the inner ring"),
        valueMax=AttrMapValue(isNumber, desc="value on the rim"),
        innerRing=AttrMapValue(isNumber, desc="share of the radius where valueMin lies"),
        gridColor=AttrMapValue(isColorOrNone, desc="colour of the scale's rings"),
        rimColor=AttrMapValue(isColorOrNone, desc="colour of the outer and the inner ring"),
        dotColours=AttrMapValue(None, desc="one colour per axis for the value dots (the domain colours)"),
        scaleFontName=AttrMapValue(isString, desc="font of the scale's numbers"),
        scaleFontSize=AttrMapValue(isNumber, desc="size of the scale's numbers"),
        axisLabels=AttrMapValue(None, desc="per axis the lines of its label, already fitted"),
        labelFontName=AttrMapValue(isString, desc="font of the axis labels"),
        labelFontSize=AttrMapValue(isNumber, desc="size of the axis labels"),
        labelLeading=AttrMapValue(isNumber, desc="line distance of the axis labels"),
        labelGap=AttrMapValue(isNumber, desc="room between the rim and the labels"),
    )

    def __init__(self) -> None:
        super().__init__()
        self.valueMin = 0
        self.valueMax = 10
        self.innerRing = INNER_RING
        self.gridColor = GRID
        self.rimColor = GRID_RIM
        self.dotColours: list[colors.Color] = []
        self.scaleFontName = FONT
        self.scaleFontSize = 6.5
        self.axisLabels: list[tuple[str, ...]] = []
        self.labelFontName = FONT
        self.labelFontSize = 7.5
        self.labelLeading = 9.0
        self.labelGap = 6.0

    def fraction(self, value: float) -> float:
        """Where a value lies on a spoke, as a share of the radius: never below the inner ring."""
        span = (self.valueMax - self.valueMin) or 1
        share = (min(max(value, self.valueMin), self.valueMax) - self.valueMin) / span
        return self.innerRing + (1 - self.innerRing) * share

    def normalizeData(self, outer: float = 0.0) -> list[list[float]]:
        self._norm = (self.valueMax - self.valueMin) or 1
        return [[self.fraction(v) for v in row] for row in self.data]

    def _geometry(self) -> tuple[float, float, float, list[float]]:
        radius = min(self.width, self.height) / 2.0
        cx, cy = self.x + self.width / 2.0, self.y + self.height / 2.0
        n = len(self.data[0])
        step = (-1 if self.direction == "clockwise" else 1) * 2 * math.pi / n
        start = self.startAngle * math.pi / 180
        return cx, cy, radius, [start + i * step for i in range(n)]

    def ring_values(self) -> list[int]:
        """The minimum and every whole step up to ten steps (0-10, 1-5); coarser on a longer scale."""
        span = int(self.valueMax - self.valueMin)
        step = max(1, math.ceil(span / 10))
        values = list(range(int(self.valueMin), int(self.valueMax) + 1, step))
        return values if values[-1] == self.valueMax else [*values, int(self.valueMax)]

    def draw(self) -> Group:
        cx, cy, radius, angles = self._geometry()
        n = len(angles)
        # The scale's numbers sit on the rings halfway between the first and the last spoke:
        # away from the value dots (on the spokes) and from the labels (outside the rim).
        between = angles[0] + (math.pi / n if self.direction == "clockwise" else -math.pi / n)
        to_edge = math.cos(math.pi / n)  # a ring is a polygon: its edge is nearer than its corners
        beside_spoke = n <= 4  # in a triangle or square the halfway edges are too close together
        rings, numbers = Group(), Group()
        labelled = self._labelled_rings()
        for value in self.ring_values():
            r = radius * self.fraction(value)
            points = [p for a in angles for p in (cx + r * math.cos(a), cy + r * math.sin(a))]
            edge = value in (self.valueMin, self.valueMax)
            rings.add(
                Polygon(
                    points,
                    # Inside the minimum lies no score: a quiet fill says the scale starts here.
                    fillColor=HOLLOW if value == self.valueMin else None,
                    strokeColor=self.rimColor if edge else self.gridColor,
                    strokeWidth=0.8 if edge else 0.4,
                )
            )
            if value in labelled:
                text = str(value)
                w = stringWidth(text, self.scaleFontName, self.scaleFontSize)
                inner = value == self.valueMin
                if beside_spoke:
                    x = cx + r * math.cos(angles[0]) - DOT_RADIUS - 3 - w / 2
                    y = cy + r * math.sin(angles[0]) - self.scaleFontSize * 0.35
                else:
                    # The minimum's number inside its ring: on the ring it would hide between the dots.
                    reach = max(0.0, r * to_edge - self.scaleFontSize) if inner else r * to_edge
                    x = cx + reach * math.cos(between)
                    y = cy + reach * math.sin(between) - self.scaleFontSize * 0.35
                numbers.add(Rect(x - w / 2 - 1, y - 1.5, w + 2, self.scaleFontSize + 1.5,
                                 fillColor=HOLLOW if inner and not beside_spoke else colors.white,
                                 strokeColor=None))  # fmt: skip
                numbers.add(String(x, y, text, fontName=self.scaleFontName, fontSize=self.scaleFontSize,
                                   fillColor=MUTED, textAnchor="middle"))  # fmt: skip
        group = Group(rings, numbers, super().draw())
        # Dots on top, in the domain colours, so each value links to its row in the table.
        data = self.normalizeData()
        for i, (value, angle) in enumerate(zip(data[0], angles, strict=True)):
            colour = self.dotColours[i] if i < len(self.dotColours) else STRAND
            r = radius * value
            group.add(
                Circle(
                    cx + r * math.cos(angle),
                    cy + r * math.sin(angle),
                    DOT_RADIUS,
                    fillColor=colour,
                    strokeColor=colors.white,
                    strokeWidth=0.8,
                )
            )
        group.add(self._axis_labels(cx, cy, radius, angles))
        return group

    def _axis_labels(self, cx: float, cy: float, radius: float, angles: list[float]) -> Group:
        labels = Group()
        size, leading = self.labelFontSize, self.labelLeading
        for lines, angle in zip(self.axisLabels, angles, strict=False):
            width = max(stringWidth(line, self.labelFontName, size) for line in lines)
            height = label_height(len(lines), size, leading)
            _left, bottom, anchor, x = _label_box(angle, radius + self.labelGap, width, height)
            top = cy + bottom + height
            for k, line in enumerate(lines):
                labels.add(String(cx + x, top - size - k * leading, line, fontName=self.labelFontName,
                                  fontSize=size, fillColor=TEXT, textAnchor=anchor))  # fmt: skip
        return labels

    def _labelled_rings(self) -> set[int]:
        """Six numbers or so: the minimum, every second step and the maximum."""
        values = self.ring_values()
        if len(values) <= 6:
            return set(values)
        return {v for i, v in enumerate(values) if i % 2 == 0} | {int(self.valueMax)}


def label_height(lines: int, size: float, leading: float) -> float:
    """The height of a label block as ReportLab measures strings (0.2 of the size below the baseline)."""
    return (lines - 1) * leading + 1.2 * size


def chart_domains(content: HandoverContent) -> tuple[SharedDomain, ...]:
    """The shared domains that can be drawn: scored on a scale, with a score (in the letter's order)."""
    return tuple(d for d in content.scored_domains() if d.score is not None)


def _full_scale(content: HandoverContent) -> tuple[int, int] | None:
    if content.scale is not None:
        return content.scale
    scored = content.scored_domains()
    if not scored:
        return None
    return min(d.scale_min for d in scored), max(d.scale_max if d.scale_max is not None else 0 for d in scored)


def scores_drawing(content: HandoverContent, width: float) -> Drawing | None:
    """The shared scores as a picture ``width`` wide, as high as it needs; None when nothing is scored.

    Three or more scored domains make a spider web, one or two a bar per domain on a scale.
    """
    drawn = chart_domains(content)
    if not drawn:
        return None
    if len(drawn) >= MIN_AXES:
        return spider_drawing(content, width, chart_height(len(drawn)))
    return bars_drawing(content, width)


# -- the spider web ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _SpiderPlan:
    font: str
    size: float
    leading: float
    labels: tuple[tuple[str, ...], ...]
    radius: float
    centre: tuple[float, float]
    height: float
    clear: bool  # no two labels overlap


def _spider_angles(n: int) -> list[float]:
    return [math.pi / 2 - i * 2 * math.pi / n for i in range(n)]


def _spider_extent(
    labels: tuple[tuple[str, ...], ...], font: str, size: float, leading: float, gap: float, radius: float
) -> tuple[list[tuple[float, float, float, float]], tuple[float, float, float, float]]:
    """The label boxes and the bounding box of web plus labels, relative to the centre."""
    angles = _spider_angles(len(labels))
    boxes = []
    xs = [radius * math.cos(a) for a in angles]
    ys = [radius * math.sin(a) for a in angles]
    # The dots of a full score reach past the rim.
    bounds = [min(xs) - DOT_RADIUS, min(ys) - DOT_RADIUS, max(xs) + DOT_RADIUS, max(ys) + DOT_RADIUS]
    for lines, angle in zip(labels, angles, strict=True):
        w = max(stringWidth(line, font, size) for line in lines)
        h = label_height(len(lines), size, leading)
        left, bottom, _anchor, _x = _label_box(angle, radius + gap, w, h)
        boxes.append((left, bottom, left + w, bottom + h))
        bounds = [min(bounds[0], left), min(bounds[1], bottom), max(bounds[2], left + w), max(bounds[3], bottom + h)]
    return boxes, (bounds[0], bounds[1], bounds[2], bounds[3])


def _overlaps(boxes: list[tuple[float, float, float, float]], pad: float = 1.5) -> bool:
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if a[0] < b[2] + pad and b[0] < a[2] + pad and a[1] < b[3] + pad and b[1] < a[3] + pad:
                return True
    return False


def _plan_spider(titles: list[str], width: float, height: float, gap: float) -> _SpiderPlan:
    """The largest web whose labels fit in ``width`` x ``height`` without overlapping.

    Tries the preferred type first, then smaller type and narrower labels (wrapped onto two lines
    and shortened with '…' beyond that); the last try is taken even when labels would touch.
    """
    n = len(titles)
    fonts = [(FONT_BOLD, 7.5), (FONT_BOLD, 7.0), (FONT, 6.5)] if n <= 8 else [(FONT, 7.0), (FONT, 6.5), (FONT, 6.0)]
    shares = (0.26, 0.21, 0.17)
    plan: _SpiderPlan | None = None
    for font, size in fonts:
        for share in shares:
            plan = _try_spider(titles, font, size, min(width * share, 130.0), width, height, gap)
            if plan.clear and plan.radius >= min(width, height) * 0.22:
                return plan
    assert plan is not None
    return plan


def _try_spider(
    titles: list[str], font: str, size: float, label_width: float, width: float, height: float, gap: float
) -> _SpiderPlan:
    leading = size * 1.2
    labels = tuple(wrap_label(t, font, size, label_width) for t in titles)
    room_x, room_y = width - 2 * EDGE, height - 2 * EDGE

    def fits(radius: float) -> bool:
        _boxes, (x0, y0, x1, y1) = _spider_extent(labels, font, size, leading, gap, radius)
        return x1 - x0 <= room_x and y1 - y0 <= room_y

    low, high = 0.0, min(width, height) / 2
    for _step in range(40):
        mid = (low + high) / 2
        low, high = (mid, high) if fits(mid) else (low, mid)
    radius = low
    boxes, (x0, y0, x1, y1) = _spider_extent(labels, font, size, leading, gap, radius)
    # A web held back by the width leaves the height unused: the drawing shrinks to what it needs.
    used = min(height, y1 - y0 + 2 * EDGE)
    centre = (width / 2 - (x0 + x1) / 2, used / 2 - (y0 + y1) / 2)
    return _SpiderPlan(font, size, leading, labels, radius, centre, used, not _overlaps(boxes))


def spider_drawing(content: HandoverContent, width: float, height: float) -> Drawing | None:
    """The shared scored domains as a spider web on the model's full scale; None below three axes."""
    domains = chart_domains(content)
    scale = _full_scale(content)
    if len(domains) < MIN_AXES or scale is None:
        return None
    register_fonts()
    low, high = scale
    gap = DOT_RADIUS + 3.5
    plan = _plan_spider([d.title for d in domains], width, height, gap)
    cx, cy = plan.centre
    chart = PinnedSpiderChart()
    chart.x, chart.y = cx - plan.radius, cy - plan.radius
    chart.width = chart.height = 2 * plan.radius
    chart.valueMin, chart.valueMax = low, high
    chart.data = [[d.score for d in domains]]
    chart.labels = None  # the chart draws its own, fitted labels (axisLabels)
    chart.axisLabels = list(plan.labels)
    chart.labelFontName = plan.font
    chart.labelFontSize = plan.size
    chart.labelLeading = plan.leading
    chart.labelGap = gap
    chart.dotColours = [safe_colour(d.colour) for d in domains]
    chart.startAngle = 90
    chart.direction = "clockwise"
    chart.strands[0].strokeColor = STRAND
    chart.strands[0].strokeWidth = 1.4
    chart.strands[0].fillColor = STRAND_FILL
    chart.spokes.strokeColor = GRID
    chart.spokes.strokeWidth = 0.4
    chart.spokeLabels.fontName = plan.font
    chart.spokeLabels.fontSize = plan.size
    drawing = Drawing(width, plan.height)
    drawing.add(chart, name="chart")
    return drawing


# -- the bars ------------------------------------------------------------------------------------

BAR_LABEL_SIZE = 8.5
BAR_LABEL_LEADING = 10.0
BAR_TRACK = 9.0
BAR_ROW = 24.0
BAR_AXIS = 16.0
BAR_SCORE_SIZE = 9.0
BAR_TICK_SIZE = 7.0


def bar_ticks(low: int, high: int) -> list[int]:
    """The whole steps of the scale that get a mark: all of them up to ten steps, coarser beyond."""
    step = max(1, math.ceil((high - low) / 10))
    values = list(range(low, high + 1, step))
    return values if values[-1] == high else [*values, high]


def bar_tick_labels(low: int, high: int, track_length: float) -> list[int]:
    """The numbers under the axis: every mark when there is room, else the ends and the middle."""
    ticks = bar_ticks(low, high)
    widest = max(stringWidth(str(v), FONT, BAR_TICK_SIZE) for v in ticks)
    if len(ticks) <= 2 or track_length / (len(ticks) - 1) >= widest + 8:
        return ticks
    middle = [(low + high) // 2] if (low + high) % 2 == 0 else []
    return [low, *middle, high]


def bars_drawing(content: HandoverContent, width: float) -> Drawing | None:
    """A bar per shared domain on a scale, in the letter's order; None when nothing is scored.

    Each row: the domain's title, its track from the scale's minimum to its maximum, the score
    as a bar in the domain colour and as a number. The minimum lies a short stub into the
    track, so a minimum score is a visible bar. One axis below gives the scale's numbers.
    """
    domains = content.scored_domains()
    scale = _full_scale(content)
    if scale is None or not any(d.score is not None for d in domains):
        return None
    register_fonts()
    low, high = scale
    span = (high - low) or 1
    label_width = min(max(width * 0.3, 60.0), 160.0)
    labels = [wrap_label(d.title, FONT, BAR_LABEL_SIZE, label_width) for d in domains]
    score_width = max(stringWidth(str(v), FONT_BOLD, BAR_SCORE_SIZE) for v in (low, high)) + 8
    track_left = EDGE + label_width + 8
    track_right = width - EDGE - score_width
    track_length = max(track_right - track_left, 20.0)
    stub = max(6.0, 0.04 * track_length)

    def at(value: float) -> float:
        return track_left + stub + (min(max(value, low), high) - low) / span * (track_length - stub)

    rows = [max(BAR_ROW, label_height(len(lines), BAR_LABEL_SIZE, BAR_LABEL_LEADING) + 8) for lines in labels]
    height = EDGE + sum(rows) + BAR_AXIS + EDGE
    drawing = Drawing(width, height)
    ticks = bar_ticks(low, high)
    grid, bars, text = Group(), Group(), Group()
    top = height - EDGE
    axis_y = EDGE + BAR_AXIS
    # Quiet guides at the scale's steps, from the first row down to the axis.
    for value in ticks:
        x = at(value)
        grid.add(Line(x, axis_y, x, top - 2, strokeColor=GRID, strokeWidth=0.4))
    grid.add(Line(track_left, axis_y, track_left + track_length, axis_y, strokeColor=GRID_RIM, strokeWidth=0.6))
    for value in bar_tick_labels(low, high, track_length):
        x = at(value)
        grid.add(Line(x, axis_y, x, axis_y - 2.5, strokeColor=GRID_RIM, strokeWidth=0.6))
        text.add(String(x, EDGE + 0.2 * BAR_TICK_SIZE + 1, str(value), fontName=FONT, fontSize=BAR_TICK_SIZE,
                        fillColor=MUTED, textAnchor="middle"))  # fmt: skip
    for domain, lines, row in zip(domains, labels, rows, strict=True):
        middle = top - row / 2
        block = label_height(len(lines), BAR_LABEL_SIZE, BAR_LABEL_LEADING)
        first = middle + block / 2 - BAR_LABEL_SIZE
        for k, line in enumerate(lines):
            text.add(String(EDGE, first - k * BAR_LABEL_LEADING, line, fontName=FONT, fontSize=BAR_LABEL_SIZE,
                            fillColor=TEXT))  # fmt: skip
        y = middle - BAR_TRACK / 2
        bars.add(Rect(track_left, y, track_length, BAR_TRACK, fillColor=HOLLOW, strokeColor=None))
        if domain.score is None:
            text.add(String(at(low) + 4, middle - BAR_TICK_SIZE * 0.35, _("no score"), fontName=FONT,
                            fontSize=BAR_TICK_SIZE, fillColor=MUTED))  # fmt: skip
        else:
            end = at(domain.score)
            bars.add(Rect(track_left, y, end - track_left, BAR_TRACK, fillColor=safe_colour(domain.colour),
                          strokeColor=None))  # fmt: skip
            text.add(String(track_left + track_length + 6, middle - BAR_SCORE_SIZE * 0.35, str(domain.score),
                            fontName=FONT_BOLD, fontSize=BAR_SCORE_SIZE, fillColor=TEXT))  # fmt: skip
        # The steps as thin white cuts over track and bar: the scale stays readable inside the bar.
        for value in ticks[1:-1]:
            bars.add(Line(at(value), y, at(value), y + BAR_TRACK, strokeColor=colors.white, strokeWidth=0.8))
        top -= row
    drawing.add(grid, name="grid")
    drawing.add(bars, name="bars")
    drawing.add(text, name="text")
    return drawing
