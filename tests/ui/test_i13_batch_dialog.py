"""Issue 13: the batch export dialog (real widgets, offscreen). The preview says how many
referrals are exported and lists the others with the core's reason, writing nothing; an export
runs off the GUI thread to the end (the PDFs, index.csv, the summary and one disclosure each); a
cancel stops it and exporting again finishes it without a second disclosure; a folder that
cannot be written, or holds another batch, gives the core's message and changes nothing; closing
while exporting asks, stops and waits; the Practice menu offers it by permission."""

from __future__ import annotations

import csv
import io
import json
import threading
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox
from sqlmodel import col, select

from broadtalk import i18n, permissions
from broadtalk.demo import generate_demo
from broadtalk.handover import batch
from broadtalk.handover.batch import INDEX, MANIFEST, BatchParameters, BatchPlan, plan_batch, worker_count
from broadtalk.handover.export import CLIENT_COPY, HANDOVER_PDF
from broadtalk.permissions import Permission
from broadtalk.practitioners import Actor, Role, list_practitioners
from broadtalk.store.database import Database
from broadtalk.store.tables import Disclosure
from broadtalk.ui import file_dialogs
from broadtalk.ui.batch_dialog import BATCH_EXPORT, BatchExportDialog, first_of_previous_month
from broadtalk.ui.main_window import MainWindow

TODAY = date(2026, 3, 2)
EVER = date(2000, 1, 1)
#: Long enough for a real export of the demo's documents on a slow machine.
RUN_TIMEOUT_MS = 120_000


@pytest.fixture
def practice(db: Database) -> Database:
    generate_demo(db, clients=30, seed=3, today=TODAY)
    return db


@pytest.fixture
def manager(practice: Database) -> Actor:
    with practice.transaction() as tx:
        return next(a for a in sorted(list_practitioners(tx), key=lambda a: a.id) if a.role == Role.PRACTICE_MANAGER)


def _open(qtbot, db: Database, actor: Actor, *, workers: int | None = 1) -> BatchExportDialog:
    i18n.set_language("en")  # texts asserted in English (Dutch is the default)
    dialog = BatchExportDialog(db, actor, today=TODAY, workers=workers)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _choose(dialog: BatchExportDialog, out: Path | None = None, *, since: date = EVER, client_copy: bool = False):
    dialog.since_edit.setDate(QDate(since.year, since.month, since.day))
    dialog.client_copy_box.setChecked(client_copy)
    if out is not None:
        dialog.folder_edit.setText(str(out))
        dialog.folder_edit.textEdited.emit(str(out))  # as typed
    dialog.preview()


def _plan(db: Database, actor: Actor, **options) -> BatchPlan:
    options.setdefault("since", EVER)
    options.setdefault("until", TODAY)
    with db.transaction() as tx:
        return plan_batch(tx, actor, BatchParameters(**options), today=TODAY)


