"""An administrator adds a field to a category in the browser; a phone report then needs it."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app.models import Category, CustomField
from app.services.reports import produce_report, report_file, request_report
from app.services.transaction import session
from tests.e2e.conftest import Screens
from tests.factories import build_world, jpeg, local_now

pytestmark = pytest.mark.slow

PHONE = {"width": 390, "height": 844}


def signed_in(browser: Any, base: str, username: str, viewport: dict[str, int]) -> Any:
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("#username", username)
    page.fill("#password", "safeloop123")
    with page.expect_navigation():
        page.click("input[type=submit], button[type=submit]")
    return page


def test_a_required_field_added_by_the_admin_is_asked_kept_exported_and_survives_retiring(
    app: Flask, browser: Any, live_server: str, screens: Screens, tmp_path: Path
) -> None:
    with app.app_context():
        world = build_world()
        category = session().get(Category, world.category_id)
        parent_id, category_id = category.parent_id, category.id
        inspector = world["inspector_a"]

    admin = signed_in(browser, live_server, "admin", {"width": 1280, "height": 900})
    admin.goto(f"{live_server}/customfieldview/add")
    admin.fill("#name", "un_number")
    admin.fill("#label_zh", "联合国编号")
    admin.fill("#label_en", "UN number")
    admin.locator("#category").select_option(str(parent_id), force=True)
    admin.locator("#field_type").select_option("text", force=True)
    admin.locator("#required_from").select_option("report", force=True)
    admin.check("#filterable")
    screens.shot(admin, "admin-adds-field")
    with admin.expect_navigation():
        admin.click("form button[type=submit], form input[type=submit]")
    screens.shot(admin, "admin-field-added")
    with app.app_context():
        field_id = session().query(CustomField).filter_by(name="un_number").one().id

    photo = tmp_path / "现场照片.jpg"
    photo.write_bytes(jpeg(colour=(200, 40, 40)).content)

    # The grid member reports on a phone: the field appears once the category is chosen.
    grid = signed_in(browser, live_server, "grid_a", PHONE)
    grid.goto(f"{live_server}/hazard/report")
    box = grid.locator(".sl-extra")
    assert not box.is_visible()
    grid.fill("#title", "液氨储罐阀门渗漏")
    grid.fill("#description", "储罐区阀门有渗漏痕迹")
    grid.select_option("#enterprise_id", label="甲化工厂")
    grid.select_option("#category_id", str(category_id))
    assert box.is_visible()
    grid.set_input_files("input[name=photo_ids]", str(photo))
    with grid.expect_navigation():
        grid.click("#report-form button[type=submit]")
    screens.shot(grid, "grid-refused-without-field")
    assert "联合国编号 为必填项" in grid.locator("[data-field='extra.un_number']").inner_text()
    grid.fill("[name='extra.un_number']", "UN1005")
    grid.set_input_files("input[name=photo_ids]", str(photo))
    with grid.expect_navigation():
        grid.click("#report-form button[type=submit]")
    screens.shot(grid, "grid-reported-with-field")
    assert grid.locator(".sl-hazard").get_attribute("data-state") == "reported"
    assert "UN1005" in grid.locator(".sl-extra-value").inner_text()
    hazard_id = int(grid.url.rstrip("/").split("/")[-1])

    # The API (same browser session) and the hazard list's CSV carry the value.
    answer = grid.request.get(f"{live_server}/api/v1/hazard/{hazard_id}").json()
    assert answer["result"]["extra"] == {"un_number": "UN1005"}
    with app.app_context():
        requested = request_report(inspector, "hazard", "csv")
        produce_report(requested.id)
        _, path = report_file(inspector, requested.id)
        rows = list(csv.reader(io.StringIO(path.read_text("utf-8-sig"))))
        assert rows[0][-1] == "联合国编号" and rows[1][-1] == "UN1005"

    # Retired yesterday: no longer asked, but the ticket still shows its value.
    admin.goto(f"{live_server}/customfieldview/edit/{field_id}")
    yesterday = (local_now().date() - timedelta(days=1)).isoformat()
    # The browser's date input: a filled-in date is kept (FAB's picker wrote its old one back).
    assert admin.get_attribute("#active_until", "type") == "date"
    admin.fill("#active_until", yesterday)
    admin.click("h1, h2, h3, .panel-heading", position={"x": 5, "y": 5})
    with admin.expect_navigation():
        admin.click("form button[type=submit], form input[type=submit]")
    screens.shot(admin, "admin-retired-field")
    with app.app_context():
        assert str(session().get(CustomField, field_id).active_until) == yesterday
    grid.goto(f"{live_server}/hazard/show/{hazard_id}")
    shown = grid.locator(".sl-extra-value").inner_text()
    screens.shot(grid, "grid-sees-retired-field")
    assert "UN1005" in shown and "已停用字段" in shown
    grid.goto(f"{live_server}/hazard/report")
    assert grid.locator("[name='extra.un_number']").count() == 0
