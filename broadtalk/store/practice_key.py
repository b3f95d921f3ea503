"""The practice key of a database on a server: what keeps the server from reading the record.

An embedded database is one SQLCipher file, encrypted whole. On a PostgreSQL server the
server's administrators, its logs and its backups see every row, so broadtalk encrypts what
is said about clients before it leaves the workstation: names, contact details and every free
text (``tables.SecretText``: AES-256-GCM, a fresh nonce per value, the column's name as
associated data so a value cannot be moved to another column unnoticed).

The key is derived from the practice's passphrase, the same one an embedded database asks for,
with PBKDF2-HMAC-SHA512 (256,000 rounds, as SQLCipher) over a random salt kept on the server
(``setting`` ``practice_key_salt``). A check value (``practice_key_check``, an HMAC made with a
sub-key, telling nothing about the others) tells a wrong passphrase from a right one before
anything is read. From the one derived key come independent sub-keys (HMAC-SHA256 with a label):
one for texts, one for the client search index's hashes, one for the audit trail's seal. The
passphrase and the keys are held in memory only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

from broadtalk.errors import StoreError
from broadtalk.i18n import _

SALT_SETTING = "practice_key_salt"
CHECK_SETTING = "practice_key_check"
ROUNDS = 256_000
PREFIX = "bt1:"
_NONCE = 12


class UnreadableText(StoreError):
    """A stored text does not open with this practice's key: changed or swapped on the server."""


def new_salt() -> str:
    return secrets.token_hex(16)


def _sub(master: bytes, label: bytes) -> bytes:
    return hmac.new(master, b"broadtalk " + label, hashlib.sha256).digest()


def derive(passphrase: str, salt_hex: str) -> bytes:
    """The practice's one derived key (a tenth of a second or two, on purpose)."""
    return hashlib.pbkdf2_hmac("sha512", passphrase.encode("utf-8"), bytes.fromhex(salt_hex), ROUNDS, 32)


class PracticeKey:
    """The keys derived from a practice's passphrase and its salt."""

    def __init__(self, passphrase: str, salt_hex: str):
        master = derive(passphrase, salt_hex)
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._aead = AESGCM(_sub(master, b"text v1"))
        #: The client search index's hashing key (``client_search``).
        self.search = _sub(master, b"search v1")
        #: The audit trail's seal (``store.seal``): shared by every workstation of the practice.
        self.seal = _sub(master, b"seal v1")
        #: Stored on the server to tell a wrong passphrase (not a key itself).
        self.check = _sub(master, b"check v1").hex()

    def matches(self, stored_check: str) -> bool:
        return hmac.compare_digest(self.check, stored_check)

    def seal_text(self, text: str, column: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, text.encode("utf-8"), column.encode("ascii"))
        return PREFIX + base64.b64encode(nonce + sealed).decode("ascii")

    def open_text(self, stored: str, column: str) -> str:
        from cryptography.exceptions import InvalidTag

        if not stored.startswith(PREFIX):
            raise UnreadableText(_unreadable(column))
        try:
            raw = base64.b64decode(stored[len(PREFIX) :], validate=True)
            return self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], column.encode("ascii")).decode("utf-8")
        except (ValueError, InvalidTag):
            raise UnreadableText(_unreadable(column)) from None


def _unreadable(column: str) -> str:
    return _(
        "A text in the database ({column}) cannot be read with this practice's key: it was changed on the "
        "server outside broadtalk. Nothing was changed; ask the server's administrator to restore it."
    ).format(column=column)


def of(dialect_or_connection) -> PracticeKey | None:
    """The practice key an engine carries (a server database), or None (an embedded one)."""
    dialect = getattr(dialect_or_connection, "dialect", dialect_or_connection)
    return getattr(dialect, "broadtalk_key", None)
