"""The deadline sweep: reminders before, overdue marks and escalations after every deadline.

The rules are the deadline steps of ``app.domain.lifecycle`` (data). This module turns each
step into set-based SQL, so 100,000 due tickets cost a handful of statements, not 100,000
service calls:

1. claim: ``INSERT INTO applied_deadline_step … SELECT`` the tickets for which the step is due
   and not yet applied to their current deadline. The unique key (ticket, step, deadline) and
   ``ON CONFLICT DO NOTHING`` make a second or concurrent sweep claim nothing;
2. for an escalation step, one ``UPDATE hazard`` (changes + version bump) and one
   ``INSERT INTO hazard_event … SELECT`` (seq = the version it produced, actor = the system
   user) over the claimed tickets — the same changes and event as the per-ticket path,
   :func:`apply_step_to_ticket`, which goes through ``decide_deadline_step`` and
   ``apply_decision``. A ticket catching up on several levels is updated once (by its highest
   level) and gets one event per level;
3. ``INSERT INTO notification … SELECT`` for the people each step tells (once per ticket and
   sweep, at its highest level).

A whole sweep is one transaction: a worker killed half-way leaves nothing behind.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import Role, User, assoc_user_role
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from app.domain import roles
from app.domain.chain import GENESIS, as_stored, event_hash
from app.domain.deadlines import DEFAULT_TERMS, SlaTerms, local_date
from app.domain.lifecycle import (
    DEADLINE_WATCHES,
    Audience,
    DaysPast,
    DeadlineStep,
    Facts,
    RaiseTo,
    deadline_steps,
    decide_deadline_step,
    ticket_step_is_due,
)
from app.domain.scope import Actor
from app.domain.vocabulary import Grade
from app.models import (
    AppliedDeadlineStep,
    DeadlineSweep,
    Hazard,
    HazardEvent,
    Notification,
    SlaPolicy,
    UserScope,
)
from app.models.sql_functions import days_between
from app.models.sql_functions import local_date as sql_local_date
from app.services import clock
from app.services.actors import system_actor
from app.services.chain import advance_heads, event_content
from app.services.lifecycle import apply_decision
from app.services.sla import terms_lookup
from app.services.transaction import atomic, session


@dataclass(frozen=True)
class Policy:
    """An SLA policy's terms and the tickets it governs (grade, optionally one category)."""

    grade: str
    category_id: int | None
    terms: SlaTerms


@dataclass
class SweepResult:
    """What one sweep did (also stored as a ``deadline_sweep`` row)."""

    sweep_id: str
    steps_applied: int = 0
    events_written: int = 0
    notifications: int = 0


# --------------------------------------------------------------------------- policies


def active_policies() -> list[Policy]:
    """Every active SLA policy, plus the built-in defaults for a grade without one."""
    rows = session().execute(sa.select(SlaPolicy).where(SlaPolicy.active.is_(True))).scalars()
    policies = [Policy(p.grade, p.category_id, p.terms()) for p in rows]
    covered = {p.grade for p in policies if p.category_id is None}
    policies += [Policy(g.value, None, DEFAULT_TERMS[g.value]) for g in Grade if g not in covered]
    return policies


def _governed_by(policy: Policy, policies: Sequence[Policy]) -> sa.ColumnElement[bool]:
    """The tickets ``policy`` governs: a category's own policy wins over its grade's default."""
    grade = Hazard.grade == policy.grade
    if policy.category_id is not None:
        return sa.and_(grade, Hazard.category_id == policy.category_id)
    own = [p.category_id for p in policies if p.grade == policy.grade and p.category_id]
    if not own:
        return grade
    return sa.and_(grade, sa.or_(Hazard.category_id.is_(None), Hazard.category_id.not_in(own)))


