"""Which part of the district a user works in (a region and/or an enterprise)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.territory import Enterprise, Region


class UserScope(Model):
    """One row per FAB user: their region (any level) and/or their enterprise."""

    __tablename__ = "user_scope"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("ab_user.id"), primary_key=True)
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("region.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    phone: Mapped[str | None] = mapped_column(sa.String(40))

    user: Mapped[User] = relationship()
    region: Mapped[Region | None] = relationship()
    enterprise: Mapped[Enterprise | None] = relationship()
