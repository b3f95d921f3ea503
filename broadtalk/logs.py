"""Logging to a rotating file in the data folder. Log lines carry ids at most, never personal data."""

from __future__ import annotations

import logging
import logging.handlers
import traceback
from pathlib import Path

from broadtalk import config
from broadtalk.files import private_file, private_folder


def log_path() -> Path:
    return config.data_dir() / "logs" / "broadtalk.log"


def setup_logging(level: int = logging.INFO) -> None:
    root = logging.getLogger()
    if any(getattr(h, "_broadtalk", False) for h in root.handlers):
        return
    path = log_path()
    try:
        private_folder(path.parent)
        private_file(path)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._broadtalk = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def log_unexpected(error: BaseException) -> None:
    """Record a bug without its message: messages (and source lines) can hold what a user typed."""
    # Where, not what: file, line and function of each frame, without source lines or values.
    frames = "\n".join(
        f"  {Path(frame.filename).name}:{frame.lineno} in {frame.name}"
        for frame in traceback.extract_tb(error.__traceback__)
    )
    logging.getLogger("broadtalk").error("unexpected %s\n%s", type(error).__name__, frames)


def unexpected_error_message(error: BaseException) -> str:
    """Log a bug by place (``log_unexpected``) and return what to tell the person: that something
    went wrong and where the details are, never the error's own text."""
    from broadtalk.i18n import _

    log_unexpected(error)
    return _("Something went wrong inside broadtalk ({kind}); details are in {log}.").format(
        kind=type(error).__name__, log=log_path()
    )
