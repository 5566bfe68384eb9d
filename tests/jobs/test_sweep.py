"""The deadline sweep: reminders, overdue marks, escalations and inbox messages, each once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import User

from app.domain.lifecycle import Action, deadline_step
from app.domain.vocabulary import AttachmentKind, Grade, State
from app.extensions import db
from app.models import AppliedDeadlineStep, Hazard, HazardEvent, Notification
from app.services.deadlines import apply_step_to_ticket, sweep_deadlines
from app.services.proof import verify
from tests.factories import SHANGHAI, World, confirm, fire, jpeg, report, to_rectifying
from tests.jobs.conftest import Clock

INSPECTORS_A = ("inspector_a", "inspector_a2")


def local(text: str) -> datetime:
    """A Shanghai wall-clock time, e.g. ``local("2026-11-10 23:00")``."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def events(hazard_id: int) -> list[tuple[int, str, dict[str, Any]]]:
    rows = db.session.scalars(
        sa.select(HazardEvent).where(HazardEvent.hazard_id == hazard_id).order_by(HazardEvent.seq)
    )
    return [(e.seq, e.action, e.data) for e in rows]


def deadline_events(hazard_id: int) -> list[str]:
    """The steps written on a ticket's timeline by the sweep, in order."""
    return [data["step"] for _seq, action, data in events(hazard_id) if "step" in data]


def inbox(username: str) -> list[str]:
    """The steps a user was told about (oldest first)."""
    rows = db.session.scalars(
        sa.select(Notification.step)
        .join(User, User.id == Notification.recipient_id)
        .where(User.username == username)
        .order_by(Notification.id)
    )
    return list(rows)


def ticket(hazard_id: int) -> Hazard:
    db.session.expire_all()
    hazard = db.session.get(Hazard, hazard_id)
    assert hazard is not None
    return hazard


def tracking(hazard_id: int) -> tuple[bool, int, int]:
    h = ticket(hazard_id)
    return h.overdue, h.overdue_days, h.escalation_level


def sweep_twice() -> tuple[int, int]:
    """Run the sweep twice; the second run must find nothing left to do."""
    first = sweep_deadlines()
    second = sweep_deadlines()
    assert (second.steps_applied, second.events_written, second.notifications) == (0, 0, 0)
    return first.events_written, first.notifications


def assert_versions_match_events(hazard_id: int) -> None:
    seqs = [seq for seq, _action, _data in events(hazard_id)]
    assert seqs == list(range(1, len(seqs) + 1))
    assert ticket(hazard_id).version == seqs[-1]
    # The sweep's events are chained like any other (issue 13).
    checked = verify()
    assert checked.intact, [finding.render() for finding in checked.findings]


def test_a_general_hazard_walks_past_each_deadline(world: World, frozen: Clock) -> None:
    hazard = report(world)  # Tue 09:00: confirmation due Wed 09:00
    assert sweep_twice() == (0, 2)
    assert inbox("inspector_a") == inbox("inspector_a2") == ["confirm:reminder2"]
    assert inbox("officer_e1") == []

    frozen.move_to(local("2026-11-03 11:00"))
    hazard = to_rectifying(world, ticket(hazard.id))  # deadline: Tue 11-10, end of day
    assert ticket(hazard.id).deadline == local("2026-11-10 23:59:59")

    frozen.move_to(local("2026-11-08 08:00"))  # 2.7 days before: the 72-hour reminder
    assert sweep_twice() == (0, 1)
    frozen.move_to(local("2026-11-10 09:00"))  # the 24-hour reminder
    assert sweep_twice() == (0, 1)
    assert inbox("officer_e1") == ["rectify:reminder1", "rectify:reminder2"]
    assert tracking(hazard.id) == (False, 0, 0)

    frozen.move_to(local("2026-11-11 08:00"))  # overdue: level 1, the enterprise is told
    assert sweep_twice() == (1, 1)
    assert tracking(hazard.id) == (True, 1, 1)
    frozen.move_to(local("2026-11-12 08:00"))  # +24 h: level 2, the township too
    assert sweep_twice() == (1, 3)
    assert tracking(hazard.id) == (True, 2, 2)
    frozen.move_to(local("2026-11-14 08:00"))  # +72 h: level 3, the district too
    assert sweep_twice() == (1, 4)
    assert tracking(hazard.id) == (True, 4, 3)

    assert deadline_events(hazard.id) == [
        "rectify:escalation1",
        "rectify:escalation2",
        "rectify:escalation3",
    ]
    assert [a for _s, a, _d in events(hazard.id)][-3:] == ["overdue", "escalate", "escalate"]
    assert inbox("officer_e1")[2:] == [
        "rectify:escalation1",
        "rectify:escalation2",
        "rectify:escalation3",
    ]
    for name in INSPECTORS_A:
        assert inbox(name)[1:] == ["rectify:escalation2", "rectify:escalation3"]
    assert inbox("district") == ["rectify:escalation3"]
    assert inbox("inspector_b") == inbox("officer_e2") == inbox("auditor") == []
    assert_versions_match_events(hazard.id)

    last = db.session.scalars(
        sa.select(HazardEvent)
        .where(HazardEvent.hazard_id == hazard.id)
        .order_by(HazardEvent.seq.desc())
    ).first()
    assert last is not None
    assert (last.actor_name, last.actor_roles, last.from_state, last.to_state) == (
        "系统",
        "System",
        "rectifying",
        "rectifying",
    )


