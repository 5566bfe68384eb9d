"""List filters that suit SafeLoop's columns and stay on indexes.

FAB offers "starts with"/"contains" first on every string column, which scans the table; the
enumerated columns (state, grade, source …) filter by equality only and show a select box.
Instants are stored in UTC, so date filters read the user's local calendar day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import (
    FilterContains,
    FilterEqual,
    FilterNotEqual,
    FilterStartsWith,
    SQLAFilterConverter,
    get_field_setup_query,
)
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext, lazy_gettext

from app.domain.errors import InvalidError
from app.domain.fields import MAX_ID
from app.domain.oversight import Figure, month_key, parse_month
from app.domain.risk_index import COMPONENT_LABELS, Component
from app.domain.scope import scope_of
from app.models import Hazard
from app.services import clock
from app.services.custom_fields import extra_filters
from app.services.dashboard import figure_clause, region_clause
from app.services.inspections import checklist_item_labels, opened_by_item
from app.services.risk_index import component_tickets
from app.services.scoping import scope_clause
from app.services.transaction import session
from app.views.scoped import current_actor

# String columns holding a closed vocabulary: equality only (indexed).
ENUMERATED_COLUMNS = frozenset(
    {"state", "grade", "source", "nature", "kind", "level", "industry", "status"}
)
# Codes are searched by prefix (YH-330199001-2026-…), on the unique index.
PREFIX_COLUMNS = frozenset({"code", "credit_code"})


def _local_day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


class FilterOnOrAfterDay(BaseFilter):
    """Instants on or after the start of the given local day."""

    name = lazy_gettext("On or after")
    arg_name = "dge"

    def apply(self, query: Any, value: Any) -> Any:
        day = _local_day(value)
        if day is None:
            return query
        query, field = get_field_setup_query(query, self.model, self.column_name)
        start = datetime.combine(day, time.min, tzinfo=clock.zone())
        return query.filter(field >= start)


class FilterOnOrBeforeDay(BaseFilter):
    """Instants on or before the end of the given local day."""

    name = lazy_gettext("On or before")
    arg_name = "dle"

    def apply(self, query: Any, value: Any) -> Any:
        day = _local_day(value)
        if day is None:
            return query
        query, field = get_field_setup_query(query, self.model, self.column_name)
        end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=clock.zone())
        return query.filter(field < end)


class FilterFigure(BaseFilter):
    """Hazards counted by one dashboard figure (the same SQL condition the dashboard counts)."""

    name = lazy_gettext("Dashboard figure")
    arg_name = "fig"

    def apply(self, query: Any, value: Any) -> Any:
        text = str(value or "").strip()
        if not text:  # an emptied filter box filters nothing
            return query
        try:
            figure = Figure(text)
        except ValueError:
            return query.filter(sa.false())
        return query.filter(figure_clause(figure))


class FilterInRegion(BaseFilter):
    """Hazards located in a region of any level (district, township, village or grid)."""

    name = lazy_gettext("In region")
    arg_name = "inr"

    def apply(self, query: Any, value: Any) -> Any:
        text = str(value or "").strip()
        if not text:
            return query
        try:
            region_id = int(text)
        except ValueError:
            return query.filter(sa.false())
        return query.filter(region_clause(region_id))


# Extra filters per column, appended after FAB's own (so their URL indexes stay put):
# the dashboard links to the hazard list with them.
EXTRA_FILTERS: dict[str, list[type[BaseFilter]]] = {
    "state": [FilterFigure],
    "township": [FilterInRegion],
}


# The hazard list's arguments for the tickets behind one component of the township
# risk-control index in a month (the ranking's drill-down).
RISK_COMPONENT = "risk_component"
RISK_MONTH = "risk_month"


def _risk_arguments() -> tuple[Component, int, int] | None:
    """The request's index component, year and month; None when either means nothing."""
    try:
        year, month = parse_month(request.args.get(RISK_MONTH, ""))
        return Component(request.args.get(RISK_COMPONENT, "")), year, month
    except (ValueError, InvalidError):
        return None


class TicketArgumentFilter(BaseFilter):
    """Tickets matching the request's ``extra.<name>=value``, ``checklist_item=<id>`` and
    ``risk_component=<component>&risk_month=YYYY-MM``.

    ``extra.<name>`` filters on a custom field marked filterable; ``checklist_item`` keeps the
    tickets failures of that checklist item opened; ``risk_component`` the tickets one
    component of the township risk-control index measured in a month. The arguments are read
    when the query runs, so fields an administrator adds filter at once, without a restart.
    """

    name = "arguments"
    arg_name = None

    def apply(self, query: Any, value: Any) -> Any:
        if not has_request_context():
            return query
        condition = extra_filters(request.args.to_dict())
        if condition is not None:
            query = query.filter(condition)
        item_id = request.args.get("checklist_item", type=int)
        if item_id is not None and 0 < item_id <= MAX_ID:
            query = query.filter(opened_by_item(item_id))
        if RISK_COMPONENT in request.args or RISK_MONTH in request.args:
            asked = _risk_arguments()
            query = query.filter(sa.false() if asked is None else component_tickets(*asked))
        return query


def argument_notes() -> list[tuple[str, str]]:
    """What the hazard list's argument filters keep, as (label, value) for a banner above it.

    A checklist item is named only if it opened a ticket the user may see; arguments of the
    index that mean nothing are said to be invalid (the list is then empty).
    """
    notes: list[tuple[str, str]] = []
    item_id = request.args.get("checklist_item", type=int)
    if item_id is not None and 0 < item_id <= MAX_ID:
        opened = sa.select(Hazard.id).where(
            opened_by_item(item_id),
            Hazard.deleted_at.is_(None),
            scope_clause(Hazard, scope_of(current_actor())),
        )
        if session().execute(opened.limit(1)).first() is not None:
            label = checklist_item_labels([item_id]).get(item_id, "")
            notes.append((gettext("Opened by checklist item"), label))
    if RISK_COMPONENT in request.args or RISK_MONTH in request.args:
        asked = _risk_arguments()
        value = (
            gettext("The month or the component in the address is not valid.")
            if asked is None
            else f"{month_key(asked[1], asked[2])} · {gettext(COMPONENT_LABELS[asked[0]])}"
        )
        notes.append((gettext("Township risk-control index"), value))
    return notes


# A base filter of the hazard list and API (its value is never used).
ARGUMENT_FILTER = ["id", TicketArgumentFilter, lambda: None]


class SafeLoopFilterConverter(SQLAFilterConverter):
    """FAB's converter with equality for vocabularies, prefix for codes, days for instants."""

    def convert(self, col_name: str) -> Any:
        filters = self._convert(col_name)
        if col_name in EXTRA_FILTERS and self.datamodel.obj is Hazard:
            filters = [*filters, *(f(col_name, self.datamodel) for f in EXTRA_FILTERS[col_name])]
        return filters

    def _convert(self, col_name: str) -> Any:
        if col_name in ENUMERATED_COLUMNS:
            filters: list[type[BaseFilter]] = [FilterEqual, FilterNotEqual]
        elif col_name in PREFIX_COLUMNS:
            filters = [FilterStartsWith, FilterEqual]
        elif self.datamodel.is_datetime(col_name):
            filters = [FilterOnOrAfterDay, FilterOnOrBeforeDay]
        elif col_name == "title" or col_name == "name":
            filters = [FilterContains, FilterStartsWith]
        else:
            return super().convert(col_name)
        return [item(col_name, self.datamodel) for item in filters]


class SafeLoopInterface(SQLAInterface):
    """SQLAInterface with SafeLoop's filters."""

    filter_converter_class = SafeLoopFilterConverter
