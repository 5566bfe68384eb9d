"""The Reports screen: ask, see it queued (or told it could not be), download within scope."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient

from app.jobs import produce_report_job
from app.models import Report
from app.services.transaction import session
from tests.factories import build_world, report


def test_an_auditor_makes_all_three_lists_in_all_three_formats(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        report(build_world())
    auditor = login("auditor")
    page = auditor.get("/reports/").get_data(as_text=True)
    assert "隐患清单" in page and "整改清单" in page and "责任清单" in page
    for list_name in ("responsibility", "hazard", "rectification"):
        for fmt in ("pdf", "xlsx", "csv"):
            response = auditor.post(
                "/reports/", data={"list": list_name, "format": fmt}, follow_redirects=True
            )
            assert response.status_code == 200
    with in_app():
        ids = list(session().scalars(sa.select(Report.id)))
    assert len(ids) == 9
    # Every waiting row tells the page's progress poller where its status is.
    waiting = auditor.get("/reports/").get_data(as_text=True)
    status_urls = re.findall(r'data-status-url="([^"]+)"', waiting)
    assert sorted(status_urls) == sorted(f"/reports/{i}/status" for i in ids)
    assert {auditor.get(url).get_json()["status"] for url in status_urls} <= {
        "queued",
        "running",
        "failed",
    }
    for report_id in ids:
        with in_app():
            produce_report_job(report_id)
        download = auditor.get(f"/reports/{report_id}/download")
        assert download.status_code == 200 and len(download.get_data()) > 100
        assert auditor.get(f"/reports/{report_id}/status").get_json()["status"] == "finished"
    listing = auditor.get("/reports/").get_data(as_text=True)
    assert listing.count("/download") == 9
    assert login("inspector_b").get(f"/reports/{ids[0]}/download").status_code == 404


def test_without_the_job_service_the_screen_says_it_is_not_queued(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        build_world()
    page = login("inspector_a").post(
        "/reports/", data={"list": "hazard", "format": "csv"}, follow_redirects=True
    )
    text = page.get_data(as_text=True)
    assert "未能加入队列" in text or "正在生成" in text


def test_bad_filters_show_next_to_their_field(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        build_world()
    page = login("auditor").post(
        "/reports/", data={"list": "hazard", "format": "csv", "discovered_from": "上个月"}
    )
    assert "发现起始日期" in page.get_data(as_text=True) and "sl-error" in page.get_data(
        as_text=True
    )


def test_the_district_downloads_the_provincial_exchange_file_from_the_screen(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    import io
    from datetime import timedelta

    from openpyxl import load_workbook

    from tests.factories import local_now

    with in_app():
        world = build_world()
        code = report(world).code
    district = login("district")
    page = district.get("/reports/").get_data(as_text=True)
    form = re.search(r'id="exchange-export">.*?<form method="get" action="([^"]+)"', page, re.S)
    assert form and form.group(1) == "/api/v1/exchange/export"
    today = local_now().date()
    query = f"from={(today - timedelta(days=1)).isoformat()}&to={today.isoformat()}&format=xlsx"
    answer = district.get(f"{form.group(1)}?{query}")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.data)).active
    assert code in {cell for row in sheet.iter_rows(values_only=True) for cell in row}
    # Who may not read the exchange does not see the panel.
    assert 'id="exchange-export"' not in login("officer_e1").get("/reports/").get_data(True)
