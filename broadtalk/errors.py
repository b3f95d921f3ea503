"""Errors that carry a message meant for the user.

Core code raises these with a translated, specific message (what, where, how to fix). The CLI
prints the message on one line and exits 1; the GUI shows it in a dialog. Anything else that
escapes is a bug and is reported without personal data.
"""

import errno
import os

from broadtalk.i18n import _


class BroadtalkError(Exception):
    """An expected failure with a message a user can act on."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class InputError(BroadtalkError):
    """The user's input is invalid; nothing was changed."""


class NotFoundError(BroadtalkError):
    """The thing asked for does not exist."""


class RefusedError(BroadtalkError):
    """The request is understood but not allowed in the current state."""


class StoreError(BroadtalkError):
    """The database cannot be opened or used; the message says what to do next."""


def keep_writes(error: BaseException) -> BaseException:
    """Mark an error so that ``Database.transaction`` commits what the use case wrote before it
    raises it (a refused sign-in whose failure must be counted, not rolled back)."""
    error.keep_writes = True  # type: ignore[attr-defined]
    return error


def keeps_writes(error: BaseException) -> bool:
    return bool(getattr(error, "keep_writes", False))


def os_reason(error: OSError | int) -> str:
    """Why the system refused a file operation, in the interface language ("de schijf is vol"),
    for a message that says it in brackets; the system's own words (English) only for a rare
    reason broadtalk has no words of its own for."""
    from broadtalk.files import NotAnOrdinaryFile

    if isinstance(error, NotAnOrdinaryFile):
        return _("it is a device or a pipe, not a file")
    number = error if isinstance(error, int) else error.errno
    reasons = {
        errno.ENOSPC: lambda: _("the disk is full"),
        errno.EDQUOT: lambda: _("the disk quota is used up"),
        errno.EACCES: lambda: _("no permission"),
        errno.EPERM: lambda: _("no permission"),
        errno.EROFS: lambda: _("the disk is read-only"),
        errno.EISDIR: lambda: _("it is a folder"),
        errno.ENOTDIR: lambda: _("a part of the path is not a folder"),
        errno.ENOENT: lambda: _("it does not exist"),
        errno.EEXIST: lambda: _("it exists already"),
        errno.ENAMETOOLONG: lambda: _("the name is too long"),
        errno.EIO: lambda: _("the disk gave a read or write error"),
        errno.EBUSY: lambda: _("it is in use"),
        errno.ETXTBSY: lambda: _("it is in use"),
        errno.EMFILE: lambda: _("too many files are open"),
        errno.ENFILE: lambda: _("too many files are open"),
        errno.EXDEV: lambda: _("it is on another disk"),
    }
    if number in reasons:
        return reasons[number]()
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return os.strerror(number) if isinstance(number, int) else type(error).__name__
