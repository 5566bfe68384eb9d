"""The three lists through the API: ask for one (202), follow its job, download the file."""

from __future__ import annotations

from apispec import APISpec
from flask import Response, request, send_file
from flask_appbuilder.api import BaseApi, expose, protect
from flask_appbuilder.security.decorators import permission_name

from app.api import schemas
from app.api.base import current_actor, reply
from app.api.errors import api_errors
from app.domain.errors import InvalidError
from app.domain.fields import invalid_data_message
from app.domain.messages import N_, Message
from app.reports.queries import FILTER_FIELDS
from app.services.reports import (
    FORMATS,
    LISTS,
    download_name,
    report_file,
    report_for,
    report_status,
    request_report,
)


class ReportApi(BaseApi):
    """报表 API: the responsibility, hazard and rectification lists as PDF, XLSX or CSV."""

    resource_name = "report"
    openapi_spec_tag = "Reports"
    allow_browser_login = True
    class_permission_name = "ReportApi"
    method_permission_name = {"post": "post", "get": "get", "download": "get"}

    @expose("/", methods=["POST"])
    @protect()
    @permission_name("post")
    @api_errors
    def post(self) -> Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("filters", {}), dict):
            raise InvalidError(
                invalid_data_message(), {"filters": Message(N_("Send a JSON object."))}
            )
        report = request_report(
            current_actor(),
            str(body.get("list", "")),
            str(body.get("format", "")),
            body.get("filters") or {},
        )
        from app.jobs import queue_report

        queued = queue_report(report.id)
        return reply(202, {**report_status(report), "queued": queued})

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @permission_name("get")
    @api_errors
    def get(self, pk: int) -> Response:
        return reply(200, report_status(report_for(current_actor(), pk)))

    @expose("/<int:pk>/download", methods=["GET"])
    @protect()
    @permission_name("get")
    @api_errors
    def download(self, pk: int) -> Response:
        report, path = report_file(current_actor(), pk)
        return send_file(path, as_attachment=True, download_name=download_name(report), max_age=0)

    def add_api_spec(self, api_spec: APISpec) -> None:
        pk = {"name": "pk", "in": "path", "required": True, "schema": {"type": "integer"}}
        status_schema = {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "list": {"type": "string", "enum": list(LISTS)},
                "format": {"type": "string", "enum": list(FORMATS)},
                "filters": {"type": "object"},
                "status": {"type": "string", "enum": ["queued", "running", "finished", "failed"]},
                "progress": {"type": "integer"},
                "row_count": {"type": "integer", "nullable": True},
                "sha256": {"type": "string", "nullable": True},
                "error": {"type": "string", "nullable": True},
                "requested_at": {"type": "string", "nullable": True},
                "finished_at": {"type": "string", "nullable": True},
                "queued": {"type": "boolean"},
            },
            "required": ["id", "status", "progress"],
        }
        request_schema = {
            "type": "object",
            "properties": {
                "list": {"type": "string", "enum": list(LISTS)},
                "format": {"type": "string", "enum": list(FORMATS)},
                "filters": schemas.object_schema(FILTER_FIELDS, version=False),
            },
            "required": ["list", "format"],
        }
        files = {
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
            "text/csv": {"schema": {"type": "string", "format": "binary"}},
        }
        tags = [self.openapi_spec_tag]
        security: list[dict[str, list[str]]] = [{"jwt": []}]
        api_spec.path(
            path=f"{self.route_base}/",
            operations={
                "post": {
                    "summary": "Ask for a register; it is made by a background job",
                    "tags": tags,
                    "security": security,
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": request_schema}},
                    },
                    "responses": {
                        "202": schemas.json_response("Queued", status_schema),
                        **schemas.error_responses(400, 401, 403, 422),
                    },
                }
            },
        )
        api_spec.path(
            path=f"{self.route_base}/{{pk}}",
            operations={
                "get": {
                    "summary": "Status, progress, row count and checksum of a register",
                    "tags": tags,
                    "security": security,
                    "parameters": [pk],
                    "responses": {
                        "200": schemas.json_response("The report", status_schema),
                        **schemas.error_responses(401, 403, 404),
                    },
                }
            },
        )
        api_spec.path(
            path=f"{self.route_base}/{{pk}}/download",
            operations={
                "get": {
                    "summary": "The register's file (only within the requester's scope)",
                    "tags": tags,
                    "security": security,
                    "parameters": [pk],
                    "responses": {
                        "200": {"description": "The file", "content": files},
                        **schemas.error_responses(401, 403, 404, 409),
                    },
                }
            },
        )
