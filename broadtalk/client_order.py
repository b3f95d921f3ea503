"""The client list's order on a server, without the server reading a name.

The list is read page by page in Dutch order (family name, given name, prefix; then birth date
and id) from one index (``ix_client_list_order`` on ``sort_key, birth_date, id``). In the
embedded file ``sort_key`` is the folded name itself. On a server the names are encrypted
(``store.practice_key``), so ``sort_key`` holds a *rank* instead: a short string of digits and
lower-case letters that sorts (byte by byte: the column's collation is "C", revision 0010)
where the folded name sorts. The server can tell which client comes before which in the
alphabet, never a letter of a name.

A new or renamed client gets a rank between its neighbours': its place is found by a binary
search over the list (about 17 looks at 100,000 clients, each reading one row's encrypted name
and opening it here), under the practice's write lock, so two workstations never take the same
place. ``ranks_for`` gives a whole sorted list evenly spaced ranks at once (a demo, a copy of an
embedded database onto the server, a repair).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from broadtalk.store.tables import Client

DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_BASE = len(DIGITS)
_VALUE = {digit: value for value, digit in enumerate(DIGITS)}
_CLIENT = Client.__table__.c  # type: ignore[attr-defined]


def between(low: str, high: str | None) -> str:
    """A rank that sorts after ``low`` ("" for the very start) and before ``high`` (None for the
    very end). Ranks never end in "0", so there is always room before one."""
    if high is not None and not low < high:
        raise ValueError("no room between ranks that are not in order")
    result: list[str] = []
    index = 0
    while True:
        below = _VALUE[low[index]] if index < len(low) else 0
        above = _VALUE[high[index]] if high is not None and index < len(high) else _BASE
        if below == above:
            result.append(DIGITS[below])
            index += 1
            continue
        middle = (below + above) // 2
        if middle > below:
            result.append(DIGITS[middle])
            return "".join(result)
        # Neighbouring digits: keep ``low``'s and find room after the rest of it.
        result.append(DIGITS[below])
        index += 1
        high = None


def ranks_for(count: int) -> list[str]:
    """``count`` ranks in order, evenly spaced, all of one length before trailing zeros go, with
    room for many clients between each two."""
    if count <= 0:
        return []
    width = max(2, math.ceil(math.log(count * 1296 + 1, _BASE)))  # 36 ** 2 places between neighbours
    span = _BASE**width
    ranks = []
    for position in range(1, count + 1):
        value = position * span // (count + 1)
        digits = []
        for _place in range(width):
            value, digit = divmod(value, _BASE)
            digits.append(DIGITS[digit])
        ranks.append("".join(reversed(digits)).rstrip("0"))
    return ranks


#: What orders the list: (the folded name, birth date, id); see ``clients.list_order_text``.
Place = tuple[str, date, int]


def rank_for(
    connection: Connection,
    place: Place,
    order_text: Callable[[object], str],
) -> str:
    """The rank of a client that belongs at ``place`` in the list, among every other client on
    the server. ``order_text`` gives a client row's folded name (its names opened with the
    practice key). Run inside the transaction that writes the client, under the write lock."""
    _name, _birth, client_id = place
    others = select(_CLIENT.id).where(_CLIENT.id != client_id).subquery()
    total = connection.execute(select(func.count()).select_from(others)).scalar_one()
    columns = (_CLIENT.id, _CLIENT.given_name, _CLIENT.name_prefix, _CLIENT.family_name, _CLIENT.birth_date)
    order = (_CLIENT.sort_key, _CLIENT.birth_date, _CLIENT.id)

    def at(position: int):
        return connection.execute(
            select(*columns, _CLIENT.sort_key).where(_CLIENT.id != client_id).order_by(*order).offset(position).limit(1)
        ).one()

    # The first position whose client comes after ``place``.
    low, high = 0, total
    while low < high:
        middle = (low + high) // 2
        row = at(middle)
        if (order_text(row), row.birth_date, row.id) < place:
            low = middle + 1
        else:
            high = middle
    before = at(low - 1).sort_key if low > 0 else ""
    after = at(low).sort_key if low < total else None
    return between(before, after)


def assign_all(connection: Connection, order_text: Callable[[object], str], *, batch: int = 1000) -> int:
    """Every client a fresh, evenly spaced rank in list order (after a bulk load, or to repair);
    returns the number of clients. Reads every client's names once."""
    rows = connection.execute(
        select(_CLIENT.id, _CLIENT.given_name, _CLIENT.name_prefix, _CLIENT.family_name, _CLIENT.birth_date)
    ).all()
    ordered = sorted(rows, key=lambda row: (order_text(row), row.birth_date, row.id))
    ranks = ranks_for(len(ordered))
    values: Sequence[tuple[str, int]] = [(rank, row.id) for rank, row in zip(ranks, ordered, strict=True)]
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    for start in range(0, len(values), batch):
        connection.exec_driver_sql(
            f"UPDATE client SET sort_key = {mark} WHERE id = {mark}", list(values[start : start + batch])
        )
    return len(ordered)
