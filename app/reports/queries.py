"""One query per list, streamed in keyset batches and always inside the requester's scope.

Rows are plain dicts keyed by the column keys of ``app.reports.columns``. Nothing is loaded
all at once: tickets come in batches in the order they were reported (``WHERE id > :last``,
never OFFSET), and what a batch needs from other tables (measures, plans) is fetched with one
query per batch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from app.domain.deadlines import local_date, overdue_days
from app.domain.fields import FieldSpec, Kind, parse_fields
from app.domain.messages import N_
from app.domain.scope import Actor, region_column, scope_of
from app.domain.vocabulary import (
    OPEN_STATES,
    Grade,
    Nature,
    RegionLevel,
    Source,
    State,
    SupervisionLevel,
)
from app.models import (
    Category,
    ControlMeasure,
    Enterprise,
    Hazard,
    RectificationPlan,
    Region,
    Responsibility,
)
from app.services import clock
from app.services.scoping import hazards_for, scope_clause
from app.services.transaction import session

BATCH = 2000
Translate = Callable[[str], str]

FILTER_FIELDS = (
    FieldSpec("region_id", Kind.ID, N_("Region"), required=False),
    FieldSpec("enterprise_id", Kind.ID, N_("Enterprise"), required=False),
    FieldSpec("discovered_from", Kind.DATE, N_("Discovered from"), required=False),
    FieldSpec("discovered_to", Kind.DATE, N_("Discovered to"), required=False),
    FieldSpec("closed_from", Kind.DATE, N_("Closed from"), required=False),
    FieldSpec("closed_to", Kind.DATE, N_("Closed to"), required=False),
    FieldSpec("grade", Kind.CHOICE, N_("Grade"), required=False, choices=Grade.values()),
    FieldSpec("state", Kind.CHOICE, N_("State"), required=False, choices=State.values()),
    FieldSpec("category_id", Kind.ID, N_("Category"), required=False),
)


@dataclass(frozen=True)
class ReportFilters:
    """What a register is narrowed to (all optional; dates are local calendar days)."""

    region_id: int | None = None
    enterprise_id: int | None = None
    discovered_from: date | None = None
    discovered_to: date | None = None
    closed_from: date | None = None
    closed_to: date | None = None
    grade: str | None = None
    state: str | None = None
    category_id: int | None = None

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> ReportFilters:
        """Check user-given filters (raises InvalidError naming each bad one)."""
        return cls(**parse_fields(FILTER_FIELDS, raw))

    def as_json(self) -> dict[str, Any]:
        return {
            key: (value.isoformat() if isinstance(value, date) else value)
            for key, value in self.__dict__.items()
            if value is not None
        }


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.zone())


def _filtered(query: sa.Select[Any], filters: ReportFilters) -> sa.Select[Any]:
    if filters.region_id:
        region = session().get(Region, filters.region_id)
        if region is None:
            return query.where(sa.false())
        column = getattr(Hazard, region_column(RegionLevel(region.level)))
        query = query.where(column == region.id)
    if filters.enterprise_id:
        query = query.where(Hazard.enterprise_id == filters.enterprise_id)
    if filters.discovered_from:
        query = query.where(Hazard.discovered_at >= _day_start(filters.discovered_from))
    if filters.discovered_to:
        query = query.where(Hazard.discovered_at < _day_start(filters.discovered_to + timedelta(1)))
    if filters.closed_from:
        query = query.where(Hazard.closed_at >= _day_start(filters.closed_from))
    if filters.closed_to:
        query = query.where(Hazard.closed_at < _day_start(filters.closed_to + timedelta(1)))
    if filters.grade:
        query = query.where(Hazard.grade == filters.grade)
    if filters.state:
        query = query.where(Hazard.state == filters.state)
    if filters.category_id:
        query = query.where(Hazard.category_id == filters.category_id)
    return query


def hazard_query(actor: Actor, filters: ReportFilters) -> sa.Select[Any]:
    """The tickets of a hazard or rectification list: scope first, then the filters."""
    return _filtered(hazards_for(actor), filters)


def count_rows(list_name: str, actor: Actor, filters: ReportFilters) -> int:
    """How many rows the list will have (for the progress figure)."""
    if list_name == "responsibility":
        query = responsibility_query(actor, filters).with_only_columns(sa.func.count())
    else:
        query = hazard_query(actor, filters).with_only_columns(sa.func.count())
    return int(session().execute(query.order_by(None)).scalar_one())


class Labels:
    """Translated labels of one vocabulary, looked up once per register (not once per cell)."""

    def __init__(self, vocabulary: Any, translate: Translate) -> None:
        self._labels = {member.value: translate(member.label) for member in vocabulary}

    def __call__(self, value: Any) -> str:
        if not value:
            return ""
        return self._labels.get(value) or str(value)


# --------------------------------------------------------------------------- hazard list

_TOWNSHIP = aliased(Region)
_VILLAGE = aliased(Region)


# What the registers read of a ticket: only these columns are fetched (every datetime column
# costs a conversion per row), the hazard list's first, the rectification list's added.
_HAZARD_FIELDS = (
    "id",
    "code",
    "state",
    "address",
    "nature",
    "grade",
    "source",
    "discoverer_name",
    "discovered_at",
    "description",
    "supervision_level",
    "supervising_org",
    "supervision_doc_no",
    "deadline",
    "original_deadline",
    "finished_on",
    "closed_at",
)
_RECTIFICATION_FIELDS = (
    *_HAZARD_FIELDS,
    "funds_spent",
    "responsible_unit",
    "responsible_person",
    "extension_count",
    "reviewer_name",
    "review_date",
    "review_result",
    "review_opinion",
)


def _hazard_batches(
    actor: Actor, filters: ReportFilters, fields: tuple[str, ...] = _HAZARD_FIELDS
) -> Iterator[list[Any]]:
    # The scope and filter conditions go straight into this query (not through a subquery of
    # ids, which SQLite re-evaluated for every batch). Batches follow the primary key: every
    # single-column index is ordered by (value, id), so "district_id = ? AND id > ? ORDER BY
    # id" is a range scan of one index, where ordering by code sorted the district each time.
    conditions = hazard_query(actor, filters).whereclause
    query = (
        # Plain columns, not ORM entities: nothing accumulates in the session's identity map.
        sa.select(
            *(Hazard.__table__.c[name] for name in fields),
            Enterprise.name.label("enterprise_name"),
            _TOWNSHIP.name.label("township_name"),
            _VILLAGE.name.label("village_name"),
            Category.name.label("category_name"),
        )
        .select_from(Hazard)
        .outerjoin(Enterprise, Enterprise.id == Hazard.enterprise_id)
        .outerjoin(_TOWNSHIP, _TOWNSHIP.id == Hazard.township_id)
        .outerjoin(_VILLAGE, _VILLAGE.id == Hazard.village_id)
        .outerjoin(Category, Category.id == Hazard.category_id)
        .where(conditions if conditions is not None else sa.true())
        .order_by(Hazard.id)
        .limit(BATCH)
    )
    last: int | None = None
    while True:
        page = query if last is None else query.where(Hazard.id > last)
        rows = list(session().execute(page).all())
        if not rows:
            return
        yield rows
        last = rows[-1].id


def hazard_rows(
    actor: Actor, filters: ReportFilters, translate: Translate
) -> Iterator[dict[str, Any]]:
    """Rows of the hazard list (隐患清单)."""
    dates = _Dates()
    nature, grade = Labels(Nature, translate), Labels(Grade, translate)
    source, state = Labels(Source, translate), Labels(State, translate)
    supervision_level = Labels(SupervisionLevel, translate)
    for batch in _hazard_batches(actor, filters):
        ids = [row.id for row in batch]
        measures: dict[int, list[str]] = defaultdict(list)
        for hazard_id, text in session().execute(
            sa.select(ControlMeasure.hazard_id, ControlMeasure.description)
            .where(ControlMeasure.hazard_id.in_(ids))
            .order_by(ControlMeasure.id)
        ):
            measures[hazard_id].append(text)
        for hazard in batch:
            late = dates.overdue_days(hazard)
            supervision = ""
            if hazard.supervision_level:
                supervision = " ".join(
                    part
                    for part in (
                        supervision_level(hazard.supervision_level),
                        hazard.supervising_org,
                        hazard.supervision_doc_no,
                    )
                    if part
                )
            measures_taken = measures.get(hazard.id)
            yield {
                "code": hazard.code,
                "enterprise": hazard.enterprise_name or "",
                "region": " ".join(n for n in (hazard.township_name, hazard.village_name) if n),
                "address": hazard.address or "",
                "category": hazard.category_name or "",
                "nature": nature(hazard.nature),
                "grade": grade(hazard.grade),
                "source": source(hazard.source),
                "discoverer": hazard.discoverer_name or "",
                "discovered_at": dates.local(hazard.discovered_at),
                "description": hazard.description,
                "control_measures": "；".join(measures_taken) if measures_taken else "",
                "supervision": supervision,
                "state": state(hazard.state),
                "deadline": dates.local(hazard.deadline),
                "overdue_days": late,
                "_open": hazard.state in OPEN_STATES,
                "_overdue": late > 0,
                "_closed": hazard.state == State.CLOSED,
                "_on_time": dates.closed_on_time(hazard),
            }


class _Dates:
    """Local dates and deadline figures of one register, all against one "now" and zone."""

    def __init__(self) -> None:
        self.now = clock.now()
        self.zone = clock.zone()

    def local(self, instant: datetime | None) -> date | None:
        return local_date(instant, self.zone) if instant else None

    def overdue_days(self, hazard: Any) -> int:
        if hazard.state not in OPEN_STATES or hazard.deadline is None:
            return 0
        return overdue_days(hazard.deadline, self.now, self.zone)

    def closed_on_time(self, hazard: Any) -> bool | None:
        """On time against the *original* deadline, so extensions do not flatter the rate."""
        if hazard.state != State.CLOSED or hazard.original_deadline is None:
            return None
        finished = hazard.finished_on or self.local(hazard.closed_at)
        if finished is None:
            return None
        return bool(finished <= local_date(hazard.original_deadline, self.zone))


# --------------------------------------------------------------------------- rectification list


def rectification_rows(
    actor: Actor, filters: ReportFilters, translate: Translate
) -> Iterator[dict[str, Any]]:
    """Rows of the rectification list (整改清单): one per ticket, with its latest plan."""
    dates = _Dates()
    on_time_label, late_label = translate(N_("On time")), translate(N_("Late"))
    for batch in _hazard_batches(actor, filters, _RECTIFICATION_FIELDS):
        ids = [row.id for row in batch]
        plans: dict[int, Any] = {}
        for filed in session().execute(
            sa.select(*RectificationPlan.__table__.columns)
            .where(RectificationPlan.hazard_id.in_(ids))
            .order_by(RectificationPlan.id)
        ):
            plans[filed.hazard_id] = filed  # the latest plan wins
        for hazard in batch:
            plan = plans.get(hazard.id)
            on_time = dates.closed_on_time(hazard)
            late = dates.overdue_days(hazard)
            if on_time is None and late > 0:
                on_time = False
            yield {
                "code": hazard.code,
                "measures": plan.measures if plan else "",
                "funds": plan.funds_amount if plan else hazard.funds_spent,
                "responsible_unit": hazard.responsible_unit or "",
                "responsible_person": (
                    plan.responsible_person if plan else hazard.responsible_person
                )
                or "",
                "responsible_leader": (plan.responsible_leader if plan else None) or "",
                "planned_finish": plan.deadline if plan else dates.local(hazard.deadline),
                "actual_finish": hazard.finished_on,
                "on_time": "" if on_time is None else (on_time_label if on_time else late_label),
                "extensions": hazard.extension_count,
                "reviewer": hazard.reviewer_name or "",
                "review_date": hazard.review_date,
                "review_result": _review_result(hazard.review_result, translate),
                "review_opinion": hazard.review_opinion or "",
                "closed_at": dates.local(hazard.closed_at),
                "_open": hazard.state in OPEN_STATES,
                "_overdue": late > 0,
                "_closed": hazard.state == State.CLOSED,
                "_on_time": on_time if hazard.state == State.CLOSED else None,
            }


def _review_result(value: str | None, translate: Translate) -> str:
    return {"pass": translate(N_("Passed")), "sent_back": translate(N_("Sent back"))}.get(
        value or "", ""
    )


# --------------------------------------------------------------------------- responsibility list

RESPONSIBILITY_LEVELS = {
    "district": N_("District"),
    "township": N_("Township"),
    "village": N_("Village"),
    "grid": N_("Grid"),
    "enterprise": N_("Enterprise"),
}
RESPONSIBILITY_TYPES = {
    "territorial": N_("Territorial"),
    "departmental": N_("Departmental supervision"),
    "enterprise": N_("Enterprise main responsibility"),
    "post": N_("Post"),
}


def responsibility_query(actor: Actor, filters: ReportFilters) -> sa.Select[Any]:
    query = sa.select(Responsibility).where(
        Responsibility.active.is_(True), scope_clause(Responsibility, scope_of(actor))
    )
    if filters.region_id:
        region = session().get(Region, filters.region_id)
        if region is None:
            return query.where(sa.false())
        query = query.where(
            getattr(Responsibility, region_column(RegionLevel(region.level))) == region.id
        )
    if filters.enterprise_id:
        query = query.where(Responsibility.enterprise_id == filters.enterprise_id)
    return query


def _live_counts(
    actor: Actor, filters: ReportFilters
) -> dict[tuple[str, int], tuple[int, int, int]]:
    """(level, id) -> (assigned, open, overdue), one GROUP BY per level over the scoped tickets."""
    tickets = hazard_query(
        actor, ReportFilters(grade=filters.grade, category_id=filters.category_id)
    )
    base = tickets.subquery()
    open_states = [s.value for s in OPEN_STATES]
    is_open = base.c.state.in_(open_states)
    is_overdue = sa.and_(is_open, base.c.deadline < clock.now())
    counts: dict[tuple[str, int], tuple[int, int, int]] = {}
    for level, column in (
        ("district", base.c.district_id),
        ("township", base.c.township_id),
        ("village", base.c.village_id),
        ("grid", base.c.grid_id),
        ("enterprise", base.c.enterprise_id),
    ):
        grouped = (
            sa.select(
                column,
                sa.func.count(),
                sa.func.sum(sa.case((is_open, 1), else_=0)),
                sa.func.sum(sa.case((is_overdue, 1), else_=0)),
            )
            .where(column.is_not(None))
            .group_by(column)
        )
        for key, assigned, opened, overdue in session().execute(grouped):
            counts[(level, key)] = (int(assigned), int(opened or 0), int(overdue or 0))
    return counts


def responsibility_rows(
    actor: Actor, filters: ReportFilters, translate: Translate
) -> Iterator[dict[str, Any]]:
    """Rows of the responsibility list (责任清单), with live ticket counts."""
    counts = _live_counts(actor, filters)
    query = responsibility_query(actor, filters).order_by(
        Responsibility.sort_order, Responsibility.id
    )
    for item in session().scalars(query.execution_options(yield_per=BATCH)):
        if item.enterprise_id:
            key = ("enterprise", item.enterprise_id)
        else:
            level = item.level if item.level in RESPONSIBILITY_LEVELS else "district"
            key = (level, getattr(item, f"{level}_id", None) or item.region_id or 0)
        assigned, opened, overdue = counts.get(key, (0, 0, 0))
        yield {
            "level": translate(RESPONSIBILITY_LEVELS.get(item.level, item.level)),
            "responsibility_type": translate(
                RESPONSIBILITY_TYPES.get(item.responsibility_type, item.responsibility_type)
            ),
            "organisation": item.organisation,
            "post": item.post or "",
            "person": item.person,
            "phone": item.phone or "",
            "scope_covered": item.scope_covered or "",
            "duties": item.duties or "",
            "assigned": assigned,
            "open": opened,
            "overdue": overdue,
            "_open": opened > 0,
            "_overdue": overdue > 0,
            "_closed": False,
            "_on_time": None,
        }


ROWS = {
    "hazard": hazard_rows,
    "rectification": rectification_rows,
    "responsibility": responsibility_rows,
}
