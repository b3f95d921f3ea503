"""Where save, open and print dialogs start (the documents folder, then the folder last used),
what they propose, and that they speak the interface language under Qt's own translator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QAbstractButton, QApplication, QFileDialog, QGroupBox, QLabel, QLineEdit, QWidget

from broadtalk.i18n import _
from broadtalk.ui import file_dialogs
from broadtalk.ui.app import install_qt_translator

#: Words of Qt's file and print dialogs its Dutch catalog leaves in English.
ENGLISH = {
    "&Look in:",
    "Files of &type:",
    "Double Sided Printing",
    "Off",
    "Long side binding",
    "Short side binding",
    "Page &Set:",
}


@pytest.fixture
def documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder of our own with a documents folder in it (what QStandardPaths finds)."""
    home = tmp_path / "home"
    folder = home / "Documents"
    folder.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    return folder


@pytest.fixture
def dutch_qt(qapp) -> Iterator[None]:
    """Qt's own Dutch catalog, as the app installs it."""
    translator = install_qt_translator(qapp)
    assert translator is not None
    yield
    qapp.removeTranslator(translator)


def when_open(kind: type, act: Callable[[QWidget], None], errors: list[BaseException]) -> None:
    """Act on the modal dialog of ``kind`` once ``exec()`` shows it; a failing check closes it."""

    def attempt(tries: int = 0) -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind):
            try:
                act(dialog)
            except BaseException as error:  # re-raised by the test
                errors.append(error)
                dialog.reject()
        elif tries < 250:
            QTimer.singleShot(20, lambda: attempt(tries + 1))
        else:
            errors.append(AssertionError(f"{kind.__name__} never opened"))

    QTimer.singleShot(0, attempt)


def texts(dialog: QWidget) -> set[str]:
    """Every label, button and group title, also those behind "Options >>"."""
    shown = {w.text() for w in dialog.findChildren(QAbstractButton)}
    shown |= {w.text() for w in dialog.findChildren(QLabel)}
    shown |= {w.title() for w in dialog.findChildren(QGroupBox)}
    return shown


def test_a_save_dialog_starts_in_documents_proposes_the_name_and_remembers_the_folder(
    qtbot, documents, dutch_qt, tmp_path
):
    errors: list[BaseException] = []
    elsewhere = tmp_path / "usb"
    elsewhere.mkdir()
    seen: dict[str, object] = {}

    def look_and_save(dialog: QFileDialog) -> None:
        seen["folder"] = Path(dialog.directory().absolutePath())
        seen["proposed"] = dialog.selectedFiles()
        seen["texts"] = texts(dialog)
        dialog.findChild(QLineEdit, "fileNameEdit").setText(str(elsewhere / "overdracht"))
        dialog.accept()

    when_open(QFileDialog, look_and_save, errors)
    chosen = file_dialogs.ask_save_path(
        None, file_dialogs.HANDOVER, "Opslaan", "overdracht-V-ABC234.pdf", "PDF (*.pdf)", suffix=".pdf"
    )
    assert not errors, errors
    assert seen["folder"] == documents
    assert seen["proposed"] == [str(documents / "overdracht-V-ABC234.pdf")]
    # Qt's own words come from its Dutch catalog, the ones it lacks from ours.
    shown = seen["texts"]
    assert QCoreApplication.translate("QFileDialog", "&Save") in shown != "&Save"
    assert _("Look &in:") in shown and _("File &type:") in shown
    assert not shown & ENGLISH
    assert chosen == elsewhere / "overdracht.pdf"  # typed without .pdf

    # The next dialog of the same kind starts where the last one ended; another kind does not.
    assert file_dialogs.start_folder(file_dialogs.HANDOVER) == elsewhere
    assert file_dialogs.start_folder(file_dialogs.BACKUP) == documents
    assert file_dialogs.start_folder(file_dialogs.BACKUP, fallback=tmp_path) == tmp_path
    elsewhere.rmdir()  # a folder that is gone is forgotten
    assert file_dialogs.start_folder(file_dialogs.HANDOVER) == documents


def test_without_a_documents_folder_the_dialogs_start_at_home(documents):
    documents.rmdir()
    assert file_dialogs.documents_folder() == documents.parent


def test_an_open_dialog_starts_in_documents_and_cancelling_chooses_nothing(qtbot, documents):
    errors: list[BaseException] = []
    seen: list[Path] = []

    def look_and_cancel(dialog: QFileDialog) -> None:
        seen.append(Path(dialog.directory().absolutePath()))
        dialog.reject()

    when_open(QFileDialog, look_and_cancel, errors)
    assert file_dialogs.ask_open_path(None, file_dialogs.SOCIAL_MAP_IMPORT, "Open", "CSV (*.csv)") is None
    assert not errors, errors
    assert seen == [documents]
    assert file_dialogs.start_folder(file_dialogs.SOCIAL_MAP_IMPORT) == documents


def test_the_print_dialog_prints_to_a_file_in_documents_and_speaks_dutch(qtbot, documents, dutch_qt):
    printer = QPrinter()
    dialog = file_dialogs.print_dialog(printer, None, "overdracht-V-ABC234.pdf")
    qtbot.addWidget(dialog)
    assert dialog.findChild(QLineEdit, "filename").text() == str(documents / "overdracht-V-ABC234.pdf")
    assert printer.docName() == "overdracht-V-ABC234.pdf"
    shown = texts(dialog)
    assert not shown & ENGLISH
    assert _("Double-sided printing") in shown and _("Bind on the long side") in shown
    assert QCoreApplication.translate("QPrintDialog", "Print") == dialog.windowTitle() != "Print"


def test_printing_to_a_file_remembers_its_folder(qtbot, documents, tmp_path, monkeypatch):
    target = tmp_path / "brieven" / "overdracht.pdf"
    target.parent.mkdir()

    def print_to_file(dialog: QPrintDialog) -> int:
        dialog.printer().setOutputFileName(str(target))
        return 1

    monkeypatch.setattr(QPrintDialog, "exec", print_to_file)
    assert file_dialogs.ask_printer(QPrinter(), None, "overdracht-V-ABC234.pdf")
    assert file_dialogs.start_folder(file_dialogs.PRINT) == target.parent
    again = file_dialogs.print_dialog(QPrinter(), None, "kopie-V-ABC234.pdf")
    qtbot.addWidget(again)
    assert again.findChild(QLineEdit, "filename").text() == str(target.parent / "kopie-V-ABC234.pdf")
