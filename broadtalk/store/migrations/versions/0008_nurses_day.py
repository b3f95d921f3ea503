"""a nurse's day: the client's own scores, a first account that runs the practice, what is due

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("practitioner", schema=None) as batch_op:
        # A care provider who also runs the practice (the first account of a practice): the
        # administrator's permissions on top of the role's.
        batch_op.add_column(sa.Column("administers", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("domain_assessment", schema=None) as batch_op:
        # The client's own score and "I want to talk about this", set in the client view.
        batch_op.add_column(sa.Column("client_score", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("client_wants_to_talk", sa.Boolean(), nullable=False, server_default=sa.false()))
    # What is due (Today, the client list's next follow-up) is read from indexes.
    op.create_index("ix_conversation_follow_up_date", "conversation", ["follow_up_date"])
    op.create_index("ix_action_due_date", "action", ["due_date"])


def downgrade() -> None:
    op.drop_index("ix_action_due_date", table_name="action")
    op.drop_index("ix_conversation_follow_up_date", table_name="conversation")
    with op.batch_alter_table("domain_assessment", schema=None) as batch_op:
        batch_op.drop_column("client_wants_to_talk")
        batch_op.drop_column("client_score")
    with op.batch_alter_table("practitioner", schema=None) as batch_op:
        batch_op.drop_column("administers")
