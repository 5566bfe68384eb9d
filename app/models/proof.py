"""Proof for auditors: the daily anchors of the event chains and the runs of the check."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import Mapped, mapped_column

from app.models.types import UTCDateTime, utcnow


class ChainAnchor(Model):
    """A day's anchor: Merkle root over the heads of the tickets changed that (local) day,
    chained to the previous day's anchor. Written once by the daily job, never changed."""

    __tablename__ = "chain_anchor"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, unique=True)
    ticket_count: Mapped[int] = mapped_column()
    root: Mapped[str] = mapped_column(sa.String(64))
    previous: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class VerificationRun(Model):
    """One run of the check (the screen's RQ job): progress while it runs, findings after."""

    __tablename__ = "verification_run"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'finished', 'failed')", name="ck_verification_status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ab_user.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="queued")
    progress: Mapped[int] = mapped_column(default=0)
    tickets_checked: Mapped[int] = mapped_column(default=0)
    events_checked: Mapped[int] = mapped_column(default=0)
    attachments_checked: Mapped[int] = mapped_column(default=0)
    anchors_checked: Mapped[int] = mapped_column(default=0)
    broken_count: Mapped[int] = mapped_column(default=0)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    error: Mapped[str | None] = mapped_column(sa.Text)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
