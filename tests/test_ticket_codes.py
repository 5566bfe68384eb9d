"""Ticket codes stay unique when several people report at the same moment."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from app.models import Hazard
from app.services.lifecycle import report_hazard
from tests.conftest import prepared_app, wipe_data
from tests.factories import build_world, jpeg


def report_concurrently(app: Flask, count: int) -> list[str]:
    """``count`` threads, each with its own session, report at once in the same township."""
    with app.app_context():
        world = build_world()
        reporters = [world["grid_a"], world["officer_e1"], world["inspector_a"]]
        enterprise_id = world.e1.id
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def one(n: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                report_hazard(
                    reporters[n % len(reporters)],
                    {
                        "title": f"隐患{n}",
                        "description": "并发上报",
                        "enterprise_id": enterprise_id,
                    },
                    [jpeg()],
                )
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        return list(db.session.scalars(sa.select(Hazard.code)))


def test_two_sessions_reporting_at_once_get_different_codes(app: Flask) -> None:
    try:
        codes = report_concurrently(app, 2)
        assert len(codes) == len(set(codes)) == 2
        assert sorted(code[-5:] for code in codes) == ["00001", "00002"]
    finally:
        with app.app_context():
            wipe_data()


@pytest.mark.postgres
def test_twenty_parallel_reports_on_postgres_never_collide(tmp_path: Path) -> None:
    with prepared_app(tmp_path, "postgres") as pg_app:
        codes = report_concurrently(pg_app, 20)
        assert len(codes) == len(set(codes)) == 20
