"""custom conversation models imported by a practice

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "custom_model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source_yaml", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["imported_by_id"],
            ["practitioner.id"],
            name=op.f("fk_custom_model_imported_by_id_practitioner"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_model")),
        sa.UniqueConstraint("model_id", "version", name=op.f("uq_custom_model_model_id")),
    )
    with op.batch_alter_table("custom_model", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_custom_model_imported_by_id"),
            ["imported_by_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("custom_model", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_custom_model_imported_by_id"))

    op.drop_table("custom_model")
