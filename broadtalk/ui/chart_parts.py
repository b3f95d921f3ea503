"""What the spider chart and the trend charts draw alike, defined once.

The colours come from the widget's palette (light and dark), with fixed colours for the series
where a theme's own would vanish. Each series is told apart by line and marker, not by colour
alone, and looks the same in every chart on the client's page:

- ``CURRENT``: the professional's score (this time, the latest): solid line, filled dot;
- ``PREVIOUS``: an earlier conversation (the previous, or the first): grey, dashed, filled square;
- ``OWN``: the client's own score: orange, dotted, hollow diamond.

The legend names the series with a piece of line and the marker, its entries flowing in rows
like words, so that a long name (Dutch, large type) wraps instead of being cut off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPalette, QPen, QPolygonF

from broadtalk import i18n

CURRENT = "current"
PREVIOUS = "previous"
OWN = "own"

#: The professional's series when the palette's highlight is too grey (or for a fixed colour).
STRONG_BLUE = QColor("#1F6FD0")
STRONG_BLUE_ON_DARK = QColor("#6AA7FF")
#: The client's own scores: an orange that stays apart from the blue in colour-blind vision too.
OWN_COLOUR = QColor("#B85C00")
OWN_COLOUR_ON_DARK = QColor("#F0A040")
PREVIOUS_COLOUR = QColor("#7A7A7A")
PREVIOUS_COLOUR_ON_DARK = QColor("#8C8C8C")
#: A diamond reaches this much further than a dot of the same size: it looks as large.
DIAMOND_REACH = 1.3


# -- numbers and dates ------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _formatted(value: int | float | date, language: str) -> str:
    return i18n.format_short_date(value) if isinstance(value, date) else i18n.format_number(value)


def format_number(value: float | int) -> str:
    """As ``i18n.format_number``, kept per language: a chart paints the same few numbers often."""
    return _formatted(value, i18n.current_language())


def format_short_date(value: date) -> str:
    """As ``i18n.format_short_date``, kept per language (the trends of a client share their dates)."""
    return _formatted(value, i18n.current_language())


# -- colours ----------------------------------------------------------------------------------


def blend(a: QColor, b: QColor, share_of_a: float) -> QColor:
    return QColor.fromRgbF(
        a.redF() * share_of_a + b.redF() * (1 - share_of_a),
        a.greenF() * share_of_a + b.greenF() * (1 - share_of_a),
        a.blueF() * share_of_a + b.blueF() * (1 - share_of_a),
    )


def with_alpha(colour: QColor, alpha: int) -> QColor:
    result = QColor(colour)
    result.setAlpha(alpha)
    return result


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Base).lightnessF() < 0.5


def text_colour(palette: QPalette) -> QColor:
    return palette.color(QPalette.ColorRole.Text)


def muted_colour(palette: QPalette) -> QColor:
    """For secondary text (the scale's numbers, an axis without a value)."""
    return blend(text_colour(palette), palette.color(QPalette.ColorRole.Base), 0.62)


def grid_colour(palette: QPalette, share: float) -> QColor:
    """Between text and background: the grid is visible but quiet in light and dark palettes."""
    return blend(text_colour(palette), palette.color(QPalette.ColorRole.Base), share)


def strong_blue(palette: QPalette) -> QColor:
    return QColor(STRONG_BLUE_ON_DARK if is_dark(palette) else STRONG_BLUE)


def own_colour(palette: QPalette) -> QColor:
    return QColor(OWN_COLOUR_ON_DARK if is_dark(palette) else OWN_COLOUR)


def previous_colour(palette: QPalette) -> QColor:
    return QColor(PREVIOUS_COLOUR_ON_DARK if is_dark(palette) else PREVIOUS_COLOUR)


# -- lines and markers ------------------------------------------------------------------------


def series_pen(colour: QColor, kind: str) -> QPen:
    """Solid for the current series, dashed for the earlier one, dotted for the client's own."""
    pen = QPen(colour, {PREVIOUS: 1.6, OWN: 2.0}.get(kind, 2.2))
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    if kind == PREVIOUS:
        pen.setDashPattern([3.0, 2.5])
    elif kind == OWN:
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setDashPattern([0.1, 2.2])
    return pen


def paint_marker(painter: QPainter, point: QPointF, kind: str, size: float, colour: QColor, base: QColor) -> None:
    """A filled dot (current), a filled square (earlier) or a hollow diamond (the client's own).

    ``size`` is the dot's radius, half the square's side, and the diamond reaches
    ``DIAMOND_REACH`` times as far; ``base`` is the background, for the outline and the hollow.
    """
    if kind == OWN:
        reach = size * DIAMOND_REACH
        painter.setPen(QPen(colour, 1.8))
        painter.setBrush(base)
        painter.drawPolygon(
            QPolygonF(
                [
                    QPointF(point.x(), point.y() - reach),
                    QPointF(point.x() + reach, point.y()),
                    QPointF(point.x(), point.y() + reach),
                    QPointF(point.x() - reach, point.y()),
                ]
            )
        )
    elif kind == PREVIOUS:
        painter.setPen(QPen(base, 1.0))
        painter.setBrush(colour)
        painter.drawRect(QRectF(point.x() - size, point.y() - size, 2 * size, 2 * size))
    else:
        painter.setPen(QPen(base, 1.0))
        painter.setBrush(colour)
        painter.drawEllipse(point, size, size)


# -- the legend -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LegendEntry:
    text: str
    kind: str


@dataclass(frozen=True)
class LegendSpacing:
    swatch: float  # the piece of line with its marker
    after_swatch: float
    between: float  # between two entries on one row
    row_height: float

    @classmethod
    def for_metrics(cls, metrics: QFontMetricsF) -> LegendSpacing:
        height = metrics.height()
        return cls(1.8 * height, 0.4 * height, 1.5 * height, 1.4 * height)


def legend_placement(texts: Sequence[str], metrics: QFontMetricsF, room: float) -> list[tuple[int, float]]:
    """Per entry its row and its x offset within that row: entries flow into rows like words."""
    spacing = LegendSpacing.for_metrics(metrics)
    placement: list[tuple[int, float]] = []
    row, x = 0, 0.0
    for text in texts:
        width = spacing.swatch + spacing.after_swatch + metrics.horizontalAdvance(text)
        if x > 0 and x + spacing.between + width > room:
            row, x = row + 1, 0.0
        start = x + (spacing.between if x > 0 else 0.0)
        placement.append((row, start))
        x = start + width
    return placement


def legend_rows(texts: Sequence[str], metrics: QFontMetricsF, room: float) -> int:
    placement = legend_placement(texts, metrics, room)
    return 0 if not placement else placement[-1][0] + 1


@dataclass(frozen=True)
class LegendLook:
    """What the legend needs of its chart: the series' colours and marker sizes, the text colour
    and the background."""

    colours: dict[str, QColor]
    marker_sizes: dict[str, float]
    text: QColor
    base: QColor


def paint_legend(
    painter: QPainter,
    rect: QRectF,
    entries: Sequence[LegendEntry],
    metrics: QFontMetricsF,
    look: LegendLook,
    *,
    centred: bool,
) -> None:
    """The entries in rows from the top of ``rect``, each row centred or from the left edge.

    Only a text wider than the whole rect is elided (with an ellipsis): anything shorter wraps."""
    spacing = LegendSpacing.for_metrics(metrics)
    room = max(1.0, rect.width() - spacing.swatch - spacing.after_swatch)
    texts = [metrics.elidedText(entry.text, Qt.TextElideMode.ElideRight, room) for entry in entries]
    placement = legend_placement(texts, metrics, rect.width())
    widths = [spacing.swatch + spacing.after_swatch + metrics.horizontalAdvance(text) for text in texts]
    row_widths: dict[int, float] = {}
    for (row, x), width in zip(placement, widths, strict=True):
        row_widths[row] = max(row_widths.get(row, 0.0), x + width)
    for entry, text, width, (row, x) in zip(entries, texts, widths, placement, strict=True):
        left = rect.left() + x + ((rect.width() - row_widths[row]) / 2 if centred else 0.0)
        top = rect.top() + row * spacing.row_height
        y = top + spacing.row_height / 2
        colour = look.colours[entry.kind]
        painter.setPen(series_pen(colour, entry.kind))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawLine(QPointF(left, y), QPointF(left + spacing.swatch, y))
        paint_marker(painter, QPointF(left + spacing.swatch / 2, y), entry.kind, look.marker_sizes[entry.kind],
                     colour, look.base)  # fmt: skip
        painter.setPen(look.text)
        text_left = left + spacing.swatch + spacing.after_swatch
        text_rect = QRectF(text_left, top, width - spacing.swatch - spacing.after_swatch + 1, spacing.row_height)
        painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)
