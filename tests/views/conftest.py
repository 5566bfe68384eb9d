"""Screen tests: data is built inside a short app context, requests run outside it.

Flask reuses an already pushed app context for a test request, and Flask-Login caches the
loaded user on ``g``: requests sent while a test holds an app context would all run as the
first user. So these tests never hold one while they send requests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from tests.conftest import wipe_data


@pytest.fixture
def screens(app: Flask) -> Iterator[Flask]:
    """The test app for screen tests; the data they write is wiped afterwards."""
    yield app
    with app.app_context():
        wipe_data()
        db.session.remove()


@pytest.fixture
def in_app(screens: Flask) -> Callable[[], AbstractContextManager[Any]]:
    """``with in_app(): …`` for a block of database work between requests."""
    return screens.app_context


@pytest.fixture
def login(screens: Flask) -> Callable[[str], FlaskClient]:
    """``login("inspector_a")`` returns a test client signed in as that user."""

    def sign_in(username: str) -> FlaskClient:
        client = screens.test_client()
        response = client.post("/login/", data={"username": username, "password": "safeloop123"})
        assert response.status_code == 302 and "/login" not in response.headers["Location"]
        return client

    return sign_in
