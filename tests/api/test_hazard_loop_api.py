"""A general and a major hazard closed through the API alone, as a phone or a platform would."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from app.domain.vocabulary import AttachmentKind
from tests.api.conftest import ApiUsers
from tests.factories import SHANGHAI, World, jpeg

H = "/api/v1/hazard"


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def today() -> date:
    return datetime.now(SHANGHAI).date()


def local_day(instant: str) -> str:
    return datetime.fromisoformat(instant).astimezone(SHANGHAI).date().isoformat()


def first_id(api: ApiUsers, user: str, url: str) -> int:
    return int(ok(api.get(user, url))["ids"][0])


def timeline(api: ApiUsers, user: str, hazard: dict[str, Any]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = ok(api.get(user, f"{H}/{hazard['id']}/events"))["result"]
    # One event per version, none missing: the timeline is the ticket's whole history.
    assert [e["seq"] for e in events] == list(range(1, hazard["version"] + 1))
    assert [e["version"] for e in events] == list(range(1, hazard["version"] + 1))
    return events


def verified_by_inspector(api: ApiUsers, hazard: dict[str, Any], opinion: str) -> dict[str, Any]:
    """The township inspector verifies and closes the ticket today."""
    return ok(
        api.fire(
            "inspector_a",
            hazard,
            "verify",
            review_opinion=opinion,
            review_date=today().isoformat(),
            reviewer_name="孙检查员",
        )
    )


def test_a_general_hazard_from_a_grid_members_phone_to_closed(api: ApiUsers, world: World) -> None:
    category = first_id(api, "grid_a", "/api/v1/category/")
    enterprises = ok(api.get("grid_a", "/api/v1/enterprise/"))
    assert world.e1.id in enterprises["ids"] and world.b1.id not in enterprises["ids"]

    hazard = ok(
        api.post_files(
            "grid_a",
            f"{H}/",
            {
                "title": "消防通道堵塞",
                "description": "仓库通道堆放纸箱",
                "enterprise_id": world.e1.id,
            },
            {"photos": [jpeg()]},
        ),
        201,
    )
    assert hazard["state"] == "reported" and hazard["version"] == 1
    assert hazard["code"].startswith("YH-339901001-")

    # A grid member's report without a photo is refused, field by field, in Chinese.
    refused = api.post("grid_a", f"{H}/", json={"title": "无照片", "description": "x"})
    assert refused.status_code == 422
    assert refused.get_json()["code"] == "invalid" and refused.get_json()["fields"]

    hazard = ok(
        api.fire(
            "inspector_a",
            hazard,
            "confirm",
            grade="general",
            category_id=category,
            responsible_unit="甲机械厂",
            responsible_person="赵总",
        )
    )
    assert hazard["state"] == "confirmed" and "plan" not in hazard["actions"]

    # Someone who still holds version 1 is told what the ticket is now.
    stale = api.fire("inspector_a2", {**hazard, "version": 1}, "reject", reason="重复")
    assert stale.status_code == 409
    assert stale.get_json() == {
        "code": "conflict",
        "message": "已被他人修改,请刷新后重试",
        "fields": {},
        "current_state": "confirmed",
        "current_version": 2,
    }

    deadline = local_day(hazard["deadline"])
    planned = api.fire(
        "officer_e1",
        hazard,
        "plan",
        measures="清理通道，设置禁止堆放标志",
        responsible_person="钱主任",
        deadline=deadline,
    )
    hazard = ok(planned)
    assert hazard["state"] == "rectifying" and "submit" in hazard["actions"]

    after = jpeg(AttachmentKind.AFTER_PHOTO, "整改后.jpg", colour=(40, 160, 60))
    hazard = ok(
        api.post_files(
            "officer_e1",
            f"{H}/{hazard['id']}/transition/submit",
            {"completion_description": "通道已清理", "version": hazard["version"]},
            {"after_photos": [after]},
        )
    )
    assert hazard["state"] == "pending_verification"

    # The officer who submitted may not verify; the inspector does.
    assert api.fire("officer_e1", hazard, "verify").status_code == 403
    hazard = verified_by_inspector(api, hazard, "现场复查，通道畅通")
    assert hazard["state"] == "closed" and hazard["version"] == 5

    events = timeline(api, "auditor", hazard)
    assert [e["action"] for e in events] == ["report", "confirm", "plan", "submit", "verify"]
    assert events[-1]["to_state"] == "closed" and events[1]["action_label"] == "确认"

    files = ok(api.get("grid_a", f"{H}/{hazard['id']}/attachments"))["result"]
    assert sorted(f["kind"] for f in files) == ["after_photo", "photo"]
    assert all(f["evidence"] for f in files)
    download = api.get("grid_a", files[-1]["url"])
    assert download.status_code == 200 and download.data == after.content


def test_a_major_hazard_under_district_supervision_from_report_to_closed(
    api: ApiUsers, world: World
) -> None:
    category = first_id(api, "inspector_a", "/api/v1/category/")
    article = first_id(api, "inspector_a", "/api/v1/determination_article/")
    hazard = ok(
        api.post(
            "officer_e1",
            f"{H}/",
            json={
                "title": "粉尘除尘系统未接地",
                "description": "除尘器无防静电接地",
                "enterprise_id": world.e1.id,
            },
        ),
        201,
    )
    hazard = ok(
        api.fire(
            "inspector_a",
            hazard,
            "confirm",
            grade="major",
            category_id=category,
            responsible_unit="甲机械厂",
            responsible_person="赵总",
            determination_article_id=article,
            production_stop="partial",
        )
    )
    assert hazard["grade"] == "major" and hazard["state"] == "confirmed"

    plan = {
        "target_task": "消除粉尘爆炸隐患",
        "measures": "除尘系统加装接地与泄爆装置",
        "funds_materials": "专项资金，设备采购",
        "funds_amount": 12.5,
        "responsible_org": "设备部",
        "responsible_person": "钱主任、李工",
        "responsible_leader": "赵总",
        "time_limit_requirements": "60日内完成并验收",
        "deadline": (today() + timedelta(days=60)).isoformat(),
        "safety_emergency_plan": "停用除尘系统，编制专项应急预案",
    }
    # A major hazard cannot skip control.
    skipped = api.fire("officer_e1", hazard, "plan", **plan)
    assert skipped.status_code == 409 and skipped.get_json()["current_state"] == "confirmed"

    hazard = ok(
        api.fire(
            "officer_e1",
            hazard,
            "control",
            measures=[{"kind": "suspension", "description": "停用除尘系统"}],
        )
    )
    assert hazard["state"] == "controlled"
    hazard = ok(
        api.fire(
            "district",
            hazard,
            "supervise",
            supervision_level="county",
            supervising_org="测试区安委办",
            supervision_doc_no="测安委〔2026〕1号",
            supervision_listed_on=today().isoformat(),
            supervision_deadline=(today() + timedelta(days=90)).isoformat(),
        )
    )
    hazard = ok(api.fire("officer_e1", hazard, "plan", **plan))
    assert hazard["state"] == "rectifying"

    hazard = ok(
        api.fire(
            "officer_e1",
            hazard,
            "request_extension",
            reason="设备到货延迟",
            requested_deadline=(today() + timedelta(days=80)).isoformat(),
            interim_measures="继续停用",
        )
    )
    # The verifier of a supervised major hazard is the district, not the township.
    refused = api.fire("inspector_a", hazard, "decide_extension", approve=True, comment="同意")
    assert refused.status_code == 403 and refused.get_json()["code"] == "forbidden"
    hazard = ok(api.fire("district", hazard, "decide_extension", approve=True, comment="同意"))
    assert local_day(hazard["deadline"]) == (today() + timedelta(days=80)).isoformat()

    # The phone uploads the after-photo first, then submits it as evidence.
    added = ok(
        api.post_files(
            "officer_e1",
            f"{H}/{hazard['id']}/attachments",
            {"version": hazard["version"], "comment": "整改后照片"},
            {"after_photos": [jpeg(AttachmentKind.AFTER_PHOTO, "接地完成.jpg")]},
        ),
        201,
    )
    assert len(added["attachment_ids"]) == 1
    hazard = ok(
        api.fire(
            "officer_e1",
            added,
            "submit",
            completion_description="接地与泄爆装置已安装",
            after_photo_ids=added["attachment_ids"],
        )
    )
    verify = {
        "review_opinion": "专家评估合格",
        "review_date": today().isoformat(),
        "reviewer_name": "周专家",
        "evaluation_mode": "expert",
    }
    assert api.fire("inspector_a", hazard, "verify", **verify).status_code == 403
    hazard = ok(api.fire("district", hazard, "verify", **verify))
    assert hazard["state"] == "closed"

    events = timeline(api, "district", hazard)
    assert [e["action"] for e in events] == [
        "report",
        "confirm",
        "control",
        "supervise",
        "plan",
        "request_extension",
        "decide_extension",
        "add_attachment",
        "submit",
        "verify",
    ]
    shown = ok(api.get("auditor", f"{H}/{hazard['id']}"))["result"]
    assert shown["supervision_level"] == "county" and shown["extension_count"] == 1


def test_a_hazard_fixed_on_the_spot_goes_straight_to_verification(
    api: ApiUsers, world: World
) -> None:
    category = first_id(api, "grid_a", "/api/v1/category/")
    form = {
        "title": "配电箱门未关",
        "description": "配电箱门敞开",
        "enterprise_id": world.e1.id,
        "category_id": category,
        "what_was_done": "已当场关闭并上锁",
        "fixed_on_spot": "true",
    }
    before = jpeg(AttachmentKind.BEFORE_PHOTO, "整改前.jpg")
    after = jpeg(AttachmentKind.AFTER_PHOTO, "整改后.jpg", colour=(40, 160, 60))
    # Without the after-photo it is refused, and nothing is created.
    missing = api.post_files("grid_a", f"{H}/", form, {"before_photos": [before]})
    assert missing.status_code == 422 and "after_photo_ids" in missing.get_json()["fields"]
    assert ok(api.get("admin", f"{H}/"))["count"] == 0

    files = {"before_photos": [before], "after_photos": [after]}
    hazard = ok(api.post_files("grid_a", f"{H}/", form, files), 201)
    assert hazard["state"] == "pending_verification"
    assert api.fire("grid_a", hazard, "verify").status_code == 403
    hazard = verified_by_inspector(api, hazard, "已关闭")
    assert [e["action"] for e in timeline(api, "grid_a", hazard)] == ["report_fixed", "verify"]
