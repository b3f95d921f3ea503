"""Settings: the language goes to the user's preferences, name, role and practice to the database."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QMessageBox
from sqlmodel import select

from broadtalk import config, i18n
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.referrals import feedback_due_days
from broadtalk.settings import PracticeDetails, practice_details, set_practice_details
from broadtalk.store.tables import AuditEntry
from broadtalk.ui.settings_dialog import SettingsDialog
from broadtalk.workstation import current_actor, practice_name, set_up_workstation, use_practitioner_here
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
    shutil.rmtree(config.config_dir(), ignore_errors=True)  # it may hold the audit seal's key by now
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
        # A nurse who works here, not the first account (that one also runs the practice).
        set_up_workstation(tx, "Mila Bos", Role.PRACTICE_MANAGER, "Huisartsenpraktijk De Linde", "geheim-2468", now=NOW)
        nurse = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
        use_practitioner_here(tx, nurse)
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


# -- the practice's details -----------------------------------------------------------------------


def _practice_details(db):
    with db.transaction() as tx:
        return practice_details(tx)


def test_a_manager_types_the_practice_details_and_they_are_saved_normalised_and_audited(qtbot, dialog, db, here):
    group = dialog.practice_details
    assert group.title() == "Practice details"
    assert all(edit.isEnabled() for edit in group.edits.values()) and not group.note.isVisible()
    qtbot.keyClick(dialog, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)  # A&ddress
    qtbot.waitUntil(group.address_edit.hasFocus)
    for text in ("Dorpsstraat 1", "3511ab", "Utrecht", "030 - 123 45 67", "info@delinde.nl", "0123 4567"):
        qtbot.keyClicks(QApplication.focusWidget(), text)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        _save_button(dialog).click()

    details = _practice_details(db)
    assert (details.address, details.postal_code, details.city) == ("Dorpsstraat 1", "3511 AB", "Utrecht")
    assert (details.phone, details.email, details.agb) == ("030 - 123 45 67", "info@delinde.nl", "01234567")
    assert details.name == "Huisartsenpraktijk De Linde"
    with db.transaction() as tx:
        keys = [e.detail for e in tx.exec(select(AuditEntry).where(AuditEntry.object_type == "setting")).all()]
    assert keys == [
        "practice_address",
        "practice_postal_code",
        "practice_city",
        "practice_phone",
        "practice_email",
        "practice_agb",
    ]


def test_bad_practice_details_show_under_their_fields_and_nothing_is_saved(qtbot, dialog, db, here):
    group = dialog.practice_details
    dialog.fields.name_edit.setText("Anouk Bakker")
    dialog.feedback_days.setValue(14)
    group.postal_code_edit.setText("3511")
    group.phone_edit.setText("030 12")
    group.email_edit.setText("info@delinde.nl")
    group.agb_edit.setText("123")
    _save_button(dialog).click()

    assert dialog.isVisible() and dialog.updated_actor is None
    assert group.errors["postal_code"].isVisible()
    assert "'3511' is not a Dutch postal code" in group.errors["postal_code"].text()
    assert "has 5 digits" in group.errors["phone"].text()
    assert "The AGB code '123' is not 8 digits" in group.errors["agb"].text()
    assert not group.errors["email"].isVisible() and not group.errors["city"].isVisible()
    assert group.postal_code_edit.hasFocus()  # the cursor where the first fix is
    assert group.phone_edit.accessibleDescription() == group.errors["phone"].text()
    # The whole dialog is visible, messages and all (it grew to hold them).
    assert dialog.height() >= dialog.layout().heightForWidth(dialog.width()) - 60
    with db.transaction() as tx:
        assert feedback_due_days(tx) == 28
        assert current_actor(tx) == here
    assert _practice_details(db).postal_code == ""

    # A typed correction clears its message at once; then everything saves.
    qtbot.keyClicks(group.postal_code_edit, " AB")
    assert not group.errors["postal_code"].isVisible() and group.errors["phone"].isVisible()
    group.phone_edit.setText("030 123 4567")
    group.agb_edit.clear()
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        _save_button(dialog).click()
    details = _practice_details(db)
    assert (details.postal_code, details.phone, details.agb) == ("3511 AB", "030 123 4567", "")


def test_a_nurse_sees_the_practice_details_but_cannot_change_them_and_still_saves_her_name(qtbot, db, monkeypatch):
    with db.transaction() as tx:
        manager = set_up_workstation(tx, "Mila Manager", Role.PRACTICE_MANAGER, "De Linde", "geheim-2468", now=NOW)
        set_practice_details(tx, manager, PracticeDetails(address="Dorpsstraat 1", phone="030-1234567"))
        nurse = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: shown.append(text))
    i18n.set_language("en")
    dialog = SettingsDialog(db, nurse)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitActive(dialog)
    group = dialog.practice_details
    assert group.address_edit.text() == "Dorpsstraat 1" and group.phone_edit.text() == "030-1234567"
    assert not any(edit.isEnabled() for edit in group.edits.values())
    assert group.note.isVisible() and "Only a practice manager or administrator" in group.note.text()
    dialog.fields.name_edit.setText("Anouk Bakker")
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        _save_button(dialog).click()
    assert shown == []
    assert dialog.updated_actor.name == "Anouk Bakker"
    assert _practice_details(db).address == "Dorpsstraat 1"


def test_the_practice_details_have_labels_mnemonics_and_screen_reader_names(dialog):
    group = dialog.practice_details
    names = {key: edit.accessibleName() for key, edit in group.edits.items()}
    assert names == {
        "address": "Address",
        "postal_code": "Postal code",
        "city": "City",
        "phone": "Phone number",
        "email": "E-mail",
        "agb": "AGB code (optional)",
    }
    letters = [label.text()[label.text().index("&") + 1].lower() for label in group.labels]
    others = [label.text()[label.text().index("&") + 1].lower() for label in (*dialog.fields.labels,)]
    assert len(set(letters)) == len(letters) and not set(letters) & set(others)
    assert dialog.width() <= 1000 and dialog.height() <= 700  # fits a laptop screen
