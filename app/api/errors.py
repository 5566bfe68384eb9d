"""JSON errors for everything under /api/: typed domain refusals, FAB's own answers, HTTP errors.

Every error body has the same shape, ``{"code", "message", "fields"}``, with the message in
the user's language (FAB's ``_l_`` argument or the session locale; Chinese by default). A 409
also names the ticket's current state and version. No HTML page and no stack trace leaves /api/.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

import prison
from flask import Flask, Response, jsonify, request
from flask_babel import gettext
from flask_jwt_extended import JWTManager
from werkzeug.exceptions import HTTPException

from app.domain.errors import (
    ConflictError,
    DomainError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
)
from app.domain.fields import MAX_ID
from app.domain.messages import N_

API_PREFIX = "/api/"

DOMAIN_CODES: dict[type[DomainError], str] = {
    NotFoundError: "not_found",
    ForbiddenError: "forbidden",
    ConflictError: "conflict",
    InvalidError: "invalid",
}

# The code and message of an error that carries no message of its own, by HTTP status.
STATUS_ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad_request", N_("The request is not valid.")),
    401: ("unauthorized", N_("Please log in: the token is missing, invalid or expired.")),
    403: ("forbidden", N_("You are not allowed to do this.")),
    404: ("not_found", N_("Not found.")),
    405: ("method_not_allowed", N_("This method is not allowed here.")),
    413: ("too_large", N_("The upload is too large.")),
    415: ("unsupported_media_type", N_("This content type is not supported here.")),
    422: ("invalid", N_("Some data is missing or invalid.")),
    429: ("too_many_requests", N_("Too many requests; please wait a moment.")),
}
SERVER_ERROR = ("server_error", N_("Something went wrong on the server; please try again later."))
# FAB's fixed English answers say no more than the status does.
_FAB_GENERIC = {
    "Not found",
    "Forbidden",
    "Not authorized",
    "Fatal error",
    "Arguments are not correct",
    "Could not process entity",
    "Internal error",
}


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def error_response(
    status: int,
    code: str,
    message: str,
    fields: Mapping[str, Any] | None = None,
    **extra: Any,
) -> Response:
    """The one JSON shape of every error under /api/."""
    response = jsonify({"code": code, "message": message, "fields": dict(fields or {}), **extra})
    response.status_code = status
    return response


def status_error(status: int, fields: Mapping[str, Any] | None = None, **extra: Any) -> Response:
    """An error known only by its HTTP status, with the status's own message."""
    code, msgid = STATUS_ERRORS.get(status, SERVER_ERROR)
    return error_response(status, code, gettext(msgid), fields, **extra)


def domain_error_response(exc: DomainError) -> Response:
    """A typed refusal of the domain as JSON, in the user's language."""
    fields = exc.render_fields(gettext) if isinstance(exc, InvalidError) else {}
    extra: dict[str, Any] = {}
    code = DOMAIN_CODES.get(type(exc), "bad_request")
    if isinstance(exc, ConflictError):
        extra = {"current_state": exc.current_state, "current_version": exc.current_version}
    return error_response(exc.http_status, code, exc.render(gettext), fields, **extra)


def api_errors(view: Callable[..., Response]) -> Callable[..., Response]:
    """Let an endpoint raise the domain's typed refusals; answer them as JSON."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except DomainError as exc:
            return domain_error_response(exc)

    return wrapper


def _http_error(exc: HTTPException) -> Any:
    if not is_api_request():
        return exc
    return status_error(exc.code or 500)


def _normalise(response: Response) -> Response:
    """Give FAB's own API errors (``{"message": …}``, HTML, 500 "Fatal error") our shape."""
    if response.status_code < 400 or not is_api_request():
        return response
    body = response.get_json(silent=True) if response.is_json else None
    if isinstance(body, dict) and "code" in body:
        return response
    status = response.status_code
    detail = body.get("message") if isinstance(body, dict) else None
    extra: dict[str, Any] = {}
    fields: Mapping[str, Any] | None = None
    if isinstance(detail, dict):
        # marshmallow's per-field messages (FAB's 422 and the security API's 400)
        fields = {name: _flat(value) for name, value in detail.items()}
    elif isinstance(detail, str) and status < 500 and detail not in _FAB_GENERIC:
        # FAB's technical English detail, e.g. "Invalid order by column: x"
        extra["detail"] = detail
    normalised = status_error(status, fields, **extra)
    for header in ("WWW-Authenticate", "Allow", "Retry-After"):
        if header in response.headers:
            normalised.headers[header] = response.headers[header]
    normalised.status_code = status
    return normalised


def _flat(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(_flat(item) for item in value)
    if isinstance(value, dict):
        return " ".join(f"{k}: {_flat(v)}" for k, v in value.items())
    return str(value)


_LOGIN_PATH = "/api/v1/security/login"


def _refuse_what_fab_would_crash_on() -> Response | None:
    """Answer, before FAB sees them, the requests its own code turns into a 500.

    An id, page or filter value too large for an integer column overflows the driver; a
    rison ``q`` such as ``(((`` recurses without end in its parser; a login without
    ``provider`` passes FAB's schema and then fails on the missing key.
    """
    if not is_api_request():
        return None
    if _too_large(list((request.view_args or {}).values())):
        return status_error(404)
    query = request.args.get("q")
    if query:
        try:
            arguments = _read_q(query)
        except RecursionError:
            return status_error(400)
        if _too_large(arguments):
            return status_error(400)
    if request.path == _LOGIN_PATH and request.method == "POST":
        body = request.get_json(silent=True)
        if isinstance(body, dict) and "provider" not in body:
            message = gettext(N_('Say which login provider to use: "db".'))
            return status_error(400, {"provider": message})
    return None


def _read_q(query: str) -> Any:
    """``q`` as FAB reads it: rison, else JSON; None when neither (FAB answers that)."""
    try:
        return prison.loads(query)
    except RecursionError:
        raise
    except Exception:  # prison raises more than its ParserException on odd input
        pass
    try:
        return json.loads(query)
    except ValueError:
        return None


def _too_large(value: Any) -> bool:
    if isinstance(value, dict):
        return _too_large(list(value.values()))
    if isinstance(value, list):
        return any(_too_large(item) for item in value)
    return isinstance(value, int) and abs(value) > MAX_ID


def _token_refused(*_args: Any) -> Response:
    return status_error(401)


def init_app(app: Flask, jwt_manager: JWTManager) -> None:
    """JSON answers for /api/ errors, whichever code raised them."""
    # Flask-JWT-Extended answers a malformed, expired or wrong-type token with its own
    # {"msg"} and 422 by default: to a client every such token means "log in again".
    for loader in (
        jwt_manager.invalid_token_loader,
        jwt_manager.expired_token_loader,
        jwt_manager.unauthorized_loader,
        jwt_manager.needs_fresh_token_loader,
        jwt_manager.revoked_token_loader,
        jwt_manager.token_verification_failed_loader,
        jwt_manager.user_lookup_error_loader,
    ):
        loader(_token_refused)
    app.register_error_handler(HTTPException, _http_error)
    app.before_request(_refuse_what_fab_would_crash_on)
    app.after_request(_normalise)
