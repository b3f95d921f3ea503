"""The main window: the client list, a client's page, and the conversation, one at a time.

Screens are pages of one stacked widget: the list (search as you type), the client (history,
goals, actions), the conversation. The client view is a separate full-screen window; while it
shows, this window is hidden so nothing else can be reached.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QThreadPool, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from broadtalk import __version__, settings
from broadtalk import conversations as conv
from broadtalk.errors import BroadtalkError
from broadtalk.forms.library import latest_models
from broadtalk.i18n import _, ngettext
from broadtalk.practitioners import Actor, role_label
from broadtalk.referrals import feedback_due_days, list_referrals
from broadtalk.store.database import Database
from broadtalk.ui.client_dialog import ClientDialog
from broadtalk.ui.client_page import ClientPage
from broadtalk.ui.client_table import ClientTableModel
from broadtalk.ui.client_view import ClientView
from broadtalk.ui.conversation.conversation_page import ConversationPage
from broadtalk.ui.conversation.model_picker import ModelPicker
from broadtalk.ui.referral_dialogs import local_today
from broadtalk.ui.referrals_panel import OverdueReferralsDialog

SEARCH_DELAY_MS = 150  # typing pauses shorter than this do not query
OVERDUE_BANNER_STYLE = (
    "#overdueBanner { background: #EAF2F8; border: 1px solid #B9D3E8; border-radius: 6px; }"
    " #overdueBanner QLabel { color: #17324D; }"
)


class MainWindow(QMainWindow):
    def __init__(self, db: Database, actor: Actor):
        super().__init__()
        self._db = db
        self.actor = actor
        self.conversation: ConversationPage | None = None
        self.client_view: ClientView | None = None
        self.overdue_dialog: OverdueReferralsDialog | None = None
        self._overdue_checked = False  # looked for overdue referrals once the window showed
        self._overdue_dismissed = False
        with db.transaction() as tx:
            self.practice = settings.read_setting(tx, settings.PRACTICE_NAME)
            self.demo = settings.is_demo(tx)
        self._set_title()
        self.resize(1200, 800)

        self.pages = QStackedWidget()
        self.pages.addWidget(self._build_list_page())
        self.client_page = ClientPage(db, actor)
        self.client_page.back_requested.connect(self.show_list)
        self.client_page.start_conversation_requested.connect(self.start_conversation)
        self.client_page.open_conversation_requested.connect(self.open_conversation)
        self.client_page.client_changed.connect(lambda _id: self.model.refresh())
        self.pages.addWidget(self.client_page)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 4, 8, 4)
        self.demo_banner = QLabel(_("Demo practice: every person here is fictional."))
        self.demo_banner.setObjectName("demoBanner")
        self.demo_banner.setStyleSheet("#demoBanner { background: #FFF3CD; color: #664D03; padding: 6px; }")
        self.demo_banner.setVisible(self.demo)
        layout.addWidget(self.demo_banner)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self._build_menus()
        self.who = QLabel()
        self.statusBar().addPermanentWidget(self.who)
        self._update_who()
        self._update_status()

    # -- building -----------------------------------------------------------------------------

    def _set_title(self) -> None:
        # No client data in the title: it shows in task bars and screen shares.
        parts = ["broadtalk"]
        if self.practice:
            parts.append(self.practice)
        if self.demo:
            parts.append(_("DEMO DATA (fictional)"))
        self.setWindowTitle(" – ".join(parts))

    def _build_list_page(self) -> QWidget:
        page = QWidget()
        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Search by name, birth date (dd-mm-yyyy) or client number"))
        self.search.setAccessibleName(_("Search clients"))
        self.search.setClearButtonEnabled(True)
        new_client = QPushButton(_("&New client"))
        new_client.clicked.connect(self.new_client)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(new_client)

        # Referrals without feedback: a calm note to follow up, not an alarm; it blocks nothing.
        self.overdue_banner = QFrame()
        self.overdue_banner.setObjectName("overdueBanner")
        self.overdue_banner.setStyleSheet(OVERDUE_BANNER_STYLE)
        self.overdue_label = QLabel()
        self.overdue_label.setWordWrap(True)
        self.overdue_button = QPushButton(_("&Review"))
        self.overdue_button.clicked.connect(self.open_overdue_referrals)
        self.overdue_later = QPushButton(_("Later"))
        self.overdue_later.setToolTip(_("Hide this note until broadtalk starts again."))
        self.overdue_later.clicked.connect(self._dismiss_overdue)
        banner = QHBoxLayout(self.overdue_banner)
        banner.setContentsMargins(12, 8, 8, 8)
        banner.addWidget(self.overdue_label, 1)
        banner.addWidget(self.overdue_button)
        banner.addWidget(self.overdue_later)
        self.overdue_banner.hide()

        self.model = ClientTableModel(self._db, self.actor, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName(_("Clients"))
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(lambda index: self.open_client_at(index.row()))

        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.overdue_banner)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)

        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS, timeout=self._apply_search)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self._open_first_match)
        return page

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(_("&File"))
        self._action(file_menu, _("&New client…"), self.new_client, QKeySequence.StandardKey.New)
        self._action(file_menu, _("&Find client"), self.focus_search, QKeySequence.StandardKey.Find)
        file_menu.addSeparator()
        self.social_map_action = self._action(file_menu, _("Social &map…"), self.open_social_map)
        file_menu.addSeparator()
        self._action(file_menu, _("&Settings…"), self.open_settings, QKeySequence.StandardKey.Preferences)
        file_menu.addSeparator()
        self._action(file_menu, _("&Quit"), self.close, QKeySequence.StandardKey.Quit)
        view_menu = self.menuBar().addMenu(_("&View"))
        self.client_view_action = self._action(view_menu, _("&Client view"), self.open_client_view, "F11")
        help_menu = self.menuBar().addMenu(_("&Help"))
        self._action(help_menu, _("&About broadtalk"), self.about)

    def _action(self, menu, text: str, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    # -- the list -------------------------------------------------------------------------------

    def focus_search(self) -> None:
        self.show_list()
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _apply_search(self) -> None:
        self.model.set_search(self.search.text())
        self._update_status()

    def _open_first_match(self) -> None:
        self._search_timer.stop()
        self._apply_search()
        if self.model.rowCount() == 1:
            self.open_client_at(0)
        elif self.model.rowCount():
            self.table.setFocus()
            self.table.selectRow(0)

    def _update_status(self) -> None:
        total = self.model.total
        self.statusBar().showMessage(ngettext("{n} client", "{n} clients", total).format(n=total))

    def _update_who(self) -> None:
        self.who.setText(_("{name} ({role})").format(name=self.actor.name, role=role_label(self.actor.role)))

    def show_list(self) -> None:
        self._leave_conversation()
        self.pages.setCurrentIndex(0)
        self.model.refresh()
        self._update_status()
        self.check_overdue_referrals()  # feedback may have come in on the client page
        self.table.setFocus()

    def open_client_at(self, row: int) -> None:
        client = self.model.client_at(row)
        if client is not None:
            self.show_client(client.id)

    def show_client(self, client_id: int) -> None:
        self._leave_conversation()
        if self.client_page.show_client(client_id) is False:
            return
        self.pages.setCurrentWidget(self.client_page)

    def new_client(self) -> None:
        dialog = ClientDialog(self._db, self.actor, None, self)
        if dialog.exec() and dialog.saved_client is not None:
            self.model.refresh()
            self._update_status()
            self.show_client(dialog.saved_client.id)

    # -- referrals waiting for feedback ----------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._overdue_checked:
            self._overdue_checked = True
            # After the window is on screen: the list first, the reminder a moment later.
            QTimer.singleShot(0, self.check_overdue_referrals)

    def check_overdue_referrals(self) -> None:
        """Show or hide the note about referrals waiting too long for feedback."""
        if self._overdue_dismissed:
            return
        try:
            with self._db.transaction() as tx:
                count = len(list_referrals(tx, self.actor, overdue_only=True, today=local_today()))
                days = feedback_due_days(tx)
        except BroadtalkError:
            return  # a reminder that cannot be read is no reason to stop anyone working
        self.overdue_label.setText(
            ngettext(
                "{n} referral has been waiting longer than {days} days for feedback.",
                "{n} referrals have been waiting longer than {days} days for feedback.",
                count,
            ).format(n=count, days=days)
        )
        self.overdue_banner.setVisible(count > 0)

    def _dismiss_overdue(self) -> None:
        self._overdue_dismissed = True
        self.overdue_banner.hide()

    def open_overdue_referrals(self) -> None:
        dialog = OverdueReferralsDialog(self._db, self.actor, self)
        dialog.client_requested.connect(self.show_client)
        dialog.finished.connect(self._overdue_dialog_closed)
        self.overdue_dialog = dialog
        dialog.open()

    def _overdue_dialog_closed(self) -> None:
        dialog, self.overdue_dialog = self.overdue_dialog, None
        if dialog is not None:
            dialog.deleteLater()

    # -- conversations --------------------------------------------------------------------------

    def start_conversation(self, client_id: int) -> None:
        with self._db.transaction() as tx:
            entries = latest_models(tx)
        picker = ModelPicker(entries, self)
        if not picker.exec() or picker.chosen is None:
            return
        model = picker.chosen
        try:
            with self._db.transaction() as tx:
                summary = conv.start_conversation(tx, self.actor, client_id, model.id, model.version)
        except BroadtalkError as error:
            QMessageBox.warning(self, _("This did not work"), error.message)
            return
        self.open_conversation(summary.id)

    def open_conversation(self, conversation_id: int) -> None:
        self._leave_conversation()
        page = ConversationPage(self._db, self.actor, conversation_id)
        page.closed.connect(self._conversation_closed)
        page.client_view_requested.connect(lambda _cid: self.open_client_view())
        self.conversation = page
        self.pages.addWidget(page)
        self.pages.setCurrentWidget(page)

    def _conversation_closed(self, client_id: int) -> None:
        self._drop_conversation()
        self.show_client(client_id)

    def _leave_conversation(self) -> None:
        """Save and put away an open conversation before showing something else."""
        if self.conversation is not None and self.pages.currentWidget() is self.conversation:
            self._drop_conversation()  # saves everything first

    def _drop_conversation(self) -> None:
        if self.conversation is None:
            return
        page, self.conversation = self.conversation, None
        page.save_all()
        self.pages.removeWidget(page)
        page.deleteLater()

    # -- the client view ------------------------------------------------------------------------

    def open_client_view(self) -> None:
        page = self.conversation
        if page is None or self.pages.currentWidget() is not page:
            QMessageBox.information(
                self, _("Client view"), _("Open a conversation first: the client view shows that conversation.")
            )
            return
        page.save_all()
        with self._db.transaction() as tx:
            snapshot = conv.load_conversation(tx, self.actor, page.conversation_id)
        self.client_view = ClientView(page.model, snapshot, page.previous, page.client.given_name)
        self.client_view.left.connect(self._client_view_left)
        self.hide()
        self.client_view.showFullScreen()
        self.client_view.activateWindow()

    def _client_view_left(self) -> None:
        view, self.client_view = self.client_view, None
        if view is not None:
            view.deleteLater()
        self.show()
        self.activateWindow()

    # -- the social map -------------------------------------------------------------------------

    def open_social_map(self) -> None:
        from broadtalk.ui.social_map_window import SocialMapDialog  # loaded when first needed

        dialog = SocialMapDialog(self._db, self.actor, self)
        dialog.exec()
        dialog.deleteLater()

    # -- settings, about, closing ---------------------------------------------------------------

    def open_settings(self) -> None:
        from broadtalk.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self._db, self.actor, self)
        if dialog.exec() and dialog.updated_actor is not None:
            self.actor = self.model.actor = dialog.updated_actor
            with self._db.transaction() as tx:
                self.practice = settings.read_setting(tx, settings.PRACTICE_NAME)
            self._set_title()
            self._update_who()

    def about(self) -> None:
        QMessageBox.about(
            self,
            _("About broadtalk"),
            _("broadtalk {version}: the broad conversation and the warm handover.").format(version=__version__),
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.conversation is not None:
            self.conversation.save_all()
        QThreadPool.globalInstance().waitForDone()
        event.accept()
