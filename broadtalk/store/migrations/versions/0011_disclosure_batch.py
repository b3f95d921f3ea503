"""the batch export that made a disclosure

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa


revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A batch export of handover documents marks the disclosures it wrote with its token: a
    # batch resumed after a cancel or a kill makes no document twice. Plain nullable column and
    # index: the same statements on SQLite (batch mode) and PostgreSQL.
    with op.batch_alter_table("disclosure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("batch", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_disclosure_batch"), ["batch"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("disclosure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disclosure_batch"))
        batch_op.drop_column("batch")
