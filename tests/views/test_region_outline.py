"""An admin edits a region's outline as GeoJSON; what the map cannot draw is refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from app.models import Region
from app.services.transaction import session
from tests.factories import build_world

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[120.0, 30.0], [120.1, 30.0], [120.1, 30.1], [120.0, 30.1], [120.0, 30.0]]],
}


def test_an_outline_is_checked_saved_and_shown_again(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        township_id = build_world().township_a.id
    admin = login("admin")
    form = {"name": "甲镇", "code": "339901001", "sort_order": "0", "active": "y"}
    refused = admin.post(
        f"/regionview/edit/{township_id}", data={**form, "boundary_geojson": '{"type": "Point"}'}
    ).get_data(as_text=True)
    assert "GeoJSON Polygon" in refused
    admin.post(f"/regionview/edit/{township_id}", data={**form, "boundary_geojson": "{oops"})
    with in_app():
        assert session().get(Region, township_id).boundary is None
    admin.post(
        f"/regionview/edit/{township_id}",
        data={**form, "boundary_geojson": json.dumps(SQUARE)},
    )
    with in_app():
        assert session().get(Region, township_id).boundary == SQUARE
    page = admin.get(f"/regionview/edit/{township_id}").get_data(as_text=True)
    assert "120.1" in page and "Polygon" in page
