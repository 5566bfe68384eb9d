"""The township risk-control index: every component and the index equal figures worked out by
hand for a small month built here, ties and empty townships ranked as the README says, and a
published month never silently rewritten."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from app.domain.errors import ConflictError, InvalidError
from app.domain.lifecycle import Action
from app.domain.oversight import month_key
from app.domain.risk_index import Component, rank
from app.domain.vocabulary import AttachmentKind
from app.models import Hazard
from app.services import clock
from app.services.risk_index import (
    add_weight_set,
    compute_month,
    ensure_default_weights,
    publish_previous_month,
    ranking_for,
)
from tests.factories import SHANGHAI, World, build_world, fire, jpeg, report

pytestmark = pytest.mark.usefixtures("ctx")


def month_ago(months: int) -> tuple[int, int]:
    today = datetime.now(SHANGHAI).date()
    year, month = today.year, today.month - months
    while month < 1:
        year, month = year - 1, month + 12
    return year, month


def fire_at(when: datetime, world: World, who: str, hazard: Hazard, action: Action, **data: object):
    with clock.travel_to(when):
        return fire(world, who, hazard, action, **data)


def close(world: World, hazard: Hazard, t0: datetime, submit_h: float, verify_h: float) -> Hazard:
    hazard = fire_at(
        t0 + timedelta(hours=submit_h - 1),
        world,
        "officer_e1",
        hazard,
        Action.PLAN,
        measures="清理",
        responsible_person="钱主任",
        deadline=hazard.deadline.astimezone(SHANGHAI).date().isoformat(),
    )
    hazard = fire_at(
        t0 + timedelta(hours=submit_h),
        world,
        "officer_e1",
        hazard,
        Action.SUBMIT,
        files=[jpeg(AttachmentKind.AFTER_PHOTO, "后.jpg")],
        completion_description="已整改",
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
    hazard = fire_at(
        t0 + timedelta(hours=20),
        world,
        "officer_e1",
        hazard,
        Action.PLAN,
        measures="清理",
        responsible_person="钱主任",
        deadline=hazard.deadline.astimezone(SHANGHAI).date().isoformat(),
    )
    hazard = fire_at(
        t0 + timedelta(days=1),
        world,
        "officer_e1",
        hazard,
        Action.SUBMIT,
        files=[jpeg(AttachmentKind.AFTER_PHOTO, "后.jpg")],
        completion_description="已整改",
    )
    hazard = fire_at(
        t0 + timedelta(days=2),
        world,
        "inspector_a",
        hazard,
        Action.SEND_BACK,
        reason_code="incomplete_records",
        opinion="缺照片",
    )
    hazard = fire_at(
        t0 + timedelta(days=3),
        world,
        "officer_e1",
        hazard,
        Action.SUBMIT,
        files=[jpeg(AttachmentKind.AFTER_PHOTO, "后2.jpg")],
        completion_description="补充照片",
    )
    return verify_at(world, hazard, t0 + timedelta(days=10))


def test_each_component_and_the_index_equal_the_figures_worked_out_by_hand() -> None:
    world, month, _t0 = build_month()
    run = compute_month(None, world.district.id, month)
    assert (run.version, run.weight_set.version) == (1, 1)
    a, b = run.scores
    assert (a.township_id, a.rank, b.township_id, b.rank) == (
        world.township_a.id,
        1,
        world.township_b.id,
        2,
    )
    values = {name: c["value"] for name, c in a.components.items()}
    scores = {name: c["score"] for name, c in a.components.items()}
    # closed 2, on time 1: 50 %. Mean close (2 d + 10 d) / 2 = 6 d (≤ 7 d: 100).
    # Confirmed (6 h + 18 h) / 2 = 12 h (≤ 24 h: 100). Self-found 1 of 4 reported: 25 %.
    # Decisions 3 (verify, send back, verify), one send-back: 33.33 %, score 66.67.
    assert values == {
        "on_time": 50.0,
        "overdue_major": 0.0,
        "close_time": 6.0,
        "confirm_time": 12.0,
        "self_found": 25.0,
        "send_back": 33.33,
    }
    assert scores == {
        "on_time": 50.0,
        "overdue_major": 100.0,
        "close_time": 100.0,
        "confirm_time": 100.0,
        "self_found": 25.0,
        "send_back": 66.67,
    }
    # Weights 30/20/15/10/15/10: (1500 + 2000 + 1500 + 1000 + 375 + 666.7) / 100.
    assert a.score == 70.42
    # Township B has no hazards: every component "/", no index, ranked after every scored one.
    assert b.score is None and all(c["score"] is None for c in b.components.values())


def test_ties_share_a_rank_and_townships_without_a_score_come_last() -> None:
    ranks = rank([(1, "a", 80.0), (2, "b", 90.0), (3, "c", 80.0), (4, "d", None), (5, "e", None)])
    assert ranks == {2: 1, 1: 2, 3: 2, 4: 4, 5: 4}


def test_a_published_month_is_corrected_only_as_a_new_version_with_a_reason() -> None:
    world, month, _t0 = build_month()
    first = compute_month(None, world.district.id, month)
    with pytest.raises(ConflictError):
        compute_month(None, world.district.id, month)
    again = compute_month(None, world.district.id, month, reason="核对数据")
    assert (again.version, again.reason) == (2, "核对数据")
    assert [(s.township_id, s.score, s.rank, s.components) for s in again.scores] == [
        (s.township_id, s.score, s.rank, s.components) for s in first.scores
    ]
    assert ranking_for(world["district"], month).version == 2
    assert ranking_for(world["district"], month, version=1).id == first.id


def test_a_month_uses_the_weight_set_in_force_for_it_and_shows_the_change() -> None:
    world, month, _t0 = build_month()
    year, number = (int(p) for p in month.split("-"))
    following = date(year + number // 12, number % 12 + 1, 1)
    add_weight_set(
        None, following, {c: (1.0 if c is Component.ON_TIME else 0.0) for c in Component}
    )
    run = compute_month(None, world.district.id, month)
    assert (run.weight_set.version, run.scores[0].score) == (1, 70.42)
    later = compute_month(None, world.district.id, month_key(following.year, following.month))
    # Nothing closed in the next month: the only weighted component is "/", so no index.
    assert later.weight_set.version == 2 and later.scores[0].score is None
    assert later.scores[0].change is None


def test_only_a_finished_month_can_be_computed_and_the_monthly_job_skips_published_ones() -> None:
    ensure_default_weights()
    world = build_world()
    today = datetime.now(SHANGHAI).date()
    with pytest.raises(InvalidError):
        compute_month(None, world.district.id, month_key(today.year, today.month))
    published = publish_previous_month()
    assert len(published) == 1
    assert publish_previous_month() == []
