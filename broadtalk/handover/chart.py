"""The spider chart (spinnenweb) of a handover, drawn with reportlab.graphics for the PDF.

Only shared domains with a scale and a score become axes; a spider needs at least three, so
with fewer there is no chart (the PDF still prints the values as a table). The chart is always
drawn on the model's full scale (``HandoverContent.scale``): centre = the scale's minimum, rim =
its maximum. ReportLab's own ``SpiderChart`` scales to the largest value in the data and puts
zero in the centre, so a 3 out of 10 would fill the whole web and a ZRM 1 would sit away from the
centre: ``PinnedSpiderChart`` fixes both ends with ``valueMin``/``valueMax`` and draws the
scale's rings, which ReportLab's chart leaves out.
"""

from __future__ import annotations

import math

from reportlab.graphics.charts.spider import SpiderChart
from reportlab.graphics.shapes import Circle, Drawing, Group, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.lib.attrmap import AttrMap, AttrMapValue
from reportlab.lib.validators import isColorOrNone, isNumber, isString
from reportlab.pdfbase.pdfmetrics import stringWidth

from broadtalk.handover.content import HandoverContent, SharedDomain
from broadtalk.handover.pdf_text import FONT, FONT_BOLD, MUTED, TEXT, line_text, register_fonts, safe_colour

MIN_AXES = 3
#: The client's web: a strong blue line over a light fill (as on screen).
STRAND = colors.HexColor("#1F6FD0")
STRAND_FILL = colors.Color(0x1F / 255, 0x6F / 255, 0xD0 / 255, alpha=0.16)
GRID = colors.HexColor("#D3D9E0")
GRID_RIM = colors.HexColor("#9AA5B1")


class PinnedSpiderChart(SpiderChart):
    """A SpiderChart on a fixed scale: ``valueMin`` at the centre, ``valueMax`` on the rim."""

    _attrMap = AttrMap(
        BASE=SpiderChart,
        valueMin=AttrMapValue(isNumber, desc="value at the centre"),
        valueMax=AttrMapValue(isNumber, desc="value on the rim"),
        gridColor=AttrMapValue(isColorOrNone, desc="colour of the scale's rings"),
        rimColor=AttrMapValue(isColorOrNone, desc="colour of the outer ring"),
        dotColours=AttrMapValue(None, desc="one colour per axis for the value dots (the domain colours)"),
        scaleFontName=AttrMapValue(isString, desc="font of the scale's numbers"),
        scaleFontSize=AttrMapValue(isNumber, desc="size of the scale's numbers"),
    )

    def __init__(self) -> None:
        super().__init__()
        self.valueMin = 0
        self.valueMax = 10
        self.gridColor = GRID
        self.rimColor = GRID_RIM
        self.dotColours: list[colors.Color] = []
        self.scaleFontName = FONT
        self.scaleFontSize = 6.5

    def normalizeData(self, outer: float = 0.0) -> list[list[float]]:
        span = (self.valueMax - self.valueMin) or 1
        self._norm = span
        return [[(min(max(v, self.valueMin), self.valueMax) - self.valueMin) / span for v in row] for row in self.data]

    def _geometry(self) -> tuple[float, float, float, list[float]]:
        radius = min(self.width, self.height) / 2.0
        cx, cy = self.x + self.width / 2.0, self.y + self.height / 2.0
        n = len(self.data[0])
        step = (-1 if self.direction == "clockwise" else 1) * 2 * math.pi / n
        start = self.startAngle * math.pi / 180
        return cx, cy, radius, [start + i * step for i in range(n)]

    def ring_values(self) -> list[int]:
        """Every whole step up to ten steps (0-10, 1-5); coarser on a longer scale."""
        span = int(self.valueMax - self.valueMin)
        step = max(1, math.ceil(span / 10))
        return list(range(int(self.valueMin) + step, int(self.valueMax) + 1, step))

    def draw(self) -> Group:
        cx, cy, radius, angles = self._geometry()
        span = (self.valueMax - self.valueMin) or 1
        n = len(angles)
        # The scale's numbers sit on the rings halfway between the first and the last spoke:
        # away from the value dots (on the spokes) and from the labels (outside the rim).
        between = angles[0] + (math.pi / n if self.direction == "clockwise" else -math.pi / n)
        to_edge = math.cos(math.pi / n)  # a ring is a polygon: its edge is nearer than its corners
        beside_spoke = n <= 4  # in a triangle or square the halfway edges are too close together
        rings, numbers = Group(), Group()
        labelled = self._labelled_rings()
        for value in self.ring_values():
            r = radius * (value - self.valueMin) / span
            points = [p for a in angles for p in (cx + r * math.cos(a), cy + r * math.sin(a))]
            rim = value == self.valueMax
            rings.add(
                Polygon(
                    points,
                    fillColor=None,
                    strokeColor=self.rimColor if rim else self.gridColor,
                    strokeWidth=0.8 if rim else 0.4,
                )
            )
            if value in labelled:
                text = str(value)
                w = stringWidth(text, self.scaleFontName, self.scaleFontSize)
                if beside_spoke:
                    x = cx + r * math.cos(angles[0]) - 5 - w / 2
                    y = cy + r * math.sin(angles[0]) - self.scaleFontSize * 0.35
                else:
                    x = cx + r * to_edge * math.cos(between)
                    y = cy + r * to_edge * math.sin(between) - self.scaleFontSize * 0.35
                numbers.add(Rect(x - w / 2 - 1, y - 1.5, w + 2, self.scaleFontSize + 1.5, fillColor=colors.white,
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
                    3.2,
                    fillColor=colour,
                    strokeColor=colors.white,
                    strokeWidth=0.8,
                )
            )
        return group

    def _labelled_rings(self) -> set[int]:
        """At most five numbers along the first spoke: enough to read the scale, not a ruler."""
        values = self.ring_values()
        if len(values) <= 5:
            return set(values)
        return {v for v in values if (v - self.valueMin) % 2 == 0} | {int(self.valueMax)}