def _export(qtbot, dialog: BatchExportDialog) -> None:
    with qtbot.waitSignal(dialog.export_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert not dialog.running


def _disclosures(db: Database) -> list[Disclosure]:
    with db.transaction() as tx:
        return list(tx.exec(select(Disclosure).order_by(col(Disclosure.id))).all())


def _pdfs(out: Path) -> list[Path]:
    return sorted(out.rglob("*.pdf"))


def _token(out: Path) -> str:
    return json.loads((out / MANIFEST).read_text())["token"]


# -- choosing and the preview ---------------------------------------------------------------------


def test_the_dialog_proposes_last_month_until_today_and_a_folder_named_after_the_period(qtbot, practice, manager):
    dialog = _open(qtbot, practice, manager)
    assert dialog.since_edit.date().toPython() == first_of_previous_month(TODAY) == date(2026, 2, 1)
    assert dialog.until_edit.date().toPython() == TODAY
    assert dialog.since_edit.displayFormat() == "dd-MM-yyyy"
    assert dialog.folder_edit.text().endswith("handover-documents-2026-02-01-2026-03-02")
    assert not dialog.client_copy_box.isChecked() and not dialog.group_box.isChecked()
    assert dialog.recipient_box.currentText() == ""  # every organisation
    assert dialog.recipient_box.count() > 1  # the social map's organisations to choose from
    _choose(dialog, since=date(2025, 6, 1))
    assert dialog.folder_edit.text().endswith("handover-documents-2025-06-01-2026-03-02")
    assert worker_count(1) == 1 and worker_count(1000) >= 1


def test_the_preview_counts_the_exported_and_lists_the_others_with_the_cores_reason(qtbot, practice, manager, tmp_path):
    dialog = _open(qtbot, practice, manager)
    out = tmp_path / "out"
    _choose(dialog, out, client_copy=True)
    plan = _plan(practice, manager, client_copy=True)
    assert plan.exportable and plan.excluded
    count = len(plan.exportable)
    assert dialog.count_label.text() == (
        f"{count} referrals will be exported: {2 * count} documents, each handover document and the client's copy."
    )
    assert dialog.excluded_label.text() == f"{len(plan.excluded)} referrals of the period are not exported:"
    model = dialog.excluded_model
    rows = [[model.item(row, column).text() for column in range(4)] for row in range(model.rowCount())]
    assert [(row[0], row[2], row[3]) for row in rows] == [
        (e.reference, e.organisation, e.reason) for e in plan.excluded
    ]
    assert dialog.excluded_table.isVisible() and dialog.export_button.isEnabled()
    assert not out.exists() and _disclosures(practice) == []  # the preview writes nothing

    # The live preview follows the choices (after a short pause).
    organisation = plan.exportable[0].organisation
    with qtbot.waitSignal(dialog.previewed):
        dialog.recipient_box.setEditText(organisation)
    only = _plan(practice, manager, client_copy=True, recipient=organisation)
    assert dialog.count_label.text().startswith(f"{len(only.exportable)} referral")
    assert dialog.excluded_model.rowCount() == len(only.excluded)

    with qtbot.waitSignal(dialog.previewed):
        dialog.recipient_box.setEditText("Bakkerij Nergens")
    assert "Bakkerij Nergens" in dialog.preview_error.text() and dialog.preview_error.isVisible()
    assert not dialog.export_button.isEnabled()

    dialog.recipient_box.setEditText("")
    dialog.until_edit.setDate(QDate(1999, 1, 1))
    dialog.preview()
    assert "end date" in dialog.preview_error.text() and not dialog.export_button.isEnabled()


def test_the_proposed_folder_is_the_same_for_the_same_choices_and_another_for_other_choices(
    qtbot, practice, manager, tmp_path
):
    file_dialogs.remember_folder(BATCH_EXPORT, tmp_path / "last-export")  # proposed where the last went
    dialog = _open(qtbot, practice, manager)
    base = tmp_path / "handover-documents-2026-02-01-2026-03-02"
    assert Path(dialog.folder_edit.text()) == base
    base.mkdir()
    (base / "notes.txt").write_text("mine")
    dialog.client_copy_box.setChecked(True)
    second = tmp_path / "handover-documents-2026-02-01-2026-03-02 (2)"
    assert Path(dialog.folder_edit.text()) == second
    dialog.preview()
    _export(qtbot, dialog)
    assert dialog.result.folder.out == second
    dialog.client_copy_box.setChecked(False)
    assert Path(dialog.folder_edit.text()) == tmp_path / "handover-documents-2026-02-01-2026-03-02 (3)"
    dialog.client_copy_box.setChecked(True)  # the same choices again: the same folder, to finish it there
    assert Path(dialog.folder_edit.text()) == second
    dialog.recipient_box.setEditText("GGZ Stad")
    assert Path(dialog.folder_edit.text()) == tmp_path / "handover-documents-2026-02-01-2026-03-02-GGZ Stad"


def test_the_folder_chooser_takes_an_empty_folder_or_an_earlier_exports_and_else_makes_one_inside(
    qtbot, practice, manager, tmp_path, monkeypatch
):
    dialog = _open(qtbot, practice, manager)
    busy = tmp_path / "Documents"
    busy.mkdir()
    (busy / "letter.txt").write_text("mine")
    empty = tmp_path / "empty"
    empty.mkdir()
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    (earlier / MANIFEST).write_text("{}")
    chosen: list[Path] = []

    def choose(file_dialog) -> int:
        file_dialog.setDirectory(str(chosen[-1]))
        file_dialog.selectFile(str(chosen[-1]))
        return 1

    monkeypatch.setattr(QFileDialog, "exec", choose)
    for folder, expected in (
        (busy, busy / "handover-documents-2026-02-01-2026-03-02"),
        (empty, empty),
        (earlier, earlier),
    ):
        chosen.append(folder)
        dialog.choose_folder()
        assert Path(dialog.folder_edit.text()) == expected
    _choose(dialog, since=date(2026, 1, 1))  # a chosen folder is no longer proposed
    assert Path(dialog.folder_edit.text()) == earlier


# -- exporting ------------------------------------------------------------------------------------


def test_an_export_to_the_end_writes_every_document_the_index_and_the_summary(
    qtbot, practice, manager, tmp_path, monkeypatch
):
    dialog = _open(qtbot, practice, manager, workers=2)  # the PDFs made in worker processes
    out = tmp_path / "out"
    _choose(dialog, out, client_copy=True)
    plan = _plan(practice, manager, client_copy=True)
    seen: list[tuple[int, int]] = []
    dialog.progress.valueChanged.connect(lambda value: seen.append((value, dialog.progress.maximum())))
    _export(qtbot, dialog)

    expected = {(e.referral_id, kind) for e in plan.exportable for kind in (HANDOVER_PDF, CLIENT_COPY)}
    token = _token(out)
    disclosures = _disclosures(practice)
    assert sorted((d.referral_id, d.kind) for d in disclosures) == sorted(expected)
    assert {d.batch for d in disclosures} == {token}
    assert len(_pdfs(out)) == len(expected)
    rows = list(csv.reader(io.StringIO((out / INDEX).read_text(encoding="utf-8"))))
    assert len(rows) == 1 + len(plan.entries)
    exported = [row for row in rows[1:] if row[8]]
    assert len(exported) == len(plan.exportable)
    assert all((out / row[8]).is_file() and (out / row[9]).is_file() for row in exported)
    summary = (out / dialog.result.folder.summary_name).read_text(encoding="utf-8")
    assert all(e.reference in summary for e in plan.excluded)
    assert seen and seen[-1] == (len(expected), len(expected))
    assert dialog.progress.format() == f"{len(expected)} of {len(expected)} documents"

    assert dialog.result_title.text() == "The export is complete."
    text = dialog.result_text.text()
    assert f"{len(plan.exportable)} referrals are exported to {out}." in text
    assert f"{len(plan.excluded)} referrals are not exported; the reasons are in summary.txt." in text
    assert not dialog.resume_note.isVisible()
    assert not dialog.export_button.isEnabled()  # nothing left to export with these choices
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert opened == [str(out)]

    # The same folder with other choices: the core's message, and nothing changes.
    listing = sorted(p.name for p in out.rglob("*"))
    dialog.client_copy_box.setChecked(False)
    dialog.preview()
    assert dialog.export_button.isEnabled()
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert "other dates, recipient or choices" in dialog.error.text() and dialog.error.isVisible()
    assert str(out) in dialog.error.text()
    assert not dialog.running
    assert sorted(p.name for p in out.rglob("*")) == listing and len(_disclosures(practice)) == len(expected)


def _stopping_after(count: int, monkeypatch) -> None:
    """``run_batch`` as the dialog calls it, its cancel set from the progress callback once
    ``count`` documents are written (as the Cancel button would, at a known moment)."""
    real = batch.run_batch

    def run(*args, progress, cancel, **options):
        def reported(done: int, total: int) -> None:
            progress(done, total)
            if done >= count:
                cancel.set()

        return real(*args, progress=reported, cancel=cancel, **options)

    monkeypatch.setattr(batch, "run_batch", run)


def test_a_cancelled_export_is_finished_by_exporting_again_without_a_second_disclosure(
    qtbot, practice, manager, tmp_path, monkeypatch
):
    dialog = _open(qtbot, practice, manager)
    out = tmp_path / "out"
    _choose(dialog, out)
    plan = _plan(practice, manager)
    real = batch.run_batch
    _stopping_after(2, monkeypatch)
    _export(qtbot, dialog)
    assert dialog.result.cancelled and dialog.result.written == 2
    assert len(_disclosures(practice)) == 2 and len(_pdfs(out)) == 2
    assert dialog.result_title.text() == "The export was stopped."
    assert f"{len(plan.exportable) - 2} referrals are still to be exported." in dialog.result_text.text()
    assert dialog.resume_note.isVisible() and "same choices into the same folder" in dialog.resume_note.text()
    assert dialog.export_button.isEnabled() and dialog.choices.isEnabled()

    monkeypatch.setattr(batch, "run_batch", real)
    _export(qtbot, dialog)
    result = dialog.result
    assert not result.cancelled and result.earlier == 2 and result.written == len(plan.exportable) - 2
    disclosures = _disclosures(practice)
    assert Counter((d.referral_id, d.kind) for d in disclosures) == Counter(
        (e.referral_id, HANDOVER_PDF) for e in plan.exportable
    )
    assert {d.batch for d in disclosures} == {_token(out)}
    assert len(_pdfs(out)) == len(plan.exportable)
    assert "2 documents were already there from an earlier run of this export." in dialog.result_text.text()


def _held_after_first(monkeypatch) -> threading.Event:
    """``run_batch`` held after its first document until the returned event is set."""
    real = batch.run_batch
    go_on = threading.Event()

    def run(*args, progress, **options):
        def reported(done: int, total: int) -> None:
            progress(done, total)
            if done == 1:
                go_on.wait(RUN_TIMEOUT_MS / 1000)

        return real(*args, progress=reported, **options)

    monkeypatch.setattr(batch, "run_batch", run)
    return go_on


def test_the_cancel_button_stops_the_export_between_two_documents(qtbot, practice, manager, tmp_path, monkeypatch):
    dialog = _open(qtbot, practice, manager)
    _choose(dialog, tmp_path / "out")
    go_on = _held_after_first(monkeypatch)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.progress.value() == 1)
    assert dialog.running and dialog.cancel_button.isVisible() and not dialog.choices.isEnabled()
    assert not dialog.export_button.isEnabled()
    with qtbot.waitSignal(dialog.export_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
        assert not dialog.cancel_button.isEnabled() and dialog.stopping_label.text()
        go_on.set()
    assert dialog.result.cancelled and dialog.result.written == 1 and len(_disclosures(practice)) == 1


def test_closing_while_exporting_asks_then_stops_and_waits_for_the_export(
    qtbot, practice, manager, tmp_path, monkeypatch
):
    dialog = _open(qtbot, practice, manager)
    _choose(dialog, tmp_path / "out")
    go_on = _held_after_first(monkeypatch)
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda _parent, title, *_args: asked.append(title) or answers.pop(0))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.progress.value() == 1)
    dialog.close()  # "No": it goes on
    assert asked == ["Stop the export?"] and dialog.isVisible() and dialog.running
    dialog.close()  # "Yes": stopped, closed once the export has stopped
    assert len(asked) == 2 and dialog.isVisible() and not dialog.close_button.isEnabled()
    go_on.set()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=RUN_TIMEOUT_MS)
    assert not dialog.running and dialog.result.cancelled and len(_disclosures(practice)) == 1


