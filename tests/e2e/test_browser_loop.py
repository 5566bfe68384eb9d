"""The whole loop in a real browser, as each user does their part of it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app.models import Hazard
from app.services.transaction import session
from tests.e2e.conftest import Screens
from tests.factories import build_world, jpeg, local_now

pytestmark = pytest.mark.slow


class User:
    """A browser session of one user."""

    def __init__(self, browser: Any, base: str, username: str, screens: Screens) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        self.page = self.context.new_page()
        self.base = base
        self.screens = screens
        self.page.goto(f"{base}/login/")
        self.page.fill("#username", username)
        self.page.fill("#password", "safeloop123")
        with self.page.expect_navigation():
            self.page.click("input[type=submit], button[type=submit]")
        self.username = username

    def open_ticket(self, hazard_id: int) -> None:
        self.page.goto(f"{self.base}/hazard/show/{hazard_id}")

    def act(
        self,
        action: str,
        fields: dict[str, str],
        files: dict[str, Path] | None = None,
        measures: list[tuple[str, str]] | None = None,
    ) -> None:
        """Click the action's button on the ticket, fill its form, submit, land on the ticket."""
        with self.page.expect_navigation():
            self.page.click(f"a[data-action={action}]")
        for name, value in fields.items():
            element = self.page.locator(f"#transition-form [name={name}]").first
            if element.evaluate("e => e.tagName") == "SELECT":
                element.select_option(value)
            elif element.get_attribute("type") == "radio":
                self.page.check(f"#transition-form [name={name}][value={value}]")
            else:
                element.fill(value)
        for name, path in (files or {}).items():
            self.page.set_input_files(f"#transition-form [name={name}]", str(path))
        for n, (kind, description) in enumerate(measures or []):
            self.page.select_option(f"[name=measures-{n}-kind]", kind)
            self.page.fill(f"[name=measures-{n}-description]", description)
        self.screens.shot(self.page, f"{self.username}-{action}-form")
        with self.page.expect_navigation():
            self.page.click("#transition-form button[type=submit]")
        self.screens.shot(self.page, f"{self.username}-{action}-done")
        assert self.page.locator(".sl-hazard").count() == 1, self.page.content()[:2000]

    def state(self) -> str:
        return self.page.locator(".sl-hazard").get_attribute("data-state") or ""


def photo(tmp_path: Path, name: str, colour: tuple[int, int, int]) -> Path:
    path = tmp_path / name
    path.write_bytes(jpeg(colour=colour).content)
    return path


def report_as_grid_member(
    browser: Any, live_server: str, screens: Screens, tmp_path: Path, title: str
) -> int:
    grid = User(browser, live_server, "grid_a", screens)
    grid.page.goto(f"{live_server}/hazard/report")
    grid.page.fill("#title", title)
    grid.page.fill("#description", "二号仓库消防通道堆放纸箱，影响疏散")
    grid.page.select_option("#enterprise_id", label="甲机械厂")
    grid.page.set_input_files(
        "input[name=photo_ids]", str(photo(tmp_path, "现场照片.jpg", (200, 40, 40)))
    )
    screens.shot(grid.page, "grid-report-form")
    with grid.page.expect_navigation():
        grid.page.click("#report-form button[type=submit]")
    screens.shot(grid.page, "grid-reported")
    assert grid.state() == "reported"
    assert grid.page.locator(".sl-attachment img").count() == 1
    hazard_id = int(grid.page.url.rstrip("/").split("/")[-1])
    grid.context.close()
    return hazard_id


