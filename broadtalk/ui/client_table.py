"""The client list as a Qt table model: fetched in pages as the user scrolls, filtered as they type."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from broadtalk.clients import ClientRecord, count_clients, search_clients
from broadtalk.i18n import _, format_short_date
from broadtalk.practitioners import Actor
from broadtalk.store.database import Database

PAGE = 200
Index = QModelIndex | QPersistentModelIndex


class ClientTableModel(QAbstractTableModel):
    COLUMNS = ("client_number", "name", "birth_date", "conversations")

    def __init__(self, db: Database, actor: Actor, parent=None):
        super().__init__(parent)
        self._db = db
        self.actor = actor  # whose role decides what may be listed
        self._search = ""
        self._rows: list[ClientRecord] = []
        self._total = 0
        self._today = date.today()
        self.refresh()

    # -- data loading -------------------------------------------------------------------------

    def set_search(self, text: str) -> None:
        if text != self._search:
            self._search = text
            self.refresh()

    def refresh(self) -> None:
        self.beginResetModel()
        with self._db.transaction() as tx:
            self._total = count_clients(tx, self.actor, self._search)
            self._rows = search_clients(tx, self.actor, self._search, limit=PAGE)
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
            more = search_clients(tx, self.actor, self._search, limit=PAGE, offset=len(self._rows))
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
        return (_("Client number"), _("Name"), _("Birth date"), _("Conversations"))[section]

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
            return str(client.conversation_count)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == "conversations":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return _("{name}, born {date}, client number {number}").format(
                name=client.name, date=format_short_date(client.birth_date), number=client.client_number
            )
        return None
