"""The dashboard's figures as aggregate SQL over the user's scope (never tickets in Python).

Each :class:`~app.domain.oversight.Figure` is defined once (``FIGURE_CLAUSES`` over a ticket's
:class:`Facts`, plus ``ROW_CONDITIONS``); the hazard list's "figure" filter applies it to tickets
(:func:`figure_clause`) and the summary to the groups of one scan that groups the tickets by
their Facts, so the dashboard and the list cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from app.domain.errors import NotFoundError
from app.domain.messages import N_, Message
from app.domain.oversight import (
    NOT_CONFIRMED_STATES,
    Figure,
    Period,
    join_counts,
    last_months,
    month_key,
    month_period,
    percentile_of_histogram,
    rate,
)
from app.domain.scope import Actor, scope_of
from app.domain.vocabulary import OPEN_STATES, Grade, State
from app.models import (
    Category,
    Hazard,
    InspectionResult,
    Region,
)
from app.models.sql_functions import hours_between, whole_hours_between
from app.services import clock
from app.services.inspections import checklist_item_labels
from app.services.scoping import regions_for, scope_clause
from app.services.transaction import session

_OPEN = [s.value for s in OPEN_STATES]


@dataclass(frozen=True)
class Facts:
    """The columns the figures are defined on: one ticket's, or those of a group of tickets
    that agree on all of them (the summary counts such groups, not the tickets one by one)."""

    state: Any
    grade: Any
    overdue: Any
    supervision_level: Any
    extension_count: Any
    rework_count: Any


TICKET = Facts(
    Hazard.state,
    Hazard.grade,
    Hazard.overdue,
    Hazard.supervision_level,
    Hazard.extension_count,
    Hazard.rework_count,
)
# The ticket's columns in the order of the index ix_hazard_oversight_by_state.
FACT_COLUMNS = [getattr(TICKET, f.name) for f in fields(Facts)]


def _is_open(t: Facts) -> ColumnElement[bool]:
    return t.state.in_(_OPEN)


def _closed(t: Facts = TICKET) -> ColumnElement[bool]:
    return t.state == State.CLOSED.value


def _overdue_open(t: Facts = TICKET) -> ColumnElement[bool]:
    return sa.and_(_is_open(t), t.overdue.is_(True))


FIGURE_CLAUSES: dict[Figure, Callable[[Facts], ColumnElement[bool]]] = {
    Figure.REPORTED: lambda t: sa.true(),
    Figure.CONFIRMED: lambda t: t.state.not_in([s.value for s in NOT_CONFIRMED_STATES]),
    Figure.OPEN: _is_open,
    Figure.CLOSED: _closed,
    Figure.REJECTED: lambda t: t.state == State.REJECTED.value,
    Figure.CLOSED_ON_TIME: _closed,  # and ROW_CONDITIONS
    Figure.OVERDUE_OPEN: _overdue_open,
    Figure.OVERDUE_OPEN_GENERAL: lambda t: sa.and_(
        _overdue_open(t), t.grade == Grade.GENERAL.value
    ),
    Figure.OVERDUE_OPEN_MAJOR: lambda t: sa.and_(_overdue_open(t), t.grade == Grade.MAJOR.value),
    Figure.SUPERVISED: lambda t: sa.and_(_is_open(t), t.supervision_level.is_not(None)),
    Figure.EXTENDED: lambda t: t.extension_count > 0,
    Figure.SENT_BACK: lambda t: t.rework_count > 0,
}

# What a figure asks of a ticket's other columns besides its Facts (counted row by row).
ROW_CONDITIONS: dict[Figure, Callable[[], ColumnElement[bool]]] = {
    # Against the FIRST deadline: an approved extension does not make a late closure on time.
    # A ticket fixed on the spot has no deadline and was closed at once: on time.
    Figure.CLOSED_ON_TIME: lambda: sa.or_(
        Hazard.original_deadline.is_(None), Hazard.closed_at <= Hazard.original_deadline
    ),
}


# The covering indexes of the hazard table that the dashboard reads instead of the table.
BY_PERIOD = "ix_hazard_oversight"
BY_STATE = "ix_hazard_oversight_by_state"


def covering(query: Any, index: str = BY_PERIOD) -> Any:
    """Read ``query`` from a covering index on SQLite: ix_hazard_oversight (led by the report
    time a period filters on) or ix_hazard_oversight_by_state (led by the Facts).

    SQLite's planner otherwise takes a narrower index matching one condition (e.g. the state)
    and then looks up hundreds of thousands of rows one by one; the covering index is scanned
    without touching the table. PostgreSQL ignores the hint and plans for itself.
    """
    return query.with_hint(Hazard.__table__, f"INDEXED BY {index}", "sqlite")


def figure_clause(figure: Figure) -> ColumnElement[bool]:
    """The tickets a figure counts (within whatever scope, period and region apply)."""
    clause = FIGURE_CLAUSES[figure](TICKET)
    row = ROW_CONDITIONS.get(figure)
    return clause if row is None else sa.and_(clause, row())


def period_clause(period: Period) -> ColumnElement[bool]:
    """Tickets reported within ``period`` (local days of the configured zone)."""
    start, end = period.bounds(clock.zone())
    clauses = []
    if start is not None:
        clauses.append(Hazard.reported_at >= start)
    if end is not None:
        clauses.append(Hazard.reported_at < end)
    return sa.and_(sa.true(), *clauses)


def region_clause(region_id: int) -> ColumnElement[bool]:
    """Rows located in region ``region_id``, whatever its level."""
    return sa.or_(
        Hazard.district_id == region_id,
        Hazard.township_id == region_id,
        Hazard.village_id == region_id,
        Hazard.grid_id == region_id,
    )


def visible_region(actor: Actor, region_id: int | None) -> Region | None:
    """The region a dashboard is narrowed to, if ``actor`` may see it; NotFoundError if not."""
    if region_id is None:
        return None
    region: Region | None = (
        session().scalars(regions_for(actor).where(Region.id == region_id)).one_or_none()
    )
    if region is None:
        raise NotFoundError(Message(N_("Region not found.")))
    return region


def cohort(actor: Actor, period: Period, region_id: int | None) -> list[ColumnElement[bool]]:
    """The conditions of the tickets behind a dashboard: scope, period, region, not deleted."""
    conditions = [
        Hazard.deleted_at.is_(None),
        scope_clause(Hazard, scope_of(actor)),
        period_clause(period),
    ]
    if region_id is not None:
        conditions.append(region_clause(region_id))
    return conditions


@dataclass
class Summary:
    """Every dashboard figure of one scope, period and region."""

    period: Period
    region: Region | None
    counts: dict[Figure, int]
    by_state: dict[str, int]
    mean_hours_to_close: float | None
    p90_hours_to_close: int | None
    supervised: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rectification_rate(self) -> float | None:
        """整改率: closed ÷ confirmed."""
        return rate(self.counts[Figure.CLOSED], self.counts[Figure.CONFIRMED])

    @property
    def on_time_rate(self) -> float | None:
        """按期整改率: closed on or before the original deadline ÷ closed."""
        return rate(self.counts[Figure.CLOSED_ON_TIME], self.counts[Figure.CLOSED])


SUPERVISED_SHOWN = 20


def summary(actor: Actor, period: Period, region_id: int | None = None) -> Summary:
    """The dashboard figures for ``actor``'s scope, ``period`` and (optionally) one region.

    One scan groups the tickets by their Facts, counting each group and its rows that meet
    the ROW_CONDITIONS; the figures are then the FIGURE_CLAUSES summed over the few hundred
    groups, so every figure is defined once, for the list and for the dashboard alike.
    """
    region = visible_region(actor, region_id)
    where = cohort(actor, period, region_id)
    db = session()
    closed = [_closed(), Hazard.closed_at.is_not(None)]
    hours = hours_between(Hazard.closed_at, Hazard.reported_at)
    index = _summary_index(period)
    groups = (
        covering(
            sa.select(
                *FACT_COLUMNS,
                sa.func.count().label("n"),
                *(
                    sa.func.count().filter(row()).label(f.value)
                    for f, row in ROW_CONDITIONS.items()
                ),
                sa.func.sum(hours).filter(*closed).label("hours"),
                sa.func.count(hours).filter(*closed).label("timed"),
            ),
            index,
        )
        .where(*where)
        .group_by(*FACT_COLUMNS)
        .subquery()
    )
    group = Facts(*(groups.c[column.key] for column in FACT_COLUMNS))

    def total(figure: Figure) -> Any:
        counted = groups.c[figure.value] if figure in ROW_CONDITIONS else groups.c.n
        return sa.func.sum(counted).filter(FIGURE_CLAUSES[figure](group)).label(figure.value)

    counted = db.execute(
        sa.select(
            *(total(f) for f in Figure),
            *(
                sa.func.sum(groups.c.n).filter(group.state == s.value).label(f"state_{s.value}")
                for s in State
            ),
            sa.func.sum(groups.c.hours).label("hours"),
            sa.func.sum(groups.c.timed).label("timed"),
        )
    ).one()
    counts = {f: int(getattr(counted, f.value) or 0) for f in Figure}
    by_state = {s.value: int(getattr(counted, f"state_{s.value}") or 0) for s in State}
    mean = float(counted.hours) / int(counted.timed) if counted.timed else None
    bucket = whole_hours_between(Hazard.closed_at, Hazard.reported_at)
    histogram = join_counts(
        db.execute(
            covering(sa.select(bucket, sa.func.count()), index)
            .where(*where, *closed)
            .group_by(bucket)
        )
    )
    return Summary(
        period=period,
        region=region,
        counts=counts,
        by_state=by_state,
        mean_hours_to_close=None if mean is None else round(mean, 1),
        p90_hours_to_close=percentile_of_histogram(
            {int(str(k)): v for k, v in histogram.items()}, 0.9
        ),
        supervised=_supervised(where),
    )


# A period holding less than this share of the time since the first report is read by
# seeking its rows in ix_hazard_oversight (and sorting them into groups); a longer one, or
# all time, by scanning ix_hazard_oversight_by_state, whose order already is the groups'.
SEEK_SHARE = 0.2


def _summary_index(period: Period) -> str:
    start, end = period.bounds(clock.zone())
    if start is None or session().get_bind().dialect.name != "sqlite":
        return BY_STATE  # (PostgreSQL ignores the hint and plans for itself)
    first = session().execute(sa.select(sa.func.min(Hazard.reported_at))).scalar()
    if first is None:
        return BY_STATE
    end = end or clock.now()
    return BY_PERIOD if (end - start) < SEEK_SHARE * (end - first) else BY_STATE


def _supervised(where: list[ColumnElement[bool]]) -> list[dict[str, Any]]:
    today = today_local()
    rows = session().execute(
        sa.select(
            Hazard.id,
            Hazard.code,
            Hazard.title,
            Hazard.supervision_level,
            Hazard.supervision_deadline,
        )
        .where(*where, figure_clause(Figure.SUPERVISED))
        .order_by(Hazard.supervision_deadline.asc().nulls_last(), Hazard.id)
        .limit(SUPERVISED_SHOWN)
    )
    return [
        {
            "id": row.id,
            "code": row.code,
            "title": row.title,
            "supervision_level": row.supervision_level,
            "supervision_deadline": row.supervision_deadline,
            "days_left": _days_left(row.supervision_deadline, today),
        }
        for row in rows
    ]


def today_local() -> date:
    """Today's date in the configured zone."""
    return clock.now().astimezone(clock.zone()).date()


