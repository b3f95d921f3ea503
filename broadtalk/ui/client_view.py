"""The client view: a calm full-screen page in large type and simple words, to turn the laptop
towards the client. It shows the chart, what the client said matters, what was agreed and when
the next conversation is, nothing else (no notes, no other clients, no menus), and lets the
client give each domain their own score and mark "I want to talk about this", with every
question read aloud on request.

It stays in front, locked to the client: Escape (or closing it, or Ctrl+Alt+B) asks the
signed-in practitioner's PIN or password, tried like the screen lock's (``sign_in.unlock``, with
its lock-out and audit entries); a wrong one keeps the view. The client's scores are saved as
they are given (the autosave), beside the practitioner's scores and never over them.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QFont, QFontMetrics, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from broadtalk.client_scores import set_client_assessment
from broadtalk.conversations import ActionView, AssessmentView, ConversationSnapshot
from broadtalk.forms.schema import ConversationModel, Domain, Scale
from broadtalk.i18n import _, format_date, format_short_date, pick
from broadtalk.practitioners import Actor
from broadtalk.store.database import Database
from broadtalk.ui.common import ErrorLabel
from broadtalk.ui.conversation.autosave import AutosaveSession
from broadtalk.ui.conversation.score_input import NO_SCORE, ScoreInput
from broadtalk.ui.read_aloud import ReadAloud
from broadtalk.ui.sign_in_dialogs import TryDialog, secret_field
from broadtalk.ui.spider_chart import SpiderChart, chart_data_for

#: The practitioner's keys to leave the client view: each asks their PIN or password.
LEAVE_KEYS = ("Esc", "Ctrl+Alt+B")
#: Reads the question of the domain being answered aloud.
READ_ALOUD_KEYS = ("F5", "Ctrl+R")
FONT_SCALE = 1.8
#: Score buttons big enough for an unsteady hand, in the view's large type.
SCORE_BUTTON_HEIGHT = 1.9  # times the line height
#: Below this width (logical pixels) the chart moves above the questions instead of beside them.
CHART_BESIDE_MIN = 360

#: What the leave dialog tries: the typed PIN or password; a message when it is wrong.
Attempt = Callable[[str], str | None]


def client_scale(scale: Scale) -> Scale:
    """The scale as the client sees it: the plain words at its points, no professional descriptions."""
    anchors = [a.model_copy(update={"label": a.plain(), "description": None}) for a in scale.anchors]
    return scale.model_copy(update={"anchors": anchors})


def read_aloud_text(model: ConversationModel, domain: Domain) -> str:
    """What is read aloud for a domain: its name, the question, and what the numbers mean."""
    parts = [pick(domain.plain()) + ".", pick(domain.question_for_client())]
    scale = model.scale_of(domain)
    if scale is not None:
        parts.append(_("Choose a number from {min} to {max}.").format(min=scale.min, max=scale.max))
        for anchor in scale.anchors:
            parts.append(_("{value} means: {label}.").format(value=anchor.value, label=pick(anchor.plain())))
    parts.append(
        _("You can also tick: I want to talk about this.")
        if scale is not None
        else _("Tick it if you want to talk about this.")
    )
    return " ".join(p.strip() for p in parts if p.strip())


def action_line(action: ActionView) -> str:
    """An agreed action for the client: what, who and by when ("• Papieren sorteren (Ron, vóór 16 maart)")."""
    parts = [action.who] if action.who else []
    if action.due_date is not None:
        parts.append(_("by {date}").format(date=format_date(action.due_date, "long")))
    if action.done:
        parts.append(_("done"))
    if not parts:
        return _("• {goal}").format(goal=action.what)
    return _("• {action} ({detail})").format(action=action.what, detail=", ".join(parts))


class LeaveDialog(TryDialog):
    """The practitioner's PIN or password, to leave the client view; Escape goes back to the client."""

    def __init__(self, name: str, parent: QWidget | None = None):
        super().__init__(
            _("Back to the conversation"),
            _("Back to the conversation"),
            _("{name} is signed in. Type your PIN or password to leave the client view.").format(name=name),
            _("&Leave the client view"),
            parent,
        )
        self.cancel_button.setText(_("Stay in the client view"))
        self.secret_edit = secret_field()
        self.add_row(_("&PIN or password"), self.secret_edit)
        self.setWindowModality(Qt.WindowModality.WindowModal)

    def first_field(self) -> QLineEdit:
        return self.secret_edit

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.secret_edit.setFocus(Qt.FocusReason.OtherFocusReason)