# -- refusals -------------------------------------------------------------------------------------


def test_a_folder_that_cannot_be_written_gives_the_message_and_writes_nothing(qtbot, practice, manager, tmp_path):
    from tests.e2e.test_i11_attack_cli import read_only

    dialog = _open(qtbot, practice, manager)
    locked = tmp_path / "locked"
    locked.mkdir()
    with read_only(locked):  # for root too: the immutable attribute
        for out in (locked, locked / "batch"):
            _choose(dialog, out)
            qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
            assert not dialog.running
            message = dialog.error.text()
            assert dialog.error.isVisible() and "cannot be written to" in message and str(locked) in message
            assert "Traceback" not in message
            assert list(locked.iterdir()) == []
    assert _disclosures(practice) == []
    assert dialog.bottom.currentWidget().isAncestorOf(dialog.count_label)  # still the preview

    dialog.folder_edit.setText("relative/folder")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert "whole path" in dialog.error.text() and not Path("relative").exists()


# -- the menu -------------------------------------------------------------------------------------


def test_the_practice_menu_offers_the_export_by_permission(qtbot, practice, manager, monkeypatch):
    i18n.set_language("en")
    main = MainWindow(practice, manager)
    qtbot.addWidget(main)
    action = main.practice_actions[Permission.EXPORT_HANDOVERS]
    assert action.text() == "&Export handover documents…"
    assert action.isVisible() and action in main.practice_menu.actions()

    opened: list[BatchExportDialog] = []
    monkeypatch.setattr(BatchExportDialog, "exec", lambda dialog: opened.append(dialog) or 0)
    action.trigger()
    assert len(opened) == 1 and opened[0].parent() is main

    # Every role of today's matrix makes handover documents; a role without it is not offered it.
    monkeypatch.setitem(
        permissions.MATRIX,
        Role.PRACTICE_MANAGER,
        permissions.MATRIX[Role.PRACTICE_MANAGER] - {Permission.EXPORT_HANDOVERS},
    )
    without = MainWindow(practice, manager)
    qtbot.addWidget(without)
    assert not without.practice_actions[Permission.EXPORT_HANDOVERS].isVisible()
