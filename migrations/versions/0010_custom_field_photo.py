"""custom fields: the photo type

Revision ID: 0010_custom_field_photo
Revises: 0009_exchange
Create Date: 2026-11-24 04:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "0010_custom_field_photo"
down_revision = "0009_exchange"
branch_labels = None
depends_on = None

_OLD = "field_type IN ('text', 'number', 'date', 'choice', 'bool')"
_NEW = "field_type IN ('text', 'number', 'date', 'choice', 'bool', 'photo')"


def upgrade():
    with op.batch_alter_table("custom_field", schema=None) as batch_op:
        batch_op.drop_constraint("ck_custom_field_type", type_="check")
        batch_op.create_check_constraint("ck_custom_field_type", _NEW)


def downgrade():
    # Fails while a photo field exists: its values are attachment ids, no other type fits.
    with op.batch_alter_table("custom_field", schema=None) as batch_op:
        batch_op.drop_constraint("ck_custom_field_type", type_="check")
        batch_op.create_check_constraint("ck_custom_field_type", _OLD)
