"""Practitioner accounts: who may sign in. Practice managers and administrators add accounts,
reset a forgotten PIN or password, set a colleague's direct line and e-mail and switch accounts
off; everyone changes their own PIN, direct line and e-mail.

The core decides (``broadtalk.sign_in``): each refusal it gives is shown under the fields and
changes nothing. The screen only leaves out what the role cannot do anyway.

The command-line account (an administrator entry the ``broadtalk`` command acts as) is listed,
marked, because it is an administrator account of this database and appears in the audit trail;
it cannot be given a PIN here (that would make a shared, nameless administrator sign-in) nor
switched off (the command line would go on using it regardless).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from broadtalk.audit import require
from broadtalk.errors import BroadtalkError
from broadtalk.i18n import _
from broadtalk.permissions import Permission, PermissionRefused, allows
from broadtalk.practitioners import (
    EMAIL,
    EMAIL_MAX,
    PHONE,
    PHONE_MAX,
    Actor,
    InvalidContact,
    PractitionerContact,
    Role,
    former_command_line_account,
    is_administrator,
    list_practitioners,
    practitioner_contact,
    role_label,
)
from broadtalk.sign_in import (
    SECRET_MIN_LENGTH,
    add_account,
    check_new_secret,
    deactivate_account,
    reset_secret,
    set_administers,
    set_own_secret,
    set_practitioner_contact,
)
from broadtalk.store.database import Database
from broadtalk.ui.common import ErrorLabel, save_cancel_buttons
from broadtalk.ui.dialog_parts import bold_label, buddy_label, quiet_label
from broadtalk.ui.sign_in_dialogs import TryDialog, secret_field
from broadtalk.ui.welcome import without_mnemonic


class AddAccountDialog(TryDialog):
    """A new practitioner with a first PIN or password, typed twice. ``added`` after accept."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(
            _("Add an account"),
            _("New account"),
            _(
                "The new colleague signs in with their name and this PIN or password (at least {count} "
                "characters). Tell it to them in person; they can change it themselves afterwards."
            ).format(count=SECRET_MIN_LENGTH),
            _("&Add account"),
            parent,
        )
        self._db = db
        self._actor = actor
        self.added: Actor | None = None
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(200)
        self.name_edit.setPlaceholderText(_("First name and family name"))
        self.role_combo = QComboBox()
        for role in Role:
            self.role_combo.addItem(role_label(role), role.value)
        self.secret_edit = secret_field()
        self.repeat_edit = secret_field()
        self.add_row(_("&Name"), self.name_edit)
        self.add_row(_("&Role"), self.role_combo)
        self.add_row(_("&PIN or password"), self.secret_edit)
        self.add_row(_("PIN or password a&gain"), self.repeat_edit)
        self._failed_field: QLineEdit = self.name_edit
        self.set_attempt(self._add)
        self.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def first_field(self) -> QLineEdit:
        """Where the cursor goes after a refusal: the field the message is about."""
        return self._failed_field

    def _add(self) -> str | None:
        name, role = self.name_edit.text(), self.role_combo.currentData()
        secret, repeated = self.secret_edit.text(), self.repeat_edit.text()
        try:
            check_new_secret(secret, repeated)
        except BroadtalkError as error:
            self.repeat_edit.clear()
            return self._refused(self.secret_edit, error)
        try:
            with self._db.transaction() as tx:
                self.added = add_account(tx, self._actor, name, role, secret)
        except BroadtalkError as error:
            self.added = None
            return self._refused(self.name_edit, error)
        return None

    def _refused(self, field: QLineEdit, error: BroadtalkError) -> str:
        for other in (self.name_edit, self.secret_edit):
            other.setAccessibleDescription("")
        field.setAccessibleDescription(error.message)  # a screen reader reads it with the field
        self._failed_field = field
        return error.message


