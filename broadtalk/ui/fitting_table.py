"""A table view that measures each cell once per content and width, not at every layout pass.

A table whose columns fit their texts and whose rows grow to their wrapped text (resize to
contents) asks for the size of every cell at every pass of the layout: when it is filled, shown,
widened, when the page around it settles; and working out a column's width makes Qt lay out the
rows first (at widths about to change). ``FittingTableView`` answers those questions the way
``QTableView`` does, through the same delegate with the same option (a wrapped cell measured at
its column's width), but keeps each cell's answer until the rows, that column's width, the font or
the style change. A row's height is the tallest of its cells, over every column (also one
scrolled out of view: a row does not change height when the table scrolls sideways).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect
from PySide6.QtWidgets import QHeaderView, QStyleOptionViewItem, QTableView, QTableWidget, QWidget

Index = QModelIndex | QPersistentModelIndex
#: Beyond this many rows Qt measures the rows on screen first, and so does this view (Qt's own way).
MEASURED_ROWS = 1000


class FittingSizes:
    """For a ``QTableView`` (or a subclass): ``sizeHintForRow``/``sizeHintForColumn`` from
    measurements kept per cell, a cell's width per content, its height per content and column
    width. Put it before the Qt class: ``class MyTable(FittingSizes, QTableWidget)``."""

    _widths: dict[tuple[int, int], int]
    _columns: dict[int, int]
    _heights: dict[tuple[int, int, int], int]
    _option: QStyleOptionViewItem | None

    def __init__(self, *args, **kwargs):
        self._widths = {}
        self._columns = {}
        self._heights = {}
        self._option = None
        super().__init__(*args, **kwargs)

    def forget_sizes(self) -> None:
        """Measure again at the next question (the content, the font or the style changed)."""
        self._widths.clear()
        self._columns.clear()
        self._heights.clear()
        self._option = None

    def _view_option(self) -> QStyleOptionViewItem:
        if self._option is None:
            option = QStyleOptionViewItem()
            self.initViewItemOption(option)
            self._option = option
        return QStyleOptionViewItem(self._option)

    # -- the answers ----------------------------------------------------------------------------

    def sizeHintForColumn(self, column: int) -> int:
        model = self.model()
        root = self.rootIndex()
        if model is None or model.rowCount(root) > MEASURED_ROWS or not 0 <= column < model.columnCount(root):
            return super().sizeHintForColumn(column)
        hint = self._columns.get(column)
        if hint is None:
            hint = self._columns[column] = self._measure_column(model, column)
        return hint

    def _measure_column(self, model, column: int) -> int:
        # Qt's own way for up to MEASURED_ROWS rows: every row's width hint, the grid line beside.
        self.ensurePolished()
        root = self.rootIndex()
        option = None
        hint = 0
        for row in range(model.rowCount(root)):
            if self.isRowHidden(row):
                continue
            width = self._widths.get((row, column))
            if width is None:
                option = option or self._view_option()
                index = model.index(row, column, root)
                width = self._widths[(row, column)] = self.itemDelegateForIndex(index).sizeHint(option, index).width()
            hint = max(hint, width)
        return hint + 1 if self.showGrid() else hint

    def sizeHintForRow(self, row: int) -> int:
        model = self.model()
        if model is None or row < 0 or row >= model.rowCount(self.rootIndex()):
            return super().sizeHintForRow(row)
        self.ensurePolished()
        wrap = self.wordWrap()
        grid = 1 if self.showGrid() else 0
        header = self.horizontalHeader()
        option = None
        hint = 0
        for column in range(model.columnCount(self.rootIndex())):
            if header.isSectionHidden(column):
                continue
            width = self.columnWidth(column) if wrap else 0
            key = (row, column, width)
            height = self._heights.get(key)
            if height is None:
                option = option or self._view_option()
                index = model.index(row, column, self.rootIndex())
                if wrap:  # measured at its column's width, as Qt does for wrapped text
                    option.rect = QRect(0, 0, width - grid, max(1, self.rowHeight(row)))
                height = self._heights[key] = self.itemDelegateForIndex(index).sizeHint(option, index).height()
            hint = max(hint, height)
        return hint + grid

    # -- what makes them stale ------------------------------------------------------------------

    def setItemDelegate(self, delegate) -> None:
        self.forget_sizes()
        super().setItemDelegate(delegate)

    def setItemDelegateForColumn(self, column: int, delegate) -> None:
        self.forget_sizes()
        super().setItemDelegateForColumn(column, delegate)

    def setRowHidden(self, row: int, hide: bool) -> None:
        self.forget_sizes()
        super().setRowHidden(row, hide)

    def setShowGrid(self, show: bool) -> None:
        self.forget_sizes()
        super().setShowGrid(show)

    def setWordWrap(self, on: bool) -> None:
        self.forget_sizes()
        super().setWordWrap(on)

    def reset(self) -> None:
        self.forget_sizes()
        super().reset()

    def dataChanged(self, topLeft: Index, bottomRight: Index, roles=()) -> None:
        self.forget_sizes()
        super().dataChanged(topLeft, bottomRight, roles)

    def rowsInserted(self, parent: Index, start: int, end: int) -> None:
        self.forget_sizes()
        super().rowsInserted(parent, start, end)

    def rowsAboutToBeRemoved(self, parent: Index, start: int, end: int) -> None:
        self.forget_sizes()
        super().rowsAboutToBeRemoved(parent, start, end)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange, QEvent.Type.LayoutDirectionChange):
            self.forget_sizes()
        super().changeEvent(event)


class FittingTableView(FittingSizes, QTableView):
    """A ``QTableView`` that measures each cell once per content and width."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)

    def setModel(self, model) -> None:
        old = self.model()
        if old is not None:
            for signal in _signals(old):
                signal.disconnect(self.forget_sizes)
        super().setModel(model)
        if model is not None:
            for signal in _signals(model):
                signal.connect(self.forget_sizes)
        self.forget_sizes()


class FittingTableWidget(FittingSizes, QTableWidget):
    """A ``QTableWidget`` that measures each cell once per content and width."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        for signal in _signals(self.model()):
            signal.connect(self.forget_sizes)


@contextmanager
def filled_then_fitted(table: QTableView) -> Iterator[None]:
    """Fill a table whose columns all fit their contents: measured once, when it is filled, not
    again after every cell put in."""
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    try:
        yield
    finally:
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)


def _signals(model) -> tuple:
    """A model's signals after which the sizes are measured again (the rest are the view's slots)."""
    return (
        model.modelAboutToBeReset,
        model.layoutAboutToBeChanged,
        model.headerDataChanged,
        model.columnsInserted,
        model.columnsRemoved,
        model.columnsMoved,
        model.rowsMoved,
    )
