"""Moving a practice from its embedded database file onto a PostgreSQL server.

``broadtalk --db FILE copy-to-server postgresql://…`` copies every row of the file into an empty
server database, in one transaction on the server: all of it or nothing. The server's practice
key is derived from the same passphrase, so the practice keeps one passphrase; the texts are
encrypted with it on the way (``tables.SecretText``). What belongs to the place rather than the
practice is made anew on the server: the search index (under the practice key), the list order
(ranks, ``client_order``) and the audit trail's seal (signed with the practice key). The audit
trail itself is copied entry for entry, its chain unchanged, and one entry is added on both
sides: who copied the practice where.

Then it is checked: per table the number of rows, and a digest of every row as broadtalk reads
it (texts opened again with the practice key), must be the same on both sides, and the copied
trail must verify. The file is left as it was (it is the way back); the command says so.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

from broadtalk import audit, client_order, client_search, clients
from broadtalk.audit import require
from broadtalk.errors import RefusedError
from broadtalk.i18n import _
from broadtalk.permissions import Permission
from broadtalk.practitioners import Actor
from broadtalk.store import practice_key, seal
from broadtalk.store.database import Database
from broadtalk.store.server import ServerDatabase
from broadtalk.store.tables import ClientSearchToken, DatabaseSeal, MonitorCount, metadata

log = logging.getLogger(__name__)

#: Made anew on the server, not copied (see the module): the search index, and the monitor's
#: kept count (counted again on the server's data when the monitor first opens there).
REMADE = {ClientSearchToken.__tablename__, MonitorCount.__tablename__}
#: Settings that belong to the place, not to the practice: the file's search key, the server's
#: practice key salt and check value.
PLACE_SETTINGS = {client_search.KEY_SETTING, practice_key.SALT_SETTING, practice_key.CHECK_SETTING}
BATCH = 2000


@dataclass(frozen=True)
class CopyReport:
    tables: int
    rows: int
    clients: int
    audit_entries: int


def _tables():
    return [table for table in metadata.sorted_tables if table.name not in REMADE]


def _rows(connection: Connection, table):
    query = select(table).order_by(*table.primary_key.columns)
    if table.name == "setting":
        query = query.where(table.c.key.not_in(PLACE_SETTINGS))
    return connection.execute(query, execution_options={"yield_per": BATCH})


def _digest(connection: Connection, table) -> tuple[int, str]:
    """How many rows, and a digest of them as broadtalk reads them (ordered by key)."""
    digest = hashlib.sha256()
    count = 0
    skip = {"sort_key"} if table.name == "client" else set()  # a rank on the server (client_order)
    if table.name == DatabaseSeal.__tablename__:
        skip |= {"last_id", "head", "first", "sealed_at", "mac"}  # signed anew on the server
    for row in _rows(connection, table):
        values = {key: value for key, value in row._mapping.items() if key not in skip}
        digest.update(repr(sorted((k, _plain(v)) for k, v in values.items())).encode("utf-8"))
        count += 1
    return count, digest.hexdigest()


def _plain(value: object) -> object:
    # SQLite gives booleans as 0/1 where PostgreSQL gives False/True.
    return int(value) if isinstance(value, bool) else value


def _server_is_empty(connection: Connection) -> bool:
    for name in ("client", "practitioner", "audit_entry", "organisation"):
        if connection.execute(text(f'SELECT 1 FROM "{name}" LIMIT 1')).first() is not None:
            return False
    return True


def copy_to_server(source: Database, actor: Actor, target: ServerDatabase) -> CopyReport:
    """Copy the practice in ``source`` (signed in as ``actor``, who runs the practice (its settings)) into the
    empty server database ``target``, then check the copy. Raises RefusedError, changing
    nothing, when the server database is in use or the copy does not check out."""
    with source.transaction() as tx:  # a refusal is written to the file's trail
        require(actor, Permission.MANAGE_SETTINGS)
    rows = 0
    counts: dict[str, int] = {}
    with target.transaction() as server_tx, source.engine.connect() as reading:
        server = server_tx.connection()
        if not _server_is_empty(server):
            raise RefusedError(
                _(
                    "The database on {place} already holds a practice; copy into an empty database, so that "
                    "nothing of either practice is mixed or lost."
                ).format(place=target.location)
            )
        with reading.begin():  # one snapshot of the file
            for table in _tables():
                if table.name == DatabaseSeal.__tablename__:
                    server.execute(table.delete())  # the file's identity comes along; signed anew below
                batch: list[dict] = []
                for row in _rows(reading, table):
                    batch.append(dict(row._mapping))
                    if len(batch) >= BATCH:
                        server.execute(table.insert(), batch)
                        rows += len(batch)
                        batch = []
                if batch:
                    server.execute(table.insert(), batch)
                    rows += len(batch)
                counts[table.name] = server.execute(select(func.count()).select_from(table)).scalar_one()
            expected = {table.name: _digest(reading, table) for table in _tables()}
        _continue_sequences(server)
        client_order.assign_all(server, clients.order_text)
        client_search.rebuild(server, client_search.read_key(server) or b"")
        seal.renew(server)
        found = {table.name: _digest(server, table) for table in _tables()}
        differ = sorted(name for name in expected if expected[name] != found[name])
        if differ:
            log.error("copy to server differs in %s", ",".join(differ))
            raise RefusedError(
                _(
                    "The copy on {place} does not match the file in: {tables}. Nothing was kept on the server; "
                    "the file is unchanged."
                ).format(place=target.location, tables=", ".join(differ))
            )
        report = audit.verify_chain(server_tx)
        if not report.intact:
            raise RefusedError(
                _("The audit trail copied to {place} does not verify; nothing was kept on the server.").format(
                    place=target.location
                )
            )
        audit.record(server_tx, actor, audit.Action.CREATE, object_type="database", detail="copied from file")
    with source.transaction() as tx:
        audit.record(tx, actor, audit.Action.EXPORT, object_type="database", detail="copied to server")
    return CopyReport(
        tables=len(counts),
        rows=rows,
        clients=counts.get("client", 0),
        audit_entries=counts.get("audit_entry", 0),
    )


def _continue_sequences(connection: Connection) -> None:
    """Rows were copied with their ids: each table's id sequence goes on after the highest."""
    for table in _tables():
        if "id" not in table.c or not table.c.id.autoincrement:
            continue
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                f'COALESCE((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'
            )
        )