def _due_condition(
    step: DeadlineStep, policies: Sequence[Policy], now: datetime
) -> sa.ColumnElement[bool]:
    """Tickets for which ``step`` is due at ``now`` (``step_is_due`` as SQL, per policy)."""
    column = getattr(Hazard, step.watch.column)
    cases = []
    uppers: list[datetime] = []
    lowers: list[datetime | None] = []
    for policy in policies:
        window = step.window(policy.terms)
        if window is None:
            continue
        start, end = window
        uppers.append(now - start)
        lowers.append(now - end if end is not None else None)
        bounds = [column <= now - start]
        if end is not None:
            bounds.append(column > now - end)
        cases.append(sa.and_(_governed_by(policy, policies), *bounds))
    if not cases:
        return sa.false()
    # The loosest bounds of all policies, stated once, let the database search the deadline
    # index instead of reading every ticket; the per-policy cases then narrow it down.
    widest = [column <= max(uppers)]
    if all(lower is not None for lower in lowers):
        widest.append(column > min(lower for lower in lowers if lower is not None))
    return sa.and_(
        *widest,
        Hazard.deleted_at.is_(None),
        Hazard.state.in_([s.value for s in step.watch.states]),
        sa.or_(*cases),
    )


# --------------------------------------------------------------------------- the sweep


def sweep_deadlines() -> SweepResult:
    """Apply every deadline step now due, once, in order, and fill the inbox; one transaction.

    A sweep after missed runs catches up: every escalation level now due is reached in order
    (one event each); of the reminders only the latest one still before the deadline is sent.
    """
    now = clock.now()
    actor = system_actor()
    policies = active_policies()
    most_reminders = max(len(p.terms.reminder_offsets_hours) for p in policies)
    result = SweepResult(str(uuid.uuid4()))
    with atomic() as current:
        if current.get_bind().dialect.name == "sqlite":
            # One sweep may touch a large part of the file: a bigger page cache (64 MB) for
            # this connection saves re-reading the same index pages step after step.
            current.execute(sa.text("PRAGMA cache_size = -65536"))
        current.add(DeadlineSweep(id=result.sweep_id, started_at=now))
        current.flush()
        for watch in DEADLINE_WATCHES:
            steps = [s for s in deadline_steps(most_reminders) if s.watch == watch]
            claimed = []
            for step in steps:
                count = _claim(step, _due_condition(step, policies, now), now, result.sweep_id)
                if count:
                    claimed.append(step)
                    result.steps_applied += count
            escalations = [step for step in claimed if step.action is not None]
            result.events_written += _escalate(escalations, actor, now, result.sweep_id)
            for index, step in enumerate(claimed):
                later = [s for s in claimed[index + 1 :] if s.stage is step.stage]
                result.notifications += notify(step, now, result.sweep_id, later)
        current.execute(
            sa.update(DeadlineSweep)
            .where(DeadlineSweep.id == result.sweep_id)
            .values(
                finished_at=clock.now(),
                steps_applied=result.steps_applied,
                events_written=result.events_written,
                notifications=result.notifications,
            )
        )
    return result


def _insert_ignoring_duplicates(model: type[Any]) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING`` for the session's database."""
    dialect = session().get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model)


def _execute_counting(statement: Any) -> int:
    """Execute an INSERT … SELECT and return how many rows it wrote (SQLAlchemy keeps the
    row count of INSERTs only when asked to)."""
    result = session().execute(statement.execution_options(preserve_rowcount=True))
    return max(int(getattr(result, "rowcount", 0) or 0), 0)


def _claim(step: DeadlineStep, due: sa.ColumnElement[bool], now: datetime, sweep_id: str) -> int:
    """Record ``step`` as applied for every due ticket that does not have it yet."""
    column = getattr(Hazard, step.watch.column)
    applied = AppliedDeadlineStep
    already = (
        sa.select(applied.id)
        .where(applied.hazard_id == Hazard.id, applied.step == step.key, applied.due_at == column)
        .exists()
    )
    rows = sa.select(
        Hazard.id,
        sa.literal(step.key),
        column,
        sa.literal(now, type_=applied.applied_at.type),
        sa.literal(sweep_id),
    ).where(due, ~already)
    # In ticket order: the claims' index, the tickets' UPDATE and the events' index are then
    # all written in key order instead of at random (several times faster on a large table).
    # (``id + 0``: sort the found rows; ordering by the bare key would make SQLite read the
    # whole table in key order instead of searching the deadline index.)
    rows = rows.order_by(Hazard.id + 0)
    statement = (
        _insert_ignoring_duplicates(applied)
        .from_select(["hazard_id", "step", "due_at", "applied_at", "sweep_id"], rows)
        .on_conflict_do_nothing()
    )
    return _execute_counting(statement)


