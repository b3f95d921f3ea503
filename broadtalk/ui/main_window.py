"""The main window: the practice's clients, searchable as you type."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from broadtalk import settings
from broadtalk.i18n import _, ngettext
from broadtalk.store.database import Database
from broadtalk.ui.client_table import ClientTableModel

SEARCH_DELAY_MS = 150  # typing pauses shorter than this do not query


class MainWindow(QMainWindow):
    def __init__(self, db: Database):
        super().__init__()
        self._db = db
        with db.transaction() as tx:
            practice = settings.read_setting(tx, settings.PRACTICE_NAME)
            demo = settings.is_demo(tx)
        # No client data in the title: it shows in task bars and screen shares.
        title = "broadtalk" + (f" – {practice}" if practice else "")
        self.setWindowTitle(title + (" – " + _("DEMO DATA (fictional)") if demo else ""))
        self.resize(1000, 680)

        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Search by name, birth date (dd-mm-yyyy) or client number"))
        self.search.setAccessibleName(_("Search clients"))
        self.search.setClearButtonEnabled(True)

        self.model = ClientTableModel(db, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName(_("Clients"))
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)

        self.demo_banner = QLabel(_("Demo practice: every person here is fictional."))
        self.demo_banner.setObjectName("demoBanner")
        self.demo_banner.setStyleSheet("#demoBanner { background: #FFF3CD; color: #664D03; padding: 6px; }")
        self.demo_banner.setVisible(demo)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.demo_banner)
        layout.addWidget(self.search)
        layout.addWidget(self.table)
        self.setCentralWidget(central)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply_search)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())

        find = QAction(_("Find client"), self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(self._focus_search)
        self.addAction(find)
        self._update_status()

    def _focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _apply_search(self) -> None:
        self.model.set_search(self.search.text())
        self._update_status()

    def _update_status(self) -> None:
        total = self.model.total
        self.statusBar().showMessage(ngettext("{n} client", "{n} clients", total).format(n=total))
