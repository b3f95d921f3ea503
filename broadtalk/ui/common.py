"""Small helpers every screen uses: run a use case and show its refusal, inline error labels."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QAbstractItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QWidget,
)
from sqlmodel import Session

from broadtalk.errors import BroadtalkError
from broadtalk.i18n import _
from broadtalk.store.database import Database
from broadtalk.ui.fitting_table import FittingTableView

T = TypeVar("T")


def show_refusal(parent: QWidget | None, error: BroadtalkError, title: str | None = None) -> None:
    """A use case said no: show its message (it says what to do); nothing was changed."""
    QMessageBox.warning(parent, title or _("This did not work"), error.message)


def run_use_case(
    parent: QWidget | None, db: Database, action: Callable[[Session], T], title: str | None = None
) -> T | None:
    """Run one use case in one transaction; on a refusal show the message and return None."""
    try:
        with db.transaction() as tx:
            return action(tx)
    except BroadtalkError as error:
        show_refusal(parent, error, title)
        return None


def read_only_table(
    model: QAbstractItemModel, accessible_name: str, *, stretch_column: int | None = None, wrap: bool = False
) -> QTableView:
    """A keyboard-friendly, read-only list of rows: one row selected at a time, Tab leaves the
    table (the screen stays reachable by keyboard), columns as wide as their texts except
    ``stretch_column``, which takes the rest. Each size is measured once per content (not at every
    pass of the layout): see ``FittingTableView``."""
    table = FittingTableView()
    table.setModel(model)
    table.setAccessibleName(accessible_name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setTabKeyNavigation(False)
    table.setWordWrap(wrap)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    if stretch_column is not None:
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(stretch_column, QHeaderView.ResizeMode.Stretch)
    return table


class ErrorLabel(QLabel):
    """An inline message under a field: red, word-wrapped, hidden while empty."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setObjectName("fieldError")
        self.setStyleSheet("#fieldError { color: #FFFFFF; background: #B3261E; padding: 2px 6px; }")
        self.hide()

    def show_message(self, message: str) -> None:
        self.setText(message)
        self.setAccessibleName(message)
        self.setVisible(bool(message))


def save_cancel_buttons(
    on_save: Callable[[], None], on_cancel: Callable[[], None]
) -> tuple[QDialogButtonBox, QPushButton, QPushButton]:
    """The Save / Cancel row of an editing dialog; Enter saves, Cancel never takes Enter."""
    save = QPushButton(_("&Save"))
    cancel = QPushButton(_("Cancel"))
    cancel.setAutoDefault(False)
    buttons = QDialogButtonBox()
    buttons.addButton(save, QDialogButtonBox.ButtonRole.AcceptRole)
    buttons.addButton(cancel, QDialogButtonBox.ButtonRole.RejectRole)
    buttons.accepted.connect(on_save)
    buttons.rejected.connect(on_cancel)
    return buttons, save, cancel
