"""Throw-away databases for tests: a SQLite file, or a fresh PostgreSQL database."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

# Parametrize a test over both backends: the SQLite half runs in the embedded-default pass, the
# PostgreSQL half wherever a server is configured.
BOTH_BACKENDS = [
    pytest.param("sqlite", marks=pytest.mark.sqlite_only),
    pytest.param("postgres", marks=pytest.mark.postgres),
]


def postgres_server_url() -> str | None:
    """The URL of a PostgreSQL server (any database) tests may create databases on."""
    return os.environ.get("SAFELOOP_TEST_POSTGRES_URL") or None


def require_postgres() -> str:
    """The server URL; without one the test skips, unless the run was asked to be on PostgreSQL."""
    url = postgres_server_url()
    if url is None:
        if os.environ.get("SAFELOOP_TEST_BACKEND") == "postgres":
            pytest.fail("SAFELOOP_TEST_BACKEND=postgres needs SAFELOOP_TEST_POSTGRES_URL")
        pytest.skip("needs PostgreSQL: set SAFELOOP_TEST_POSTGRES_URL")
    return url


def _on_server(*statements: str) -> None:
    admin = sa.create_engine(require_postgres(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for statement in statements:
                connection.execute(sa.text(statement))
    finally:
        admin.dispose()


def recreate_postgres_database(url: str) -> None:
    """Drop the database ``url`` names (closing its connections) and create it empty again."""
    name = sa.engine.make_url(url).database
    _on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')


@contextlib.contextmanager
def temporary_postgres_database() -> Iterator[str]:
    """Create an empty PostgreSQL database, yield its URL, drop it afterwards."""
    server = require_postgres()
    name = f"safeloop_test_{uuid.uuid4().hex[:12]}"
    _on_server(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        _on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def temporary_database(directory: Path, backend: str = "sqlite") -> Iterator[str]:
    """A URL of an empty database on ``backend`` (sqlite or postgres)."""
    if backend == "postgres":
        with temporary_postgres_database() as url:
            yield url
    else:
        yield f"sqlite:///{directory / f'safeloop-{uuid.uuid4().hex[:8]}.db'}"
