"""Small text helpers shared by the core: cleaning input and folding names for search."""

from __future__ import annotations

import re
import unicodedata

# Letters that Unicode does not decompose into a base letter plus accent.
_FOLD = str.maketrans(
    {"ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ß": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "ı": "i"}
)


def fold(text: str) -> str:
    """Lower case without diacritics: 'Çelik' -> 'celik', 'Ødegård' -> 'odegard'."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


# Control characters (but tab and newline) and lone surrogates: never meant, break PDFs and XML.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")


def clean_line(text: str) -> str:
    """One line of text: control characters and line breaks become spaces, runs of space one."""
    return " ".join(_LINE_BREAKING.sub(" ", text).split())


def clean_block(text: str) -> str:
    """Several lines of text: keeps line breaks and tabs, drops other control characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", text).strip()


def address_line(address: str, postal_code: str, city: str) -> str:
    """'Lindenlaan 12, 3552 AB Utrecht', as an address is written on one line in Dutch."""
    place = " ".join(part for part in (postal_code, city) if part)
    return ", ".join(part for part in (address, place) if part)
