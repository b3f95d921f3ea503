"""The note for the GP's record: tick the parts, read the plain text, copy it or print it.

The parts come from the core (``gp_note.compose``), grouped by S, O, E and P; the suggested ICPC
codes sit under the domain they are suggested for and start unticked. The preview beside them
is exactly the text that is copied or printed (``gp_note.as_text``). Copying and printing are
written to the audit trail first, in the same transaction.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import suppress

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication, QTextDocument
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from broadtalk import gp_note
from broadtalk.errors import BroadtalkError
from broadtalk.files import PRIVATE_FILE
from broadtalk.gp_note import GpNote
from broadtalk.i18n import N_, _
from broadtalk.practitioners import Actor
from broadtalk.store.database import Database
from broadtalk.ui import file_dialogs
from broadtalk.ui.common import run_use_case, show_refusal
from broadtalk.ui.dialog_parts import buddy_label, quiet_label

SECTION_TITLES = {
    "S": N_("S – Subjective: what the client says"),
    "O": N_("O – Objective: scores"),
    "E": N_("E – Evaluation: domains and ICPC codes"),
    "P": N_("P – Plan: goals, actions, referrals, follow-up"),
}
KEY_ROLE = Qt.ItemDataRole.UserRole


class GpNoteDialog(QDialog):
    """The parts of the note with a tick box each, the plain text beside them, copy and print."""

    def __init__(self, db: Database, actor: Actor, note: GpNote, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self.note = note
        self.items: dict[str, QTreeWidgetItem] = {}
        self.setWindowTitle(_("Note for the GP's record"))
        self.setSizeGripEnabled(True)

        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setColumnCount(1)
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        tree_label = buddy_label(_("&Parts of the note"), self.tree)
        self._fill_tree()
        self.tree.itemChanged.connect(self._item_changed)

        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        # Wrapped on screen so that nothing hides behind a scrollbar; copied, the lines stay whole.
        self.preview.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.preview.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.preview.setTabChangesFocus(True)
        preview_label = buddy_label(_("Te&xt for the journal"), self.preview)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(tree_label)
        left_layout.addWidget(
            quiet_label(_("Untick what should not go into the GP's record. No ICPC code is ticked beforehand."))
        )
        left_layout.addWidget(self.tree, 1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(preview_label)
        right_layout.addWidget(self.preview, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)

        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.copy_button = QPushButton(_("&Copy to clipboard"))
        self.print_button = QPushButton(_("P&rint…"))
        self.close_button = QPushButton(_("C&lose"))
        self.copy_button.clicked.connect(self.copy_to_clipboard)
        self.print_button.clicked.connect(self.print_note)
        self.close_button.clicked.connect(self.reject)
        for button in (self.copy_button, self.print_button, self.close_button):
            button.setAutoDefault(False)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.copy_button)
        bottom.addWidget(self.print_button)
        bottom.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(8)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status_label)
        # On its own line: beside the buttons it is squeezed into a column of single words at 200%.
        layout.addWidget(quiet_label(_("Copying or printing the note is recorded in the audit trail.")))
        layout.addLayout(bottom)
        self.setTabOrder(self.tree, self.preview)
        self.setTabOrder(self.preview, self.copy_button)
        self.setTabOrder(self.copy_button, self.print_button)
        self.setTabOrder(self.print_button, self.close_button)
        self.update_preview()
        width = self.preview.fontMetrics().horizontalAdvance("M" * (gp_note.WIDTH + 4))
        fit_to_screen(self, max(1000, width * 2 + 60), 720)
        self.tree.setFocus()
        first = self.tree.topLevelItem(0)
        if first is not None and first.childCount():
            self.tree.setCurrentItem(first.child(0))

    # -- the parts ---------------------------------------------------------------------------------

    def _fill_tree(self) -> None:
        self.tree.blockSignals(True)
        for section in gp_note.SECTIONS:
            lines = self.note.in_section(section)
            if not lines:
                continue
            head = QTreeWidgetItem([_(SECTION_TITLES[section])])
            head.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = head.font(0)
            font.setBold(True)
            head.setFont(0, font)
            self.tree.addTopLevelItem(head)
            for line in lines:
                holder = self.items.get(line.parent or "", head)
                item = QTreeWidgetItem(holder, [line.text])
                item.setData(0, KEY_ROLE, line.key)
                item.setToolTip(0, line.text)
                item.setFlags(
                    Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable
                )
                item.setCheckState(0, Qt.CheckState.Checked if line.ticked else Qt.CheckState.Unchecked)
                self.items[line.key] = item
        self.tree.expandAll()
        self._enable_children()
        self.tree.blockSignals(False)

    def ticked(self) -> frozenset[str]:
        return frozenset(key for key, item in self.items.items() if item.checkState(0) == Qt.CheckState.Checked)

    def set_ticked(self, key: str, ticked: bool) -> None:
        self.items[key].setCheckState(0, Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)

    def _enable_children(self) -> None:
        """An ICPC code can be chosen only while its domain is in the note."""
        for line in self.note.lines:
            if line.parent is None:
                continue
            parent_on = self.items[line.parent].checkState(0) == Qt.CheckState.Checked
            item = self.items[line.key]
            flags = item.flags()
            if parent_on:
                flags |= Qt.ItemFlag.ItemIsEnabled
            else:
                flags &= ~Qt.ItemFlag.ItemIsEnabled
            item.setFlags(flags)

    def _item_changed(self, _item: QTreeWidgetItem, _column: int) -> None:
        self.tree.blockSignals(True)
        self._enable_children()
        self.tree.blockSignals(False)
        self.update_preview()

    # -- the text ----------------------------------------------------------------------------------

    def text(self) -> str:
        return gp_note.as_text(self.note, self.ticked())

    def update_preview(self) -> None:
        self.preview.setPlainText(self.text())
        empty = not self.text().strip()
        self.copy_button.setEnabled(not empty)
        self.print_button.setEnabled(not empty)

    def _changed_meanwhile(self, tx) -> GpNote | None:
        """The note as the conversation is now, when it differs from the one shown (another
        window or process amended the conversation since): None when it is the same."""
        fresh = gp_note.compose(tx, self._actor, self.note.conversation_id)
        return None if fresh.lines == self.note.lines else fresh

    def show_anew(self, note: GpNote) -> None:
        """Show a changed note; a part that was there before keeps its tick, a new part starts
        as the note proposes it."""
        ticked, known = self.ticked(), set(self.items)
        self.tree.blockSignals(True)
        self.tree.clear()
        self.items = {}
        self.note = note
        self._fill_tree()
        for key, item in self.items.items():
            if key in known:
                item.setCheckState(0, Qt.CheckState.Checked if key in ticked else Qt.CheckState.Unchecked)
        self._enable_children()
        self.tree.blockSignals(False)
        self.update_preview()
        self.status_label.setText(
            _(
                "The conversation was changed meanwhile, so the note is shown anew. "
                "Check it, then copy or print it again."
            )
        )

    def copy_to_clipboard(self) -> None:
        self._hand_over(
            lambda: QGuiApplication.clipboard().setText(self.text()),
            printed=False,
            done=_("Copied; paste it into the GP's record (Ctrl+V)."),
        )

    def print_note(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        # A file name of the practice's words, never the client's name (print to file proposes it).
        if not file_dialogs.ask_printer(printer, self, _("note-for-the-gp.pdf")):
            return

        def print_text() -> None:
            document = QTextDocument()
            document.setDefaultFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
            document.setPlainText(self.text())
            document.print_(printer)
            keep_printed_file_private(printer)

        self._hand_over(print_text, printed=True, done=_("Sent to the printer."))

    def _hand_over(self, hand_over: Callable[[], None], *, printed: bool, done: str) -> None:
        """Copy or print the note as shown, with its audit entry in the same transaction; when
        the conversation changed meanwhile, nothing leaves: the note is shown anew instead."""
        changed = None
        try:
            with self._db.transaction() as tx:
                changed = self._changed_meanwhile(tx)
                if changed is None:
                    gp_note.record_export(tx, self._actor, self.note.conversation_id, printed=printed)
                    hand_over()
        except BroadtalkError as error:
            show_refusal(self, error)
            return
        if changed is not None:
            self.show_anew(changed)
            return
        self.status_label.setText(done)


def keep_printed_file_private(printer: QPrinter) -> None:
    """A note or summary printed to a PDF file is the owner's alone (as every file broadtalk
    writes), whatever the umask of whoever started the program."""
    name = printer.outputFileName()
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and name:
        with suppress(OSError):
            os.chmod(name, PRIVATE_FILE)


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Resize to the wished size, but never beyond the screen (a laptop at 200% is 960 wide)."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        available = screen.availableGeometry()
        width = min(width, available.width() - 40)
        height = min(height, available.height() - 60)
    window.resize(width, height)


def open_gp_note(parent: QWidget | None, db: Database, actor: Actor, conversation_id: int) -> GpNoteDialog | None:
    """Show the note for the GP's record of a completed conversation (None: refused, and said why)."""
    note = run_use_case(
        parent,
        db,
        lambda tx: gp_note.compose(tx, actor, conversation_id),
        _("No note for the GP's record"),
    )
    if note is None:
        return None
    dialog = GpNoteDialog(db, actor, note, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
