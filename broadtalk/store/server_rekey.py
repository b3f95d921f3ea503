"""A new passphrase for a practice database on a server: every text encrypted with the practice
key is encrypted again with the key of the new passphrase (and a new salt), in the transaction
that stores the new salt and check value, so the server holds either every text under the old
key or every text under the new one, never a mix.

The texts are read and written as they are stored (``bt1:`` cipher text), a batch at a time, and
each is opened with the old key and sealed with the new one under its own column name, so a text
moved to another column on the server is still refused as it would be when read.
"""

from __future__ import annotations

from sqlalchemy import Column, Table, Text, bindparam, select, type_coerce, update
from sqlalchemy.engine import Connection

from broadtalk.store import practice_key
from broadtalk.store.tables import SecretText, Setting, metadata

BATCH = 1000


def secret_columns() -> list[tuple[Table, Column, list[Column]]]:
    """Every table with texts under the practice key: (table, its id column, those columns)."""
    found = []
    for table in metadata.sorted_tables:
        columns = [column for column in table.columns if isinstance(column.type, SecretText)]
        if columns:
            [key] = list(table.primary_key.columns)
            found.append((table, key, columns))
    return found


def rekey_texts(
    connection: Connection, old: practice_key.PracticeKey, new: practice_key.PracticeKey, *, batch: int = BATCH
) -> int:
    """Encrypt every stored text again, from ``old`` to ``new``; returns how many texts. Raises
    ``practice_key.UnreadableText`` (naming the column) when one does not open with ``old``:
    the caller's transaction then keeps nothing."""
    count = 0
    for table, key, columns in secret_columns():
        raw = [type_coerce(column, Text).label(column.name) for column in columns]
        change = (
            update(table)
            .where(key == bindparam("row_id"))
            .values({column.name: type_coerce(bindparam(f"new_{column.name}"), Text) for column in columns})
        )
        last = None
        while True:
            query = select(key, *raw).order_by(key).limit(batch)
            if last is not None:
                query = query.where(key > last)
            rows = connection.execute(query).all()
            if not rows:
                break
            values = []
            for row in rows:
                changed = {"row_id": row[0]}
                for column, stored in zip(columns, row[1:], strict=True):
                    if stored is None:
                        changed[f"new_{column.name}"] = None
                        continue
                    label = column.type.column
                    changed[f"new_{column.name}"] = new.seal_text(old.open_text(stored, label), label)
                    count += 1
                values.append(changed)
            connection.execute(change, values)
            last = rows[-1][0]
    return count


def store_key(connection: Connection, salt: str, new: practice_key.PracticeKey) -> None:
    """The new salt and check value: from the commit on, only the new passphrase opens."""
    for setting, value in ((practice_key.SALT_SETTING, salt), (practice_key.CHECK_SETTING, new.check)):
        connection.execute(update(Setting).where(Setting.key == setting).values(value=value))  # type: ignore[arg-type]
