"""Choosing where a file goes (or comes from) and printing: one place for every dialog that asks.

Every file dialog starts in the user's documents folder (or the folder last used for the same
kind of file), never in the program's folder, and proposes a Dutch file name without the client's
name (a referral's reference names a document). The dialogs are Qt's own, not the platform's, so
the ``qtbase`` translator ``app.py`` installs puts them in the interface language. The print
dialog's "print to file" starts in the same documents folder, and the few words Qt's catalog
leaves in English are given here.

The last folder per kind is a per-user preference kept beside ``preferences.json`` (owner-only).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QRectF, QSettings, QSize, QStandardPaths
from PySide6.QtGui import QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QAbstractButton, QDialog, QFileDialog, QGroupBox, QLabel, QLineEdit, QPushButton, QWidget

from broadtalk import config
from broadtalk.errors import InputError
from broadtalk.files import PRIVATE_FILE, private_folder
from broadtalk.i18n import _

if TYPE_CHECKING:
    from PySide6.QtPdf import QPdfDocument

#: The kinds of file that remember their own last folder.
HANDOVER = "handover"
CLIENT_SUMMARY = "client-summary"
BACKUP = "backup"
RESTORE = "restore"
SOCIAL_MAP_IMPORT = "social-map-import"
PRINT = "print"
FOLDERS_FILE = "folders.ini"

NON_NATIVE = QFileDialog.Option.DontUseNativeDialog
#: Pages are rasterised for the printer at this resolution at most: sharp on paper, without
#: building an image of hundreds of megabytes per page for a 1200 dpi printer.
PRINT_DPI = 300


def documents_folder() -> Path:
    """The user's documents folder when it exists, else the home folder."""
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if location and Path(location).is_dir():
        return Path(location)
    return Path.home()


def _settings() -> QSettings:
    return QSettings(str(config.config_dir() / FOLDERS_FILE), QSettings.Format.IniFormat)


def start_folder(kind: str, fallback: Path | None = None) -> Path:
    """Where a dialog for ``kind`` starts: the folder last used for it while it exists, else
    ``fallback`` (when it exists), else the documents folder."""
    remembered = _settings().value(f"folders/{kind}", "")
    if isinstance(remembered, str) and remembered and Path(remembered).is_dir():
        return Path(remembered)
    if fallback is not None and Path(fallback).is_dir():
        return Path(fallback)
    return documents_folder()


def remember_folder(kind: str, chosen: Path) -> None:
    """Remember the folder of ``chosen`` (a file) for the next dialog of the same kind."""
    folder = Path(chosen).parent
    if not folder.is_dir():
        return
    private_folder(config.config_dir())
    settings = _settings()
    settings.setValue(f"folders/{kind}", str(folder))
    settings.sync()
    with suppress(OSError):
        os.chmod(settings.fileName(), PRIVATE_FILE)


def file_dialog(
    parent: QWidget | None,
    kind: str,
    caption: str,
    file_filter: str,
    *,
    save: bool,
    file_name: str = "",
    suffix: str = "",
    fallback: Path | None = None,
    confirm_overwrite: bool = True,
) -> QFileDialog:
    """Qt's own file dialog (translated, unlike some platforms' dialogs under Qt) starting in
    the folder for ``kind``; for saving, ``file_name`` is proposed and ``suffix`` added when typed without."""
    dialog = QFileDialog(parent, caption, str(start_folder(kind, fallback)), file_filter)
    dialog.setOption(NON_NATIVE, True)
    dialog.setOption(QFileDialog.Option.DontConfirmOverwrite, not confirm_overwrite)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave if save else QFileDialog.AcceptMode.AcceptOpen)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile if save else QFileDialog.FileMode.ExistingFile)
    if suffix:
        dialog.setDefaultSuffix(suffix.lstrip("."))
    if file_name:
        dialog.selectFile(file_name)
    # Qt's Dutch catalog leaves these two in English.
    dialog.setLabelText(QFileDialog.DialogLabel.LookIn, _("Look &in:"))
    dialog.setLabelText(QFileDialog.DialogLabel.FileType, _("File &type:"))
    return dialog


def _chosen(dialog: QFileDialog) -> Path | None:
    if not dialog.exec():
        return None
    files = dialog.selectedFiles()
    return Path(files[0]) if files and files[0] else None


def ask_save_path(
    parent: QWidget | None,
    kind: str,
    caption: str,
    file_name: str,
    file_filter: str,
    *,
    suffix: str = "",
    fallback: Path | None = None,
    confirm_overwrite: bool = True,
) -> Path | None:
    """Ask where to save ``file_name`` (a proposal; no client's name in it); None when cancelled.

    ``suffix`` (".pdf") is added when the name typed has none; ``fallback`` is the first folder
    when none was used before (else the documents folder); ``confirm_overwrite`` False where
    the core refuses to overwrite anyway (a backup)."""
    dialog = file_dialog(
        parent,
        kind,
        caption,
        file_filter,
        save=True,
        file_name=file_name,
        suffix=suffix,
        fallback=fallback,
        confirm_overwrite=confirm_overwrite,
    )
    path = _chosen(dialog)
    dialog.deleteLater()
    if path is None:
        return None
    if suffix and path.suffix.lower() != suffix.lower():
        path = path.with_name(f"{path.name}{suffix}")
    remember_folder(kind, path)
    return path