def test_a_major_hazard_walks_past_its_confirmation_and_control_deadlines(
    world: World, frozen: Clock
) -> None:
    hazard = report(world, grade=Grade.MAJOR.value)  # confirmation due within 4 hours
    assert sweep_twice() == (0, 2)
    frozen.move_to(local("2026-11-03 13:30"))
    assert sweep_twice() == (1, 2)
    assert tracking(hazard.id) == (True, 1, 1)

    hazard = confirm(world, ticket(hazard.id), grade=Grade.MAJOR)  # control due in 24 h
    assert tracking(hazard.id) == (False, 0, 1)  # confirmed late: no longer overdue
    assert sweep_twice() == (0, 1)
    assert inbox("officer_e1") == ["control:reminder4"]
    frozen.move_to(local("2026-11-04 14:00"))
    assert sweep_twice() == (1, 1)
    assert tracking(hazard.id) == (True, 1, 1)
    frozen.move_to(local("2026-11-05 14:00"))
    assert sweep_twice() == (1, 3)
    assert tracking(hazard.id) == (True, 1, 2)
    assert deadline_events(hazard.id) == [
        "confirm:escalation1",
        "control:escalation1",
        "control:escalation2",
    ]
    fire(
        world,
        "officer_e1",
        ticket(hazard.id),
        Action.CONTROL,
        measures=[{"kind": "suspension", "description": "停用除尘系统"}],
    )
    assert tracking(hazard.id) == (False, 0, 2)
    frozen.move_to(local("2026-11-09 14:00"))
    assert sweep_twice() == (0, 0)  # controlled, no rectification deadline yet: nothing due
    assert_versions_match_events(hazard.id)


def test_a_sweep_that_missed_runs_reaches_every_level_in_order_once(
    world: World, frozen: Clock
) -> None:
    hazard = to_rectifying(world, report(world))
    frozen.move_to(local("2026-11-20 10:00"))  # ten days late, no sweep ran meanwhile
    events_written, _notified = sweep_twice()
    assert events_written == 3
    assert deadline_events(hazard.id) == [
        "rectify:escalation1",
        "rectify:escalation2",
        "rectify:escalation3",
    ]
    assert tracking(hazard.id) == (True, 10, 3)
    # The reminders' time has passed: nobody is told "due tomorrow" ten days late; and each
    # person hears of the ticket once, at the highest level it reached.
    assert (
        inbox("officer_e1") == inbox("inspector_a") == inbox("district") == ["rectify:escalation3"]
    )
    assert_versions_match_events(hazard.id)


