"""Alembic environment: always run with a connection handed over by broadtalk.store."""

from alembic import context
from sqlmodel.sql.sqltypes import AutoString

from broadtalk.store.migrations import compare_type
from broadtalk.store.tables import SecretText, UtcDateTime, metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("broadtalk migrations run from broadtalk.store.migrations, with a connection")


def render_item(kind, obj, autogen_context):
    """Write plain SQLAlchemy types into revisions, so a revision never imports broadtalk or sqlmodel."""
    if kind == "type" and isinstance(obj, SecretText):
        return f"sa.String(length={obj.length})" if obj.length else "sa.Text()"
    if kind == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime()"
    if kind == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


context.configure(
    connection=connection,
    render_item=render_item,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
    compare_type=compare_type,
)
with context.begin_transaction():
    context.run_migrations()
