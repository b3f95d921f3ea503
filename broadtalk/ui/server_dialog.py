"""The practice's server, chosen at a workstation's first start: its address, tried before it is
kept. Trying waits for the network off the screen's thread, so the dialog stays alive (and can be
cancelled) while a server that does not answer is given its time."""

from __future__ import annotations

from PySide6.QtCore import Qt, QThread, Signal
from PySide6.QtWidgets import QCheckBox, QLineEdit, QWidget

from broadtalk.errors import BroadtalkError
from broadtalk.i18n import _
from broadtalk.server_choice import (
    DATABASE,
    DEFAULT_PORT,
    FIELD_MAX,
    HOST,
    PASSWORD,
    PORT,
    USER,
    InvalidServer,
    ServerInput,
    split_address,
    try_server,
    use_server,
    validate_server,
)
from broadtalk.ui.sign_in_dialogs import TryDialog, grow_to_fit, secret_field

#: Trials under way: a cancelled one finishes on its own (at most the connect timeout), kept
#: referenced until then so Qt never destroys a running thread.
_RUNNING: set[QThread] = set()


class _Trial(QThread):
    """Connects once: ``tried`` carries whether the database holds a practice, or the message."""

    tried = Signal(bool, str)

    def __init__(self, server: ServerInput, password: str):
        super().__init__()
        self._server, self._password = server, password

    def run(self) -> None:
        try:
            self.tried.emit(try_server(self._server, self._password), "")
        except BroadtalkError as error:
            self.tried.emit(False, error.message)


class ServerDialog(TryDialog):
    """Host, port, database, user and password of the practice's server database. After accept:
    ``address`` (remembered for this workstation, without the password) and ``set_up`` (whether
    the database holds a practice already, or is empty and waits for the welcome)."""

    def __init__(self, parent: QWidget | None = None, *, address: str = ""):
        super().__init__(
            _("The practice's server"),
            _("Connect to the practice's server"),
            _(
                "When several workstations share the practice's data, it is kept in a PostgreSQL database on a "
                "server. The server's administrator gives you these details. The texts about clients are encrypted "
                "with the practice's passphrase before they reach the server; that passphrase is asked next."
            ),
            _("&Connect"),
            parent,
        )
        self.setMinimumWidth(560)
        self.host_edit = self._field(_("e.g. server.praktijk.local, or paste a whole postgresql:// address"))
        self.port_edit = self._field(str(DEFAULT_PORT))
        self.port_edit.setMaxLength(5)
        self.database_edit = self._field(_("e.g. praktijk"))
        self.user_edit = self._field()
        self.password_edit = secret_field(_("empty when the server asks none"))
        self.secure_check = QCheckBox(_("Only over an encrypted connection (TLS)"))
        self.secure_check.setToolTip(
            _(
                "Without this, broadtalk uses TLS whenever the server offers it. With it, a server without TLS is refused."
            )
        )
        self.add_row(_("&Server"), self.host_edit)
        self.add_row(_("P&ort"), self.port_edit)
        self.add_row(_("&Database"), self.database_edit)
        self.add_row(_("&User name"), self.user_edit)
        self.add_row(_("Pass&word"), self.password_edit)
        self.form.addRow("", self.secure_check)
        self._fields = {
            HOST: self.host_edit,
            PORT: self.port_edit,
            DATABASE: self.database_edit,
            USER: self.user_edit,
            PASSWORD: self.password_edit,
        }
        self.host_edit.textChanged.connect(self._maybe_pasted)
        for field in self._fields.values():
            field.textEdited.connect(lambda _text: self.error.show_message(""))
        self._trial: _Trial | None = None
        self._cancelled = False
        self._server: ServerInput | None = None
        self.address = ""
        self.set_up = False
        if address:
            self._fill(address)
        self.host_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _field(self, placeholder: str = "") -> QLineEdit:
        field = QLineEdit()
        field.setMaxLength(FIELD_MAX)
        field.setPlaceholderText(placeholder)
        return field

    def first_field(self) -> QLineEdit:
        return self.host_edit

    def _fill(self, address: str) -> bool:
        split = split_address(address)
        if split is None:
            return False
        fields, secure = split
        for key, value in fields.items():
            if value or key != PASSWORD:
                self._fields[key].setText(value)
        self.secure_check.setChecked(secure)
        return True

    def _maybe_pasted(self, text: str) -> None:
        """A whole address pasted into the server field is spread over the fields."""
        if "://" in text and self._fill(text):
            self.port_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- trying ------------------------------------------------------------------------------------

    def _try(self) -> None:
        if self._trial is not None:
            return
        try:
            server = validate_server(
                self.host_edit.text(),
                self.port_edit.text(),
                self.database_edit.text(),
                self.user_edit.text(),
                secure_only=self.secure_check.isChecked(),
            )
        except InvalidServer as invalid:
            self._refuse(invalid.message, next(key for key in self._fields if key in invalid.problems))
            return
        self._server = server
        self.error.show_message("")
        self._busy(True)
        trial = _Trial(server, self.password_edit.text())
        trial.tried.connect(self._tried)
        _RUNNING.add(trial)
        trial.finished.connect(lambda: _RUNNING.discard(trial))
        self._trial = trial
        self._cancelled = False
        trial.start()

    def _busy(self, busy: bool) -> None:
        for field in (*self._fields.values(), self.secure_check, self.ok_button):
            field.setEnabled(not busy)
        self.ok_button.setText(_("Connecting…") if busy else _("&Connect"))

    def _tried(self, set_up: bool, message: str) -> None:
        self._trial = None
        self._busy(False)
        if self._cancelled:
            return  # cancelled while waiting: nothing is kept
        if message:
            self._refuse(message, HOST)
            return
        assert self._server is not None
        try:
            self.address = use_server(self._server, self.password_edit.text())
        except InvalidServer as invalid:
            self._refuse(invalid.message, PASSWORD)
            return
        except OSError:
            self._refuse(
                _("The choice of server could not be written to this computer's settings folder; nothing was kept."),
                HOST,
            )
            return
        self.set_up = set_up
        self.accept()

    def _refuse(self, message: str, key: str) -> None:
        self.error.show_message(message)
        grow_to_fit(self)
        field = self._fields[key]
        field.setFocus(Qt.FocusReason.OtherFocusReason)
        field.selectAll()

    def reject(self) -> None:
        self._cancelled = True  # a trial still under way finishes on its own; its answer is ignored
        if self._trial is not None:
            self._trial.tried.disconnect(self._tried)
            self._trial = None
        self._busy(False)
        super().reject()
