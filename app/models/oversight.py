"""The township risk-control index: versioned weight sets and immutable monthly snapshots."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.territory import Region
from app.models.types import UTCDateTime, utcnow


class RiskWeightSet(Model):
    """One version of the index weights, in force from the month ``effective_from`` on.

    Never edited: a change of weights is a new version. A month is computed with the version of
    the latest ``effective_from`` on or before the month's first day.
    """

    __tablename__ = "risk_weight_set"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    effective_from: Mapped[date] = mapped_column(sa.Date, index=True)
    w_on_time: Mapped[float] = mapped_column(sa.Float)
    w_overdue_major: Mapped[float] = mapped_column(sa.Float)
    w_close_time: Mapped[float] = mapped_column(sa.Float)
    w_confirm_time: Mapped[float] = mapped_column(sa.Float)
    w_self_found: Mapped[float] = mapped_column(sa.Float)
    w_send_back: Mapped[float] = mapped_column(sa.Float)
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ab_user.id"))

    def __repr__(self) -> str:
        return f"v{self.version} ({self.effective_from:%Y-%m})"


class RiskIndexRun(Model):
    """One computation of one month for every township: version 1, then corrections."""

    __tablename__ = "risk_index_run"
    __table_args__ = (
        sa.UniqueConstraint("district_id", "month", "version", name="uq_risk_index_run_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(sa.String(7), index=True)  # YYYY-MM
    version: Mapped[int] = mapped_column()
    weight_set_id: Mapped[int] = mapped_column(sa.ForeignKey("risk_weight_set.id"), index=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id"), index=True)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    computed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ab_user.id"))

    weight_set: Mapped[RiskWeightSet] = relationship()
    scores: Mapped[list[RiskIndexScore]] = relationship(
        back_populates="run", order_by="(RiskIndexScore.rank, RiskIndexScore.township_code)"
    )


class RiskIndexScore(Model):
    """A township's line of a run: components (value and 0–100 score), index, rank, change."""

    __tablename__ = "risk_index_score"
    __table_args__ = (
        sa.UniqueConstraint("run_id", "township_id", name="uq_risk_index_score_township"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("risk_index_run.id"), index=True)
    township_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id"), index=True)
    township_code: Mapped[str] = mapped_column(sa.String(20))
    components: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    raw: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    score: Mapped[float | None] = mapped_column(sa.Float)
    rank: Mapped[int] = mapped_column()
    change: Mapped[float | None] = mapped_column(sa.Float)

    run: Mapped[RiskIndexRun] = relationship(back_populates="scores")
    township: Mapped[Region] = relationship()


class SnapshotImmutableError(RuntimeError):
    """Raised when code tries to change or remove a stored snapshot."""


def _refuse(kind: str) -> Any:
    def refuse(_mapper: Any, _connection: Any, target: Any) -> None:
        raise SnapshotImmutableError(f"{type(target).__name__} {target.id} is immutable ({kind})")

    return refuse


for _model in (RiskWeightSet, RiskIndexRun, RiskIndexScore):
    sa.event.listen(_model, "before_update", _refuse("update"))
    sa.event.listen(_model, "before_delete", _refuse("delete"))
