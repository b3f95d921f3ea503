"""a server database's encrypted texts as unlimited text; a version per conversation

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa


revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

#: Columns with a length that hold a text encrypted with the practice key on a server
#: (``tables.SecretText``): the cipher text is longer than the text, so the server keeps them as
#: unlimited text. The embedded file (SQLite) does not enforce lengths: nothing changes there.
SERVER_SECRETS = {
    "client": (
        "given_name",
        "name_prefix",
        "family_name",
        "bsn",
        "phone",
        "email",
        "address",
        "city",
        "general_practitioner",
        "language",
        "search_key",
    ),
    "action": ("who",),
    "referral": ("contact_preference",),
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, columns in SERVER_SECRETS.items():
            for column in columns:
                op.alter_column(table, column, type_=sa.Text())
        # A server's list order is a rank of digits and letters (``client_order``), compared byte
        # by byte whatever language the server's database was made with.
        op.alter_column("client", "sort_key", type_=sa.String(length=300, collation="C"))
    # Optimistic locking: every change to a conversation counts it up, so a workstation that
    # saves on top of a version it did not see is told, and both versions are kept.
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_column("version")
