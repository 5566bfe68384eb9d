"""The in-app inbox: one notification per recipient, ticket and deadline step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.types import UTCDateTime


class Notification(Model):
    """A message in a user's inbox about one ticket. The text is built when it is shown, in the
    reader's language, from the step and the ticket; e-mail digests group the unsent ones."""

    __tablename__ = "notification"
    __table_args__ = (
        sa.UniqueConstraint(
            "recipient_id", "hazard_id", "step", "due_at", name="uq_notification_step"
        ),
        # The inbox and its badge: one user's (unread) notifications. Few indexes on purpose:
        # a sweep may write hundreds of thousands of rows at once.
        sa.Index("ix_notification_recipient_read", "recipient_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("ab_user.id"))
    hazard_id: Mapped[int] = mapped_column(sa.ForeignKey("hazard.id"))
    step: Mapped[str] = mapped_column(sa.String(40))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sweep_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What the step's message says beyond the ticket, as it was when the notice was written
    # (a paused webhook subscriber's name and last error); untranslated data, not text.
    details: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON())

    hazard: Mapped[Any] = relationship("Hazard")