def chart_domains(content: HandoverContent) -> tuple[SharedDomain, ...]:
    """The shared domains that can be drawn: scored on a scale, with a score."""
    return tuple(d for d in content.scored_domains() if d.score is not None)


def spider_drawing(content: HandoverContent, width: float, height: float) -> Drawing | None:
    """The shared scored domains as a spider web on the model's full scale; None below three axes."""
    domains = chart_domains(content)
    if len(domains) < MIN_AXES or content.scale is None:
        return None
    register_fonts()
    low, high = content.scale
    label_size = 7.5 if len(domains) <= 8 else 6.5
    # Room for the labels around the web: wide at the sides, a couple of lines above and below.
    label_font = FONT_BOLD if len(domains) <= 8 else FONT
    labels = [line_text(d.title, label_font) for d in domains]
    # A label wraps at spaces only: the longest word must fit beside the web.
    longest_word = max(stringWidth(w, label_font, label_size) for label in labels for w in label.split() or [""])
    side = min(max(width * 0.22, longest_word + 8), width * 0.32, 140.0)
    vertical = label_size * 3.6
    # The web is as large as fits; a triangle is lower than it is wide, so centre its corners.
    n = len(domains)
    xs = [math.cos(math.pi / 2 - i * 2 * math.pi / n) for i in range(n)]
    ys = [math.sin(math.pi / 2 - i * 2 * math.pi / n) for i in range(n)]
    radius = max(20.0, min((width - 2 * side) / (max(xs) - min(xs)), (height - 2 * vertical) / (max(ys) - min(ys))))
    # A web held back by the width leaves the height unused: the drawing shrinks to what it needs.
    height = min(height, (max(ys) - min(ys)) * radius + 2 * vertical)
    cx = width / 2 - (max(xs) + min(xs)) / 2 * radius
    cy = height / 2 - (max(ys) + min(ys)) / 2 * radius
    chart = PinnedSpiderChart()
    chart.x, chart.y = cx - radius, cy - radius
    chart.width = chart.height = 2 * radius
    chart.valueMin, chart.valueMax = low, high
    chart.data = [[d.score for d in domains]]
    chart.labels = labels
    chart.dotColours = [safe_colour(d.colour) for d in domains]
    chart.startAngle = 90
    chart.direction = "clockwise"
    chart.strands[0].strokeColor = STRAND
    chart.strands[0].strokeWidth = 1.4
    chart.strands[0].fillColor = STRAND_FILL
    chart.spokes.strokeColor = GRID
    chart.spokes.strokeWidth = 0.4
    chart.spokes.labelRadius = 1.07
    chart.spokeLabels.fontName = label_font
    chart.spokeLabels.fontSize = label_size
    chart.spokeLabels.leading = label_size * 1.2
    chart.spokeLabels.fillColor = TEXT
    chart.spokeLabels.maxWidth = side - 4
    chart.spokeLabels.boxAnchor = "autox"
    for i, x in enumerate(xs):
        # Text hugs the web: right-aligned on the left half, left-aligned on the right half.
        chart.spokeLabels[i].textAnchor = "start" if x > 0.2 else "end" if x < -0.2 else "middle"
    drawing = Drawing(width, height)
    drawing.add(chart, name="chart")
    return drawing
