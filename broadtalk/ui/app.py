"""Start the desktop app: display check, QApplication, translations, database, main window."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from broadtalk import config
from broadtalk.errors import BroadtalkError
from broadtalk.i18n import _, current_language


def display_available() -> bool:
    """Whether Qt can open a window here (Linux without X or Wayland cannot, unless offscreen)."""
    if not sys.platform.startswith("linux"):
        return True
    if os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] in ("offscreen", "minimal", "vnc", "eglfs", "linuxfb"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _install_qt_translator(app) -> None:
    """Qt's own dialogs (buttons like Cancel, file dialogs) in the interface language."""
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    language = current_language()
    QLocale.setDefault(QLocale(language))
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(f"qtbase_{language}", folder):
        app.installTranslator(translator)


def run_app(db_path: Path | None = None) -> int:
    if not display_available():
        print(
            _(
                "broadtalk: there is no screen to show the app on (no DISPLAY). Run it on a desktop, "
                "or with a virtual screen: xvfb-run broadtalk"
            ),
            file=sys.stderr,
        )
        return 1
    from PySide6.QtWidgets import QApplication, QMessageBox

    from broadtalk.store.database import Database
    from broadtalk.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("broadtalk")
    app.setApplicationDisplayName("broadtalk")
    _install_qt_translator(app)
    try:
        db = Database.open(db_path or config.default_db_path(), backup_dir=None if db_path else config.backup_dir())
    except BroadtalkError as error:
        QMessageBox.critical(None, _("broadtalk cannot open the database"), error.message)
        return 1
    window = MainWindow(db)
    window.show()
    try:
        return app.exec()
    finally:
        db.close()
