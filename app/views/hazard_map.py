"""The hazard map (风险隐患一张图): one page; its layers come from ``/api/v1/map/…``."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app, url_for
from flask_appbuilder import AppBuilder, BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext

from app.domain.geo import wgs84_to_gcj02
from app.domain.vocabulary import Grade, State
from app.models import Enterprise
from app.services.scoping import enterprises_for
from app.services.transaction import session
from app.views.dashboard import overview_regions
from app.views.scoped import current_actor

# Where the map opens before the outlines arrive (the district's enterprises' centre, else this).
DEFAULT_CENTRE = (120.1, 30.25)


def map_config() -> dict[str, Any]:
    """What the page's script needs: tile settings, API URLs, labels, the starting view."""
    config = current_app.config
    display = "gcj02" if config["SAFELOOP_MAP_TILE_CRS"] == "gcj02" else "wgs84"
    centre = (
        session()
        .execute(
            enterprises_for(current_actor())
            .with_only_columns(sa.func.avg(Enterprise.longitude), sa.func.avg(Enterprise.latitude))
            .where(Enterprise.latitude.is_not(None))
        )
        .one()
    )
    lon, lat = (float(centre[0]), float(centre[1])) if centre[0] is not None else DEFAULT_CENTRE
    if display == "gcj02":
        lon, lat = wgs84_to_gcj02(lon, lat)
    return {
        "tileUrl": config["SAFELOOP_MAP_TILE_URL"],
        "tileAttribution": config["SAFELOOP_MAP_TILE_ATTRIBUTION"],
        "display": display,
        "center": [lon, lat],
        "zoom": 12,
        "urls": {
            "hazards": url_for("MapApi.hazards"),
            "enterprises": url_for("MapApi.enterprises"),
            "regions": url_for("MapApi.regions"),
            "point": url_for("MapApi.point"),
        },
        "labels": {
            "hazards": gettext("Hazards"),
            "enterprises": gettext("Enterprises"),
            "outlines": gettext("Region outlines"),
        },
    }


class HazardMapView(BaseView):
    """风险隐患一张图: the hazards of the user's scope on a map, with the list's filters."""

    route_base = "/map"
    default_view = "index"
    class_permission_name = "HazardMap"
    method_permission_name = {"index": "read"}
    base_permissions = ["can_read"]

    @expose("/")
    @has_access
    def index(self) -> Any:
        return self.render_template(
            "map/index.html",
            title=gettext("Hazard map"),
            map_config=map_config(),
            regions=overview_regions(current_actor()),
            states=[(s.value, gettext(s.label)) for s in State],
            grades=[(g.value, gettext(g.label)) for g in Grade],
        )


def register(appbuilder: AppBuilder) -> None:
    appbuilder.add_view(
        HazardMapView,
        "Hazard map",
        label=lazy_gettext("Hazard map"),
        icon="fa-map-marker",
        category="Oversight",
    )
