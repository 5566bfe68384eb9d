"""Places on the hazard map: bounding boxes, zoom-dependent clustering cells, GeoJSON checks,
and the WGS-84 → GCJ-02 shift that Chinese web maps need for display.

Coordinates are stored in WGS-84, as phones report them. Most Chinese tile services draw in
GCJ-02 ("Mars coordinates"); when the configured tiles do, points and outlines are shifted with
:func:`wgs84_to_gcj02` on the way to the browser, never in the database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from shapely.geometry import Point, shape

from app.domain.errors import InvalidError
from app.domain.fields import invalid_data_message
from app.domain.messages import N_, Message


@dataclass(frozen=True)
class BoundingBox:
    """West, south, east, north in degrees (WGS-84)."""

    west: float
    south: float
    east: float
    north: float


def _bad(field: str, msgid: str) -> InvalidError:
    return InvalidError(invalid_data_message(), {field: Message(msgid)})


def parse_bbox(text: str | None) -> BoundingBox | None:
    """``"west,south,east,north"`` -> BoundingBox; None when not given."""
    if not text or not text.strip():
        return None
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError:
        raise _bad("bbox", N_("Give the box as west,south,east,north in degrees.")) from None
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise _bad("bbox", N_("Give the box as west,south,east,north in degrees."))
    return BoundingBox(west, south, east, north)


# Up to this many tickets in view, the map gets every point (and clusters them itself);
# above it, the server sends one aggregate per grid cell.
POINT_LIMIT = 2000
MAX_ZOOM = 20


def cell_degrees(zoom: int) -> float:
    """The side of a clustering cell at ``zoom``: about 64 pixels of a 256-pixel tile."""
    zoom = max(0, min(MAX_ZOOM, zoom))
    return 360.0 / (2**zoom) / 4.0


# ---------------------------------------------------------------- GeoJSON region outlines

_AREAS = {"Polygon": 1, "MultiPolygon": 2}


def check_boundary(geometry: Any) -> dict[str, Any]:
    """A region outline: a GeoJSON Polygon or MultiPolygon (or a Feature holding one) with
    longitude/latitude pairs in range. Returns the geometry; InvalidError names the problem."""
    if isinstance(geometry, dict) and geometry.get("type") == "Feature":
        geometry = geometry.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") not in _AREAS:
        raise _bad("boundary", N_("The outline must be a GeoJSON Polygon or MultiPolygon."))
    depth = _AREAS[geometry["type"]]
    rings: Any = geometry.get("coordinates")
    polygons: Any = rings if depth == 2 else [rings]
    try:
        for polygon in polygons:
            for ring in polygon:
                if len(ring) < 4:
                    raise ValueError
                for lon, lat, *_rest in ring:
                    if not (-180 <= float(lon) <= 180 and -90 <= float(lat) <= 90):
                        raise ValueError
    except (TypeError, ValueError):
        raise _bad(
            "boundary", N_("The outline's rings need at least 4 [longitude, latitude] points.")
        ) from None
    return {"type": geometry["type"], "coordinates": rings}


def region_at(lon: float, lat: float, outlines: Iterable[tuple[int, dict[str, Any]]]) -> int | None:
    """The id of the first region whose outline covers the point (its edge included)."""
    point = Point(lon, lat)
    for region_id, outline in outlines:
        if shape(outline).covers(point):
            return region_id
    return None


def map_coordinates(geometry: dict[str, Any], shift: Any) -> dict[str, Any]:
    """The geometry with every [lon, lat] passed through ``shift(lon, lat) -> (lon, lat)``."""

    def walk(value: Any) -> Any:
        if value and isinstance(value[0], int | float):
            lon, lat = shift(float(value[0]), float(value[1]))
            return [round(lon, 6), round(lat, 6)]
        return [walk(item) for item in value]

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


# ---------------------------------------------------------------- WGS-84 -> GCJ-02

_A = 6378245.0
_EE = 0.00669342162296594323


def outside_china(lon: float, lat: float) -> bool:
    """GCJ-02 only applies inside mainland China (a coarse box, as every implementation)."""
    return not (73.66 < lon < 135.05 and 3.86 < lat < 53.55)


def _lat_offset(x: float, y: float) -> float:
    value = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    value += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    value += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    value += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2 / 3
    return value


def _lon_offset(x: float, y: float) -> float:
    value = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    value += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    value += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    value += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
    return value


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """The published GCJ-02 transform (unchanged outside China)."""
    if outside_china(lon, lat):
        return lon, lat
    d_lat = _lat_offset(lon - 105.0, lat - 35.0)
    d_lon = _lon_offset(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """The inverse of :func:`wgs84_to_gcj02` (a click on GCJ-02 tiles, a box drawn on them):
    fixed-point iteration, to well under a centimetre in a few steps."""
    if outside_china(lon, lat):
        return lon, lat
    x, y = lon, lat
    for _ in range(6):
        shifted_x, shifted_y = wgs84_to_gcj02(x, y)
        x, y = x + (lon - shifted_x), y + (lat - shifted_y)
    return x, y


def no_shift(lon: float, lat: float) -> tuple[float, float]:
    return lon, lat


def unshift_bbox(box: BoundingBox, unshift: Any) -> BoundingBox:
    """A box drawn in display coordinates, in the stored WGS-84 ones (the shift varies
    slowly: its corners are enough)."""
    west, south = unshift(box.west, box.south)
    east, north = unshift(box.east, box.north)
    return BoundingBox(west, south, east, north)
