"""What every SafeLoop API shares: the acting user, the scope filter, reading request bodies.

FAB's ``ModelRestApi`` does not inherit a screen's ``base_filters``: each API class here gets
:class:`ScopeFilter`, which applies the very query of ``app.services.scoping`` that the
screens use, so FAB's list and item look-ups see exactly what the user may see.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from apispec import APISpec
from flask import Response, current_app, g, jsonify, request
from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.models.filters import BaseFilter
from flask_login import current_user

from app.domain.errors import InvalidError
from app.domain.fields import invalid_data_message
from app.domain.messages import N_, Message
from app.domain.scope import Actor
from app.domain.vocabulary import AttachmentKind
from app.extensions import csrf
from app.models import Category, CustomField, DeterminationArticle, Enterprise, Hazard, Region
from app.services.actors import actor_for
from app.services.attachments import NewFile
from app.services.scoping import (
    categories_for,
    determination_articles_for,
    enterprises_for,
    hazards_for,
    regions_for,
)


def current_actor() -> Actor:
    """The Actor of the request's user (JWT or browser session), looked up once per request."""
    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        user = current_user
    cached: Actor | None = g.get("safeloop_actor")
    if cached is None or cached.user_id != user.id:
        cached = g.safeloop_actor = actor_for(user)
    return cached


# Each model an API lists, and the scoped query of the rows the actor may see.
VISIBLE_ROWS: dict[type[Any], Callable[[Actor], sa.Select[Any]]] = {
    Hazard: hazards_for,
    Enterprise: enterprises_for,
    Region: regions_for,
    Category: categories_for,
    DeterminationArticle: determination_articles_for,
    # Custom-field definitions are reference data, the same for everyone.
    CustomField: lambda actor: sa.select(CustomField),
}


class ScopeFilter(BaseFilter):
    """FAB filter: only the rows of ``VISIBLE_ROWS[model]`` for the current user."""

    name = "Within the user's scope"
    arg_name = None

    def apply(self, query: Any, value: Any) -> Any:
        visible = VISIBLE_ROWS[self.model](current_actor())
        clause = visible.whereclause
        return query if clause is None else query.filter(clause)


class ScopedModelApi(ModelRestApi):
    """A read API over one model, limited to the user's scope for lists and items alike."""

    allow_browser_login = True
    base_filters = [["id", ScopeFilter, lambda: None]]
    page_size = 20
    max_page_size = 100

    def add_apispec_components(self, api_spec: APISpec) -> None:
        """FAB's model schemas, with decimals as the strings Flask's JSON really sends."""
        super().add_apispec_components(api_spec)
        decimals = {
            column.key
            for column in sa.inspect(self.datamodel.obj).columns
            if isinstance(column.type, sa.Numeric) and not isinstance(column.type, sa.Float)
        }
        for suffix in ("get", "get_list"):
            schema = api_spec.components.schemas.get(f"{self.__class__.__name__}.{suffix}", {})
            for name, prop in schema.get("properties", {}).items():
                if name in decimals:
                    nullable = prop.get("nullable", False)
                    prop.clear()
                    prop.update(type="string", format="decimal", nullable=nullable)

    def add_api_spec(self, api_spec: APISpec) -> None:
        """FAB's documents of get and get_list, with the ids as the integers they are."""
        super().add_api_spec(api_spec)
        paths = api_spec._paths
        for path, key in ((f"{self.route_base}/", "ids"), (f"{self.route_base}/{{pk}}", "id")):
            answer = _ok_json_schema(paths.get(path, {}).get("get"))
            if answer is not None and key in answer.get("properties", {}):
                integer = {"type": "integer"}
                answer["properties"][key] = (
                    {"type": "array", "items": integer} if key == "ids" else integer
                )


def _ok_json_schema(operation: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not operation:
        return None
    responses = operation.get("responses", {})
    ok = responses.get("200") or responses.get(200) or {}
    schema: dict[str, Any] | None = ok.get("content", {}).get("application/json", {}).get("schema")
    return schema


def reply(status: int, body: Mapping[str, Any]) -> Response:
    """A JSON answer (FAB's ``response`` cannot carry a key called ``code``)."""
    response = jsonify(dict(body))
    response.status_code = status
    return response


# Multipart parts that carry files, and the kind of attachment each file becomes.
FILE_PARTS: dict[str, AttachmentKind] = {
    "photos": AttachmentKind.PHOTO,
    "before_photos": AttachmentKind.BEFORE_PHOTO,
    "after_photos": AttachmentKind.AFTER_PHOTO,
    "documents": AttachmentKind.DOCUMENT,
}


FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _check_csrf_of_browser_forms() -> None:
    """A form sent with a browser's session cookie must carry the CSRF token.

    The API is exempt from CSRF for JWT clients, but any web page can make a browser post a
    form (no CORS preflight) with its cookies. JSON bodies cannot be sent that way, and a
    page cannot add an ``Authorization`` header without a preflight.
    """
    if request.headers.get("Authorization", "").startswith("Bearer "):
        return
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()


def _bad_body(msgid: str) -> InvalidError:
    return InvalidError(invalid_data_message(), {"body": Message(msgid)})


def read_payload(json_fields: frozenset[str] = frozenset()) -> tuple[dict[str, Any], list[NewFile]]:
    """The request's data and files: a JSON object, or multipart/form fields plus files.

    In a form every value is text; the names in ``json_fields`` (lists of objects such as
    control measures) are read as JSON text.
    """
    if request.mimetype in FORM_TYPES:
        _check_csrf_of_browser_forms()
        data: dict[str, Any] = {key: request.form.get(key) for key in request.form}
        for name in json_fields & data.keys():
            try:
                data[name] = json.loads(data[name] or "null")
            except ValueError:
                raise _bad_body(N_("A form field that holds a list is not valid JSON.")) from None
        files = [
            NewFile(upload.filename or "", upload.read(), kind)
            for part, kind in FILE_PARTS.items()
            for upload in request.files.getlist(part)
        ]
        # Photos of a custom photo field arrive as parts "extra.<name>".
        files += [
            NewFile(upload.filename or "", upload.read(), AttachmentKind.PHOTO, part[6:])
            for part in request.files
            if part.startswith("extra.") and len(part) > 6
            for upload in request.files.getlist(part)
        ]
        return data, files
    body = request.get_json(silent=True)
    if not isinstance(body, Mapping):
        raise _bad_body(N_("The body must be a JSON object (or a multipart form)."))
    return dict(body), []


def pop_version(data: dict[str, Any]) -> int | None:
    """Take the ``version`` the client saw out of ``data`` (None when it sent none)."""
    raw = data.pop("version", None)
    if raw is None or raw == "":
        return None
    try:
        if isinstance(raw, bool | float):
            raise ValueError(raw)  # JSON true or 1.5 is no version
        return int(str(raw).strip())
    except ValueError:
        raise InvalidError(
            invalid_data_message(),
            {"version": Message(N_("The version must be a whole number."))},
        ) from None