def _days_left(deadline: date | None, today: date) -> int | None:
    return None if deadline is None else (deadline - today).days


# ---------------------------------------------------------------- trend and breakdowns

TREND_MONTHS = 12


@dataclass(frozen=True)
class MonthFigures:
    year: int
    month: int
    reported: int
    closed: int

    @property
    def key(self) -> str:
        return month_key(self.year, self.month)

    @property
    def period(self) -> Period:
        return month_period(self.year, self.month)

    @property
    def rectification_rate(self) -> float | None:
        return rate(self.closed, self.reported)


def trend(actor: Actor, region_id: int | None = None) -> list[MonthFigures]:
    """Tickets reported in each of the last 12 months, and how many of them are closed.

    One seek per month in ix_hazard_oversight (a UNION ALL): each row is read once and tested
    once, rather than against all twelve months.
    """
    months = last_months(today_local(), TREND_MONTHS)
    where = cohort(actor, Period(), region_id)
    per_month = [
        covering(
            sa.select(
                sa.literal(index).label("month"),
                sa.func.count().label("reported"),
                sa.func.count().filter(_closed()).label("closed"),
            )
        ).where(*where, period_clause(month_period(year, month)))
        for index, (year, month) in enumerate(months)
    ]
    found = {
        row.month: (int(row.reported or 0), int(row.closed or 0))
        for row in session().execute(sa.union_all(*per_month))
    }
    return [
        MonthFigures(year, month, *found.get(index, (0, 0)))
        for index, (year, month) in enumerate(months)
    ]


