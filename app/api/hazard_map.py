"""The hazard map's layers as GeoJSON: ``/api/v1/map/hazards``, ``/enterprises``, ``/regions``."""

from __future__ import annotations

import math
from typing import Any

from apispec import APISpec
from flask import Response, request
from flask_appbuilder.api import BaseApi, expose, protect
from flask_appbuilder.security.decorators import permission_name

from app.api import schemas
from app.api.base import current_actor, reply
from app.api.errors import api_errors
from app.domain.errors import InvalidError
from app.domain.fields import invalid_data_message
from app.domain.geo import (
    MAX_ZOOM,
    BoundingBox,
    gcj02_to_wgs84,
    no_shift,
    parse_bbox,
    unshift_bbox,
    wgs84_to_gcj02,
)
from app.domain.messages import N_, Message
from app.domain.oversight import Figure, parse_period
from app.domain.vocabulary import Grade, State
from app.services import hazard_map


def _choice(name: str, allowed: tuple[str, ...]) -> str | None:
    value = (request.args.get(name) or "").strip()
    if value and value not in allowed:
        raise InvalidError(
            invalid_data_message(), {name: Message(N_("This value is not allowed."))}
        )
    return value or None


def _number(name: str, default: int, top: int) -> int:
    text = (request.args.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) > top:
        raise InvalidError(
            invalid_data_message(), {name: Message(N_("This value is not allowed."))}
        )
    return int(text)


def map_filters() -> hazard_map.MapFilters:
    """The hazard list's filters from the query string (bad values: 422)."""
    figure = _choice("figure", tuple(f.value for f in Figure))
    return hazard_map.MapFilters(
        period=parse_period(request.args.get("from"), request.args.get("to")),
        region_id=_number("region", 0, 2**31) or None,
        state=_choice("state", State.values()),
        grade=_choice("grade", Grade.values()),
        figure=Figure(figure) if figure else None,
    )


def _gcj02() -> bool:
    return _choice("display", ("wgs84", "gcj02")) == "gcj02"


def display_shift() -> Any:
    """GCJ-02 when the map's tiles are drawn in it (``display=gcj02``); WGS-84 otherwise."""
    return wgs84_to_gcj02 if _gcj02() else no_shift


def view_bbox() -> BoundingBox | None:
    """The ``bbox`` of the map's view, in the stored WGS-84 (it is drawn in the display's)."""
    box = parse_bbox(request.args.get("bbox"))
    return unshift_bbox(box, gcj02_to_wgs84) if box is not None and _gcj02() else box


def _coordinate(name: str, limit: float) -> float:
    try:
        value = float(request.args.get(name) or "")
    except ValueError:
        value = math.nan
    if not -limit <= value <= limit:
        raise InvalidError(
            invalid_data_message(), {name: Message(N_("This value is not allowed."))}
        )
    return value


class MapApi(BaseApi):
    """风险隐患一张图: hazards (points or aggregates), enterprises and outlines in scope."""

    resource_name = "map"
    openapi_spec_tag = "Oversight"
    allow_browser_login = True
    class_permission_name = "MapApi"
    method_permission_name = {
        "hazards": "get",
        "enterprises": "get",
        "regions": "get",
        "point": "get",
    }

    @expose("/hazards", methods=["GET"])
    @protect()
    @permission_name("get")
    @api_errors
    def hazards(self) -> Response:
        found = hazard_map.hazard_features(
            current_actor(),
            map_filters(),
            view_bbox(),
            _number("zoom", 12, MAX_ZOOM),
            display_shift(),
        )
        return reply(200, found)

    @expose("/enterprises", methods=["GET"])
    @protect()
    @permission_name("get")
    @api_errors
    def enterprises(self) -> Response:
        found = hazard_map.enterprise_features(current_actor(), view_bbox(), display_shift())
        return reply(200, found)

    @expose("/regions", methods=["GET"])
    @protect()
    @permission_name("get")
    @api_errors
    def regions(self) -> Response:
        return reply(200, hazard_map.region_features(current_actor(), display_shift()))

    @expose("/point", methods=["GET"])
    @protect()
    @permission_name("get")
    @api_errors
    def point(self) -> Response:
        """One point in both systems: ``lon``/``lat`` as drawn (``display``) or, with
        ``from=wgs84``, as stored; the report form's map converts a click or a GPS fix."""
        lon, lat = _coordinate("lon", 180.0), _coordinate("lat", 90.0)
        gcj02 = _gcj02()
        if _choice("from", ("display", "wgs84")) == "wgs84":
            wgs84 = (lon, lat)
            shown = wgs84_to_gcj02(lon, lat) if gcj02 else wgs84
        else:
            shown = (lon, lat)
            wgs84 = gcj02_to_wgs84(lon, lat) if gcj02 else shown
        return reply(
            200,
            {
                "wgs84": [round(wgs84[0], 6), round(wgs84[1], 6)],
                "display": [round(shown[0], 6), round(shown[1], 6)],
            },
        )

    def add_api_spec(self, api_spec: APISpec) -> None:
        def query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
            return {"name": name, "in": "query", "schema": schema, "description": description}

        display = query(
            "display",
            {"type": "string", "enum": ["wgs84", "gcj02"]},
            "coordinates for tiles drawn in GCJ-02 (stored data stays WGS-84)",
        )
        bbox = query("bbox", {"type": "string"}, "west,south,east,north in degrees")
        collection = {
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "mode": {"type": "string", "enum": ["points", "cells"]},
                "total": {"type": "integer"},
                "features": {"type": "array", "items": {"type": "object"}},
            },
        }
        hazard_parameters = [
            bbox,
            query("zoom", {"type": "integer"}, "map zoom; sets the aggregation cell size"),
            query("from", {"type": "string", "format": "date"}, "reported on or after"),
            query("to", {"type": "string", "format": "date"}, "reported on or before"),
            query("region", {"type": "integer"}, "a region id of any level"),
            query("state", {"type": "string", "enum": list(State.values())}, "state"),
            query("grade", {"type": "string", "enum": list(Grade.values())}, "grade"),
            query("figure", {"type": "string", "enum": [f.value for f in Figure]}, "figure"),
            display,
        ]
        pair = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}
        point = {"type": "object", "properties": {"wgs84": pair, "display": pair}}
        for path, summary, parameters, answer in (
            (
                "/hazards",
                "Hazards in view: every point up to 2,000, else one aggregate per grid cell",
                hazard_parameters,
                ("GeoJSON", collection),
            ),
            (
                "/enterprises",
                "Enterprises in scope with coordinates",
                [bbox, display],
                ("GeoJSON", collection),
            ),
            (
                "/regions",
                "Outlines of the regions in scope (GeoJSON)",
                [display],
                ("GeoJSON", collection),
            ),
            (
                "/point",
                "One point as stored (WGS-84) and as drawn: a click on the map, a GPS fix",
                [
                    query("lon", {"type": "number"}, "longitude"),
                    query("lat", {"type": "number"}, "latitude"),
                    query(
                        "from",
                        {"type": "string", "enum": ["display", "wgs84"]},
                        "the system lon/lat are given in (default: display)",
                    ),
                    display,
                ],
                ("[lon, lat] in both systems", point),
            ),
        ):
            schemas.read_only_path(
                api_spec,
                f"{self.route_base}{path}",
                self.openapi_spec_tag,
                summary,
                parameters,
                answer,
            )
