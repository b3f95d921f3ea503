"""Start the desktop app: display check, QApplication, translations, database, who works here,
main window. The first start on a database shows the welcome; ``--startup-check`` measures how
long it takes until the client list is on screen."""

from __future__ import annotations

import logging
import os
import sys
import time
from datetime import date
from pathlib import Path

from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QThread, QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QApplication, QDialog, QMessageBox, QProgressDialog, QWidget

from broadtalk import config
from broadtalk.clients import count_clients
from broadtalk.errors import BroadtalkError, StoreError
from broadtalk.i18n import _, current_language
from broadtalk.logs import log_path, log_unexpected
from broadtalk.practitioners import Actor, Role, list_practitioners
from broadtalk.settings import is_demo
from broadtalk.store.database import Database
from broadtalk.ui.common import run_use_case
from broadtalk.ui.welcome import START, WelcomeDialog
from broadtalk.workstation import current_actor, set_up_workstation, use_practitioner_here

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
    from broadtalk.logs import log_path, log_unexpected

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
    painted and exit 0; never wait for a person (no welcome, no message boxes). ``started_at``
    is a ``time.perf_counter()`` taken earlier by the caller (default: now)."""
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
    # Looked up per call: the heaviest module, and tests put a stand-in there.
    from broadtalk.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    sys.excepthook = report_unexpected
    app.setApplicationName("broadtalk")
    app.setApplicationDisplayName("broadtalk")
    install_qt_translator(app)
    try:
        db = Database.open(db_path or config.default_db_path(), backup_dir=None if db_path else config.backup_dir())
    except BroadtalkError as error:
        if startup_check:
            print(f"broadtalk: {error.message}", file=sys.stderr)
        else:
            QMessageBox.critical(None, _("broadtalk cannot open the database"), error.message)
        return 1
    opened = [db]
    try:
        with db.transaction() as tx:
            actor = current_actor(tx)
        if actor is None:
            if startup_check:
                print(
                    _(
                        "broadtalk: this database has no practitioner yet; start broadtalk once without "
                        "--startup-check and fill in the welcome."
                    ),
                    file=sys.stderr,
                )
                return 1
            chosen = _welcome(db)
            if chosen is None:  # the welcome was closed: nothing was set up, nothing to save
                return 0
            if chosen[0] is not db:
                opened.append(chosen[0])
            db, actor = chosen
        window = MainWindow(db, actor)
        if startup_check:
            _StartupCheck(app, window, db, started).watch()
        window.show()
        return app.exec()
    finally:
        for database in opened:
            database.close()


# -- first start --------------------------------------------------------------------------------


def _welcome(db: Database) -> tuple[Database, Actor] | None:
    """Ask who works here, or open the demo practice; None when the welcome is closed."""
    dialog = WelcomeDialog()  # one dialog throughout: after a refusal the typed values are still there
    while True:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        if dialog.choice == START and dialog.values is not None:
            values = dialog.values
            actor = run_use_case(
                dialog,
                db,
                lambda tx, v=values: set_up_workstation(tx, v.name, v.role, v.practice_name),
                _("broadtalk could not be set up"),
            )
            if actor is not None:
                return db, actor
        else:
            demo = _open_demo()
            if demo is not None:
                return demo
        # A refusal was shown; the welcome comes back so the person can choose again.


def _open_demo() -> tuple[Database, Actor] | None:
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
            fictional, actor = is_demo(tx), current_actor(tx)
        if fictional and actor is not None:
            return demo, actor
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
            actor = nurses[0]
            # Written last: a demo file with a workstation practitioner is a finished one.
            use_practitioner_here(tx, actor)
    except BroadtalkError as error:
        if demo is not None:
            demo.close()
        _remove_database(path)
        QMessageBox.warning(None, title, error.message)
        return None
    return demo, actor


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
            log_unexpected(error)
            self.error = _("Something went wrong inside broadtalk ({kind}); details are in {log}.").format(
                kind=type(error).__name__, log=log_path()
            )

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

    def __init__(self, app: QApplication, window: QWidget, db: Database, started: float):
        super().__init__(window)
        self._app = app
        self._started = started
        self._done = False
        view = getattr(window, "table", None)
        if not isinstance(view, QAbstractItemView):
            view = window.findChild(QAbstractItemView)
        self._view: QAbstractItemView | None = view
        self._target = view.viewport() if view is not None else window
        with db.transaction() as tx:
            # With no clients an empty list is the finished picture; else wait for rows.
            self._expect_rows = count_clients(tx) > 0

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
