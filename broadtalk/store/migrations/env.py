"""Alembic environment: always run with a connection handed over by broadtalk.store."""

from alembic import context

from broadtalk.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("broadtalk migrations run from broadtalk.store.migrations, with a connection")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
