"""A small bar chart of the monitor's figures: one bar per month, per score, per group.

``Bar`` is plain data: a label and a ``Cell`` of the monitor (``broadtalk.monitoring``). A shown
cell is a bar in the charts' blue with its number above it; a suppressed cell (``Cell.value`` is
None) has no bar and no height at all: a hatched strip along the base line with "< 10" above it,
so nobody reads a value into it. The y-axis runs from 0 to a round number above the largest
shown value. Colours, numbers and the focus frame as in the trend and spider charts
(``chart_parts``); the bars are also told to screen readers and in the tooltip.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QFocusEvent, QFontMetricsF, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from broadtalk.i18n import _
from broadtalk.monitoring_suppression import Cell
from broadtalk.ui import chart_parts
from broadtalk.ui.chart_parts import format_number

#: At most this many labelled ticks on the y-axis.
MAX_Y_LABELS = 5


@dataclass(frozen=True)
class Bar:
    label: str
    cell: Cell


def nice_scale(value: float) -> tuple[int, int]:
    """The top of the axis and the step between its labelled lines: a round step (1, 2 or 5
    times a power of ten) giving at most ``MAX_Y_LABELS`` lines from 0, the top the first line
    at or above ``value``; at least 10 (no shown count is smaller, apart from 0)."""
    value = max(10.0, float(value))
    power = 1
    while True:
        for step in (power, 2 * power, 5 * power):
            lines = math.ceil(value / step)
            if lines <= MAX_Y_LABELS - 1:
                return lines * step, step
        power *= 10


def y_ticks(maximum: int, step: int) -> list[int]:
    return list(range(0, maximum + 1, step))


def describe_bars(title: str, bars: Sequence[Bar]) -> str:
    """For screen readers and the tooltip: the title, then every bar's label and figure."""
    parts = [_("{label}: {value}").format(label=bar.label, value=bar.cell.text()) for bar in bars]
    return _("{title}: {values}.").format(title=title, values="; ".join(parts)) if parts else title


