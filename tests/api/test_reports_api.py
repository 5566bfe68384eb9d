"""The three lists through the API: 202 with an id, status and progress, download in scope."""

from __future__ import annotations

import csv
import io

from app.jobs import produce_report_job
from tests.api.conftest import ApiUsers
from tests.factories import World, report


def test_a_register_is_asked_for_followed_and_downloaded(api: ApiUsers, world: World) -> None:
    report(world)
    report(world, who="grid_b", enterprise=world.b1, title="乙厂隐患")
    asked = api.post(
        "inspector_a",
        "/api/v1/report/",
        json={"list": "hazard", "format": "csv", "filters": {"grade": "general"}},
    )
    assert asked.status_code == 202
    body = asked.get_json()
    assert body["status"] == "queued" and body["filters"] == {"grade": "general"}
    report_id = body["id"]
    assert api.get("inspector_a", f"/api/v1/report/{report_id}/download").status_code == 409
    produce_report_job(report_id)
    status = api.get("auditor", f"/api/v1/report/{report_id}").get_json()
    assert status["status"] == "finished" and status["progress"] == 100 and status["row_count"] == 1
    assert len(status["sha256"]) == 64
    download = api.get("district", f"/api/v1/report/{report_id}/download")
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.get_data().decode("utf-8-sig"))))
    # Header, one row, the seal line (issue 13).
    assert len(rows) == 3 and "乙厂隐患" not in download.get_data().decode("utf-8-sig")
    for outsider in ("inspector_b", "officer_e1", "grid_b"):
        assert api.get(outsider, f"/api/v1/report/{report_id}").status_code == 404
        assert api.get(outsider, f"/api/v1/report/{report_id}/download").status_code == 404


def test_bad_requests_name_each_problem(api: ApiUsers, world: World) -> None:
    refused = api.post(
        "auditor",
        "/api/v1/report/",
        json={"list": "all", "format": "doc", "filters": {"state": "x"}},
    )
    assert refused.status_code == 422
    assert set(refused.get_json()["fields"]) == {"list", "format", "state"}
    outside = api.post(
        "inspector_b",
        "/api/v1/report/",
        json={"list": "hazard", "format": "pdf", "filters": {"region_id": world.township_a.id}},
    )
    assert outside.status_code == 422 and "region_id" in outside.get_json()["fields"]
