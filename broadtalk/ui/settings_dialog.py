"""Settings: the interface language (per user) and who works here and in which practice (per database)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from broadtalk import config, settings
from broadtalk.errors import os_reason
from broadtalk.i18n import _
from broadtalk.permissions import Permission, allows
from broadtalk.practitioners import EMAIL_MAX, PHONE_MAX, Actor
from broadtalk.referrals import feedback_due_days, set_feedback_due_days
from broadtalk.store.database import Database
from broadtalk.ui.common import ErrorLabel, run_use_case
from broadtalk.ui.dialog_parts import buddy_label, quiet_label, settle_size
from broadtalk.ui.welcome import WorkstationFields, without_mnemonic
from broadtalk.workstation import practice_name, update_workstation

# Each language in its own name, untranslated: someone who reads only that language must find it.
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}
DIALOG_WIDTH = 960  # two columns of about 440 pixels: labels beside their fields, no squeezing


class PracticeDetailsFields(QGroupBox):
    """The practice's address, phone, e-mail and AGB code (printed on handovers), each with an
    inline error under it. Shown to everyone, changeable by who may change practice settings."""

    #: Field names as in ``settings.InvalidPracticeDetails.problems``, in the order of the form.
    ORDER = ("address", "postal_code", "city", "phone", "email", "agb")

    def __init__(self, details: settings.PracticeDetails, editable: bool, parent: QWidget | None = None):
        super().__init__(_("Practice details"), parent)
        self.editable = editable
        self._name = details.name  # not changed here: it is the practice name above
        self.address_edit = QLineEdit(details.address)
        self.address_edit.setMaxLength(settings.ADDRESS_MAX)
        self.address_edit.setPlaceholderText(_("Street and house number"))
        self.postal_code_edit = QLineEdit(details.postal_code)
        self.postal_code_edit.setMaxLength(10)
        self.postal_code_edit.setPlaceholderText(_("1234 AB"))
        self.postal_code_edit.setMaximumWidth(110)
        self.city_edit = QLineEdit(details.city)
        self.city_edit.setMaxLength(settings.CITY_MAX)
        self.phone_edit = QLineEdit(details.phone)
        self.phone_edit.setMaxLength(PHONE_MAX)
        self.phone_edit.setPlaceholderText(_("e.g. 030-1234567"))
        self.email_edit = QLineEdit(details.email)
        self.email_edit.setMaxLength(EMAIL_MAX)
        self.email_edit.setPlaceholderText(_("e.g. info@praktijk.nl"))
        self.agb_edit = QLineEdit(details.agb)
        self.agb_edit.setMaxLength(12)
        self.agb_edit.setMaximumWidth(140)
        self.agb_edit.setPlaceholderText(_("8 digits"))
        self.edits: dict[str, QLineEdit] = {
            "address": self.address_edit,
            "postal_code": self.postal_code_edit,
            "city": self.city_edit,
            "phone": self.phone_edit,
            "email": self.email_edit,
            "agb": self.agb_edit,
        }
        self.errors: dict[str, ErrorLabel] = {key: ErrorLabel() for key in self.ORDER}

        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(8)
        self.labels: list[QLabel] = []  # the dialog aligns them with its other rows

        def row(label: QLabel, fields: list[tuple[QWidget, int]], keys: tuple[str, ...]) -> None:
            """One labelled row: its fields (with their stretch; 0 keeps a short field short) and
            the error labels under them."""
            line = QHBoxLayout()
            line.setSpacing(8)
            for field, stretch in fields:
                line.addWidget(field, stretch)
            if not any(stretch for _field, stretch in fields):
                line.addStretch(1)
            column = QVBoxLayout()
            column.setSpacing(4)
            column.addLayout(line)
            for key in keys:
                column.addWidget(self.errors[key])
            form.addRow(label, column)
            self.labels.append(label)

        row(buddy_label(_("A&ddress"), self.address_edit), [(self.address_edit, 1)], ("address",))
        place_label = buddy_label(_("P&ostal code and city"), self.postal_code_edit)
        self.postal_code_edit.setAccessibleName(_("Postal code"))
        self.city_edit.setAccessibleName(_("City"))
        row(place_label, [(self.postal_code_edit, 0), (self.city_edit, 1)], ("postal_code", "city"))
        row(buddy_label(_("P&hone number"), self.phone_edit), [(self.phone_edit, 1)], ("phone",))
        row(buddy_label(_("E-&mail"), self.email_edit), [(self.email_edit, 1)], ("email",))
        row(buddy_label(_("A&GB code (optional)"), self.agb_edit), [(self.agb_edit, 0)], ("agb",))
        self.note = quiet_label(_("Only a practice manager or administrator can change these."))
        self.note.setVisible(not editable)
        form.addRow("", self.note)
        for key, edit in self.edits.items():
            edit.setEnabled(editable)
            if not editable:
                edit.setPlaceholderText("")  # an example in a field one cannot type in only confuses
            # A typed correction clears the old complaint at once.
            edit.textEdited.connect(lambda _text, key=key: self._clear(key))

    def values(self) -> settings.PracticeDetails:
        return settings.PracticeDetails(self._name, **{key: edit.text() for key, edit in self.edits.items()})

    def checked_values(self) -> settings.PracticeDetails | None:
        """The cleaned details, or None after showing each problem under its field."""
        self.clear_problems()
        try:
            return settings.check_practice_details(self.values())
        except settings.InvalidPracticeDetails as invalid:
            self.show_problems(invalid.problems)
            return None

    def show_problems(self, problems: dict[str, str]) -> None:
        for key, message in problems.items():
            self.errors[key].show_message(message)
            self.edits[key].setAccessibleDescription(message)  # a screen reader reads it with the field

    def first_problem(self) -> QLineEdit | None:
        return next((self.edits[key] for key in self.ORDER if self.errors[key].text()), None)

    def clear_problems(self) -> None:
        for key in self.ORDER:
            self._clear(key)

    def _clear(self, key: str) -> None:
        self.errors[key].show_message("")
        self.edits[key].setAccessibleDescription("")


class SettingsDialog(QDialog):
    """Change the language (after a restart), your name and role, the practice name and details."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self._updated: Actor | None = None
        self._saved_language = config.Preferences.load().language
        self.setWindowTitle(_("Settings"))

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

        # The practice's address and numbers, printed on every handover document: the second
        # column, with its own label edge (made last, so Tab reaches it after the first column).
        with db.transaction() as tx:
            details = settings.practice_details(tx)
        self.practice_details = PracticeDetailsFields(details, practice_wide)
        for column_labels in (labels, self.practice_details.labels):
            width = max(label.sizeHint().width() for label in column_labels)
            for label in column_labels:
                label.setMinimumWidth(width)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)

        # Two columns, so the dialog fits a laptop screen: Tab runs down the left, then the right.
        left = QVBoxLayout()
        left.setSpacing(16)
        left.addWidget(language_box)
        left.addWidget(you_box)
        left.addWidget(referrals_box)
        left.addWidget(security_box)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.practice_details)
        right.addStretch(1)
        columns = QHBoxLayout()
        columns.setSpacing(20)
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(16)
        layout.addLayout(columns, 1)
        layout.addWidget(self.buttons)
        settle_size(self, DIALOG_WIDTH, 420)
        self.language_combo.setFocus(Qt.FocusReason.OtherFocusReason)

    def _fit(self) -> None:
        """Grow to show the messages under the fields in full (word-wrapped text is not part of
        the minimum Qt derives itself)."""
        layout = self.layout()
        needed = layout.heightForWidth(self.width()) if layout.hasHeightForWidth() else 0
        if needed > self.height():
            self.resize(self.width(), needed)

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
        values = self.fields.checked_values()  # shows its problems (and moves the cursor to the first)
        # Details one may not change are not saved: whatever they hold is not this person's to fix.
        details = self.practice_details.checked_values() if self.practice_details.editable else None
        if values is None:
            return
        if self.practice_details.editable and details is None:
            self._fit()
            field = self.practice_details.first_problem()
            if field is not None:
                field.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        days = self.feedback_days.value()
        minutes = self.lock_minutes.value()

        def save(tx):
            set_feedback_due_days(tx, self._actor, days)
            settings.set_auto_lock_minutes(tx, self._actor, minutes)
            if details is not None:
                settings.set_practice_details(tx, self._actor, details)
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
                    ).format(folder=config.config_dir(), reason=os_reason(error)),
                )
                return
        self.accept()