def ask_open_path(
    parent: QWidget | None, kind: str, caption: str, file_filter: str, *, fallback: Path | None = None
) -> Path | None:
    """Ask which file to open, starting in the folder last used for ``kind``, else ``fallback``,
    else the documents folder; None when cancelled."""
    dialog = file_dialog(parent, kind, caption, file_filter, save=False, fallback=fallback)
    path = _chosen(dialog)
    dialog.deleteLater()
    if path is not None:
        remember_folder(kind, path)
    return path


#: Words of Qt's print dialog that its Dutch catalog leaves in English, by the widget's object name.
_PRINT_DIALOG_WORDS = {
    "duplex": lambda: _("Double-sided printing"),
    "noDuplex": lambda: _("Single-sided"),
    "duplexLong": lambda: _("Bind on the long side"),
    "duplexShort": lambda: _("Bind on the short side"),
    "pageSetLabel": lambda: _("Page &set:"),
}


def print_dialog(printer: QPrinter, parent: QWidget | None, file_name: str, kind: str = PRINT) -> QPrintDialog:
    """Qt's print dialog for ``printer``, its "print to file" proposing ``file_name`` in the
    documents folder (or the folder last printed to), with every word in the interface language."""
    printer.setDocName(file_name)
    dialog = QPrintDialog(printer, parent)
    output = dialog.findChild(QLineEdit, "filename")
    if output is not None and not printer.outputFileName():
        output.setText(str(start_folder(kind) / file_name))
    for widget in dialog.findChildren(QWidget):
        words = _PRINT_DIALOG_WORDS.get(widget.objectName())
        if words is None:
            continue
        if isinstance(widget, QGroupBox):
            widget.setTitle(words())
        elif isinstance(widget, QAbstractButton | QLabel):
            widget.setText(words())
    return dialog


def ask_printer(printer: QPrinter, parent: QWidget | None, file_name: str, kind: str = PRINT) -> bool:
    """Show the print dialog; True when the user chose to print (to a printer or a file)."""
    dialog = print_dialog(printer, parent, file_name, kind)
    accepted = bool(dialog.exec())
    if accepted and printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and printer.outputFileName():
        remember_folder(kind, Path(printer.outputFileName()))
    return accepted


# -- showing and printing a PDF -------------------------------------------------------------------


def document_buttons(
    dialog: QDialog, save: Callable[[], None], print_: Callable[[], None]
) -> tuple[QPushButton, QPushButton, QPushButton]:
    """Save as PDF…, Print… and Close for a dialog that shows a document. Enter closes it: saving
    or printing (both logged) is never started by an Enter meant for something else."""
    save_button = QPushButton(_("&Save as PDF…"))
    print_button = QPushButton(_("P&rint…"))
    close_button = QPushButton(_("C&lose"))
    save_button.clicked.connect(save)
    print_button.clicked.connect(print_)
    close_button.clicked.connect(dialog.reject)
    for button in (save_button, print_button):
        button.setAutoDefault(False)
    close_button.setDefault(True)
    return save_button, print_button, close_button


def pdf_document(data: bytes, parent: QObject) -> QPdfDocument:
    """A PDF read from bytes; its buffer is a child of ``parent`` and lives as long as it (QtPdf
    reads lazily). QtPdf itself loads only here, when a document is first shown or printed."""
    from PySide6.QtPdf import QPdfDocument

    buffer = QBuffer(parent)
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument(parent)
    document.load(buffer)
    return document


def print_pdf(printer: QPrinter, data: bytes) -> None:
    """Every page of a PDF to the printer, each kept in proportion within the printable area.
    Raises InputError when nothing could be printed, so the caller's transaction logs no print."""
    holder = QObject()  # owns the print copy of the document and its buffer
    try:
        document = pdf_document(data, holder)
        if document.pageCount() == 0:
            raise InputError(_("The document could not be prepared for printing; try again."))
        painter = QPainter()
        if not painter.begin(printer):
            raise InputError(_("The printer could not be started; check the printer and try again."))
        try:
            dpi = min(printer.resolution(), PRINT_DPI)
            for page in range(document.pageCount()):
                if page and not printer.newPage():
                    raise InputError(_("The printer stopped halfway; check the printer and print again."))
                points = document.pagePointSize(page)
                size = QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72))
                image = document.render(page, size)
                area = painter.viewport()
                scale = min(area.width() / size.width(), area.height() / size.height())
                painter.drawImage(QRectF(area.x(), area.y(), size.width() * scale, size.height() * scale), image)
        finally:
            painter.end()
    finally:
        holder.deleteLater()