def test_a_general_hazard_round_the_loop_in_the_browser(
    app: Flask, browser: Any, live_server: str, screens: Screens, tmp_path: Path
) -> None:
    with app.app_context():
        world = build_world()
        category = str(world.category_id)
    hazard_id = report_as_grid_member(browser, live_server, screens, tmp_path, "消防通道堵塞")

    inspector = User(browser, live_server, "inspector_a", screens)
    inspector.open_ticket(hazard_id)
    inspector.act(
        "confirm",
        {
            "grade": "general",
            "category_id": category,
            "responsible_unit": "甲机械厂",
            "responsible_person": "赵总",
        },
    )
    assert inspector.state() == "confirmed"

    officer = User(browser, live_server, "officer_e1", screens)
    officer.open_ticket(hazard_id)
    officer.act("control", {}, measures=[("cordon", "拉设警戒线，专人看守")])
    assert officer.state() == "controlled"
    deadline = (local_now().date() + timedelta(days=5)).isoformat()
    officer.act(
        "plan",
        {
            "measures": "清理通道并设置禁止堆放标志",
            "responsible_person": "钱主任",
            "deadline": deadline,
        },
    )
    assert officer.state() == "rectifying"
    after = photo(tmp_path, "整改后.jpg", (40, 160, 60))
    officer.act(
        "submit", {"completion_description": "通道已清理"}, files={"after_photo_ids": after}
    )
    assert officer.state() == "pending_verification"

    inspector.open_ticket(hazard_id)
    inspector.act("send_back", {"reason_code": "incomplete_records", "opinion": "缺少标志照片"})
    assert inspector.state() == "rectifying"

    officer.open_ticket(hazard_id)
    officer.act(
        "submit", {"completion_description": "补充标志照片"}, files={"after_photo_ids": after}
    )

    inspector.open_ticket(hazard_id)
    inspector.act("verify", {"review_opinion": "整改到位，同意销号"})
    assert inspector.state() == "closed"

    auditor = User(browser, live_server, "auditor", screens)
    auditor.page.goto(f"{live_server}/hazard/list/")
    with auditor.page.expect_navigation():
        auditor.page.click("tr:has-text('消防通道堵塞') a[href*='/hazard/show/']")
    screens.shot(auditor.page, "auditor-closed-ticket")
    assert auditor.state() == "closed"
    actions = [e.get_attribute("data-action") for e in auditor.page.locator(".sl-event").all()]
    assert actions == [
        "report",
        "confirm",
        "control",
        "plan",
        "submit",
        "send_back",
        "submit",
        "verify",
    ]
    assert auditor.page.locator(".sl-actions").count() == 0
    with app.app_context():
        assert session().get(Hazard, hazard_id).rework_count == 1


def test_a_major_hazard_verified_by_the_district_in_the_browser(
    app: Flask, browser: Any, live_server: str, screens: Screens, tmp_path: Path
) -> None:
    with app.app_context():
        world = build_world()
        category = str(world.category_id)
        from app.models import DeterminationArticle

        article = str(session().query(DeterminationArticle).first().id)
    hazard_id = report_as_grid_member(
        browser, live_server, screens, tmp_path, "粉尘除尘系统未设置泄爆装置"
    )
    today = local_now().date()

    inspector = User(browser, live_server, "inspector_a", screens)
    inspector.open_ticket(hazard_id)
    inspector.act(
        "confirm",
        {
            "grade": "major",
            "category_id": category,
            "responsible_unit": "甲机械厂",
            "responsible_person": "赵总",
            "determination_article_id": article,
        },
    )

    officer = User(browser, live_server, "officer_e1", screens)
    officer.open_ticket(hazard_id)
    assert officer.page.locator("a[data-action=plan]").count() == 0  # cannot skip control
    officer.act(
        "control", {}, measures=[("suspension", "停用除尘系统"), ("monitoring", "专人监测")]
    )

    district = User(browser, live_server, "district", screens)
    district.open_ticket(hazard_id)
    district.act(
        "supervise",
        {
            "supervision_level": "county",
            "supervising_org": "区安委办",
            "supervision_doc_no": "测安委〔2026〕8号",
            "supervision_listed_on": today.isoformat(),
            "supervision_deadline": (today + timedelta(days=60)).isoformat(),
        },
    )

    officer.open_ticket(hazard_id)
    officer.act(
        "plan",
        {
            "target_task": "消除粉尘爆炸隐患",
            "measures": "加装泄爆装置",
            "funds_materials": "企业自筹",
            "funds_amount": "18.5",
            "responsible_org": "安全生产领导小组",
            "responsible_person": "赵总、钱主任",
            "responsible_leader": "赵总",
            "time_limit_requirements": "45天内完成",
            "deadline": (today + timedelta(days=45)).isoformat(),
            "safety_emergency_plan": "停产整改并制定专项预案",
        },
    )
    officer.act(
        "submit",
        {"completion_description": "泄爆装置已安装并检测合格"},
        files={"after_photo_ids": photo(tmp_path, "泄爆.jpg", (40, 160, 60))},
    )

    inspector.open_ticket(hazard_id)
    assert inspector.page.locator("a[data-action=verify]").count() == 0  # the district verifies
    district.open_ticket(hazard_id)
    district.act("verify", {"review_opinion": "验收合格", "evaluation_mode": "government"})
    assert district.state() == "closed"
