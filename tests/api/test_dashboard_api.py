"""GET /api/v1/dashboard/summary: the dashboard's figures as JSON, for the caller's scope."""

from __future__ import annotations

from datetime import timedelta

from app.domain.vocabulary import State
from app.services.transaction import session
from tests.api.conftest import ApiUsers
from tests.factories import World, local_now
from tests.oversight_data import build_tickets

S = "/api/v1/dashboard/summary"


def test_all_time_figures_and_by_state_add_up_to_the_hazard_list(
    api: ApiUsers, world: World
) -> None:
    build_tickets(world)
    session().commit()
    for user in ("district", "inspector_a", "officer_e1", "grid_b"):
        body = api.get(user, S).get_json()
        listed = api.get(user, "/api/v1/hazard/?q=(page_size:1)").get_json()["count"]
        assert sum(body["by_state"].values()) == body["counts"]["reported"] == listed, user
    district = api.get("district", S).get_json()
    assert district["counts"]["closed"] == 2 and district["counts"]["confirmed"] == 5
    assert district["rectification_rate"] == 40.0 and district["on_time_rate"] == 50.0
    assert district["by_state"][State.REJECTED.value] == 1
    assert district["supervised"][0]["days_left"] == 20
    assert district["p90_hours_to_close"] == 0 and district["mean_hours_to_close"] is not None


def test_period_and_region_narrow_the_figures(api: ApiUsers, world: World) -> None:
    build_tickets(world)
    session().commit()
    today = local_now().date()
    recent = api.get("district", f"{S}?from={(today - timedelta(days=7)).isoformat()}").get_json()
    assert recent["counts"]["reported"] == 8 and recent["period"]["from"]
    township_b = api.get("district", f"{S}?region={world.township_b.id}").get_json()
    assert township_b["counts"]["reported"] == 1 and township_b["region"]["name"] == "乙镇"


def test_rates_without_a_denominator_are_null(api: ApiUsers, world: World) -> None:
    body = api.get("inspector_b", S).get_json()
    assert body["counts"]["reported"] == 0
    assert body["rectification_rate"] is None and body["on_time_rate"] is None


def test_bad_input_is_refused_with_a_clear_message(api: ApiUsers, world: World) -> None:
    response = api.get("district", f"{S}?from=2026-02-30")
    assert response.status_code == 422 and "from" in str(response.get_json())
    response = api.get("district", f"{S}?from=2026-03-02&to=2026-03-01")
    assert response.status_code == 422
    assert api.get("inspector_b", f"{S}?region={world.township_a.id}").status_code == 404


def test_the_summary_is_documented_in_the_openapi(api: ApiUsers, world: World) -> None:
    spec = api.get("admin", "/api/v1/_openapi").get_json()
    operation = spec["paths"]["/api/v1/dashboard/summary"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"from", "to", "region"}


def test_the_trend_and_the_breakdowns_are_the_screen_s_own(api: ApiUsers, world: World) -> None:
    build_tickets(world)
    session().commit()
    months = api.get("district", "/api/v1/dashboard/trend").get_json()["months"]
    assert len(months) == 12 and months[-1]["reported"] == 8 and months[-1]["closed"] == 2
    assert months[-1]["rectification_rate"] == 25.0
    assert months[-1]["month"] == local_now().date().isoformat()[:7]
    found = api.get("district", "/api/v1/dashboard/breakdowns").get_json()
    assert set(found) == {"township", "category", "source", "checklist_item"}
    townships = {row["label"]: row["reported"] for row in found["township"]}
    assert townships == {"甲镇": 8, "乙镇": 1}
    assert sum(row["reported"] for row in found["source"]) == 9
    # Scoped like everything else: another township's inspector counts only its own.
    own = api.get("inspector_b", "/api/v1/dashboard/breakdowns").get_json()["township"]
    assert [(row["label"], row["reported"]) for row in own] == [("乙镇", 1)]
    region_a = f"region={world.township_a.id}"
    assert api.get("inspector_b", f"/api/v1/dashboard/trend?{region_a}").status_code == 404
    assert api.get("inspector_b", f"/api/v1/dashboard/breakdowns?{region_a}").status_code == 404
    spec = api.get("admin", "/api/v1/_openapi").get_json()["paths"]
    assert {"/api/v1/dashboard/trend", "/api/v1/dashboard/breakdowns"} <= set(spec)
