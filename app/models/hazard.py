"""The hazard ticket and what hangs off it: events, measures, plans, extension requests."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.vocabulary import (
    OPEN_STATES,
    ExtensionStatus,
    Grade,
    Nature,
    ProductionStop,
    Source,
    State,
    SupervisionLevel,
)
from app.models.custom_field import ExtraValues
from app.models.territory import Enterprise, Placed, Region
from app.models.types import UTCDateTime, utcnow


def _in(column: str, values: tuple[str, ...], *, nullable: bool = False) -> str:
    listed = ", ".join(f"'{v}'" for v in values)
    return f"{column} IS NULL OR {column} IN ({listed})" if nullable else f"{column} IN ({listed})"


_OPEN = ", ".join(f"'{s.value}'" for s in sorted(OPEN_STATES))


class Hazard(Placed, Model):
    """A hazard ticket (隐患). Its state only changes through ``app.services.lifecycle``."""

    __tablename__ = "hazard"
    __table_args__ = (
        sa.CheckConstraint(_in("state", State.values()), name="ck_hazard_state"),
        sa.CheckConstraint(_in("grade", Grade.values()), name="ck_hazard_grade"),
        sa.CheckConstraint(_in("source", Source.values()), name="ck_hazard_source"),
        sa.CheckConstraint(_in("nature", Nature.values(), nullable=True), name="ck_hazard_nature"),
        sa.CheckConstraint(
            _in("production_stop", ProductionStop.values(), nullable=True),
            name="ck_hazard_production_stop",
        ),
        sa.CheckConstraint(
            _in("supervision_level", SupervisionLevel.values(), nullable=True),
            name="ck_hazard_supervision_level",
        ),
        sa.Index("ix_hazard_township_discovered", "township_id", "discovered_at"),
        # An imported ledger row is matched again by its own number within its township.
        sa.UniqueConstraint("township_id", "ledger_no", name="uq_hazard_township_ledger_no"),
        sa.Index("ix_hazard_state_deadline", "state", "deadline"),
        # Covering index of the dashboard, the map and the ranking: their aggregates read
        # only this (a fraction of the table's width), led by the period they filter on.
        sa.Index(
            "ix_hazard_oversight",
            "reported_at",
            "deleted_at",
            "state",
            "grade",
            "overdue",
            "district_id",
            "township_id",
            "village_id",
            "grid_id",
            "enterprise_id",
            "reported_by_id",
            "category_id",
            "source",
            "supervision_level",
            "extension_count",
            "rework_count",
            "original_deadline",
            "closed_at",
        ),
        # Covering index of the dashboard's summary, led by the columns its figures group on:
        # SQLite reads the groups in order (no sort of a million rows) and filters the rest.
        # SQLite only: PostgreSQL hashes the groups as fast without it (app.models.ddl).
        sa.Index(
            "ix_hazard_oversight_by_state",
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
        ).ddl_if(dialect="sqlite"),
        # The deadline sweep only ever looks at open tickets.
        sa.Index(
            "ix_hazard_open_deadline",
            "deadline",
            sqlite_where=sa.text(f"state IN ({_OPEN})"),
            postgresql_where=sa.text(f"state IN ({_OPEN})"),
        ),
        # Custom-field filters ask "extra @> {name: value}" (PostgreSQL; harmless on SQLite).
        sa.Index("ix_hazard_extra", "extra", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    # Stable id for exchange with provincial platforms; never changes, never reused.
    # The number the row had in the office's own Excel ledger (台账), for imported tickets.
    ledger_no: Mapped[str | None] = mapped_column(sa.String(60))
    external_id: Mapped[str] = mapped_column(
        sa.String(36), unique=True, default=lambda: str(uuid.uuid4())
    )
    version: Mapped[int] = mapped_column(default=1)
    state: Mapped[str] = mapped_column(sa.String(32), index=True)

    # Identity and place
    enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    address: Mapped[str | None] = mapped_column(sa.String(300))
    latitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    risk_point: Mapped[str | None] = mapped_column(sa.String(200))

    # Substance
    title: Mapped[str] = mapped_column(sa.String(200), index=True)
    description: Mapped[str] = mapped_column(sa.Text)
    location_part: Mapped[str | None] = mapped_column(sa.String(200))
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category.id"), index=True)
    domain_tag_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category.id"), index=True)
    nature: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    grade: Mapped[str] = mapped_column(sa.String(16), index=True, default=Grade.GENERAL.value)
    sub_grade: Mapped[str | None] = mapped_column(sa.String(40))
    determination_article_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("determination_article.id"), index=True
    )
    determination_basis_text: Mapped[str | None] = mapped_column(sa.Text)
    # Values of the administrator's custom fields, keyed by field name (app.domain.custom_fields).
    extra: Mapped[dict[str, Any] | None] = mapped_column(ExtraValues)

    # Discovery
    source: Mapped[str] = mapped_column(sa.String(32), index=True)
    reported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ab_user.id"), index=True)
    discoverer_name: Mapped[str | None] = mapped_column(sa.String(80))
    discovered_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    enforcement_document: Mapped[str | None] = mapped_column(sa.String(200))

    # Major hazards only (16号令 Art. 14)
    status_and_cause: Mapped[str | None] = mapped_column(sa.Text)
    harm_analysis: Mapped[str | None] = mapped_column(sa.Text)
    production_stop: Mapped[str | None] = mapped_column(sa.String(16))
    reported_to_regulator_on: Mapped[date | None] = mapped_column(sa.Date)

    # Responsibility
    responsible_unit: Mapped[str | None] = mapped_column(sa.String(200))
    responsible_person: Mapped[str | None] = mapped_column(sa.String(80))
    responsible_phone: Mapped[str | None] = mapped_column(sa.String(40))

    # Confirmation, control, plan
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ab_user.id"))
    confirm_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    control_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    controlled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Deadlines: the current one (after extensions) and the first one (for the on-time rate)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    original_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    extension_count: Mapped[int] = mapped_column(default=0)

    # Submission and review
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ab_user.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_on: Mapped[date | None] = mapped_column(sa.Date)
    completion_description: Mapped[str | None] = mapped_column(sa.Text)
    funds_spent: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    review_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ab_user.id"))
    review_opinion: Mapped[str | None] = mapped_column(sa.Text)
    review_date: Mapped[date | None] = mapped_column(sa.Date)
    reviewer_name: Mapped[str | None] = mapped_column(sa.String(80))
    evaluation_mode: Mapped[str | None] = mapped_column(sa.String(16))
    review_result: Mapped[str | None] = mapped_column(sa.String(16))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    rework_count: Mapped[int] = mapped_column(default=0)
    fixed_on_spot: Mapped[bool] = mapped_column(default=False)

    # Tracking (kept up to date by the deadline sweep)
    overdue: Mapped[bool] = mapped_column(default=False, index=True)
    overdue_days: Mapped[int] = mapped_column(default=0, index=True)
    escalation_level: Mapped[int] = mapped_column(default=0, index=True)

    # Supervision (挂牌督办)
    supervision_level: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    supervising_org: Mapped[str | None] = mapped_column(sa.String(200))
    supervision_doc_no: Mapped[str | None] = mapped_column(sa.String(100))
    supervision_listed_on: Mapped[date | None] = mapped_column(sa.Date)
    supervision_deadline: Mapped[date | None] = mapped_column(sa.Date)

    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hazard.id"), index=True)

    # Soft delete: the row stays, the reason is on the timeline too.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    deleted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ab_user.id"))
    delete_reason: Mapped[str | None] = mapped_column(sa.Text)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Every transition touches this, so every transition bumps ``version``.
    last_event_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # The hash of the latest event (the head of the ticket's chain, app.domain.chain).
    chain_head: Mapped[str | None] = mapped_column(sa.String(64))

    __mapper_args__ = {"version_id_col": version}

    enterprise: Mapped[Enterprise | None] = relationship(foreign_keys=[enterprise_id])
    township: Mapped[Region | None] = relationship(foreign_keys="Hazard.township_id")
    village: Mapped[Region | None] = relationship(foreign_keys="Hazard.village_id")
    grid: Mapped[Region | None] = relationship(foreign_keys="Hazard.grid_id")
    category: Mapped[Any] = relationship("Category", foreign_keys=[category_id])
    domain_tag: Mapped[Any] = relationship("Category", foreign_keys=[domain_tag_id])
    determination_article: Mapped[Any] = relationship("DeterminationArticle")
    events: Mapped[list[HazardEvent]] = relationship(
        back_populates="hazard", order_by="HazardEvent.seq", viewonly=True
    )
    control_measures: Mapped[list[ControlMeasure]] = relationship(
        back_populates="hazard", order_by="ControlMeasure.id"
    )
    plans: Mapped[list[RectificationPlan]] = relationship(
        back_populates="hazard", order_by="RectificationPlan.id"
    )
    extension_requests: Mapped[list[ExtensionRequest]] = relationship(
        back_populates="hazard", order_by="ExtensionRequest.id"
    )

    @property
    def current_plan(self) -> RectificationPlan | None:
        return self.plans[-1] if self.plans else None

    def __repr__(self) -> str:
        return f"{self.code} {self.title}"


class HazardEvent(Model):
    """One entry of a ticket's timeline. Append-only: never updated, never deleted."""

    __tablename__ = "hazard_event"
    __table_args__ = (
        sa.UniqueConstraint("hazard_id", "seq", name="uq_hazard_event_seq"),
        # The change feed reads in (txid, id) order (app.services.exchange).
        sa.Index("ix_hazard_event_feed", "txid", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(sa.ForeignKey("hazard.id"))
    seq: Mapped[int] = mapped_column()
    action: Mapped[str] = mapped_column(sa.String(32), index=True)
    from_state: Mapped[str | None] = mapped_column(sa.String(32))
    to_state: Mapped[str] = mapped_column(sa.String(32))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ab_user.id"), index=True)
    actor_name: Mapped[str] = mapped_column(sa.String(120))
    actor_roles: Mapped[str] = mapped_column(sa.String(200), default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # The ticket's version after this event.
    version: Mapped[int] = mapped_column()
    # SHA-256 over the previous event's hash and this event's content (app.domain.chain).
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64))
    hash: Mapped[str | None] = mapped_column(sa.String(64))
    # The change feed's position (app.services.exchange): on PostgreSQL the id of the writing
    # transaction, raised to the ticket's previous event's txid if that is higher, set by the
    # trigger of migration 0009 (hazard_event_feed_txid); 0 on SQLite and for events written
    # before that migration.
    txid: Mapped[int] = mapped_column(sa.BigInteger, server_default="0")

    hazard: Mapped[Hazard] = relationship(back_populates="events")


class ControlMeasure(Model):
    """An interim control measure (警戒, 撤人, 停产停用, 监测 …)."""

    __tablename__ = "control_measure"

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(sa.ForeignKey("hazard.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    description: Mapped[str] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ab_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    hazard: Mapped[Hazard] = relationship(back_populates="control_measures")


class RectificationPlan(Model):
    """A rectification plan; for a major hazard the six elements of 16号令 Art. 15."""

    __tablename__ = "rectification_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(sa.ForeignKey("hazard.id"), index=True)
    filed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ab_user.id"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    measures: Mapped[str] = mapped_column(sa.Text)
    responsible_person: Mapped[str] = mapped_column(sa.String(200))
    deadline: Mapped[date] = mapped_column(sa.Date)
    funds_amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    target_task: Mapped[str | None] = mapped_column(sa.Text)
    funds_materials: Mapped[str | None] = mapped_column(sa.Text)
    responsible_org: Mapped[str | None] = mapped_column(sa.String(200))
    responsible_leader: Mapped[str | None] = mapped_column(sa.String(80))
    time_limit_requirements: Mapped[str | None] = mapped_column(sa.Text)
    safety_emergency_plan: Mapped[str | None] = mapped_column(sa.Text)
    # 五落实: each recorded as the date it was in place.
    target_done_on: Mapped[date | None] = mapped_column(sa.Date)
    responsibility_done_on: Mapped[date | None] = mapped_column(sa.Date)
    measures_done_on: Mapped[date | None] = mapped_column(sa.Date)
    funds_done_on: Mapped[date | None] = mapped_column(sa.Date)
    time_limit_done_on: Mapped[date | None] = mapped_column(sa.Date)
    emergency_plan_done_on: Mapped[date | None] = mapped_column(sa.Date)

    hazard: Mapped[Hazard] = relationship(back_populates="plans")


_EXT = ", ".join(f"'{v}'" for v in ExtensionStatus.values())


class ExtensionRequest(Model):
    """A request for a later deadline, decided by someone other than the requester."""

    __tablename__ = "extension_request"
    __table_args__ = (
        sa.CheckConstraint(f"status IN ({_EXT})", name="ck_extension_request_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(sa.ForeignKey("hazard.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("ab_user.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(sa.Text)
    requested_deadline: Mapped[date] = mapped_column(sa.Date)
    interim_measures: Mapped[str] = mapped_column(sa.Text)
    previous_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ab_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_comment: Mapped[str | None] = mapped_column(sa.Text)

    hazard: Mapped[Hazard] = relationship(back_populates="extension_requests")


class TicketSequence(Model):
    """The last ticket number handed out per township and year (codes may have gaps)."""

    __tablename__ = "ticket_sequence"

    township_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(default=0)


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or remove a written event."""


@sa.event.listens_for(HazardEvent, "before_update")
def _refuse_event_update(_mapper: Any, _connection: Any, target: HazardEvent) -> None:
    raise AppendOnlyError(f"hazard event {target.id} is append-only")


@sa.event.listens_for(HazardEvent, "before_delete")
def _refuse_event_delete(_mapper: Any, _connection: Any, target: HazardEvent) -> None:
    raise AppendOnlyError(f"hazard event {target.id} is append-only")