@dataclass(frozen=True)
class BreakdownRow:
    key: Any
    label: str
    reported: int
    closed: int
    overdue_open: int


# Breakdowns by a column of the ticket, and the ticket's column for each.
COLUMN_BREAKDOWNS: dict[str, Any] = {
    "township": Hazard.township_id,
    "category": Hazard.category_id,
    "source": Hazard.source,
}
BREAKDOWNS = (*COLUMN_BREAKDOWNS, "checklist_item")
# The checklist items shown: those whose failures opened the most tickets.
CHECKLIST_ITEMS_SHOWN = 20


def _breakdown_figures() -> tuple[Any, ...]:
    return (
        sa.func.count(),
        sa.func.count().filter(_closed()),
        sa.func.count().filter(_overdue_open()),
    )


def breakdowns(
    actor: Actor, period: Period, region_id: int | None = None
) -> dict[str, list[BreakdownRow]]:
    """Reported, closed and overdue-open tickets per township, per category, per source and
    per checklist item, most tickets first.

    The three by a column come from one scan grouped by all three columns (one sort instead
    of three), its few groups then added up per column. By checklist item, a ticket counts
    under the item whose failure opened it (tickets not opened from a checklist do not count
    there).
    """
    where = cohort(actor, period, region_id)
    columns = list(COLUMN_BREAKDOWNS.values())
    groups = session().execute(
        covering(sa.select(*columns, *_breakdown_figures())).where(*where).group_by(*columns)
    )
    totals: dict[str, dict[Any, list[int]]] = {by: {} for by in COLUMN_BREAKDOWNS}
    for *keys, reported, closed, overdue in groups:
        for by, key in zip(COLUMN_BREAKDOWNS, keys, strict=True):
            total = totals[by].setdefault(key, [0, 0, 0])
            total[0] += reported
            total[1] += closed
            total[2] += overdue
    found = {
        by: sorted(
            ((key, *total) for key, total in counted.items()),
            key=lambda row: (-row[1], str(row[0])),
        )
        for by, counted in totals.items()
    }
    # Driven from the (few) inspection results; the covering hint would force a full scan.
    found["checklist_item"] = [
        tuple(row)
        for row in session().execute(
            sa.select(InspectionResult.item_id, *_breakdown_figures())
            .select_from(Hazard)
            .join(InspectionResult, InspectionResult.hazard_id == Hazard.id)
            .where(*where)
            .group_by(InspectionResult.item_id)
            .order_by(sa.func.count().desc(), InspectionResult.item_id)
            .limit(CHECKLIST_ITEMS_SHOWN)
        )
    ]
    return {by: _labelled(by, rows) for by, rows in found.items()}


def _labelled(by: str, rows: list[Any]) -> list[BreakdownRow]:
    names = _names(by, [key for key, *_ in rows if key is not None])
    return [
        BreakdownRow(key, names.get(key, "" if key is None else str(key)), int(r), int(c), int(o))
        for key, r, c, o in rows
    ]


def _names(by: str, keys: list[Any]) -> dict[Any, str]:
    if by == "source" or not keys:
        return {}
    if by == "checklist_item":
        return checklist_item_labels(keys)
    model: Any = Region if by == "township" else Category
    return dict(session().execute(sa.select(model.id, model.name).where(model.id.in_(keys))).all())
