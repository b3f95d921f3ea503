"""The GP note and the client's summary on screen, attacked (issue 11): another process changes or
erases the conversation while the dialog is open, and the note is printed to a PDF file.

- Copying or printing a note that another process changed meanwhile (the conversation amended:
  a goal reworded) must not put the old text in the GP's record: the dialog shows the new note,
  says so, and copies nothing until the practitioner has looked.
- A client erased meanwhile: copy, print and save say so clearly; nothing is copied, printed,
  written or logged as done.
- Printed to a PDF file: the file is the owner's alone, whatever the umask, and its metadata
  names no one.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QMessageBox
from sqlmodel import select

from broadtalk.conversations import amend_conversation, complete_conversation, load_conversation, update_goal
from broadtalk.erasure import erase_client
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.store.database import Database
from broadtalk.store.tables import AuditEntry
from broadtalk.ui import file_dialogs
from broadtalk.ui.client_summary_dialog import ClientSummaryDialog, open_client_summary
from broadtalk.ui.gp_note_dialog import GpNoteDialog, open_gp_note
from tests import engines
from tests.conftest import pdf_metadata
from tests.unit.test_gp_note import realistic

STALE_GOAL = "Schulden op een rij."
NEW_GOAL = "Een overzicht van alle rekeningen."


@pytest.fixture(autouse=True)
def messages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    for name in ("warning", "critical", "information"):
        monkeypatch.setattr(
            QMessageBox, name, staticmethod(lambda _parent, _title, text, *args, **kwargs: shown.append(text))
        )
    return shown


@pytest.fixture
def conversation(db, actor) -> int:
    return realistic(db, actor)


@pytest.fixture
def note_dialog(qtbot, db, actor, conversation) -> GpNoteDialog:
    opened = open_gp_note(None, db, actor, conversation)
    assert opened is not None
    qtbot.addWidget(opened)
    qtbot.waitExposed(opened)
    return opened


@pytest.fixture
def summary_dialog(qtbot, db, actor, conversation) -> ClientSummaryDialog:
    opened = open_client_summary(None, db, actor, conversation)
    assert opened is not None
    qtbot.addWidget(opened)
    qtbot.waitExposed(opened)
    qtbot.waitUntil(lambda: opened.document.status() == QPdfDocument.Status.Ready)
    return opened


def second_process(db: Database) -> Database:
    """Another broadtalk on the same database (its own connections)."""
    return engines.reopen(db)


def reword_the_goal(db: Database, actor, conversation: int) -> None:
    other = second_process(db)
    try:
        with other.transaction() as tx:
            amend_conversation(tx, actor, conversation)
            goal = next(g for g in load_conversation(tx, actor, conversation).goals if g.description == STALE_GOAL)
            update_goal(tx, actor, conversation, goal.id, description=NEW_GOAL)
            complete_conversation(tx, actor, conversation)
    finally:
        other.close()


def erase_the_client(db: Database, conversation: int) -> None:
    other = second_process(db)
    try:
        with other.transaction() as tx:
            manager = create_practitioner(tx, "Joyce van Dijk", Role.PRACTICE_MANAGER)
            client_id = load_client_id(tx, conversation)
            erase_client(tx, manager, client_id)
    finally:
        other.close()


def load_client_id(tx, conversation: int) -> int:
    from broadtalk.store.tables import Conversation

    row = tx.get(Conversation, conversation)
    assert row is not None
    return row.client_id


def logged(db: Database, action: str, detail: str) -> list[AuditEntry]:
    with db.transaction() as tx:
        return list(
            tx.exec(
                select(AuditEntry).where(
                    AuditEntry.action == action, AuditEntry.detail == detail, AuditEntry.outcome == "success"
                )
            ).all()
        )


def press(button) -> None:
    button.setFocus()
    QTest.keyClick(button, Qt.Key.Key_Space)


def print_to(path: Path):
    def print_to_file(self: QPrintDialog) -> int:
        self.printer().setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        self.printer().setOutputFileName(str(path))
        return int(QDialog.DialogCode.Accepted)

    return print_to_file


# -- the GP note -----------------------------------------------------------------------------------


def test_a_note_changed_by_another_process_is_shown_anew_before_it_is_copied(
    db, actor, conversation, note_dialog: GpNoteDialog, messages
):
    QGuiApplication.clipboard().setText("nothing yet")
    assert STALE_GOAL in note_dialog.preview.toPlainText()
    reword_the_goal(db, actor, conversation)

    press(note_dialog.copy_button)
    assert QGuiApplication.clipboard().text() == "nothing yet", "the old note went to the GP's record"
    assert not logged(db, "export", "gp_note")
    assert NEW_GOAL in note_dialog.preview.toPlainText() and STALE_GOAL not in note_dialog.preview.toPlainText()
    assert note_dialog.status_label.text() or messages  # said, not silently swapped

    press(note_dialog.copy_button)  # now the practitioner has seen it
    assert NEW_GOAL in QGuiApplication.clipboard().text()
    assert len(logged(db, "export", "gp_note")) == 1


def test_unticked_parts_stay_unticked_when_the_note_is_shown_anew(db, actor, conversation, note_dialog: GpNoteDialog):
    note_dialog.set_ticked("S.what_matters", False)
    reword_the_goal(db, actor, conversation)
    press(note_dialog.copy_button)
    assert "S.what_matters" not in note_dialog.ticked()
    assert "Rust in mijn hoofd." not in note_dialog.preview.toPlainText()


def test_a_note_of_an_erased_client_is_neither_copied_nor_printed(
    db, conversation, note_dialog: GpNoteDialog, messages, monkeypatch, tmp_path
):
    QGuiApplication.clipboard().setText("nothing yet")
    erase_the_client(db, conversation)
    press(note_dialog.copy_button)
    assert QGuiApplication.clipboard().text() == "nothing yet"
    printed = tmp_path / "note.pdf"
    monkeypatch.setattr(QPrintDialog, "exec", print_to(printed))
    press(note_dialog.print_button)
    assert not printed.exists()
    assert len(messages) == 2 and all(str(conversation) in m for m in messages), messages
    assert not logged(db, "export", "gp_note") and not logged(db, "print", "gp_note")


def test_a_note_printed_to_a_file_is_the_owners_alone_and_its_metadata_names_no_one(
    db, note_dialog: GpNoteDialog, monkeypatch, tmp_path
):
    out = tmp_path / "out"
    out.mkdir()
    printed = out / "note.pdf"
    monkeypatch.setattr(QPrintDialog, "exec", print_to(printed))
    old = os.umask(0o022)  # as on a machine where new files are readable by everyone
    try:
        press(note_dialog.print_button)
    finally:
        os.umask(old)
    assert printed.exists()
    if os.name == "posix":
        assert stat.S_IMODE(printed.stat().st_mode) == 0o600
    info = pdf_metadata(printed)
    for personal in ("Ron", "Wit", "Anouk", "Vries", "Rust"):
        assert personal not in info, info
    assert list(out.iterdir()) == [printed]  # nothing else left beside it


# -- the client's summary --------------------------------------------------------------------------


def test_a_summary_of_an_erased_client_is_not_saved_and_says_why(
    db, conversation, summary_dialog: ClientSummaryDialog, messages, monkeypatch, tmp_path
):
    erase_the_client(db, conversation)
    monkeypatch.setattr(file_dialogs, "ask_save_path", lambda *a, **k: tmp_path / "s.pdf")
    press(summary_dialog.save_button)
    monkeypatch.setattr(QPrintDialog, "exec", print_to(tmp_path / "printed.pdf"))
    press(summary_dialog.print_button)
    assert not (tmp_path / "s.pdf").exists() and not (tmp_path / "printed.pdf").exists()
    assert len(messages) == 2 and all(str(conversation) in m for m in messages), messages
    assert not logged(db, "export", "client_summary") and not logged(db, "print", "client_summary")


def test_a_summary_printed_to_a_file_is_the_owners_alone_and_its_metadata_names_no_one(
    db, summary_dialog: ClientSummaryDialog, monkeypatch, tmp_path
):
    printed = tmp_path / "summary.pdf"
    monkeypatch.setattr(QPrintDialog, "exec", print_to(printed))
    old = os.umask(0o022)
    try:
        press(summary_dialog.print_button)
    finally:
        os.umask(old)
    assert printed.exists()
    if os.name == "posix":
        assert stat.S_IMODE(printed.stat().st_mode) == 0o600
    info = pdf_metadata(printed)
    for personal in ("Ron", "Wit", "Anouk", "Vries", "Rust"):
        assert personal not in info, info


def test_printing_a_note_to_a_file_named_after_the_client_remembers_only_the_folder(
    db, note_dialog: GpNoteDialog, monkeypatch, tmp_path
):
    """The print dialog proposes a file name without the client's name; whatever name the
    practitioner types, ``folders.ini`` keeps the folder only, and is the owner's alone."""
    from broadtalk import config
    from broadtalk.ui.file_dialogs import FOLDERS_FILE

    out = tmp_path / "brieven"
    out.mkdir()
    proposed: list[str] = []
    original = print_to(out / "Ron de Wit.pdf")

    def typed_the_clients_name(self: QPrintDialog) -> int:
        proposed.append(self.printer().docName())
        return original(self)

    monkeypatch.setattr(QPrintDialog, "exec", typed_the_clients_name)
    press(note_dialog.print_button)
    assert (out / "Ron de Wit.pdf").exists()
    assert proposed and "Ron" not in proposed[0] and "Wit" not in proposed[0]
    folders = config.config_dir() / FOLDERS_FILE
    text = folders.read_text(encoding="utf-8")
    assert str(out) in text or out.name in text
    assert "Ron" not in text and "Wit" not in text and ".pdf" not in text
    if os.name == "posix":
        assert stat.S_IMODE(folders.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("role", "administers"),
    [
        (Role.PRACTICE_NURSE, False),
        (Role.SOCIAL_WORKER, False),
        (Role.PRACTICE_MANAGER, False),
        (Role.PRACTICE_MANAGER, True),  # the first account, also running the practice
        (Role.ADMINISTRATOR, False),
    ],
)
def test_the_app_gives_the_note_and_the_summary_to_exactly_the_roles_the_matrix_allows(
    qtbot, db, conversation, messages, role, administers
):
    """As the command line does (tests/e2e/test_i11_attack_cli.py): the matrix decides."""
    from dataclasses import replace as with_changes

    from broadtalk.permissions import Permission, allows

    with db.transaction() as tx:
        someone = with_changes(create_practitioner(tx, "Iemand", role), administers=administers)
    reads = allows(someone, Permission.VIEW_CONVERSATIONS)
    assert reads == (role in (Role.PRACTICE_NURSE, Role.SOCIAL_WORKER))
    for opener in (open_gp_note, open_client_summary):
        opened = opener(None, db, someone, conversation)
        if opened is not None:
            qtbot.addWidget(opened)
        assert (opened is not None) == reads, (opener.__name__, role, administers)
    assert len(messages) == (0 if reads else 2)
