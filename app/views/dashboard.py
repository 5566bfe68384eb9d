"""The dashboard: the first screen after login, the user's scope in figures.

Thin: the figures come from ``app.services.dashboard``; every figure links to the hazard list
filtered by the same condition (the list's "figure" filter), period and region.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, request, url_for
from flask_appbuilder import AppBuilder, BaseView, IndexView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext
from flask_login import current_user

from app.domain.errors import DomainError, InvalidError
from app.domain.oversight import (
    FIGURE_LABELS,
    OPEN_STATE_ORDER,
    Figure,
    Period,
    parse_period,
    show_rate,
)
from app.domain.scope import Actor
from app.domain.vocabulary import RegionLevel, Source, State
from app.models import Region
from app.services import dashboard
from app.services.scoping import regions_for
from app.services.transaction import session
from app.views.scoped import current_actor

# URL arguments of the hazard list's filters (FAB: _flt_<index of the filter>_<column>).
REPORTED_FROM = "_flt_0_reported_at"
REPORTED_TO = "_flt_1_reported_at"
STATE_IS = "_flt_0_state"
FIGURE_IS = "_flt_2_state"
IN_REGION = "_flt_2_township"
TOWNSHIP_IS = "_flt_0_township"
CATEGORY_IS = "_flt_0_category"
SOURCE_IS = "_flt_0_source"
# The hazard list's argument for tickets opened by a checklist item (filters.TicketArgumentFilter).
CHECKLIST_ITEM_IS = "checklist_item"
BREAKDOWN_ARGS = {
    "township": TOWNSHIP_IS,
    "category": CATEGORY_IS,
    "source": SOURCE_IS,
    "checklist_item": CHECKLIST_ITEM_IS,
}


def hazard_list_url(
    period: Period,
    region_id: int | None,
    figure: Figure | None = None,
    **extra: Any,
) -> str:
    """The hazard list of exactly the tickets a dashboard figure counts."""
    first, last = period.as_text()
    args: dict[str, Any] = {}
    if first:
        args[REPORTED_FROM] = first
    if last:
        args[REPORTED_TO] = last
    if region_id is not None:
        args[IN_REGION] = region_id
    if figure is not None and figure is not Figure.REPORTED:
        args[FIGURE_IS] = figure.value
    args.update(extra)
    return url_for("HazardView.list", **args)


def read_filters() -> tuple[Period, int | None]:
    """The period and region asked for in the query string (bad input: all time, no region)."""
    try:
        period = parse_period(request.args.get("from"), request.args.get("to"))
    except InvalidError as refused:
        details = [message.render(gettext) for message in refused.field_errors.values()]
        flash(" ".join([refused.render(gettext), *details]), "danger")
        period = Period()
    return period, request.args.get("region", type=int)


def overview_regions(actor: Actor) -> list[tuple[int, str]]:
    """The district and townships ``actor`` may narrow an overview (dashboard, map) to."""
    rows = session().scalars(
        regions_for(actor)
        .where(Region.level.in_([RegionLevel.DISTRICT.value, RegionLevel.TOWNSHIP.value]))
        .order_by(Region.code)
    )
    return [(r.id, r.name) for r in rows]


class DashboardView(BaseView):
    """总览: the user's scope in figures, with a 12-month trend and breakdowns."""

    route_base = "/dashboard"
    default_view = "index"
    class_permission_name = "Dashboard"
    method_permission_name = {"index": "read"}
    base_permissions = ["can_read"]

    @expose("/")
    @has_access
    def index(self) -> Any:
        actor = current_actor()
        period, region_id = read_filters()
        try:
            figures = dashboard.summary(actor, period, region_id)
        except DomainError as refused:
            flash(refused.render(gettext), "danger")
            region_id = None
            figures = dashboard.summary(actor, period)

        def link(figure: Figure | None = None, **extra: Any) -> str:
            return hazard_list_url(period, region_id, figure, **extra)

        def month_link(row: dashboard.MonthFigures, figure: Figure | None = None) -> str:
            return hazard_list_url(row.period, region_id, figure)

        return self.render_template(
            "dashboard/index.html",
            title=gettext("Dashboard"),
            s=figures,
            Figure=Figure,
            labels=FIGURE_LABELS,
            open_states=OPEN_STATE_ORDER,
            state_label=lambda value: gettext(State(value).label),
            source_label=lambda value: gettext(Source(value).label),
            show_rate=show_rate,
            link=link,
            month_link=month_link,
            trend=dashboard.trend(actor, region_id),
            breakdowns=dashboard.breakdowns(actor, period, region_id),
            breakdown_arg=BREAKDOWN_ARGS,
            regions=overview_regions(actor),
            period_text=period.as_text(),
            region_id=region_id,
            STATE_IS=STATE_IS,
        )


class SafeLoopIndexView(IndexView):
    """ "/" is the dashboard for a signed-in user (the first screen after login), the login page
    for everyone else."""

    @expose("/")
    def index(self) -> Any:
        if not current_user.is_authenticated:
            return redirect(url_for(f"{self.appbuilder.sm.auth_view.endpoint}.login"))
        dashboard_view = next(v for v in self.appbuilder.baseviews if isinstance(v, DashboardView))
        return dashboard_view.index()


def figure_label(value: str | None) -> str:
    """The label of a dashboard figure named in the hazard list's URL ("" when none)."""
    try:
        return gettext(FIGURE_LABELS[Figure(value or "")])
    except ValueError:
        return ""


def register(appbuilder: AppBuilder) -> None:
    # The hazard list says which dashboard figure it shows (FAB's filter box cannot).
    current_app.jinja_env.globals["figure_label"] = figure_label
    appbuilder.add_view(
        DashboardView,
        "Dashboard",
        label=lazy_gettext("Dashboard"),
        icon="fa-tachometer",
        category="Oversight",
        category_label=lazy_gettext("Oversight"),
        category_icon="fa-line-chart",
    )


__all__ = ["DashboardView", "SafeLoopIndexView", "hazard_list_url", "register"]
