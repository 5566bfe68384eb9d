"""The dashboard, the ranking and the map in a real browser with every non-loopback request
blocked: none is attempted, the charts and the map draw (screenshots under test-output/e2e/)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest
from flask import Flask

from app.services.risk_index import compute_month
from tests.e2e.conftest import Screens
from tests.oversight_data import build_month, place

pytestmark = pytest.mark.slow


def test_dashboard_ranking_and_map_work_with_no_internet(
    app: Flask, browser: Any, live_server: str, screens: Screens
) -> None:
    with app.app_context():
        world, month, _t0 = build_month()
        place(world, title="四号")
        compute_month(None, world.district.id, month)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    outside: list[str] = []

    def only_loopback(route: Any) -> None:
        host = urlparse(route.request.url).hostname
        if host in {"127.0.0.1", "localhost"}:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server}/login/")
    page.fill("#username", "district")
    page.fill("#password", "safeloop123")
    with page.expect_navigation():
        page.click("input[type=submit], button[type=submit]")
    assert page.url.endswith("/dashboard/")
    page.wait_for_selector("#sl-trend[data-drawn='1'] canvas")
    assert page.locator(".sl-figure").count() == 12
    screens.shot(page, "dashboard")

    page.goto(f"{live_server}/ranking/")
    page.wait_for_selector("#sl-ranking-chart[data-drawn='1'] canvas")
    assert "70.42" in page.inner_text("#ranking")
    screens.shot(page, "ranking")

    page.goto(f"{live_server}/map/")
    try:
        page.wait_for_selector("#sl-map[data-drawn='1']")
    finally:
        screens.shot(page, "map-loaded")
    assert problems == []
    assert page.get_attribute("#sl-map", "data-outlines") == "1"
    assert page.get_attribute("#sl-map", "data-hazards") == "4"
    page.wait_for_selector(".leaflet-overlay-pane path")  # the outline
    page.wait_for_selector(".marker-cluster, .sl-pt")
    screens.shot(page, "map")

    # The report form takes its location from a click on the same offline map.
    page.goto(f"{live_server}/hazard/report")
    page.wait_for_selector("#sl-pick-map[data-ready='1']")
    page.click("#sl-pick-map")  # its centre: the middle of the outline it is fitted to
    latitude = float(page.input_value("#latitude"))
    longitude = float(page.input_value("#longitude"))
    assert 30.0 < latitude < 30.3 and 120.0 < longitude < 120.2  # inside township A's outline
    screens.shot(page, "report-location")
    context.close()
    assert outside == []
