"""Start the desktop app: display check, QApplication, translations, database, who works here,
main window. The first start on a database shows the welcome; ``--startup-check`` measures how
long it takes until the client list is on screen."""

from __future__ import annotations

import linecache
import logging
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

# The program's own modules and the libraries the first page needs load before Qt: once PySide6
# is loaded, its import hook reads the whole source of every Python module imported after it, and
# keeps it in memory, to look for "PySide6" in it (PYSIDE-2029).
import sqlalchemy.dialects.sqlite  # noqa: F401 (loaded when the database opens; here, before Qt)

from broadtalk import audit, config, today  # noqa: F401 (today: the first page's core, before Qt)

# isort: split
from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QThread, QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QApplication, QDialog, QMessageBox, QProgressDialog, QWidget

from broadtalk.clients import count_clients
from broadtalk.errors import BroadtalkError, StoreError
from broadtalk.i18n import _, current_language
from broadtalk.logs import log_path, log_unexpected, unexpected_error_message
from broadtalk.practitioners import Actor, Role, list_practitioners
from broadtalk.settings import is_demo
from broadtalk.sign_in import can_sign_in, choose_first_secret, environment_actor, sign_in
from broadtalk.store.database import (
    Database,
    WrongPassphrase,
    check_new_passphrase,
    encrypt_database,
    is_encrypted_file,
)
from broadtalk.ui.common import run_use_case
from broadtalk.ui.sign_in_dialogs import EncryptOfferDialog, NewSecretDialog, PassphraseDialog, SignInDialog
from broadtalk.workstation import current_actor, set_up_workstation, use_practitioner_here

if TYPE_CHECKING:  # the welcome, the demo and the handover modules load only when used
    from broadtalk.ui.welcome import WelcomeDialog

DEMO_CLIENTS = 200  # enough to feel like a practice, made in seconds
DEMO_SEED = 1
STARTUP_CHECK_LIMIT_MS = 120_000  # a window that never paints must not hang a script

log = logging.getLogger(__name__)


