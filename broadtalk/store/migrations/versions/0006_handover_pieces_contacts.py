"""handover a recipient can act on: consent per piece, contact details, client's GP and language

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("practitioner", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=40), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("email", sa.String(length=200), nullable=False, server_default=""))
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.add_column(sa.Column("general_practitioner", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("language", sa.String(length=100), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("interpreter_needed", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.add_column(sa.Column("domain_id", sa.String(length=64), nullable=True))
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("first_contact", sa.String(length=16), nullable=False, server_default="recipient")
        )
        batch_op.add_column(sa.Column("contact_preference", sa.String(length=300), nullable=False, server_default=""))
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pieces", sa.Text(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("content_digest", sa.String(length=64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.drop_column("content_digest")
        batch_op.drop_column("pieces")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_column("contact_preference")
        batch_op.drop_column("first_contact")
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.drop_column("domain_id")
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.drop_column("interpreter_needed")
        batch_op.drop_column("language")
        batch_op.drop_column("general_practitioner")
    with op.batch_alter_table("practitioner", schema=None) as batch_op:
        batch_op.drop_column("email")
        batch_op.drop_column("phone")
