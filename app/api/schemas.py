"""OpenAPI schemas of what the hazard API accepts and returns, built from the lifecycle's specs.

The request body of each transition is generated from ``app.domain.lifecycle.fields_for``, the
same field specs the screens build their forms from and the lifecycle parses, so the document
cannot drift from what the server really accepts.
"""

from __future__ import annotations

from typing import Any

from app.domain.fields import MAX_ID, FieldSpec, Kind
from app.domain.lifecycle import (
    GENERAL_PLAN_FIELDS,
    MAJOR_PLAN_FIELDS,
    REPORT_FIELDS,
    REPORT_FIXED_FIELDS,
    TRANSITIONS,
    Action,
    fields_for,
)
from app.domain.vocabulary import AttachmentKind, Grade, State

# Transitions a client fires through POST /hazard/<id>/transition/<action>, in table order.
API_ACTIONS: tuple[Action, ...] = tuple(TRANSITIONS)

# Transitions whose body may be a multipart form with photos (part name -> what it holds).
FILE_ACTIONS: dict[Action, tuple[str, ...]] = {
    Action.PROGRESS: ("photos",),
    Action.SUBMIT: ("after_photos",),
    Action.ADD_ATTACHMENT: ("photos", "before_photos", "after_photos", "documents"),
}


# Ids are positive and fit an integer column.
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


# A ticket's values of the administrator's custom fields, in reads and in request bodies.
EXTRA_VALUES: dict[str, Any] = {
    "type": "object",
    "additionalProperties": {
        "oneOf": [
            {"type": "string"},
            {"type": "boolean"},
            {"type": "array", "items": ID, "description": "a photo field: attachment ids"},
        ]
    },
    "description": (
        "Values of the custom fields an administrator defined for the ticket's category, "
        "keyed by field name (GET /api/v1/customfield/ lists each field's type, choices and "
        "the transition from which it is required). Numbers and dates travel as text "
        '("12.5", "2026-12-31"), yes/no as a boolean, a photo field as the ids of the '
        "ticket's photos (upload them as files named extra.<name> in a multipart request). "
        "In a multipart form: JSON text."
    ),
}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def field_schema(spec: FieldSpec) -> dict[str, Any]:
    """The JSON Schema of one field spec (the parser also accepts numbers and ids as text)."""
    schema: dict[str, Any]
    if spec.kind in (Kind.TEXT, Kind.LONG_TEXT):
        limit = spec.max_length if spec.kind is Kind.TEXT else max(spec.max_length, 4000)
        schema = {"type": "string", "maxLength": limit}
        if spec.required:
            schema["minLength"] = 1
    elif spec.kind is Kind.DATE:
        schema = {"type": "string", "format": "date"}
    elif spec.kind is Kind.CHOICE:
        schema = {"type": "string", "enum": list(spec.choices)}
    elif spec.kind is Kind.ID:
        schema = dict(ID)
    elif spec.kind is Kind.DECIMAL:
        schema = {"type": "number", "minimum": 0}
    elif spec.kind is Kind.BOOL:
        schema = {"type": "boolean"}
    elif spec.kind is Kind.IDS:
        schema = {"type": "array", "items": ID}
    elif spec.kind is Kind.MEASURES:
        schema = {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["kind", "description"],
                "properties": {
                    "kind": {"type": "string", "enum": list(spec.choices)},
                    "description": {"type": "string", "minLength": 1, "maxLength": 2000},
                },
            },
        }
    else:  # pragma: no cover - every Kind is handled above
        raise AssertionError(spec.kind)
    schema["description"] = spec.label
    if not spec.required:
        schema["nullable"] = True
    return schema