class BarChart(QWidget):
    """Bars of counts (or shares) on an axis from 0; suppressed cells hatched, without a height."""

    def __init__(self, title: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self._title = title
        self._bars: tuple[Bar, ...] = ()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setAccessibleName(title or _("Bar chart"))

    def set_bars(self, title: str, bars: Sequence[Bar]) -> None:
        self._title = title
        self._bars = tuple(bars)
        description = describe_bars(title, self._bars)
        self.setAccessibleName(title or _("Bar chart"))
        self.setAccessibleDescription(description)
        self.setToolTip(description)
        self.updateGeometry()
        self.update()

    def bars(self) -> tuple[Bar, ...]:
        return self._bars

    def title(self) -> str:
        return self._title

    # -- size -------------------------------------------------------------------------------

    def _line(self) -> float:
        return QFontMetricsF(self.font(), self).height()

    def sizeHint(self) -> QSize:
        return QSize(round(max(20, 2.4 * len(self._bars)) * self._line()), round(12 * self._line()))

    def minimumSizeHint(self) -> QSize:
        return QSize(round(14 * self._line()), round(9 * self._line()))

    # -- geometry (exposed for tests) -------------------------------------------------------

    def scale(self) -> tuple[int, int]:
        """The top of the axis and the step between its lines."""
        shown = [bar.cell.value for bar in self._bars if bar.cell.shown and bar.cell.value is not None]
        return nice_scale(max(shown, default=0))

    def maximum(self) -> int:
        return self.scale()[0]

    def _numbers_width(self) -> float:
        metrics = QFontMetricsF(self.font(), self)
        return max(metrics.horizontalAdvance(format_number(t)) for t in y_ticks(*self.scale())) + 0.8 * self._line()

    def plot_rect(self) -> QRectF:
        """Where the bars stand: right of the axis' numbers, under the title, above the labels."""
        line = self._line()
        top = (1.6 * line if self._title else 0.4 * line) + 1.3 * line  # the title, then room for a value
        left = self._numbers_width()
        return QRectF(left, top, max(1.0, self.width() - left - 0.6 * line), max(1.0, self.height() - top - 1.7 * line))

    def slot_rect(self, index: int) -> QRectF:
        """The column of one bar (the bar is narrower, centred in it)."""
        rect = self.plot_rect()
        width = rect.width() / max(1, len(self._bars))
        return QRectF(rect.left() + index * width, rect.top(), width, rect.height())

    def bar_rect(self, index: int) -> QRectF | None:
        """The bar of a shown cell; None for a suppressed one (it has no height)."""
        cell = self._bars[index].cell
        if cell.suppressed or cell.value is None:
            return None
        slot, rect = self.slot_rect(index), self.plot_rect()
        width = min(slot.width() * 0.62, 3.2 * self._line())
        height = rect.height() * min(1.0, float(cell.value) / self.maximum())
        return QRectF(slot.center().x() - width / 2, rect.bottom() - height, width, height)

    def hatch_rect(self, index: int) -> QRectF | None:
        """The hatched strip of a suppressed cell along the base line; None for a shown one."""
        if self._bars[index].cell.shown:
            return None
        slot, rect = self.slot_rect(index), self.plot_rect()
        width = min(slot.width() * 0.62, 3.2 * self._line())
        height = 0.55 * self._line()
        return QRectF(slot.center().x() - width / 2, rect.bottom() - height, width, height)

    def value_texts(self) -> list[str]:
        """What is written above each bar: its number, or "< 10" over a hatched strip."""
        return [bar.cell.text() for bar in self._bars]

    def label_indices(self) -> list[int]:
        """The bars whose label is written: all when they fit, else every second, third, ..."""
        if not self._bars:
            return []
        metrics = QFontMetricsF(self.font(), self)
        widest = max(metrics.horizontalAdvance(bar.label) for bar in self._bars) + 0.4 * self._line()
        slot = self.slot_rect(0).width()
        every = max(1, math.ceil(widest / max(1.0, slot)))
        return list(range(0, len(self._bars), every))

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
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Base)
        painter.fillRect(self.rect(), base)
        if self.hasFocus():
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 2.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))
        line = self._line()
        if self._title:
            title_font = self.font()
            title_font.setBold(True)
            painter.setFont(title_font)
            painter.setPen(chart_parts.text_colour(palette))
            box = QRectF(0.4 * line, 0.3 * line, self.width() - 0.8 * line, 1.2 * line)
            title = QFontMetricsF(title_font, self).elidedText(self._title, Qt.TextElideMode.ElideRight, box.width())
            painter.drawText(box, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), title)
            painter.setFont(self.font())
        self._paint_axis(painter)
        if self._bars:
            self._paint_bars(painter)
        painter.end()

    def _paint_axis(self, painter: QPainter) -> None:
        palette = self.palette()
        rect = self.plot_rect()
        metrics = QFontMetricsF(self.font(), self)
        maximum, step = self.scale()
        for value in y_ticks(maximum, step):
            y = rect.bottom() - rect.height() * value / maximum
            painter.setPen(QPen(chart_parts.grid_colour(palette, 0.35 if value == 0 else 0.15), 1.0))
            painter.drawLine(QPointF(rect.left() - 4, y), QPointF(rect.right(), y))
            painter.setPen(chart_parts.muted_colour(palette))
            box = QRectF(2, y - metrics.height() / 2, rect.left() - 0.5 * self._line() - 2, metrics.height())
            painter.drawText(
                box, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), format_number(value)
            )

    def _paint_bars(self, painter: QPainter) -> None:
        palette = self.palette()
        metrics = QFontMetricsF(self.font(), self)
        blue = chart_parts.strong_blue(palette)
        muted = chart_parts.muted_colour(palette)
        text = chart_parts.text_colour(palette)
        rect = self.plot_rect()
        labelled = set(self.label_indices())
        for index, bar in enumerate(self._bars):
            slot = self.slot_rect(index)
            shape = self.bar_rect(index)
            if shape is not None:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(blue)
                painter.drawRect(shape)
                painter.setPen(text)
            else:
                shape = self.hatch_rect(index)
                assert shape is not None
                painter.setPen(QPen(muted, 1.0))
                painter.setBrush(QBrush(muted, Qt.BrushStyle.BDiagPattern))
                painter.drawRect(shape)
                painter.setPen(muted)
            value = QRectF(slot.left() - 2, shape.top() - 1.15 * self._line(), slot.width() + 4, self._line())
            painter.drawText(value, int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom), bar.cell.text())
            if index in labelled:
                painter.setPen(text)
                label = QRectF(slot.center().x() - 3 * slot.width(), rect.bottom() + 0.25 * self._line(),
                               6 * slot.width(), metrics.height())  # fmt: skip
                painter.drawText(label, int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop), bar.label)


class HatchSwatch(QWidget):
    """The hatched strip of a suppressed bar, for the legend beside the charts."""

    def sizeHint(self) -> QSize:
        line = QFontMetricsF(self.font(), self).height()
        return QSize(round(1.6 * line), round(0.9 * line))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        muted = chart_parts.muted_colour(self.palette())
        painter.setPen(QPen(muted, 1.0))
        painter.setBrush(QBrush(muted, Qt.BrushStyle.BDiagPattern))
        painter.drawRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5))
        painter.end()
