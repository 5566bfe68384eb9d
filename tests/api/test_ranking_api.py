"""GET /api/v1/ranking/<YYYY-MM> and /latest: a published month as JSON."""

from __future__ import annotations

from app.services.risk_index import compute_month
from app.services.transaction import session
from tests.api.conftest import ApiUsers, isolated_client
from tests.oversight_data import build_month


def test_a_published_month_and_the_latest_one(ctx: object) -> None:
    world, month, _t0 = build_month()
    compute_month(None, world.district.id, month)
    session().commit()
    api = ApiUsers(isolated_client(ctx))  # type: ignore[arg-type]
    body = api.get("district", f"/api/v1/ranking/{month}").get_json()
    assert (body["month"], body["version"], body["weight_set"]["version"]) == (month, 1, 1)
    first, second = body["townships"]
    assert (first["township"], first["rank"], first["score"]) == ("甲镇", 1, 70.42)
    assert first["components"]["on_time"] == {"value": 50.0, "score": 50.0}
    assert (second["township"], second["rank"], second["score"]) == ("乙镇", 2, None)
    assert api.get("auditor", "/api/v1/ranking/latest").get_json()["month"] == month
    assert api.get("district", "/api/v1/ranking/2001-01").status_code == 404
    assert api.get("district", "/api/v1/ranking/2001-13").status_code == 422
    assert api.get("officer_e1", "/api/v1/ranking/latest").status_code == 403
