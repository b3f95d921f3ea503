"""The client search index: what a search word can match, as keyed hashes (``client_search_token``).

Searching the client list matches every typed word against a client in one of three ways (the
rules ``clients.search_clients`` has always had):

- a piece of the name: the word, folded (lower case, no diacritics: ``text.fold``), is part of
  one of the name's words (``search_key``, "jan van der berg"): "erg" and "berg" find Berg,
  "celik" finds Çelik;
- the start of the client number, from three characters ("h7k" finds H7K-2PQ);
- the birth date, typed as a date (``clients.parse_date``: 7-3-1951, 07/03/1951, 1951-03-07).

Instead of scanning every client, each client has one row per distinct *piece* (every part of
every name word up to ``LONGEST_PIECE`` characters, every start of the client number from three
characters, the birth date), stored as a keyed hash (BLAKE2b, 64 bits) with the client's id;
a word is one indexed equality look-up (``word_tokens``), several words are intersected. A word
longer than ``LONGEST_PIECE`` is looked up by its first ``LONGEST_PIECE`` characters and checked
against the name (``needs_check``), so the rules stay exact.

The key (``KEY_SETTING``, 32 random bytes, made by revision 0009 or at first use) keeps the
rows from being read back as names: on a shared server whose administrators must not see names
the key comes from the practice key (``store.practice_key``) and stays off the server; the server then sees, per
client, a set of 64-bit numbers, and per search the numbers of the typed words (it can tell that
two clients share a piece, not which piece). Changing how pieces are made or the key means
rebuilding every row (``rebuild``, what revision 0009 does for an existing database).

This module knows the store's tables only: the migration imports it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import date

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from broadtalk.store import practice_key
from broadtalk.store.tables import Client, ClientSearchToken, Setting
from broadtalk.text import fold

#: The setting that holds the hashing key (hex).
KEY_SETTING = "client_search_key"
#: Name pieces are indexed up to this length; a longer word is looked up by its start and checked.
LONGEST_PIECE = 12
#: The client number is found by its start from this many characters (as before the index).
NUMBER_START = 3
_NAME = b"n:"
_DATE = b"d:"


def new_key() -> str:
    return secrets.token_hex(32)


def _hash(key: bytes, kind: bytes, text: str) -> int:
    digest = hashlib.blake2b(kind + text.encode("utf-8"), key=key, digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _pieces(word: str) -> set[str]:
    """Every part of the word (contiguous), up to ``LONGEST_PIECE`` characters."""
    length = len(word)
    return {
        word[start : start + size]
        for start in range(length)
        for size in range(1, min(LONGEST_PIECE, length - start) + 1)
    }


def client_tokens(key: bytes, search_key: str, birth_date: date, client_number: str) -> set[int]:
    """The hashes under which a client is found (``search_key`` is the folded name)."""
    pieces: set[str] = set()
    for word in search_key.split():
        pieces |= _pieces(word)
    number = fold(client_number)
    pieces |= {number[:end] for end in range(NUMBER_START, len(number) + 1)}
    tokens = {_hash(key, _NAME, piece) for piece in pieces}
    tokens.add(_hash(key, _DATE, birth_date.isoformat()))
    return tokens


def word_tokens(key: bytes, word: str, day: date | None) -> list[int]:
    """The hashes a typed word matches (empty when the folded word is empty: it matches anyone);
    ``day``: the word read as a date, if it is one."""
    folded = fold(word)
    if not folded:
        return []
    tokens = [_hash(key, _NAME, folded[:LONGEST_PIECE])]
    if day is not None:
        tokens.append(_hash(key, _DATE, day.isoformat()))
    return tokens


def window_tokens(key: bytes, word: str) -> list[int]:
    """The hashes of every ``LONGEST_PIECE``-letter window of a longer word after its start: a
    name holds the word when it holds all of them in one word, which a server database (its
    names encrypted) cannot check; holding all of them at all is the check there. It differs
    only for a name with two words that share ``LONGEST_PIECE - 1`` letters the word joins."""
    folded = fold(word)
    return [
        _hash(key, _NAME, folded[start : start + LONGEST_PIECE]) for start in range(1, len(folded) - LONGEST_PIECE + 1)
    ]


def needs_check(word: str) -> bool:
    """A word longer than the longest piece: its start was looked up, the name must be checked."""
    return len(fold(word)) > LONGEST_PIECE


def read_key(connection: Connection) -> bytes | None:
    """The hashing key: on a server the practice key's (never stored there), else the setting's."""
    practice = practice_key.of(connection)
    if practice is not None:
        return practice.search
    value = connection.execute(select(Setting.value).where(Setting.key == KEY_SETTING)).scalar()
    return bytes.fromhex(value) if value else None


def ensure_key(connection: Connection) -> bytes:
    """The key; made (and every client's rows rebuilt) when there is none."""
    key = read_key(connection)
    if practice_key.of(connection) is not None:
        return key  # a server database's index is written with its clients, under the practice key
    if key is None:
        connection.execute(insert(Setting).values(key=KEY_SETTING, value=new_key()))
        key = read_key(connection)
        assert key is not None
        rebuild(connection, key)
    return key


def _rows(client_id: int, tokens: Iterable[int]) -> list[tuple[int, int]]:
    return [(token, client_id) for token in tokens]


def _insert(connection: Connection, rows: list[tuple[int, int]]) -> None:
    """Many rows in one ``executemany`` of the driver: two integers per row need none of the
    statement's per-row processing (a client has some fifty rows, a demo creates thousands)."""
    if not rows:
        return
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    table = ClientSearchToken.__tablename__
    connection.exec_driver_sql(f"INSERT INTO {table} (token, client_id) VALUES ({mark}, {mark})", rows)


def index_client(
    connection: Connection,
    key: bytes,
    client_id: int,
    search_key: str,
    birth_date: date,
    client_number: str,
    *,
    new: bool = False,
) -> None:
    """(Re)write one client's rows: after creating (``new``: there are none yet) or changing the client."""
    if not new:
        connection.execute(delete(ClientSearchToken).where(ClientSearchToken.client_id == client_id))
    _insert(connection, _rows(client_id, client_tokens(key, search_key, birth_date, client_number)))


def forget_client(connection: Connection, client_id: int) -> int:
    """Remove the client's rows (erasure); returns how many there were."""
    result = connection.execute(delete(ClientSearchToken).where(ClientSearchToken.client_id == client_id))
    return int(result.rowcount or 0)


def rebuild(connection: Connection, key: bytes, *, batch: int = 500) -> int:
    """Every client's rows anew (a new key, or a database from before the index); returns the
    number of clients. Reads the clients in id order, a batch at a time."""
    connection.execute(delete(ClientSearchToken))
    table = Client.__table__.c
    last, count = 0, 0
    while True:
        rows = connection.execute(
            select(table.id, table.search_key, table.birth_date, table.client_number)
            .where(table.id > last)
            .order_by(table.id)
            .limit(batch)
        ).all()
        if not rows:
            return count
        values: list[tuple[int, int]] = []
        for client_id, search_key, birth_date, number in rows:
            values += _rows(client_id, client_tokens(key, search_key, _as_date(birth_date), number))
        _insert(connection, values)
        last, count = rows[-1][0], count + len(rows)


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
