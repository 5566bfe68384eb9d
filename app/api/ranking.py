"""The monthly township ranking as JSON: ``/api/v1/ranking/<YYYY-MM>`` and ``/latest``."""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from flask import Response, request
from flask_appbuilder.api import BaseApi, expose, protect
from flask_appbuilder.security.decorators import permission_name

from app.api import schemas
from app.api.base import current_actor, reply
from app.api.errors import api_errors
from app.domain.risk_index import Component
from app.services import risk_index


def _answer(month: str | None) -> Response:
    run = risk_index.ranking_for(current_actor(), month, request.args.get("version", type=int))
    return reply(200, risk_index.run_json(run, risk_index.township_names(run)))


class RankingApi(BaseApi):
    """乡镇风险管控指数: a published month (its latest version unless ``?version=``)."""

    resource_name = "ranking"
    openapi_spec_tag = "Oversight"
    allow_browser_login = True
    class_permission_name = "RankingApi"
    method_permission_name = {"latest": "get", "month": "get"}

    @expose("/latest", methods=["GET"])
    @protect()
    @permission_name("get")
    @api_errors
    def latest(self) -> Response:
        return _answer(None)

    @expose("/<month>", methods=["GET"])
    @protect()
    @permission_name("get")
    @api_errors
    def month(self, month: str) -> Response:
        return _answer(month)

    def add_api_spec(self, api_spec: APISpec) -> None:
        component = {
            "type": "object",
            "properties": {
                "value": {"type": "number", "nullable": True},
                "score": {"type": "number", "nullable": True},
            },
        }
        answer = {
            "type": "object",
            "properties": {
                "month": {"type": "string", "example": "2026-10"},
                "version": {"type": "integer"},
                "reason": {"type": "string", "nullable": True},
                "computed_at": {"type": "string", "format": "date-time"},
                "weight_set": {"type": "object"},
                "townships": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "township_id": {"type": "integer"},
                            "township": {"type": "string"},
                            "code": {"type": "string"},
                            "rank": {"type": "integer"},
                            "score": {"type": "number", "nullable": True},
                            "change": {"type": "number", "nullable": True},
                            "components": {
                                "type": "object",
                                "properties": {c.value: component for c in Component},
                            },
                        },
                    },
                },
            },
        }
        version: dict[str, Any] = {
            "name": "version",
            "in": "query",
            "schema": {"type": "integer"},
            "description": "an earlier version of the month (default: the latest)",
        }
        month: dict[str, Any] = {
            "name": "month",
            "in": "path",
            "required": True,
            "schema": {"type": "string"},
        }
        for path, summary, parameters in (
            ("/latest", "The latest published month's ranking", [version]),
            ("/{month}", "The ranking of a month (YYYY-MM)", [month, version]),
        ):
            schemas.read_only_path(
                api_spec,
                f"{self.route_base}{path}",
                self.openapi_spec_tag,
                summary,
                parameters,
                ("The ranking", answer),
            )
