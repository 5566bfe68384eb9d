"""The OpenAPI document is valid, describes the transition bodies, and survives a fuzz.

The fuzz (schemathesis) runs against the app served by a real HTTP server on 127.0.0.1: every
documented operation gets schema-generated requests from a logged-in inspector and officer,
and none may answer 5xx.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.serving import make_server

from app.api.schemas import API_ACTIONS, ID, transition_schema_name
from app.domain.lifecycle import GENERAL_PLAN_FIELDS, MAJOR_PLAN_FIELDS, Action, fields_for
from tests.api.conftest import ApiUsers, login
from tests.factories import World, confirm, report, to_pending_verification, to_rectifying

FUZZ_EXAMPLES = 10


@pytest.fixture
def spec(api: ApiUsers) -> dict[str, Any]:
    response = api.get("inspector_a", "/api/v1/_openapi")
    assert response.status_code == 200
    document: dict[str, Any] = response.get_json()
    return document


def test_the_openapi_document_is_valid(spec: dict[str, Any]) -> None:
    validate(spec)  # raises on any violation of OpenAPI 3.0
    assert spec["openapi"].startswith("3.")


def test_every_transition_is_documented_with_the_fields_the_lifecycle_asks(
    spec: dict[str, Any],
) -> None:
    schemas = spec["components"]["schemas"]
    for action in API_ACTIONS:
        path = spec["paths"][f"/api/v1/hazard/{{pk}}/transition/{action.value}"]
        body = path["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body["$ref"].endswith(transition_schema_name(action))
        if action is Action.PLAN:
            continue
        schema = schemas[transition_schema_name(action)]
        specs = fields_for(action, None)
        # Every body may carry the custom fields' values (``extra``), none requires it.
        assert set(schema["properties"]) == {s.name for s in specs} | {"version", "extra"}
        assert set(schema["required"]) == {s.name for s in specs if s.required} | {"version"}
    general, major = schemas["TransitionPlanGeneral"], schemas["TransitionPlanMajor"]
    assert set(general["properties"]) == {s.name for s in GENERAL_PLAN_FIELDS} | {
        "version",
        "extra",
    }
    assert set(major["properties"]) == {s.name for s in MAJOR_PLAN_FIELDS} | {"version", "extra"}
    assert "/api/v1/hazard/{pk}/transition/{action}" not in spec["paths"]
    # A ticket as read carries its custom values as one object, described for clients.
    extra = schemas["HazardApi.get"]["properties"]["extra"]
    assert extra["type"] == "object" and "/api/v1/customfield/" in extra["description"]
    # A photo field's value is a list of attachment ids.
    kinds = extra["additionalProperties"]["oneOf"]
    assert {"type": "array", "items": ID, "description": kinds[-1]["description"]} in kinds
    assert not {"put", "delete", "patch"} & set(spec["paths"]["/api/v1/hazard/{pk}"])


@pytest.fixture
def served(ctx: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app on a real HTTP server, on loopback only, answering crashes as production does."""
    monkeypatch.setitem(ctx.config, "PROPAGATE_EXCEPTIONS", False)
    server = make_server("127.0.0.1", 0, ctx, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def _tickets_in_every_state(world: World) -> None:
    report(world, latitude="30.274085", longitude="120.155070")
    confirm(world, report(world))
    to_rectifying(world, report(world))
    to_pending_verification(world, report(world))


# Our own operations must also answer exactly as documented (status, content type, body).
CONFORMANCE = [status_code_conformance, content_type_conformance, response_schema_conformance]
# FAB's own endpoints (login, menu, the document itself) are only held to "no 5xx".
FAB_PATHS = ("/api/v1/security/", "/api/v1/menu/", "/_openapi")


def fuzz(operation: Any, base_url: str, user: str, token: str, problems: list[str]) -> None:
    """Send ``FUZZ_EXAMPLES`` generated requests to one operation; note what goes wrong.

    Wrong is: any 5xx, an error not in the API's JSON error shape (no HTML pages), and for
    SafeLoop's operations any answer the OpenAPI document does not describe.
    """
    ours = not any(part in operation.path for part in FAB_PATHS)

    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def call(case: Any) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        response = case.call(base_url=base_url, headers=headers, timeout=30)
        where = f"{user} {case.method} {case.formatted_path} {case.body!r:.200}"
        try:
            body = response.json()
        except ValueError:
            body = None
        error_shape = isinstance(body, dict) and {"code", "message", "fields"} <= set(body)
        if response.status_code >= 500 or (response.status_code >= 400 and not error_shape):
            problems.append(f"{where}: {response.status_code} {response.text[:200]}")
        if ours:
            try:
                case.validate_response(response, checks=CONFORMANCE)
            except AssertionError as failure:  # schemathesis' FailureGroup
                problems.append(f"{where}: {str(failure)[:400]}")

    call()


@pytest.mark.slow
def test_a_schema_driven_fuzz_of_the_served_api_finds_no_server_error(
    api: ApiUsers, world: World, served: str
) -> None:
    _tickets_in_every_state(world)
    tokens = {user: login(api.client, user)["access"] for user in ("inspector_a", "officer_e1")}
    schema = schemathesis.openapi.from_url(
        f"{served}/api/v1/_openapi",
        headers={"Authorization": f"Bearer {tokens['inspector_a']}"},
    )
    problems: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30
    for operation in operations:
        for user, token in tokens.items():
            fuzz(operation, served, user, token, problems)
    assert problems == []