class ResetSecretDialog(TryDialog):
    """A practice manager or administrator gives a colleague who forgot theirs a new PIN or password."""

    def __init__(self, db: Database, actor: Actor, account: Actor, parent: QWidget | None = None):
        super().__init__(
            _("Reset PIN or password"),
            _("New PIN or password for {name}").format(name=account.name),
            _(
                "The old PIN or password of {name} stops working at once. Tell the new one to {name} in person; "
                "they can change it themselves afterwards (at least {count} characters)."
            ).format(name=account.name, count=SECRET_MIN_LENGTH),
            _("&Reset"),
            parent,
        )
        self._db = db
        self._actor = actor
        self.account = account
        self.secret_edit = secret_field()
        self.repeat_edit = secret_field()
        self.add_row(_("&New PIN or password"), self.secret_edit)
        self.add_row(_("PIN or password a&gain"), self.repeat_edit)
        self.set_attempt(self._reset)
        self.secret_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def first_field(self) -> QLineEdit:
        return self.secret_edit

    def _reset(self) -> str | None:
        secret, repeated = self.secret_edit.text(), self.repeat_edit.text()
        try:
            with self._db.transaction() as tx:
                check_new_secret(secret, repeated)
                reset_secret(tx, self._actor, self.account.id, secret)
        except BroadtalkError as error:
            self.repeat_edit.clear()
            self.secret_edit.setAccessibleDescription(error.message)
            return error.message
        return None


