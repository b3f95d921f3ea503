"""The first start: a calm welcome that asks who works here, or offers a demo practice first."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from broadtalk.errors import BroadtalkError
from broadtalk.i18n import N_, _
from broadtalk.practitioners import Role, role_description, role_label
from broadtalk.sign_in import check_new_secret
from broadtalk.store.database import check_new_passphrase
from broadtalk.ui.common import ErrorLabel
from broadtalk.ui.sign_in_dialogs import PASSPHRASE_ADVICE, NewPassphraseFields, secret_field
from broadtalk.workstation import (
    NAME,
    NAME_MAX,
    PRACTICE,
    PRACTICE_NAME_MAX,
    ROLE,
    InvalidWorkstation,
    WorkstationInput,
    validate_workstation,
)

START, DEMO, SERVER, LOCAL = "start", "demo", "server", "local"

#: On a server, the passphrase protects the texts the server keeps, for every workstation.
SERVER_PASSPHRASE_ADVICE = N_(
    "The passphrase encrypts the texts about clients before they reach the server: the server and its "
    "backups hold no readable content. Every workstation of the practice opens the data with it. Without it "
    "nobody can read the data, you neither: write it down and keep it somewhere safe."
)


def without_mnemonic(text: str) -> str:
    """A label's text as a screen reader should say it: 'Your &name' -> 'Your name'."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


class WorkstationFields(QWidget):
    """Your name, your role and the practice name, each with an inline error under it.

    Shared by the welcome and the settings, so both check and show problems the same way.
    ``role_note``: a widget shown under the role (the welcome says there what the role means)."""

    def __init__(self, parent: QWidget | None = None, *, role_note: QWidget | None = None):
        super().__init__(parent)
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(NAME_MAX)
        self.name_edit.setPlaceholderText(_("First name and family name"))
        self.role_combo = QComboBox()
        for role in Role:
            self.role_combo.addItem(role_label(role), role.value)
        self.practice_edit = QLineEdit()
        self.practice_edit.setMaxLength(PRACTICE_NAME_MAX)
        self.practice_edit.setPlaceholderText(_("e.g. Huisartsenpraktijk De Linde"))
        self.name_error = ErrorLabel()
        self.role_error = ErrorLabel()
        self.practice_error = ErrorLabel()
        self._errors = {NAME: self.name_error, ROLE: self.role_error, PRACTICE: self.practice_error}
        self._fields: dict[str, QWidget] = {NAME: self.name_edit, ROLE: self.role_combo, PRACTICE: self.practice_edit}

        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setVerticalSpacing(10)
        form.setHorizontalSpacing(16)
        # Labels above fields would waste height; beside them they read as a paper form does.
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.labels: list[QLabel] = []  # the settings align its other rows to these
        for key, text in ((NAME, _("Your &name")), (ROLE, _("Your &role")), (PRACTICE, _("&Practice name"))):
            field = self._fields[key]
            label = QLabel(text)
            self.labels.append(label)
            label.setBuddy(field)
            field.setAccessibleName(without_mnemonic(text))
            column = QVBoxLayout()
            column.setSpacing(4)
            column.addWidget(field)
            column.addWidget(self._errors[key])
            if key == ROLE and role_note is not None:
                column.addWidget(role_note)
            form.addRow(label, column)
        # A typed correction clears the old complaint at once; no stale red under a fixed field.
        self.name_edit.textEdited.connect(lambda _text: self._clear(NAME))
        self.practice_edit.textEdited.connect(lambda _text: self._clear(PRACTICE))
        self.role_combo.currentIndexChanged.connect(lambda _index: self._clear(ROLE))

    def set_values(self, name: str, role: Role | str, practice_name: str) -> None:
        self.name_edit.setText(name)
        index = self.role_combo.findData(Role(role).value)
        self.role_combo.setCurrentIndex(max(index, 0))
        self.practice_edit.setText(practice_name)

    def checked_values(self) -> WorkstationInput | None:
        """The cleaned values, or None after showing each problem under its field (and moving
        the cursor to the first one, so a keyboard user lands where the fix is)."""
        self.clear_problems()
        try:
            return validate_workstation(self.name_edit.text(), self.role_combo.currentData(), self.practice_edit.text())
        except InvalidWorkstation as invalid:
            self.show_problems(invalid.problems)
            return None

    def show_problems(self, problems: dict[str, str]) -> None:
        for key, message in problems.items():
            self._errors[key].show_message(message)
            self._fields[key].setAccessibleDescription(message)  # a screen reader reads it with the field
        first = next((key for key in (NAME, ROLE, PRACTICE) if key in problems), None)
        if first is not None:
            self._fields[first].setFocus(Qt.FocusReason.OtherFocusReason)

    def clear_problems(self) -> None:
        for key in self._errors:
            self._clear(key)

    def _clear(self, key: str) -> None:
        self._errors[key].show_message("")
        self._fields[key].setAccessibleDescription("")


