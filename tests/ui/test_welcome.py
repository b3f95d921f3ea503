"""The first start: the welcome by keyboard alone, its inline checks, and what start-up does with
the choice (set up this computer, or open the separate demo practice)."""

from __future__ import annotations

from typing import ClassVar

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QMessageBox

from broadtalk import config, i18n
from broadtalk.clients import count_clients
from broadtalk.demo import DEMO_SECRET
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.settings import is_demo
from broadtalk.store.database import Database, WrongPassphrase
from broadtalk.ui import app as app_module
from broadtalk.ui.common import ErrorLabel
from broadtalk.ui.sign_in_dialogs import PassphraseDialog, SignInDialog
from broadtalk.ui.welcome import DEMO, START, WelcomeDialog
from broadtalk.workstation import current_actor
from tests.conftest import NOW


@pytest.fixture
def welcome(qtbot):
    i18n.set_language("en")  # assertions on text below; the behaviour is the same in Dutch
    dialog = WelcomeDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitActive(dialog)
    return dialog


def _type(qtbot, text: str) -> None:
    """Type where the keyboard focus is, as a person would."""
    qtbot.keyClicks(QApplication.focusWidget(), text)


def _press(qtbot, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(QApplication.focusWidget(), key, modifier)


def test_keyboard_only_name_role_practice_and_enter_starts_with_the_values(qtbot, welcome):
    assert welcome.name_edit.hasFocus()  # the cursor waits in the first field
    _type(qtbot, "Fatima el Amrani")
    _press(qtbot, Qt.Key.Key_Tab)
    assert welcome.role_combo.hasFocus()
    _press(qtbot, Qt.Key.Key_Down)  # from practice nurse to social worker
    _press(qtbot, Qt.Key.Key_Tab)
    assert welcome.practice_edit.hasFocus()
    _type(qtbot, "Gezondheidscentrum Oost")
    # Then the own PIN, twice, and the passphrase that encrypts the data, twice.
    for field, text in (
        (welcome.secret_edit, "48213"),
        (welcome.secret_repeat_edit, "48213"),
        (welcome.passphrase_edit, "lindeboom aan de gracht"),
        (welcome.passphrase_repeat_edit, "lindeboom aan de gracht"),
    ):
        _press(qtbot, Qt.Key.Key_Tab)
        assert field.hasFocus()
        _type(qtbot, text)
    with qtbot.waitSignal(welcome.accepted, timeout=2000):
        _press(qtbot, Qt.Key.Key_Return)
    assert welcome.result() == QDialog.DialogCode.Accepted
    assert welcome.choice == START
    values = welcome.values
    assert (values.name, values.role, values.practice_name) == (
        "Fatima el Amrani",
        Role.SOCIAL_WORKER,
        "Gezondheidscentrum Oost",
    )
    assert (welcome.secret, welcome.passphrase) == ("48213", "lindeboom aan de gracht")


def test_mnemonics_jump_to_each_field(qtbot, welcome):
    for key, field in (
        (Qt.Key.Key_P, welcome.practice_edit),
        (Qt.Key.Key_R, welcome.role_combo),
        (Qt.Key.Key_N, welcome.name_edit),
    ):
        qtbot.keyClick(welcome, key, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(field.hasFocus, timeout=2000)


def test_an_empty_name_shows_an_inline_error_and_does_not_start(qtbot, welcome):
    qtbot.keyClick(welcome.role_combo, Qt.Key.Key_Tab)
    welcome.practice_edit.setFocus()
    _type(qtbot, "De Linde")
    _press(qtbot, Qt.Key.Key_Return)
    assert welcome.isVisible()
    assert welcome.choice is None
    assert welcome.name_error.isVisible()
    assert "Your name is empty" in welcome.name_error.text()
    assert not welcome.practice_error.isVisible()
    assert welcome.name_edit.hasFocus()  # the cursor goes where the fix is
    assert welcome.name_edit.accessibleDescription() == welcome.name_error.text()
    _type(qtbot, "A")  # typing a correction clears the complaint at once
    assert not welcome.name_error.isVisible()


def test_a_name_of_only_spaces_counts_as_empty(qtbot, welcome):
    _type(qtbot, "    ")
    welcome.practice_edit.setText("De Linde")
    welcome.start_button.click()
    assert welcome.choice is None and welcome.name_error.isVisible()


def test_the_demo_button_chooses_the_demo_whatever_the_fields_say(qtbot, welcome):
    welcome.start_button.click()  # errors showing first
    with qtbot.waitSignal(welcome.accepted, timeout=2000):
        qtbot.keyClick(welcome, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    assert welcome.choice == DEMO
    assert welcome.values is None
    assert not welcome.name_error.isVisible()


def test_escape_closes_the_welcome_without_a_choice(qtbot, welcome):
    with qtbot.waitSignal(welcome.rejected, timeout=2000):
        _press(qtbot, Qt.Key.Key_Escape)
    assert welcome.choice is None


def test_fields_and_buttons_have_accessible_names_without_ampersands(welcome):
    for widget in (welcome.name_edit, welcome.role_combo, welcome.practice_edit, welcome.start_button):
        assert widget.accessibleName() and "&" not in widget.accessibleName()
    assert welcome.demo_button.accessibleName() == "Look around in a demo practice first"
    assert [welcome.role_combo.itemData(i) for i in range(welcome.role_combo.count())] == [r.value for r in Role]
    assert welcome.role_combo.itemText(0) == "Practice nurse (POH)"
    assert welcome.minimumWidth() >= 520
    assert welcome.start_button.isDefault() and not welcome.demo_button.autoDefault()


# -- start-up: what run_app does on a database without a practitioner ---------------------------


class RecordingWindow(QMainWindow):
    """Stands in for the main window: records what it was given and ends the event loop."""

    made: ClassVar[list[dict]] = []

    def __init__(self, db, actor, backup_dir=None):
        super().__init__()
        with db.transaction() as tx:
            RecordingWindow.made.append({"path": db.path, "actor": actor, "demo": is_demo(tx)})

    def show(self) -> None:
        super().show()
        QTimer.singleShot(0, lambda: QApplication.instance().exit(0))


@pytest.fixture
def recording_window(monkeypatch):
    from broadtalk.ui import main_window

    RecordingWindow.made = []
    monkeypatch.setattr(main_window, "MainWindow", RecordingWindow)
    return RecordingWindow.made


def _welcome_answers(monkeypatch, *answers):
    """Patch the modal exec: each call fills in one answer through the real widgets."""
    pending = list(answers)
    calls: list[WelcomeDialog] = []

    def fake_exec(dialog: WelcomeDialog) -> int:
        calls.append(dialog)
        answer = pending.pop(0)
        if answer == "cancel":
            dialog.reject()
        elif answer == DEMO:
            dialog.demo_button.click()
        else:
            name, role, practice = answer
            dialog.name_edit.setText(name)
            dialog.role_combo.setCurrentIndex(dialog.role_combo.findData(role))
            dialog.practice_edit.setText(practice)
            for field in (dialog.secret_edit, dialog.secret_repeat_edit):
                field.setText("48213")
            for field in (dialog.passphrase_edit, dialog.passphrase_repeat_edit):
                field.setText("lindeboom aan de gracht")
            dialog.start_button.click()
        return dialog.result()

    def sign_in_as_first(dialog: SignInDialog) -> int:
        dialog.secret_edit.setText(DEMO_SECRET)  # the demo practice: the preselected nurse
        dialog.ok_button.click()
        return dialog.result()

    monkeypatch.setattr(WelcomeDialog, "exec", fake_exec)
    monkeypatch.setattr(SignInDialog, "exec", sign_in_as_first)
    return calls


def test_closing_the_welcome_quits_with_0_and_makes_no_file(qtbot, tmp_path, monkeypatch, recording_window):
    _welcome_answers(monkeypatch, "cancel")
    path = tmp_path / "practice.sqlite"
    assert app_module.run_app(path) == 0
    assert recording_window == []
    assert not path.exists()  # nothing typed, nothing made: the next start asks again


def test_the_demo_choice_makes_a_separate_demo_practice_and_opens_it_as_a_practice_nurse(
    qtbot, tmp_path, monkeypatch, recording_window, isolated_home
):
    monkeypatch.setattr(app_module, "DEMO_CLIENTS", 20)
    _welcome_answers(monkeypatch, DEMO)
    path = tmp_path / "practice.sqlite"
    assert app_module.run_app(path) == 0
    demo_path = config.data_dir() / "demo.sqlite"
    assert demo_path.is_relative_to(isolated_home) and demo_path.exists()
    [made] = recording_window
    assert made["path"] == demo_path and made["demo"]
    assert (made["actor"].name, made["actor"].role) == ("Anouk de Vries", Role.PRACTICE_NURSE)
    demo = Database.open(demo_path)
    try:
        with demo.transaction() as tx:
            assert count_clients(tx, made["actor"]) == 20
            assert is_demo(tx)
            assert current_actor(tx) == made["actor"]
    finally:
        demo.close()
    assert not path.exists()  # the practice's own data is not made: asked again next time


def test_a_finished_demo_practice_is_reused_not_made_again(qtbot, tmp_path, monkeypatch, recording_window):
    monkeypatch.setattr(app_module, "DEMO_CLIENTS", 5)
    _welcome_answers(monkeypatch, DEMO, DEMO)
    path = tmp_path / "practice.sqlite"
    assert app_module.run_app(path) == 0

    def must_not_run(_path):
        raise AssertionError("the demo practice was made again")

    monkeypatch.setattr(app_module, "_make_demo", must_not_run)
    assert app_module.run_app(path) == 0
    assert recording_window[0] == recording_window[1]


def test_a_real_database_in_the_demo_place_is_left_alone(qtbot, tmp_path, monkeypatch, recording_window):
    demo_path = config.data_dir() / "demo.sqlite"
    real = Database.open(demo_path)
    with real.transaction() as tx:
        create_practitioner(tx, "Echte Persoon", Role.PRACTICE_NURSE, now=NOW)
    real.close()
    before = demo_path.read_bytes()
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: warnings.append(text))
    calls = _welcome_answers(monkeypatch, DEMO, "cancel")
    assert app_module.run_app(tmp_path / "practice.sqlite") == 0
    assert len(calls) == 2  # back to the welcome after the warning
    assert len(warnings) == 1 and "demo.sqlite" in warnings[0]
    assert recording_window == []
    assert demo_path.read_bytes() == before


def test_an_interrupted_demo_practice_is_made_afresh(qtbot, tmp_path, monkeypatch, recording_window):
    from datetime import date

    from broadtalk.demo import generate_demo

    demo_path = config.data_dir() / "demo.sqlite"
    half = Database.open(demo_path)
    generate_demo(half, clients=3, seed=9, today=date(2026, 5, 1))  # no workstation: never finished
    half.close()
    monkeypatch.setattr(app_module, "DEMO_CLIENTS", 7)
    _welcome_answers(monkeypatch, DEMO)
    assert app_module.run_app(tmp_path / "practice.sqlite") == 0
    [made] = recording_window  # the new demo practice opened, signed in
    demo = Database.open(demo_path)
    try:
        with demo.transaction() as tx:
            assert count_clients(tx, made["actor"]) == 7
    finally:
        demo.close()


def test_cancelling_the_demo_progress_removes_the_half_made_file_and_returns_to_the_welcome(
    qtbot, tmp_path, monkeypatch, recording_window
):
    from PySide6.QtWidgets import QProgressDialog, QPushButton

    class CancelAtOnce(QProgressDialog):
        def show(self) -> None:
            super().show()
            self.findChild(QPushButton).click()  # the person presses Cancel

    monkeypatch.setattr(app_module, "QProgressDialog", CancelAtOnce)
    monkeypatch.setattr(app_module, "DEMO_CLIENTS", 5)
    calls = _welcome_answers(monkeypatch, DEMO, "cancel")
    assert app_module.run_app(tmp_path / "practice.sqlite") == 0
    assert len(calls) == 2
    assert recording_window == []
    assert not (config.data_dir() / "demo.sqlite").exists()


def test_an_unexpected_error_is_logged_without_its_message_and_told_calmly(qtbot, monkeypatch, caplog):
    from PySide6.QtWidgets import QMessageBox

    from broadtalk.ui.app import report_unexpected

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args[2]))
    try:
        raise ValueError("Greet Visser heeft schulden")
    except ValueError as error:
        with caplog.at_level("ERROR", logger="broadtalk"):
            report_unexpected(type(error), error, error.__traceback__)
    logged = caplog.text
    assert "ValueError" in logged
    assert "Greet" not in logged and "schulden" not in logged
    assert shown and "ValueError" in shown[0] and "Greet" not in shown[0]


