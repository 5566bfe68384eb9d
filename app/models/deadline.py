"""What the deadline sweep has done: each step applied once per ticket and deadline, each run."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import Mapped, mapped_column

from app.models.types import UTCDateTime


class AppliedDeadlineStep(Model):
    """A deadline step applied to a ticket. The unique key is what makes the sweep idempotent:
    two sweeps (or two workers) claiming the same step of the same deadline insert one row."""

    __tablename__ = "applied_deadline_step"
    __table_args__ = (
        sa.UniqueConstraint("hazard_id", "step", "due_at", name="uq_applied_deadline_step"),
        # Each step of a sweep reads back the tickets it claimed.
        sa.Index("ix_applied_deadline_step_sweep", "sweep_id", "step"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(sa.ForeignKey("hazard.id"))
    # e.g. ``rectify:escalation2`` (see app.domain.lifecycle.DeadlineStep.key)
    step: Mapped[str] = mapped_column(sa.String(40))
    # The deadline the step was computed from: an extension gives new steps for the new one.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sweep_id: Mapped[str] = mapped_column(sa.String(36))


class DeadlineSweep(Model):
    """One run of the deadline sweep, shown on the background jobs screen."""

    __tablename__ = "deadline_sweep"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    steps_applied: Mapped[int] = mapped_column(default=0)
    events_written: Mapped[int] = mapped_column(default=0)
    notifications: Mapped[int] = mapped_column(default=0)
