"""What a floor on a server does to open the practice database with its passphrase, as broadtalk
does (``broadtalk/store/practice_key.py``), written out with the same parameters: the salt and the
check value read from the server, PBKDF2-HMAC-SHA512 over 256,000 rounds (as SQLCipher's KDF for
the file), the sub-keys (HMAC-SHA256), the check; texts opened with AES-256-GCM, the column's name
as associated data. Nothing of broadtalk is imported.
"""

import base64
import hashlib
import hmac

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ROUNDS = 256_000
PREFIX = "bt1:"
SETTINGS = "SELECT key, value FROM setting WHERE key IN ('practice_key_salt', 'practice_key_check')"


class Key:
    def __init__(self, passphrase: str, settings: dict[str, str]):
        salt = bytes.fromhex(settings["practice_key_salt"])
        master = hashlib.pbkdf2_hmac("sha512", passphrase.encode("utf-8"), salt, ROUNDS, 32)
        check = self._sub(master, b"check v1").hex()
        if not hmac.compare_digest(check, settings.get("practice_key_check", "")):
            raise SystemExit("wrong passphrase")
        self.search = self._sub(master, b"search v1")
        self._text = AESGCM(self._sub(master, b"text v1"))

    @staticmethod
    def _sub(master: bytes, label: bytes) -> bytes:
        return hmac.new(master, b"broadtalk " + label, hashlib.sha256).digest()

    def open_text(self, stored: str, column: str) -> str:
        raw = base64.b64decode(stored[len(PREFIX) :])
        return self._text.decrypt(raw[:12], raw[12:], column.encode("ascii")).decode("utf-8")

    def name_token(self, piece: str) -> int:
        """The search index's hash of a (folded) piece of a name (``client_search``)."""
        digest = hashlib.blake2b(b"n:" + piece.encode("utf-8"), key=self.search, digest_size=8).digest()
        return int.from_bytes(digest, "big", signed=True)
