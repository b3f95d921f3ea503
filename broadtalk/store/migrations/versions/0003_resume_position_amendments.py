"""resume position, amendments

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("practitioner_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("target", sa.String(length=100), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=False),
        sa.Column("new_value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name=op.f("fk_conversation_change_conversation_id_conversation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["practitioner_id"],
            ["practitioner.id"],
            name=op.f("fk_conversation_change_practitioner_id_practitioner"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_change")),
    )
    with op.batch_alter_table("conversation_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversation_change_conversation_id"), ["conversation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_conversation_change_practitioner_id"), ["practitioner_id"], unique=False)

    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("current_step", sa.String(length=80), server_default="", nullable=False))
        batch_op.add_column(sa.Column("amended_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_column("amended_at")
        batch_op.drop_column("current_step")

    with op.batch_alter_table("conversation_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_change_practitioner_id"))
        batch_op.drop_index(batch_op.f("ix_conversation_change_conversation_id"))

    op.drop_table("conversation_change")
