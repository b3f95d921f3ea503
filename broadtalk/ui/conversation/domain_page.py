"""One life domain: the open prompts, the score, the client's own words, the flag, the items, notes."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from broadtalk.conversations import AssessmentView, ConversationSnapshot
from broadtalk.forms.schema import ConversationModel, Domain
from broadtalk.i18n import _, format_date, pick
from broadtalk.ui.common import ErrorLabel
from broadtalk.ui.conversation.item_editors import ItemForm, TextBox
from broadtalk.ui.conversation.score_input import ScoreInput


def heading(text: str, scale: float = 1.5) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    label.setWordWrap(True)
    return label


class DomainPage(QScrollArea):
    """Edits report through signals; the conversation page saves them."""

    score_changed = Signal(str, object)
    own_words_changed = Signal(str, str)
    notes_changed = Signal(str, str)
    important_changed = Signal(str, bool)
    previous_requested = Signal()
    next_requested = Signal()

    def __init__(self, model: ConversationModel, domain: Domain, parent: QWidget | None = None):
        super().__init__(parent)
        self.domain = domain
        self._loading = False
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(10)

        title_row = QHBoxLayout()
        colour_bar = QFrame()
        colour_bar.setFixedWidth(8)
        colour_bar.setStyleSheet(f"background: {domain.colour}; border-radius: 2px;")
        title_row.addWidget(colour_bar)
        title_row.addWidget(heading(pick(domain.title)), 1)
        layout.addLayout(title_row)
        description = QLabel(pick(domain.description))
        description.setWordWrap(True)
        layout.addWidget(description)

        if domain.prompts:
            prompts = QLabel("\n".join(_("• {prompt}").format(prompt=pick(prompt)) for prompt in domain.prompts))
            prompts.setWordWrap(True)
            prompts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            prompts.setAccessibleName(_("Questions to open the conversation"))
            font = prompts.font()
            font.setItalic(True)
            prompts.setFont(font)
            layout.addWidget(heading(_("To open the conversation"), 1.1))
            layout.addWidget(prompts)

        self.score: ScoreInput | None = None
        self._model = model
        scale = model.scale_of(domain)
        if scale is not None:
            who = _("scored by the client") if model.scored_by == "client" else _("scored by the professional")
            score_label = heading(_("Score ({who})").format(who=who), 1.1)
            self.score = ScoreInput(scale)
            score_label.setBuddy(self.score)
            self.score.valueChanged.connect(lambda value: self._emit(self.score_changed, value))
            layout.addWidget(score_label)
            layout.addWidget(self.score)

        # The previous conversation with this model, discreetly: what was said here last time.
        self.previous = QLabel()
        self.previous.setObjectName("previousTime")
        self.previous.setWordWrap(True)
        self.previous.setTextFormat(Qt.TextFormat.RichText)
        self.previous.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.previous.setStyleSheet(
            "#previousTime { color: palette(placeholder-text); border-left: 3px solid palette(mid);"
            " padding: 2px 0 2px 8px; }"
        )
        small = self.previous.font()
        small.setPointSizeF(small.pointSizeF() * 0.92)
        self.previous.setFont(small)
        self.previous.hide()
        layout.addWidget(self.previous)

        self.important = QCheckBox(_("&Important to me: I want to work on this"))
        self.important.toggled.connect(lambda checked: self._emit(self.important_changed, checked))
        layout.addWidget(self.important)

        self.own_words_label = own_words_label = heading(_("In the client's own &words"), 1.1)
        self.own_words = TextBox()
        self.own_words.setPlaceholderText(_("What the client says, as they say it"))
        self.own_words.setAccessibleName(_("In the client's own words"))
        own_words_label.setBuddy(self.own_words)
        self.own_words.textChanged.connect(lambda: self._emit(self.own_words_changed, self.own_words.toPlainText()))
        self.own_words_error = ErrorLabel()
        layout.addWidget(own_words_label)
        layout.addWidget(self.own_words)
        layout.addWidget(self.own_words_error)

        self.items = ItemForm(model, list(domain.items))
        if domain.items:
            layout.addWidget(self.items)

        self.notes_label = notes_label = heading(_("&Notes (for the professional)"), 1.1)
        self.notes = TextBox()
        self.notes.setAccessibleName(_("Notes (for the professional)"))
        notes_label.setBuddy(self.notes)
        self.notes.textChanged.connect(lambda: self._emit(self.notes_changed, self.notes.toPlainText()))
        self.notes_error = ErrorLabel()
        layout.addWidget(notes_label)
        layout.addWidget(self.notes)
        layout.addWidget(self.notes_error)

        buttons = QHBoxLayout()
        self.previous_button = QPushButton(_("← &Previous"))
        self.next_button = QPushButton(_("&Next →"))
        self.previous_button.clicked.connect(self.previous_requested)
        self.next_button.clicked.connect(self.next_requested)
        buttons.addWidget(self.previous_button)
        buttons.addStretch(1)
        buttons.addWidget(self.next_button)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.setWidget(body)
        # A field reached by its mnemonic (Alt+W: the own words) or by Tab below the fold scrolls into view.
        QApplication.instance().focusChanged.connect(self._show_focused)

    def _show_focused(self, _old: QWidget | None, new: QWidget | None) -> None:
        """The whole field, with a margin for its heading above it where there is room. (Qt's own
        ensureWidgetVisible looks only at a text field's cursor: a box with one line showing passed.)"""
        body = self.widget()
        if new is None or body is None or not body.isAncestorOf(new):
            return
        margin = 40
        top = new.mapTo(body, QPoint(0, 0)).y()
        bottom = top + new.height()
        bar = self.verticalScrollBar()
        height = self.viewport().height()
        if top - margin < bar.value() or bottom - top + 2 * margin > height:
            bar.setValue(top - margin)
        elif bottom + margin > bar.value() + height:
            bar.setValue(bottom + margin - height)

    def _emit(self, signal: Signal, value: object) -> None:
        if not self._loading:
            signal.emit(self.domain.id, value)

    def load(self, assessment: AssessmentView | None) -> None:
        self._loading = True
        try:
            assessment = assessment or AssessmentView(self.domain.id)
            if self.score is not None:
                self.score.setValue(assessment.score)
            self.important.setChecked(assessment.important)
            self.own_words.setPlainText(assessment.own_words)
            self.notes.setPlainText(assessment.notes)
        finally:
            self._loading = False

    def show_previous(self, previous: ConversationSnapshot | None) -> None:
        """'Previous time (3 Mar 2026): 6 · Fine. "My grandchildren". Goals: ...' under the score;
        nothing when there was no earlier conversation with this model."""
        if previous is None:
            self.previous.hide()
            return
        assessment = previous.assessments.get(self.domain.id)
        goals = [g.description for g in previous.goals if g.domain_id == self.domain.id]
        parts: list[str] = []
        if assessment is not None and assessment.score is not None:
            scale = self._model.scale_of(self.domain)
            anchor = scale.anchor(assessment.score) if scale is not None else None
            parts.append(
                _("score {score} ({label})").format(score=assessment.score, label=pick(anchor.label))
                if anchor is not None
                else _("score {score}").format(score=assessment.score)
            )
        if assessment is not None and assessment.important:
            parts.append(_("★ important to the client"))
        lines = [
            "<b>{title}</b>{rest}".format(
                title=escape(_("Previous time ({date})").format(date=format_date(previous.summary.started_at))),
                rest=escape(": " + ", ".join(parts)) if parts else "",
            )
        ]
        if assessment is not None and assessment.own_words:
            lines.append("<i>{words}</i>".format(words=escape(_("“{words}”").format(words=assessment.own_words))))
        if goals:
            lines.append(escape(_("Goals: {goals}").format(goals="; ".join(goals))))
        if len(lines) == 1 and not parts:
            lines[0] += escape(": " + _("not discussed"))
        self.previous.setText("<br>".join(line.replace("\n", "<br>") for line in lines))
        plain = ". ".join(
            [_("Previous time ({date})").format(date=format_date(previous.summary.started_at)), *parts]
            + ([assessment.own_words] if assessment is not None and assessment.own_words else [])
            + ([_("Goals: {goals}").format(goals="; ".join(goals))] if goals else [])
        )
        self.previous.setAccessibleName(plain)
        self.previous.setToolTip(_("What was recorded for this domain in the previous conversation with this model."))
        self.previous.show()

    def set_read_only(self, read_only: bool) -> None:
        if self.score is not None:
            self.score.setEnabled(not read_only)
        self.important.setEnabled(not read_only)
        self.own_words.setReadOnly(read_only)
        self.notes.setReadOnly(read_only)
        self.items.set_read_only(read_only)

    def focus_first_field(self) -> None:
        target = self.score if self.score is not None and self.score.isEnabled() else self.own_words
        target.setFocus(Qt.FocusReason.OtherFocusReason)
