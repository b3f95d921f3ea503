"""The client list as a Qt table model: fetched in pages as the user scrolls, filtered as they type.

Each page is read from the list order's index, starting after the last client shown (``after``),
so opening the list at 100,000 clients reads one page, and scrolling far down costs no more per
page; a client added above the rows already shown cannot make a row appear twice.

The next follow-up comes with each page from the same query (a correlated subquery on the
``client_id`` index), never a query per row. It is not sortable: sorting on it would compute it
for every client of the practice; the filters (``focus``) give the same overview cheaply.

A row's texts are formatted once, when the view first asks for that row, and kept with the rows: a
keystroke costs the query and the rows on screen, never a date formatted for every row loaded. A new
search updates the rows in place (changed, removed, added) rather than resetting the model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from broadtalk.clients import ClientRecord, count_clients, search_clients
from broadtalk.follow_ups import ALL
from broadtalk.i18n import _, dutch_today, format_short_date, ngettext
from broadtalk.practitioners import Actor
from broadtalk.store.database import Database

PAGE = 100
OVERDUE_COLOUR = QColor("#9B1C1C")  # beside the words, never instead of them
Index = QModelIndex | QPersistentModelIndex
CONVERSATIONS, FOLLOW_UP = 3, 4  # columns


@dataclass(frozen=True)
class RowTexts:
    """What the list shows of one client, formatted once."""

    cells: tuple[str, ...]  # in the order of ``ClientTableModel.COLUMNS``
    accessible: str
    overdue: bool


class ClientTableModel(QAbstractTableModel):
    COLUMNS = ("client_number", "name", "birth_date", "conversations", "next_follow_up")

    def __init__(self, db: Database, actor: Actor, parent=None):
        super().__init__(parent)
        self._db = db
        self.actor = actor  # whose role decides what may be listed
        self._search = ""
        self._focus = ALL
        self._practitioner_id: int | None = None
        self._rows: list[ClientRecord] = []
        self._texts: list[RowTexts | None] = []  # per row, formatted when first shown
        self._total = 0
        self._today = dutch_today()
        self.refresh()

    # -- data loading -------------------------------------------------------------------------

    def set_search(self, text: str) -> None:
        if text != self._search:
            self._search = text
            self.refresh()

    def set_focus(self, focus: str, practitioner_id: int | None = None) -> None:
        """Narrow the list (``follow_ups.FOCUSES``); ``practitioner_id``: only that practitioner's
        conversations. A refusal (BroadtalkError) leaves the list as it was."""
        if (focus, practitioner_id) != (self._focus, self._practitioner_id):
            previous = self._focus, self._practitioner_id
            self._focus, self._practitioner_id = focus, practitioner_id
            try:
                self.refresh()
            except Exception:
                self._focus, self._practitioner_id = previous
                raise

    @property
    def focus(self) -> str:
        return self._focus

    def _query(self) -> dict:
        return {"focus": self._focus, "practitioner_id": self._practitioner_id, "today": self._today}

    def refresh(self) -> None:
        self._today = dutch_today()
        with self._db.transaction() as tx:  # read first: a refusal leaves the rows shown as they were
            rows = search_clients(tx, self.actor, self._search, limit=PAGE, **self._query())
            # Less than a page: these are all (the same transaction); else count them.
            total = len(rows) if len(rows) < PAGE else count_clients(tx, self.actor, self._search, **self._query())
        self._total = total
        self._replace_rows(rows)

    def _replace_rows(self, rows: list[ClientRecord]) -> None:
        """The new rows in place of the old: the rows both have are updated, the rest removed or
        added (no reset: the view keeps its columns and only repaints what it shows)."""
        old, new = len(self._rows), len(rows)
        if new < old:
            self.beginRemoveRows(QModelIndex(), new, old - 1)
            del self._rows[new:], self._texts[new:]
            self.endRemoveRows()
        kept = min(old, new)
        self._rows[:kept] = rows[:kept]
        self._texts[:kept] = [None] * kept
        if kept:
            self.dataChanged.emit(self.index(0, 0), self.index(kept - 1, len(self.COLUMNS) - 1))
        if new > old:
            self.beginInsertRows(QModelIndex(), old, new - 1)
            self._rows.extend(rows[old:])
            self._texts.extend([None] * (new - old))
            self.endInsertRows()

    @property
    def total(self) -> int:
        return self._total

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 (Qt's signature)
        return not parent.isValid() and len(self._rows) < self._total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid():
            return
        with self._db.transaction() as tx:
            after = self._rows[-1] if self._rows else None
            more = search_clients(tx, self.actor, self._search, limit=PAGE, after=after, **self._query())
        if not more:
            self._total = len(self._rows)
            return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(more) - 1)
        self._rows.extend(more)
        self._texts.extend([None] * len(more))
        self.endInsertRows()

    def client_at(self, row: int) -> ClientRecord | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    # -- the table ----------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return (_("Client number"), _("Name"), _("Birth date"), _("Conversations"), _("Next follow-up"))[section]

    def sample_texts(self) -> tuple[str, ...]:
        """Per column a text as wide as its widest usual value: the columns are sized from these,
        never from every row loaded (the name column takes the rest of the width)."""
        day = date(2000, 12, 28)
        return (
            "MMM-MMM",
            "",
            _("{date} ({age} yr)").format(date=format_short_date(day), age=100),
            "9999",
            ngettext("{date} ({n} day overdue)", "{date} ({n} days overdue)", 999).format(
                date=format_short_date(day), n=999
            ),
        )

    def follow_up_text(self, client: ClientRecord) -> str:
        """The next follow-up date; an overdue one says so in words (the colour only repeats it)."""
        day = client.next_follow_up
        if day is None:
            return ""
        late = (self._today - day).days
        if late > 0:
            return ngettext("{date} ({n} day overdue)", "{date} ({n} days overdue)", late).format(
                date=format_short_date(day), n=late
            )
        if late == 0:
            return _("{date} (today)").format(date=format_short_date(day))
        return format_short_date(day)

    def _overdue(self, client: ClientRecord) -> bool:
        return client.next_follow_up is not None and client.next_follow_up < self._today

    def texts_at(self, row: int) -> RowTexts | None:
        """The row's texts, formatted the first time they are asked for."""
        if not 0 <= row < len(self._rows):
            return None
        texts = self._texts[row]
        if texts is None:
            texts = self._texts[row] = self._format(self._rows[row])
        return texts

    def _format(self, client: ClientRecord) -> RowTexts:
        born = format_short_date(client.birth_date)
        follow_up = self.follow_up_text(client)
        accessible = _("{name}, born {date}, client number {number}").format(
            name=client.name, date=born, number=client.client_number
        )
        if client.next_follow_up is not None:
            accessible = _("{client}; next follow-up {date}").format(client=accessible, date=follow_up)
        cells = (
            client.client_number,
            client.sort_name,
            _("{date} ({age} yr)").format(date=born, age=client.age_on(self._today)),
            str(client.conversation_count),
            follow_up,
        )
        return RowTexts(cells, accessible, self._overdue(client))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        texts = self.texts_at(index.row())
        if texts is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return texts.cells[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column == CONVERSATIONS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if column == FOLLOW_UP and texts.overdue:
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(OVERDUE_COLOUR)
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return texts.accessible
        return None