#: What the first account of a practice may do besides its role, said in the welcome.
FIRST_ACCOUNT_NOTE = N_(
    "This first account also manages the practice: colleagues, the lock time, backups and restore. "
    "You can give that to a colleague later."
)


class WelcomeDialog(QDialog):
    """Shown when this database has no practitioner yet. ``choice`` after accept: "start" (with
    ``values``), "demo", "server" (the practice's server was chosen and remembered:
    ``server_address``) or "local" (back from a chosen server to the data on this computer).

    ``offer_server``: offer the practice's server (not when a database was named on the command
    line). ``server_place``: the practice is set up on this (empty) server database, so the
    welcome says so and offers the data on this computer instead of the demo.

    The fields sit in a scroll area between the title and the buttons: when messages appear the
    dialog grows to show them (up to the screen's height) and scrolls beyond that, so a field is
    never squashed and a message never cut off."""

    def __init__(self, parent: QWidget | None = None, *, offer_server: bool = False, server_place: str = ""):
        super().__init__(parent)
        self.setWindowTitle(_("Welcome to broadtalk"))
        self.server_address = ""
        self.setMinimumWidth(620)
        self.setSizeGripEnabled(True)
        self._choice: str | None = None
        self._values: WorkstationInput | None = None

        title = QLabel(_("Welcome to broadtalk"))
        title.setObjectName("welcomeTitle")
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setWeight(QFont.Weight.DemiBold)
        title.setFont(font)
        title.setAccessibleName(title.text())
        about = _(
            "broadtalk supports the broad conversation with your clients, about every area of their life, "
            "and the warm handover when someone else can help."
        )
        if server_place:
            where = _(
                "The practice's data will be kept on the server ({place}), shared by its workstations. "
                "First, tell us who works here."
            ).format(place=server_place)
        else:
            where = _("First, tell us who works here.")
        intro = QLabel(about + " " + where)
        intro.setWordWrap(True)
        intro.setObjectName("welcomeIntro")
        self.server_button: QPushButton | None = None
        server_row: QHBoxLayout | None = None
        if offer_server and not server_place:
            server_note = QLabel(_("Does your practice keep its data on a server, shared by several workstations?"))
            server_note.setWordWrap(True)
            server_note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            self.server_button = QPushButton(_("Connect to the practice's se&rver…"))
            self.server_button.setAutoDefault(False)
            self.server_button.setAccessibleName(without_mnemonic(self.server_button.text()))
            self.server_button.clicked.connect(self._server)
            server_row = QHBoxLayout()
            server_row.setSpacing(12)
            server_row.addWidget(server_note, 1)
            server_row.addWidget(self.server_button)

        # Under the role: what it means, and that this first account also runs the practice.
        self.role_note = QLabel()
        self.role_note.setWordWrap(True)
        self.role_note.setObjectName("roleNote")
        self.role_note.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # a helping sentence, calm
        self.fields = WorkstationFields(role_note=self.role_note)
        self.name_edit = self.fields.name_edit
        self.role_combo = self.fields.role_combo
        self.practice_edit = self.fields.practice_edit
        self.name_error = self.fields.name_error
        self.practice_error = self.fields.practice_error
        self.role_combo.currentIndexChanged.connect(lambda _index: self._describe_role())
        self._describe_role()

        protect = QLabel(_("Protect the data"))
        protect_font = QFont(protect.font())
        protect_font.setWeight(QFont.Weight.DemiBold)
        protect.setFont(protect_font)
        secret_intro = QLabel(_("Your own PIN or password: you sign in with it and unlock the screen."))
        secret_intro.setWordWrap(True)
        self.secret_edit = secret_field(_("at least 5 characters"))
        self.secret_repeat_edit = secret_field()
        self.secret_error = ErrorLabel()
        secret_form = QFormLayout()
        secret_form.setContentsMargins(0, 0, 0, 0)
        secret_form.setVerticalSpacing(10)
        secret_form.setHorizontalSpacing(16)
        secret_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        secret_labels: list[QLabel] = []
        for text, field in (
            (_("Your P&IN or password"), self.secret_edit),
            (_("PIN or password &again"), self.secret_repeat_edit),
        ):
            label = QLabel(text)
            label.setBuddy(field)
            field.setAccessibleName(without_mnemonic(text))
            secret_labels.append(label)
            if field is self.secret_repeat_edit:  # the message under the pair, in the fields' column
                column = QVBoxLayout()
                column.setSpacing(4)
                column.addWidget(field)
                column.addWidget(self.secret_error)
                secret_form.addRow(label, column)
            else:
                secret_form.addRow(label, field)
        passphrase_intro = QLabel(_(SERVER_PASSPHRASE_ADVICE) if server_place else _(PASSPHRASE_ADVICE))
        passphrase_intro.setWordWrap(True)
        self.passphrase_error = ErrorLabel()
        self.passphrase_fields = NewPassphraseFields(error=self.passphrase_error)
        self.passphrase_edit = self.passphrase_fields.passphrase_edit
        self.passphrase_repeat_edit = self.passphrase_fields.repeat_edit
        # A message goes as soon as either of its two fields is typed in: no stale red.
        for field in (self.secret_edit, self.secret_repeat_edit):
            field.textEdited.connect(lambda _text: self._clear(self.secret_error, self.secret_edit))
        for field in (self.passphrase_edit, self.passphrase_repeat_edit):
            field.textEdited.connect(lambda _text: self._clear(self.passphrase_error, self.passphrase_edit))
        self._secret: str = ""
        self._passphrase: str = ""

        # One label column for the three groups of fields, so the fields line up.
        labels = [*self.fields.labels, *secret_labels, *self.passphrase_fields.labels]
        label_width = max(label.sizeHint().width() for label in labels)
        for label in labels:
            label.setMinimumWidth(label_width)

        self.start_button = QPushButton(_("&Start"))
        self.start_button.setDefault(True)
        self.start_button.setMinimumWidth(140)  # the main way on: easy to find and to hit
        self.start_button.setAccessibleName(without_mnemonic(self.start_button.text()))
        self.start_button.clicked.connect(self._start)
        if server_place and offer_server:
            # Instead of the demo: the way back, should the server have been chosen by mistake.
            self.demo_button = QPushButton(_("Keep the data on this &computer instead"))
            self.demo_button.setToolTip(_("This workstation forgets the server; the server keeps what it holds."))
            self.demo_button.clicked.connect(self._local)
        else:
            self.demo_button = QPushButton(_("Look around in a &demo practice first"))
            self.demo_button.setToolTip(_("A practice with fictional clients, kept apart from your own data."))
            self.demo_button.clicked.connect(self._demo)
        self.demo_button.setAutoDefault(False)  # Enter in a field means "start", never "demo"
        self.demo_button.setAccessibleName(without_mnemonic(self.demo_button.text()))
        # A server named on the command line: that was chosen; a demo on this computer is not offered.
        self.demo_button.setVisible(not server_place or offer_server)

        buttons = QHBoxLayout()
        buttons.setSpacing(12)
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)

        content = QWidget()
        content.setObjectName("welcomeForm")
        form = QVBoxLayout(content)
        form.setContentsMargins(0, 0, 8, 0)  # room for a scroll bar beside the fields
        form.setSpacing(0)
        form.addWidget(self.fields)
        form.addSpacing(20)
        form.addWidget(protect)
        form.addSpacing(6)
        form.addWidget(secret_intro)
        form.addSpacing(8)
        form.addLayout(secret_form)
        form.addSpacing(16)
        form.addWidget(passphrase_intro)
        form.addSpacing(8)
        form.addWidget(self.passphrase_fields)
        form.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("welcomeScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scroll.setWidget(content)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 28, 24, 28)
        layout.setSpacing(0)
        layout.addWidget(title)
        layout.addSpacing(10)
        layout.addWidget(intro)
        if server_row is not None:
            layout.addSpacing(12)
            layout.addLayout(server_row)
        layout.addSpacing(24)
        layout.addWidget(self.scroll, 1)
        layout.addSpacing(20)
        layout.addLayout(buttons)

        self.setTabOrder(self.name_edit, self.role_combo)
        self.setTabOrder(self.role_combo, self.practice_edit)
        self.setTabOrder(self.practice_edit, self.secret_edit)
        self.setTabOrder(self.secret_edit, self.secret_repeat_edit)
        self.setTabOrder(self.secret_repeat_edit, self.passphrase_edit)
        self.setTabOrder(self.passphrase_edit, self.passphrase_repeat_edit)
        self.setTabOrder(self.passphrase_repeat_edit, self.start_button)
        self.setTabOrder(self.start_button, self.demo_button)
        if self.server_button is not None:
            self.setTabOrder(self.demo_button, self.server_button)
        self.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._fit()

    def _describe_role(self) -> None:
        role = self.role_combo.currentData()
        text = role_description(role) + " " + _(FIRST_ACCOUNT_NOTE) if role else _(FIRST_ACCOUNT_NOTE)
        self.role_note.setText(text)
        self.role_combo.setAccessibleDescription(text)  # a screen reader reads it with the role

    def _fit(self) -> None:
        """Tall enough for every field and message at the present width (within the screen; the
        scroll area takes what does not fit)."""
        content = self.scroll.widget()
        content_layout = content.layout()
        content_layout.activate()
        width = self.scroll.viewport().width() or content.width()
        needed = (
            content_layout.totalHeightForWidth(width)
            if content_layout.hasHeightForWidth()
            else content_layout.totalSizeHint().height()
        )
        chrome = self.height() - self.scroll.viewport().height()
        target = needed + chrome
        screen = self.screen()
        if screen is not None:
            target = min(target, screen.availableGeometry().height())
        if target > self.height():
            self.resize(self.width(), target)

    def _clear(self, label: ErrorLabel, field: QWidget) -> None:
        label.show_message("")
        field.setAccessibleDescription("")

    def _show_where(self, field: QWidget, label: ErrorLabel | None = None) -> None:
        """The cursor in the field to fix, scrolled into view with its message."""
        field.setFocus(Qt.FocusReason.OtherFocusReason)

        def into_view() -> None:
            if label is not None and label.isVisible():
                self.scroll.ensureWidgetVisible(label, 0, 8)
            self.scroll.ensureWidgetVisible(field, 0, 8)

        QTimer.singleShot(0, self, into_view)  # once the layout has made room for the messages

    @property
    def choice(self) -> str | None:
        """ "start", "demo", or None while nothing was chosen (or the welcome was closed)."""
        return self._choice

    @property
    def values(self) -> WorkstationInput | None:
        """What was entered, cleaned and checked; set when ``choice`` is "start"."""
        return self._values

    @property
    def secret(self) -> str:
        """The new practitioner's own PIN or password; set when ``choice`` is "start"."""
        return self._secret

    @property
    def passphrase(self) -> str:
        """The passphrase that encrypts this practice's data; set when ``choice`` is "start"."""
        return self._passphrase

    def _start(self) -> None:
        values = self.fields.checked_values()
        secret_problem = passphrase_problem = ""
        try:
            check_new_secret(self.secret_edit.text(), self.secret_repeat_edit.text())
        except BroadtalkError as error:
            secret_problem = error.message
        try:
            check_new_passphrase(*self.passphrase_fields.values())
        except BroadtalkError as error:
            passphrase_problem = error.message
        self.secret_error.show_message(secret_problem)
        self.secret_edit.setAccessibleDescription(secret_problem)
        self.passphrase_error.show_message(passphrase_problem)
        self.passphrase_edit.setAccessibleDescription(passphrase_problem)
        if values is None or secret_problem or passphrase_problem:
            self._fit()  # room for the messages: the dialog grows rather than squash the fields
        if values is None:
            first = next(
                (
                    (field, label)
                    for field, label in (
                        (self.name_edit, self.name_error),
                        (self.role_combo, self.fields.role_error),
                        (self.practice_edit, self.practice_error),
                    )
                    if label.text()
                ),
                (self.name_edit, None),
            )
            self._show_where(*first)
            return
        if secret_problem:
            self._show_where(self.secret_edit, self.secret_error)
            return
        if passphrase_problem:
            self._show_where(self.passphrase_edit, self.passphrase_error)
            return
        self._choice, self._values = START, values
        self._secret, self._passphrase = self.secret_edit.text(), self.passphrase_edit.text()
        self.accept()

    def _demo(self) -> None:
        self.fields.clear_problems()
        self._choice, self._values = DEMO, None
        self.accept()

    def _server(self) -> None:
        """Ask the server's address; once it answers it is remembered and the welcome closes."""
        from broadtalk.ui.server_dialog import ServerDialog

        dialog = ServerDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.fields.clear_problems()
        self._choice, self._values, self.server_address = SERVER, None, dialog.address
        self.accept()

    def _local(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        from broadtalk import config

        try:
            config.forget_server()
        except OSError:
            QMessageBox.warning(
                self,
                _("The server is still chosen"),
                _("This computer's settings folder could not be changed ({folder}); nothing was changed.").format(
                    folder=config.config_dir()
                ),
            )
            return
        self.fields.clear_problems()
        self._choice, self._values = LOCAL, None
        self.accept()
