"""The deadline sweep: reminders, overdue marks, escalations and inbox messages, each once."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import Hazard, HazardEvent, Notification
from app.services.deadlines import sweep_deadlines
from tests.factories import World, report
from tests.jobs.conftest import Clock


def events(hazard_id: int) -> list[tuple[int, str, dict]]:
    rows = db.session.scalars(
        sa.select(HazardEvent).where(HazardEvent.hazard_id == hazard_id).order_by(HazardEvent.seq)
    )
    return [(e.seq, e.action, e.data) for e in rows]


def inbox(username: str) -> list[tuple[str, str]]:
    from flask_appbuilder.security.sqla.models import User

    rows = db.session.execute(
        sa.select(Hazard.code, Notification.step)
        .join(Hazard, Hazard.id == Notification.hazard_id)
        .join(User, User.id == Notification.recipient_id)
        .where(User.username == username)
        .order_by(Notification.id)
    )
    return [tuple(r) for r in rows]


def ticket(hazard_id: int) -> Hazard:
    db.session.expire_all()
    return db.session.get(Hazard, hazard_id)


def test_a_general_hazard_walks_past_its_deadlines(world: World, frozen: Clock) -> None:
    hazard = report(world)
    first = sweep_deadlines()
    assert first.events_written == 0
    assert inbox("inspector_a") == [(hazard.code, "confirm:reminder2")]
    assert sweep_deadlines().steps_applied == 0

    frozen.move_to(frozen.now + timedelta(hours=25))
    result = sweep_deadlines()
    assert result.events_written == 1
    h = ticket(hazard.id)
    assert (h.overdue, h.overdue_days, h.escalation_level, h.version) == (True, 1, 1, 2)
    assert events(hazard.id)[-1][:2] == (2, "overdue")
