"""A member of the public reports a hazard and follows it to its end; the township works it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app.domain.lifecycle import Action
from app.domain.public import TRACKING_ALPHABET, normalise_tracking_code
from app.models import Hazard, PublicReport
from app.services.transaction import session
from tests.factories import World, build_world, confirm, fire, report
from tests.public.conftest import send_report

Login = Callable[[str], FlaskClient]


def tracking_code(response: Any) -> str:
    text = response.get_data(as_text=True)
    assert response.status_code == 200, text
    match = re.search(r'id="tracking-code">([A-Z0-9-]+)<', text)
    assert match, text
    return match.group(1)


def public_report(code: str) -> PublicReport:
    return (
        session().query(PublicReport).filter_by(tracking_code=normalise_tracking_code(code)).one()
    )


def ticket_of(code: str) -> Hazard:
    return public_report(code).hazard


def reported(screens: Flask, in_app: Any, **kw: Any) -> tuple[World, FlaskClient, str]:
    """A district, and a member of the public who reported in township A (their client, code)."""
    with in_app():
        world = build_world()
        world.township_id = world.township_a.id  # type: ignore[attr-defined]
    reporter = screens.test_client()
    return world, reporter, tracking_code(send_report(reporter, world.township_id, **kw))


def track(client: FlaskClient, code: str) -> str:
    response = client.get(f"/public/track/{code}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_public_report_lands_in_the_townships_intake_queue(
    screens: Flask, in_app: Any, login: Login
) -> None:
    world, _reporter, code = reported(screens, in_app)
    assert re.fullmatch(r"\w{4}-\w{4}-\w{4}", code)
    assert set(code.replace("-", "")) <= set(TRACKING_ALPHABET)
    with in_app():
        hazard = ticket_of(code)
        assert (hazard.state, hazard.source) == ("reported", "public_report")
        assert hazard.township_id == world.township_id
        assert hazard.title.startswith("河边仓库堆放大量液化气钢瓶")
        hazard_id = hazard.id
    listing = login("inspector_a").get("/hazard/list/?_flt_0_state=reported")
    assert "河边仓库堆放大量液化气钢瓶" in listing.get_data(as_text=True)
    assert login("inspector_b").get(f"/hazard/show/{hazard_id}").status_code == 404


def test_the_reporter_follows_confirmation_reply_and_reward(
    screens: Flask, in_app: Any, login: Login
) -> None:
    world, reporter, code = reported(screens, in_app)
    assert "已受理，乡镇正在核实" in track(reporter, code)
    with in_app():
        hazard = confirm(world, ticket_of(code), responsible_person="李经理")
        hazard_id, report_id = hazard.id, public_report(code).id
    response = login("inspector_a").post(
        f"/publicreport/{hazard_id}/reply", data={"text": "已派人到现场，责令限期清理。"}
    )
    assert response.status_code == 302
    page = track(reporter, code)
    assert "已确认为隐患" in page and "已派人到现场，责令限期清理。" in page
    # Never internal data: not who worked on it, not the responsible person.
    assert "inspector_a" not in page and "李经理" not in page and "测" not in page

    response = login("district").post(
        f"/publicreport/{hazard_id}/reward/{report_id}",
        data={"eligible": "yes", "amount": "5000", "decided_on": "2026-01-05", "reason": "属实"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "5,000.00" in track(reporter, code)


def test_lookups_ignore_case_spaces_and_dashes(screens: Flask, in_app: Any) -> None:
    _world, reporter, code = reported(screens, in_app)
    typed = " " + code.replace("-", " ").lower() + " "
    response = reporter.get("/public/track/", query_string={"code": typed})
    assert response.status_code == 302
    assert reporter.get(response.headers["Location"]).status_code == 200


def test_a_rejection_shows_its_public_reason(screens: Flask, in_app: Any) -> None:
    world, reporter, code = reported(screens, in_app)
    with in_app():
        fire(world, "inspector_a", ticket_of(code), Action.REJECT, reason="经核查为正常存放点。")
    page = track(reporter, code)
    assert "未予受理" in page and "经核查为正常存放点。" in page


def test_after_a_merge_the_code_follows_the_original_ticket(screens: Flask, in_app: Any) -> None:
    with in_app():
        world = build_world()
        original_id = confirm(world, report(world)).id
        township_id = world.township_a.id
    reporter = screens.test_client()
    code = tracking_code(send_report(reporter, township_id))
    with in_app():
        fire(world, "inspector_a", ticket_of(code), Action.MERGE, original_id=original_id)
    assert "已与同一隐患的先前报告合并" in track(reporter, code)
    with in_app():
        original = session().get(Hazard, original_id)
        measures = [{"kind": "cordon", "description": "拉警戒线"}]
        fire(world, "officer_e1", original, Action.CONTROL, measures=measures)
    page = track(reporter, code)
    assert "已采取临时管控措施" in page
    # The original's own earlier history is another reporter's story.
    assert page.count("报告已收到") == 1


def test_a_reward_outside_the_bounds_or_for_an_unconfirmed_report_is_refused(
    screens: Flask, in_app: Any, login: Login
) -> None:
    world, reporter, code = reported(screens, in_app)
    with in_app():
        hazard_id, report_id = ticket_of(code).id, public_report(code).id
    district = login("district")
    url = f"/publicreport/{hazard_id}/reward/{report_id}"
    decision = {"eligible": "yes", "amount": "5000", "decided_on": "2026-01-05", "reason": "属实"}
    page = district.post(url, data=decision).get_data(as_text=True)
    assert "只有查实为隐患的举报才能给予奖励" in page
    with in_app():
        confirm(world, ticket_of(code))
    page = district.post(url, data={**decision, "amount": "2999"}).get_data(as_text=True)
    assert "奖励金额须在 3,000 至 300,000 元之间" in page
    assert login("inspector_a").post(url, data=decision).status_code == 403
    assert "奖励" not in track(reporter, code)
    assert district.post(url, data=decision).status_code == 302
    again = district.post(url, data={**decision, "amount": "9000"}, follow_redirects=True)
    assert "已记录奖励决定" in again.get_data(as_text=True)
    with in_app():
        assert public_report(code).reward_amount == 5000


def test_inspectors_see_likely_duplicates_of_a_public_report(
    screens: Flask, in_app: Any, login: Login
) -> None:
    world, reporter, code = reported(screens, in_app)
    second = tracking_code(send_report(reporter, world.township_id))
    with in_app():
        first_id, second_id = ticket_of(code).id, ticket_of(second).id
        first_code = ticket_of(code).code
    page = login("inspector_a").get(f"/hazard/show/{second_id}").get_data(as_text=True)
    assert "sl-likely-duplicates" in page and first_code in page
    assert first_id != second_id


def test_the_login_page_leads_the_public_to_the_report_form(screens: Flask, in_app: Any) -> None:
    page = screens.test_client().get("/login/").get_data(as_text=True)
    assert 'id="public-report-link"' in page and "举报安全隐患" in page
