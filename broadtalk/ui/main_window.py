"""The main window: Today, the client list, a client's page, and the conversation, one at a time.

Screens are pages of one stacked widget: Today (the start page: drafts, follow-ups, actions,
referrals waiting; Ctrl+T), the list (search as you type, filters, the next follow-up; Ctrl+Shift+C or
Ctrl+F), the client (history, goals, actions), the conversation. The client view is a separate full-screen window; while it
shows, this window is hidden so nothing else can be reached.
"""

from __future__ import annotations

import gc
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QThreadPool, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QFont, QFontMetrics, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from broadtalk import __version__, audit, config, follow_ups, settings
from broadtalk import conversations as conv
from broadtalk.audit import require
from broadtalk.errors import BroadtalkError
from broadtalk.i18n import N_, _, ngettext
from broadtalk.permissions import Permission, allows
from broadtalk.practitioners import Actor, role_label
from broadtalk.referrals import feedback_due_days
from broadtalk.sign_in import unlock
from broadtalk.store.database import Database, check_new_passphrase
from broadtalk.today import count_overdue_referrals
from broadtalk.ui.client_table import ClientTableModel
from broadtalk.ui.dialog_parts import local_today
from broadtalk.ui.integrity_check import IdleIntegrityCheck
from broadtalk.ui.screen_lock import IdleWatcher, ScreenLock
from broadtalk.ui.today_page import TodayPage

if TYPE_CHECKING:  # the pages and dialogs not on the first page load when first used
    from broadtalk.ui.client_page import ClientPage
    from broadtalk.ui.client_view import ClientView
    from broadtalk.ui.conversation.conversation_page import ConversationPage
    from broadtalk.ui.referrals_panel import OverdueReferralsDialog

SEARCH_DELAY_MS = 150  # typing pauses shorter than this do not query
TODAY_SHORTCUT = "Ctrl+T"
CLIENT_LIST_SHORTCUT = "Ctrl+Shift+C"  # Ctrl+L locks the screen; Ctrl+K deletes to the end of a line
#: The client list's filters, in the order offered.
LIST_FOCUSES = (
    (follow_ups.ALL, N_("All clients")),
    (follow_ups.FOLLOW_UP_THIS_WEEK, N_("Follow-up this week")),
    (follow_ups.FOLLOW_UP_OVERDUE, N_("Follow-up overdue")),
    (follow_ups.OPEN_DRAFTS, N_("Open drafts")),
)
OVERDUE_BANNER_STYLE = (
    "#overdueBanner { background: #EAF2F8; border: 1px solid #B9D3E8; border-radius: 6px; }"
    " #overdueBanner QLabel { color: #17324D; }"
)


#: How often a damage message waits for the lock or a dialog to be gone (ms).
DAMAGE_RETRY_MS = 1000


def _keep_for_the_session() -> None:
    """What exists when the first main window is built (the modules; Qt's, SQLAlchemy's and
    pydantic's classes; the open database) lives as long as the process. Frozen, Python's cycle
    collector no longer walks those hundred thousand objects at each full collection: such a
    collection took 60 ms or more, in the middle of building the first page (and later, in the
    middle of opening a client). Once per process; what is made after is collected as ever."""
    global _kept
    if not _kept:
        _kept = True
        gc.freeze()


_kept = False


