"""Admin screens: a bad credit code is refused; a good one is normalised and placed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from app.models import Enterprise, SlaPolicy
from app.services.transaction import session
from tests.factories import build_world


def test_an_enterprise_is_added_with_a_checked_credit_code_and_placed(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        world = build_world()
        grid_id, township_id, village_id = world.grid_a.id, world.township_a.id, world.village_a.id
    admin = login("admin")
    form = {
        "name": "新建机械厂",
        "credit_code": "91350100M000100Y44",
        "village": str(village_id),
        "grid": str(grid_id),
    }
    refused = admin.post("/enterpriseview/add", data=form).get_data(as_text=True)
    assert "校验码" in refused or "check character" in refused
    with in_app():
        assert session().query(Enterprise).filter_by(name="新建机械厂").first() is None
    admin.post("/enterpriseview/add", data={**form, "credit_code": "91350100m000100y43"})
    with in_app():
        added = session().query(Enterprise).filter_by(name="新建机械厂").one()
        assert added.credit_code == "91350100M000100Y43"
        assert (added.township_id, added.grid_id) == (township_id, grid_id)


def test_sla_offsets_are_typed_as_hours(in_app: Any, login: Callable[[str], FlaskClient]) -> None:
    with in_app():
        build_world()
        policy_id = session().query(SlaPolicy).filter_by(grade="general", category_id=None).one().id
    admin = login("admin")
    page = admin.get(f"/slapolicyview/edit/{policy_id}").get_data(as_text=True)
    assert "72" in page
    admin.post(
        f"/slapolicyview/edit/{policy_id}",
        data={
            "name": "一般隐患",
            "grade": "general",
            "confirm_hours": "24",
            "rectify_days": "7",
            "review_days": "10",
            "max_extensions": "1",
            "extension_lead_working_days": "0",
            "reminders": "48，12",
            "escalations": "0,24",
            "active": "y",
        },
    )
    with in_app():
        policy = session().get(SlaPolicy, policy_id)
        assert policy.reminder_offsets_hours == [48, 12] and policy.escalation_offsets_hours == [
            0,
            24,
        ]
        policy.reminder_offsets_hours, policy.escalation_offsets_hours = [72, 24], [0, 24, 72]
        session().commit()
