"""Ledger import through the API: the template, a dry run, a queued import and its status."""

from __future__ import annotations

import io
from typing import Any

from apispec import APISpec
from flask import Response, request, send_file
from flask_appbuilder.api import BaseApi, expose, protect
from flask_appbuilder.security.decorators import permission_name
from flask_babel import get_locale, gettext

from app.api import schemas
from app.api.base import _check_csrf_of_browser_forms, current_actor, reply
from app.api.errors import api_errors
from app.domain.errors import InvalidError
from app.domain.fields import invalid_data_message
from app.domain.messages import N_, Message
from app.services.ledger_import import (
    MODES,
    check_ledger,
    import_for,
    import_status,
    start_import,
    store_ledger,
    translators,
)
from app.services.ledger_sheets import error_sheet, template_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off")


def user_locale() -> str:
    return str(get_locale() or "zh")


def _flag(raw: str | None) -> bool:
    text = (raw or "true").strip().lower()
    if text not in TRUE + FALSE:
        raise InvalidError(invalid_data_message(), {"dry_run": Message(N_("Say true or false."))})
    return text in TRUE


def template_download() -> Response:
    """The import template as a download, in the user's language."""
    content = template_workbook(gettext)
    name = gettext("Hazard ledger template") + ".xlsx"
    return send_file(io.BytesIO(content), mimetype=XLSX, as_attachment=True, download_name=name)


def errors_download(import_id: int) -> Response:
    """The user's sheet with its error column, for an import the user may see."""
    record = import_for(current_actor(), import_id)
    path = error_sheet(record, translators(user_locale()))
    name = gettext("Errors") + f"-{record.file_name}"
    if not name.lower().endswith(".xlsx"):
        name += ".xlsx"
    return send_file(path, mimetype=XLSX, as_attachment=True, download_name=name, max_age=0)


class LedgerImportApi(BaseApi):
    """台账导入 API: bring an office's Excel hazard ledger in, checked row by row."""

    resource_name = "import"
    openapi_spec_tag = "Ledger import"
    allow_browser_login = True
    class_permission_name = "LedgerImportApi"
    method_permission_name = {
        "template": "get",
        "post": "post",
        "get": "get",
        "errors": "get",
    }

    @expose("/template", methods=["GET"])
    @protect()
    @permission_name("get")
    @api_errors
    def template(self) -> Response:
        return template_download()

    @expose("/", methods=["POST"])
    @protect()
    @permission_name("post")
    @api_errors
    def post(self) -> Response:
        _check_csrf_of_browser_forms()
        upload = request.files.get("file")
        dry_run = _flag(request.form.get("dry_run"))
        mode = (request.form.get("mode") or "all").strip()
        if mode not in MODES:
            raise InvalidError(
                invalid_data_message(),
                {"mode": Message(N_("Unknown import mode: %(value)s."), {"value": mode})},
            )
        actor = current_actor()
        record = store_ledger(
            actor,
            (upload.filename or "") if upload else "",
            upload.read() if upload else b"",
            user_locale(),
        )
        if dry_run:
            result = check_ledger(actor, record, translators(user_locale()))
            body = {k: v for k, v in result.as_json().items() if k != "imported"}
            return reply(200, {"id": record.id, **body})
        record = start_import(actor, record.id, mode)
        from app.jobs import queue_import

        queued = queue_import(record.id)
        return reply(202, {**import_status(record), "queued": queued})

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @permission_name("get")
    @api_errors
    def get(self, pk: int) -> Response:
        return reply(200, import_status(import_for(current_actor(), pk)))

    @expose("/<int:pk>/errors", methods=["GET"])
    @protect()
    @permission_name("get")
    @api_errors
    def errors(self, pk: int) -> Response:
        return errors_download(pk)

    def add_api_spec(self, api_spec: APISpec) -> None:
        pk = {"name": "pk", "in": "path", "required": True, "schema": {"type": "integer"}}
        error_item = {
            "type": "object",
            "properties": {
                "row": {"type": "integer"},
                "column": {"type": "string"},
                "message": {"type": "string"},
            },
            "required": ["row", "column", "message"],
        }
        errors: dict[str, Any] = {"type": "array", "items": error_item}
        nullable_int = {"type": "integer", "nullable": True}
        check = {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "rows": {"type": "integer"},
                "new": {"type": "integer"},
                "existing": {"type": "integer"},
                "errors": errors,
            },
            "required": ["rows", "new", "existing", "errors"],
        }
        status = {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "file_name": {"type": "string"},
                "sha256": {"type": "string"},
                "mode": {"type": "string", "nullable": True},
                "status": {
                    "type": "string",
                    "enum": ["checked", "queued", "running", "finished", "failed"],
                },
                "progress": {"type": "integer"},
                "rows": nullable_int,
                "new": nullable_int,
                "existing": nullable_int,
                "imported": nullable_int,
                "errors": errors,
                "error": {"type": "string", "nullable": True},
                "requested_at": {"type": "string", "nullable": True},
                "finished_at": {"type": "string", "nullable": True},
                "queued": {"type": "boolean"},
            },
            "required": ["id", "status", "progress"],
        }
        form = {
            "type": "object",
            "properties": {
                "file": {"type": "string", "format": "binary"},
                "dry_run": {"type": "string", "enum": ["true", "false"], "default": "true"},
                "mode": {"type": "string", "enum": list(MODES), "default": "all"},
            },
            "required": ["file"],
        }
        workbook = {XLSX: {"schema": {"type": "string", "format": "binary"}}}
        tags = [self.openapi_spec_tag]
        security: list[dict[str, list[str]]] = [{"jwt": []}]
        api_spec.path(
            path=f"{self.route_base}/template",
            operations={
                "get": {
                    "summary": "The XLSX import template (the hazard list's columns)",
                    "tags": tags,
                    "security": security,
                    "responses": {
                        "200": {"description": "The template", "content": workbook},
                        **schemas.error_responses(401, 403),
                    },
                }
            },
        )
        api_spec.path(
            path=f"{self.route_base}/",
            operations={
                "post": {
                    "summary": "Check a ledger (dry run) or import it in a background job",
                    "tags": tags,
                    "security": security,
                    "requestBody": {
                        "required": True,
                        "content": {"multipart/form-data": {"schema": form}},
                    },
                    "responses": {
                        "200": schemas.json_response("The dry run's result", check),
                        "202": schemas.json_response("Queued", status),
                        **schemas.error_responses(400, 401, 403, 422),
                    },
                }
            },
        )
        api_spec.path(
            path=f"{self.route_base}/{{pk}}",
            operations={
                "get": {
                    "summary": "Status, progress and result of an import",
                    "tags": tags,
                    "security": security,
                    "parameters": [pk],
                    "responses": {
                        "200": schemas.json_response("The import", status),
                        **schemas.error_responses(401, 403, 404),
                    },
                }
            },
        )
        api_spec.path(
            path=f"{self.route_base}/{{pk}}/errors",
            operations={
                "get": {
                    "summary": "The uploaded sheet with an added error column",
                    "tags": tags,
                    "security": security,
                    "parameters": [pk],
                    "responses": {
                        "200": {"description": "The sheet", "content": workbook},
                        **schemas.error_responses(401, 403, 404),
                    },
                }
            },
        )