# -- the form's layout: errors never squash the fields or get cut off ------------------------------


def _fields(welcome) -> list:
    return [
        welcome.name_edit,
        welcome.role_combo,
        welcome.practice_edit,
        welcome.secret_edit,
        welcome.secret_repeat_edit,
        welcome.passphrase_edit,
        welcome.passphrase_repeat_edit,
    ]


def _visible_errors(welcome) -> list[ErrorLabel]:
    return [label for label in welcome.findChildren(ErrorLabel) if label.isVisible()]


def _laid_out_in_full(label: ErrorLabel) -> bool:
    """Every wrapped line of the message has room: its height is what its text needs at its width."""
    return label.height() >= label.heightForWidth(label.width()) and label.width() > 0


def _on_screen(widget) -> bool:
    """Not cut off by the dialog or by a scroll area: the whole widget can be seen."""
    return widget.visibleRegion().boundingRect().size() == widget.size()


def test_enter_on_empty_fields_keeps_every_field_usable_and_every_message_whole(qtbot, welcome):
    heights = {field: field.height() for field in _fields(welcome)}
    _press(qtbot, Qt.Key.Key_Return)  # nothing typed: every check complains at once
    qtbot.wait(50)
    errors = _visible_errors(welcome)
    assert len(errors) == 4  # name, practice, PIN, passphrase
    for field in _fields(welcome):
        assert field.height() >= max(field.minimumSizeHint().height(), heights[field]), field.accessibleName()
    for label in errors:
        assert _laid_out_in_full(label), label.text()
    # The cursor is in the first field to fix, and it and its message can be seen.
    assert welcome.name_edit.hasFocus()
    qtbot.waitUntil(lambda: _on_screen(welcome.name_edit) and _on_screen(welcome.name_error), timeout=2000)


