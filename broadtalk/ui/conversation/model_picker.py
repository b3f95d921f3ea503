"""Choose the conversation model for a new conversation: the built-in ones and the practice's own."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from broadtalk.forms.library import ModelEntry
from broadtalk.forms.schema import ConversationModel
from broadtalk.i18n import _, ngettext, pick


class ModelPicker(QDialog):
    def __init__(self, entries: list[ModelEntry], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("New conversation"))
        self.setMinimumSize(560, 420)
        self.chosen: ConversationModel | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(_("Which conversation model fits this conversation?"))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.list = QListWidget()
        self.list.setAccessibleName(_("Conversation models"))
        for entry in entries:
            model = entry.model
            origin = _("built-in") if entry.builtin else _("own model of the practice")
            domains = ngettext("{n} domain", "{n} domains", len(model.domains)).format(n=len(model.domains))
            item = QListWidgetItem(
                _("{title}\n{domains} · {origin} · version {version}").format(
                    title=model.display_title(), domains=domains, origin=origin, version=model.version
                )
            )
            item.setData(Qt.ItemDataRole.UserRole, model)
            item.setToolTip(pick(model.description))
            self.list.addItem(item)
        self.list.setStyleSheet("QListWidget::item { padding: 8px; }")
        layout.addWidget(self.list, 1)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setMinimumHeight(80)
        self.description.setAlignment(Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.description)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("&Start conversation"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.list.currentItemChanged.connect(self._show_description)
        self.list.itemActivated.connect(lambda _item: self.accept())
        if self.list.count():
            self.list.setCurrentRow(0)
        self.list.setFocus()

    def _show_description(self, item: QListWidgetItem | None) -> None:
        model = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        self.description.setText(pick(model.description) if model else "")

    def accept(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        self.chosen = item.data(Qt.ItemDataRole.UserRole)
        super().accept()