def _claimed(step: DeadlineStep, sweep_id: str) -> sa.ColumnElement[bool]:
    """Join condition: tickets this sweep claimed ``step`` for, still in a watched state and
    still on the deadline the claim was made for."""
    applied = AppliedDeadlineStep
    return sa.and_(
        applied.hazard_id == Hazard.id,
        applied.sweep_id == sweep_id,
        applied.step == step.key,
        applied.due_at == getattr(Hazard, step.watch.column),
        Hazard.state.in_([s.value for s in step.watch.states]),
        Hazard.deleted_at.is_(None),
    )


def _sql_change(step: DeadlineStep, name: str, value: Any, now: datetime) -> Any:
    """A step's change as a SQL expression (``_step_value`` of the domain, set-based)."""
    column = getattr(Hazard, name)
    if isinstance(value, RaiseTo):
        return sa.case((column < value.level, value.level), else_=column)
    if isinstance(value, DaysPast):
        zone = clock.zone()
        today = local_date(now, zone)
        days = days_between(
            sa.literal(today, sa.Date()),
            sql_local_date(getattr(Hazard, value.column), sa.literal(zone.key)),
        )
        return sa.case((days < 1, 1), else_=days)
    return value


def _claimed_count(steps: Sequence[DeadlineStep], sweep_id: str) -> Any:
    """How many of ``steps`` (of one watch) this sweep claimed for the ticket in hand."""
    applied = aliased(AppliedDeadlineStep)  # not the claim the enclosing statement joins
    if not steps:
        return sa.literal(0)
    return (
        sa.select(sa.func.count())
        .where(
            applied.hazard_id == Hazard.id,
            applied.sweep_id == sweep_id,
            applied.step.in_([step.key for step in steps]),
            applied.due_at == getattr(Hazard, steps[0].watch.column),
        )
        .scalar_subquery()
    )


def _escalate(steps: Sequence[DeadlineStep], actor: Actor, now: datetime, sweep_id: str) -> int:
    """Apply the escalation ``steps`` of one watch, in order: per step one UPDATE of the
    tickets and one INSERT … SELECT of their events.

    A ticket that reaches several levels in one sweep (catching up) is updated once, by the
    step of its highest level, which bumps its version by the number of levels reached; each
    level's event then takes the version it stands for (seq = version, one event per version).
    """
    current = session()
    for index, step in enumerate(steps):
        later = steps[index + 1 :]
        changes = {
            name: _sql_change(step, name, value, now) for name, value in step.changes.items()
        }
        bump = _claimed_count(steps[: index + 1], sweep_id)
        # UPDATE … FROM applied_deadline_step: driven by this sweep's claims, not the tickets.
        current.execute(
            sa.update(Hazard)
            .where(_claimed(step, sweep_id), _claimed_count(later, sweep_id) == 0)
            .values(**changes, version=Hazard.version + bump, last_event_at=now)
            .execution_options(synchronize_session=False)
        )
    written = 0
    heads: dict[int, str] = {}
    for index, step in enumerate(steps):
        assert step.action is not None
        seq = Hazard.version - _claimed_count(steps[index + 1 :], sweep_id)
        claimed = sa.select(Hazard.id, seq.label("seq"), Hazard.state, Hazard.chain_head).where(
            _claimed(step, sweep_id)
        )
        events = [
            _chained_event(row, step.action.value, actor, now, step.event_data, heads)
            for row in current.execute(claimed.order_by(Hazard.id))
        ]
        if events:
            # Hashed here, written in one executemany: the chain needs each ticket's head.
            current.execute(sa.insert(HazardEvent), events)
        written += len(events)
    advance_heads(heads)
    # The ORM may hold tickets in the identity map; their version is stale now.
    current.expire_all()
    return written


