"""Computing, storing and reading the township risk-control index (乡镇风险管控指数).

A month's raw figures per township come from a handful of aggregate queries (GROUP BY
township); ``app.domain.risk_index`` turns them into components, index and rank; the result is
stored as an immutable run (version 1, then corrections with a reason).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from app.domain import roles
from app.domain.errors import ConflictError, InvalidError, NotFoundError
from app.domain.fields import invalid_data_message
from app.domain.lifecycle import Action
from app.domain.messages import N_, Message
from app.domain.oversight import month_key, month_period, parse_month
from app.domain.risk_index import (
    DEFAULT_WEIGHTS,
    Component,
    RawFigures,
    change,
    check_weights,
    score_townships,
)
from app.domain.scope import Actor
from app.domain.vocabulary import OPEN_STATES, Grade, RegionLevel, Source, State
from app.models import Enterprise, Hazard, HazardEvent, Region
from app.models.oversight import RiskIndexRun, RiskIndexScore, RiskWeightSet
from app.models.sql_functions import hours_between
from app.services import clock
from app.services.transaction import atomic, session

# Weight-set column of each component.
WEIGHT_COLUMNS: dict[Component, str] = {c: f"w_{c.value}" for c in Component}


def weights_of(weight_set: RiskWeightSet) -> dict[Component, float]:
    return {c: float(getattr(weight_set, column)) for c, column in WEIGHT_COLUMNS.items()}


def weight_set_for(first_day: date) -> RiskWeightSet:
    """The weight set in force for the month starting ``first_day``."""
    found: RiskWeightSet | None = (
        session()
        .scalars(
            sa.select(RiskWeightSet)
            .where(RiskWeightSet.effective_from <= first_day)
            .order_by(RiskWeightSet.effective_from.desc(), RiskWeightSet.version.desc())
            .limit(1)
        )
        .first()
    )
    if found is None:
        raise InvalidError(
            invalid_data_message(),
            {"month": Message(N_("No weight set is in force for this month."))},
        )
    return found


def refuse_back_dating(effective_from: date) -> None:
    """New weights apply from a month not yet published: a published month keeps the weights
    it was computed with, corrections included."""
    latest = session().scalar(sa.select(sa.func.max(RiskIndexRun.month)))
    month = month_key(effective_from.year, effective_from.month)
    if latest is not None and month <= latest:
        raise InvalidError(
            invalid_data_message(),
            {
                "effective_from": Message(
                    N_("Months up to %(month)s are published: new weights start after it."),
                    {"month": latest},
                )
            },
        )


def add_weight_set(
    actor: Actor | None, effective_from: date, weights: Mapping[Component, float], note: str = ""
) -> RiskWeightSet:
    """A new version of the weights, in force from the month of ``effective_from``."""
    problems = check_weights({c.value: w for c, w in weights.items()})
    if problems:
        raise InvalidError(invalid_data_message(), {"weights": Message(problems[0])})
    refuse_back_dating(effective_from)
    with atomic() as db:
        latest = db.scalar(sa.select(sa.func.max(RiskWeightSet.version))) or 0
        weight_set = RiskWeightSet(
            version=latest + 1,
            effective_from=effective_from.replace(day=1),
            note=note or None,
            created_by_id=actor.user_id if actor else None,
            **{WEIGHT_COLUMNS[c]: float(weights.get(c, 0.0)) for c in Component},
        )
        db.add(weight_set)
    return weight_set


def ensure_default_weights() -> RiskWeightSet:
    """Version 1 (the README's defaults), in force from the beginning, if there is none."""
    first = session().scalars(sa.select(RiskWeightSet).order_by(RiskWeightSet.version)).first()
    if first is not None:
        return first
    return add_weight_set(None, date(2000, 1, 1), DEFAULT_WEIGHTS, "默认权重")


# ---------------------------------------------------------------- raw figures


def _month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    start, end = month_period(year, month).bounds(clock.zone())
    assert start is not None and end is not None
    return start, end


# What each component measures in the month [start, end), as SQL over the hazard table. The
# month's raw figures count these tickets; the ranking's drill-down lists exactly them.


def _closed_in(start: datetime, end: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        Hazard.state == State.CLOSED.value, Hazard.closed_at >= start, Hazard.closed_at < end
    )


def _overdue_major_at(end: datetime) -> sa.ColumnElement[bool]:
    """Major, reported before ``end``, past its deadline then and not closed by then."""
    return sa.and_(
        Hazard.reported_at < end,
        Hazard.grade == Grade.MAJOR.value,
        Hazard.state.in_([*(s.value for s in OPEN_STATES), State.CLOSED.value]),
        Hazard.deadline < end,
        sa.or_(Hazard.closed_at.is_(None), Hazard.closed_at >= end),
    )


def _confirmed_in(start: datetime, end: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(Hazard.confirmed_at >= start, Hazard.confirmed_at < end)


def _reported_in(start: datetime, end: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(Hazard.reported_at >= start, Hazard.reported_at < end)


def _decisions_in(start: datetime, end: datetime) -> sa.ColumnElement[bool]:
    """Timeline entries of a verification's outcome (verified or sent back) in the month."""
    return sa.and_(
        HazardEvent.action.in_([Action.VERIFY.value, Action.SEND_BACK.value]),
        HazardEvent.occurred_at >= start,
        HazardEvent.occurred_at < end,
    )


def component_tickets(component: Component, year: int, month: int) -> sa.ColumnElement[bool]:
    """The tickets a component of a month measures (add the township and the user's scope):
    closed in the month for the on-time rate and the time to close, overdue major at the
    month's end, confirmed in the month, reported in the month for the self-found share, and
    those with a verification decided in the month for the send-back rate."""
    start, end = _month_bounds(year, month)
    if component in (Component.ON_TIME, Component.CLOSE_TIME):
        return _closed_in(start, end)
    if component is Component.OVERDUE_MAJOR:
        return _overdue_major_at(end)
    if component is Component.CONFIRM_TIME:
        return _confirmed_in(start, end)
    if component is Component.SELF_FOUND:
        return _reported_in(start, end)
    decided = sa.select(HazardEvent.hazard_id).where(_decisions_in(start, end))
    return Hazard.id.in_(decided)


def raw_figures(district_id: int, year: int, month: int) -> dict[int, tuple[str, RawFigures]]:
    """Every active township of the district with its month's raw figures (zeros if none)."""
    start, end = _month_bounds(year, month)
    db = session()
    townships = db.execute(
        sa.select(Region.id, Region.code).where(
            Region.parent_id == district_id,
            Region.level == RegionLevel.TOWNSHIP.value,
            Region.active.is_(True),
        )
    ).all()
    figures: dict[int, dict[str, Any]] = {tid: {} for tid, _ in townships}
    live = [Hazard.deleted_at.is_(None), Hazard.district_id == district_id]

    def gather(columns: dict[str, Any], *where: Any, source: Any = Hazard) -> None:
        query = (
            sa.select(Hazard.township_id, *(c.label(name) for name, c in columns.items()))
            .select_from(source)
            .where(*live, *where)
            .group_by(Hazard.township_id)
        )
        for row in db.execute(query):
            if row.township_id in figures:
                figures[row.township_id].update({name: row._mapping[name] for name in columns})

    gather(
        {
            "closed": sa.func.count(),
            "closed_on_time": sa.func.count().filter(
                sa.or_(
                    Hazard.original_deadline.is_(None),
                    Hazard.closed_at <= Hazard.original_deadline,
                )
            ),
            "close_days_total": sa.func.sum(hours_between(Hazard.closed_at, Hazard.reported_at))
            / 24.0,
        },
        _closed_in(start, end),
    )
    gather(
        {
            "tickets_to_date": sa.func.count(),
            "overdue_major": sa.func.count().filter(_overdue_major_at(end)),
        },
        Hazard.reported_at < end,
    )
    gather(
        {
            "confirmed": sa.func.count(),
            "confirm_hours_total": sa.func.sum(
                hours_between(Hazard.confirmed_at, Hazard.reported_at)
            ),
        },
        _confirmed_in(start, end),
    )
    gather(
        {
            "reported": sa.func.count(),
            "self_found": sa.func.count().filter(Hazard.source == Source.SELF_CHECK.value),
        },
        _reported_in(start, end),
    )
    gather(
        {
            "decisions": sa.func.count(),
            "send_backs": sa.func.count().filter(HazardEvent.action == Action.SEND_BACK.value),
        },
        _decisions_in(start, end),
        source=sa.join(HazardEvent, Hazard, HazardEvent.hazard_id == Hazard.id),
    )
    return {
        tid: (code, RawFigures(**{k: _number(v) for k, v in figures[tid].items()}))
        for tid, code in townships
    }


def _number(value: Any) -> Any:
    if value is None:
        return 0
    return round(float(value), 6) if not isinstance(value, int) else value


# ---------------------------------------------------------------- runs


def runs_of_month(district_id: int, month: str) -> sa.Select[Any]:
    """Every version of a district's month, newest first."""
    return (
        sa.select(RiskIndexRun)
        .where(RiskIndexRun.district_id == district_id, RiskIndexRun.month == month)
        .order_by(RiskIndexRun.version.desc())
    )


def latest_run(district_id: int, month: str) -> RiskIndexRun | None:
    """The version of the month in force (the highest), if it was published."""
    run: RiskIndexRun | None = session().scalars(runs_of_month(district_id, month).limit(1)).first()
    return run


def compute_month(
    actor: Actor | None, district_id: int, month: str, reason: str = ""
) -> RiskIndexRun:
    """Compute and publish ``month`` (YYYY-MM) for every township of the district.

    A finished month only. The first computation is version 1; computing a published month
    again is a correction: it needs a reason and becomes the next version (the earlier one is
    kept unchanged).
    """
    year, number = parse_month(month)
    key = month_key(year, number)
    start, end = _month_bounds(year, number)
    if end > clock.now():
        raise InvalidError(
            invalid_data_message(),
            {"month": Message(N_("Only a finished month can be computed."))},
        )
    published = latest_run(district_id, key)
    reason = (reason or "").strip()
    if published is not None and not reason:
        raise ConflictError(
            Message(
                N_(
                    "%(month)s is already published (version %(version)s); a correction "
                    "needs a reason."
                ),
                {"month": key, "version": published.version},
            )
        )
    weight_set = weight_set_for(start.astimezone(clock.zone()).date())
    raw = raw_figures(district_id, year, number)
    scored = score_townships(raw, weights_of(weight_set))
    previous_year, previous_month = (year - 1, 12) if number == 1 else (year, number - 1)
    before = latest_run(district_id, month_key(previous_year, previous_month))
    previous = {s.township_id: s.score for s in before.scores} if before else {}
    with atomic() as db:
        run = RiskIndexRun(
            month=key,
            version=(published.version + 1) if published else 1,
            weight_set_id=weight_set.id,
            district_id=district_id,
            reason=reason or None,
            computed_at=clock.now(),
            computed_by_id=actor.user_id if actor else None,
        )
        db.add(run)
        db.flush()
        for line in scored:
            db.add(
                RiskIndexScore(
                    run_id=run.id,
                    township_id=line.township_id,
                    township_code=line.code,
                    components={
                        c.value: {"value": m.value, "score": m.score}
                        for c, m in line.measured.items()
                    },
                    raw=asdict(raw[line.township_id][1]),
                    score=line.score,
                    rank=line.rank,
                    change=change(line.score, previous.get(line.township_id)),
                )
            )
    return run


def districts() -> list[int]:
    return list(
        session().scalars(
            sa.select(Region.id).where(
                Region.level == RegionLevel.DISTRICT.value, Region.active.is_(True)
            )
        )
    )


def previous_month(today: date) -> str:
    year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    return month_key(year, month)


def publish_previous_month() -> list[int]:
    """The monthly job: last month for every district that has no run for it yet."""
    month = previous_month(clock.now().astimezone(clock.zone()).date())
    return [
        compute_month(None, district_id, month).id
        for district_id in districts()
        if latest_run(district_id, month) is None
    ]


# ---------------------------------------------------------------- reading


def district_of(actor: Actor) -> int | None:
    """The district whose ranking ``actor`` reads (Admin and System: the first one)."""
    db = session()
    if actor.region_id is not None:
        region = db.get(Region, actor.region_id)
        if region is not None:
            return region.id if region.level == RegionLevel.DISTRICT.value else region.district_id
    if actor.enterprise_id is not None:
        enterprise = db.get(Enterprise, actor.enterprise_id)
        return enterprise.district_id if enterprise else None
    if actor.has_role(roles.ADMIN, roles.SYSTEM):
        found = districts()
        return found[0] if found else None
    return None


def ranking_for(actor: Actor, month: str | None = None, version: int | None = None) -> RiskIndexRun:
    """A published run of ``actor``'s district: the month's latest version (or ``version``),
    or the latest month when ``month`` is None; NotFoundError when there is none."""
    district_id = district_of(actor)
    query = sa.select(RiskIndexRun).where(RiskIndexRun.district_id == district_id)
    if month is not None:
        year, number = parse_month(month)
        query = query.where(RiskIndexRun.month == month_key(year, number))
    if version is not None:
        query = query.where(RiskIndexRun.version == version)
    run: RiskIndexRun | None = (
        session()
        .scalars(query.order_by(RiskIndexRun.month.desc(), RiskIndexRun.version.desc()).limit(1))
        .first()
    )
    if run is None:
        raise NotFoundError(Message(N_("No ranking has been published for this month.")))
    return run


def published_months(actor: Actor) -> list[tuple[str, int]]:
    """(month, latest version) of every published month of ``actor``'s district, newest first."""
    rows = session().execute(
        sa.select(RiskIndexRun.month, sa.func.max(RiskIndexRun.version))
        .where(RiskIndexRun.district_id == district_of(actor))
        .group_by(RiskIndexRun.month)
        .order_by(RiskIndexRun.month.desc())
    )
    return [(month, int(version)) for month, version in rows]


def run_json(run: RiskIndexRun, names: Mapping[int, str]) -> dict[str, Any]:
    """A run as the API and the export read it."""
    return {
        "month": run.month,
        "version": run.version,
        "reason": run.reason,
        "computed_at": run.computed_at.isoformat(),
        "weight_set": {
            "version": run.weight_set.version,
            "effective_from": run.weight_set.effective_from.isoformat(),
            "weights": {c.value: w for c, w in weights_of(run.weight_set).items()},
        },
        "townships": [
            {
                "township_id": line.township_id,
                "township": names.get(line.township_id, line.township_code),
                "code": line.township_code,
                "rank": line.rank,
                "score": line.score,
                "change": line.change,
                "components": line.components,
            }
            for line in run.scores
        ],
    }


def township_names(run: RiskIndexRun) -> dict[int, str]:
    ids = [line.township_id for line in run.scores]
    return dict(
        session().execute(sa.select(Region.id, Region.name).where(Region.id.in_(ids))).all()
    )
