"""The lifecycle table, checked without Flask or a database: every transition from every state,
by every role, with every required field missing, and the rules real systems get wrong."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from app.domain.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError
from app.domain.lifecycle import (
    TRANSITIONS,
    Action,
    AttachmentFacts,
    ExtensionFacts,
    Placement,
    available_actions,
    decide,
    decide_report,
    fields_for,
    parse_action,
    parse_report,
    refusal,
)
from app.domain.vocabulary import AttachmentKind, State
from tests.domain.conftest import (
    ACTORS,
    DISTRICT,
    ENTERPRISE_E1,
    GRID_A,
    NOW,
    TODAY,
    TOWNSHIP_A,
    VILLAGE_A,
    FakeTicket,
    in_days,
    make_facts,
)

ALL_STATES = list(State)
OPEN = {
    State.REPORTED,
    State.CONFIRMED,
    State.CONTROLLED,
    State.RECTIFYING,
    State.PENDING_VERIFICATION,
}

# Written out by hand from DOMAIN.md, not derived from the module under test.
EXPECTED_SOURCES: dict[Action, set[State]] = {
    Action.CONFIRM: {State.REPORTED},
    Action.REJECT: {State.REPORTED},
    Action.CONTROL: {State.CONFIRMED, State.CONTROLLED, State.RECTIFYING},
    Action.PLAN: {State.CONFIRMED, State.CONTROLLED},
    Action.PROGRESS: {State.CONFIRMED, State.CONTROLLED, State.RECTIFYING},
    Action.REQUEST_EXTENSION: {State.RECTIFYING},
    Action.DECIDE_EXTENSION: {State.RECTIFYING},
    Action.SUBMIT: {State.RECTIFYING},
    Action.VERIFY: {State.PENDING_VERIFICATION},
    Action.SEND_BACK: {State.PENDING_VERIFICATION},
    Action.REOPEN: {State.CLOSED},
    Action.MERGE: {State.REPORTED, State.CONFIRMED},
    Action.SUPERVISE: {
        State.CONFIRMED,
        State.CONTROLLED,
        State.RECTIFYING,
        State.PENDING_VERIFICATION,
    },
    Action.EDIT: OPEN,
    Action.DELETE: set(State),
    Action.ADD_ATTACHMENT: OPEN,
    Action.REMOVE_ATTACHMENT: OPEN,
}

# Who may fire each action on a general ticket of enterprise E1 (township A) reported by grid_a.
EXPECTED_ACTORS: dict[Action, set[str]] = {
    Action.CONFIRM: {"inspector_a", "inspector_a2"},
    Action.REJECT: {"inspector_a", "inspector_a2"},
    Action.CONTROL: {"inspector_a", "inspector_a2", "officer_e1"},
    Action.PLAN: {"officer_e1"},
    Action.PROGRESS: {"officer_e1"},
    Action.REQUEST_EXTENSION: {"officer_e1"},
    Action.DECIDE_EXTENSION: {"inspector_a", "inspector_a2"},
    Action.SUBMIT: {"officer_e1"},
    Action.VERIFY: {"inspector_a", "inspector_a2"},
    Action.SEND_BACK: {"inspector_a", "inspector_a2"},
    Action.REOPEN: {"district"},
    Action.MERGE: {"inspector_a", "inspector_a2"},
    Action.SUPERVISE: {"district"},
    Action.EDIT: {"inspector_a", "inspector_a2", "district", "grid_a"},
    Action.DELETE: {"inspector_a", "inspector_a2", "admin"},
    # Whether the attachment is theirs is checked on the attachment (see the rule tests).
    Action.ADD_ATTACHMENT: {"inspector_a", "inspector_a2", "district", "grid_a", "officer_e1"},
    Action.REMOVE_ATTACHMENT: {"inspector_a", "inspector_a2", "district", "grid_a", "officer_e1"},
}
OUT_OF_SCOPE = {"inspector_b", "officer_e2", "grid_a2"}


def _first_state(action: Action) -> State:
    return next(state for state in State if state in EXPECTED_SOURCES[action])


def test_the_table_covers_every_action_a_user_can_fire() -> None:
    assert set(TRANSITIONS) == set(EXPECTED_SOURCES) == set(EXPECTED_ACTORS)


@pytest.mark.parametrize("action", list(EXPECTED_SOURCES))
@pytest.mark.parametrize("state", ALL_STATES)
def test_each_transition_fires_only_from_its_source_states(action: Action, state: State) -> None:
    allowed_actor = ACTORS[sorted(EXPECTED_ACTORS[action])[0]]
    ticket = FakeTicket(state=state.value)
    refused = refusal(allowed_actor, ticket, action)
    if state in EXPECTED_SOURCES[action]:
        assert refused is None
    else:
        assert isinstance(refused, ConflictError)
        assert refused.current_state == state.value


@pytest.mark.parametrize("action", list(EXPECTED_ACTORS))
@pytest.mark.parametrize("who", list(ACTORS))
def test_who_may_fire_each_transition(action: Action, who: str) -> None:
    state = _first_state(action)
    ticket = FakeTicket(state=state.value)
    refused = refusal(ACTORS[who], ticket, action)
    if who in EXPECTED_ACTORS[action]:
        assert refused is None
    elif who in OUT_OF_SCOPE:
        assert isinstance(refused, NotFoundError)
    else:
        assert isinstance(refused, ForbiddenError)


def test_the_reporter_may_edit_only_until_confirmation() -> None:
    grid_a = ACTORS["grid_a"]
    assert refusal(grid_a, FakeTicket(state="reported"), Action.EDIT) is None
    assert isinstance(refusal(grid_a, FakeTicket(state="confirmed"), Action.EDIT), ForbiddenError)


def test_a_deleted_ticket_does_not_exist_for_anyone() -> None:
    ticket = FakeTicket(deleted_at=NOW)
    assert isinstance(refusal(ACTORS["inspector_a"], ticket, Action.CONFIRM), NotFoundError)


def test_unknown_transition_is_refused_by_name() -> None:
    with pytest.raises(NotFoundError, match="fly_away"):
        parse_action("fly_away")


def test_buttons_are_the_transitions_one_may_fire_now() -> None:
    ticket = FakeTicket(state="reported")
    assert available_actions(ACTORS["inspector_a"], ticket) == [
        Action.CONFIRM,
        Action.REJECT,
        Action.MERGE,
        Action.EDIT,
        Action.DELETE,
        Action.ADD_ATTACHMENT,
        Action.REMOVE_ATTACHMENT,
    ]
    assert available_actions(ACTORS["auditor"], ticket) == []


# ----------------------------------------------------------------------------- data


def _ticket_for(action: Action) -> FakeTicket:
    state = _first_state(action)
    if action is Action.PLAN:
        state = State.CONTROLLED
    ticket = FakeTicket(
        state=state.value,
        deadline=NOW + timedelta(days=7),
        original_deadline=NOW + timedelta(days=7),
    )
    if action is Action.SUPERVISE:
        ticket.grade = "major"
    return ticket


VALID_DATA: dict[Action, dict[str, Any]] = {
    Action.CONFIRM: {
        "grade": "general",
        "category_id": 3,
        "responsible_unit": "青溪机械厂",
        "responsible_person": "张三",
        "deadline": in_days(7),
    },
    Action.REJECT: {"reason": "不属于隐患"},
    Action.CONTROL: {"measures": [{"kind": "cordon", "description": "设置警戒区"}]},
    Action.PLAN: {"measures": "更换接地线", "responsible_person": "李四", "deadline": in_days(5)},
    Action.PROGRESS: {"note": "材料已到货"},
    Action.REQUEST_EXTENSION: {
        "reason": "设备未到货",
        "requested_deadline": in_days(20),
        "interim_measures": "停用设备",
    },
    Action.DECIDE_EXTENSION: {"approve": True, "comment": "同意"},
    Action.SUBMIT: {"completion_description": "已整改", "after_photo_ids": [2]},
    Action.VERIFY: {
        "review_opinion": "整改到位",
        "review_date": TODAY.isoformat(),
        "reviewer_name": "王五",
    },
    Action.SEND_BACK: {"reason_code": "not_rectified", "opinion": "仍未接地"},
    Action.REOPEN: {"reason": "复查发现反弹"},
    Action.MERGE: {"original_id": 8},
    Action.SUPERVISE: {
        "supervision_level": "county",
        "supervising_org": "区安委办",
        "supervision_doc_no": "青安委〔2026〕1号",
        "supervision_listed_on": TODAY.isoformat(),
        "supervision_deadline": in_days(60),
    },
    Action.EDIT: {"title": "新的标题"},
    Action.DELETE: {"reason": "误报"},
    Action.ADD_ATTACHMENT: {"photo_ids": [1]},
    Action.REMOVE_ATTACHMENT: {"attachment_id": 1, "reason": "拍错了"},
}


def _facts_for(action: Action) -> Any:
    if action is Action.DECIDE_EXTENSION:
        return make_facts(pending_extension=ExtensionFacts(5, 20, TODAY + timedelta(days=20)))
    if action is Action.MERGE:
        return make_facts(merge_target=FakeTicket(id=8, state="confirmed"))
    return make_facts()


def _actor_for(action: Action) -> Any:
    return ACTORS[sorted(EXPECTED_ACTORS[action])[0]]


@pytest.mark.parametrize("action", list(VALID_DATA))
def test_complete_data_is_accepted(action: Action) -> None:
    ticket = _ticket_for(action)
    decision = decide(
        _actor_for(action), ticket, action, VALID_DATA[action], ticket.version, _facts_for(action)
    )
    assert decision.action is action
    expected_target = TRANSITIONS[action].target or State(ticket.state)
    assert decision.to_state is expected_target


REQUIRED = [
    (action, spec.name)
    for action in VALID_DATA
    for spec in fields_for(action, _ticket_for(action))
    if spec.required
]


@pytest.mark.parametrize(("action", "field_name"), REQUIRED)
def test_each_missing_required_field_is_named(action: Action, field_name: str) -> None:
    ticket = _ticket_for(action)
    data = {k: v for k, v in VALID_DATA[action].items() if k != field_name}
    with pytest.raises(InvalidError) as refused:
        decide(_actor_for(action), ticket, action, data, ticket.version, _facts_for(action))
    assert field_name in refused.value.field_errors


def test_a_stale_version_is_refused_with_the_current_state() -> None:
    ticket = FakeTicket(state="reported", version=5)
    with pytest.raises(ConflictError) as refused:
        decide(ACTORS["inspector_a"], ticket, Action.REJECT, {"reason": "x"}, 4, make_facts())
    assert refused.value.current_version == 5
    assert refused.value.current_state == "reported"
    assert "refresh" in str(refused.value)


def test_a_missing_version_is_refused() -> None:
    with pytest.raises(InvalidError) as refused:
        decide(
            ACTORS["inspector_a"], FakeTicket(), Action.REJECT, {"reason": "x"}, None, make_facts()
        )
    assert "version" in refused.value.field_errors


def test_invalid_values_are_named_per_field() -> None:
    data = {**VALID_DATA[Action.CONFIRM], "grade": "catastrophic", "deadline": "next week"}
    with pytest.raises(InvalidError) as refused:
        decide(ACTORS["inspector_a"], FakeTicket(), Action.CONFIRM, data, 3, make_facts())
    assert set(refused.value.field_errors) == {"grade", "deadline"}


# ----------------------------------------------------------------------------- rules


def test_the_submitter_cannot_verify_their_own_rectification() -> None:
    inspector = ACTORS["inspector_a"]
    ticket = FakeTicket(
        state="pending_verification", submitted_by_id=inspector.user_id, enterprise_id=None
    )
    with pytest.raises(ForbiddenError, match="submitted"):
        decide(inspector, ticket, Action.VERIFY, VALID_DATA[Action.VERIFY], 3, make_facts())
    with pytest.raises(ForbiddenError):
        decide(inspector, ticket, Action.SEND_BACK, VALID_DATA[Action.SEND_BACK], 3, make_facts())
    # Another inspector of the township may.
    decide(
        ACTORS["inspector_a2"], ticket, Action.VERIFY, VALID_DATA[Action.VERIFY], 3, make_facts()
    )


def test_an_extension_is_never_granted_by_its_requester() -> None:
    inspector = ACTORS["inspector_a"]
    ticket = FakeTicket(state="rectifying", enterprise_id=None, deadline=NOW + timedelta(days=3))
    facts = make_facts(
        pending_extension=ExtensionFacts(5, inspector.user_id, TODAY + timedelta(days=9))
    )
    with pytest.raises(ForbiddenError, match="requested"):
        decide(
            inspector, ticket, Action.DECIDE_EXTENSION, {"approve": True, "comment": "ok"}, 3, facts
        )


def test_an_approved_extension_moves_the_deadline_but_keeps_the_original() -> None:
    original = NOW + timedelta(days=3)
    ticket = FakeTicket(state="rectifying", deadline=original, original_deadline=original)
    facts = make_facts(pending_extension=ExtensionFacts(5, 20, TODAY + timedelta(days=9)))
    decision = decide(
        ACTORS["inspector_a"],
        ticket,
        Action.DECIDE_EXTENSION,
        {"approve": "yes", "comment": "同意"},
        3,
        facts,
    )
    assert decision.changes["deadline"] > original
    assert "original_deadline" not in decision.changes
    assert decision.changes["extension_count"] == 1
    refused = decide(
        ACTORS["inspector_a"],
        ticket,
        Action.DECIDE_EXTENSION,
        {"approve": "no", "comment": "不同意"},
        3,
        facts,
    )
    assert "deadline" not in refused.changes
    assert refused.records[0].values["status"] == "refused"


def test_extensions_are_limited_per_grade_and_one_at_a_time() -> None:
    ticket = FakeTicket(state="rectifying", deadline=NOW + timedelta(days=3), extension_count=1)
    with pytest.raises(ConflictError, match="at most 1"):
        decide(
            ACTORS["officer_e1"],
            ticket,
            Action.REQUEST_EXTENSION,
            VALID_DATA[Action.REQUEST_EXTENSION],
            3,
            make_facts(),
        )
    ticket.extension_count = 0
    pending = make_facts(pending_extension=ExtensionFacts(5, 20, TODAY + timedelta(days=9)))
    with pytest.raises(ConflictError, match="already waiting"):
        decide(
            ACTORS["officer_e1"],
            ticket,
            Action.REQUEST_EXTENSION,
            VALID_DATA[Action.REQUEST_EXTENSION],
            3,
            pending,
        )


def test_a_requested_deadline_must_be_later_than_the_current_one() -> None:
    ticket = FakeTicket(state="rectifying", deadline=NOW + timedelta(days=30))
    with pytest.raises(InvalidError) as refused:
        decide(
            ACTORS["officer_e1"],
            ticket,
            Action.REQUEST_EXTENSION,
            VALID_DATA[Action.REQUEST_EXTENSION],
            3,
            make_facts(),
        )
    assert "requested_deadline" in refused.value.field_errors


def test_a_supervised_major_hazard_asks_for_extension_15_working_days_ahead() -> None:
    ticket = FakeTicket(
        state="rectifying",
        grade="major",
        supervision_level="county",
        deadline=NOW + timedelta(days=10),
    )
    data = {**VALID_DATA[Action.REQUEST_EXTENSION], "requested_deadline": in_days(40)}
    with pytest.raises(ConflictError, match="15 working days"):
        decide(ACTORS["officer_e1"], ticket, Action.REQUEST_EXTENSION, data, 3, make_facts())
    ticket.deadline = NOW + timedelta(days=30)
    decide(ACTORS["officer_e1"], ticket, Action.REQUEST_EXTENSION, data, 3, make_facts())


def test_an_enterprise_confirms_only_its_own_general_self_reports() -> None:
    officer = ACTORS["officer_e1"]
    patrol = FakeTicket(state="reported", source="grid_patrol")
    assert isinstance(refusal(officer, patrol, Action.CONFIRM), ForbiddenError)
    own = FakeTicket(state="reported", source="self_check")
    decide(officer, own, Action.CONFIRM, VALID_DATA[Action.CONFIRM], 3, make_facts())
    major = {**VALID_DATA[Action.CONFIRM], "grade": "major", "determination_basis_text": "专家判定"}
    with pytest.raises(ForbiddenError, match="general"):
        decide(officer, own, Action.CONFIRM, major, 3, make_facts())


def test_a_major_hazard_needs_its_determination_basis() -> None:
    data = {**VALID_DATA[Action.CONFIRM], "grade": "major"}
    with pytest.raises(InvalidError) as refused:
        decide(ACTORS["inspector_a"], FakeTicket(), Action.CONFIRM, data, 3, make_facts())
    assert "determination_article_id" in refused.value.field_errors
    decision = decide(
        ACTORS["inspector_a"],
        FakeTicket(),
        Action.CONFIRM,
        {**data, "determination_article_id": 4},
        3,
        make_facts(),
    )
    assert decision.changes["control_due_at"] == NOW + timedelta(hours=24)


def test_confirm_defaults_the_deadline_from_the_sla_policy() -> None:
    data = {k: v for k, v in VALID_DATA[Action.CONFIRM].items() if k != "deadline"}
    decision = decide(ACTORS["inspector_a"], FakeTicket(), Action.CONFIRM, data, 3, make_facts())
    local = decision.changes["deadline"].astimezone(make_facts().zone)
    assert local.date() == TODAY + timedelta(days=7)
    assert decision.changes["original_deadline"] == decision.changes["deadline"]


def test_a_major_hazard_cannot_skip_control_or_the_six_element_plan() -> None:
    officer = ACTORS["officer_e1"]
    confirmed = FakeTicket(state="confirmed", grade="major", deadline=None)
    with pytest.raises(ConflictError, match="control"):
        decide(officer, confirmed, Action.PLAN, VALID_DATA[Action.PLAN], 3, make_facts())
    controlled = FakeTicket(state="controlled", grade="major", deadline=None)
    with pytest.raises(InvalidError) as refused:
        decide(officer, controlled, Action.PLAN, VALID_DATA[Action.PLAN], 3, make_facts())
    assert {
        "target_task",
        "funds_materials",
        "responsible_org",
        "time_limit_requirements",
        "safety_emergency_plan",
    } <= set(refused.value.field_errors)
    six = {
        "target_task": "消除隐患",
        "measures": "改造除尘系统",
        "funds_materials": "自筹",
        "funds_amount": "30",
        "responsible_org": "安全领导小组",
        "responsible_person": "李四",
        "responsible_leader": "王总",
        "time_limit_requirements": "45天内完成",
        "deadline": in_days(45),
        "safety_emergency_plan": "专项应急预案",
    }
    decision = decide(officer, controlled, Action.PLAN, six, 3, make_facts())
    assert decision.to_state is State.RECTIFYING
    assert decision.changes["original_deadline"] == decision.changes["deadline"]


def test_leaving_control_needs_a_measure() -> None:
    with pytest.raises(InvalidError):
        decide(
            ACTORS["officer_e1"],
            FakeTicket(state="confirmed"),
            Action.CONTROL,
            {"measures": []},
            3,
            make_facts(),
        )


def test_a_plan_cannot_end_after_the_confirmed_deadline() -> None:
    ticket = FakeTicket(state="confirmed", deadline=NOW + timedelta(days=3))
    with pytest.raises(InvalidError) as refused:
        decide(ACTORS["officer_e1"], ticket, Action.PLAN, VALID_DATA[Action.PLAN], 3, make_facts())
    assert "deadline" in refused.value.field_errors


def test_submit_needs_an_after_photo_of_this_ticket() -> None:
    ticket = FakeTicket(state="rectifying")
    officer = ACTORS["officer_e1"]
    for bad in ([], [1], [3], [4], [999]):
        data = {"completion_description": "done", "after_photo_ids": bad}
        with pytest.raises(InvalidError) as refused:
            decide(officer, ticket, Action.SUBMIT, data, 3, make_facts())
        assert "after_photo_ids" in refused.value.field_errors
    decision = decide(officer, ticket, Action.SUBMIT, VALID_DATA[Action.SUBMIT], 3, make_facts())
    assert decision.evidence_ids == [2]
    assert decision.changes["submitted_by_id"] == officer.user_id


def test_send_back_counts_the_rework() -> None:
    ticket = FakeTicket(state="pending_verification", submitted_by_id=20, rework_count=1)
    decision = decide(
        ACTORS["inspector_a"],
        ticket,
        Action.SEND_BACK,
        VALID_DATA[Action.SEND_BACK],
        3,
        make_facts(),
    )
    assert decision.to_state is State.RECTIFYING
    assert decision.changes["rework_count"] == 2


def test_a_supervised_major_hazard_is_verified_by_the_district() -> None:
    ticket = FakeTicket(
        state="pending_verification", grade="major", supervision_level="county", submitted_by_id=20
    )
    assert isinstance(refusal(ACTORS["inspector_a"], ticket, Action.VERIFY), ForbiddenError)
    data = {**VALID_DATA[Action.VERIFY]}
    with pytest.raises(InvalidError) as refused:
        decide(ACTORS["district"], ticket, Action.VERIFY, data, 3, make_facts())
    assert "evaluation_mode" in refused.value.field_errors
    decide(
        ACTORS["district"],
        ticket,
        Action.VERIFY,
        {**data, "evaluation_mode": "government"},
        3,
        make_facts(),
    )


def test_only_a_major_hazard_is_put_under_supervision() -> None:
    with pytest.raises(ConflictError):
        decide(
            ACTORS["district"],
            FakeTicket(state="confirmed"),
            Action.SUPERVISE,
            VALID_DATA[Action.SUPERVISE],
            3,
            make_facts(),
        )


def test_merge_needs_another_live_ticket_in_scope() -> None:
    inspector = ACTORS["inspector_a"]
    ticket = FakeTicket(id=7, state="reported")
    for target in (
        None,
        FakeTicket(id=7),
        FakeTicket(id=9, state="merged"),
        FakeTicket(id=9, township_id=999, enterprise_id=None),
    ):
        with pytest.raises(InvalidError):
            decide(
                inspector,
                ticket,
                Action.MERGE,
                {"original_id": 9},
                3,
                make_facts(merge_target=target),
            )
    decision = decide(
        inspector,
        ticket,
        Action.MERGE,
        {"original_id": 8},
        3,
        make_facts(merge_target=FakeTicket(id=8)),
    )
    assert decision.changes["merged_into_id"] == 8
    assert decision.side_events[0].hazard_id == 8
    assert decision.side_events[0].data["evidence_ids"] == [1, 2, 4]


def test_an_edit_records_old_and_new_values() -> None:
    decision = decide(
        ACTORS["inspector_a"], FakeTicket(), Action.EDIT, {"title": "新标题"}, 3, make_facts()
    )
    assert decision.data == {"title": {"old": "配电箱未接地", "new": "新标题"}}
    with pytest.raises(InvalidError, match="Nothing"):
        decide(
            ACTORS["inspector_a"],
            FakeTicket(),
            Action.EDIT,
            {"title": "配电箱未接地"},
            3,
            make_facts(),
        )


# ----------------------------------------------------------------------------- reports

PLACE_E1 = Placement(DISTRICT, TOWNSHIP_A, VILLAGE_A, GRID_A, ENTERPRISE_E1)
REPORT = {
    "title": "消防通道堵塞",
    "description": "仓库消防通道堆放杂物",
    "enterprise_id": ENTERPRISE_E1,
}


def _arriving(*kinds: AttachmentKind) -> dict[int, AttachmentFacts]:
    return {-(n + 1): AttachmentFacts(-(n + 1), None, kind.value) for n, kind in enumerate(kinds)}


def test_a_grid_report_needs_a_photo() -> None:
    clean = parse_report(Action.REPORT, REPORT)
    with pytest.raises(InvalidError) as refused:
        decide_report(ACTORS["grid_a"], Action.REPORT, clean, PLACE_E1, make_facts(attachments={}))
    assert "photo_ids" in refused.value.field_errors
    decision = decide_report(
        ACTORS["grid_a"],
        Action.REPORT,
        clean,
        PLACE_E1,
        make_facts(attachments=_arriving(AttachmentKind.PHOTO)),
    )
    assert decision.to_state is State.REPORTED
    assert decision.changes["source"] == "grid_patrol"
    # An enterprise's self-report needs none.
    decision = decide_report(
        ACTORS["officer_e1"], Action.REPORT, clean, PLACE_E1, make_facts(attachments={})
    )
    assert decision.changes["source"] == "self_check"


def test_a_report_outside_ones_area_is_refused() -> None:
    clean = parse_report(Action.REPORT, REPORT)
    with pytest.raises(InvalidError):
        decide_report(ACTORS["officer_e2"], Action.REPORT, clean, PLACE_E1, make_facts())
    with pytest.raises(ForbiddenError):
        decide_report(ACTORS["auditor"], Action.REPORT, clean, PLACE_E1, make_facts())


def test_a_fix_on_the_spot_goes_straight_to_verification() -> None:
    data = {**REPORT, "category_id": 3, "what_was_done": "当场清理通道"}
    clean = parse_report(Action.REPORT_FIXED, data)
    with pytest.raises(InvalidError) as refused:
        decide_report(
            ACTORS["grid_a"],
            Action.REPORT_FIXED,
            clean,
            PLACE_E1,
            make_facts(attachments=_arriving(AttachmentKind.BEFORE_PHOTO)),
        )
    assert "after_photo_ids" in refused.value.field_errors
    facts = make_facts(
        attachments=_arriving(AttachmentKind.BEFORE_PHOTO, AttachmentKind.AFTER_PHOTO)
    )
    decision = decide_report(ACTORS["grid_a"], Action.REPORT_FIXED, clean, PLACE_E1, facts)
    assert decision.to_state is State.PENDING_VERIFICATION
    assert decision.changes["submitted_by_id"] == ACTORS["grid_a"].user_id
    assert decision.changes["fixed_on_spot"] is True
    with pytest.raises(InvalidError):
        decide_report(
            ACTORS["grid_a"], Action.REPORT_FIXED, {**clean, "grade": "major"}, PLACE_E1, facts
        )


def test_no_transition_closes_several_tickets_at_once() -> None:
    # There is no bulk close: decide() takes exactly one ticket and one version.
    ticket = FakeTicket(state="pending_verification", submitted_by_id=20)
    other = replace(ticket, id=8)
    decision = decide(
        ACTORS["inspector_a"], ticket, Action.VERIFY, VALID_DATA[Action.VERIFY], 3, make_facts()
    )
    assert decision.to_state is State.CLOSED
    assert other.state == "pending_verification"


def test_only_the_uploader_or_an_inspector_removes_an_attachment_that_is_not_evidence() -> None:
    ticket = FakeTicket(state="rectifying")
    photo = AttachmentFacts(1, 7, "photo", uploaded_by_id=ACTORS["officer_e1"].user_id)
    evidence = AttachmentFacts(
        2, 7, "after_photo", evidence=True, uploaded_by_id=ACTORS["officer_e1"].user_id
    )
    facts = make_facts(attachments={1: photo, 2: evidence})
    data = {"attachment_id": 1, "reason": "拍错了"}
    with pytest.raises(ForbiddenError):
        decide(ACTORS["grid_a"], ticket, Action.REMOVE_ATTACHMENT, data, 3, facts)
    decision = decide(ACTORS["officer_e1"], ticket, Action.REMOVE_ATTACHMENT, data, 3, facts)
    assert decision.records[0].id == 1 and decision.records[0].values["delete_reason"] == "拍错了"
    decide(ACTORS["inspector_a"], ticket, Action.REMOVE_ATTACHMENT, data, 3, facts)
    with pytest.raises(ConflictError, match="evidence"):
        decide(
            ACTORS["inspector_a"],
            ticket,
            Action.REMOVE_ATTACHMENT,
            {**data, "attachment_id": 2},
            3,
            facts,
        )
