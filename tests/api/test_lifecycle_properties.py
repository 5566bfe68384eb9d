"""Property: random API transitions by random users never break the lifecycle or lose an event.

A hypothesis state machine fires random actions (with plausible data, sometimes with a stale
version) as random users of every role and scope at one ticket, only through the HTTP API.
After every step: a refused call changed nothing; an accepted one moved the ticket along an
edge of the lifecycle table and wrote exactly one event; the gate (scope 404, role 403,
version and state 409) answered exactly as the pure domain's ``refusal`` predicts; and the
timeline is whole (one event per version, the last one naming the current state).
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from app.domain.lifecycle import TRANSITIONS, Action, refusal
from app.domain.vocabulary import AttachmentKind, Grade, State
from app.models import Attachment, Hazard
from app.services.transaction import session
from tests.api.conftest import USERNAMES, ApiUsers
from tests.factories import SHANGHAI, World, jpeg, report

H = "/api/v1/hazard"
# Soft delete ends a ticket's life for every user; it is covered by the matrix and services.
FIRED = [action for action in TRANSITIONS if action is not Action.DELETE]
# The way from report to closed (and back), preferred so that tickets travel far.
FORWARD = {
    Action.CONFIRM,
    Action.CONTROL,
    Action.PLAN,
    Action.REQUEST_EXTENSION,
    Action.DECIDE_EXTENSION,
    Action.SUBMIT,
    Action.VERIFY,
    Action.SEND_BACK,
    Action.REOPEN,
    Action.SUPERVISE,
}


def today() -> date:
    return datetime.now(SHANGHAI).date()


def plausible_data(
    action: Action, ticket: dict[str, Any], draw: Any, others: dict[str, int]
) -> Any:
    """Data that a real client could send for ``action`` (valid more often than not)."""
    deadline = (
        datetime.fromisoformat(ticket["deadline"]).astimezone(SHANGHAI).date()
        if ticket.get("deadline")
        else today() + timedelta(days=30)
    )
    day = today().isoformat()
    major = draw(st.booleans())
    data: dict[Action, dict[str, Any]] = {
        Action.CONFIRM: {
            "grade": Grade.MAJOR.value if major else Grade.GENERAL.value,
            "category_id": others["category"],
            "responsible_unit": "甲机械厂",
            "responsible_person": "赵总",
            "determination_basis_text": "专家论证" if major else None,
        },
        Action.REJECT: {"reason": "不属于隐患"},
        Action.CONTROL: {"measures": [{"kind": "cordon", "description": "拉警戒线"}]},
        Action.PLAN: {
            "target_task": "消除隐患",
            "measures": "整改",
            "funds_materials": "自筹",
            "funds_amount": 1,
            "responsible_org": "设备部",
            "responsible_person": "钱主任",
            "responsible_leader": "赵总",
            "time_limit_requirements": "按期完成",
            "deadline": min(deadline, today() + timedelta(days=60)).isoformat(),
            "safety_emergency_plan": "应急预案",
        },
        Action.PROGRESS: {"note": "进行中"},
        Action.REQUEST_EXTENSION: {
            "reason": "材料未到",
            "requested_deadline": (deadline + timedelta(days=10)).isoformat(),
            "interim_measures": "继续警戒",
        },
        Action.DECIDE_EXTENSION: {"approve": draw(st.booleans()), "comment": "意见"},
        Action.SUBMIT: {"completion_description": "已整改"},
        Action.VERIFY: {
            "review_opinion": "合格",
            "review_date": day,
            "reviewer_name": "孙",
            "evaluation_mode": "self",
        },
        Action.SEND_BACK: {"reason_code": "other", "opinion": "不到位"},
        Action.REOPEN: {"reason": "复发"},
        Action.MERGE: {"original_id": others["original"]},
        Action.SUPERVISE: {
            "supervision_level": "county",
            "supervising_org": "区安委办",
            "supervision_doc_no": "1号",
            "supervision_listed_on": day,
            "supervision_deadline": (today() + timedelta(days=60)).isoformat(),
        },
        Action.EDIT: {"title": draw(st.sampled_from(["消防通道堵塞", "通道堆放杂物"]))},
        Action.ADD_ATTACHMENT: {},
        Action.REMOVE_ATTACHMENT: {"attachment_id": others["photo"], "reason": "拍错"},
    }
    return data[action]


def machine(api: ApiUsers, world: World, others: dict[str, int]) -> type[RuleBasedStateMachine]:
    class TicketLife(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            created = api.post_files(
                "grid_a",
                f"{H}/",
                {"title": "消防通道堵塞", "description": "纸箱", "enterprise_id": world.e1.id},
                {"photos": [jpeg()]},
            )
            assert created.status_code == 201
            self.id = created.get_json()["id"]
            self.steps = 0

        def read(self) -> dict[str, Any]:
            shown = api.get("admin", f"{H}/{self.id}")
            assert shown.status_code == 200
            result: dict[str, Any] = shown.get_json()["result"]
            return result

        def ticket(self) -> Hazard:
            session().rollback()  # see what the API committed
            ticket = session().get(Hazard, self.id)
            assert ticket is not None
            return ticket

        @rule(data=st.data())
        def fire(self, data: Any) -> None:
            before = self.read()
            ticket = self.ticket()
            # Mostly someone who may act now (so tickets travel far), sometimes anyone at all.
            open_pairs = [
                (user, action)
                for user in USERNAMES
                for action in FIRED
                if refusal(world[user], ticket, action) is None
            ]
            forward = [(u, a) for u, a in open_pairs if a in FORWARD]
            choice = data.draw(st.integers(0, 3), label="0 anyone, 1 permitted, 2-3 forward")
            if choice >= 2 and forward:
                user, action = data.draw(st.sampled_from(forward), label="user, action")
            elif choice >= 1 and open_pairs:
                user, action = data.draw(st.sampled_from(open_pairs), label="user, action")
            else:
                user = data.draw(st.sampled_from(USERNAMES), label="user")
                action = data.draw(st.sampled_from(FIRED), label="action")
            stale = data.draw(st.integers(0, 5), label="stale when 0") == 0
            version = before["version"] - 1 if stale else before["version"]
            body = {**plausible_data(action, before, data.draw, others), "version": version}
            refused = refusal(world[user], ticket, action, version)
            predicted = refused.http_status if refused else None
            if action is Action.SUBMIT:
                after_photo = jpeg(AttachmentKind.AFTER_PHOTO, "整改后.jpg")
                url = f"{H}/{self.id}/transition/submit"
                response = api.post_files(user, url, body, {"after_photos": [after_photo]})
            elif action is Action.ADD_ATTACHMENT:
                url = f"{H}/{self.id}/attachments"
                response = api.post_files(user, url, body, {"photos": [jpeg(name="补充.jpg")]})
            else:
                url = f"{H}/{self.id}/transition/{action.value}"
                response = api.post(user, url, json=body)
            after = self.read()
            status = response.status_code
            assert status in (200, 201, 403, 404, 409, 422), response.get_json()
            assert response.is_json
            if predicted is not None:
                # The API's gate is the lifecycle's: same refusal, same status.
                assert status == predicted, (user, action, response.get_json())
            if status in (200, 201):
                transition = TRANSITIONS[action]
                assert State(before["state"]) in transition.sources
                assert after["state"] in {(transition.target or before["state"]), before["state"]}
                assert after["version"] == before["version"] + 1
                self.steps += 1
            else:
                assert (after["state"], after["version"]) == (before["state"], before["version"])
                if status == 409:
                    assert response.get_json()["current_version"] == before["version"]

        @invariant()
        def the_timeline_is_whole(self) -> None:
            ticket = self.read()
            events = api.get("auditor", f"{H}/{self.id}/events").get_json()["result"]
            assert [e["seq"] for e in events] == list(range(1, ticket["version"] + 1))
            assert events[-1]["to_state"] == ticket["state"]
            assert ticket["state"] in State.values()
            for earlier, later in itertools.pairwise(events):
                assert later["from_state"] == earlier["to_state"]
            submitters = [e["actor_id"] for e in events if e["action"] == "submit"]
            for event in events:
                if event["action"] == "verify":
                    # Nobody verifies their own rectification.
                    assert event["actor_id"] != submitters[-1]
                if event["action"] == "plan" and ticket["grade"] == Grade.MAJOR:
                    assert event["from_state"] == State.CONTROLLED

    return TicketLife


def test_random_api_transitions_never_break_the_lifecycle(
    ctx: Flask, api: ApiUsers, world: World
) -> None:
    original = report(world, title="原始隐患")
    another = report(world, title="别的隐患")
    photo_of_another = (
        session().scalars(sa.select(Attachment.id).where(Attachment.hazard_id == another.id)).one()
    )
    session().commit()
    others = {
        "original": original.id,
        "photo": photo_of_another,  # belongs to another ticket: always refused
        "category": world.category_id,
    }
    run_state_machine_as_test(
        machine(api, world, others),
        settings=settings(
            max_examples=8,
            stateful_step_count=16,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