def _chained_event(
    row: Any,
    action: str,
    actor: Actor,
    now: datetime,
    data: dict[str, Any],
    heads: dict[int, str],
) -> dict[str, Any]:
    """One escalation event of ticket ``row`` as insert values, chained to the ticket's head
    (its stored head, or the event this sweep wrote for it just before)."""
    values: dict[str, Any] = {
        "hazard_id": row.id,
        "seq": row.seq,
        "action": action,
        "from_state": row.state,
        "to_state": row.state,
        "actor_id": actor.user_id,
        "actor_name": actor.name,
        "actor_roles": ",".join(sorted(actor.roles)),
        "occurred_at": now,
        "comment": None,
        "data": as_stored(data),
        "version": row.seq,
    }
    values["prev_hash"] = heads.get(row.id) or row.chain_head or GENESIS
    values["hash"] = event_hash(values["prev_hash"], event_content(SimpleNamespace(**values)))
    heads[row.id] = values["hash"]
    return values


# --------------------------------------------------------------------------- notifications


def _audience_rows(audience: Audience) -> list[tuple[sa.ColumnElement[bool], str]]:
    """Who ``audience`` is for a claimed ticket: (user_scope join condition, role name)."""
    if audience is Audience.ENTERPRISE:
        return [
            (UserScope.enterprise_id == Hazard.enterprise_id, roles.ENTERPRISE_OFFICER),
            # A hazard in a public place has no enterprise: its township answers for it.
            (
                sa.and_(Hazard.enterprise_id.is_(None), UserScope.region_id == Hazard.township_id),
                roles.TOWNSHIP_INSPECTOR,
            ),
        ]
    if audience is Audience.TOWNSHIP:
        return [(UserScope.region_id == Hazard.township_id, roles.TOWNSHIP_INSPECTOR)]
    return [(UserScope.region_id == Hazard.district_id, roles.DISTRICT_SUPERVISOR)]


def notify(
    step: DeadlineStep, now: datetime, sweep_id: str, later: Sequence[DeadlineStep] = ()
) -> int:
    """Put a notification in the inbox of everyone ``step`` tells, for each ticket this sweep
    claimed it for; a notification that exists already is not written again.

    A ticket this sweep also took to a ``later`` step (catching up on several levels) is told
    once, by its highest level, whose audience includes the lower levels' audiences.
    """
    applied = AppliedDeadlineStep
    count = 0
    for audience in step.audiences:
        for in_scope, role_name in _audience_rows(audience):
            rows = (
                sa.select(
                    UserScope.user_id,
                    applied.hazard_id,
                    applied.step,
                    applied.due_at,
                    sa.literal(now, type_=Notification.created_at.type),
                    sa.literal(sweep_id),
                )
                .select_from(applied)
                .join(Hazard, _claimed(step, sweep_id))
                .join(UserScope, in_scope)
                .join(User, sa.and_(User.id == UserScope.user_id, User.active.is_(True)))
                .join(assoc_user_role, assoc_user_role.c.user_id == User.id)
                .join(Role, sa.and_(Role.id == assoc_user_role.c.role_id, Role.name == role_name))
                .where(_claimed_count(later, sweep_id) == 0)
            )
            statement = (
                _insert_ignoring_duplicates(Notification)
                .from_select(
                    ["recipient_id", "hazard_id", "step", "due_at", "created_at", "sweep_id"],
                    rows,
                )
                .on_conflict_do_nothing()
            )
            count += _execute_counting(statement)
    return count


# --------------------------------------------------------------------------- one ticket


def apply_step_to_ticket(hazard_id: int, step: DeadlineStep) -> bool:
    """The per-ticket path of a deadline step (same rule, same event as the sweep).

    Returns whether the step was applied; a step not due, or applied already, changes nothing.
    """
    actor = system_actor()
    sweep_id = str(uuid.uuid4())
    with atomic() as current:
        hazard = current.get(Hazard, hazard_id)
        if hazard is None:
            return False
        facts = Facts(now=clock.now(), zone=clock.zone(), sla_for=terms_lookup(hazard.category_id))
        if not ticket_step_is_due(hazard, step, facts):
            return False
        try:
            with current.begin_nested():
                current.add(
                    AppliedDeadlineStep(
                        hazard_id=hazard.id,
                        step=step.key,
                        due_at=getattr(hazard, step.watch.column),
                        applied_at=facts.now,
                        sweep_id=sweep_id,
                    )
                )
        except IntegrityError:
            return False
        decision = decide_deadline_step(actor, hazard, step, facts)
        if decision is not None:
            apply_decision(actor, hazard, decision)
        current.flush()
        notify(step, facts.now, sweep_id)
    return True
