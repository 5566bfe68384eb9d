"""The hazard API: list and read tickets, report them, fire transitions, timeline, attachments.

Nothing here decides a rule. Reports go to ``report_hazard``, every change of a ticket to
``fire_transition`` (attachments too, as the lifecycle action ``add_attachment``), and every
read through the scoped queries of ``app.services.scoping``. There is no generic PUT or DELETE:
a ticket changes only through its lifecycle.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from apispec import APISpec
from flask import Response, send_file, url_for
from flask_appbuilder.api import expose, permission_name, protect
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext

from app.api import schemas
from app.api.base import ScopedModelApi, current_actor, pop_version, read_payload, reply
from app.api.errors import api_errors
from app.domain.errors import ConflictError, NotFoundError
from app.domain.fields import Kind
from app.domain.lifecycle import ACTION_LABELS, FIELDS, Action, available_actions, parse_action
from app.domain.messages import N_, Message
from app.domain.scope import Actor
from app.models import Attachment, Hazard, HazardEvent
from app.services.attachments import IMAGE_TYPES, PDF_TYPE, file_path
from app.services.lifecycle import fire_transition, report_hazard
from app.services.public_reports import served_photo
from app.services.scoping import attachment_for, hazard_for
from app.services.transaction import session

# Fields that hold lists of objects; in a multipart form they arrive as JSON text.
JSON_FORM_FIELDS = frozenset(
    spec.name for specs in FIELDS.values() for spec in specs if spec.kind is Kind.MEASURES
)
_TRUE = {"1", "true", "yes", "on"}


def _instant(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def hazard_state(actor: Actor, hazard: Hazard) -> dict[str, Any]:
    """What a client needs after a change: identity, state, version, what it may do next."""
    return {
        "id": hazard.id,
        "code": hazard.code,
        "state": hazard.state,
        "grade": hazard.grade,
        "version": hazard.version,
        "deadline": _instant(hazard.deadline),
        "actions": [action.value for action in available_actions(actor, hazard)],
    }


def event_json(event: HazardEvent) -> dict[str, Any]:
    # StrEnum keys hash like their values, so the stored text finds its label.
    action_label = ACTION_LABELS.get(event.action)  # type: ignore[call-overload]
    return {
        "seq": event.seq,
        "action": event.action,
        "action_label": gettext(action_label) if action_label else event.action,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "occurred_at": _instant(event.occurred_at),
        "comment": event.comment,
        "data": event.data,
        "version": event.version,
    }


def attachment_json(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.id,
        "kind": attachment.kind,
        "original_name": attachment.original_name,
        "content_type": attachment.content_type,
        "size_bytes": attachment.size_bytes,
        "sha256": attachment.sha256,
        "received_at": _instant(attachment.received_at),
        "captured_at": _instant(attachment.captured_at),
        "evidence": attachment.is_evidence,
        "url": url_for(
            "HazardApi.attachment", pk=attachment.hazard_id, attachment_id=attachment.id
        ),
    }


def content_disposition(attachment: Attachment) -> str:
    """The original (Chinese) name as RFC 5987 ``filename*``, with a readable ASCII fallback.

    Werkzeug's own fallback strips every Chinese character and leaves names like ``.jpg``.
    """
    fallback = f"attachment-{attachment.id}{PurePosixPath(attachment.stored_name).suffix}"
    return (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(attachment.original_name)}"
    )


def listing(result: list[dict[str, Any]]) -> Response:
    return reply(200, {"count": len(result), "result": result})


def _attachment_not_found() -> NotFoundError:
    return NotFoundError(Message(N_("Attachment not found.")))


class HazardApi(ScopedModelApi):
    """/api/v1/hazard/: the tickets the user may see, and the lifecycle as HTTP."""

    datamodel = SQLAInterface(Hazard)
    resource_name = "hazard"
    openapi_spec_tag = "Hazards"
    # FAB's generic post/put/delete/info are not exposed; ``post`` below is our report.
    include_route_methods = {
        "get",
        "get_list",
        "post",
        "transition",
        "events",
        "attachments",
        "add_attachments",
        "attachment",
    }
    list_columns = [
        "id",
        "code",
        "title",
        "state",
        "grade",
        "version",
        "source",
        "enterprise_id",
        "township_id",
        "village_id",
        "grid_id",
        "category_id",
        "address",
        "reported_at",
        "deadline",
        "overdue",
        "overdue_days",
        "supervision_level",
        "last_event_at",
    ]
    show_columns = [
        *list_columns,
        "external_id",
        "description",
        "location_part",
        "risk_point",
        "latitude",
        "longitude",
        "domain_tag_id",
        "nature",
        "sub_grade",
        "determination_article_id",
        "determination_basis_text",
        "discoverer_name",
        "discovered_at",
        "enforcement_document",
        "status_and_cause",
        "harm_analysis",
        "production_stop",
        "reported_to_regulator_on",
        "responsible_unit",
        "responsible_person",
        "responsible_phone",
        "confirmed_at",
        "controlled_at",
        "planned_at",
        "original_deadline",
        "extension_count",
        "submitted_at",
        "finished_on",
        "completion_description",
        "funds_spent",
        "review_opinion",
        "review_date",
        "reviewer_name",
        "evaluation_mode",
        "review_result",
        "closed_at",
        "rework_count",
        "fixed_on_spot",
        "escalation_level",
        "supervising_org",
        "supervision_doc_no",
        "supervision_listed_on",
        "supervision_deadline",
        "merged_into_id",
    ]
    # Every listed column filters, except those that make no sense as a filter.
    search_columns = [
        column
        for column in list_columns
        if column not in {"id", "version", "address", "overdue_days", "last_event_at"}
    ]
    order_columns = ["id", "code", "reported_at", "deadline", "overdue_days", "last_event_at"]
    base_order = ("last_event_at", "desc")
    # Unused (no generic add/edit) but FAB builds their schemas: keep them to one column.
    add_columns = ["title"]
    edit_columns = ["title"]

    def pre_get(self, data: dict[str, Any]) -> None:
        """Tell the client what it may do with the ticket it reads."""
        actor = current_actor()
        hazard = hazard_for(actor, int(data["id"]))
        data["actions"] = [action.value for action in available_actions(actor, hazard)]

    @expose("/", methods=["POST"])
    @protect()
    @permission_name("post")
    @api_errors
    def post(self) -> Response:
        actor = current_actor()
        data, files = read_payload()
        fixed = str(data.pop("fixed_on_spot", "") or "").strip().lower() in _TRUE
        hazard = report_hazard(actor, data, files, fixed_on_spot=fixed)
        return reply(201, hazard_state(actor, hazard))

    @expose("/<int:pk>/transition/<action>", methods=["POST"])
    @protect()
    @permission_name("transition")
    @api_errors
    def transition(self, pk: int, action: str) -> Response:
        actor, hazard = _fire(pk, parse_action(action))
        return reply(200, hazard_state(actor, hazard))

    @expose("/<int:pk>/events", methods=["GET"])
    @protect()
    @permission_name("get")
    @api_errors
    def events(self, pk: int) -> Response:
        hazard = hazard_for(current_actor(), pk)
        return listing([event_json(event) for event in hazard.events])

    @expose("/<int:pk>/attachments", methods=["GET"])
    @protect()
    @permission_name("get")
    @api_errors
    def attachments(self, pk: int) -> Response:
        hazard = hazard_for(current_actor(), pk)
        rows = session().scalars(
            sa.select(Attachment)
            .where(Attachment.hazard_id == hazard.id, Attachment.deleted_at.is_(None))
            .order_by(Attachment.id)
        )
        return listing([attachment_json(row) for row in rows])

    @expose("/<int:pk>/attachments", methods=["POST"])
    @protect()
    @permission_name("transition")
    @api_errors
    def add_attachments(self, pk: int) -> Response:
        actor, hazard = _fire(pk, Action.ADD_ATTACHMENT)
        event = (
            session()
            .scalars(
                sa.select(HazardEvent).where(
                    HazardEvent.hazard_id == hazard.id, HazardEvent.seq == hazard.version
                )
            )
            .one()
        )
        added = [*event.data.get("photo_ids", []), *event.data.get("document_ids", [])]
        return reply(201, {**hazard_state(actor, hazard), "attachment_ids": added})

    @expose("/<int:pk>/attachments/<int:attachment_id>", methods=["GET"])
    @protect()
    @permission_name("get")
    @api_errors
    def attachment(self, pk: int, attachment_id: int) -> Response:
        found = attachment_for(current_actor(), attachment_id)
        if found.hazard_id != pk or not file_path(found).is_file():
            raise _attachment_not_found()
        # A public reporter's photo reaches others only as a copy without EXIF.
        path = served_photo(current_actor(), found)
        response = send_file(path, mimetype=found.content_type, max_age=0)
        response.headers["Content-Disposition"] = content_disposition(found)
        return response

    # ------------------------------------------------------------------ OpenAPI

    def add_apispec_components(self, api_spec: APISpec) -> None:
        super().add_apispec_components(api_spec)
        for name, schema in schemas.components().items():
            if name not in api_spec.components.schemas:
                api_spec.components.schema(name, schema)

    def add_api_spec(self, api_spec: APISpec) -> None:
        """FAB documents get/get_list from their docstrings; our own endpoints are added here."""
        super().add_api_spec(api_spec)
        paths = api_spec._paths
        base = self.route_base
        # One documented path per transition instead of the generic <action> route.
        paths.pop(f"{base}/{{pk}}/transition/{{action}}", None)
        for path, operations in _operations(base).items():
            for operation in operations.values():
                operation.setdefault("tags", [self.openapi_spec_tag])
                operation.setdefault("security", [{"jwt": []}])
            paths.setdefault(path, {}).update(operations)


def _fire(pk: int, action: Action) -> tuple[Actor, Hazard]:
    """Fire ``action`` on ticket ``pk`` with the request's data, files and version."""
    actor = current_actor()
    data, files = read_payload(JSON_FORM_FIELDS)
    version = pop_version(data)
    try:
        return actor, fire_transition(actor, pk, action, data, version, files)
    except ConflictError as exc:
        _with_current_state(exc, actor, pk)
        raise