class ChangeOwnSecretDialog(TryDialog):
    """Any practitioner changes their own PIN or password, knowing the current one."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(
            _("Change your PIN or password"),
            _("Change your PIN or password"),
            _("Type your current PIN or password, then the new one twice (at least {count} characters).").format(
                count=SECRET_MIN_LENGTH
            ),
            _("&Save"),
            parent,
        )
        self._db = db
        self._actor = actor
        self.current_edit = secret_field()
        self.secret_edit = secret_field()
        self.repeat_edit = secret_field()
        self.add_row(_("&Current PIN or password"), self.current_edit)
        self.add_row(_("&New PIN or password"), self.secret_edit)
        self.add_row(_("New PIN or password a&gain"), self.repeat_edit)
        self._failed_field: QLineEdit = self.current_edit
        self.set_attempt(self._change)
        self.current_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def first_field(self) -> QLineEdit:
        return self._failed_field

    def _change(self) -> str | None:
        current, secret, repeated = self.current_edit.text(), self.secret_edit.text(), self.repeat_edit.text()
        try:
            # The new one first: a too short or differing new entry says so without spending a guess.
            check_new_secret(secret, repeated)
        except BroadtalkError as error:
            self.repeat_edit.clear()
            return self._refused(self.secret_edit, error)
        try:
            set_own_secret(self._db, self._actor, current, secret, repeated)
        except BroadtalkError as error:
            return self._refused(self.current_edit, error)
        return None

    def _refused(self, field: QLineEdit, error: BroadtalkError) -> str:
        for other in (self.current_edit, self.secret_edit):
            other.setAccessibleDescription("")
        field.setAccessibleDescription(error.message)
        self._failed_field = field
        return error.message


class ContactDetailsDialog(QDialog):
    """A practitioner's direct line and e-mail, for colleagues in other organisations: one's own
    ("My details", any role) or, from the accounts list, a colleague's. Each problem shows under
    its field and nothing is saved; ``contact`` holds what was saved after accept."""

    def __init__(self, db: Database, actor: Actor, practitioner_id: int | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self._id = actor.id if practitioner_id is None else practitioner_id
        self.contact: PractitionerContact | None = None
        with db.transaction() as tx:
            current = practitioner_contact(tx, self._id)
        own = self._id == actor.id
        self.setWindowTitle(_("My details") if own else _("Contact details of {name}").format(name=current.name))
        self.setMinimumWidth(480)

        self.heading = bold_label(QLabel(_("{name}, {role}").format(name=current.name, role=role_label(current.role))))
        self.heading.setWordWrap(True)
        self.explanation = quiet_label(
            _(
                "Colleagues in other organisations reach you with these: they are filled in on your referrals "
                "and printed on handover documents. Both may stay empty."
            )
            if own
            else _(
                "Colleagues in other organisations reach {name} with these: they are filled in on referrals "
                "and printed on handover documents. Both may stay empty."
            ).format(name=current.name)
        )
        self.phone_edit = QLineEdit(current.phone)
        self.phone_edit.setMaxLength(PHONE_MAX)
        self.phone_edit.setPlaceholderText(_("e.g. 030-1234567"))
        self.email_edit = QLineEdit(current.email)
        self.email_edit.setMaxLength(EMAIL_MAX)
        self.email_edit.setPlaceholderText(_("e.g. naam@praktijk.nl"))
        self.errors = {PHONE: ErrorLabel(), EMAIL: ErrorLabel()}
        self.edits = {PHONE: self.phone_edit, EMAIL: self.email_edit}
        self.error = ErrorLabel()  # a refusal that is about no single field

        form = QFormLayout()
        form.setVerticalSpacing(10)
        form.setHorizontalSpacing(16)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for key, text in ((PHONE, _("&Direct line")), (EMAIL, _("&E-mail"))):
            column = QVBoxLayout()
            column.setSpacing(4)
            column.addWidget(self.edits[key])
            column.addWidget(self.errors[key])
            form.addRow(buddy_label(text, self.edits[key]), column)
            self.edits[key].textEdited.connect(lambda _text, key=key: self._clear(key))
        self.form = form

        buttons, self.save_button, self.cancel_button = save_cancel_buttons(self._save, self.reject)
        self.save_button.setDefault(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(12)
        layout.addWidget(self.heading)
        layout.addWidget(self.explanation)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.phone_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _clear(self, key: str) -> None:
        self.errors[key].show_message("")
        self.edits[key].setAccessibleDescription("")

    def _save(self) -> None:
        for key in self.edits:
            self._clear(key)
        self.error.show_message("")
        try:
            with self._db.transaction() as tx:
                contact = set_practitioner_contact(
                    tx, self._actor, self._id, phone=self.phone_edit.text(), email=self.email_edit.text()
                )
        except InvalidContact as invalid:
            for key, message in invalid.problems.items():
                self.errors[key].show_message(message)
                self.edits[key].setAccessibleDescription(message)  # a screen reader reads it with the field
            self._fit()
            first = next(key for key in (PHONE, EMAIL) if key in invalid.problems)
            self.edits[first].selectAll()
            self.edits[first].setFocus(Qt.FocusReason.OtherFocusReason)
            return
        except BroadtalkError as error:
            self.error.show_message(error.message)
            self._fit()
            return
        self.contact = contact
        self.accept()

    def _fit(self) -> None:
        """Grow to show the messages in full (word-wrapped text is not part of the minimum Qt
        derives itself)."""
        layout = self.layout()
        needed = layout.heightForWidth(self.width()) if layout.hasHeightForWidth() else 0
        if needed > self.height():
            self.resize(self.width(), needed)


class PractitionersDialog(QDialog):
    """The active accounts (name, role, direct line, e-mail) with Add, Reset PIN, Contact details
    and Switch off, for practice managers and administrators (and an account that also manages
    the practice). For any other role it shows the core's refusal and offers nothing.

    An administrator, or an account that also manages the practice, can let a colleague also
    manage the practice or take that away (``sign_in.set_administers``); the note column says
    who does. ``updated_actor``: the signed-in practitioner as she is after she changed her own."""

    NAME, ROLE, NOTE, LINE, MAIL = range(5)

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self._accounts: list[Actor] = []
        self._command_line_id: int | None = None
        self.updated_actor: Actor | None = None
        self.may_manage = allows(actor, Permission.MANAGE_PRACTITIONERS)
        #: Only an administrator hands out the administrator's permissions (as ``may_hand_out``).
        self.may_hand_out_managing = self.may_manage and is_administrator(actor)
        self.setWindowTitle(_("Practitioners"))
        self.setMinimumSize(620, 420)
        self.resize(860, 480)  # room for the direct line and e-mail beside name and role
        self.setSizeGripEnabled(True)

        self.explanation = QLabel(
            _(
                "Everyone who works with broadtalk signs in with their own account. A switched-off account can "
                "no longer sign in; its name stays on the records it made."
            )
        )
        self.explanation.setWordWrap(True)

        self.table_label = QLabel(_("Acti&ve accounts"))
        self.table = QTableWidget(0, 5)
        self.table_label.setBuddy(self.table)
        self.table.setAccessibleName(without_mnemonic(self.table_label.text()))
        self.table.setHorizontalHeaderLabels([_("Name"), _("Role"), _("Note"), _("Direct line"), _("E-mail")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(self.NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(self.ROLE, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.NOTE, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.LINE, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.MAIL, QHeaderView.ResizeMode.ResizeToContents)
        header.setHighlightSections(False)

        # Under the list: what the last action did, or why it was refused.
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.hide()
        self.error = ErrorLabel()

        self.add_button = QPushButton(_("&Add…"))
        self.reset_button = QPushButton(_("&Reset PIN…"))
        self.contact_button = QPushButton(_("&Contact details…"))
        self.switch_off_button = QPushButton(_("&Switch off"))
        # Its text says what it will do for the selected account (see ``_selection_changed``).
        self.manages_button = QPushButton(_("Also &manage the practice"))
        self.manages_button.setVisible(self.may_hand_out_managing)
        self.manages_button.setToolTip(
            _(
                "Managing the practice: adding colleagues and switching accounts off, practice settings such as "
                "the lock time, backups and restore. It gives no access to conversations."
            )
        )
        self.close_button = QPushButton(_("C&lose"))
        for button in (
            self.add_button,
            self.reset_button,
            self.contact_button,
            self.switch_off_button,
            self.manages_button,
            self.close_button,
        ):
            button.setAutoDefault(False)  # Enter in the list does not fire a button by surprise
        self.add_button.clicked.connect(self.add_account)
        self.reset_button.clicked.connect(self.reset_selected)
        self.contact_button.clicked.connect(self.edit_contact_of_selected)
        self.switch_off_button.clicked.connect(self.switch_off_selected)
        self.manages_button.clicked.connect(self.toggle_managing_of_selected)
        self.close_button.clicked.connect(self.accept)
        actions = QHBoxLayout()
        actions.setSpacing(8)
        for button in (
            self.add_button,
            self.reset_button,
            self.contact_button,
            self.switch_off_button,
            self.manages_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 14)
        layout.setSpacing(10)
        layout.addWidget(self.explanation)
        layout.addWidget(self.table_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addLayout(actions)

        if not self.may_manage:
            self._refuse()
            return
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.refresh()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- the list ---------------------------------------------------------------------------------

    def _refuse(self) -> None:
        """A role that may not manage accounts: the core's own refusal (which the audit trail
        records), no list and no actions."""
        message = ""
        try:
            with self._db.transaction():
                require(self._actor, Permission.MANAGE_PRACTITIONERS)
        except PermissionRefused as error:
            message = error.message
        self.explanation.setText(message)
        self.explanation.setAccessibleName(message)
        for widget in (
            self.table_label,
            self.table,
            self.add_button,
            self.reset_button,
            self.contact_button,
            self.switch_off_button,
            self.manages_button,
        ):
            widget.hide()
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertStretch(1, 1)  # the message at the top, Close at the bottom
        self.setMinimumSize(480, 160)
        self.resize(560, 200)
        self.close_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def refresh(self, select: int | None = None) -> None:
        """Read the accounts again and select ``select`` (else the same row as before)."""
        if select is None:
            current = self.selected_account()
            select = current.id if current is not None else None
        with self._db.transaction() as tx:
            self._accounts = list_practitioners(tx)
            contacts = {account.id: practitioner_contact(tx, account.id) for account in self._accounts}
            self._command_line_id = former_command_line_account(tx)
        self.table.setRowCount(len(self._accounts))
        for row, account in enumerate(self._accounts):
            notes = []
            if account.id == self._actor.id:
                notes.append(_("you"))
            elif account.id == self._command_line_id:
                notes.append(_("command line of an older version; cannot sign in"))
            if account.administers and account.role != Role.ADMINISTRATOR:
                notes.append(_("also manages the practice"))
            note = ", ".join(notes)
            contact = contacts[account.id]
            for column, text in (
                (self.NAME, account.name),
                (self.ROLE, role_label(account.role)),
                (self.NOTE, note),
                (self.LINE, contact.phone),
                (self.MAIL, contact.email),
            ):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, account.id)
                self.table.setItem(row, column, item)
        if self._accounts:
            ids = [account.id for account in self._accounts]
            self.table.selectRow(ids.index(select) if select in ids else 0)
        self._selection_changed()

    def select(self, practitioner_id: int) -> bool:
        for row, account in enumerate(self._accounts):
            if account.id == practitioner_id:
                self.table.selectRow(row)
                return True
        return False

    def selected_account(self) -> Actor | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or not 0 <= rows[0].row() < len(self._accounts):
            return None
        return self._accounts[rows[0].row()]

    def account_names(self) -> list[str]:
        return [account.name for account in self._accounts]

    def _selection_changed(self) -> None:
        account = self.selected_account()
        changeable = account is not None and account.id != self._command_line_id
        self.reset_button.setEnabled(changeable)
        self.contact_button.setEnabled(changeable)
        self.switch_off_button.setEnabled(changeable)
        # An administrator manages the practice by role: nothing to give or take away.
        manages = account is not None and account.administers
        self.manages_button.setText(_("Stop &managing the practice") if manages else _("Also &manage the practice"))
        self.manages_button.setEnabled(changeable and account is not None and account.role != Role.ADMINISTRATOR)
        self.manages_button.setAccessibleName(without_mnemonic(self.manages_button.text()))
        self.error.show_message("")

    def _say(self, message: str) -> None:
        self.error.show_message("")
        self.status.setText(message)
        self.status.setAccessibleName(message)
        self.status.setVisible(bool(message))

    def _refused(self, error: BroadtalkError) -> None:
        self.status.hide()
        self.error.show_message(error.message)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- acting -----------------------------------------------------------------------------------

    def add_account(self) -> None:
        dialog = AddAccountDialog(self._db, self._actor, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.added is not None:
            self.refresh(select=dialog.added.id)
            self._say(_("{name} can now sign in with the PIN or password you chose.").format(name=dialog.added.name))
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def reset_selected(self) -> None:
        """A colleague's PIN is reset; one's own is changed knowing the current one (someone at an
        unattended screen cannot take over the account)."""
        account = self.selected_account()
        if account is None or account.id == self._command_line_id:
            return
        if account.id == self._actor.id:
            own = ChangeOwnSecretDialog(self._db, self._actor, self)
            if own.exec() == QDialog.DialogCode.Accepted:
                self._say(_("Your PIN or password was changed."))
        else:
            dialog = ResetSecretDialog(self._db, self._actor, account, self)
            if dialog.exec() == QDialog.DialogCode.Accepted:
                self._say(
                    _("The PIN or password of {name} was reset; the old one no longer works.").format(name=account.name)
                )
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def edit_contact_of_selected(self) -> None:
        """The direct line and e-mail of the selected account (one's own included)."""
        account = self.selected_account()
        if account is None or account.id == self._command_line_id:
            return
        dialog = ContactDetailsDialog(self._db, self._actor, account.id, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.refresh()
            self._say(_("The contact details of {name} were saved.").format(name=account.name))
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def switch_off_selected(self) -> None:
        account = self.selected_account()
        if account is None or account.id == self._command_line_id:
            return
        # One's own account: no question, the core refuses it at once with its reason.
        if account.id != self._actor.id:
            answer = QMessageBox.question(
                self,
                _("Switch off this account?"),
                _(
                    "Switch off the account of {name} ({role})? They can then no longer sign in; their name stays "
                    "on the records they made. This cannot be undone: to let them work again, add a new account."
                ).format(name=account.name, role=role_label(account.role)),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        try:
            with self._db.transaction() as tx:
                deactivate_account(tx, self._actor, account.id)
        except BroadtalkError as error:
            self._refused(error)
            return
        self.refresh()
        self._say(_("The account of {name} was switched off.").format(name=account.name))
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def toggle_managing_of_selected(self) -> None:
        """Let the selected colleague also manage the practice (asked first: it hands out a lot),
        or take that away. The core refuses to leave the practice without anyone who can manage
        its accounts; the refusal shows under the list."""
        account = self.selected_account()
        if account is None or account.id == self._command_line_id or account.role == Role.ADMINISTRATOR:
            return
        give = not account.administers
        if give:
            answer = QMessageBox.question(
                self,
                _("Also manage the practice?"),
                _(
                    "Let {name} ({role}) also manage the practice? {name} can then add colleagues and switch "
                    "accounts off, reset PINs, change the practice settings such as the lock time, and make and "
                    "restore backups. It gives no access to conversations."
                ).format(name=account.name, role=role_label(account.role)),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                self.table.setFocus(Qt.FocusReason.OtherFocusReason)
                return
        try:
            with self._db.transaction() as tx:
                changed = set_administers(tx, self._actor, account.id, give)
        except BroadtalkError as error:
            self._refused(error)
            return
        if changed.id == self._actor.id:
            self._actor = self.updated_actor = changed
        self.refresh()
        self._say(
            _("{name} now also manages the practice.").format(name=account.name)
            if give
            else _("{name} no longer manages the practice.").format(name=account.name)
        )
        if not is_administrator(self._actor):
            # She gave it up herself: what only a practice manager cannot do is no longer offered.
            self.may_hand_out_managing = False
            self.manages_button.hide()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