def test_an_approved_extension_moves_the_deadline_the_sweep_watches(
    world: World, frozen: Clock
) -> None:
    hazard = to_rectifying(world, report(world))
    frozen.move_to(local("2026-11-11 08:00"))
    assert sweep_twice()[0] == 1
    hazard = fire(
        world,
        "officer_e1",
        ticket(hazard.id),
        Action.REQUEST_EXTENSION,
        reason="设备到货延迟",
        requested_deadline="2026-11-20",
        interim_measures="临时警戒",
    )
    hazard = fire(
        world, "inspector_a", hazard, Action.DECIDE_EXTENSION, approve=True, comment="同意"
    )
    assert tracking(hazard.id) == (False, 0, 1)
    frozen.move_to(local("2026-11-14 08:00"))  # the old deadline's +72 h: no longer counts
    assert sweep_twice() == (0, 0)
    frozen.move_to(local("2026-11-21 08:00"))  # the new deadline passed
    assert sweep_twice()[0] == 1
    assert tracking(hazard.id) == (True, 1, 1)
    assert ticket(hazard.id).original_deadline == local("2026-11-10 23:59:59")


def test_closed_rejected_and_deleted_tickets_are_never_touched(world: World, frozen: Clock) -> None:
    rejected = report(world)
    rejected = fire(world, "inspector_a", rejected, Action.REJECT, reason="不属于隐患")
    closed = to_rectifying(world, report(world))
    closed = fire(
        world,
        "officer_e1",
        closed,
        Action.SUBMIT,
        files=[jpeg(AttachmentKind.AFTER_PHOTO)],
        completion_description="通道已清理",
    )
    closed = fire(
        world,
        "inspector_a",
        closed,
        Action.VERIFY,
        review_opinion="合格",
        review_date="2026-11-03",
        reviewer_name="检查员",
    )
    deleted = report(world)
    deleted = fire(world, "inspector_a", deleted, Action.DELETE, reason="重复录入")
    versions = {h.id: h.version for h in (rejected, closed, deleted)}
    frozen.move_to(local("2026-12-31 08:00"))
    sweep_deadlines()
    for hazard_id, version in versions.items():
        assert ticket(hazard_id).version == version
        assert deadline_events(hazard_id) == []
    assert ticket(closed.id).state == State.CLOSED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0


def test_the_per_ticket_path_writes_the_same_changes_and_event_as_the_sweep(
    world: World, frozen: Clock
) -> None:
    by_sweep = to_rectifying(world, report(world))
    by_hand = to_rectifying(world, report(world))
    frozen.move_to(local("2026-11-12 08:00"))
    step = deadline_step("rectify:escalation1")
    assert step is not None
    assert apply_step_to_ticket(by_hand.id, step) is True
    assert apply_step_to_ticket(by_hand.id, step) is False  # once per deadline
    result = sweep_deadlines()
    # The sweep finds level 1 done for by_hand and applies only level 2 there.
    assert deadline_events(by_hand.id) == ["rectify:escalation1", "rectify:escalation2"]
    assert deadline_events(by_sweep.id) == ["rectify:escalation1", "rectify:escalation2"]
    assert result.events_written == 3

    def shape(hazard_id: int) -> list[tuple[Any, ...]]:
        rows = db.session.scalars(
            sa.select(HazardEvent)
            .where(HazardEvent.hazard_id == hazard_id, HazardEvent.action != "report")
            .order_by(HazardEvent.seq)
        )
        return [
            (
                e.seq,
                e.action,
                e.from_state,
                e.to_state,
                e.actor_id,
                e.actor_name,
                e.actor_roles,
                e.comment,
                e.data,
                e.version,
                e.occurred_at,
            )
            for e in rows
            if "step" in e.data
        ]

    assert shape(by_hand.id) == shape(by_sweep.id)
    assert tracking(by_hand.id) == tracking(by_sweep.id) == (True, 2, 2)
    assert sorted(inbox("officer_e1")) == [
        "rectify:escalation1",  # by_hand, on the per-ticket path
        "rectify:escalation2",  # by_hand, by the sweep
        "rectify:escalation2",  # by_sweep: both levels in one sweep, told once
    ]
    claimed = db.session.scalar(sa.select(sa.func.count()).select_from(AppliedDeadlineStep))
    assert claimed == 4
