"""The region tree (district → township → village/community → grid) and enterprises."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.vocabulary import RegionLevel
from app.models.types import UTCDateTime, utcnow

_LEVELS = ", ".join(f"'{v}'" for v in RegionLevel.values())


class Placed:
    """Rows located in the region tree carry the id of their region at every level.

    The copies let scope filters and list filters compare one indexed column instead of
    walking the tree (``district_id`` is set on everything, ``grid_id`` only below a grid).
    """

    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("region.id"), index=True)
    township_id: Mapped[int | None] = mapped_column(sa.ForeignKey("region.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(sa.ForeignKey("region.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(sa.ForeignKey("region.id"), index=True)


class Region(Placed, Model):
    __tablename__ = "region"
    __table_args__ = (sa.CheckConstraint(f"level IN ({_LEVELS})", name="ck_region_level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("region.id"), index=True)
    level: Mapped[str] = mapped_column(sa.String(16), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    # Administrative division code (行政区划代码); grids get a local code below their village.
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    # The outline as a GeoJSON geometry (Polygon/MultiPolygon, WGS-84), drawn on the hazard map.
    boundary: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)

    parent: Mapped[Region | None] = relationship(
        remote_side="Region.id", foreign_keys=[parent_id], back_populates="children"
    )
    children: Mapped[list[Region]] = relationship(
        foreign_keys=[parent_id], back_populates="parent", order_by="Region.sort_order"
    )

    def __repr__(self) -> str:
        return self.name


class Enterprise(Placed, Model):
    """A production or business unit (生产经营单位)."""

    __tablename__ = "enterprise"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    credit_code: Mapped[str] = mapped_column(sa.String(18), unique=True)
    industry: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    address: Mapped[str | None] = mapped_column(sa.String(300))
    latitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    principal_name: Mapped[str | None] = mapped_column(sa.String(80))
    principal_phone: Mapped[str | None] = mapped_column(sa.String(40))
    safety_officer_name: Mapped[str | None] = mapped_column(sa.String(80))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    township: Mapped[Region | None] = relationship(foreign_keys="Enterprise.township_id")
    village: Mapped[Region | None] = relationship(foreign_keys="Enterprise.village_id")
    grid: Mapped[Region | None] = relationship(foreign_keys="Enterprise.grid_id")

    @property
    def enterprise_id(self) -> int:
        """An enterprise is its own enterprise, for the scope rules."""
        return self.id

    def __repr__(self) -> str:
        return self.name
