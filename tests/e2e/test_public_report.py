"""A member of the public reports from a phone and follows the report to its reward."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app.domain.public import normalise_tracking_code
from app.models import PublicReport
from app.services.transaction import session
from app.views import public
from tests.e2e.conftest import Screens
from tests.e2e.test_browser_loop import User
from tests.factories import build_world
from tests.public.conftest import CAPTCHA, photo_bytes

pytestmark = pytest.mark.slow

PHONE = {"width": 390, "height": 844}


def staff_form(user: User, action: str, fields: dict[str, str], screens: Screens) -> None:
    """Click the public report's ``action`` button on the ticket, fill its form, submit."""
    with user.page.expect_navigation():
        user.page.click(f"a[data-action={action}]")
    for name, value in fields.items():
        element = user.page.locator(f"#public-staff-form [name={name}]").first
        if element.get_attribute("type") == "radio":
            user.page.check(f"#public-staff-form [name={name}][value={value}]")
        else:
            element.fill(value)
    with user.page.expect_navigation():
        user.page.click("#public-staff-form button[type=submit]")
    screens.shot(user.page, f"{user.username}-{action}")
    assert user.page.locator(".sl-hazard").count() == 1, user.page.content()[:2000]


def test_a_public_report_from_a_phone_to_its_reward(
    app: Flask,
    browser: Any,
    live_server: str,
    screens: Screens,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(public, "captcha_text", lambda: CAPTCHA)
    with app.app_context():
        category = str(build_world().category_id)
    picture = tmp_path / "现场.jpg"
    picture.write_bytes(photo_bytes())

    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    reporter = phone.new_page()
    reporter.goto(f"{live_server}/public/report")
    screens.shot(reporter, "public-form")
    reporter.fill("#description", "河边仓库堆放大量液化气钢瓶，无人看管")
    reporter.select_option("#township_id", label="甲镇")
    reporter.fill("#address", "甲镇河滨路 18 号")
    reporter.fill("#enterprise_name", "甲机械厂")
    reporter.set_input_files("input[name=photo_ids]", str(picture))
    reporter.fill("#reporter_phone", "13800138000")
    reporter.fill("#captcha", CAPTCHA)
    reporter.check("#consent")
    with reporter.expect_navigation():
        reporter.click("#public-report-form button[type=submit]")
    screens.shot(reporter, "public-submitted")
    code = reporter.locator("#tracking-code").inner_text().strip()
    assert normalise_tracking_code(code)
    with reporter.expect_navigation():
        reporter.click(f"a[href$='{code}']")
    assert "已受理，乡镇正在核实" in reporter.locator(".sl-public-state").inner_text()

    with app.app_context():
        row = session().query(PublicReport).filter_by(tracking_code=normalise_tracking_code(code))
        hazard_id = row.one().hazard_id

    inspector = User(browser, live_server, "inspector_a", screens)
    inspector.open_ticket(hazard_id)
    assert "13800138000" in inspector.page.locator(".sl-public-panel").inner_text()
    inspector.act(
        "confirm",
        {
            "grade": "general",
            "category_id": category,
            "responsible_unit": "甲机械厂",
            "responsible_person": "赵总",
        },
    )
    staff_form(inspector, "public_reply", {"text": "已责令企业立即清理钢瓶。"}, screens)

    reporter.reload()
    screens.shot(reporter, "public-confirmed-and-replied")
    assert "已确认为隐患" in reporter.locator(".sl-public-state").inner_text()
    assert "已责令企业立即清理钢瓶。" in reporter.locator(".sl-public-replies").inner_text()
    assert "赵总" not in reporter.content()

    district = User(browser, live_server, "district", screens)
    district.open_ticket(hazard_id)
    staff_form(
        district,
        "reward",
        {"eligible": "yes", "amount": "5000", "decided_on": "2026-01-05", "reason": "举报属实"},
        screens,
    )
    assert "5,000.00" in district.page.locator(".sl-public-panel").inner_text()

    reporter.reload()
    screens.shot(reporter, "public-reward")
    assert "5,000.00" in reporter.locator(".sl-public-reward").inner_text()
    phone.close()
