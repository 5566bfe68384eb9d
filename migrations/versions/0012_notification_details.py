"""notifications: details a step's message needs beyond the ticket (a paused webhook
subscriber's name and last error)

Revision ID: 0012_notification_details
Revises: 0011_summary_index
Create Date: 2026-11-25 09:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0012_notification_details"
down_revision = "0011_summary_index"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("details", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_column("details")
