"""The conversation screen: steps on the left (overview, each domain, closing), the page on the right,
the running time and the "saved" indicator on top. Every edit is autosaved within a second."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from broadtalk import conversations as conv
from broadtalk.clients import ClientRecord, get_client
from broadtalk.errors import BroadtalkError
from broadtalk.forms.library import find_model
from broadtalk.i18n import _, format_datetime, pick
from broadtalk.practitioners import Actor
from broadtalk.store.database import Database
from broadtalk.ui.conversation.autosave import AutosaveSession
from broadtalk.ui.conversation.closing_page import ClosingPage
from broadtalk.ui.conversation.domain_page import DomainPage
from broadtalk.ui.conversation.overview_page import OverviewPage, domain_caption
from broadtalk.ui.wheel_guard import guard_wheel

OVERVIEW = "overview"
CLOSING = "closing"
DURATION_SAVE_MS = 10_000


def format_elapsed(seconds: int) -> str:
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


class StepList(QListWidget):
    """The steps on the left. Walking them with the arrow keys keeps the focus here (so a score on
    the page is never changed by the next arrow); Enter, a click or Ctrl+PgDown go into the page."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.by_keyboard = False
        # Long domain names ("Instrumentele ADL (huishouden en regelen)") wrap, never a sideways scrollbar.
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListView.ResizeMode.Adjust)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        self.by_keyboard = True
        try:
            super().keyPressEvent(event)
        finally:
            self.by_keyboard = False


class _Versions:
    """Optimistic locking for one page: the version of the conversation it shows (``seen``);
    when another workstation changed it meanwhile, the page's edits go into a copy (a new draft
    of the client, ``conversation_records.copy_conversation``) and the other version stays."""

    def __init__(self, page: ConversationPage):
        self._page = page

    def check(self, tx) -> None:
        page = self._page
        page.seen_version = conv.unchanged_elsewhere(tx, page.conversation_id, page.seen_version)

    def saw(self, tx) -> None:
        page = self._page
        page.seen_version = conv.current_version(tx, page.conversation_id)

    def keep_both(self, tx) -> None:
        from broadtalk.conversation_records import copy_conversation

        page = self._page
        page.conversation_id = copy_conversation(tx, page.actor, page.conversation_id)
        page.seen_version = conv.current_version(tx, page.conversation_id)


