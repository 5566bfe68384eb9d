"""A ticket's whole life through the lifecycle service, as the users of a township live it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from app.domain.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError
from app.domain.lifecycle import Action
from app.domain.vocabulary import AttachmentKind, Grade, State
from app.models import (
    Attachment,
    ControlMeasure,
    ExtensionRequest,
    Hazard,
    HazardEvent,
    RectificationPlan,
)
from app.services.lifecycle import report_hazard
from app.services.scoping import hazards_for
from app.services.transaction import session
from tests.factories import (
    SHANGHAI,
    build_world,
    confirm,
    fire,
    jpeg,
    local_now,
    report,
    to_pending_verification,
    to_rectifying,
)

pytestmark = pytest.mark.usefixtures("ctx")


def events_of(hazard: Hazard) -> list[HazardEvent]:
    return list(
        session().scalars(
            sa.select(HazardEvent)
            .where(HazardEvent.hazard_id == hazard.id)
            .order_by(HazardEvent.seq)
        )
    )


def test_a_general_hazard_goes_round_the_whole_loop() -> None:
    world = build_world()
    hazard = report(world)
    assert hazard.state == State.REPORTED
    assert hazard.code == f"YH-339901001-{local_now().year}-00001"
    assert hazard.source == "grid_patrol"
    hazard = confirm(world, hazard)
    hazard = fire(
        world,
        "officer_e1",
        hazard,
        Action.CONTROL,
        measures=[{"kind": "cordon", "description": "拉设警戒线"}],
    )
    assert hazard.state == State.CONTROLLED
    hazard = fire(
        world,
        "officer_e1",
        hazard,
        Action.PLAN,
        measures="清理通道",
        responsible_person="钱主任",
        deadline=(local_now().date() + timedelta(days=5)).isoformat(),
    )
    hazard = fire(
        world,
        "officer_e1",
        hazard,
        Action.SUBMIT,
        completion_description="已清理",
        files=[jpeg(AttachmentKind.AFTER_PHOTO, "整改后.jpg")],
    )
    hazard = fire(
        world,
        "inspector_a",
        hazard,
        Action.SEND_BACK,
        reason_code="incomplete_records",
        opinion="缺少照片",
    )
    assert hazard.state == State.RECTIFYING
    assert hazard.rework_count == 1
    hazard = fire(
        world,
        "officer_e1",
        hazard,
        Action.SUBMIT,
        completion_description="补充照片",
        files=[jpeg(AttachmentKind.AFTER_PHOTO, "补充.jpg")],
    )
    hazard = fire(
        world,
        "inspector_a",
        hazard,
        Action.VERIFY,
        review_opinion="整改到位",
        review_date=local_now().date().isoformat(),
        reviewer_name="检查员甲",
    )
    assert hazard.state == State.CLOSED
    assert hazard.closed_at is not None
    events = events_of(hazard)
    assert [e.action for e in events] == [
        "report",
        "confirm",
        "control",
        "plan",
        "submit",
        "send_back",
        "submit",
        "verify",
    ]
    assert [e.seq for e in events] == list(range(1, 9))
    assert hazard.version == 8
    assert events[-1].from_state == "pending_verification" and events[-1].to_state == "closed"
    assert events[1].actor_name == "测inspector_a"
    assert session().scalar(sa.select(sa.func.count()).select_from(ControlMeasure)) == 1
    assert session().scalar(sa.select(sa.func.count()).select_from(RectificationPlan)) == 1


def test_a_stale_version_is_refused_and_changes_nothing() -> None:
    world = build_world()
    hazard = report(world)
    seen = hazard.version
    confirm(world, hazard)
    with pytest.raises(ConflictError) as refused:
        from app.services.lifecycle import fire_transition

        fire_transition(world["inspector_a2"], hazard.id, Action.REJECT, {"reason": "重复"}, seen)
    assert refused.value.current_state == "confirmed"
    session().expire_all()
    reloaded = session().get(Hazard, hazard.id)
    assert reloaded.state == "confirmed"
    assert len(events_of(reloaded)) == 2


def test_out_of_scope_tickets_do_not_exist() -> None:
    world = build_world()
    hazard = report(world)
    for who in ("inspector_b", "officer_e2", "grid_b", "officer_b1"):
        with pytest.raises(NotFoundError):
            fire(world, who, hazard, Action.CONFIRM, grade="general")
        assert (
            session().scalars(hazards_for(world[who]).where(Hazard.id == hazard.id)).first() is None
        )
    with pytest.raises(ForbiddenError):
        fire(world, "auditor", hazard, Action.REJECT, reason="x")
    assert (
        session().scalars(hazards_for(world["auditor"]).where(Hazard.id == hazard.id)).first()
        is not None
    )


def test_the_submitter_cannot_verify_even_as_an_inspector() -> None:
    world = build_world()
    hazard = report_hazard(
        world["inspector_a"],
        {
            "title": "井盖缺失",
            "description": "路口井盖缺失",
            "region_id": world.grid_a.id,
            "address": "甲村路口",
        },
    )
    hazard = confirm(world, hazard, responsible_unit="甲村委会")
    hazard = fire(
        world,
        "inspector_a",
        hazard,
        Action.PLAN,
        measures="补装井盖",
        responsible_person="村主任",
        deadline=(local_now().date() + timedelta(days=3)).isoformat(),
    )
    hazard = fire(
        world,
        "inspector_a",
        hazard,
        Action.SUBMIT,
        completion_description="已补装",
        files=[jpeg(AttachmentKind.AFTER_PHOTO)],
    )
    with pytest.raises(ForbiddenError):
        fire(
            world,
            "inspector_a",
            hazard,
            Action.VERIFY,
            review_opinion="好",
            review_date=local_now().date().isoformat(),
            reviewer_name="甲",
        )
    hazard = fire(
        world,
        "inspector_a2",
        hazard,
        Action.VERIFY,
        review_opinion="好",
        review_date=local_now().date().isoformat(),
        reviewer_name="乙",
    )
    assert hazard.state == State.CLOSED


def test_an_extension_is_requested_by_the_enterprise_and_decided_by_the_township() -> None:
    world = build_world()
    hazard = to_rectifying(world, report(world))
    original = hazard.original_deadline
    new_day = (hazard.deadline.astimezone(SHANGHAI).date() + timedelta(days=10)).isoformat()
    hazard = fire(
        world,
        "officer_e1",
        hazard,
        Action.REQUEST_EXTENSION,
        reason="设备未到",
        requested_deadline=new_day,
        interim_measures="专人看守",
    )
    with pytest.raises(ForbiddenError):
        fire(world, "officer_e1", hazard, Action.DECIDE_EXTENSION, approve=True, comment="自批")
    hazard = fire(
        world, "inspector_a", hazard, Action.DECIDE_EXTENSION, approve=True, comment="同意"
    )
    assert hazard.deadline.astimezone(SHANGHAI).date().isoformat() == new_day
    assert hazard.original_deadline == original
    assert hazard.extension_count == 1
    request = session().scalars(sa.select(ExtensionRequest)).one()
    assert (request.status, request.decided_by_id) == ("approved", world["inspector_a"].user_id)
    assert request.previous_deadline == original
    # The general policy allows one extension.
    later = (hazard.deadline.astimezone(SHANGHAI).date() + timedelta(days=5)).isoformat()
    with pytest.raises(ConflictError):
        fire(
            world,
            "officer_e1",
            hazard,
            Action.REQUEST_EXTENSION,
            reason="再延",
            requested_deadline=later,
            interim_measures="看守",
        )


def test_a_major_hazard_is_controlled_planned_and_verified_by_the_district_when_supervised() -> (
    None
):
    world = build_world()
    hazard = confirm(world, report(world), grade=Grade.MAJOR)
    assert hazard.deadline is None and hazard.control_due_at is not None
    with pytest.raises(ConflictError):
        fire(
            world,
            "officer_e1",
            hazard,
            Action.PLAN,
            measures="x",
            responsible_person="y",
            deadline="2099-01-01",
        )
    hazard = fire(
        world,
        "officer_e1",
        hazard,
        Action.CONTROL,
        measures=[{"kind": "suspension", "description": "停用除尘系统"}],
    )
    today = local_now().date()
    hazard = fire(
        world,
        "district",
        hazard,
        Action.SUPERVISE,
        supervision_level="county",
        supervising_org="区安委办",
        supervision_doc_no="测安委〔2026〕3号",
        supervision_listed_on=today.isoformat(),
        supervision_deadline=(today + timedelta(days=60)).isoformat(),
    )
    hazard = fire(
        world,
        "officer_e1",
        hazard,
        Action.PLAN,
        target_task="消除隐患",
        measures="改造",
        funds_materials="自筹",
        funds_amount="25.5",
        responsible_org="安全领导小组",
        responsible_person="赵总",
        responsible_leader="赵总",
        time_limit_requirements="45天",
        deadline=(today + timedelta(days=45)).isoformat(),
        safety_emergency_plan="专项预案",
        funds_done_on=today.isoformat(),
    )
    plan = session().scalars(sa.select(RectificationPlan)).one()
    assert str(plan.funds_amount) == "25.50" and plan.funds_done_on == today
    assert hazard.original_deadline == hazard.deadline
    hazard = fire(
        world,
        "officer_e1",
        hazard,
        Action.SUBMIT,
        completion_description="改造完成",
        files=[jpeg(AttachmentKind.AFTER_PHOTO)],
    )
    verify = {
        "review_opinion": "验收合格",
        "review_date": today.isoformat(),
        "reviewer_name": "区专家组",
        "evaluation_mode": "government",
    }
    with pytest.raises(ForbiddenError):
        fire(world, "inspector_a", hazard, Action.VERIFY, **verify)
    hazard = fire(world, "district", hazard, Action.VERIFY, **verify)
    assert hazard.state == State.CLOSED
    hazard = fire(world, "district", hazard, Action.REOPEN, reason="复查反弹")
    assert hazard.state == State.RECTIFYING and hazard.closed_at is None


def test_fixed_on_the_spot_goes_straight_to_verification() -> None:
    world = build_world()
    data = {
        "title": "灭火器过期",
        "description": "车间灭火器过期",
        "enterprise_id": world.e1.id,
        "category_id": world.category_id,
        "what_was_done": "当场更换灭火器",
    }
    with pytest.raises(InvalidError) as refused:
        report_hazard(
            world["grid_a"], data, [jpeg(AttachmentKind.BEFORE_PHOTO)], fixed_on_spot=True
        )
    assert "after_photo_ids" in refused.value.field_errors
    assert session().scalar(sa.select(sa.func.count()).select_from(Hazard)) == 0
    hazard = report_hazard(
        world["grid_a"],
        data,
        [jpeg(AttachmentKind.BEFORE_PHOTO), jpeg(AttachmentKind.AFTER_PHOTO)],
        fixed_on_spot=True,
    )
    assert hazard.state == State.PENDING_VERIFICATION and hazard.fixed_on_spot
    assert [e.action for e in events_of(hazard)] == ["report_fixed"]
    with pytest.raises(ForbiddenError):
        fire(
            world,
            "grid_a",
            hazard,
            Action.VERIFY,
            review_opinion="好",
            review_date=local_now().date().isoformat(),
            reviewer_name="x",
        )
    hazard = fire(
        world,
        "inspector_a",
        hazard,
        Action.VERIFY,
        review_opinion="好",
        review_date=local_now().date().isoformat(),
        reviewer_name="甲",
    )
    assert hazard.state == State.CLOSED


def test_a_duplicate_is_merged_and_its_evidence_appears_on_the_original() -> None:
    world = build_world()
    original = report(world)
    duplicate = report(world, who="officer_e1", title="通道堆物")
    duplicate = fire(world, "inspector_a", duplicate, Action.MERGE, original_id=original.id)
    assert duplicate.state == State.MERGED and duplicate.merged_into_id == original.id
    merged_in = events_of(original)[-1]
    assert merged_in.action == "merged_in"
    assert merged_in.data["duplicate_id"] == duplicate.id
    assert merged_in.data["duplicate_reported_by_id"] == world["officer_e1"].user_id
    duplicate_photo = (
        session().scalars(sa.select(Attachment).where(Attachment.hazard_id == duplicate.id)).one()
    )
    assert merged_in.data["evidence_ids"] == [duplicate_photo.id]
    assert session().get(Hazard, original.id).version == 2


def test_soft_delete_hides_the_ticket_but_keeps_it_and_says_why() -> None:
    world = build_world()
    hazard = report(world)
    hazard = fire(world, "inspector_a", hazard, Action.DELETE, reason="误报")
    assert session().get(Hazard, hazard.id) is not None
    assert hazard.deleted_at is not None and hazard.delete_reason == "误报"
    assert events_of(hazard)[-1].action == "delete"
    assert session().scalars(hazards_for(world["inspector_a"])).all() == []
    with pytest.raises(NotFoundError):
        fire(world, "inspector_a", hazard, Action.CONFIRM, grade="general")


def test_evidence_can_no_longer_be_deleted() -> None:
    world = build_world()
    hazard = to_pending_verification(world, report(world))
    after = session().scalars(sa.select(Attachment).where(Attachment.kind == "after_photo")).one()
    assert after.evidence_event_id == events_of(hazard)[-1].id
    with pytest.raises(ConflictError):
        fire(
            world,
            "officer_e1",
            hazard,
            Action.REMOVE_ATTACHMENT,
            attachment_id=after.id,
            reason="换一张",
        )
    assert session().get(Attachment, after.id).deleted_at is None


def test_removing_a_photo_is_soft_and_on_the_timeline() -> None:
    world = build_world()
    hazard = to_rectifying(world, report(world))
    hazard = fire(
        world, "officer_e1", hazard, Action.ADD_ATTACHMENT, files=[jpeg(name="拍错的.jpg")]
    )
    photo = (
        session()
        .scalars(sa.select(Attachment).where(Attachment.original_name == "拍错的.jpg"))
        .one()
    )
    assert not photo.is_evidence
    with pytest.raises(ForbiddenError):
        fire(world, "grid_a", hazard, Action.REMOVE_ATTACHMENT, attachment_id=photo.id, reason="x")
    hazard = fire(
        world,
        "officer_e1",
        hazard,
        Action.REMOVE_ATTACHMENT,
        attachment_id=photo.id,
        reason="拍错了",
    )
    session().refresh(photo)
    assert photo.deleted_at is not None and photo.delete_reason == "拍错了"
    assert [e.action for e in events_of(hazard)][-2:] == ["add_attachment", "remove_attachment"]
    assert events_of(hazard)[-2].data["photo_ids"] == [photo.id]


def test_an_after_photo_added_first_can_then_be_submitted_as_evidence() -> None:
    # A phone uploads the after-photo when it is taken and submits the rectification later.
    world = build_world()
    hazard = to_rectifying(world, report(world))
    after = jpeg(AttachmentKind.AFTER_PHOTO, "整改后.jpg", colour=(40, 160, 60))
    hazard = fire(world, "officer_e1", hazard, Action.ADD_ATTACHMENT, files=[after])
    photo = session().scalars(sa.select(Attachment).where(Attachment.hazard_id == hazard.id))
    added = [a for a in photo if a.kind == AttachmentKind.AFTER_PHOTO]
    assert len(added) == 1 and events_of(hazard)[-1].data["photo_ids"] == [added[0].id]
    hazard = fire(
        world,
        "officer_e1",
        hazard,
        Action.SUBMIT,
        completion_description="通道已清理",
        after_photo_ids=[added[0].id],
    )
    assert hazard.state == State.PENDING_VERIFICATION


@pytest.mark.parametrize(
    ("action", "data"),
    [
        (Action.MERGE, {"original_id": 10**30}),
        (Action.CONFIRM, {"category_id": 10**30, "grade": "general"}),
        (Action.ADD_ATTACHMENT, {"photo_ids": [10**30]}),
        (Action.REMOVE_ATTACHMENT, {"attachment_id": 10**30, "reason": "x"}),
    ],
)
def test_an_id_too_large_for_the_database_is_refused_as_data(
    action: Action, data: dict[str, object]
) -> None:
    # The lookups before the rules used to hand such ids to the driver, which overflowed.
    world = build_world()
    hazard = report(world)
    with pytest.raises(InvalidError):
        fire(world, "inspector_a", hazard, action, **data)


def test_events_are_append_only() -> None:
    world = build_world()
    hazard = report(world)
    event = events_of(hazard)[0]
    event.comment = "篡改"
    with pytest.raises(RuntimeError, match="append-only"):
        session().flush()
    session().rollback()
    session().delete(session().get(HazardEvent, event.id))
    with pytest.raises(RuntimeError, match="append-only"):
        session().flush()
    session().rollback()


def test_an_edit_leaves_old_and_new_values_on_the_timeline() -> None:
    world = build_world()
    hazard = report(world)
    hazard = fire(world, "grid_a", hazard, Action.EDIT, title="二号仓库消防通道堵塞")
    event = events_of(hazard)[-1]
    assert event.data == {"title": {"old": "消防通道堵塞", "new": "二号仓库消防通道堵塞"}}


def test_refusals_speak_chinese_by_default_and_english_on_request(app: Flask) -> None:
    world = build_world()
    hazard = report(world)
    seen = hazard.version
    confirm(world, hazard)
    from flask_babel import force_locale, gettext

    from app.services.lifecycle import fire_transition

    with pytest.raises(ConflictError) as refused:
        fire_transition(world["inspector_a"], hazard.id, Action.REJECT, {"reason": "x"}, seen)
    with app.test_request_context("/"):
        assert refused.value.render(gettext) == "已被他人修改,请刷新后重试"
        with force_locale("en"):
            assert "refresh" in refused.value.render(gettext)
    with pytest.raises(InvalidError) as invalid:
        fire(world, "officer_e1", hazard, Action.PLAN, deadline="明天")
    with app.test_request_context("/"):
        messages = invalid.value.render_fields(gettext)
        assert messages["measures"] == "整改措施 为必填项。"
