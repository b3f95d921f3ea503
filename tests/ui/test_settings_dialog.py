"""Settings: the language goes to the user's preferences, name, role and practice to the database."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QMessageBox

from broadtalk import config, i18n
from broadtalk.practitioners import Role
from broadtalk.ui.settings_dialog import SettingsDialog
from broadtalk.workstation import current_actor, practice_name, set_up_workstation
from tests.conftest import NOW


@pytest.fixture
def here(db):
    """A practice manager: the practice's settings and her own role are hers to change (the role matrix)."""
    with db.transaction() as tx:
        return set_up_workstation(
            tx, "Anouk de Vries", Role.PRACTICE_MANAGER, "Huisartsenpraktijk De Linde", "geheim-2468", now=NOW
        )


@pytest.fixture
def dialog(qtbot, db, here):
    i18n.set_language("en")
    settings = SettingsDialog(db, here)
    qtbot.addWidget(settings)
    settings.show()
    qtbot.waitActive(settings)
    return settings


def _save_button(dialog: SettingsDialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Save)


def test_it_shows_the_current_values_and_says_a_new_language_needs_a_restart(dialog):
    assert dialog.language_combo.currentData() == "nl"  # nothing saved yet: Dutch, the default
    assert dialog.language_combo.currentText() == "Nederlands"
    assert dialog.fields.name_edit.text() == "Anouk de Vries"
    assert dialog.fields.role_combo.currentData() == "practice_manager"
    assert dialog.fields.practice_edit.text() == "Huisartsenpraktijk De Linde"
    assert dialog.language_note.isVisible()
    assert "next time you start broadtalk" in dialog.language_note.text()
    assert dialog.updated_actor is None


def test_saving_writes_the_language_to_the_preferences_and_the_rest_to_the_database(qtbot, dialog, db, here):
    assert dialog.language_combo.hasFocus()
    qtbot.keyClick(dialog.language_combo, Qt.Key.Key_Down)  # Nederlands -> English
    name = dialog.fields.name_edit
    name.setFocus()
    name.selectAll()
    qtbot.keyClicks(name, "Anouk de Vries-Bakker")
    qtbot.keyClick(dialog, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(dialog.fields.role_combo.hasFocus)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Up)  # practice manager -> social worker
    dialog.fields.practice_edit.setText("Gezondheidscentrum De Linde")
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        qtbot.keyClick(dialog.fields.practice_edit, Qt.Key.Key_Return)
    assert config.Preferences.load().language == "en"
    assert dialog.language_changed
    updated = dialog.updated_actor
    assert (updated.id, updated.name, updated.role) == (here.id, "Anouk de Vries-Bakker", Role.SOCIAL_WORKER)
    with db.transaction() as tx:
        assert current_actor(tx) == updated
        assert practice_name(tx) == "Gezondheidscentrum De Linde"


def test_an_empty_practice_name_shows_an_inline_error_and_saves_nothing(qtbot, dialog, db, here):
    dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("en"))
    dialog.fields.name_edit.setText("Iemand Anders")
    dialog.fields.practice_edit.clear()
    _save_button(dialog).click()
    assert dialog.isVisible()
    assert dialog.fields.practice_error.isVisible()
    assert "practice name is empty" in dialog.fields.practice_error.text()
    assert dialog.fields.practice_edit.hasFocus()
    assert not (config.config_dir() / "preferences.json").exists()
    with db.transaction() as tx:
        assert current_actor(tx) == here
        assert practice_name(tx) == "Huisartsenpraktijk De Linde"
    assert dialog.updated_actor is None


def test_cancel_saves_nothing(qtbot, dialog, db, here):
    dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("en"))
    dialog.fields.name_edit.setText("Iemand Anders")
    with qtbot.waitSignal(dialog.rejected, timeout=2000):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert config.Preferences.load().language == "nl"
    with db.transaction() as tx:
        assert current_actor(tx) == here
    assert dialog.updated_actor is None and not dialog.language_changed


def test_keeping_the_language_does_not_write_preferences(qtbot, dialog):
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        _save_button(dialog).click()
    assert not (config.config_dir() / "preferences.json").exists()
    assert not dialog.language_changed
    assert dialog.updated_actor is not None


def test_a_saved_english_preference_is_shown_when_opened_again(qtbot, db, here):
    config.Preferences(language="en").save()
    settings = SettingsDialog(db, here)
    qtbot.addWidget(settings)
    assert settings.language_combo.currentText() == "English"


def test_an_unwritable_config_folder_says_so_and_keeps_the_dialog_open(qtbot, dialog, db, monkeypatch):
    config.config_dir().parent.mkdir(parents=True, exist_ok=True)
    config.config_dir().write_text("a file where the folder should be")
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: shown.append(text))
    dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("en"))
    dialog.fields.name_edit.setText("Anouk Bakker")
    _save_button(dialog).click()
    assert len(shown) == 1 and "could not be written" in shown[0]
    assert dialog.isVisible()
    with db.transaction() as tx:  # the database part was saved and is reported
        assert current_actor(tx).name == "Anouk Bakker"
    assert dialog.updated_actor.name == "Anouk Bakker"


def test_fields_have_accessible_names(dialog):
    assert dialog.language_combo.accessibleName() == "Language"
    assert dialog.fields.practice_edit.accessibleName() == "Practice name"
    assert dialog.minimumWidth() >= 520


def test_the_days_until_a_referral_is_overdue_are_saved(qtbot, dialog, db):
    from broadtalk.referrals import feedback_due_days

    assert dialog.feedback_days.value() == 28
    dialog.feedback_days.setValue(14)
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    with db.transaction() as tx:
        assert feedback_due_days(tx) == 14


def test_a_practice_nurse_is_refused_practice_settings_and_nothing_is_saved(qtbot, db, monkeypatch):
    from broadtalk.referrals import feedback_due_days

    with db.transaction() as tx:
        nurse = set_up_workstation(
            tx, "Anouk de Vries", Role.PRACTICE_NURSE, "Huisartsenpraktijk De Linde", "geheim-2468", now=NOW
        )
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: shown.append(text))
    i18n.set_language("en")
    dialog = SettingsDialog(db, nurse)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitActive(dialog)
    dialog.fields.name_edit.setText("Anouk Bakker")
    dialog.feedback_days.setValue(14)
    _save_button(dialog).click()
    assert len(shown) == 1 and "may not change practice settings" in shown[0]
    assert dialog.isVisible() and dialog.updated_actor is None
    with db.transaction() as tx:  # one transaction: the name was not saved either
        assert feedback_due_days(tx) == 28
        assert current_actor(tx) == nurse
