"""The client dialog: create a new client or change a client's details.

The core (``clients.validate``) decides what is valid; this dialog only shows its verdict, one
message under each field that needs attention, and keeps everything that was typed.
"""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from broadtalk.clients import (
    MAX_GENERAL_PRACTITIONER,
    MAX_LANGUAGE,
    ClientInput,
    ClientRecord,
    InvalidClient,
    create_client,
    update_client,
)
from broadtalk.errors import BroadtalkError
from broadtalk.i18n import N_, _
from broadtalk.practitioners import Actor
from broadtalk.store.database import Database
from broadtalk.text import fold
from broadtalk.ui.common import ErrorLabel, save_cancel_buttons, show_refusal

#: The fields in screen order: the first one with a problem gets the focus.
FIELDS = (
    "given_name",
    "name_prefix",
    "family_name",
    "birth_date",
    "bsn",
    "phone",
    "email",
    "address",
    "postal_code",
    "city",
    "general_practitioner",
    "language",
)
#: Languages often spoken by clients of a Dutch practice who prefer another; offered in the
#: preferred-language box (after Dutch, which stands for "no other language"). One may type any other.
COMMON_LANGUAGES = (
    N_("Arabic"),
    N_("Berber (Tamazight)"),
    N_("Bulgarian"),
    N_("Chinese"),
    N_("Dari"),
    N_("English"),
    N_("Farsi"),
    N_("French"),
    N_("German"),
    N_("Kurdish"),
    N_("Papiamento"),
    N_("Polish"),
    N_("Portuguese"),
    N_("Romanian"),
    N_("Russian"),
    N_("Somali"),
    N_("Spanish"),
    N_("Sranan Tongo"),
    N_("Tigrinya"),
    N_("Turkish"),
    N_("Ukrainian"),
)
MIN_WIDTH = 480
PREFERRED_WIDTH = 540