def test_a_wrong_passphrase_message_is_shown_whole(qtbot, welcome):
    welcome.resize(520, welcome.height())  # narrow: the message wraps over several lines
    _type(qtbot, "Anouk de Vries")
    for field, text in (
        (welcome.practice_edit, "De Linde"),
        (welcome.secret_edit, "48213"),
        (welcome.secret_repeat_edit, "48213"),
        (welcome.passphrase_edit, "lindeboom aan de gracht"),
        (welcome.passphrase_repeat_edit, "lindeboom aan de grach"),
    ):
        field.setFocus()
        _type(qtbot, text)
    _press(qtbot, Qt.Key.Key_Return)
    assert welcome.choice is None
    label = welcome.passphrase_error
    assert label.isVisible() and label.text() == i18n._("The two passphrases differ; type the same passphrase twice.")
    assert label.wordWrap()  # never elided: wrapped over as many lines as it needs
    qtbot.waitUntil(lambda: _laid_out_in_full(label) and _on_screen(label), timeout=2000)
    # Too short as well: a longer message, still whole.
    welcome.passphrase_edit.setFocus()
    welcome.passphrase_edit.selectAll()
    _type(qtbot, "kort")
    welcome.passphrase_repeat_edit.setFocus()
    welcome.passphrase_repeat_edit.selectAll()
    _type(qtbot, "kort")
    _press(qtbot, Qt.Key.Key_Return)
    assert "too short" in label.text()
    qtbot.waitUntil(lambda: _laid_out_in_full(label) and _on_screen(label), timeout=2000)