def object_schema(
    specs: tuple[FieldSpec, ...], *, version: bool, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An object with one property per spec (plus the ``version`` the client saw)."""
    properties = {spec.name: field_schema(spec) for spec in specs}
    properties["extra"] = EXTRA_VALUES
    required = [spec.name for spec in specs if spec.required]
    if version:
        properties["version"] = {
            "type": "integer",
            "description": "The version of the hazard the client saw (optimistic lock).",
        }
        required.append("version")
    properties.update(extra or {})
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def transition_schema_name(action: Action) -> str:
    return "Transition" + "".join(part.title() for part in action.value.split("_"))


def form_schema(json_schema: dict[str, Any], parts: tuple[str, ...]) -> dict[str, Any]:
    """The multipart variant of a body: the same fields, plus files in ``parts``."""
    files = {"type": "array", "items": {"type": "string", "format": "binary"}}
    properties = {**json_schema["properties"], **dict.fromkeys(parts, files)}
    return {**json_schema, "properties": properties}


def transition_body(action: Action) -> dict[str, Any]:
    """The JSON Schema of the body of ``action`` (a plan: general or major six elements)."""
    if action is Action.PLAN:
        return {"anyOf": [ref("TransitionPlanGeneral"), ref("TransitionPlanMajor")]}
    return object_schema(fields_for(action, None), version=True)


def transition_request_body(action: Action) -> dict[str, Any]:
    content: dict[str, Any] = {"application/json": {"schema": ref(transition_schema_name(action))}}
    parts = FILE_ACTIONS.get(action)
    if parts:
        body = object_schema(fields_for(action, None), version=True)
        content["multipart/form-data"] = {"schema": form_schema(body, parts)}
    return {"required": True, "content": content}


_STATES = list(State.values())

HAZARD_STATE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "code": {"type": "string"},
        "state": {"type": "string", "enum": _STATES},
        "grade": {"type": "string", "enum": list(Grade.values())},
        "version": {"type": "integer"},
        "deadline": {"type": "string", "format": "date-time", "nullable": True},
        "actions": {
            "type": "array",
            "description": "The transitions the current user may fire now.",
            "items": {"type": "string"},
        },
    },
    "required": ["id", "code", "state", "grade", "version", "actions"],
}

ERROR = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "description": "Machine-readable, e.g. not_found, conflict"},
        "message": {"type": "string", "description": "In the user's language (_l_=zh|en)"},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "The problem of each field (422)",
        },
        "current_state": {"type": "string", "nullable": True},
        "current_version": {"type": "integer", "nullable": True},
        "detail": {"type": "string"},
    },
    "required": ["code", "message", "fields"],
}

EVENT = {
    "type": "object",
    "properties": {
        "seq": {"type": "integer"},
        "action": {"type": "string"},
        "action_label": {"type": "string"},
        "from_state": {"type": "string", "nullable": True},
        "to_state": {"type": "string"},
        "actor_id": {"type": "integer", "nullable": True},
        "actor_name": {"type": "string"},
        "occurred_at": {"type": "string", "format": "date-time"},
        "comment": {"type": "string", "nullable": True},
        "data": {"type": "object"},
        "version": {"type": "integer"},
    },
}

ATTACHMENT = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": list(AttachmentKind.values())},
        "original_name": {"type": "string"},
        "content_type": {"type": "string"},
        "size_bytes": {"type": "integer"},
        "sha256": {"type": "string"},
        "received_at": {"type": "string", "format": "date-time"},
        "captured_at": {"type": "string", "format": "date-time", "nullable": True},
        "evidence": {"type": "boolean"},
        "url": {"type": "string"},
    },
}

_REPORT_EXTRA = {
    "fixed_on_spot": {
        "type": "boolean",
        "description": "Fixed on the spot (即查即改): send before_photos and after_photos too.",
    }
}
_REPORT_SPECS = tuple({s.name: s for s in (*REPORT_FIELDS, *REPORT_FIXED_FIELDS)}.values())


def report_schema() -> dict[str, Any]:
    """A report's body: the fields of a report (a fix on the spot also says what was done)."""
    schema = object_schema(REPORT_FIELDS, version=False, extra=_REPORT_EXTRA)
    fixed_only = [s for s in _REPORT_SPECS if s.name not in schema["properties"]]
    for spec in fixed_only:
        schema["properties"][spec.name] = {**field_schema(spec), "nullable": True}
    return schema


def components() -> dict[str, dict[str, Any]]:
    """Every named schema the hazard API refers to."""
    named = {transition_schema_name(a): transition_body(a) for a in API_ACTIONS}
    named["TransitionPlanGeneral"] = object_schema(GENERAL_PLAN_FIELDS, version=True)
    named["TransitionPlanMajor"] = object_schema(MAJOR_PLAN_FIELDS, version=True)
    named["HazardReport"] = report_schema()
    named["HazardState"] = HAZARD_STATE
    named["HazardEvent"] = EVENT
    named["HazardAttachment"] = ATTACHMENT
    named["Error"] = ERROR
    return named


def error_responses(*statuses: int) -> dict[str, Any]:
    """Documented error answers, all with the Error body."""
    described = {
        400: "The request could not be read",
        401: "Not logged in",
        403: "The user's role may not do this",
        404: "Unknown, or outside the user's scope",
        409: "Wrong state or stale version; the body has the current state and version",
        413: "Upload too large",
        422: "Missing or invalid data, with a message per field",
    }
    return {
        str(status): {
            "description": described[status],
            "content": {"application/json": {"schema": ref("Error")}},
        }
        for status in statuses
    }


def json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def read_only_path(
    api_spec: Any,
    path: str,
    tag: str,
    summary: str,
    parameters: list[dict[str, Any]],
    answer: tuple[str, dict[str, Any]],
) -> None:
    """Document a GET endpoint answering JSON (with the usual 401/403/404/422 errors)."""
    description, schema = answer
    api_spec.path(
        path=path,
        operations={
            "get": {
                "summary": summary,
                "tags": [tag],
                "security": [{"jwt": []}],
                "parameters": parameters,
                "responses": {
                    "200": json_response(description, schema),
                    **error_responses(401, 403, 404, 422),
                },
            }
        },
    )
