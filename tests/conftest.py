"""Test app on a throw-away database, built by the real migration chain.

The suite runs on SQLite by default. With ``SAFELOOP_TEST_BACKEND=postgres`` (and
``SAFELOOP_TEST_POSTGRES_URL`` pointing at a server) it creates its own PostgreSQL database
and drops it at the end, so no run sees another's data.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask

from app import create_app
from app.extensions import db
from tests.support.databases import temporary_database

TEST_BACKEND = os.environ.get("SAFELOOP_TEST_BACKEND", "sqlite")

TEST_SETTINGS: dict[str, Any] = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,
    # Fast hashing for test users; production keeps scrypt.
    "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    # Rate-limit counters in memory: each test app counts on its own.
    "RATELIMIT_STORAGE_URI": "memory://",
}

# Tables holding per-test data; reference data (categories, standards, SLA) and roles stay.
DATA_TABLES = [
    "public_reply",
    "public_report",
    "ledger_import",
    "risk_index_score",
    "risk_index_run",
    "risk_weight_set",
    "notification",
    "robot_digest",
    "robot_channel",
    "webhook_delivery",
    "webhook_subscriber",
    "verification_run",
    "chain_anchor",
    "report",
    "responsibility",
    "attachment",
    "hazard_event",
    "control_measure",
    "rectification_plan",
    "extension_request",
    "hazard",
    "ticket_sequence",
    "user_scope",
    "enterprise",
    "region",
]


def pytest_runtest_setup(item: pytest.Item) -> None:
    if TEST_BACKEND == "postgres" and item.get_closest_marker("sqlite_only"):
        pytest.skip("SQLite-specific; this run is on PostgreSQL")


def build_app(database_url: str, instance: Path, **overrides: Any) -> Flask:
    """A SafeLoop app for tests on ``database_url``, files under ``instance``."""
    return create_app(
        {
            **TEST_SETTINGS,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "UPLOAD_FOLDER": str(instance / "uploads"),
            "SAFELOOP_REPORT_FOLDER": str(instance / "reports"),
            "SAFELOOP_IMPORT_FOLDER": str(instance / "imports"),
            **overrides,
        }
    )


def prepare_database(app: Flask) -> None:
    """Migrate to head, create roles and the system user, load reference data."""
    from seed.loader import load_reference

    with app.app_context():
        flask_migrate.upgrade()
        result = app.test_cli_runner().invoke(args=["safeloop", "init"])
        assert result.exit_code == 0, result.output
        load_reference()


@contextlib.contextmanager
def prepared_app(instance: Path, backend: str) -> Iterator[Flask]:
    """A migrated, initialised app with reference data on a throw-away ``backend`` database."""
    with temporary_database(instance, backend) as url:
        test_app = build_app(url, instance)
        prepare_database(test_app)
        try:
            yield test_app
        finally:
            with test_app.app_context():
                db.session.remove()
                db.engine.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with prepared_app(tmp_path_factory.mktemp("instance"), TEST_BACKEND) as test_app:
        yield test_app


def wipe_data() -> None:
    """Remove every row a test may have written, keeping reference data and roles."""
    session = db.session
    session.rollback()
    if session.get_bind().dialect.name == "postgresql":
        # The events table refuses DELETE (append-only trigger); a test database may be wiped.
        session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    session.execute(sa.text("UPDATE hazard SET merged_into_id = NULL"))
    session.execute(sa.text("UPDATE region SET parent_id = NULL"))
    for table in DATA_TABLES:
        session.execute(sa.text(f"DELETE FROM {table}"))
    keep = "(SELECT id FROM ab_user WHERE username = 'system')"
    session.execute(sa.text(f"DELETE FROM ab_user_role WHERE user_id NOT IN {keep}"))
    session.execute(sa.text(f"DELETE FROM ab_user WHERE id NOT IN {keep}"))
    session.commit()


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    """An app context for one test; the test's data is wiped afterwards."""
    with app.app_context():
        try:
            yield app
        finally:
            wipe_data()
            db.session.remove()
