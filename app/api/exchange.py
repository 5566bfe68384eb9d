"""The change feed for other systems: tickets changed after a cursor, in the national field set."""

from __future__ import annotations

import tempfile
from datetime import date

from apispec import APISpec
from flask import Response, request, send_file
from flask_appbuilder.api import BaseApi, expose, protect
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext

from app.api import schemas
from app.api.base import current_actor, reply
from app.api.errors import api_errors
from app.domain.errors import InvalidError
from app.domain.exchange import START, Cursor, decode_cursor
from app.domain.fields import invalid_data_message
from app.domain.messages import N_, Message
from app.services.exchange import (
    DEFAULT_PAGE,
    MAX_PAGE,
    PERIOD_FORMATS,
    changes_for,
    page_json,
    write_period_file,
)

MIMETYPES = {
    "json": "application/json",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _whole_number(name: str, default: int, message: str) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise InvalidError(invalid_data_message(), {name: Message(message)})
    return int(raw)


def _cursor() -> Cursor:
    """``since``: a cursor from a previous answer (also an old plain entry id); none: the start."""
    raw = request.args.get("since", "").strip()
    if not raw:
        return START
    try:
        return decode_cursor(raw)
    except ValueError:
        message = N_("The cursor must be the value of next or cursor from a previous answer.")
        raise InvalidError(invalid_data_message(), {"since": Message(message)}) from None


def _period() -> tuple[date, date, str]:
    errors: dict[str, Message] = {}
    days: list[date] = []
    for name in ("from", "to"):
        try:
            days.append(date.fromisoformat(request.args.get(name, "").strip()))
        except ValueError:
            errors[name] = Message(N_("Give a date as YYYY-MM-DD."))
    fmt = request.args.get("format", "json")
    if fmt not in PERIOD_FORMATS:
        errors["format"] = Message(N_("Choose json, csv or xlsx."))
    if not errors and days[0] > days[1]:
        errors["to"] = Message(N_("The end of the period is before its start."))
    if errors:
        raise InvalidError(invalid_data_message(), errors)
    return days[0], days[1], fmt


class ExchangeApi(BaseApi):
    """数据交换 API: the change feed, scoped like every other read."""

    resource_name = "exchange"
    openapi_spec_tag = "Exchange"
    allow_browser_login = True
    class_permission_name = "ExchangeApi"
    method_permission_name = {"changes": "get", "export": "get"}

    @expose("/changes", methods=["GET"])
    @protect()
    @permission_name("get")
    @api_errors
    def changes(self) -> Response:
        since = _cursor()
        limit = _whole_number("limit", DEFAULT_PAGE, N_("The limit must be a whole number."))
        return reply(200, page_json(changes_for(current_actor(), since, limit)))

    @expose("/export", methods=["GET"])
    @protect()
    @permission_name("get")
    @api_errors
    def export(self) -> Response:
        start, end, fmt = _period()
        out = tempfile.TemporaryFile()  # noqa: SIM115 - send_file closes (and so removes) it
        write_period_file(current_actor(), start, end, fmt, out, gettext)
        out.seek(0)
        name = f"hazard-exchange-{start.isoformat()}-{end.isoformat()}.{fmt}"
        return send_file(
            out, mimetype=MIMETYPES[fmt], as_attachment=True, download_name=name, max_age=0
        )

    def add_api_spec(self, api_spec: APISpec) -> None:
        ticket = {"type": "object", "additionalProperties": True}
        change = {
            "type": "object",
            "properties": {
                "cursor": {"type": "string"},
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
                "next": {"type": "string"},
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
                            "description": "An opaque cursor: next (or a change's cursor) "
                            "from a previous answer; none for the start",
                            "schema": {"type": "string"},
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
        day = {"type": "string", "format": "date"}
        api_spec.path(
            path=f"{self.route_base}/export",
            operations={
                "get": {
                    "summary": "Tickets changed in a period, as a file for a manual upload",
                    "tags": [self.openapi_spec_tag],
                    "security": [{"jwt": []}],
                    "parameters": [
                        {"name": "from", "in": "query", "required": True, "schema": day},
                        {"name": "to", "in": "query", "required": True, "schema": day},
                        {
                            "name": "format",
                            "in": "query",
                            "schema": {"type": "string", "enum": list(PERIOD_FORMATS)},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "The file",
                            "content": {
                                mimetype: {"schema": {"type": "string", "format": "binary"}}
                                for mimetype in MIMETYPES.values()
                            },
                        },
                        **schemas.error_responses(401, 403, 422),
                    },
                }
            },
        )
