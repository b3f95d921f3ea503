"""The overview: every domain at a glance (the client chooses where to start) and the spider chart."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from broadtalk.conversations import ConversationSnapshot
from broadtalk.forms.schema import ConversationModel
from broadtalk.i18n import _, format_short_date, pick
from broadtalk.ui.conversation.domain_page import heading
from broadtalk.ui.spider_chart import ChartPanel, chart_data_for


def domain_caption(model: ConversationModel, domain_id: str, snapshot: ConversationSnapshot) -> str:
    """'Lichaam · 7 · ★ · priority 1' : the title with the score, the flag and the client's rank,
    as far as they are given."""
    domain = model.domain(domain_id)
    assert domain is not None
    assessment = snapshot.assessments.get(domain_id)
    title = pick(domain.title)
    if assessment is None:
        return title
    parts = {"title": title, "score": "", "flag": "", "rank": ""}
    if assessment.score is not None:
        parts["score"] = _(" · {score}").format(score=assessment.score)
    if assessment.important:
        parts["flag"] = " · ★"
    if assessment.priority_rank is not None:
        parts["rank"] = _(" · priority {rank}").format(rank=assessment.priority_rank)
    return "{title}{score}{flag}{rank}".format(**parts)


class OverviewPage(QScrollArea):
    domain_requested = Signal(str)

    def __init__(self, model: ConversationModel, parent: QWidget | None = None):
        super().__init__(parent)
        self._model = model
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.addWidget(heading(model.display_title()))
        intro = QLabel(
            _(
                "The client leads: start with the domain they want to talk about, skip what does not matter now. "
                "★ marks what is important to them."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        grid = QGridLayout()
        self.domain_buttons: dict[str, QPushButton] = {}
        columns = 3 if len(model.domains) > 6 else 2
        for index, domain in enumerate(model.domains):
            button = QPushButton(pick(domain.title))
            button.setMinimumHeight(40)
            button.setStyleSheet(
                f"QPushButton {{ border-left: 6px solid {domain.colour}; text-align: left; padding: 6px; }}"
            )
            button.setToolTip(pick(domain.description))
            button.clicked.connect(lambda _checked=False, d=domain.id: self.domain_requested.emit(d))
            self.domain_buttons[domain.id] = button
            grid.addWidget(button, index // columns, index % columns)
        layout.addLayout(grid)
        self.chart = ChartPanel()
        self.chart.setMinimumHeight(360)
        self.chart.setMaximumHeight(470)  # the whole web fits on a laptop screen without scrolling
        layout.addWidget(self.chart, 1)
        self.setWidget(body)

    def focus_first_field(self) -> None:
        """The first domain's button: Tab walks the others, Space opens one."""
        first = next(iter(self.domain_buttons.values()), None)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    def load(self, snapshot: ConversationSnapshot, previous: ConversationSnapshot | None) -> None:
        for domain_id, button in self.domain_buttons.items():
            caption = domain_caption(self._model, domain_id, snapshot)
            button.setText(caption)
            button.setAccessibleName(caption)
        self.chart.set_data(
            chart_data_for(
                self._model,
                snapshot.scores(),
                previous.scores() if previous else None,
                current_label=_("Now ({date})").format(date=format_short_date(snapshot.summary.started_at)),
                previous_label=_("Previous time ({date})").format(date=format_short_date(previous.summary.started_at))
                if previous
                else "",
            )
        )