class ConversationPage(QWidget):
    closed = Signal(int)  # the client id, to go back to the client's page
    client_view_requested = Signal(int)  # the conversation id
    #: Another workstation changed the conversation meanwhile: the edits made here went into a
    #: copy (now ``conversation_id``); the message says who, when, and that both are kept.
    changed_elsewhere = Signal(str)

    def __init__(self, db: Database, actor: Actor, conversation_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self.conversation_id = conversation_id
        with db.transaction() as tx:
            self.snapshot = conv.load_conversation(tx, actor, conversation_id)
            self.model = find_model(tx, self.snapshot.summary.model_id, self.snapshot.summary.model_version)
            self.client: ClientRecord = get_client(tx, actor, self.snapshot.summary.client_id)
            self.previous = conv.previous_conversation(tx, actor, conversation_id)
        self.answers: dict[str, Any] = dict(self.snapshot.answers)
        self.seen_version = self.snapshot.summary.version
        self.session = AutosaveSession(db, self, guard=_Versions(self))
        self.session.changed_elsewhere.connect(self.changed_elsewhere)
        self.session.saved.connect(self._on_saved)
        self.session.refused.connect(self._on_refused)
        self.session.pending.connect(lambda: self._set_status(_("Saving…")))

        # -- top bar ----------------------------------------------------------------------------
        self.title = QLabel()
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.title.setFont(font)
        self.elapsed_label = QLabel()
        self.elapsed_label.setAccessibleName(_("Time of the consultation"))
        self.saved_label = QLabel()
        self.saved_label.setAccessibleName(_("Save status"))
        self.client_view_button = QPushButton(_("Client view (F11)"))
        self.complete_button = QPushButton(_("&Complete"))
        self.amend_button = QPushButton(_("A&mend"))
        self.close_button = QPushButton(_("C&lose"))
        self.client_view_button.clicked.connect(lambda: self.client_view_requested.emit(self.conversation_id))
        self.complete_button.clicked.connect(self.complete)
        self.amend_button.clicked.connect(self.amend)
        self.close_button.clicked.connect(self.close_conversation)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.elapsed_label)
        top.addSpacing(12)
        top.addWidget(self.saved_label)
        top.addSpacing(12)
        for button in (self.client_view_button, self.complete_button, self.amend_button, self.close_button):
            top.addWidget(button)

        # -- steps and pages --------------------------------------------------------------------
        self.steps = StepList()
        self.steps.setAccessibleName(_("Steps of the conversation"))
        self.steps.setMinimumWidth(200)
        self.steps.setStyleSheet("QListWidget::item { padding: 6px 4px; }")
        self.pages = QStackedWidget()
        self.overview = OverviewPage(self.model)
        self.overview.domain_requested.connect(self.go_to)
        self._add_step(OVERVIEW, _("Overview"), self.overview)
        self.domain_pages: dict[str, DomainPage] = {}
        for domain in self.model.domains:
            page = DomainPage(self.model, domain)
            page.load(self.snapshot.assessments.get(domain.id))
            page.show_previous(self.previous)
            page.items.load(self.answers)
            self._connect_domain(page)
            self.domain_pages[domain.id] = page
            self._add_step(domain.id, pick(domain.title), page)
        self.closing = ClosingPage(self.model)
        self.closing.load(self.snapshot)
        self.closing.items.load(self.answers)
        self._connect_closing()
        self._add_step(CLOSING, _("Closing"), self.closing)
        self.steps.currentRowChanged.connect(self._step_changed)
        self.steps.itemActivated.connect(lambda _item: self.focus_step())

        splitter = QSplitter()
        splitter.addWidget(self.steps)
        splitter.addWidget(self.pages)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        # -- time -------------------------------------------------------------------------------
        self._clock = QElapsedTimer()
        self._clock.start()
        self._base_seconds = self.snapshot.duration_seconds
        self._tick = QTimer(self, interval=1000, timeout=self._update_elapsed)
        self._tick.start()
        self._duration_saver = QTimer(self, interval=DURATION_SAVE_MS, timeout=self._queue_duration)
        self._duration_saver.start()

        QShortcut(QKeySequence("Ctrl+PgDown"), self, activated=lambda: self._step_by(1))
        QShortcut(QKeySequence("Ctrl+PgUp"), self, activated=lambda: self._step_by(-1))
        QShortcut(QKeySequence("Ctrl+S"), self, activated=self.session.flush)

        self._refresh_header()
        self._refresh_overview()
        self._apply_editability()
        self._update_elapsed()
        self._set_status(_("All saved"))
        self.go_to(self.snapshot.summary.current_step or OVERVIEW)
        guard_wheel(self)  # the wheel scrolls the pages; it never changes a choice it passes over
        self._shown_once = False

    # -- building helpers ---------------------------------------------------------------------

    @property
    def actor(self) -> Actor:
        return self._actor

    def _add_step(self, key: str, title: str, page: QWidget) -> None:
        item = QListWidgetItem(title)
        item.setData(Qt.ItemDataRole.UserRole, key)
        self.steps.addItem(item)
        self.pages.addWidget(page)

    def _use_case(self, key: str, action) -> None:
        """Queue an autosaved edit made by this practitioner in this conversation (the one shown,
        or its copy once another workstation changed it meanwhile)."""
        self.session.queue(key, lambda tx: action(tx, self._actor, self.conversation_id))

    def _connect_domain(self, page: DomainPage) -> None:
        page.score_changed.connect(
            lambda d, v: self._use_case(f"score:{d}", lambda tx, a, c: conv.assess_domain(tx, a, c, d, score=v))
        )
        page.own_words_changed.connect(
            lambda d, v: self._use_case(f"own_words:{d}", lambda tx, a, c: conv.assess_domain(tx, a, c, d, own_words=v))
        )
        page.notes_changed.connect(
            lambda d, v: self._use_case(f"notes:{d}", lambda tx, a, c: conv.assess_domain(tx, a, c, d, notes=v))
        )
        page.important_changed.connect(
            lambda d, v: self._use_case(f"important:{d}", lambda tx, a, c: conv.assess_domain(tx, a, c, d, important=v))
        )
        page.items.changed.connect(self._answer_changed)
        page.previous_requested.connect(lambda: self._step_by(-1))
        page.next_requested.connect(lambda: self._step_by(1))

    def _connect_closing(self) -> None:
        page = self.closing
        page.what_matters_changed.connect(
            lambda v: self._use_case("what_matters", lambda tx, a, c: conv.set_closing(tx, a, c, what_matters_most=v))
        )
        page.follow_up_changed.connect(
            lambda v: self._use_case("follow_up", lambda tx, a, c: conv.set_closing(tx, a, c, follow_up_date=v))
        )
        page.ranking_changed.connect(
            lambda order: self._use_case("rank", lambda tx, a, c: conv.rank_domains(tx, a, c, order))
        )
        page.items.changed.connect(self._answer_changed)
        page.add_goal_requested.connect(self._add_goal)
        page.remove_goal_requested.connect(
            lambda goal_id: self._now(lambda tx: conv.remove_goal(tx, self._actor, self.conversation_id, goal_id))
        )
        page.add_action_requested.connect(self._add_action)
        page.update_goal_requested.connect(self._update_goal)
        page.update_action_requested.connect(self._update_action)
        page.remove_action_requested.connect(
            lambda action_id: self._now(lambda tx: conv.remove_action(tx, self._actor, self.conversation_id, action_id))
        )

    # -- edits ----------------------------------------------------------------------------------

    def _answer_changed(self, link_id: str, value: Any) -> None:
        self.answers[link_id] = value
        self._use_case(f"answer:{link_id}", lambda tx, a, c: conv.record_answer(tx, a, c, link_id, value))
        # Conditions may look across domains: every form re-checks what to show.
        for page in self.domain_pages.values():
            page.items.refresh_visibility(self.answers)
        self.closing.items.refresh_visibility(self.answers)

    def _now(self, action) -> bool:
        """Run an immediate use case (goals, actions); show a refusal where the user acted."""
        try:
            self.session.run_now(action)
        except BroadtalkError as error:
            QMessageBox.warning(self, _("This did not work"), error.message)
            return False
        self._reload_closing()
        return True

    def _add_goal(self, text: str, domain_id: str | None) -> None:
        try:
            self.session.run_now(
                lambda tx: conv.add_goal(tx, self._actor, self.conversation_id, text, domain_id=domain_id)
            )
        except BroadtalkError as error:
            self.closing.goal_error.show_message(error.message)
            return
        self.closing.goal_added()
        self._reload_closing()

    def _add_action(self, what: str, who: str, due: date | None, goal_id: int | None, domain_id: str | None) -> None:
        try:
            self.session.run_now(
                lambda tx: conv.add_action(
                    tx,
                    self._actor,
                    self.conversation_id,
                    what,
                    who=who,
                    due_date=due,
                    goal_id=goal_id,
                    domain_id=domain_id,
                )
            )
        except BroadtalkError as error:
            self.closing.action_error.show_message(error.message)
            return
        self.closing.action_added()
        self._reload_closing()

    def _update_goal(self, goal_id: int, text: str, domain_id: str | None) -> None:
        try:
            self.session.run_now(
                lambda tx: conv.update_goal(
                    tx, self._actor, self.conversation_id, goal_id, description=text, domain_id=domain_id
                )
            )
        except BroadtalkError as error:
            self.closing.goal_error.show_message(error.message)  # the fields keep what was typed
            return
        self._reload_closing()
        self.closing.goal_saved()

    def _update_action(
        self, action_id: int, what: str, who: str, due: date | None, goal_id: int | None, domain_id: str | None
    ) -> None:
        try:
            self.session.run_now(
                lambda tx: conv.update_action(
                    tx,
                    self._actor,
                    self.conversation_id,
                    action_id,
                    what=what,
                    who=who,
                    due_date=due,
                    goal_id=goal_id,
                    domain_id=domain_id,
                )
            )
        except BroadtalkError as error:
            self.closing.action_error.show_message(error.message)
            return
        self._reload_closing()
        self.closing.action_saved()

    def _reload_closing(self) -> None:
        with self._db.transaction() as tx:
            self.snapshot = conv.load_conversation(tx, self._actor, self.conversation_id)
        self.closing.load(self.snapshot)

    # -- saving feedback ------------------------------------------------------------------------

    def _set_status(self, text: str, error: bool = False) -> None:
        self.saved_label.setText(text)
        self.saved_label.setStyleSheet("color: #B3261E; font-weight: bold;" if error else "")

    def _on_saved(self, when: datetime) -> None:
        self._set_status(_("Saved {time}").format(time=format_datetime(when, "HH:mm:ss")))
        for page in self.domain_pages.values():
            page.own_words_error.show_message("")
            page.notes_error.show_message("")
        self.closing.what_matters_error.show_message("")
        self._refresh_overview()

    def _on_refused(self, key: str, message: str) -> None:
        self._set_status(_("Not saved: see the message"), error=True)
        kind, _sep, domain_id = key.partition(":")
        page = self.domain_pages.get(domain_id)
        if page is not None and kind == "own_words":
            page.own_words_error.show_message(message)
        elif page is not None and kind == "notes":
            page.notes_error.show_message(message)
        elif kind == "what_matters":
            self.closing.what_matters_error.show_message(message)
        else:
            QMessageBox.warning(self, _("Not saved"), message)

    def _refresh_overview(self) -> None:
        with self._db.transaction() as tx:
            self.snapshot = conv.load_conversation(tx, self._actor, self.conversation_id)
        self.overview.load(self.snapshot, self.previous)
        for row in range(self.steps.count()):
            item = self.steps.item(row)
            key = item.data(Qt.ItemDataRole.UserRole)
            if key not in (OVERVIEW, CLOSING):
                item.setText(domain_caption(self.model, key, self.snapshot))

    def _refresh_header(self) -> None:
        summary = self.snapshot.summary
        status = {
            conv.DRAFT: _("in progress"),
            conv.COMPLETED: _("completed"),
            conv.AMENDING: _("being amended"),
        }.get(summary.status, summary.status)
        self.title.setText(
            _("{client} · {model} · {status}").format(
                client=self.client.name, model=self.model.display_title(), status=status
            )
        )

    def _apply_editability(self) -> None:
        editable = self.snapshot.summary.is_editable
        for page in self.domain_pages.values():
            page.set_read_only(not editable)
        self.closing.set_read_only(not editable)
        self.complete_button.setVisible(editable)
        self.amend_button.setVisible(not editable)

    # -- navigation -----------------------------------------------------------------------------

    def current_step(self) -> str:
        item = self.steps.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else OVERVIEW

    def go_to(self, key: str) -> None:
        for row in range(self.steps.count()):
            if self.steps.item(row).data(Qt.ItemDataRole.UserRole) == key:
                self.steps.setCurrentRow(row)
                return
        self.steps.setCurrentRow(0)

    def _step_by(self, step: int) -> None:
        row = min(max(0, self.steps.currentRow() + step), self.steps.count() - 1)
        self.steps.setCurrentRow(row)

    def _step_changed(self, row: int) -> None:
        self.pages.setCurrentIndex(row)
        key = self.current_step()
        if not self.steps.by_keyboard:
            self.focus_step()
        if self.snapshot.summary.is_editable:
            self._use_case("step", lambda tx, a, c: conv.set_current_step(tx, a, c, key))

    def focus_step(self) -> None:
        """The first field of the step shown gets the focus: what is typed next lands there."""
        page = self.pages.currentWidget()
        if isinstance(page, OverviewPage | DomainPage | ClosingPage):
            page.focus_first_field()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            QTimer.singleShot(0, self, self.focus_step)  # the focus was on the screen we came from

    # -- time -----------------------------------------------------------------------------------

    def elapsed_seconds(self) -> int:
        if self.snapshot.summary.status != conv.DRAFT:
            return self._base_seconds
        return self._base_seconds + int(self._clock.elapsed() / 1000)

    def _update_elapsed(self) -> None:
        self.elapsed_label.setText(_("Time {time}").format(time=format_elapsed(self.elapsed_seconds())))

    def _queue_duration(self) -> None:
        if self.snapshot.summary.status == conv.DRAFT:
            seconds = self.elapsed_seconds()
            self._use_case("duration", lambda tx, a, c: conv.set_duration(tx, a, c, seconds))

    # -- complete, amend, close -----------------------------------------------------------------

    def complete(self) -> bool:
        seconds = self.elapsed_seconds() if self.snapshot.summary.status == conv.DRAFT else None
        try:
            self.session.run_now(
                lambda tx: conv.complete_conversation(tx, self._actor, self.conversation_id, duration_seconds=seconds)
            )
        except BroadtalkError as error:
            QMessageBox.warning(self, _("Not completed yet"), error.message)
            return False
        self._after_status_change()
        return True

    def amend(self) -> bool:
        answer = QMessageBox.question(
            self,
            _("Amend this conversation?"),
            _("The conversation is completed. Every change you make now is recorded with your name and the time."),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        try:
            self.session.run_now(lambda tx: conv.amend_conversation(tx, self._actor, self.conversation_id))
        except BroadtalkError as error:
            QMessageBox.warning(self, _("This did not work"), error.message)
            return False
        self._after_status_change()
        return True

    def _after_status_change(self) -> None:
        with self._db.transaction() as tx:
            self.snapshot = conv.load_conversation(tx, self._actor, self.conversation_id)
            self._base_seconds = self.snapshot.duration_seconds
        self._clock.restart()
        self._refresh_header()
        self._apply_editability()
        self._refresh_overview()
        self._update_elapsed()

    def save_all(self) -> None:
        """Everything typed goes to the database now (closing, switching screens, locking)."""
        self._queue_duration()
        self.session.flush()

    def finish(self) -> None:
        """Save everything and stop the clocks: nothing is written after the page is put away
        (its window closed, the app ending), also not the time running on."""
        self.save_all()
        self._tick.stop()
        self._duration_saver.stop()
        self.session.stop()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.finish()
        super().closeEvent(event)

    def close_conversation(self) -> None:
        self.finish()
        self.closed.emit(self.client.id)
