"""Issue 12's tests: what SQLite plans for the statements a piece of code runs (``EXPLAIN QUERY PLAN``)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event

from broadtalk.store.database import Database


def query_plans(db: Database, run: Callable[[], object]) -> list[str]:
    """The plan lines of every SELECT that ``run`` makes, read after it with the same parameters."""
    statements: list[tuple[str, object]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    with db.engine.connect() as connection:
        return [
            row[-1]
            for statement, parameters in statements
            for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        ]
