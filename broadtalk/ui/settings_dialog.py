"""Settings: the interface language (per user) and who works here and in which practice (per database)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QMessageBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from broadtalk import config, settings
from broadtalk.i18n import _
from broadtalk.permissions import Permission, allows
from broadtalk.practitioners import Actor
from broadtalk.referrals import feedback_due_days, set_feedback_due_days
from broadtalk.store.database import Database
from broadtalk.ui.common import run_use_case
from broadtalk.ui.welcome import WorkstationFields, without_mnemonic
from broadtalk.workstation import practice_name, update_workstation

# Each language in its own name, untranslated: someone who reads only that language must find it.
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


class SettingsDialog(QDialog):
    """Change the language (after a restart), your name and role, and the practice name."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self._updated: Actor | None = None
        self._saved_language = config.Preferences.load().language
        self.setWindowTitle(_("Settings"))
        self.setMinimumWidth(560)

        self.language_combo = QComboBox()
        for code, name in LANGUAGE_NAMES.items():
            self.language_combo.addItem(name, code)
        self.language_combo.setCurrentIndex(max(self.language_combo.findData(self._saved_language), 0))
        language_label = QLabel(_("&Language"))
        language_label.setBuddy(self.language_combo)
        self.language_combo.setAccessibleName(without_mnemonic(language_label.text()))
        self.language_note = QLabel(_("A new language takes effect the next time you start broadtalk."))
        self.language_note.setWordWrap(True)
        language_box = QGroupBox(_("Display"))
        language_form = QFormLayout(language_box)
        language_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        language_form.setHorizontalSpacing(16)
        language_form.addRow(language_label, self.language_combo)
        language_form.addRow("", self.language_note)

        self.fields = WorkstationFields()
        with db.transaction() as tx:
            practice = practice_name(tx)
        self.fields.set_values(actor.name, actor.role, practice)
        # What a role may not change is shown, not offered (the core refuses it anyway).
        practice_wide = allows(actor, Permission.MANAGE_SETTINGS)
        self.fields.role_combo.setEnabled(allows(actor, Permission.MANAGE_PRACTITIONERS))
        self.fields.practice_edit.setEnabled(practice_wide)
        you_box = QGroupBox(_("You and your practice"))
        you_layout = QVBoxLayout(you_box)
        you_layout.addWidget(self.fields)
        # One column edge for both boxes, so the eye runs down the fields in a straight line.
        labels = [language_label, *self.fields.labels]

        # Referrals: after how many days without feedback a referral counts as overdue.
        with db.transaction() as tx:
            due_days = feedback_due_days(tx)
        self.feedback_days = QSpinBox()
        self.feedback_days.setRange(1, 365)
        self.feedback_days.setValue(due_days)
        self.feedback_days.setEnabled(practice_wide)
        self.feedback_days.setMaximumWidth(140)
        self.feedback_days.setSuffix(_(" days"))
        self.feedback_days.setAccessibleName(_("Days until a referral without feedback is overdue"))
        feedback_label = QLabel(_("Feedback &expected within"))
        feedback_label.setBuddy(self.feedback_days)
        referrals_box = QGroupBox(_("Referrals"))
        referrals_form = QFormLayout(referrals_box)
        referrals_form.addRow(feedback_label, self.feedback_days)
        labels.append(feedback_label)

        # Security: minutes without keyboard or mouse before the screen locks itself.
        with db.transaction() as tx:
            lock_minutes = settings.auto_lock_minutes(tx)
        self.lock_minutes = QSpinBox()
        self.lock_minutes.setRange(settings.AUTO_LOCK_MIN, settings.AUTO_LOCK_MAX)
        self.lock_minutes.setValue(lock_minutes)
        self.lock_minutes.setEnabled(practice_wide)
        self.lock_minutes.setMaximumWidth(140)
        self.lock_minutes.setSuffix(_(" minutes"))
        self.lock_minutes.setAccessibleName(_("Minutes without use before the screen locks"))
        lock_label = QLabel(_("Lock the screen &after"))
        lock_label.setBuddy(self.lock_minutes)
        lock_note = QLabel(_("Ctrl+L locks it at once. Only your own PIN or password opens it again."))
        lock_note.setWordWrap(True)
        security_box = QGroupBox(_("Security"))
        security_form = QFormLayout(security_box)
        security_form.addRow(lock_label, self.lock_minutes)
        security_form.addRow("", lock_note)
        labels.append(lock_label)
        width = max(label.sizeHint().width() for label in labels)
        for label in labels:
            label.setMinimumWidth(width)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(16)
        layout.addWidget(language_box)
        layout.addWidget(you_box)
        layout.addWidget(referrals_box)
        layout.addWidget(security_box)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.language_combo.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def updated_actor(self) -> Actor | None:
        """The practitioner as saved (new name or role); None while nothing was saved."""
        return self._updated

    @property
    def language_changed(self) -> bool:
        """Whether a different language was saved (it shows after a restart)."""
        return (
            self.result() == QDialog.DialogCode.Accepted and self.language_combo.currentData() != self._saved_language
        )

    def _save(self) -> None:
        values = self.fields.checked_values()
        if values is None:
            return
        days = self.feedback_days.value()
        minutes = self.lock_minutes.value()

        def save(tx):
            set_feedback_due_days(tx, self._actor, days)
            settings.set_auto_lock_minutes(tx, self._actor, minutes)
            return update_workstation(tx, self._actor, values.name, values.role, values.practice_name)

        updated = run_use_case(self, self._db, save, _("Your details were not saved"))
        if updated is None:
            return
        self._actor = self._updated = updated
        language = self.language_combo.currentData()
        if language != self._saved_language:
            preferences = config.Preferences.load()
            preferences.language = language
            try:
                preferences.save()
            except OSError as error:
                QMessageBox.warning(
                    self,
                    _("The language was not saved"),
                    _(
                        "Your name and practice were saved, but the language could not be written to {folder} "
                        "({reason}). Check that this folder can be written to and try again."
                    ).format(folder=config.config_dir(), reason=error.strerror or type(error).__name__),
                )
                return
        self.accept()