class MainWindow(QMainWindow):
    """``restore_request`` (backup, passphrase), ``signed_out`` or ``damage_found`` (a message)
    tell the app, once the window has closed, to restore a backup, to ask who signs in next,
    or to offer a restore over a damaged file."""

    def __init__(self, db: Database, actor: Actor, backup_dir: Path | None = None):
        _keep_for_the_session()
        super().__init__()
        self._db = db
        self.actor = actor
        self.backup_dir = backup_dir or (config.backup_dir() if db.is_server else db.path.parent / "backups")
        self.restore_request: tuple[Path, str | None] | None = None
        self.signed_out = False
        self.conversation: ConversationPage | None = None
        self.client_view: ClientView | None = None
        self.overdue_dialog: OverdueReferralsDialog | None = None
        self._overdue_checked = False  # looked for overdue referrals once the window showed
        self._overdue_dismissed = False
        self._overdue_count = 0
        with db.transaction() as tx:
            self.practice = settings.read_setting(tx, settings.PRACTICE_NAME)
            self.demo = settings.is_demo(tx)
        self._set_title()
        self.resize(1200, 800)

        self.pages = QStackedWidget()
        self.list_page = self._build_list_page()
        self.pages.addWidget(self.list_page)
        # Today is the start page: read once here (a few indexed queries, never every client).
        self.today_page = TodayPage(db, actor)
        self.today_page.client_requested.connect(self.show_client)
        self.today_page.conversation_requested.connect(self.open_conversation)
        self.today_page.client_list_requested.connect(self.show_list)
        self.today_page.scope.currentIndexChanged.connect(lambda _index: self._apply_focus())
        self.pages.addWidget(self.today_page)
        self.pages.setCurrentWidget(self.today_page)
        self.start_page: QWidget = self.today_page  # what --startup-check waits for
        self._home: QWidget = self.today_page  # where "back" from a client's page goes
        self._client_page: ClientPage | None = None  # built when a client is first opened

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 4, 8, 4)
        self.demo_banner = QLabel(_("Demo practice: every person here is fictional."))
        self.demo_banner.setObjectName("demoBanner")
        self.demo_banner.setStyleSheet("#demoBanner { background: #FFF3CD; color: #664D03; padding: 6px; }")
        self.demo_banner.setVisible(self.demo)
        layout.addWidget(self.demo_banner)
        layout.addWidget(self.overdue_banner)  # over Today and the list (not over a client's page)
        layout.addWidget(self.pages, 1)
        self.pages.currentChanged.connect(lambda _index: self._show_overdue_banner())
        self.setCentralWidget(central)
        self._build_menus()
        self.who = QLabel()
        self.statusBar().addPermanentWidget(self.who)
        self._update_who()
        self._update_status()

        # The lock: after the practice's idle minutes, or at once with Ctrl+L.
        with db.transaction() as tx:
            minutes = settings.auto_lock_minutes(tx)
        self.screen_lock = ScreenLock(actor.name, self._try_unlock, self)
        self.screen_lock.locked.connect(self._locked)
        self.idle = IdleWatcher(minutes * 60_000, self)
        self.idle.idle.connect(self.lock)
        # The file's whole check, when due: in the background once nobody is at the keyboard.
        # ``damage_found`` tells the app, once the window has closed, to offer a restore.
        self.damage_found: str | None = None
        self.integrity_check = IdleIntegrityCheck(db, self)
        self.integrity_check.damaged.connect(self._database_damaged)

    # -- building -----------------------------------------------------------------------------

    @property
    def client_page(self) -> ClientPage:
        """A client's page: built (and its modules loaded) when first needed, not at start-up."""
        if self._client_page is None:
            from broadtalk.ui.client_page import ClientPage

            page = ClientPage(self._db, self.actor)
            page.back_requested.connect(self.go_back)
            page.start_conversation_requested.connect(self.start_conversation)
            page.open_conversation_requested.connect(self.open_conversation)
            page.client_changed.connect(lambda _id: self.model.refresh())
            page.client_erased.connect(lambda _id: self.show_list())
            self.pages.addWidget(page)
            self._client_page = page
        return self._client_page

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
        # Filters on what is due, read by the same rules as Today (conversation data: care roles).
        self.focus_box = QComboBox()
        for focus, label in LIST_FOCUSES:
            self.focus_box.addItem(_(label), focus)
        self.focus_box.setAccessibleName(_("Show"))
        self.focus_label = QLabel(_("Sho&w:"))
        self.focus_label.setBuddy(self.focus_box)
        self.focus_box.currentIndexChanged.connect(lambda _index: self._apply_focus())
        can_filter = allows(self.actor, Permission.VIEW_CONVERSATIONS)
        self.focus_box.setVisible(can_filter)
        self.focus_label.setVisible(can_filter)
        today_button = QPushButton(_("&Today"))
        today_button.setToolTip(_("Back to Today (Ctrl+T)"))
        today_button.clicked.connect(self.show_today)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.focus_label)
        top.addWidget(self.focus_box)
        top.addWidget(new_client)
        top.addWidget(today_button)

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
        # Widths from sample texts, not resize-to-contents: that would format every loaded row at
        # each keystroke. The name takes the rest; the practitioner may still drag a column wider.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self._size_list_columns()
        self.table.activated.connect(lambda index: self.open_client_at(index.row()))

        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)

        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS, timeout=self._apply_search)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self._open_first_match)
        return page

    def _size_list_columns(self) -> None:
        header = self.table.horizontalHeader()
        cell = QFontMetrics(self.table.font())
        bold_font = QFont(self.table.font())
        bold_font.setBold(True)
        bold = QFontMetrics(bold_font)  # an overdue follow-up is bold
        titles = QFontMetrics(header.font())
        padding = 2 * self.table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self.table) + 16
        for column, sample in enumerate(self.model.sample_texts()):
            if column == 1:
                continue
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            width = max(cell.horizontalAdvance(sample), bold.horizontalAdvance(sample), titles.horizontalAdvance(title))
            header.resizeSection(column, width + padding)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(_("&File"))
        self._action(file_menu, _("&New client…"), self.new_client, QKeySequence.StandardKey.New)
        self._action(file_menu, _("&Find client"), self.focus_search, QKeySequence.StandardKey.Find)
        file_menu.addSeparator()
        self.social_map_action = self._action(file_menu, _("Social &map…"), self.open_social_map)
        file_menu.addSeparator()
        self._action(file_menu, _("&Settings…"), self.open_settings, QKeySequence.StandardKey.Preferences)
        self._action(file_menu, _("Change my &PIN or password…"), self.change_own_secret)
        self._action(file_menu, _("My &details…"), self.edit_own_details)
        file_menu.addSeparator()
        self.lock_action = self._action(file_menu, _("&Lock the screen"), self.lock, "Ctrl+L")
        self._action(file_menu, _("Sign &out"), self.sign_out)
        self._action(file_menu, _("&Quit"), self.close, QKeySequence.StandardKey.Quit)
        practice_menu = self.menuBar().addMenu(_("&Practice"))
        self.practice_actions = {
            Permission.MANAGE_PRACTITIONERS: self._action(practice_menu, _("&Practitioners…"), self.open_practitioners),
            Permission.VIEW_AUDIT: self._action(practice_menu, _("&Audit trail…"), self.open_audit_trail),
            Permission.REVIEW_RETENTION: self._action(practice_menu, _("&Retention periods…"), self.open_retention),
            Permission.VIEW_REFERRAL_STATUS: self._action(practice_menu, _("&Monitor…"), self.open_monitor),
            Permission.EXPORT_HANDOVERS: self._action(
                practice_menu, _("&Export handover documents…"), self.open_batch_export
            ),
            Permission.MANAGE_REFERRALS: self._action(
                practice_menu, _("&Import a recipient's answer…"), self.open_feedback_import
            ),
            Permission.HOLD_CONVERSATIONS: self._action(
                practice_menu, _("Import a &client's record…"), self.import_record
            ),
        }
        practice_menu.addSeparator()
        self.backup_action = self._action(practice_menu, _("&Back up now…"), self.back_up)
        self.restore_action = self._action(practice_menu, _("Re&store a backup…"), self.restore)
        self.passphrase_action = self._action(
            practice_menu, _("Change the data's pass&phrase…"), self.change_passphrase
        )
        self.practice_menu = practice_menu
        self._apply_role()
        view_menu = self.menuBar().addMenu(_("&View"))
        self.today_action = self._action(view_menu, _("&Today"), self.show_today, TODAY_SHORTCUT)
        self.list_action = self._action(view_menu, _("Client &list"), self.show_list, CLIENT_LIST_SHORTCUT)
        view_menu.addSeparator()
        self.client_view_action = self._action(view_menu, _("&Client view"), self.open_client_view, "F11")
        help_menu = self.menuBar().addMenu(_("&Help"))
        self._action(help_menu, _("&About broadtalk"), self.about)

    def _apply_role(self) -> None:
        """Offer only what the signed-in role may do (the core refuses the rest anyway)."""
        for permission, action in self.practice_actions.items():
            action.setVisible(allows(self.actor, permission))
        # A database on a server: its backups and restores are the server's, not offered here.
        on_file = not self._db.is_server
        self.backup_action.setVisible(on_file and allows(self.actor, Permission.BACKUP))
        self.restore_action.setVisible(on_file and allows(self.actor, Permission.RESTORE))
        self.passphrase_action.setVisible(self._db.encrypted and allows(self.actor, Permission.MANAGE_SETTINGS))
        self.practice_menu.menuAction().setVisible(any(a.isVisible() for a in self.practice_menu.actions()))

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
        self.table.clearSelection()  # a new search: no row chosen yet
        self.table.selectionModel().clearCurrentIndex()
        self._update_status()

    def _open_first_match(self) -> None:
        self._search_timer.stop()
        self._apply_search()
        if self.model.rowCount() == 1:
            self.open_client_at(0)
        elif self.model.rowCount():
            self.table.setFocus()
            self.table.selectRow(0)

    def _apply_focus(self) -> None:
        """The list filter, for the practitioner's own conversations or the whole practice's (as Today)."""
        focus = self.focus_box.currentData() or follow_ups.ALL
        mine = self.today_page.mine
        try:
            self.model.set_focus(focus, self.actor.id if mine and focus != follow_ups.ALL else None)
        except BroadtalkError as error:
            QMessageBox.warning(self, _("This did not work"), error.message)
            self.focus_box.setCurrentIndex(0)
            return
        self._update_status()

    def show_focus(self, focus: str) -> None:
        """The client list with a filter chosen (e.g. from Today)."""
        index = self.focus_box.findData(focus)
        if index >= 0:
            self.focus_box.setCurrentIndex(index)
        self.show_list()

    def _update_status(self) -> None:
        total = self.model.total
        text = ngettext("{n} client", "{n} clients", total).format(n=total)
        if self.model.focus != follow_ups.ALL:
            scope = _("my work") if self.today_page.mine else _("the whole practice")
            text = _("{clients} ({filter}, {scope})").format(
                clients=text, filter=self.focus_box.currentText(), scope=scope
            )
        self.statusBar().showMessage(text)

    def _update_who(self) -> None:
        self.who.setText(_("{name} ({role})").format(name=self.actor.name, role=role_label(self.actor.role)))

    def show_today(self) -> None:
        """Today, read again: something may have been done since."""
        self._leave_conversation()
        self._home = self.today_page
        self.pages.setCurrentWidget(self.today_page)
        self.today_page.refresh()
        self.today_page.focus_first()

    def go_back(self) -> None:
        """From a client's page back to where the practitioner came from: Today or the list."""
        if self._home is self.today_page:
            self.show_today()
        else:
            self.show_list()

    def show_list(self) -> None:
        self._leave_conversation()
        self._home = self.list_page
        self.pages.setCurrentWidget(self.list_page)
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
        from broadtalk.ui.client_dialog import ClientDialog

        dialog = ClientDialog(self._db, self.actor, None, self)
        if dialog.exec() and dialog.saved_client is not None:
            self.model.refresh()
            self._update_status()
            self.show_client(dialog.saved_client.id)

    # -- referrals waiting for feedback ----------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.idle.start()
        self.integrity_check.start()
        if not self._overdue_checked:
            self._overdue_checked = True
            if self.pages.currentWidget() is self.today_page:
                self.today_page.focus_first()
            # After the window is on screen: the list first, the reminder a moment later.
            QTimer.singleShot(0, self.check_overdue_referrals)

    def check_overdue_referrals(self) -> None:
        """Show or hide the note about referrals waiting too long for feedback."""
        if self._overdue_dismissed:
            return
        try:
            with self._db.transaction() as tx:
                count = count_overdue_referrals(tx, self.actor, today=local_today())
                days = feedback_due_days(tx)
        except BroadtalkError:
            return  # a reminder that cannot be read is no reason to stop anyone working
        self.overdue_label.setText(
            ngettext(
                "In the practice, {n} referral has been waiting longer than {days} days for feedback.",
                "In the practice, {n} referrals have been waiting longer than {days} days for feedback.",
                count,
            ).format(n=count, days=days)
        )
        self._overdue_count = count
        self._show_overdue_banner()

    def _show_overdue_banner(self) -> None:
        """The note shows over Today and the client list, not over a client or a conversation."""
        home = self.pages.currentWidget() in (self.today_page, self.list_page)
        self.overdue_banner.setVisible(home and self._overdue_count > 0 and not self._overdue_dismissed)

    def _dismiss_overdue(self) -> None:
        self._overdue_dismissed = True
        self.overdue_banner.hide()

    def open_overdue_referrals(self) -> None:
        from broadtalk.ui.referrals_panel import OverdueReferralsDialog

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
        from broadtalk.forms.library import latest_models
        from broadtalk.ui.conversation.model_picker import ModelPicker

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
        from broadtalk.ui.conversation.conversation_page import ConversationPage

        page = ConversationPage(self._db, self.actor, conversation_id)
        page.closed.connect(self._conversation_closed)
        page.client_view_requested.connect(lambda _cid: self.open_client_view())
        page.changed_elsewhere.connect(lambda message: self._conversation_changed_elsewhere(page, message))
        self.conversation = page
        self.pages.addWidget(page)
        self.pages.setCurrentWidget(page)

    def _conversation_changed_elsewhere(self, page, message: str) -> None:
        """Both versions are kept: say so, and show the copy with this practitioner's edits."""
        if page is not self.conversation:
            return
        QMessageBox.information(
            self,
            _("Changed on another workstation"),
            message
            + "\n\n"
            + _(
                "Both versions are kept: the conversation keeps the other version, and what you changed here is "
                "saved in a copy (a new draft of this client, with the other changes too), which is opened now. "
                "Both are on the client's page."
            ),
        )
        self.open_conversation(page.conversation_id)

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
        from broadtalk.ui.client_view import ClientView

        # The client scores in the view under the practitioner's session; leaving needs their PIN.
        self.client_view = ClientView(
            page.model,
            snapshot,
            page.previous,
            page.client.given_name,
            db=self._db,
            actor=self.actor,
            attempt=self._try_unlock,
        )
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
            self.actor = self.model.actor = self.today_page.actor = dialog.updated_actor
            with self._db.transaction() as tx:
                self.practice = settings.read_setting(tx, settings.PRACTICE_NAME)
                minutes = settings.auto_lock_minutes(tx)
            self.idle.set_interval(minutes * 60_000)
            self.screen_lock.set_name(self.actor.name)
            self._set_title()
            self._update_who()
            self._apply_role()

    def about(self) -> None:
        QMessageBox.about(
            self,
            _("About broadtalk"),
            _("broadtalk {version}: the broad conversation and the warm handover.").format(version=__version__),
        )

    # -- the lock, signing out ---------------------------------------------------------------

    def lock(self) -> None:
        """Cover every window until the signed-in practitioner's PIN or password is given."""
        if self.screen_lock.is_locked:
            return
        on_screen = self.isVisible() or (self.client_view is not None and self.client_view.isVisible())
        if not on_screen:
            return  # a closed window has nothing to hide
        if self.conversation is not None:
            self.conversation.save_all()
        self.screen_lock.lock()

    def _locked(self) -> None:
        try:
            with self._db.transaction() as tx:
                audit.record(tx, self.actor, audit.Action.LOCK, object_type="session", object_id=self.actor.id)
        except BroadtalkError:
            pass  # the lock holds even when the trail cannot be written

    def _try_unlock(self, secret: str) -> str | None:
        try:
            unlock(self._db, self.actor, secret)
        except BroadtalkError as error:
            return error.message
        return None

    def sign_out(self) -> None:
        """Close the window (everything is saved) and let the next practitioner sign in."""
        self.signed_out = True
        if not self.close():
            self.signed_out = False

    def edit_own_details(self) -> None:
        from broadtalk.ui.practitioners_dialog import ContactDetailsDialog

        dialog = ContactDetailsDialog(self._db, self.actor, parent=self)
        dialog.exec()
        dialog.deleteLater()

    def change_own_secret(self) -> None:
        from broadtalk.ui.practitioners_dialog import ChangeOwnSecretDialog

        dialog = ChangeOwnSecretDialog(self._db, self.actor, self)
        dialog.exec()
        dialog.deleteLater()

    # -- the practice: accounts, audit trail, retention, backups -----------------------------

    def open_practitioners(self) -> None:
        from broadtalk.ui.practitioners_dialog import PractitionersDialog

        dialog = PractitionersDialog(self._db, self.actor, self)
        dialog.exec()
        if dialog.updated_actor is not None:  # she handed over managing the practice
            self.actor = self.model.actor = self.today_page.actor = dialog.updated_actor
            self._apply_role()
        dialog.deleteLater()

    def open_audit_trail(self) -> None:
        from broadtalk.ui.audit_dialog import AuditDialog

        dialog = AuditDialog(self._db, self.actor, self)
        dialog.exec()
        dialog.deleteLater()

    def open_batch_export(self) -> None:
        from broadtalk.ui.batch_dialog import BatchExportDialog

        dialog = BatchExportDialog(self._db, self.actor, self)
        dialog.exec()
        dialog.deleteLater()

    def open_feedback_import(self, path: Path | None = None) -> None:
        """The recipient's answer to a referral (its FHIR Task, sent back) from a file, recorded
        after the practitioner saw what it records."""
        from broadtalk.ui.feedback_import import FeedbackImportDialog, ask_feedback_file

        path = path or ask_feedback_file(self)
        if path is None:
            return
        dialog = FeedbackImportDialog(self._db, self.actor, path, self)
        chosen: list[int] = []
        dialog.client_requested.connect(chosen.append)
        dialog.exec()
        recorded = dialog.recorded is not None
        dialog.deleteLater()
        if chosen:
            self.show_client(chosen[0])
        elif recorded and self.pages.currentWidget() is self.today_page:
            self.today_page.refresh()

    def import_record(self) -> None:
        """A client's record from another practice (or a round trip) as a new client, then shown."""
        from broadtalk.ui.record_files import import_record_from_file

        client_id = import_record_from_file(self, self._db, self.actor)
        if client_id is not None:
            self.model.refresh()
            self._update_status()
            self.show_client(client_id)

    def open_monitor(self) -> None:
        from broadtalk.ui.monitor_window import MonitorWindow  # loaded when first needed

        dialog = MonitorWindow(self._db, self.actor, self)
        dialog.exec()
        dialog.deleteLater()

    def open_retention(self) -> None:
        from broadtalk.ui.retention_dialog import RetentionDialog

        dialog = RetentionDialog(self._db, self.actor, self)
        chosen: list[int] = []
        dialog.client_requested.connect(lambda client_id: (chosen.append(client_id), dialog.accept()))
        dialog.exec()
        dialog.deleteLater()
        if chosen:
            self.show_client(chosen[0])

    def back_up(self) -> None:
        from broadtalk.ui.backup_dialogs import back_up_now

        if self.conversation is not None:
            self.conversation.save_all()
        back_up_now(self, self._db, self.actor, self.backup_dir)

    def restore(self) -> None:
        """Choose and check a backup; the app replaces the data once this window has closed."""
        from broadtalk import backups
        from broadtalk.ui.backup_dialogs import RestoreDialog

        db, actor = self._db, self.actor
        try:
            with db.transaction():  # a refusal is written to the audit trail
                require(actor, Permission.RESTORE)
        except BroadtalkError as error:
            QMessageBox.warning(self, _("Restore a backup"), error.message)
            return
        found = backups.available_backups(db.path, self.backup_dir)
        dialog = RestoreDialog(
            found, lambda path, passphrase: backups.check_restore_source(db, actor, path, passphrase or db.passphrase)
        )
        dialog.setParent(self, dialog.windowFlags())
        if dialog.exec() and dialog.chosen is not None:
            self.restore_request = (dialog.chosen, dialog.passphrase or db.passphrase)
            self.close()
        dialog.deleteLater()

    def change_passphrase(self) -> None:
        from broadtalk.ui.sign_in_dialogs import ChangePassphraseDialog

        dialog = ChangePassphraseDialog(self, on_server=self._db.is_server)

        def attempt() -> str | None:
            current, new, repeated = dialog.values()
            try:
                with self._db.transaction():  # a refusal is written to the audit trail
                    require(self.actor, Permission.MANAGE_SETTINGS)
                check_new_passphrase(new, repeated)
                if new == current:
                    return _("The new passphrase is the same as the current one; nothing was changed.")
                actor = self.actor  # the entry goes into the re-encrypted copy, with it or not at all
                self._db.change_passphrase(
                    current,
                    new,
                    lambda tx: audit.record(
                        tx, actor, audit.Action.CHANGE, object_type="database", detail="passphrase"
                    ),
                )
            except BroadtalkError as error:
                return error.message
            return None

        dialog.set_attempt(attempt)
        if dialog.exec():
            QMessageBox.information(
                self,
                _("Change the passphrase"),
                _(
                    "The passphrase is changed: every text on the server is encrypted with the new one. From now "
                    "on every workstation of the practice opens the data only with the new one."
                )
                if self._db.is_server
                else _("The passphrase is changed. From now on broadtalk opens only with the new one."),
            )
        dialog.deleteLater()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.screen_lock.is_locked and not self.signed_out:
            event.ignore()  # a locked window is not closed around its lock
            return
        if self.conversation is not None:
            self.conversation.finish()  # saved, and its clocks stopped: nothing written after the window
        self.idle.stop()
        self.integrity_check.stop()
        monitor = sys.modules.get("broadtalk.ui.monitor_counting")  # loaded with the monitor
        with monitor.counts_stopped() if monitor is not None else nullcontext():
            QThreadPool.globalInstance().waitForDone()  # a monitor count stops at its next table
        event.accept()

    def _database_damaged(self, message: str) -> None:
        """The background check found the file damaged: the window closes (what is open is
        saved) and the app says so and offers to restore a backup, as at start-up. Not over
        the lock or an open dialog: after the PIN, or once the dialog is closed."""
        if self.screen_lock.is_locked or QApplication.activeModalWidget() is not None:
            QTimer.singleShot(DAMAGE_RETRY_MS, lambda: self._database_damaged(message))
            return
        self.damage_found = message
        if not self.close():
            self.damage_found = None
