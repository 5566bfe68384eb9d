"""The ranking screen: table and chart of a published month, drill-down to components and to
the tickets behind them, XLSX export, and an admin's on-demand computation and correction."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from openpyxl import load_workbook

from app.services import clock
from app.services.risk_index import compute_month
from tests.factories import report
from tests.oversight_data import build_month, set_columns
from tests.views.test_dashboard import list_count


def published(in_app: Any) -> tuple[str, int, int]:
    with in_app():
        world, month, _t0 = build_month()
        compute_month(None, world.district.id, month)
        return month, world.township_a.id, world.township_b.id


def test_the_district_reads_the_month_and_drills_down_to_the_tickets(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    month, township_a, township_b = published(in_app)
    district = login("district")
    page = district.get("/ranking/").get_data(as_text=True)
    assert month in page and "甲镇" in page and "乙镇" in page and "70.42" in page
    assert 'id="sl-ranking-chart"' in page and "echarts.min.js" in page
    assert re.search(rf'data-township="{township_a}">\s*<td>1</td>', page)
    assert re.search(rf'data-township="{township_b}">\s*<td>2</td>', page)
    detail = district.get(f"/ranking/{month}/township/{township_a}").get_data(as_text=True)
    links = dict(
        re.findall(r'data-component="(\w+)">.*?href="([^"]+)"', detail.replace("&amp;", "&"), re.S)
    )
    # The month's raw figures read in the user's language.
    assert "本月销号 2" in detail and "closed_on_time" not in detail
    # Closed in the month: 2; reported in the month: 4; confirmed in the month: 2.
    assert list_count(district, links["on_time"]) == 2
    assert list_count(district, links["self_found"]) == 4
    assert list_count(district, links["confirm_time"]) == 2
    # A verification decided in the month: the one closed on time, the one sent back.
    assert list_count(district, links["send_back"]) == 2


def test_each_component_lists_exactly_the_tickets_it_measured(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        world, month, t0 = build_month()
        # Major, its deadline passed within the month and still open at the month's end (the
        # sweep never flagged it, so today's "overdue" figure would not count it).
        with clock.travel_to(t0 + timedelta(days=2)):
            major = report(world, title="重大隐患")
        set_columns(major, grade="major", deadline=t0 + timedelta(days=5))
        run = compute_month(None, world.district.id, month)
        measured = {c: v["value"] for c, v in run.scores[0].components.items()}
        township_a = world.township_a.id
    assert measured["overdue_major"] == 1
    district = login("district")
    detail = district.get(f"/ranking/{month}/township/{township_a}").get_data(as_text=True)
    links = dict(
        re.findall(r'data-component="(\w+)">.*?href="([^"]+)"', detail.replace("&amp;", "&"), re.S)
    )
    counts = {component: list_count(district, url) for component, url in links.items()}
    assert counts == {
        "on_time": 2,  # closed in the month
        "close_time": 2,
        "overdue_major": 1,
        "confirm_time": 2,
        "self_found": 5,  # reported in the month
        "send_back": 2,  # a verification decided in the month
    }
    page = district.get(links["overdue_major"]).get_data(as_text=True)
    assert "重大隐患" in page and "乡镇风险管控指数" in page and "逾期重大隐患" in page
    # Another township's inspector follows the same link and sees none of township A's.
    assert list_count(login("inspector_b"), links["self_found"]) == 0
    invalid = links["self_found"].replace(month, "2026-13")
    assert list_count(district, invalid) == 0
    assert "地址中的月份或指标无效" in district.get(invalid).get_data(as_text=True)


def test_the_ranking_exports_as_xlsx(in_app: Any, login: Callable[[str], FlaskClient]) -> None:
    month, _a, _b = published(in_app)
    response = login("auditor").get(f"/ranking/{month}/xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2][:3] == (1, "甲镇", 70.42)
    assert rows[3][:3] == (2, "乙镇", "/")


def test_an_admin_computes_a_month_and_a_correction_needs_a_reason(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    month, _a, _b = published(in_app)
    admin = login("admin")
    refused = admin.post("/ranking/compute", data={"month": month}, follow_redirects=True)
    assert "已发布（第 1 版）" in refused.get_data(as_text=True)
    done = admin.post(
        "/ranking/compute", data={"month": month, "reason": "补录数据"}, follow_redirects=True
    )
    page = done.get_data(as_text=True)
    assert "补录数据" in page and re.search(r"(第 2 版|version 2)", page)
    assert "70.42" in admin.get(f"/ranking/{month}?version=1").get_data(as_text=True)
    assert login("inspector_a").post("/ranking/compute", data={"month": month}).status_code == 403


def test_an_admin_adds_a_weight_set_as_a_new_version(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    published_month = published(in_app)
    admin = login("admin")
    form = {
        "effective_from": "2030-03-15",
        "w_on_time": "50",
        "w_overdue_major": "50",
        "w_close_time": "0",
        "w_confirm_time": "0",
        "w_self_found": "0",
        "w_send_back": "0",
        "note": "加重按期率",
    }
    admin.post("/riskweights/add", data=form, follow_redirects=True)
    listing = admin.get("/riskweights/list/").get_data(as_text=True)
    assert "加重按期率" in listing and "2030-03-01" in listing
    bad = admin.post("/riskweights/add", data={**form, "w_on_time": "-1", "note": "负数"})
    assert "负数" not in admin.get("/riskweights/list/").get_data(as_text=True)
    assert bad.status_code == 200
    # Weights cannot reach back into a published month (a correction would change it).
    month, _a, _b = published_month
    back = {**form, "effective_from": f"{month}-20", "note": "倒签"}
    refused = admin.post("/riskweights/add", data=back, follow_redirects=True)
    assert f"{month} 及以前的月份已发布" in refused.get_data(as_text=True)
    assert "倒签" not in admin.get("/riskweights/list/").get_data(as_text=True)
