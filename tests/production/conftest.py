"""The production path: PostgreSQL, gunicorn, the deploy recipe, backups.

Tests here start real servers or processes; they skip (with the reason) when PostgreSQL is not
configured, and fail instead of skipping when CI asked for PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import prepared_app


@pytest.fixture(scope="module")
def pg_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A migrated, initialised app on its own fresh PostgreSQL database."""
    with prepared_app(tmp_path_factory.mktemp("pg-instance"), "postgres") as app:
        yield app


@pytest.fixture
def project_root() -> Path:
    return Path(__file__).resolve().parents[2]
