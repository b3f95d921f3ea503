"""Pieces the referral and consent dialogs share: today's date in the Netherlands, matching a core
message to its field, sizing a dialog with wrapped text, and calm labels."""

from __future__ import annotations

from datetime import date

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QDialog, QLabel, QWidget

from broadtalk.i18n import _, dutch_today


def local_today() -> date:
    """Today in the Netherlands (just after midnight it is still yesterday in UTC)."""
    return dutch_today()


def field_of(message: str, fields: dict[str, tuple[str, ...]]) -> str | None:
    """Which field a core message is about (None: it is about the whole form)."""
    for name, msgids in fields.items():
        for msgid in msgids:
            start = _(msgid).split("{", 1)[0]  # a message with {fields} is matched on its fixed start
            if start and message.startswith(start):
                return name
    return None


def settle_size(dialog: QDialog, width: int, min_height: int) -> None:
    """Size a dialog with word-wrapped text to what it needs at ``width``.

    The minimum Qt derives itself assumes the narrowest layout, where every wrapped line is at
    its tallest: too tall a dialog, or one squeezed at a width it never has. An explicit minimum
    and the layout's height for the real width avoid both."""
    dialog.setMinimumSize(width, min_height)
    layout = dialog.layout()
    height = layout.heightForWidth(width) if layout.hasHeightForWidth() else layout.sizeHint().height()
    dialog.resize(width, max(height, min_height))


def bold_label(label: QLabel, scale: float = 1.0) -> QLabel:
    font = label.font()
    font.setBold(True)
    if scale != 1.0:
        font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    return label


def quiet_label(text: str = "") -> QLabel:
    """A helping sentence: word-wrapped, in the palette's calm placeholder colour."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def buddy_label(text: str, widget: QWidget) -> QLabel:
    from broadtalk.ui.welcome import without_mnemonic  # the welcome's module: not needed at start-up

    label = QLabel(text)
    label.setBuddy(widget)
    widget.setAccessibleName(without_mnemonic(text))
    return label


def date_problem(text: str) -> str:
    if not text.strip():
        return _("Type a date as dd-mm-yyyy, e.g. 15-01-2026.")
    return _("'{value}' is not a date; type it as dd-mm-yyyy, e.g. 15-01-2026.").format(value=text.strip())
