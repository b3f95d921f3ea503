"""Issue 12: the whole check of the database file left the start path and runs in the app in
the background, once nobody is at the keyboard and a check is due. It runs off the GUI thread
(the window keeps answering), is interrupted when the window closes, is skipped when the last
check passed recently, and a failed check gives the same refusal and way out as a damaged file
at start-up: the window closes and the app offers to restore a backup."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from broadtalk.i18n import _
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.store import integrity
from broadtalk.store.database import Database, FileCheck, list_backups
from broadtalk.ui import app as app_module
from broadtalk.ui import integrity_check
from broadtalk.ui.main_window import MainWindow
from broadtalk.ui.screen_lock import ScreenLock
from broadtalk.ui.sign_in_dialogs import PassphraseDialog, SignInDialog
from tests.conftest import NOW
from tests.ui.test_start_up import PASSPHRASE, PIN, RecordingWindow, _answers, _set_up, passphrase, sign_in_with
from tests.ui.test_start_up import windows as windows  # the fixture

PAGE = 4096


def _damaged_message(path: Path) -> str:
    return _(
        "The database {path} is damaged (its integrity check failed). It was not changed; restore a backup."
    ).format(path=path)


@pytest.fixture
def quick_idle(monkeypatch):
    monkeypatch.setattr(integrity_check, "IDLE_MS", 150)


@pytest.fixture
def practice(tmp_path):
    path = tmp_path / "practice.sqlite"
    db = Database.open(path, passphrase=PASSPHRASE)
    with db.transaction() as tx:
        actor = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
    db.close()
    return path, actor


def _damage_a_table_the_window_does_not_read(path: Path) -> None:
    db = Database.open(path, passphrase=PASSPHRASE)
    try:
        with db.engine.connect() as connection:
            root = connection.exec_driver_sql(
                "SELECT rootpage FROM sqlite_master WHERE name = 'conversation_change'"
            ).scalar()
    finally:
        db.close()
    data = bytearray(path.read_bytes())
    start = (root - 1) * PAGE + 300
    data[start : start + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))


def _window(qtbot, db, actor) -> MainWindow:
    main = MainWindow(db, actor)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    return main


def test_a_damaged_file_is_found_when_idle_and_the_window_closes_for_the_way_out(qtbot, practice, quick_idle):
    path, actor = practice
    _damage_a_table_the_window_does_not_read(path)
    db = Database.open(path, passphrase=PASSPHRASE)  # start-up does not read that page
    try:
        main = _window(qtbot, db, actor)
        assert main.damage_found is None
        qtbot.waitUntil(lambda: main.damage_found is not None, timeout=30_000)
        assert main.damage_found == _damaged_message(path)
        assert not main.isVisible()  # closed: the app takes it from here
        assert integrity.failed_before(path)
    finally:
        db.close()


def test_an_intact_file_is_checked_once_and_then_not_again_for_a_day(qtbot, practice, quick_idle):
    path, actor = practice
    db = Database.open(path, passphrase=PASSPHRASE)
    try:
        main = _window(qtbot, db, actor)
        qtbot.waitUntil(lambda: integrity.read_verdict(path) is not None, timeout=30_000)
        assert integrity.read_verdict(path).passed
        qtbot.waitUntil(lambda: not main.integrity_check.running)
        assert main.damage_found is None and main.isVisible()
        main.close()
        runs: list[int] = []
        original = FileCheck.run
        FileCheck.run = lambda self: runs.append(1) or original(self)
        try:
            again = _window(qtbot, db, actor)
            qtbot.wait(600)  # well past the quiet time
            assert runs == [] and not again.integrity_check.running
            again.close()
        finally:
            FileCheck.run = original
    finally:
        db.close()


def test_the_check_runs_off_the_gui_thread_and_stops_when_the_window_closes(qtbot, practice, quick_idle, monkeypatch):
    path, actor = practice
    started, stopped = threading.Event(), threading.Event()
    where: list[int] = []

    def slow_run(self) -> bool:  # a check of a large file: seconds
        where.append(threading.get_ident())
        started.set()
        stopped.wait(20)
        return False

    monkeypatch.setattr(FileCheck, "run", slow_run)
    monkeypatch.setattr(FileCheck, "interrupt", lambda self: stopped.set())
    db = Database.open(path, passphrase=PASSPHRASE)
    try:
        main = _window(qtbot, db, actor)
        qtbot.waitUntil(started.is_set, timeout=30_000)
        assert where and where[0] != threading.get_ident()
        ticks: list[float] = []
        timer = QTimer(interval=20, timeout=lambda: ticks.append(time.monotonic()))
        timer.start()
        qtbot.wait(400)  # the check is still running: the GUI thread goes on
        timer.stop()
        assert main.integrity_check.running and len(ticks) >= 8
        qtbot.keyClicks(main.search, "abc")  # typing is not held up
        assert main.search.text() == "abc"
        begun = time.monotonic()
        main.close()
        assert stopped.is_set() and time.monotonic() - begun < 5
        assert not main.integrity_check.running
    finally:
        db.close()
    assert integrity.read_verdict(path) is None  # an interrupted check keeps no verdict


def test_the_damage_message_waits_for_the_lock_to_be_lifted(qtbot, practice, monkeypatch):
    path, actor = practice
    monkeypatch.setattr("broadtalk.ui.main_window.DAMAGE_RETRY_MS", 50)
    locked = [True]
    monkeypatch.setattr(ScreenLock, "is_locked", property(lambda self: locked[0]))
    db = Database.open(path, passphrase=PASSPHRASE)
    try:
        main = _window(qtbot, db, actor)
        main.integrity_check.damaged.emit(_damaged_message(path))
        qtbot.wait(300)
        assert main.damage_found is None and main.isVisible()  # nothing is shown over the lock
        locked[0] = False  # the practitioner typed the PIN
        qtbot.waitUntil(lambda: main.damage_found is not None, timeout=5000)
        assert not main.isVisible()
    finally:
        db.close()


# -- the app: the same refusal and way out as at start-up ----------------------------------------


def test_damage_found_while_open_offers_the_restore_like_at_start(qtbot, tmp_path, monkeypatch, windows):
    path = tmp_path / "practice.sqlite"
    _set_up(monkeypatch, path)  # closing the app made a backup
    [backup] = list_backups(path.parent / "backups")
    message = _damaged_message(path)
    RecordingWindow.then = [{"damage_found": message}]
    shown: list[tuple[str, str, list[str]]] = []

    def restore_chosen(box: QMessageBox) -> int:
        shown.append((box.windowTitle(), box.text(), [b.text() for b in box.buttons()]))
        box.buttons()[0].click()
        return 0

    def choose(dialog) -> int:
        dialog.passphrase_edit.setText(PASSPHRASE)
        dialog.restore_button.click()
        return dialog.result()

    monkeypatch.setattr(QMessageBox, "exec", restore_chosen)
    monkeypatch.setattr("broadtalk.ui.backup_dialogs.RestoreDialog.exec", choose)
    monkeypatch.setattr(QMessageBox, "question", lambda *args: QMessageBox.StandardButton.Yes)
    _answers(monkeypatch, PassphraseDialog, passphrase(PASSPHRASE))
    _answers(monkeypatch, SignInDialog, sign_in_with(PIN), sign_in_with(PIN))
    assert app_module.run_app(path) == 0
    title, text, buttons = shown[0]
    assert title == _("broadtalk found damage in the database")
    assert text == message
    assert buttons == ["Restore a &backup…", "&Close"]  # the way out, as at start-up
    assert len(windows) == 3  # signed in again on the restored data
    kept = [p for p in (path.parent / "backups").iterdir() if "before-restore" in p.name or "damaged" in p.name]
    assert kept  # the data as it was is kept aside
    assert backup.exists()


def test_damage_found_while_open_and_closed_ends_the_app_without_a_backup(qtbot, tmp_path, monkeypatch, windows):
    path = tmp_path / "practice.sqlite"
    _set_up(monkeypatch, path)
    before = list_backups(path.parent / "backups")
    RecordingWindow.then = [{"damage_found": _damaged_message(path)}]
    monkeypatch.setattr(QMessageBox, "exec", lambda box: box.buttons()[1].click() or 0)  # Close
    _answers(monkeypatch, PassphraseDialog, passphrase(PASSPHRASE))
    _answers(monkeypatch, SignInDialog, sign_in_with(PIN))
    assert app_module.run_app(path) == 1
    assert len(windows) == 2
    assert list_backups(path.parent / "backups") == before  # a damaged file is not backed up on exit