def test_each_red_message_goes_as_soon_as_its_field_is_corrected(qtbot, welcome):
    _type(qtbot, "Anouk de Vries")
    welcome.practice_edit.setFocus()
    _type(qtbot, "De Linde")
    for field, text in (
        (welcome.secret_edit, "48213"),
        (welcome.secret_repeat_edit, "48214"),
        (welcome.passphrase_edit, "lindeboom aan de gracht"),
        (welcome.passphrase_repeat_edit, "lindeboom aan de grach"),
    ):
        field.setFocus()
        _type(qtbot, text)
    _press(qtbot, Qt.Key.Key_Return)
    assert welcome.secret_error.isVisible() and welcome.passphrase_error.isVisible()
    # The repeated PIN is the wrong one: correcting it there takes the message away.
    welcome.secret_repeat_edit.setFocus()
    _press(qtbot, Qt.Key.Key_Backspace)
    _type(qtbot, "3")
    assert not welcome.secret_error.isVisible()
    welcome.passphrase_repeat_edit.setFocus()
    _type(qtbot, "t")
    assert not welcome.passphrase_error.isVisible()
    # The name: emptied, refused, typed again.
    welcome.name_edit.setFocus()
    welcome.name_edit.selectAll()
    _press(qtbot, Qt.Key.Key_Delete)
    _press(qtbot, Qt.Key.Key_Return)
    assert welcome.name_error.isVisible()
    _type(qtbot, "Anouk")
    assert not welcome.name_error.isVisible()
    assert _visible_errors(welcome) == []
    with qtbot.waitSignal(welcome.accepted, timeout=2000):
        _press(qtbot, Qt.Key.Key_Return)


def test_the_message_for_a_wrong_passphrase_at_start_is_shown_whole(qtbot, tmp_path):
    """The data of a practice is locked: a wrong passphrase says why at length (a path, Caps Lock,
    a backup); every word of it can be read, and so can the explanation above the field."""
    i18n.set_language("en")
    path = tmp_path / "practice.sqlite"
    Database.open(path, passphrase="lindeboom aan de gracht").close()
    dialog = PassphraseDialog(str(path))
    opened: list[Database] = []

    def attempt() -> str | None:
        try:
            opened.append(Database.open(path, passphrase=dialog.passphrase()))
        except WrongPassphrase as error:
            return error.message
        return None

    dialog.set_attempt(attempt)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitActive(dialog)
    qtbot.waitUntil(dialog.passphrase_edit.hasFocus, timeout=2000)
    _type(qtbot, "lindeboom aan de grach")
    _press(qtbot, Qt.Key.Key_Return)
    assert not opened and dialog.isVisible()
    assert "Caps Lock" in dialog.error.text() and dialog.error.wordWrap()
    for label in (dialog.error, dialog.explanation):
        qtbot.waitUntil(lambda label=label: _laid_out_in_full(label) and _on_screen(label), timeout=2000)
    assert dialog.passphrase_edit.height() >= dialog.passphrase_edit.minimumSizeHint().height()
