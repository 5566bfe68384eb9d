"""Throw-away databases for tests: a SQLite file, or a fresh PostgreSQL database."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa


def postgres_server_url() -> str | None:
    """The URL of a PostgreSQL server (any database) tests may create databases on."""
    return os.environ.get("SAFELOOP_TEST_POSTGRES_URL") or None


def require_postgres() -> str:
    url = postgres_server_url()
    if url is None:
        pytest.skip("needs PostgreSQL: set SAFELOOP_TEST_POSTGRES_URL")
    return url


@contextlib.contextmanager
def temporary_postgres_database() -> Iterator[str]:
    """Create an empty PostgreSQL database, yield its URL, drop it afterwards."""
    server = require_postgres()
    name = f"safeloop_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def temporary_database(directory: Path, backend: str = "sqlite") -> Iterator[str]:
    """A URL of an empty database on ``backend`` (sqlite or postgres)."""
    if backend == "postgres":
        with temporary_postgres_database() as url:
            yield url
    else:
        yield f"sqlite:///{directory / f'safeloop-{uuid.uuid4().hex[:8]}.db'}"
