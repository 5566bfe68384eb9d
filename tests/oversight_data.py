"""A small district with tickets in every situation the dashboard and the ranking count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from app.domain.lifecycle import Action
from app.domain.oversight import month_key
from app.domain.vocabulary import AttachmentKind, Grade
from app.models import Enterprise, Hazard, Region
from app.services import clock
from app.services.risk_index import ensure_default_weights
from app.services.transaction import session
from tests.factories import (
    SHANGHAI,
    World,
    build_world,
    confirm,
    fire,
    jpeg,
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


# ---------------------------------------------------------------- one month of township A


def month_ago(months: int) -> tuple[int, int]:
    today = datetime.now(SHANGHAI).date()
    year, month = today.year, today.month - months
    while month < 1:
        year, month = year - 1, month + 12
    return year, month


def fire_at(when: datetime, world: World, who: str, hazard: Hazard, action: Action, **data: object):
    with clock.travel_to(when):
        return fire(world, who, hazard, action, **data)


def plan_and_submit(world: World, hazard: Hazard, plan_at: datetime, submit_at: datetime) -> Hazard:
    assert hazard.deadline is not None
    hazard = fire_at(
        plan_at,
        world,
        "officer_e1",
        hazard,
        Action.PLAN,
        measures="清理",
        responsible_person="钱主任",
        deadline=hazard.deadline.astimezone(SHANGHAI).date().isoformat(),
    )
    return submit_at_time(world, hazard, submit_at)


def submit_at_time(world: World, hazard: Hazard, when: datetime) -> Hazard:
    return fire_at(
        when,
        world,
        "officer_e1",
        hazard,
        Action.SUBMIT,
        files=[jpeg(AttachmentKind.AFTER_PHOTO, "后.jpg")],
        completion_description="已整改",
    )


def close(world: World, hazard: Hazard, t0: datetime, submit_h: float, verify_h: float) -> Hazard:
    hazard = plan_and_submit(
        world, hazard, t0 + timedelta(hours=submit_h - 1), t0 + timedelta(hours=submit_h)
    )
    return verify_at(world, hazard, t0 + timedelta(hours=verify_h))


def verify_at(world: World, hazard: Hazard, when: datetime) -> Hazard:
    return fire_at(
        when,
        world,
        "inspector_a",
        hazard,
        Action.VERIFY,
        review_opinion="到位",
        review_date=when.astimezone(SHANGHAI).date().isoformat(),
        reviewer_name="检查员",
    )


def confirm_at(world: World, hazard: Hazard, when: datetime) -> Hazard:
    return fire_at(
        when,
        world,
        "inspector_a",
        hazard,
        Action.CONFIRM,
        grade="general",
        category_id=world.category_id,
        responsible_unit="甲机械厂",
        responsible_person="赵总",
    )


def build_month() -> tuple[World, str, datetime]:
    """Township A's month: four reports (one by the enterprise), one rejected, one closed on
    time after 2 days, one sent back once and closed 10 days after report (late)."""
    ensure_default_weights()
    world = build_world()
    year, month = month_ago(2)
    t0 = datetime(year, month, 5, 10, 0, tzinfo=SHANGHAI)
    with clock.travel_to(t0):
        h1 = report(world, title="一号")
        h2 = report(world, who="officer_e1", title="二号")
    with clock.travel_to(t0 + timedelta(days=1)):
        h3 = report(world, title="三号")
        h4 = report(world, title="四号")
    fire_at(t0 + timedelta(days=1, hours=1), world, "inspector_a", h3, Action.REJECT, reason="误报")
    h1 = confirm_at(world, h1, t0 + timedelta(hours=6))
    close(world, h1, t0, submit_h=40, verify_h=48)
    h2 = confirm_at(world, h2, t0 + timedelta(hours=18))
    h2 = close_with_send_back(world, h2, t0)
    assert h4.state == "reported"
    return world, month_key(year, month), t0


def close_with_send_back(world: World, hazard: Hazard, t0: datetime) -> Hazard:
    hazard = plan_and_submit(world, hazard, t0 + timedelta(hours=20), t0 + timedelta(days=1))
    hazard = fire_at(
        t0 + timedelta(days=2),
        world,
        "inspector_a",
        hazard,
        Action.SEND_BACK,
        reason_code="incomplete_records",
        opinion="缺照片",
    )
    hazard = submit_at_time(world, hazard, t0 + timedelta(days=3))
    return verify_at(world, hazard, t0 + timedelta(days=10))


# ---------------------------------------------------------------- places for the map

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[120.0, 30.0], [120.2, 30.0], [120.2, 30.3], [120.0, 30.3], [120.0, 30.0]]],
}


def place(world: World, title: str = "新报隐患") -> int:
    """E1 at (120.10, 30.23), B1 at (120.30, 30.40), township A outlined; the ticket called
    ``title`` gets its own coordinates (120.12, 30.25)."""
    db = session()
    db.execute(
        sa.update(Enterprise)
        .where(Enterprise.id == world.e1.id)
        .values(longitude=120.1, latitude=30.23)
    )
    db.execute(
        sa.update(Enterprise)
        .where(Enterprise.id == world.b1.id)
        .values(longitude=120.3, latitude=30.4)
    )
    db.execute(sa.update(Region).where(Region.id == world.township_a.id).values(boundary=SQUARE))
    own = db.scalars(sa.select(Hazard).where(Hazard.title == title)).one()
    db.execute(
        sa.update(Hazard).where(Hazard.id == own.id).values(longitude=120.12, latitude=30.25)
    )
    db.commit()
    return own.id
