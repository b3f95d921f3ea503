"""The client view: a calm full-screen page in large type and simple words, to turn the laptop
towards the client. It shows the chart and what the client said matters, nothing else (no notes,
no other clients, no menus), and stays in front until the practitioner leaves it with their key.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from broadtalk.conversations import ConversationSnapshot
from broadtalk.forms.schema import ConversationModel
from broadtalk.i18n import _, format_short_date, pick
from broadtalk.ui.spider_chart import SpiderChart, chart_data_for

#: The practitioner's key to leave the client view; a client does not press this by accident.
LEAVE_SHORTCUT = "Ctrl+Alt+B"
FONT_SCALE = 1.8


class ClientView(QWidget):
    left = Signal()

    def __init__(
        self,
        model: ConversationModel,
        snapshot: ConversationSnapshot,
        previous: ConversationSnapshot | None,
        client_given_name: str,
        parent: QWidget | None = None,
    ):
        super().__init__(parent, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint)
        self._unlocked = False
        self.setWindowTitle("broadtalk")  # no client name in a title: task bars and screen sharing show it
        self.setAccessibleName(_("Client view"))
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * FONT_SCALE)
        self.setFont(font)
        self.setStyleSheet("QLabel { line-height: 140%; }")

        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 32, 48, 24)
        title = QLabel(_("What we talked about, {name}").format(name=client_given_name))
        title_font = self.font()
        title_font.setPointSizeF(title_font.pointSizeF() * 1.3)
        title_font.setBold(True)
        title.setFont(title_font)
        title.setWordWrap(True)
        outer.addWidget(title)

        row = QHBoxLayout()
        row.setSpacing(32)
        self.chart: SpiderChart | None = None
        data = chart_data_for(
            model,
            snapshot.scores(),
            previous.scores() if previous else None,
            current_label=_("Today"),
            previous_label=_("Last time ({date})").format(date=format_short_date(previous.summary.started_at))
            if previous
            else "",
        )
        if data is not None:
            self.chart = SpiderChart()
            chart_font = self.font()
            chart_font.setPointSizeF(chart_font.pointSizeF() / FONT_SCALE * 1.25)  # labels must leave room for the web
            self.chart.setFont(chart_font)
            self.chart.set_data(data)
            self.chart.setMinimumSize(420, 420)
            row.addWidget(self.chart, 3)

        words = QVBoxLayout()
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
                    _("{domain}: “{words}”").format(domain=pick(domain.title), words=assessment.own_words)
                    if assessment.own_words
                    else pick(domain.title)
                )
                words.addWidget(self._text(line))
        if snapshot.goals:
            words.addWidget(self._section(_("What we agreed")))
            for goal in snapshot.goals:
                words.addWidget(self._text(_("• {goal}").format(goal=goal.description)))
        words.addStretch(1)
        holder = QWidget()
        holder.setLayout(words)
        scroll = QScrollArea()
        scroll.setWidget(holder)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        row.addWidget(scroll, 2)
        outer.addLayout(row, 1)

        footer = QLabel(_("This screen is locked for you. Your practitioner closes it."))
        footer_font = self.font()
        footer_font.setPointSizeF(footer_font.pointSizeF() / FONT_SCALE)
        footer.setFont(footer_font)
        footer.setAlignment(Qt.AlignmentFlag.AlignRight)
        outer.addWidget(footer)

        QShortcut(QKeySequence(LEAVE_SHORTCUT), self, activated=self.leave, context=Qt.ShortcutContext.WindowShortcut)

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

    def leave(self) -> None:
        """The practitioner's key: unlock and close."""
        self._unlocked = True
        self.close()
        self.left.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Escape and other keys do nothing here: only the practitioner's key leaves.
        event.accept()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._unlocked:
            event.accept()
        else:
            event.ignore()
