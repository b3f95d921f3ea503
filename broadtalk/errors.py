"""Errors that carry a message meant for the user.

Core code raises these with a translated, specific message (what, where, how to fix). The CLI
prints the message on one line and exits 1; the GUI shows it in a dialog. Anything else that
escapes is a bug and is reported without personal data.
"""


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
