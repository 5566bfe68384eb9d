"""The dashboard's figures as JSON: ``GET /api/v1/dashboard/summary``, ``/trend`` and
``/breakdowns``, for the caller's scope."""

from __future__ import annotations

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
from app.domain.messages import N_, Message
from app.domain.oversight import Figure, parse_period
from app.domain.vocabulary import State
from app.services import dashboard


def _region_arg() -> int | None:
    text = (request.args.get("region") or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise InvalidError(
            invalid_data_message(), {"region": Message(N_("The region must be a region id."))}
        )
    return int(text)


def summary_json(found: dashboard.Summary) -> dict[str, Any]:
    """One Summary as the API's answer (rates are null where the screen shows "/")."""
    first, last = found.period.as_text()
    return {
        "period": {"from": first or None, "to": last or None},
        "region": (
            None
            if found.region is None
            else {"id": found.region.id, "name": found.region.name, "level": found.region.level}
        ),
        "counts": {figure.value: found.counts[figure] for figure in Figure},
        "by_state": found.by_state,
        "rectification_rate": found.rectification_rate,
        "on_time_rate": found.on_time_rate,
        "mean_hours_to_close": found.mean_hours_to_close,
        "p90_hours_to_close": found.p90_hours_to_close,
        "supervised": [
            {
                **row,
                "supervision_deadline": (
                    row["supervision_deadline"].isoformat() if row["supervision_deadline"] else None
                ),
            }
            for row in found.supervised
        ],
    }


class DashboardApi(BaseApi):
    """总览 API: the same figures as the dashboard screen, for the caller's scope."""

    resource_name = "dashboard"
    openapi_spec_tag = "Oversight"
    allow_browser_login = True
    class_permission_name = "DashboardApi"
    method_permission_name = {"summary": "get", "trend": "get", "breakdowns": "get"}

    @expose("/summary", methods=["GET"])
    @protect()
    @permission_name("get")
    @api_errors
    def summary(self) -> Response:
        period = parse_period(request.args.get("from"), request.args.get("to"))
        found = dashboard.summary(current_actor(), period, _region_arg())
        return reply(200, summary_json(found))

    @expose("/trend", methods=["GET"])
    @protect()
    @permission_name("get")
    @api_errors
    def trend(self) -> Response:
        actor, region_id = current_actor(), _region_arg()
        dashboard.visible_region(actor, region_id)
        months = [
            {
                "month": row.key,
                "reported": row.reported,
                "closed": row.closed,
                "rectification_rate": row.rectification_rate,
            }
            for row in dashboard.trend(actor, region_id)
        ]
        return reply(200, {"months": months})

    @expose("/breakdowns", methods=["GET"])
    @protect()
    @permission_name("get")
    @api_errors
    def breakdowns(self) -> Response:
        period = parse_period(request.args.get("from"), request.args.get("to"))
        actor, region_id = current_actor(), _region_arg()
        dashboard.visible_region(actor, region_id)
        found = dashboard.breakdowns(actor, period, region_id)
        return reply(
            200,
            {
                by: [
                    {
                        "key": row.key,
                        "label": row.label,
                        "reported": row.reported,
                        "closed": row.closed,
                        "overdue_open": row.overdue_open,
                    }
                    for row in rows
                ]
                for by, rows in found.items()
            },
        )

    def add_api_spec(self, api_spec: APISpec) -> None:
        count = {"type": "integer"}
        rate = {"type": "number", "nullable": True, "description": "percent; null when 0 ÷ 0"}
        parameters = [
            {
                "name": "from",
                "in": "query",
                "schema": {"type": "string", "format": "date"},
                "description": "first local day of the period (tickets reported on or after)",
            },
            {
                "name": "to",
                "in": "query",
                "schema": {"type": "string", "format": "date"},
                "description": "last local day of the period; without from/to: all time",
            },
            {
                "name": "region",
                "in": "query",
                "schema": {"type": "integer"},
                "description": "a region id of any level within the caller's scope",
            },
        ]
        answer = {
            "type": "object",
            "properties": {
                "period": {"type": "object"},
                "region": {"type": "object", "nullable": True},
                "counts": {
                    "type": "object",
                    "properties": {figure.value: count for figure in Figure},
                },
                "by_state": {
                    "type": "object",
                    "properties": {state.value: count for state in State},
                },
                "rectification_rate": rate,
                "on_time_rate": rate,
                "mean_hours_to_close": {"type": "number", "nullable": True},
                "p90_hours_to_close": {"type": "integer", "nullable": True},
                "supervised": {"type": "array", "items": {"type": "object"}},
            },
        }
        schemas.read_only_path(
            api_spec,
            f"{self.route_base}/summary",
            self.openapi_spec_tag,
            "Dashboard figures of the caller's scope for a period and region",
            parameters,
            ("The figures", answer),
        )
        month = {
            "type": "object",
            "properties": {
                "month": {"type": "string", "example": "2026-10"},
                "reported": count,
                "closed": count,
                "rectification_rate": rate,
            },
        }
        schemas.read_only_path(
            api_spec,
            f"{self.route_base}/trend",
            self.openapi_spec_tag,
            "The last 12 months: tickets reported in each, and how many of them are closed",
            [parameters[2]],
            (
                "Oldest month first",
                {"type": "object", "properties": {"months": {"type": "array", "items": month}}},
            ),
        )
        row = {
            "type": "object",
            "properties": {
                "key": {"description": "region or category id, source code, checklist item id"},
                "label": {"type": "string"},
                "reported": count,
                "closed": count,
                "overdue_open": count,
            },
        }
        rows = {"type": "array", "items": row}
        schemas.read_only_path(
            api_spec,
            f"{self.route_base}/breakdowns",
            self.openapi_spec_tag,
            "Tickets per township, category, source and checklist item (most first)",
            parameters,
            (
                "One list per breakdown",
                {
                    "type": "object",
                    "properties": {by: rows for by in dashboard.BREAKDOWNS},
                },
            ),
        )
