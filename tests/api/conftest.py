"""Helpers for API tests: JWT logins per demo user, JSON and multipart calls, a small district."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.services.attachments import NewFile
from tests.factories import USERS, World, build_world

PASSWORD = "safeloop123"
USERNAMES = [username for username, _role, _where in USERS]


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Log in through FAB's security API; return the access and refresh tokens."""
    response = client.post(
        "/api/v1/security/login",
        json={"username": username, "password": password, "provider": "db", "refresh": True},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    return {"access": body["access_token"], "refresh": body["refresh_token"]}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def files_form(data: dict[str, Any], files: dict[str, list[NewFile]]) -> dict[str, Any]:
    """A multipart body for the test client: form fields plus files per part name."""
    form: dict[str, Any] = {k: str(v) for k, v in data.items() if v is not None}
    for part, new_files in files.items():
        form[part] = [(io.BytesIO(f.content), f.name) for f in new_files]
    return form


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    The tests hold an app context open (for factories); without this, requests would share
    its ``g`` and a JWT user loaded by one request would leak into the next.
    """

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        with self.application.app_context():
            return super().open(*args, **kwargs)


def isolated_client(app: Flask) -> FlaskClient:
    app.test_client_class = IsolatedClient
    try:
        return app.test_client()
    finally:
        app.test_client_class = None


@dataclass
class ApiUsers:
    """A client that speaks to the API as one of the demo users (JWT), logging in lazily."""

    client: FlaskClient
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)

    def token(self, username: str) -> str:
        if username not in self.tokens:
            self.tokens[username] = login(self.client, username)
        return self.tokens[username]["access"]

    def headers(self, username: str) -> dict[str, str]:
        return bearer(self.token(username))

    def get(self, username: str, url: str, **kw: Any) -> TestResponse:
        return self.client.get(url, headers=self.headers(username), **kw)

    def post(self, username: str, url: str, json: Any = None, **kw: Any) -> TestResponse:
        return self.client.post(url, headers=self.headers(username), json=json, **kw)

    def post_files(
        self, username: str, url: str, data: dict[str, Any], files: dict[str, list[NewFile]]
    ) -> TestResponse:
        return self.client.post(
            url,
            headers=self.headers(username),
            data=files_form(data, files),
            content_type="multipart/form-data",
        )

    def fire(self, username: str, hazard: dict[str, Any], action: str, **data: Any) -> TestResponse:
        """Fire ``action`` with the version the client last saw in ``hazard``."""
        return self.post(
            username,
            f"/api/v1/hazard/{hazard['id']}/transition/{action}",
            json={**data, "version": hazard["version"]},
        )


@pytest.fixture
def world(ctx: Flask) -> World:
    return build_world()


@pytest.fixture
def api(ctx: Flask, world: World) -> ApiUsers:
    return ApiUsers(isolated_client(ctx))
