"""The doors into broadtalk: the passphrase that unlocks the data on this computer, the personal
PIN or password that says who is working, and the offer to encrypt data that is still plain.

Each dialog takes a function that tries what was typed and returns a message when it did not
work; the dialog then stays open with the message under the field, so nothing typed elsewhere
is lost and the person can try again.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from broadtalk.i18n import N_, _
from broadtalk.practitioners import Actor, role_label
from broadtalk.ui.common import ErrorLabel

Attempt = Callable[[], str | None]


def secret_field(placeholder: str = "") -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setMaxLength(200)
    field.setPlaceholderText(placeholder)
    return field


def _title(text: str) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * 1.4)
    font.setWeight(QFont.Weight.DemiBold)
    label.setFont(font)
    return label


def grow_to_fit(window: QWidget) -> None:
    """Make a window tall enough for its word-wrapped text at its present width, within the
    screen. Qt leaves the height of wrapped labels out of a window's minimum size, so without
    this a longer message squashes the fields and is cut off."""
    layout = window.layout()
    if layout is None:
        return
    layout.activate()
    if layout.hasHeightForWidth():
        needed = layout.totalHeightForWidth(window.width())
    else:
        needed = layout.totalSizeHint().height()
    screen = window.screen()
    if screen is not None:
        needed = min(needed, screen.availableGeometry().height())
    window.setMinimumHeight(needed)
    if needed > window.height():
        window.resize(window.width(), needed)


def _explanation(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


class TryDialog(QDialog):
    """A small dialog whose main button tries what was typed; a failure keeps it open."""

    def __init__(self, title: str, heading: str, text: str, button: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(480)
        self.error = ErrorLabel()
        self.form = QFormLayout()
        self.form.setVerticalSpacing(10)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.ok_button = QPushButton(button)
        self.ok_button.setDefault(True)
        self.cancel_button = QPushButton(_("Cancel"))
        self.cancel_button.setAutoDefault(False)
        buttons = QDialogButtonBox()
        self.buttons = buttons
        buttons.addButton(self.ok_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._try)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(12)
        layout.addWidget(_title(heading))
        if text:
            self.explanation = _explanation(text)
            layout.addWidget(self.explanation)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self._attempt: Attempt | None = None

    def showEvent(self, event) -> None:
        super().showEvent(event)
        grow_to_fit(self)

    def add_row(self, text: str, field: QWidget) -> None:
        label = QLabel(text)
        label.setBuddy(field)
        field.setAccessibleName(text.replace("&", ""))
        self.form.addRow(label, field)

    def set_attempt(self, attempt: Attempt) -> None:
        self._attempt = attempt

    def add_extra_button(self, text: str) -> QPushButton:
        """A button beside the main ones for another way out (it never takes Enter)."""
        button = QPushButton(text)
        button.setAutoDefault(False)
        self.buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        return button

    def first_field(self) -> QLineEdit | None:
        return None

    def _try(self) -> None:
        message = self._attempt() if self._attempt is not None else None
        if message:
            self.error.show_message(message)
            grow_to_fit(self)  # the whole message, however many lines it wraps to
            field = self.first_field()
            if field is not None:
                field.selectAll()
                field.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.error.show_message("")
        self.accept()


class PassphraseDialog(TryDialog):
    """Unlock an encrypted database with its passphrase."""

    def __init__(self, location: str, parent: QWidget | None = None, *, on_server: bool = False):
        super().__init__(
            _("Open broadtalk"),
            _("The practice's data on the server is locked") if on_server else _("The data on this computer is locked"),
            _("Type the passphrase of the practice's data to open it ({location}).").format(location=location),
            _("&Open"),
            parent,
        )
        self.passphrase_edit = secret_field()
        self.add_row(_("&Passphrase"), self.passphrase_edit)
        self.passphrase_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def first_field(self) -> QLineEdit:
        return self.passphrase_edit

    def passphrase(self) -> str:
        return self.passphrase_edit.text()


class SignInDialog(TryDialog):
    """Who is working: choose your name, type your own PIN or password."""

    def __init__(self, accounts: list[Actor], hint: str = "", parent: QWidget | None = None):
        super().__init__(
            _("Sign in to broadtalk"),
            _("Sign in"),
            hint or _("Choose your name and type your own PIN or password."),
            _("&Sign in"),
            parent,
        )
        self.name_combo = QComboBox()
        for account in accounts:
            self.name_combo.addItem(
                _("{name} ({role})").format(name=account.name, role=role_label(account.role)), account.id
            )
        self.secret_edit = secret_field()
        self.add_row(_("&Name"), self.name_combo)
        self.add_row(_("&PIN or password"), self.secret_edit)
        self.name_combo.currentIndexChanged.connect(lambda _index: self.error.show_message(""))
        self.secret_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def first_field(self) -> QLineEdit:
        return self.secret_edit

    def choose(self, practitioner_id: int) -> None:
        index = self.name_combo.findData(practitioner_id)
        if index >= 0:
            self.name_combo.setCurrentIndex(index)

    def practitioner_id(self) -> int:
        return int(self.name_combo.currentData())

    def secret(self) -> str:
        return self.secret_edit.text()


class NewSecretDialog(TryDialog):
    """A practitioner from before sign-in existed chooses a personal PIN or password."""

    def __init__(self, name: str, parent: QWidget | None = None):
        super().__init__(
            _("Choose your PIN or password"),
            _("Welcome back, {name}").format(name=name),
            _(
                "From now on everyone signs in with their own PIN or password, so the app knows who looks at "
                "which client. Choose yours (at least 5 characters)."
            ),
            _("&Save and sign in"),
            parent,
        )
        self.secret_edit = secret_field()
        self.repeat_edit = secret_field()
        self.add_row(_("&PIN or password"), self.secret_edit)
        self.add_row(_("&Again"), self.repeat_edit)
        self.secret_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def first_field(self) -> QLineEdit:
        return self.secret_edit

    def secrets(self) -> tuple[str, str]:
        return self.secret_edit.text(), self.repeat_edit.text()


class NewPassphraseFields(QWidget):
    """A new passphrase, typed twice, with what it is for. ``error``: a message label shown
    under the second field."""

    def __init__(self, parent: QWidget | None = None, *, error: QWidget | None = None):
        super().__init__(parent)
        self.passphrase_edit = secret_field(_("at least 8 characters, e.g. a few words"))
        self.repeat_edit = secret_field()
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setVerticalSpacing(10)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setHorizontalSpacing(16)
        self.labels: list[QLabel] = []  # the welcome lines its other fields up with these
        for text, field in ((_("Passp&hrase"), self.passphrase_edit), (_("Passphrase a&gain"), self.repeat_edit)):
            label = QLabel(text)
            label.setBuddy(field)
            field.setAccessibleName(text.replace("&", ""))
            self.labels.append(label)
            if error is not None and field is self.repeat_edit:
                column = QVBoxLayout()
                column.setSpacing(4)
                column.addWidget(field)
                column.addWidget(error)
                form.addRow(label, column)
            else:
                form.addRow(label, field)

    def values(self) -> tuple[str, str]:
        return self.passphrase_edit.text(), self.repeat_edit.text()


PASSPHRASE_ADVICE = N_(
    "The passphrase encrypts all client data on this computer. Without it nobody can read the data, "
    "you neither: write it down and keep it somewhere safe, away from the laptop."
)


class EncryptOfferDialog(TryDialog):
    """Data from before encryption existed: offer to encrypt it now."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(
            _("Encrypt the data"),
            _("The data on this computer is not encrypted yet"),
            _(
                "If this laptop is lost, anyone could read the client records. Choose a passphrase to encrypt them "
                "now; it takes a moment. {advice}"
            ).format(advice=_(PASSPHRASE_ADVICE)),
            _("&Encrypt now"),
            parent,
        )
        self.cancel_button.setText(_("&Later"))
        self.fields = NewPassphraseFields()
        self.form.addRow(self.fields)
        self.fields.passphrase_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def first_field(self) -> QLineEdit:
        return self.fields.passphrase_edit

    def values(self) -> tuple[str, str]:
        return self.fields.values()


class ChangePassphraseDialog(TryDialog):
    """Re-encrypt the data with a new passphrase: the current one first, the new one twice."""

    def __init__(self, parent: QWidget | None = None, *, on_server: bool = False):
        if on_server:
            text = _(
                "Every text on the server is encrypted again with the new passphrase, and every workstation of the "
                "practice opens the data only with it afterwards. Ask everyone to close broadtalk first. The "
                "server's own backups made before keep the old passphrase."
            )
        else:
            text = _(
                "Everyone who opens broadtalk on this computer needs the new passphrase afterwards. Backups made "
                "before keep the old one. {advice}"
            ).format(advice=_(PASSPHRASE_ADVICE))
        super().__init__(
            _("Change the passphrase"),
            _("A new passphrase for the data"),
            text,
            _("Change pass&phrase"),
            parent,
        )
        self.current_edit = secret_field()
        self.add_row(_("&Current passphrase"), self.current_edit)
        self.fields = NewPassphraseFields()
        self.form.addRow(self.fields)
        self.current_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def first_field(self) -> QLineEdit:
        return self.current_edit

    def values(self) -> tuple[str, str, str]:
        new, repeated = self.fields.values()
        return self.current_edit.text(), new, repeated
