"""/api/v1/map/…: the hazards of the caller's scope as GeoJSON (points, or per-cell aggregates
when too many are in view), enterprises and region outlines; GCJ-02 only for display."""

from __future__ import annotations

from typing import Any

import pytest

from app.domain.geo import gcj02_to_wgs84, wgs84_to_gcj02
from app.services import hazard_map
from tests.api.conftest import ApiUsers
from tests.factories import World
from tests.oversight_data import build_tickets, place

M = "/api/v1/map"


def features(api: ApiUsers, user: str, query: str = "") -> list[dict[str, Any]]:
    body = api.get(user, f"{M}/hazards?{query}").get_json()
    assert body["type"] == "FeatureCollection" and body["total"] == len(body["features"])
    return body["features"]


def test_points_are_the_callers_scope_with_the_lists_filters(api: ApiUsers, world: World) -> None:
    build_tickets(world)
    own = place(world)
    everything = features(api, "district")
    assert len(everything) == 9
    assert {f["properties"]["state"] for f in everything} >= {"closed", "reported", "rejected"}
    assert len(features(api, "inspector_b")) == 1
    assert len(features(api, "officer_e1")) == 8
    assert len(features(api, "district", "bbox=120.0,30.0,120.2,30.3")) == 8
    major = features(api, "district", "grade=major")
    assert len(major) == 1 and major[0]["properties"]["overdue"] is True
    assert len(features(api, "district", f"region={world.township_b.id}")) == 1
    mine = next(f for f in everything if f["properties"]["id"] == own)
    assert mine["geometry"]["coordinates"] == [120.12, 30.25]
    assert mine["properties"]["url"].endswith(f"/hazard/show/{own}")
    shifted = features(api, "district", "display=gcj02")
    moved = next(f for f in shifted if f["properties"]["id"] == own)["geometry"]["coordinates"]
    assert moved == [round(v, 6) for v in wgs84_to_gcj02(120.12, 30.25)]


def test_too_many_points_are_sent_as_cell_aggregates(
    api: ApiUsers, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_tickets(world)
    place(world)
    monkeypatch.setattr(hazard_map, "POINT_LIMIT", 3)
    body = api.get("district", f"{M}/hazards?zoom=8").get_json()
    assert body["mode"] == "cells" and body["total"] == 9
    assert sum(f["properties"]["count"] for f in body["features"]) == 9
    assert all(f["properties"]["cluster"] for f in body["features"])
    assert sum(f["properties"]["major"] for f in body["features"]) == 1


def test_outlines_and_enterprises_are_layers_within_scope(api: ApiUsers, world: World) -> None:
    build_tickets(world)
    place(world)
    outlines = api.get("district", f"{M}/regions").get_json()["features"]
    assert [f["properties"]["name"] for f in outlines] == ["甲镇"]
    assert api.get("inspector_b", f"{M}/regions").get_json()["features"] == []
    names = {
        f["properties"]["name"]
        for f in api.get("inspector_b", f"{M}/enterprises").get_json()["features"]
    }
    assert names == {"乙食品厂"}


def test_bad_map_input_is_refused(api: ApiUsers, world: World) -> None:
    assert api.get("district", f"{M}/hazards?bbox=1,2,3").status_code == 422
    assert api.get("district", f"{M}/hazards?grade=huge").status_code == 422
    assert api.get("district", f"{M}/hazards?zoom=99").status_code == 422


def test_a_box_drawn_on_gcj02_tiles_finds_the_points_drawn_in_it(
    api: ApiUsers, world: World
) -> None:
    build_tickets(world)
    own = place(world)  # stored at 120.12, 30.25 (WGS-84)
    x, y = wgs84_to_gcj02(120.12, 30.25)  # where GCJ-02 tiles draw it (~500 m away)
    around = f"bbox={x - 0.001},{y - 0.001},{x + 0.001},{y + 0.001}"
    drawn = features(api, "district", f"display=gcj02&{around}")
    assert own in [f["properties"]["id"] for f in drawn]
    # The same box read as WGS-84 lies beside the stored point: nothing there.
    assert own not in [f["properties"]["id"] for f in features(api, "district", around)]


def test_a_click_on_gcj02_tiles_is_stored_in_wgs84(api: ApiUsers, world: World) -> None:
    x, y = wgs84_to_gcj02(120.12, 30.25)
    clicked = api.get("grid_a", f"{M}/point?lon={x}&lat={y}&display=gcj02").get_json()
    assert clicked == {"wgs84": [120.12, 30.25], "display": [round(x, 6), round(y, 6)]}
    fix = api.get("grid_a", f"{M}/point?lon=120.12&lat=30.25&from=wgs84&display=gcj02")
    assert fix.get_json() == clicked
    plain = api.get("grid_a", f"{M}/point?lon=120.12&lat=30.25").get_json()
    assert plain == {"wgs84": [120.12, 30.25], "display": [120.12, 30.25]}
    assert api.get("grid_a", f"{M}/point?lon=abc&lat=30").status_code == 422
    assert api.get("grid_a", f"{M}/point?lon=120&lat=91").status_code == 422


@pytest.mark.parametrize("point", [(120.12, 30.25), (116.39, 39.91), (113.26, 23.13)])
def test_gcj02_is_undone_to_well_under_a_centimetre(point: tuple[float, float]) -> None:
    back = gcj02_to_wgs84(*wgs84_to_gcj02(*point))
    assert abs(back[0] - point[0]) < 1e-7 and abs(back[1] - point[1]) < 1e-7
