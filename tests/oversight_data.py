"""A small district with tickets in every situation the dashboard and the ranking count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from app.domain.lifecycle import Action
from app.domain.vocabulary import Grade
from app.models import Hazard
from app.services import clock
from app.services.transaction import session
from tests.factories import (
    SHANGHAI,
    World,
    build_world,
    confirm,
    fire,
    local_now,
    report,
    to_pending_verification,
    to_rectifying,
)


def verify(world: World, hazard: Hazard, who: str = "inspector_a") -> Hazard:
    return fire(
        world,
        who,
        hazard,
        Action.VERIFY,
        review_opinion="整改到位",
        review_date=local_now().date().isoformat(),
        reviewer_name="检查员",
    )


def send_back(world: World, hazard: Hazard) -> Hazard:
    return fire(
        world,
        "inspector_a",
        hazard,
        Action.SEND_BACK,
        reason_code="incomplete_records",
        opinion="缺少照片",
    )


def extend(world: World, hazard: Hazard) -> Hazard:
    assert hazard.deadline is not None
    new_day = (hazard.deadline.astimezone(SHANGHAI) + timedelta(days=10)).date().isoformat()
    hazard = fire(
        world,
        "officer_e1",
        hazard,
        Action.REQUEST_EXTENSION,
        reason="设备未到",
        requested_deadline=new_day,
        interim_measures="专人看守",
    )
    return fire(world, "inspector_a", hazard, Action.DECIDE_EXTENSION, approve=True, comment="同意")


def set_columns(hazard: Hazard, **values: Any) -> None:
    """Put a ticket in a situation the sweep or a supervision notice would (for counting)."""
    session().execute(sa.update(Hazard).where(Hazard.id == hazard.id).values(**values))
    session().commit()
    session().expire_all()


@dataclass
class Tickets:
    world: World
    ids: dict[str, int]


def build_tickets(world: World | None = None) -> Tickets:
    """Nine tickets: eight reported now in townships A and B, one reported 400 days ago."""
    world = world or build_world()
    ids: dict[str, int] = {}
    ids["reported"] = report(world, title="新报隐患").id
    rejected = report(world, title="误报")
    ids["rejected"] = fire(world, "inspector_a", rejected, Action.REJECT, reason="不是隐患").id
    ids["closed_on_time"] = verify(world, to_pending_verification(world, report(world))).id
    overdue = to_rectifying(world, report(world, title="逾期隐患"))
    set_columns(overdue, overdue=True, overdue_days=3)
    ids["overdue"] = overdue.id
    reworked = send_back(world, to_pending_verification(world, report(world, title="退回隐患")))
    ids["sent_back_extended"] = extend(world, reworked).id
    major = confirm(world, report(world, title="重大隐患"), Grade.MAJOR)
    today = local_now().date()
    set_columns(
        major,
        supervision_level="county",
        supervision_deadline=today + timedelta(days=20),
        overdue=True,
    )
    ids["major_supervised"] = major.id
    late = to_pending_verification(world, report(world, title="超期整改"))
    set_columns(late, original_deadline=clock.now() - timedelta(days=2))
    ids["closed_late"] = verify(world, session().get(Hazard, late.id)).id
    ids["township_b"] = report(world, who="grid_b", enterprise=world.b1, title="乙厂隐患").id
    with clock.travel_to(datetime.now(SHANGHAI) - timedelta(days=400)):
        ids["old"] = report(world, title="旧隐患").id
    return Tickets(world, ids)
