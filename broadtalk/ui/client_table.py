"""The client list as a Qt table model: fetched in pages as the user scrolls, filtered as they type.

Each page is read from the list order's index, starting after the last client shown (``after``),
so opening the list at 100,000 clients reads one page, and scrolling far down costs no more per
page; a client added above the rows already shown cannot make a row appear twice.

The next follow-up comes with each page from the same query (a correlated subquery on the
``client_id`` index), never a query per row. It is not sortable: sorting on it would compute it
for every client of the practice; the filters (``focus``) give the same overview cheaply."""

from __future__ import annotations

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
            total = count_clients(tx, self.actor, self._search, **self._query())
            rows = search_clients(tx, self.actor, self._search, limit=PAGE, **self._query())
        self.beginResetModel()
        self._total, self._rows = total, rows
        self.endResetModel()

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

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        client = self.client_at(index.row())
        if client is None:
            return None
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "client_number":
                return client.client_number
            if column == "name":
                return client.sort_name
            if column == "birth_date":
                return _("{date} ({age} yr)").format(
                    date=format_short_date(client.birth_date), age=client.age_on(self._today)
                )
            if column == "next_follow_up":
                return self.follow_up_text(client)
            return str(client.conversation_count)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == "conversations":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if column == "next_follow_up" and self._overdue(client):
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(OVERDUE_COLOUR)
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
        if role == Qt.ItemDataRole.AccessibleTextRole:
            text = _("{name}, born {date}, client number {number}").format(
                name=client.name, date=format_short_date(client.birth_date), number=client.client_number
            )
            if client.next_follow_up is not None:
                text = _("{client}; next follow-up {date}").format(client=text, date=self.follow_up_text(client))
            return text
        return None