class ClientScoreInput(ScoreInput):
    """The score input in the view's large type, with big buttons that wrap onto more rows when
    the line is too narrow (a large system font, a small screen): never a horizontal scroll bar.
    The words of the scale are shown by the card on one line below, so the labels under single
    buttons (where "Uitstekend" would not fit) are hidden."""

    def __init__(self, scale: Scale, font: QFont, parent: QWidget | None = None):
        super().__init__(scale, parent)
        # The score input's style sheet gives its buttons their font: the large type goes there too.
        self.setStyleSheet(self.styleSheet() + f" QToolButton {{ font-size: {font.pointSizeF():.1f}pt; }}")
        for label in self.findChildren(QLabel):
            if label is not self.description:
                label.hide()
        metrics = QFontMetrics(font)
        self._buttons = [self.group.button(NO_SCORE), *(self.group.button(v) for v in range(scale.min, scale.max + 1))]
        widest = max(metrics.horizontalAdvance(b.text()) for b in self._buttons)
        self._button_size = QSize(widest + int(metrics.height() * 0.7), int(metrics.height() * SCORE_BUTTON_HEIGHT))
        for button in self._buttons:
            button.setMinimumSize(self._button_size)
        self._grid = self.findChild(QGridLayout)
        self._spacing = max(self._grid.horizontalSpacing(), 4)
        self._grid.setVerticalSpacing(self._spacing)
        self.layout().setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self._columns = 0
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._reflow(len(self._buttons))

    def _columns_for(self, width: int) -> int:
        per_button = self._button_size.width() + self._spacing
        fit = max(1, min(len(self._buttons), (width + self._spacing) // per_button))
        rows = -(-len(self._buttons) // fit)
        return -(-len(self._buttons) // rows)  # rows of even length: never one button alone below

    def rows(self) -> int:
        return -(-len(self._buttons) // self._columns)

    def _reflow(self, columns: int) -> None:
        """Lay the buttons out in rows of ``columns``; the height follows (fixed, so the card obeys)."""
        if columns == self._columns:
            return
        self._columns = columns
        for button in self._buttons:
            self._grid.removeWidget(button)
        for index, button in enumerate(self._buttons):
            self._grid.addWidget(button, index // columns, index % columns)
        rows = self.rows()
        self.setFixedHeight(rows * self._button_size.height() + (rows - 1) * self._spacing)

    def minimumSizeHint(self) -> QSize:
        # Wide enough for a few buttons a row; the rest wrap.
        width = min(4, len(self._buttons)) * (self._button_size.width() + self._spacing)
        return QSize(width, self.height())

    def sizeHint(self) -> QSize:
        return QSize(len(self._buttons) * (self._button_size.width() + self._spacing), self.height())

    def resizeEvent(self, event) -> None:
        self._reflow(self._columns_for(event.size().width()))
        super().resizeEvent(event)


class DomainCard(QFrame):
    """One domain for the client: the question, their own score, "I want to talk about this"."""

    def __init__(
        self,
        model: ConversationModel,
        domain: Domain,
        assessment: AssessmentView | None,
        editable: bool,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.domain = domain
        self.setObjectName("domainCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(6)

        top = QHBoxLayout()
        self.heading = QLabel(pick(domain.plain()))
        heading_font = QFont(parent.font() if parent is not None else self.font())
        heading_font.setBold(True)
        self.heading.setFont(heading_font)
        self.heading.setWordWrap(True)
        top.addWidget(self.heading, 1)
        self.read_button = QPushButton(_("Read aloud"))
        self.read_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes from domain to domain; F5 reads
        self.read_button.setAccessibleName(_("Read aloud: {domain}").format(domain=pick(domain.plain())))
        top.addWidget(self.read_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)

        self.question = QLabel(pick(domain.question_for_client()))
        self.question.setWordWrap(True)
        layout.addWidget(self.question)

        scale = model.scale_of(domain)
        self.score: ClientScoreInput | None = None
        self.theirs: QLabel | None = None
        if scale is not None:
            self.score = ClientScoreInput(client_scale(scale), self.font())
            self.score.setAccessibleName(
                _("Your own score for {domain}, from {min} to {max}").format(
                    domain=pick(domain.plain()), min=scale.min, max=scale.max
                )
            )
            self.score.setValue(assessment.client_score if assessment else None)
            self.score.setEnabled(editable)
            line = QHBoxLayout()
            mine = QLabel(_("Your own score:"))
            mine.setBuddy(self.score)
            mine.setWordWrap(True)  # with a very large system font
            line.addWidget(mine, 0, Qt.AlignmentFlag.AlignBottom)
            practitioner = assessment.score if assessment else None
            number = str(practitioner) if practitioner is not None else "–"
            theirs = (
                _("In the conversation: {score}")
                if model.scored_by == "client"
                else _("Your practitioner's score: {score}")
            ).format(score="\u2060" + number)  # a word joiner keeps the number with its words
            self.theirs = QLabel(theirs.replace(" \u2060", "\u00a0"))
            self.theirs.setObjectName("theirScore")
            self.theirs.setWordWrap(True)
            self.theirs.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom)
            line.addWidget(self.theirs, 1)
            layout.addLayout(line)
            layout.addWidget(self.score)
            # Each "10 = Uitstekend" stays on one line; a scale with a word at every point gets a
            # line per point.
            meaning = ("\n" if len(scale.anchors) > 3 else " · ").join(
                _("{value} = {label}").format(value=anchor.value, label=pick(anchor.plain())).replace(" ", "\u00a0")
                for anchor in scale.anchors
            )
            self.meaning = QLabel(meaning)
            self.meaning.setWordWrap(True)
            layout.addWidget(self.meaning)

        self.talk = QCheckBox(_("I want to talk about this"))
        self.talk.setChecked(bool(assessment and assessment.client_wants_to_talk))
        self.talk.setEnabled(editable)
        layout.addWidget(self.talk)
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        # Every text in the view's large type, set on each one: a styled card does not pass it on.
        base = QFont(parent.font()) if parent is not None else QFont(self.font())
        for child in self.findChildren(QLabel) + self.findChildren(QCheckBox) + self.findChildren(QPushButton):
            if child is not self.heading:
                child.setFont(base)


class ClientView(QWidget):
    left = Signal()

    def __init__(
        self,
        model: ConversationModel,
        snapshot: ConversationSnapshot,
        previous: ConversationSnapshot | None,
        client_given_name: str,
        parent: QWidget | None = None,
        *,
        db: Database | None = None,
        actor: Actor | None = None,
        attempt: Attempt | None = None,
        speech: ReadAloud | None = None,
    ):
        super().__init__(parent, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint)
        self._unlocked = False
        self._model = model
        self._snapshot = snapshot
        self._previous = previous
        self._db = db
        self._actor = actor
        self._attempt = attempt
        self.conversation_id = snapshot.summary.id
        self.leave_dialog: LeaveDialog | None = None
        self.follow_up: QLabel | None = None
        self.setWindowTitle("broadtalk")  # no client name in a title: task bars and screen sharing show it
        self.setAccessibleName(_("Client view"))
        # Nothing behind the view can be reached while it shows.
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * FONT_SCALE)
        self.setFont(font)
        self.setStyleSheet(
            "QLabel { line-height: 140%; }"
            " #domainCard { border: 1px solid palette(mid); border-radius: 8px; }"
            # The domain being answered stands out: the client sees where the keys go.
            ' #domainCard[current="true"] { border: 3px solid palette(highlight); }'
            f" QCheckBox::indicator {{ width: {self.fontMetrics().height()}px; height: {self.fontMetrics().height()}px; }}"
            " #leaveHint, #speechNotice, #theirScore { color: palette(placeholder-text); }"
        )
        self.speech = speech if speech is not None else ReadAloud(parent=self)
        self.autosave = AutosaveSession(db, self) if db is not None else None
        if self.autosave is not None:
            self.autosave.refused.connect(self._refused)
        self.own_scores: dict[str, int | None] = {
            d: a.client_score for d, a in snapshot.assessments.items() if a.client_score is not None
        }

        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 32, 48, 24)
        title = QLabel(_("What we talked about, {name}").format(name=client_given_name))
        title_font = self.font()
        title_font.setPointSizeF(title_font.pointSizeF() * 1.3)
        title_font.setBold(True)
        title.setFont(title_font)
        title.setWordWrap(True)
        outer.addWidget(title)

        self.row = row = QHBoxLayout()
        row.setSpacing(32)
        self.chart: SpiderChart | None = None
        if self._chart_data() is not None:
            self.chart = SpiderChart()
            chart_font = self.font()
            chart_font.setPointSizeF(chart_font.pointSizeF() / FONT_SCALE * 1.25)  # labels must leave room for the web
            self.chart.setFont(chart_font)
            self.chart.set_data(self._chart_data())
            self.chart.setMinimumSize(CHART_BESIDE_MIN, CHART_BESIDE_MIN)
            row.addWidget(self.chart, 2)

        self.words = words = QVBoxLayout()
        words.setSpacing(12)
        words.addWidget(self._section(_("Your own view")))
        editable = snapshot.summary.is_editable and db is not None and actor is not None
        if not editable:
            intro = _("This conversation is completed; your own scores can no longer be changed here.")
        elif model.is_scored:
            intro = _("Give each part your own score, and tick what you want to talk about.")
        else:
            intro = _("Tick what you want to talk about.")
        if self.speech.available:
            intro += " " + _("Press F5 to hear a question read aloud.")
        words.addWidget(self._text(intro))
        self.speech_notice = QLabel(self.speech.reason)
        self.speech_notice.setObjectName("speechNotice")
        self.speech_notice.setWordWrap(True)
        self.speech_notice.setVisible(not self.speech.available)
        words.addWidget(self.speech_notice)
        self.cards: dict[str, DomainCard] = {}
        for domain in model.domains:
            card = DomainCard(model, domain, snapshot.assessments.get(domain.id), editable, self)
            card.read_button.setEnabled(self.speech.available)
            card.read_button.setToolTip(
                _("Reads the question aloud ({key})").format(key=READ_ALOUD_KEYS[0])
                if self.speech.available
                else self.speech.reason
            )
            card.read_button.clicked.connect(lambda _checked=False, d=domain.id: self.read_aloud(d))
            if card.score is not None:
                card.score.valueChanged.connect(lambda value, d=domain.id: self._score_changed(d, value))
            card.talk.toggled.connect(lambda checked, d=domain.id: self._talk_changed(d, checked))
            self.cards[domain.id] = card
            words.addWidget(card)

        words.addWidget(self._section(_("What matters most to you")))
        self.what_matters = self._text(snapshot.what_matters_most or _("We have not written this down yet."))
        words.addWidget(self.what_matters)
        important = [
            (model.domain(d), a) for d, a in snapshot.assessments.items() if a.important and model.domain(d) is not None
        ]
        if important:
            words.addWidget(self._section(_("What you want to work on")))
            for domain, assessment in important:
                line = (
                    _("{domain}: “{words}”").format(domain=pick(domain.plain()), words=assessment.own_words)
                    if assessment.own_words
                    else pick(domain.plain())
                )
                words.addWidget(self._text(line))
        if snapshot.goals or snapshot.actions:
            words.addWidget(self._section(_("What we agreed")))
            for goal in snapshot.goals:
                words.addWidget(self._text(_("• {goal}").format(goal=goal.description)))
            for action in snapshot.actions:
                words.addWidget(self._text(action_line(action)))
        if snapshot.follow_up_date is not None:
            words.addWidget(self._section(_("When we see each other again")))
            self.follow_up = self._text(format_date(snapshot.follow_up_date, "long"))
            words.addWidget(self.follow_up)
        words.addStretch(1)
        holder = QWidget()
        holder.setLayout(words)
        self.scroll = QScrollArea()
        self.scroll.setWidget(holder)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        row.addWidget(self.scroll, 3)
        outer.addLayout(row, 1)

        footer = QHBoxLayout()
        small = self.font()
        small.setPointSizeF(small.pointSizeF() / FONT_SCALE)
        # For the practitioner, discreet: how to get back to the conversation.
        self.leave_hint = QLabel(_("Esc: back to the conversation, for the practitioner (PIN)"))
        self.leave_hint.setObjectName("leaveHint")
        self.leave_hint.setFont(small)
        self.leave_hint.setWordWrap(True)
        footer.addWidget(self.leave_hint, 1)
        locked = QLabel(_("This screen is locked for you. Your practitioner closes it."))
        locked.setFont(small)
        locked.setWordWrap(True)
        locked.setAlignment(Qt.AlignmentFlag.AlignRight)
        footer.addWidget(locked, 1)
        outer.addLayout(footer)

        for key in LEAVE_KEYS:
            QShortcut(QKeySequence(key), self, activated=self.ask_to_leave, context=Qt.ShortcutContext.WindowShortcut)
        for key in READ_ALOUD_KEYS:
            QShortcut(QKeySequence(key), self, activated=self.read_current, context=Qt.ShortcutContext.WindowShortcut)
        QApplication.instance().focusChanged.connect(self._focus_moved)
        first = next((c for c in self.cards.values() if c.talk.isEnabled()), None)
        self._first_field = (first.score or first.talk) if first is not None else None

    # -- building ----------------------------------------------------------------------------------

    def _chart_data(self):
        previous = self._previous
        return chart_data_for(
            self._model,
            self._snapshot.scores(),
            previous.scores() if previous else None,
            # Beside the client's own scores: whose these are, not only when.
            current_label=_("In the conversation") if self._model.scored_by == "client" else _("Your practitioner"),
            previous_label=_("Last time ({date})").format(date=format_short_date(previous.summary.started_at))
            if previous
            else "",
            own_scores=self.own_scores,
            own_label=_("Your own scores"),
            plain_titles=True,
        )

    def _section(self, text: str) -> QLabel:
        label = QLabel(text)
        font = self.font()
        font.setBold(True)
        label.setFont(font)
        label.setWordWrap(True)
        return label

    def _text(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)  # what the client said is shown as typed
        return label

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_chart()

    def _place_chart(self) -> None:
        """Beside the questions when both fit; else above them, inside the scrolling column (a large
        system font or a small screen): the questions never get a horizontal scroll bar."""
        if self.chart is None:
            return
        margins = self.layout().contentsMargins()
        screen = self.screen().availableGeometry().width() if self.screen() is not None else self.width()
        room = min(self.width(), screen) - margins.left() - margins.right()
        needed = self.scroll.widget().minimumSizeHint().width() + self.scroll.verticalScrollBar().sizeHint().width()
        beside = room - needed - self.row.spacing() >= CHART_BESIDE_MIN
        if beside == (self.row.indexOf(self.chart) >= 0):
            return
        if beside:
            self.words.removeWidget(self.chart)
            self.chart.setMinimumSize(CHART_BESIDE_MIN, CHART_BESIDE_MIN)
            self.row.insertWidget(0, self.chart, 2)
        else:
            self.row.removeWidget(self.chart)
            side = max(240, min(room - 40, 480))
            self.chart.setMinimumSize(side, side)
            self.words.insertWidget(0, self.chart)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._first_field is not None and self.focusWidget() is None:
            self._first_field.setFocus(Qt.FocusReason.OtherFocusReason)

    def _focus_moved(self, _old: QWidget | None, now: QWidget | None) -> None:
        if now is None or not isValid(self) or now.window() is not self:
            return
        for card in self.cards.values():
            current = card.isAncestorOf(now)
            if card.property("current") != current:
                card.setProperty("current", current)
                card.style().unpolish(card)
                card.style().polish(card)
                if current:
                    self.scroll.ensureWidgetVisible(card, 0, 8)

    # -- the client's own scores -------------------------------------------------------------------

    def _score_changed(self, domain_id: str, value: int | None) -> None:
        self.own_scores[domain_id] = value
        if self.chart is not None:
            data = self._chart_data()
            if data is not None:
                self.chart.set_data(data)
        self._queue(f"client_score:{domain_id}", domain_id, score=value)

    def _talk_changed(self, domain_id: str, checked: bool) -> None:
        self._queue(f"client_wants_to_talk:{domain_id}", domain_id, wants_to_talk=checked)

    def _queue(self, key: str, domain_id: str, **change) -> None:
        if self.autosave is None or self._actor is None:
            return
        actor, conversation_id = self._actor, self.conversation_id
        self.cards[domain_id].error.show_message("")
        self.autosave.queue(key, lambda tx: set_client_assessment(tx, actor, conversation_id, domain_id, **change))

    def _refused(self, key: str, message: str) -> None:
        domain_id = key.split(":", 1)[1]
        card = self.cards.get(domain_id)
        if card is not None:
            card.error.show_message(message)

    def save_all(self) -> bool:
        return self.autosave.flush() if self.autosave is not None else True

    # -- reading aloud -----------------------------------------------------------------------------

    def current_domain(self) -> str | None:
        """The domain being answered: the one holding the keyboard focus, else the first."""
        focus = self.focusWidget()
        for domain_id, card in self.cards.items():
            if focus is not None and card.isAncestorOf(focus):
                return domain_id
        return next(iter(self.cards), None)

    def read_current(self) -> None:
        domain_id = self.current_domain()
        if domain_id is not None:
            self.read_aloud(domain_id)

    def read_aloud(self, domain_id: str) -> None:
        domain = self._model.domain(domain_id)
        if domain is None:
            return
        if not self.speech.say(read_aloud_text(self._model, domain)):
            self.speech_notice.setVisible(bool(self.speech.reason))

    # -- leaving: only with the practitioner's PIN -------------------------------------------------

    def ask_to_leave(self) -> None:
        """Escape, Ctrl+Alt+B or closing: the signed-in practitioner's PIN or password."""
        if self._unlocked:
            return
        if self.leave_dialog is not None and self.leave_dialog.isVisible():
            self.leave_dialog.secret_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        dialog = self.leave_dialog
        if dialog is None:
            dialog = LeaveDialog(self._actor.name if self._actor is not None else "", self)
            dialog.set_attempt(lambda: self._try(dialog.secret_edit.text()))
            dialog.accepted.connect(self.leave)
            dialog.finished.connect(lambda _result: dialog.secret_edit.clear())
            self.leave_dialog = dialog
        dialog.error.show_message("")  # a message from an earlier try does not greet the next one
        dialog.open()

    def _try(self, secret: str) -> str | None:
        if self._attempt is None:
            return _("No practitioner is signed in; the client view cannot be left this way.")
        return self._attempt(secret)

    def leave(self) -> None:
        """The practitioner's PIN was right: save what the client gave, unlock and close."""
        if self._unlocked:
            return
        self.save_all()
        self.speech.stop()
        QApplication.instance().focusChanged.disconnect(self._focus_moved)
        self._unlocked = True
        self.close()
        self.left.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Other keys do nothing here: only the practitioner's keys leave.
        event.accept()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._unlocked:
            event.accept()
        else:
            event.ignore()
            self.ask_to_leave()
