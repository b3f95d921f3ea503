"""After a care provider signs in: who was given access to conversations since she was last told.

The core decides what to tell (``broadtalk.access_notices``): new care-role accounts, PINs set
by someone else, role changes into a care role, and later sign-ins with an account whose PIN
someone else chose. This screen only shows it, one sentence a line, with what to do when a line
is unexpected, and records that it was shown (so the next sign-in tells only what is newer).
Practice managers and administrators never get it: they see the audit trail itself.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QLabel,
    QMessageBox,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from broadtalk.access_notices import AccessNotice, access_grants_since, acknowledge, notice_lines, sees_access_notices
from broadtalk.errors import BroadtalkError
from broadtalk.i18n import _, ngettext
from broadtalk.practitioners import Actor
from broadtalk.store.database import Database
from broadtalk.ui.dialog_parts import bold_label, quiet_label

log = logging.getLogger(__name__)


class AccessNoticeDialog(QDialog):
    """The notice: a heading, one line per grant, the advice, and OK."""

    def __init__(self, notice: AccessNotice, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Access to conversations"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(12)
        self.heading = bold_label(
            QLabel(
                ngettext(
                    "Since your previous notice, someone was given access to conversations",
                    "Since your previous notice, colleagues were given access to conversations",
                    notice.count,
                )
            ),
            1.15,
        )
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.intro = QLabel(
            _(
                "broadtalk tells every practice nurse and social worker when an account is made or changed so "
                "that it can read clients' conversations, and how often it was used to sign in."
            )
        )
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)

        self.lines: list[QLabel] = []
        holder = QWidget()
        rows = QVBoxLayout(holder)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(8)
        for sentence in notice_lines(notice):
            line = QLabel("•  " + sentence)
            line.setWordWrap(True)
            line.setTextFormat(Qt.TextFormat.PlainText)  # names are typed by people: never markup
            line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            line.setAccessibleName(sentence)
            rows.addWidget(line)
            self.lines.append(line)
        rows.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(holder)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumHeight(min(320, 70 * max(1, len(self.lines))))
        layout.addWidget(scroll, 1)

        self.advice = quiet_label(
            _(
                "Is a line unexpected: you do not know the account, or nobody had asked for it? Then speak to your "
                "practice manager or the practice's data protection officer (FG) today. They can see in the audit "
                "trail who signed in with the account, when and at which computer. An account whose PIN someone "
                "else chose is told again whenever it is used, until its holder chooses their own PIN or password."
            )
        )
        layout.addWidget(self.advice)
        # Qt's own OK, in the language of Qt's translator (app.py installs the Dutch one).
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.ok_button.setFocus(Qt.FocusReason.OtherFocusReason)


def show_access_notices(parent: QWidget | None, db: Database, actor: Actor) -> AccessNotice | None:
    """Call after a successful sign-in. For a care provider: read what she has not been told yet,
    show it when there is something, and record the check. Returns the notice (None for roles that
    are not told, or when the trail could not be read; then nothing is recorded, so the same notice
    comes at the next sign-in)."""
    if not sees_access_notices(actor):
        return None
    try:
        with db.transaction() as tx:
            notice = access_grants_since(tx, actor)
    except BroadtalkError as error:  # e.g. another broadtalk holds the database: told, and tried next time
        log.warning("access notice not read: %s", type(error).__name__)
        QMessageBox.warning(
            parent,
            _("Access to conversations"),
            _("Who was given access to conversations could not be checked now; it is shown at your next sign-in.")
            + " "
            + error.message,
        )
        return None
    if notice:
        dialog = AccessNoticeDialog(notice, parent)
        dialog.exec()  # OK, Escape or closing the window: she has seen it
        dialog.deleteLater()
    try:
        with db.transaction() as tx:
            acknowledge(tx, actor, notice)
    except BroadtalkError as error:
        log.warning("access notice not recorded: %s", type(error).__name__)
    return notice