class ClientDialog(QDialog):
    """Create a client (``client`` is None) or change one; ``saved_client`` holds the result after accept."""

    def __init__(
        self, db: Database, actor: Actor, client: ClientRecord | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self._client = client
        self._saved: ClientRecord | None = None
        self.setWindowTitle(_("New client") if client is None else _("Edit client"))
        self.setMinimumWidth(MIN_WIDTH)
        self.setSizeGripEnabled(True)

        self.labels: dict[str, QLabel] = {}
        #: The line edits by field name (every field but the preferred language and the interpreter).
        self.edits: dict[str, QLineEdit] = {}
        #: The widget of each field in FIELDS: where a message sends the focus.
        self.inputs: dict[str, QWidget] = {}
        self.errors: dict[str, ErrorLabel] = {}
        self._forms: dict[str, QFormLayout] = {}
        self._boxes: list[QGroupBox] = []

        name = self._section(_("Name"))
        self._field(name, "given_name", _("&Given name *"), max_length=100)
        self._field(name, "name_prefix", _("Name &prefix"), max_length=30, placeholder=_("e.g. van der"))
        self._field(name, "family_name", _("&Family name *"), max_length=100)

        birth = self._section(_("Birth and BSN"))
        self._field(birth, "birth_date", _("&Birth date *"), max_length=10, placeholder=_("dd-mm-yyyy"))
        self._field(birth, "bsn", _("BS&N"), max_length=11, placeholder=_("9 digits; may stay empty"))

        contact = self._section(_("Contact"))
        self._field(contact, "phone", _("P&hone"), max_length=40)
        self._field(contact, "email", _("&E-mail"), max_length=200)
        self._field(contact, "address", _("&Address"), max_length=200, placeholder=_("Street and house number"))
        self._field(contact, "postal_code", _("Posta&l code"), max_length=10, placeholder=_("1234 AB"))
        self._field(contact, "city", _("&City"), max_length=100)

        care = self._section(_("GP and language"))
        self._field(
            care,
            "general_practitioner",
            _("General p&ractitioner"),
            max_length=MAX_GENERAL_PRACTITIONER,
            placeholder=_("name and practice, if not this practice"),
        )
        self.language = QComboBox()
        self.language.setObjectName("language")
        self.language.setEditable(True)
        self.language.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)  # a typed language is not offered to others
        self.language.addItem(_("Dutch"))
        for language in sorted((_(msgid) for msgid in COMMON_LANGUAGES), key=fold):
            self.language.addItem(language)
        self.language.lineEdit().setMaxLength(MAX_LANGUAGE)
        self.language.lineEdit().setPlaceholderText(_("Dutch"))  # empty says the same as choosing Dutch
        # As wide as the short fields when there is room, narrower (not hiding the check box) when not.
        self.language.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.language.setMinimumContentsLength(10)
        self.language.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.language.setToolTip(_("Choose or type the language the client prefers to speak."))
        self.interpreter = QCheckBox(_("&Interpreter needed"))
        self.interpreter.setObjectName("interpreter_needed")
        # The language and the interpreter belong together: one row, the box as wide as the short fields.
        language_row = QWidget()
        row_layout = QHBoxLayout(language_row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.setSpacing(16)
        row_layout.addWidget(self.language, 3)
        row_layout.addWidget(self.interpreter)
        row_layout.addStretch(1)
        self._row(care, "language", _("Preferred lang&uage"), self.language, language_row)

        # One label column across the sections, so the fields line up from top to bottom.
        label_width = max(label.sizeHint().width() for label in self.labels.values())
        for label in self.labels.values():
            label.setMinimumWidth(label_width)
        for widget in (self.edits["birth_date"], self.edits["bsn"], self.edits["postal_code"], self.language):
            # Short values: a short field reads better than one stretched across the dialog.
            widget.setMaximumWidth(220)

        self.required_note = QLabel(_("Fields marked with * are required."))
        self.required_note.setObjectName("requiredNote")
        self.required_note.setWordWrap(True)

        buttons, self.save_button, self.cancel_button = save_cancel_buttons(self._save, self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 14)
        layout.setSpacing(12)
        layout.addWidget(self.required_note)
        for box in self._boxes:
            layout.addWidget(box)
        layout.addStretch(1)
        layout.addWidget(buttons)
        # Enter in any field saves. Set only now that the button belongs to the dialog: the dialog
        # then remembers it as its default and restores it after focus visited another button.
        self.save_button.setDefault(True)

        order = [self.inputs[name] for name in FIELDS] + [self.interpreter, self.save_button, self.cancel_button]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)

        self.resize(max(PREFERRED_WIDTH, self.minimumSizeHint().width()), self.sizeHint().height())
        if client is not None:
            self._fill(client)
        self.edits["given_name"].setFocus(Qt.FocusReason.OtherFocusReason)

    # -- building -----------------------------------------------------------------------------

    def _section(self, title: str) -> QFormLayout:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setContentsMargins(12, 10, 12, 12)
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(8)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self._boxes.append(box)
        return form

    def _field(self, form: QFormLayout, name: str, label_text: str, *, max_length: int, placeholder: str = "") -> None:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setMaxLength(max_length)
        if placeholder:
            edit.setPlaceholderText(placeholder)
        self.edits[name] = edit
        self._row(form, name, label_text, edit)

    def _row(self, form: QFormLayout, name: str, label_text: str, field: QWidget, row: QWidget | None = None) -> None:
        """A labelled field (inside ``row`` when it shares its row) with its message row under it."""
        label = QLabel(label_text)
        label.setBuddy(field)
        # The accessible name is the label without its mnemonic and required marker.
        field.setAccessibleName(label_text.replace("&", "").rstrip(" *"))
        error = ErrorLabel()
        form.addRow(label, row or field)
        form.addRow("", error)
        form.setRowVisible(error, False)
        self.labels[name] = label
        self.inputs[name] = field
        self.errors[name] = error
        self._forms[name] = form

    def _fill(self, client: ClientRecord) -> None:
        values = {
            "given_name": client.given_name,
            "name_prefix": client.name_prefix,
            "family_name": client.family_name,
            # The same fixed form the field asks for, whatever the language.
            "birth_date": client.birth_date.strftime("%d-%m-%Y"),
            "bsn": client.bsn or "",
            "phone": client.phone,
            "email": client.email,
            "address": client.address,
            "postal_code": client.postal_code,
            "city": client.city,
            "general_practitioner": client.general_practitioner,
        }
        for name, value in values.items():
            self.edits[name].setText(value)
        if client.language:
            self.language.setCurrentText(client.language)
        else:
            self.language.setCurrentIndex(0)  # Dutch
        self.interpreter.setChecked(client.interpreter_needed)

    # -- saving -------------------------------------------------------------------------------

    @property
    def saved_client(self) -> ClientRecord | None:
        """The stored client after the dialog was accepted; None before or after cancelling."""
        return self._saved

    def client_input(self) -> ClientInput:
        text = {name: edit.text() for name, edit in self.edits.items()}
        # The core stores the first choice, "Dutch", as empty: no other language.
        return ClientInput(
            **text, language=self.language.currentText(), interpreter_needed=self.interpreter.isChecked()
        )

    def show_problems(self, problems: dict[str, str]) -> None:
        """One message under each field that needs attention; the first such field gets the focus."""
        for name in FIELDS:
            message = problems.get(name, "")
            self.errors[name].show_message(message)
            self._forms[name].setRowVisible(self.errors[name], bool(message))
            self.inputs[name].setAccessibleDescription(message)
        first = next((name for name in FIELDS if name in problems), None)
        if first is not None:
            self.inputs[first].setFocus(Qt.FocusReason.OtherFocusReason)
            edit = self.edits.get(first) or self.language.lineEdit()
            edit.selectAll()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:
            self._grow_to_fit()
        return handled

    def _grow_to_fit(self) -> None:
        """Messages wrap over several lines; a window does not grow for that by itself (Qt applies
        height-for-width only inside a window), so make room instead of squeezing the fields."""
        for box in self._boxes:  # the sections first: their sizes feed the dialog's
            box.layout().activate()
        self.layout().activate()
        needed = max(self.heightForWidth(self.width()), self.layout().totalMinimumSize().height())
        if needed > self.height():
            self.resize(self.width(), needed)

    def _save(self) -> None:
        data = self.client_input()
        try:
            with self._db.transaction() as tx:
                if self._client is None:
                    record = create_client(tx, self._actor, data)
                else:
                    record = update_client(tx, self._actor, self._client.id, data)
        except InvalidClient as invalid:
            unplaced = {name: message for name, message in invalid.problems.items() if name not in self.edits}
            self.show_problems(invalid.problems)
            if unplaced:  # a rule for a field this dialog does not show: still say it
                show_refusal(self, InvalidClient(unplaced))
            return
        except BroadtalkError as error:
            show_refusal(self, error)
            return
        self._saved = record
        self.accept()
