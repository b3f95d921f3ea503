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


#: The bidirectional embeddings, overrides and isolates (and marks): they make a line read
#: differently from what it holds ("Schuldhulp" shown mirrored); never needed in a name.
BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def plain_line(text: str) -> str:
    """One line as ``clean_line``, and without bidirectional controls: for a name or a contact
    detail shown in other people's documents."""
    return clean_line(BIDI_CONTROLS.sub("", text))


def shown_value(text: str, limit: int = 60) -> str:
    """A typed value for inside a message: one safe line, cut to ``limit`` characters."""
    line = plain_line(text)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def clean_block(text: str) -> str:
    """Several lines of text: keeps line breaks and tabs, drops other control characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", text).strip()


def address_line(address: str, postal_code: str, city: str) -> str:
    """'Lindenlaan 12, 3552 AB Utrecht', as an address is written on one line in Dutch."""
    place = " ".join(part for part in (postal_code, city) if part)
    return ", ".join(part for part in (address, place) if part)


#: What a spreadsheet reads as the start of a formula (or a cell split) at the start of a cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: str) -> str:
    """Text for one cell of a CSV file: a spreadsheet runs a cell that starts with = + - @ as a
    formula, so such text gets a leading quote ("'=SUM(A1)"). For text only: a number written
    by broadtalk (a negative change) stays a number."""
    return f"'{value}" if value[:1] in FORMULA_STARTS else value