def _with_current_state(exc: ConflictError, actor: Actor, pk: int) -> None:
    """A race lost in the database names no state: look it up for the client."""
    if exc.current_state is None:
        session().rollback()
        current = hazard_for(actor, pk)
        exc.current_state, exc.current_version = current.state, current.version


# What a stored attachment can be (checked by content when it was uploaded).
DOWNLOAD_TYPES = (*(content_type for content_type, _ext in IMAGE_TYPES.values()), PDF_TYPE[0])
_PK = {"name": "pk", "in": "path", "required": True, "schema": {"type": "integer"}}


def _operations(base: str) -> dict[str, dict[str, Any]]:
    """OpenAPI operations of the endpoints FAB does not document itself."""
    state = schemas.json_response("The ticket after the change", schemas.ref("HazardState"))
    report_content = {
        "application/json": {"schema": schemas.ref("HazardReport")},
        "multipart/form-data": {
            "schema": schemas.form_schema(
                schemas.report_schema(), ("photos", "before_photos", "after_photos")
            )
        },
    }
    listing = {
        "type": "object",
        "properties": {"count": {"type": "integer"}, "result": {"type": "array"}},
    }
    operations: dict[str, dict[str, Any]] = {
        f"{base}/": {
            "post": {
                "summary": "Report a hazard (JSON, or a multipart form with photos)",
                "requestBody": {"required": True, "content": report_content},
                "responses": {
                    "201": schemas.json_response("Reported", schemas.ref("HazardState")),
                    **schemas.error_responses(400, 401, 403, 413, 422),
                },
            }
        },
        f"{base}/{{pk}}/events": {
            "get": {
                "summary": "The ticket's timeline, oldest first",
                "parameters": [_PK],
                "responses": {
                    "200": schemas.json_response(
                        "Events",
                        {
                            **listing,
                            "properties": {
                                "count": {"type": "integer"},
                                "result": {
                                    "type": "array",
                                    "items": schemas.ref("HazardEvent"),
                                },
                            },
                        },
                    ),
                    **schemas.error_responses(401, 403, 404),
                },
            }
        },
        f"{base}/{{pk}}/attachments": {
            "get": {
                "summary": "The ticket's photos and documents",
                "parameters": [_PK],
                "responses": {
                    "200": schemas.json_response(
                        "Attachments",
                        {
                            "type": "object",
                            "properties": {
                                "count": {"type": "integer"},
                                "result": {
                                    "type": "array",
                                    "items": schemas.ref("HazardAttachment"),
                                },
                            },
                        },
                    ),
                    **schemas.error_responses(401, 403, 404),
                },
            },
            "post": {
                "summary": "Add photos or documents (lifecycle action add_attachment)",
                "parameters": [_PK],
                "requestBody": schemas.transition_request_body(Action.ADD_ATTACHMENT),
                "responses": {
                    "201": schemas.json_response(
                        "Added",
                        {
                            "allOf": [
                                schemas.ref("HazardState"),
                                {
                                    "type": "object",
                                    "properties": {
                                        "attachment_ids": {
                                            "type": "array",
                                            "items": {"type": "integer"},
                                        }
                                    },
                                },
                            ]
                        },
                    ),
                    **schemas.error_responses(400, 401, 403, 404, 409, 413, 422),
                },
            },
        },
        f"{base}/{{pk}}/attachments/{{attachment_id}}": {
            "get": {
                "summary": "Download an attachment (original file name kept)",
                "parameters": [
                    _PK,
                    {
                        "name": "attachment_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "The file",
                        "content": {
                            content_type: {"schema": {"type": "string", "format": "binary"}}
                            for content_type in DOWNLOAD_TYPES
                        },
                    },
                    **schemas.error_responses(401, 403, 404),
                },
            }
        },
    }
    for action in schemas.API_ACTIONS:
        operations[f"{base}/{{pk}}/transition/{action.value}"] = {
            "post": {
                "summary": f"Transition: {ACTION_LABELS[action]}",
                "operationId": f"transition_{action.value}",
                "parameters": [_PK],
                "requestBody": schemas.transition_request_body(action),
                "responses": {
                    "200": state,
                    **schemas.error_responses(400, 401, 403, 404, 409, 422),
                },
            }
        }
    return operations
