"""dashboard summary: a covering index of the hazard table led by the columns its figures
group on (state, grade, overdue, supervision, extensions, send-backs); SQLite only

Revision ID: 0011_summary_index
Revises: 0010_custom_field_photo
Create Date: 2026-11-24 05:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "0011_summary_index"
down_revision = "0010_custom_field_photo"
branch_labels = None
depends_on = None

COLUMNS = [
    "state",
    "grade",
    "overdue",
    "supervision_level",
    "extension_count",
    "rework_count",
    "deleted_at",
    "reported_at",
    "district_id",
    "township_id",
    "village_id",
    "grid_id",
    "enterprise_id",
    "reported_by_id",
    "category_id",
    "source",
    "original_deadline",
    "closed_at",
]


def _on_sqlite():
    # PostgreSQL hashes the summary's groups as fast without it (app.models.ddl).
    return op.get_bind().dialect.name == "sqlite"


def upgrade():
    if _on_sqlite():
        op.create_index("ix_hazard_oversight_by_state", "hazard", COLUMNS, unique=False)


def downgrade():
    if _on_sqlite():
        op.drop_index("ix_hazard_oversight_by_state", table_name="hazard")