def display_available() -> bool:
    """Whether Qt can open a window here (Linux without X or Wayland cannot, unless offscreen)."""
    if not sys.platform.startswith("linux"):
        return True
    if os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] in ("offscreen", "minimal", "vnc", "eglfs", "linuxfb"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def install_qt_translator(app):
    """Qt's own dialogs (buttons like Cancel, file dialogs) in the interface language."""
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    language = current_language()
    QLocale.setDefault(QLocale(language))
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(f"qtbase_{language}", folder):
        app.installTranslator(translator)
        return translator
    return None


def demo_db_path() -> Path:
    """The demo practice lives in its own file, so fictional people never mix with real ones."""
    return config.data_dir() / "demo.sqlite"


def report_unexpected(kind: type[BaseException], error: BaseException, trace) -> None:
    """The last resort for a bug in a slot: log it without its message (messages can hold what was
    typed), tell the user calmly, keep the app running. Every edit is already autosaved."""

    log_unexpected(error)
    if QApplication.instance() is not None:
        QMessageBox.warning(
            None,
            _("Something went wrong"),
            _(
                "Something went wrong inside broadtalk ({kind}). Everything saved so far is kept. "
                "If it happens again, tell your administrator; details are in {log}."
            ).format(kind=kind.__name__, log=log_path()),
        )


def run_app(db_path: Path | None = None, *, startup_check: bool = False, started_at: float | None = None) -> int:
    """Run the desktop app until its window closes; returns the exit code.

    ``startup_check``: start as usual, print ``startup-check: N ms`` once the client list has
    painted and exit 0; never wait for a person (no welcome, no dialogs: the passphrase comes
    from BROADTALK_PASSPHRASE and the practitioner from BROADTALK_USER/BROADTALK_PIN, as on the
    command line). ``started_at`` is a ``time.perf_counter()`` taken earlier (default: now)."""
    started = time.perf_counter() if started_at is None else started_at
    if not display_available():
        print(
            _(
                "broadtalk: there is no screen to show the app on (no DISPLAY). Run it on a desktop, "
                "or with a virtual screen: xvfb-run broadtalk"
            ),
            file=sys.stderr,
        )
        return 1
    app = QApplication.instance() or QApplication(sys.argv[:1])
    sys.excepthook = report_unexpected
    app.setApplicationName("broadtalk")
    app.setApplicationDisplayName("broadtalk")
    install_qt_translator(app)
    # Without --db: the server this workstation chose at its first start, or the file here.
    named = db_path is not None
    target: str | Path = db_path if named else config.default_database()
    if startup_check:
        if config.is_server_url(target):
            return _run_startup_check(app, None, config.backup_dir(), started, server=str(target))
        path = Path(target).expanduser()
        return _run_startup_check(app, path, path.parent / "backups" if named else config.backup_dir(), started)
    while True:
        if config.is_server_url(target):
            session: _Session = _ServerSession(str(target), remembered=not named)
        else:
            path = Path(target).expanduser()
            session = _Session(path, path.parent / "backups" if named else config.backup_dir(), offer_server=not named)
        code = session.run()
        if session.switch_to is None:
            return code
        target = session.switch_to  # the welcome chose the server, or the file here again


RESTORE_CHOSEN = 2  # the passphrase dialog's answer when a backup is to be restored instead


class _Session:
    """One run of the app: open the data, sign in, show the window; again after a sign-out or
    a restore. Owns every database it opened and closes them at the end."""

    def __init__(self, path: Path, backups: Path, *, offer_server: bool = False):
        self.path = path
        self.backups = backups
        self.offer_server = offer_server
        self.db: Database | None = None
        self.demo = False
        self.failed = False  # a message said the data cannot be used: exit 1
        #: Set when this run ends to go on with other data: a chosen server, or the file here.
        self.switch_to: str | Path | None = None

    def run(self) -> int:
        try:
            opened = self._open_or_set_up()
            if opened is None:
                return 1 if self.failed else 0
            actor = opened
            while True:
                # Looked up per call: the heaviest module, and tests put a stand-in there.
                from broadtalk.handover.export import recover_interrupted_exports
                from broadtalk.ui.access_notice_dialog import show_access_notices
                from broadtalk.ui.main_window import MainWindow

                _forget_sources()
                assert self.db is not None
                show_access_notices(None, self.db, actor)  # care providers: who was given access since
                self._warn_if_the_trail_is_not_whole()
                recovered = recover_interrupted_exports(self.db)  # an export a kill interrupted
                if recovered.message():
                    QMessageBox.information(None, "broadtalk", recovered.message())
                window = MainWindow(self.db, actor, self.backups)
                window.show()
                QApplication.instance().exec()
                restore = getattr(window, "restore_request", None)
                signed_out = getattr(window, "signed_out", False)
                damage = getattr(window, "damage_found", None)
                window.deleteLater()
                if damage is not None:
                    if not self._damaged_while_open(damage):
                        return 1
                elif restore is not None:
                    if not self._restore(*restore, actor):
                        return 1
                elif not signed_out:
                    break
                actor = self._sign_in()
                if actor is None:
                    return 0
            return 0
        finally:
            self._finish()

    # -- opening ----------------------------------------------------------------------------------

    def _open_or_set_up(self) -> Actor | None:
        """The signed-in practitioner, or None (closed by the person, or a message was shown)."""
        is_new = not self.path.exists() or (self.path.is_file() and self.path.stat().st_size == 0)
        if is_new:
            return self._welcome()
        if not self._unlock():
            return None
        assert self.db is not None
        with self.db.transaction() as tx:
            anyone = bool(list_practitioners(tx))
        if not anyone:
            return self._welcome()  # an earlier welcome was closed before it was filled in
        actor = self._sign_in()
        if actor is not None and not self.db.encrypted:
            self._offer_encryption(actor)
        return actor

    def _unlock(self) -> bool:
        """Open the file; ask its passphrase when it is encrypted. False after a shown refusal
        or when the person gave up."""
        title = _("broadtalk cannot open the database")
        if not is_encrypted_file(self.path):
            try:
                self.db = Database.open(self.path, backup_dir=self.backups)
            except BroadtalkError as error:
                if self._offer_restore(title, error.message):
                    return True
                self.failed = True
                return False
            return True
        failures: list[datetime] = []
        dialog = PassphraseDialog(str(self.path))
        restore_button = dialog.add_extra_button(_("Restore a &backup…"))
        restore_button.clicked.connect(lambda: dialog.done(RESTORE_CHOSEN))

        dialog.set_attempt(
            self._attempt(
                dialog,
                failures,
                lambda passphrase: Database.open(self.path, passphrase=passphrase, backup_dir=self.backups),
            )
        )
        outcome = dialog.exec()
        if outcome == RESTORE_CHOSEN:
            return self._restore_at_start()
        if outcome != QDialog.DialogCode.Accepted or self.db is None:
            return False
        self._record_failed_unlocks(failures)
        return True

    def _attempt(self, dialog: PassphraseDialog, failures: list[datetime], opener) -> Callable[[], str | None]:
        """The passphrase dialog's try: open with the typed passphrase (``opener``), or say why
        not; a wrong passphrase is counted, to be written to the trail once it can be reached."""

        def attempt() -> str | None:
            try:
                self.db = opener(dialog.passphrase())
            except WrongPassphrase as error:
                failures.append(datetime.now(UTC))
                log.warning("database passphrase refused")
                return error.message
            except BroadtalkError as error:
                return error.message
            return None

        return attempt

    def _record_failed_unlocks(self, failures: list[datetime]) -> None:
        """Written now that the trail can be reached: someone tried this database's passphrase."""
        if not failures:
            return
        assert self.db is not None
        with self.db.transaction() as tx:
            for moment in failures:
                audit.record(
                    tx,
                    None,
                    audit.Action.UNLOCK_FAILED,
                    object_type="database",
                    outcome=audit.Outcome.FAILED,
                    now=moment,
                )

    def _warn_if_the_trail_is_not_whole(self) -> None:
        """The quick look at the audit trail's end against its seal, at every sign-in: entries
        removed are told to whoever signs in, not only to whoever runs the full check."""
        assert self.db is not None
        try:
            with self.db.transaction() as tx:
                problems = audit.seal_problems(tx, self.db.place)
        except BroadtalkError as error:
            log.warning("seal check failed: %s", type(error).__name__)
            return
        if problems:
            QMessageBox.warning(
                None,
                _("The audit trail is not complete"),
                "\n\n".join(problems)
                + "\n\n"
                + _(
                    "Tell your practice manager or privacy officer today: this may be a security incident. "
                    "broadtalk goes on working; the check of the audit trail (in the Practice menu) says more."
                ),
            )

    def _damaged_while_open(self, message: str) -> bool:
        """The background check found the file damaged while the app had it open: let go of
        it, and give the same refusal and way out as a damaged file at start-up. True when a
        backup was restored and is open (then whoever works next signs in)."""
        assert self.db is not None
        self.db.close()
        self.db = None  # no backup on exit of a damaged file
        if self._offer_restore(_("broadtalk found damage in the database"), message):
            return True
        self.failed = True
        return False

    def _offer_restore(self, title: str, message: str) -> bool:
        """The data cannot be opened: say why, and offer to restore a backup. True when a
        backup was restored and is open."""
        box = QMessageBox(QMessageBox.Icon.Critical, title, message)
        restore = box.addButton(_("Restore a &backup…"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(_("&Close"), QMessageBox.ButtonRole.RejectRole)
        box.exec()
        return box.clickedButton() is restore and self._restore_at_start()

    def _restore_at_start(self) -> bool:
        """Restore a backup over data that cannot be opened; the file as it was is kept aside."""
        from broadtalk.backups import available_backups, check_restore_source
        from broadtalk.ui.backup_dialogs import RestoreDialog

        dialog = RestoreDialog(
            available_backups(self.path, self.backups),
            lambda path, passphrase: check_restore_source(None, None, path, passphrase),
            passphrase_hint=_("needed when the backup is encrypted"),
        )
        if not dialog.exec() or dialog.chosen is None:
            return False
        result = self._run_restore(dialog.chosen, dialog.passphrase, dialog.passphrase, None)
        if result is None:
            self.failed = True
            return False
        try:
            self.db = Database.open(self.path, passphrase=result.passphrase, backup_dir=self.backups)
        except BroadtalkError as error:
            QMessageBox.critical(None, _("The backup could not be restored"), error.message)
            self.failed = True
            return False
        return True

    def _run_restore(self, backup: Path, backup_passphrase: str | None, passphrase: str | None, actor: Actor | None):
        """The restore use case; a backup of another database is put in place only when the
        user confirms that it replaces the practice. None when nothing was restored."""
        from broadtalk.backups import OtherDatabase, restore

        title = _("The backup could not be restored")
        replace_practice = False
        while True:
            try:
                return restore(
                    self.path,
                    backup,
                    backup_passphrase=backup_passphrase,
                    passphrase=passphrase,
                    actor=actor,
                    safety_dir=self.backups,
                    replace_practice=replace_practice,
                )
            except OtherDatabase as error:
                box = QMessageBox(QMessageBox.Icon.Warning, _("A backup of another database"), error.message)
                box.setInformativeText(
                    _(
                        "Replacing the practice puts the other database's clients, practitioners and audit trail "
                        "in place of this one's; the data as it is now is kept aside."
                    )
                )
                replace = box.addButton(_("&Replace the practice"), QMessageBox.ButtonRole.DestructiveRole)
                box.addButton(_("&Cancel"), QMessageBox.ButtonRole.RejectRole)
                box.exec()
                if box.clickedButton() is not replace:
                    return None
                replace_practice = True
            except BroadtalkError as error:
                QMessageBox.warning(None, title, error.message)
                return None

    def _sign_in(self) -> Actor | None:
        assert self.db is not None
        db = self.db
        with db.transaction() as tx:
            accounts = can_sign_in(tx)
            here = current_actor(tx)
            fictional = is_demo(tx)
        if not accounts:
            if here is None:
                QMessageBox.critical(
                    None,
                    _("Nobody can sign in"),
                    _(
                        "This database has no practitioner who can sign in. Ask your administrator to add an "
                        "account, or restore a backup."
                    ),
                )
                self.failed = True
                return None
            return self._first_secret(here)
        hint = ""
        if self.demo or fictional:  # fictional people only: the shared PIN may be shown
            from broadtalk.demo import DEMO_SECRET

            hint = _("Demo practice: every practitioner's PIN is {pin}.").format(pin=DEMO_SECRET)
        dialog = SignInDialog(accounts, hint)
        preferred = self._last_here(here)
        if preferred is not None:
            dialog.choose(preferred)
        signed_in: list[Actor] = []

        def attempt() -> str | None:
            try:
                signed_in.append(sign_in(db, dialog.practitioner_id(), dialog.secret()))
            except BroadtalkError as error:
                return error.message
            return None

        dialog.set_attempt(attempt)
        if dialog.exec() != QDialog.DialogCode.Accepted or not signed_in:
            return None
        self._signed_in_here(signed_in[0])
        return signed_in[0]

    def _last_here(self, here: Actor | None) -> int | None:
        """Whose name the sign-in shows first: the practitioner who works on this computer."""
        return here.id if here is not None else None

    def _signed_in_here(self, actor: Actor) -> None:
        """The file's own setting says who works here; a server's is shared (see the server session)."""

    def _first_secret(self, here: Actor) -> Actor | None:
        assert self.db is not None
        db = self.db
        dialog = NewSecretDialog(here.name)
        chosen: list[Actor] = []

        def attempt() -> str | None:
            try:
                with db.transaction() as tx:
                    chosen.append(choose_first_secret(tx, here.id, *dialog.secrets()))
            except BroadtalkError as error:
                return error.message
            return None

        dialog.set_attempt(attempt)
        if dialog.exec() != QDialog.DialogCode.Accepted or not chosen:
            return None
        return chosen[0]

    def _offer_encryption(self, actor: Actor) -> None:
        """Plain data from before encryption: offer to encrypt it (not the fictional demo)."""
        assert self.db is not None
        if self.demo:
            return
        with self.db.transaction() as tx:
            if is_demo(tx):
                return
        dialog = EncryptOfferDialog()

        def attempt() -> str | None:
            passphrase, repeated = dialog.values()
            try:
                check_new_passphrase(passphrase, repeated)
                self._encrypt(passphrase, actor)
            except BroadtalkError as error:
                return error.message
            return None

        dialog.set_attempt(attempt)
        dialog.exec()

    def _encrypt(self, passphrase: str, actor: Actor) -> None:
        assert self.db is not None
        self.db.close()
        self.db = None
        try:
            encrypt_database(self.path, passphrase)
        finally:
            # Reopened either way: encrypted when it worked, still plain when it did not.
            encrypted = is_encrypted_file(self.path)
            self.db = Database.open(self.path, passphrase=passphrase if encrypted else None, backup_dir=self.backups)
        with self.db.transaction() as tx:
            audit.record(tx, actor, audit.Action.CHANGE, object_type="database", detail="encrypted")

    # -- first start --------------------------------------------------------------------------------

    def _welcome(self) -> Actor | None:
        """Ask who works here and the passphrase, or open the demo practice."""
        from broadtalk.ui.welcome import LOCAL, SERVER, START

        dialog = self._welcome_dialog()  # one dialog throughout: after a refusal the typed values are still there
        while True:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            if dialog.choice == START and dialog.values is not None:
                actor = self._set_up(dialog)
                if actor is not None:
                    return actor
            elif dialog.choice in (SERVER, LOCAL):
                if self.db is not None:
                    self.db.close()
                    self.db = None
                self.switch_to = dialog.server_address if dialog.choice == SERVER else config.default_db_path()
                return None
            else:
                if self.db is not None:
                    self.db.close()
                    self.db = None
                demo = _open_demo()
                if demo is not None:
                    self.db, self.demo = demo, True
                    self.path = demo.path
                    self.backups = config.backup_dir()
                    actor = self._sign_in()
                    if actor is not None:
                        return actor
                    return None
            # A refusal was shown; the welcome comes back so the person can choose again.

    def _welcome_dialog(self) -> WelcomeDialog:
        from broadtalk.ui.welcome import WelcomeDialog

        return WelcomeDialog(offer_server=self.offer_server)

    def _open_new(self, passphrase: str):
        """The database the welcome sets up, protected with ``passphrase``."""
        return Database.open(self.path, passphrase=passphrase, backup_dir=self.backups)

    def _set_up(self, dialog: WelcomeDialog) -> Actor | None:
        values = dialog.values
        assert values is not None
        title = _("broadtalk could not be set up")
        try:
            if self.db is None:
                self.db = self._open_new(dialog.passphrase)
            elif not self.db.encrypted:
                self.db.close()
                self.db = None
                encrypt_database(self.path, dialog.passphrase)
                self.db = Database.open(self.path, passphrase=dialog.passphrase, backup_dir=self.backups)
        except BroadtalkError as error:
            QMessageBox.warning(dialog, title, error.message)
            return None
        db = self.db
        return run_use_case(
            dialog,
            db,
            lambda tx: _set_up_and_sign_in(tx, values, dialog.secret),
            title,
        )

    # -- restore and the end ------------------------------------------------------------------------

    def _restore(self, backup: Path, passphrase: str | None, actor: Actor) -> bool:
        """Put a backup in place of the current data, then sign in again. When the restore is
        refused or fails, the data as it was opens again."""
        assert self.db is not None
        current_passphrase = self.db.passphrase
        self.db.close()  # this process lets go of the database: the restore needs it alone
        self.db = None
        result = self._run_restore(backup, passphrase, current_passphrase, actor)
        reopen_with = result.passphrase if result is not None else current_passphrase
        try:
            self.db = Database.open(
                self.path, passphrase=reopen_with if is_encrypted_file(self.path) else None, backup_dir=self.backups
            )
        except BroadtalkError as error:
            QMessageBox.critical(None, _("The backup could not be restored"), error.message)
            return False
        return True

    def _finish(self) -> None:
        if self.db is None:
            return
        try:
            if not self.demo:
                self.db.rotating_backup(self.backups, reason="on-exit")
        except BroadtalkError as error:
            log.warning("backup on exit failed: %s", type(error).__name__)
            QMessageBox.warning(None, _("No backup was made"), error.message)
        finally:
            self.db.close()
            self.db = None


def _set_up_and_sign_in(tx, values, secret: str) -> Actor:
    actor = set_up_workstation(tx, values.name, values.role, values.practice_name, secret)
    audit.record(tx, actor, audit.Action.SIGN_IN, object_type="practitioner", object_id=actor.id)
    return actor


class _ServerSession(_Session):
    """The app on a practice database on a PostgreSQL server (``--db postgresql://…``). The same
    run as on a file, without what belongs to a file: no restore over it, no backup on exit (the
    server keeps its own), no encryption to offer (the practice key always protects the texts).
    An empty server database is set up through the welcome, which asks the passphrase twice."""

    def __init__(self, url: str, *, remembered: bool = False):
        super().__init__(Path(), config.backup_dir(), offer_server=remembered)
        self.url = url
        #: The server was chosen at this workstation's first start (not named with --db).
        self.remembered = remembered

    def _welcome_dialog(self) -> WelcomeDialog:
        from broadtalk.store.server import location, parse
        from broadtalk.ui.welcome import WelcomeDialog

        return WelcomeDialog(offer_server=self.remembered, server_place=location(parse(self.url)))

    def _open_or_set_up(self) -> Actor | None:
        from broadtalk.store.server import ServerDatabase

        while True:
            try:
                set_up = ServerDatabase.is_set_up(self.url)
                break
            except BroadtalkError as error:
                if not self._unreachable(error.message):
                    return None
                if self.switch_to is not None:
                    return None
        if not set_up:
            return self._welcome()
        if not self._unlock():
            return None
        assert self.db is not None
        with self.db.transaction() as tx:
            anyone = bool(list_practitioners(tx))
        return self._sign_in() if anyone else self._welcome()

    def _last_here(self, here: Actor | None) -> int | None:
        # The database's setting is the practice's first account for every workstation: this
        # workstation remembers who last signed in here instead.
        last = config.last_signed_in(self._place())
        return last if last is not None else super()._last_here(here)

    def _signed_in_here(self, actor: Actor) -> None:
        try:
            config.remember_signed_in(self._place(), actor.id)
        except OSError:
            log.warning("last sign-in not remembered")

    def _place(self) -> str:
        from broadtalk.store.server import location, parse

        return location(parse(self.url))

    def _unreachable(self, message: str) -> bool:
        """The server did not answer or refused: True to try again. A server this workstation
        chose itself can be changed here (address, or a new password); then ``switch_to``."""
        title = _("broadtalk cannot open the database")
        if not self.remembered:
            QMessageBox.critical(None, title, message)
            self.failed = True
            return False
        box = QMessageBox(QMessageBox.Icon.Critical, title, message)
        again = box.addButton(_("Try &again"), QMessageBox.ButtonRole.AcceptRole)
        change = box.addButton(_("Change the &server…"), QMessageBox.ButtonRole.ActionRole)
        box.addButton(_("Close"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(again)
        while True:
            box.exec()
            if box.clickedButton() is again:
                return True
            if box.clickedButton() is not change:
                self.failed = True
                return False
            from broadtalk.ui.server_dialog import ServerDialog

            dialog = ServerDialog(address=self.url)
            if dialog.exec() == QDialog.DialogCode.Accepted:
                self.switch_to = dialog.address
                return True

    def _unlock(self) -> bool:
        from broadtalk.store.server import ServerDatabase, location, parse

        failures: list[datetime] = []
        dialog = PassphraseDialog(location(parse(self.url)), on_server=True)

        dialog.set_attempt(
            self._attempt(
                dialog, failures, lambda passphrase: ServerDatabase.open(self.url, passphrase=passphrase, create=False)
            )
        )
        if dialog.exec() != QDialog.DialogCode.Accepted or self.db is None:
            return False
        self._record_failed_unlocks(failures)
        return True

    def _open_new(self, passphrase: str):
        from broadtalk.store.server import ServerDatabase

        return ServerDatabase.open(self.url, passphrase=passphrase)

    def _finish(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


def _forget_sources() -> None:
    """Drop the source lines PySide6's import hook read of every module imported after it (see the
    imports above): nothing needs them, and the memory is better used for the window."""
    linecache.clearcache()


def _run_startup_check(
    app: QApplication, path: Path | None, backups: Path, started: float, *, server: str | None = None
) -> int:
    from broadtalk.ui.main_window import MainWindow

    _forget_sources()

    passphrase = os.environ.get("BROADTALK_PASSPHRASE") or None
    try:
        if server is not None:
            from broadtalk.store.server import ServerDatabase

            db = ServerDatabase.open(server, passphrase=passphrase, create=False)
        else:
            assert path is not None
            db = Database.open(path, passphrase=passphrase, backup_dir=backups)
    except BroadtalkError as error:
        print(f"broadtalk: {error.message}", file=sys.stderr)
        return 1
    try:
        try:
            with db.transaction() as tx:
                if not list_practitioners(tx):
                    raise StoreError(
                        _(
                            "broadtalk: this database has no practitioner yet; start broadtalk once without "
                            "--startup-check and fill in the welcome."
                        )
                    )
            actor = environment_actor(db)  # no prompt: a startup check never waits for a person
        except BroadtalkError as error:
            print(
                error.message if error.message.startswith("broadtalk") else f"broadtalk: {error.message}",
                file=sys.stderr,
            )
            return 1
        window = MainWindow(db, actor)
        _StartupCheck(app, window, db, actor, started).watch()
        window.show()
        return app.exec()
    finally:
        db.close()


# -- the demo practice --------------------------------------------------------------------------


def _open_demo() -> Database | None:
    """The demo practice: reused when complete, else made afresh with a progress bar."""
    path = demo_db_path()
    title = _("The demo practice cannot be opened")
    if path.exists():
        try:
            demo = Database.open(path, backup_dir=config.backup_dir())
        except BroadtalkError as error:
            QMessageBox.warning(None, title, error.message)
            return None
        with demo.transaction() as tx:
            fictional, finished = is_demo(tx), current_actor(tx) is not None
        if fictional and finished:
            return demo
        demo.close()
        if not fictional:
            QMessageBox.warning(
                None,
                title,
                _(
                    "{path} is not a demo practice, so broadtalk leaves it alone. "
                    "Move or rename that file, then choose the demo practice again."
                ).format(path=path),
            )
            return None
        _remove_database(path)  # an earlier demo was interrupted half-way: begin again
    if not _make_demo(path):
        _remove_database(path)
        return None
    demo = None
    try:
        demo = Database.open(path, backup_dir=config.backup_dir())
        with demo.transaction() as tx:
            practitioners = list_practitioners(tx)
            nurses = [a for a in practitioners if a.role == Role.PRACTICE_NURSE] or practitioners
            if not nurses:
                raise StoreError(_("The demo practice has no practitioners; choose the demo practice again."))
            # Written last: a demo file with a workstation practitioner is a finished one (and
            # the sign-in offers that nurse first).
            use_practitioner_here(tx, nurses[0])
    except BroadtalkError as error:
        if demo is not None:
            demo.close()
        _remove_database(path)
        QMessageBox.warning(None, title, error.message)
        return None
    return demo


def _remove_database(path: Path) -> None:
    # WAL mode keeps two companion files beside the database.
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        file.unlink(missing_ok=True)


class _Cancelled(Exception):
    pass


class _DemoMaker(QThread):
    """Makes the demo database off the GUI thread, on its own connection to the file."""

    progressed = Signal(int, int)

    def __init__(self, path: Path, clients: int):
        super().__init__()
        self.path = path
        self.clients = clients
        self.cancel_requested = False  # set from the GUI thread, read between batches
        self.error: str | None = None

    def run(self) -> None:
        from broadtalk.demo import generate_demo

        try:
            db = Database.open(self.path)
            try:
                generate_demo(db, clients=self.clients, seed=DEMO_SEED, today=date.today(), progress=self._progress)
            finally:
                db.close()
        except _Cancelled:
            pass
        except BroadtalkError as error:
            self.error = error.message
        except Exception as error:  # a bug: say where the details are, keep them out of the dialog
            self.error = unexpected_error_message(error)

    def _progress(self, done: int, total: int) -> None:
        self.progressed.emit(done, total)
        if self.cancel_requested:
            raise _Cancelled  # no further batches; the caller removes the half-made file


def _make_demo(path: Path) -> bool:
    """Fill a new demo database at ``path`` while a progress dialog shows; False when cancelled or failed."""
    progress = QProgressDialog()
    progress.setWindowTitle(_("Demo practice"))
    progress.setLabelText(
        _("Making a demo practice with {clients} fictional clients. This takes a moment.").format(clients=DEMO_CLIENTS)
    )
    progress.setWindowModality(Qt.WindowModality.ApplicationModal)
    progress.setAutoClose(False)
    progress.setAutoReset(False)
    progress.setMinimumDuration(0)
    progress.setMinimumWidth(420)
    progress.setRange(0, 0)  # moving bar until the first batch is done
    maker = _DemoMaker(path, DEMO_CLIENTS)

    def advance(done: int, total: int) -> None:
        progress.setRange(0, total)
        progress.setValue(done)

    def cancel() -> None:
        maker.cancel_requested = True

    loop = QEventLoop()
    maker.progressed.connect(advance)
    maker.finished.connect(loop.quit)
    progress.canceled.connect(cancel)
    progress.show()
    maker.start()
    loop.exec()
    maker.wait()
    progress.canceled.disconnect(cancel)  # closing the dialog emits canceled too
    progress.close()
    if maker.error is not None:
        QMessageBox.warning(None, _("The demo practice could not be made"), maker.error)
        return False
    return not maker.cancel_requested


# -- --startup-check -----------------------------------------------------------------------------


class _StartupCheck(QObject):
    """Prints the time from start to the first paint of the filled client list, then quits."""

    def __init__(self, app: QApplication, window: QWidget, db: Database, actor: Actor, started: float):
        super().__init__(window)
        self._app = app
        self._started = started
        self._done = False
        view = getattr(window, "table", None)
        if not isinstance(view, QAbstractItemView):
            view = window.findChild(QAbstractItemView)
        self._view: QAbstractItemView | None = view
        self._target = view.viewport() if view is not None else window
        start = getattr(window, "start_page", None)
        self._expect_rows = False
        if isinstance(start, QWidget) and start.isVisibleTo(window):  # Today: filled before it shows
            self._view, self._target = None, start
        else:
            with db.transaction() as tx:
                # With no clients an empty list is the finished picture; else wait for rows.
                self._expect_rows = count_clients(tx, actor) > 0

    def watch(self) -> None:
        self._target.installEventFilter(self)
        QTimer.singleShot(STARTUP_CHECK_LIMIT_MS, self._give_up)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self._done and self._filled():
            self._done = True
            QTimer.singleShot(0, self._report)  # after this paint has been drawn
        return False

    def _filled(self) -> bool:
        if not self._expect_rows or self._view is None or self._view.model() is None:
            return True
        return self._view.model().rowCount() > 0

    def _report(self) -> None:
        elapsed = round((time.perf_counter() - self._started) * 1000)
        print(f"startup-check: {elapsed} ms", flush=True)  # for scripts: fixed words, not translated
        self._app.exit(0)

    def _give_up(self) -> None:
        if self._done:
            return
        self._done = True
        print(
            _("broadtalk: the client list did not appear within {seconds} seconds.").format(
                seconds=STARTUP_CHECK_LIMIT_MS // 1000
            ),
            file=sys.stderr,
            flush=True,
        )
        self._app.exit(1)
