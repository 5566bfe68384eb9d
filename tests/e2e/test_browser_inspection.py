"""An administrator builds a checklist; an inspector runs it on a phone and the tickets appear."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from app.models import ChecklistItem, ChecklistTemplate, Hazard
from app.services.transaction import session
from tests.e2e.conftest import Screens
from tests.e2e.test_browser_custom_fields import PHONE, signed_in
from tests.factories import build_world

pytestmark = pytest.mark.slow

ITEMS = [
    ("报警装置", "可燃气体报警器安装并正常工作"),
    ("管道", "燃气管道无锈蚀、无私接"),
    ("管道", "阀门无泄漏"),
    ("管理", "有燃气安全管理制度"),
]


def test_an_admin_builds_a_checklist_and_an_inspector_runs_it_on_a_phone(
    app: Flask, browser: Any, live_server: str, screens: Screens
) -> None:
    with app.app_context():
        world = build_world()
        enterprise_id = world.e2.id

    admin = signed_in(browser, live_server, "admin", {"width": 1280, "height": 900})
    admin.goto(f"{live_server}/checklisttemplateview/add")
    admin.fill("#code", "GAS")
    admin.fill("#name", "燃气使用单位检查表")
    with admin.expect_navigation():
        admin.click("form button[type=submit], form input[type=submit]")
    with app.app_context():
        template_id = session().query(ChecklistTemplate).filter_by(code="GAS").one().id
    for n, (section, text) in enumerate(ITEMS):
        admin.goto(f"{live_server}/checklistitemview/add")
        admin.locator("#template").select_option(str(template_id), force=True)
        admin.fill("#section", section)
        admin.fill("#text", text)
        admin.fill("#sort_order", str(n))
        if n == 0:
            admin.check("#may_be_major")
        with admin.expect_navigation():
            admin.click("form button[type=submit], form input[type=submit]")
    screens.shot(admin, "admin-built-checklist")
    with app.app_context():
        assert session().query(ChecklistItem).filter_by(template_id=template_id).count() == 4

    inspector = signed_in(browser, live_server, "inspector_a", PHONE)
    inspector.goto(f"{live_server}/inspection/run")
    inspector.select_option("#enterprise_id", str(enterprise_id))
    inspector.select_option("#template_id", str(template_id))
    with inspector.expect_navigation():
        inspector.click("#choose-form button[type=submit]")
    items = inspector.locator(".sl-item")
    assert items.count() == 4
    for n in range(4):
        item = items.nth(n)
        item.locator("input[value=fail]" if n < 3 else "input[value=pass]").check()
        if n < 3:
            item.locator("textarea").fill(f"现场发现问题 {n + 1}")
    screens.shot(inspector, "inspector-phone-form")
    with inspector.expect_navigation():
        inspector.click("#run-form button[type=submit]")
    screens.shot(inspector, "inspector-inspection-saved")
    assert inspector.locator(".sl-ticket").count() == 3
    with inspector.expect_navigation():
        inspector.locator(".sl-ticket").first.click()
    assert inspector.locator(".sl-hazard").get_attribute("data-state") == "reported"
    assert "燃气使用单位检查表" in inspector.locator(".sl-opened-by").inner_text()
    screens.shot(inspector, "inspector-opened-ticket")
    with app.app_context():
        grades = sorted(
            h.grade for h in session().query(Hazard).filter_by(enterprise_id=enterprise_id)
        )
        assert grades == ["general", "general", "major"]
