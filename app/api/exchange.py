"""The change feed for other systems: tickets changed after a cursor, in the national field set."""

from __future__ import annotations

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
from app.services.exchange import DEFAULT_PAGE, MAX_PAGE, changes_for, page_json


def _whole_number(name: str, default: int, message: str) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise InvalidError(invalid_data_message(), {name: Message(message)})
    return int(raw)


class ExchangeApi(BaseApi):
    """数据交换 API: the change feed, scoped like every other read."""

    resource_name = "exchange"
    openapi_spec_tag = "Exchange"
    allow_browser_login = True
    class_permission_name = "ExchangeApi"
    method_permission_name = {"changes": "get"}

    @expose("/changes", methods=["GET"])
    @protect()
    @permission_name("get")
    @api_errors
    def changes(self) -> Response:
        since = _whole_number(
            "since", 0, N_("The cursor must be a whole number from a previous answer.")
        )
        limit = _whole_number("limit", DEFAULT_PAGE, N_("The limit must be a whole number."))
        return reply(200, page_json(changes_for(current_actor(), since, limit)))

    def add_api_spec(self, api_spec: APISpec) -> None:
        ticket = {"type": "object", "additionalProperties": True}
        change = {
            "type": "object",
            "properties": {
                "cursor": {"type": "integer"},
                "action": {"type": "string"},
                "occurred_at": {"type": "string", "nullable": True},
                "version": {"type": "integer"},
                "ticket": ticket,
            },
            "required": ["cursor", "action", "version", "ticket"],
        }
        page = {
            "type": "object",
            "properties": {
                "changes": {"type": "array", "items": change},
                "next": {"type": "integer"},
            },
            "required": ["changes", "next"],
        }
        api_spec.path(
            path=f"{self.route_base}/changes",
            operations={
                "get": {
                    "summary": "Tickets created or changed after a cursor, oldest first",
                    "tags": [self.openapi_spec_tag],
                    "security": [{"jwt": []}],
                    "parameters": [
                        {
                            "name": "since",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 0},
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
                        },
                    ],
                    "responses": {
                        "200": schemas.json_response("A page of changes", page),
                        **schemas.error_responses(401, 403, 422),
                    },
                }
            },
        )
