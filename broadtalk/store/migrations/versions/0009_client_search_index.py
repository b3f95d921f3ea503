"""the client search index, the client list's order and open conversations as indexes

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa

from broadtalk import client_search


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OPEN_CONVERSATIONS = "status IN ('draft', 'amending')"
OPEN_ACTIONS = "done = false"


def upgrade() -> None:
    # Search as an indexed look-up per typed word (``client_search``): keyed hashes of the pieces
    # of a client's name, the starts of the client number and the birth date.
    op.create_table(
        "client_search_token",
        sa.Column("token", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_client_search_token_client_id_client"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token", "client_id", name=op.f("pk_client_search_token")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_client_search_token_client_id"), "client_search_token", ["client_id"])
    # The list is read page by page in its order (sort key, birth date, id) from where the last
    # page ended; the name is no longer scanned (LIKE '%...%' never used its index).
    op.drop_index("ix_client_search_key", table_name="client")
    op.drop_index("ix_client_sort_key", table_name="client")
    op.create_index("ix_client_list_order", "client", ["sort_key", "birth_date", "id"])
    # Today's open conversations: a partial index, last edited first.
    op.create_index(
        "ix_conversation_open",
        "conversation",
        ["updated_at", "id"],
        sqlite_where=sa.text(OPEN_CONVERSATIONS),
        postgresql_where=sa.text(OPEN_CONVERSATIONS),
    )
    # "Is there a later conversation of this model?" (a follow-up still current) as one seek.
    op.create_index(
        "ix_conversation_client_model_started", "conversation", ["client_id", "model_id", "started_at", "id"]
    )
    # Today's actions due: those not done, by date.
    op.create_index(
        "ix_action_open_due",
        "action",
        ["due_date"],
        sqlite_where=sa.text(OPEN_ACTIONS),
        postgresql_where=sa.text(OPEN_ACTIONS),
    )
    # Every existing client's rows, under a new key.
    client_search.ensure_key(op.get_bind())


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM setting WHERE key = :key").bindparams(key=client_search.KEY_SETTING))
    op.drop_index("ix_action_open_due", table_name="action")
    op.drop_index("ix_conversation_client_model_started", table_name="conversation")
    op.drop_index("ix_conversation_open", table_name="conversation")
    op.drop_index("ix_client_list_order", table_name="client")
    op.create_index("ix_client_sort_key", "client", ["sort_key"])
    op.create_index("ix_client_search_key", "client", ["search_key"])
    op.drop_index(op.f("ix_client_search_token_client_id"), table_name="client_search_token")
    op.drop_table("client_search_token")
