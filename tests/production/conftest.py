"""The production path: PostgreSQL, gunicorn, the deploy recipe, backups.

Tests here start real servers or processes; they skip (with the reason) when PostgreSQL is not
configured, and fail instead of skipping when CI asked for PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from app.extensions import db
from tests.conftest import build_app, prepare_database
from tests.support.databases import temporary_database


@pytest.fixture(scope="module")
def pg_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A migrated, initialised app on its own fresh PostgreSQL database."""
    instance = tmp_path_factory.mktemp("pg-instance")
    with temporary_database(instance, "postgres") as url:
        app = build_app(url, instance)
        prepare_database(app)
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def project_root() -> Path:
    return Path(__file__).resolve().parents[2]
