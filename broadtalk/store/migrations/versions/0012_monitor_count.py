"""the monitor's last count of a year, kept to show at once; indexes for its data state

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The monitor's last count of a year after suppression (``monitoring_kept``): a screen shows
    # it at once while the year is counted again. ``figures`` is a text under the practice key
    # on a server (``tables.SecretText``), unlimited text on both engines.
    op.create_table(
        "monitor_count",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("counted_on", sa.Date(), nullable=False),
        sa.Column("due_days", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("counted_at", sa.DateTime(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("year"),
    )
    # The monitor's data state (the latest change of clients and referrals, the sum of the
    # conversations' versions) from small indexes instead of scans of the wide rows.
    op.create_index("ix_client_updated_at", "client", ["updated_at"])
    op.create_index("ix_referral_updated_at", "referral", ["updated_at"])
    op.create_index("ix_conversation_version", "conversation", ["version"])


def downgrade() -> None:
    op.drop_index("ix_conversation_version", table_name="conversation")
    op.drop_index("ix_referral_updated_at", table_name="referral")
    op.drop_index("ix_client_updated_at", table_name="client")
    op.drop_table("monitor_count")
