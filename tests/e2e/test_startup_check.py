"""``broadtalk --startup-check``: start the app, report the time until the client list shows, exit."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from broadtalk.cli import main
from broadtalk.demo import DEMO_SECRET, generate_demo
from broadtalk.practitioners import Role, list_practitioners
from broadtalk.store.database import Database
from broadtalk.workstation import current_actor, use_practitioner_here
from tests.e2e.signing_in import signed_in

LINE = re.compile(r"^startup-check: (\d+) ms$")


def _practice(path: Path, *, clients: int = 40, with_practitioner: bool = True) -> Path:
    """A database as the app would have it: demo clients, its practitioners (each can sign in
    with DEMO_SECRET) and someone working here. Without a practitioner: a database made, but
    whose welcome was closed before it was filled in -- nobody at all can sign in."""
    db = Database.open(path)
    try:
        if not with_practitioner:
            return path
        generate_demo(db, clients=clients, seed=3, today=date(2026, 5, 1))
        with db.transaction() as tx:
            nurse = next(a for a in list_practitioners(tx) if a.role == Role.PRACTICE_NURSE)
            use_practitioner_here(tx, nurse)
    finally:
        db.close()
    return path


def _working_here(path: Path) -> int:
    """The number of the practitioner who works here (a practice nurse)."""
    db = Database.open(path)
    try:
        with db.transaction() as tx:
            actor = current_actor(tx)
    finally:
        db.close()
    assert actor is not None
    return actor.id


def _run(args: list[str], home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("BROADTALK_USER", "BROADTALK_PIN")}
    return subprocess.run(
        [sys.executable, "-m", "broadtalk", *args],
        capture_output=True,
        text=True,
        env={**environment, "QT_QPA_PLATFORM": "offscreen", "BROADTALK_HOME": str(home), **env},
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


@pytest.mark.slow
def test_startup_check_prints_the_milliseconds_until_the_list_shows_and_exits_0(tmp_path):
    db = _practice(tmp_path / "practice.sqlite")
    result = _run(["--db", str(db), "--startup-check"], tmp_path, **signed_in(_working_here(db), DEMO_SECRET))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and LINE.match(lines[0]), result.stdout
    assert 0 < int(LINE.match(lines[0]).group(1)) < 120_000
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_startup_check_without_anyone_signing_in_exits_1_with_one_line(tmp_path):
    """No anonymous start: without BROADTALK_USER and BROADTALK_PIN nobody is signed in, and a
    startup check never waits for a person to type them."""
    db = _practice(tmp_path / "practice.sqlite", clients=5)
    result = _run(["--db", str(db), "--startup-check"], tmp_path, BROADTALK_LANGUAGE="en")
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "BROADTALK_USER" in lines[0] and "BROADTALK_PIN" in lines[0], result.stderr


@pytest.mark.slow
def test_startup_check_without_a_practitioner_exits_1_with_one_line(tmp_path):
    db = _practice(tmp_path / "practice.sqlite", with_practitioner=False)
    result = _run(["--db", str(db), "--startup-check"], tmp_path, BROADTALK_LANGUAGE="en")
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no practitioner yet" in lines[0], result.stderr


# -- the same, in this process, with a stand-in main window (independent of its layout) ----------


@pytest.fixture
def stand_in_window(monkeypatch):
    from PySide6.QtWidgets import QMainWindow, QTableView

    from broadtalk.ui import main_window
    from broadtalk.ui.client_table import ClientTableModel

    made = []

    class Window(QMainWindow):
        def __init__(self, db, actor, backup_dir=None):
            super().__init__()
            made.append(actor)
            self.table = QTableView()
            self.table.setModel(ClientTableModel(db, actor, self))
            self.setCentralWidget(self.table)

    monkeypatch.setattr(main_window, "MainWindow", Window)
    return made


def test_run_app_startup_check_reports_after_the_table_painted(qtbot, tmp_path, capsys, monkeypatch, stand_in_window):
    import time

    from broadtalk.ui.app import run_app

    db = _practice(tmp_path / "practice.sqlite", clients=12)
    opened = Database.open(db)
    try:
        with opened.transaction() as tx:
            nurse = current_actor(tx)  # the practice nurse working here...
    finally:
        opened.close()
    assert nurse is not None and nurse.role == Role.PRACTICE_NURSE
    # ...signs in from the environment, as on the command line (no dialog in a startup check).
    monkeypatch.setenv("BROADTALK_USER", str(nurse.id))
    monkeypatch.setenv("BROADTALK_PIN", DEMO_SECRET)
    code = run_app(db, startup_check=True, started_at=time.perf_counter() - 1.0)
    out, err = capsys.readouterr()
    assert code == 0, err
    match = LINE.match(out.strip())
    assert match and int(match.group(1)) >= 1000  # counted from the given start
    assert stand_in_window == [nurse]


def test_run_app_startup_check_never_shows_the_welcome(qtbot, tmp_path, capsys, monkeypatch, stand_in_window):
    from broadtalk.ui.app import run_app
    from broadtalk.ui.welcome import WelcomeDialog

    def must_not_show(_dialog):
        raise AssertionError("the welcome would wait for a person")

    monkeypatch.setattr(WelcomeDialog, "exec", must_not_show)
    code = run_app(tmp_path / "empty.sqlite", startup_check=True)
    out, err = capsys.readouterr()
    assert code == 1
    assert out == "" and len(err.strip().splitlines()) == 1
    assert stand_in_window == []


def test_run_app_startup_check_on_a_junk_file_says_so_without_a_dialog(qtbot, tmp_path, capsys):
    from broadtalk.ui.app import run_app

    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database\n" * 40)
    assert run_app(junk, startup_check=True) == 1
    _out, err = capsys.readouterr()
    assert len(err.strip().splitlines()) == 1


def test_startup_check_with_a_command_is_a_usage_error(tmp_path, capsys):
    for argv in (["--startup-check", "clients"], ["clients", "--startup-check"]):
        with pytest.raises(SystemExit) as stop:
            main(["--db", str(tmp_path / "u.sqlite"), *argv])
        assert stop.value.code == 2
        _out, err = capsys.readouterr()
        assert err.strip() and "Traceback" not in err
