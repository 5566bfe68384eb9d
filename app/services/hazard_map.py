"""The hazard map's data: scoped tickets as GeoJSON points, or one aggregate per grid cell when
too many are in view; enterprises and region outlines as layers.

A ticket's place is its own coordinates, or else its enterprise's. Scope, period, region and the
list's filters are the dashboard's (``app.services.dashboard.cohort``), so the map shows exactly
what the hazard list lists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.sql.elements import ColumnElement

from app.domain.geo import POINT_LIMIT, BoundingBox, cell_degrees, map_coordinates
from app.domain.oversight import Figure, Period
from app.domain.scope import Actor
from app.domain.vocabulary import Grade, RegionLevel, State
from app.models import Enterprise, Hazard, Region
from app.models.sql_functions import cell_index
from app.services.dashboard import cohort, figure_clause, visible_region
from app.services.scoping import enterprises_for, regions_for
from app.services.transaction import session

Shift = Callable[[float, float], tuple[float, float]]

LATITUDE = sa.func.coalesce(Hazard.latitude, Enterprise.latitude)
LONGITUDE = sa.func.coalesce(Hazard.longitude, Enterprise.longitude)


@dataclass(frozen=True)
class MapFilters:
    """The hazard list's filters, as the map takes them."""

    period: Period = field(default_factory=Period)
    region_id: int | None = None
    state: str | None = None
    grade: str | None = None
    figure: Figure | None = None


def _conditions(actor: Actor, filters: MapFilters, bbox: BoundingBox | None) -> list[Any]:
    visible_region(actor, filters.region_id)
    where: list[ColumnElement[bool]] = [
        *cohort(actor, filters.period, filters.region_id),
        LATITUDE.is_not(None),
        LONGITUDE.is_not(None),
    ]
    if filters.state:
        where.append(Hazard.state == State(filters.state).value)
    if filters.grade:
        where.append(Hazard.grade == Grade(filters.grade).value)
    if filters.figure:
        where.append(figure_clause(filters.figure))
    if bbox is not None:
        where += [
            bbox.west <= LONGITUDE,
            bbox.east >= LONGITUDE,
            bbox.south <= LATITUDE,
            bbox.north >= LATITUDE,
        ]
    return where


def _point(lon: Any, lat: Any, shift: Shift, properties: dict[str, Any]) -> dict[str, Any]:
    x, y = shift(float(lon), float(lat))
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(x, 6), round(y, 6)]},
        "properties": properties,
    }


def _from_hazards(query: Any) -> Any:
    return query.select_from(Hazard).outerjoin(Enterprise, Enterprise.id == Hazard.enterprise_id)


def hazard_features(
    actor: Actor, filters: MapFilters, bbox: BoundingBox | None, zoom: int, shift: Shift
) -> dict[str, Any]:
    """The tickets in view as GeoJSON: every point up to POINT_LIMIT, else grid-cell aggregates."""
    where = _conditions(actor, filters, bbox)
    db = session()
    total = int(db.execute(_from_hazards(sa.select(sa.func.count())).where(*where)).scalar_one())
    if total <= POINT_LIMIT:
        rows = db.execute(
            _from_hazards(
                sa.select(
                    Hazard.id,
                    Hazard.code,
                    Hazard.title,
                    Hazard.grade,
                    Hazard.state,
                    Hazard.overdue,
                    LONGITUDE.label("lon"),
                    LATITUDE.label("lat"),
                )
            ).where(*where)
        )
        features = [
            _point(
                row.lon,
                row.lat,
                shift,
                {
                    "id": row.id,
                    "code": row.code,
                    "title": row.title,
                    "grade": row.grade,
                    "state": row.state,
                    "overdue": bool(row.overdue),
                    "url": url_for("HazardView.show", pk=row.id),
                },
            )
            for row in rows
        ]
        return {"type": "FeatureCollection", "mode": "points", "total": total, "features": features}
    size = cell_degrees(zoom)
    cell_x = cell_index(LONGITUDE + 180, size)
    cell_y = cell_index(LATITUDE + 90, size)
    rows = db.execute(
        _from_hazards(
            sa.select(
                sa.func.count().label("count"),
                sa.func.avg(LONGITUDE).label("lon"),
                sa.func.avg(LATITUDE).label("lat"),
                sa.func.count().filter(Hazard.grade == Grade.MAJOR.value).label("major"),
                sa.func.count().filter(figure_clause(Figure.OVERDUE_OPEN)).label("overdue"),
            )
        )
        .where(*where)
        .group_by(cell_x, cell_y)
    )
    features = [
        _point(
            row.lon,
            row.lat,
            shift,
            {"cluster": True, "count": row.count, "major": row.major, "overdue": row.overdue},
        )
        for row in rows
    ]
    return {"type": "FeatureCollection", "mode": "cells", "total": total, "features": features}


def enterprise_features(actor: Actor, bbox: BoundingBox | None, shift: Shift) -> dict[str, Any]:
    """The enterprises in scope (and in view) that have coordinates."""
    query = enterprises_for(actor).where(
        Enterprise.latitude.is_not(None), Enterprise.longitude.is_not(None)
    )
    if bbox is not None:
        query = query.where(
            Enterprise.longitude.between(bbox.west, bbox.east),
            Enterprise.latitude.between(bbox.south, bbox.north),
        )
    rows = session().scalars(query.limit(POINT_LIMIT))
    features = [_point(e.longitude, e.latitude, shift, {"id": e.id, "name": e.name}) for e in rows]
    return {"type": "FeatureCollection", "features": features}


OUTLINED_LEVELS = (RegionLevel.DISTRICT, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)


def region_features(actor: Actor, shift: Shift) -> dict[str, Any]:
    """The outlines of the districts, townships and villages in scope that have one."""
    rows = session().scalars(
        regions_for(actor).where(
            Region.boundary.is_not(None),
            Region.level.in_([level.value for level in OUTLINED_LEVELS]),
        )
    )
    features = [
        {
            "type": "Feature",
            "geometry": map_coordinates(region.boundary, shift),
            "properties": {"id": region.id, "name": region.name, "level": region.level},
        }
        for region in rows
        if region.boundary
    ]
    return {"type": "FeatureCollection", "features": features}
