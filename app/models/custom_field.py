"""Fields an administrator adds per category (definitions; the values live on the ticket)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.custom_fields import STAGES, FieldType
from app.models.reference import Category

_TYPES = ", ".join(f"'{t.value}'" for t in FieldType)
_STAGES = ", ".join(f"'{s}'" for s in STAGES)

# A ticket's custom values: JSONB on PostgreSQL (GIN-indexed for the list filters).
ExtraValues = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class CustomField(Model):
    """One field of a category's extra data; never deleted, retired by its end date."""

    __tablename__ = "custom_field"
    __table_args__ = (
        sa.CheckConstraint(f"field_type IN ({_TYPES})", name="ck_custom_field_type"),
        sa.CheckConstraint(
            f"required_from IS NULL OR required_from IN ({_STAGES})",
            name="ck_custom_field_required_from",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40), unique=True)
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category.id"), index=True)
    label_zh: Mapped[str] = mapped_column(sa.String(100))
    label_en: Mapped[str | None] = mapped_column(sa.String(100))
    field_type: Mapped[str] = mapped_column(sa.String(16))
    unit: Mapped[str | None] = mapped_column(sa.String(20))
    # One choice per line (choice lists only).
    choices: Mapped[str | None] = mapped_column(sa.Text)
    required_from: Mapped[str | None] = mapped_column(sa.String(16))
    help_text: Mapped[str | None] = mapped_column(sa.String(300))
    filterable: Mapped[bool] = mapped_column(default=False)
    active_from: Mapped[date | None] = mapped_column(sa.Date)
    active_until: Mapped[date | None] = mapped_column(sa.Date)
    sort_order: Mapped[int] = mapped_column(default=0)

    category: Mapped[Category | None] = relationship()

    def __repr__(self) -> str:
        return self.label_zh
