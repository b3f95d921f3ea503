"""the database's identity and the seal of its audit trail

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import uuid

from alembic import op
import sqlalchemy as sa


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "database_seal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("database_id", sa.String(length=36), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("head", sa.String(length=64), nullable=False),
        sa.Column("first", sa.String(length=64), nullable=False),
        sa.Column("erased", sa.Text(), server_default="[]", nullable=False),
        sa.Column("sealed_at", sa.String(length=40), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # Every database, new or upgraded, gets its identity now; the seal is made at the first
    # opening (the key it needs lives outside the database).
    op.bulk_insert(
        table,
        [
            {
                "id": 1,
                "database_id": str(uuid.uuid4()),
                "last_id": 0,
                "head": "",
                "first": "",
                "erased": "[]",
                "sealed_at": "",
                "mac": "",
            }
        ],
    )


def downgrade() -> None:
    op.drop_table("database_seal")
