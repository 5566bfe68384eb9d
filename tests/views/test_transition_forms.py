"""The transition forms: each asks what the lifecycle requires, names each missing field next
to it in Chinese, refuses a stale version, and a report with a photo creates a ticket."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app.domain.lifecycle import Action, fields_for
from app.domain.vocabulary import AttachmentKind, Grade
from app.models import Hazard, HazardEvent
from app.services.transaction import session
from tests.factories import (
    build_world,
    confirm,
    fire,
    jpeg,
    local_now,
    report,
    to_pending_verification,
    to_rectifying,
)


def field_errors(html: str) -> dict[str, str]:
    """{field name: its error message} as shown next to each field."""
    found = {}
    for chunk in html.split('data-field="')[1:]:
        name, _, rest = chunk.partition('"')
        message = re.search(r'class="help-block sl-error">([^<]+)<', rest.split('data-field="')[0])
        if message:
            found[name] = message.group(1)
    return found


def rectifying_with_extension(world: Any) -> Hazard:
    hazard = to_rectifying(world, report(world))
    new_day = local_now().date().toordinal() + 30
    from datetime import date

    return fire(
        world,
        "officer_e1",
        hazard,
        Action.REQUEST_EXTENSION,
        reason="等设备",
        requested_deadline=date.fromordinal(new_day).isoformat(),
        interim_measures="看守",
    )


def closed(world: Any) -> Hazard:
    hazard = to_pending_verification(world, report(world))
    return fire(
        world,
        "inspector_a",
        hazard,
        Action.VERIFY,
        review_opinion="好",
        review_date=local_now().date().isoformat(),
        reviewer_name="甲",
    )


SETUPS: dict[Action, tuple[str, Callable[[Any], Hazard]]] = {
    Action.CONFIRM: ("inspector_a", report),
    Action.REJECT: ("inspector_a", report),
    Action.MERGE: ("inspector_a", report),
    Action.DELETE: ("inspector_a", report),
    Action.CONTROL: ("officer_e1", lambda w: confirm(w, report(w))),
    Action.PLAN: ("officer_e1", lambda w: confirm(w, report(w))),
    Action.PROGRESS: ("officer_e1", lambda w: to_rectifying(w, report(w))),
    Action.REQUEST_EXTENSION: ("officer_e1", lambda w: to_rectifying(w, report(w))),
    Action.SUBMIT: ("officer_e1", lambda w: to_rectifying(w, report(w))),
    Action.DECIDE_EXTENSION: ("inspector_a", rectifying_with_extension),
    Action.VERIFY: ("inspector_a", lambda w: to_pending_verification(w, report(w))),
    Action.SEND_BACK: ("inspector_a", lambda w: to_pending_verification(w, report(w))),
    Action.REOPEN: ("district", closed),
    Action.SUPERVISE: ("district", lambda w: confirm(w, report(w), grade=Grade.MAJOR)),
    Action.REMOVE_ATTACHMENT: ("inspector_a", report),
}


@pytest.mark.parametrize("action", list(SETUPS))
def test_each_form_names_each_missing_field_in_chinese(
    action: Action, in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    user, setup = SETUPS[action]
    with in_app():
        world = build_world()
        hazard = setup(world)
        hazard_id, version = hazard.id, hazard.version
        required = [s.name for s in fields_for(action, hazard) if s.required]
    client = login(user)
    form = client.get(f"/hazard/{hazard_id}/transition/{action.value}")
    assert form.status_code == 200
    assert f'value="{version}"' in form.get_data(as_text=True)
    response = client.post(
        f"/hazard/{hazard_id}/transition/{action.value}", data={"version": str(version)}
    )
    assert response.status_code == 200
    errors = field_errors(response.get_data(as_text=True))
    for name in required:
        assert name in errors, f"{action.value}: no message next to {name}"
        assert re.search(r"[\u4e00-\u9fff]", errors[name]), errors[name]
    with in_app():
        assert session().get(Hazard, hazard_id).version == version


def test_a_stale_form_is_refused_with_the_current_state(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        world = build_world()
        hazard = report(world)
        hazard_id = hazard.id
        confirm(world, hazard)
    client = login("inspector_a2")
    response = client.post(
        f"/hazard/{hazard_id}/transition/reject",
        data={"version": "1", "reason": "重复"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "已被他人修改,请刷新后重试" in page
    assert "已确认" in page
    with in_app():
        assert session().get(Hazard, hazard_id).state == "confirmed"


def test_a_grid_member_reports_with_a_photo_from_the_form(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        world = build_world()
        e1 = world.e1.id
    client = login("grid_a")
    photo = jpeg(name="现场.jpg")
    missing = client.post(
        "/hazard/report",
        data={"title": "电线裸露", "description": "配电箱电线裸露", "enterprise_id": str(e1)},
    )
    assert "照片" in field_errors(missing.get_data(as_text=True)).get("photo_ids", "")
    response = client.post(
        "/hazard/report",
        data={
            "title": "电线裸露",
            "description": "配电箱电线裸露",
            "enterprise_id": str(e1),
            "photo_ids": [(__import__("io").BytesIO(photo.content), "现场.jpg")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with in_app():
        hazard = session().scalars(sa.select(Hazard)).one()
        assert hazard.title == "电线裸露" and hazard.source == "grid_patrol"
        assert hazard.code.startswith("YH-339901001-")
        from app.models import Attachment

        photo_row = session().scalars(sa.select(Attachment)).one()
        assert photo_row.original_name == "现场.jpg"
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "电线裸露" in shown and "现场.jpg" in shown
    image = client.get(f"/hazard/attachment/{photo_row.id}?thumb=1")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"


def test_fixed_on_the_spot_from_the_form(in_app: Any, login: Callable[[str], FlaskClient]) -> None:
    import io

    with in_app():
        world = build_world()
        e1, category = world.e1.id, world.category_id
    client = login("grid_a")
    response = client.post(
        "/hazard/report",
        data={
            "title": "灭火器过期",
            "description": "过期",
            "enterprise_id": str(e1),
            "category_id": str(category),
            "fixed_on_spot": "y",
            "what_was_done": "当场更换",
            "photo_ids": [(io.BytesIO(jpeg().content), "前.jpg")],
            "after_photo_ids": [(io.BytesIO(jpeg(AttachmentKind.AFTER_PHOTO).content), "后.jpg")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with in_app():
        hazard = session().scalars(sa.select(Hazard)).one()
        assert hazard.state == "pending_verification" and hazard.fixed_on_spot
        kinds = {e.action for e in session().scalars(sa.select(HazardEvent))}
        assert kinds == {"report_fixed"}


def test_buttons_show_only_what_the_user_may_do_now(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        world = build_world()
        hazard_id = report(world).id

    def buttons(user: str) -> set[str]:
        page = login(user).get(f"/hazard/show/{hazard_id}").get_data(as_text=True)
        return set(re.findall(r'data-action="([a-z_]+)"\s+href', page))

    assert buttons("inspector_a") == {
        "confirm",
        "reject",
        "merge",
        "edit",
        "delete",
        "add_attachment",
        "remove_attachment",
    }
    assert buttons("auditor") == set()
    assert buttons("officer_e1") == {"add_attachment", "remove_attachment"}


def test_a_file_that_is_not_a_photo_is_refused_by_its_content(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    import io

    with in_app():
        e1 = build_world().e1.id
    response = login("grid_a").post(
        "/hazard/report",
        data={
            "title": "电线裸露",
            "description": "配电箱",
            "enterprise_id": str(e1),
            "photo_ids": [(io.BytesIO(b"MZ\x90\x00 not a photo"), "伪装.jpg")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    message = field_errors(response.get_data(as_text=True)).get("photo_ids", "")
    assert "伪装.jpg" in message and "JPEG" in message
    with in_app():
        assert session().scalars(sa.select(Hazard)).first() is None


def test_the_screens_speak_english_when_chosen(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        hazard_id = report(build_world()).id
    client = login("inspector_a")
    assert "隐患台账" in client.get("/hazard/list/").get_data(as_text=True)
    client.get("/lang/en")
    page = client.get(f"/hazard/show/{hazard_id}").get_data(as_text=True)
    assert "Timeline" in page and "Reported" in page and "处置记录" not in page
    form = client.post(f"/hazard/{hazard_id}/transition/reject", data={"version": "1"})
    assert field_errors(form.get_data(as_text=True))["reason"] == "Reason is required."
