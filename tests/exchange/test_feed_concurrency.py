"""The change feed on PostgreSQL while other sessions commit transitions: nothing slips
between two pages, nothing comes twice."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from app.domain.lifecycle import Action
from app.extensions import db
from app.models import Hazard
from app.services import lifecycle
from app.services.exchange import changes_for, page_json
from tests.conftest import prepared_app, wipe_data
from tests.exchange.conftest import integration_account
from tests.factories import build_world, report

pytestmark = pytest.mark.postgres

WRITERS = 4
TICKETS_PER_WRITER = 8


@pytest.fixture(scope="module")
def pg_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with prepared_app(tmp_path_factory.mktemp("pg-exchange"), "postgres") as app:
        yield app


def _slow_commits(session: Session) -> None:
    # Widen the gap between a writer's first write and its commit, so that a later writer
    # commits first unless the feed's lock orders them.
    threading.Event().wait(random.uniform(0, 0.05))


def test_a_client_reading_while_others_commit_misses_nothing_and_repeats_nothing(
    pg_app: Flask,
) -> None:
    with pg_app.app_context():
        world = build_world()
        province = integration_account(world.district)
        tickets = [report(world, title=f"隐患{n}").id for n in range(WRITERS * TICKETS_PER_WRITER)]
        start = page_json(changes_for(province, 0, 1000))["next"]
        db.session.commit()
    inspector = world["inspector_a"]
    done = threading.Event()
    errors: list[BaseException] = []

    def write(mine: list[int]) -> None:
        with pg_app.app_context():
            try:
                for hazard_id in mine:
                    version = db.session.get(Hazard, hazard_id).version  # type: ignore[union-attr]
                    db.session.rollback()
                    lifecycle.fire_transition(
                        inspector, hazard_id, Action.EDIT, {"risk_point": "仓库"}, version
                    )
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    sa.event.listen(Session, "before_commit", _slow_commits)
    seen: list[tuple[int, str, int]] = []
    try:
        writers = [
            threading.Thread(target=write, args=(tickets[n::WRITERS],)) for n in range(WRITERS)
        ]
        for thread in writers:
            thread.start()
        with pg_app.app_context():
            cursor = start

            def read_page() -> Any:
                nonlocal cursor
                page = page_json(changes_for(province, cursor, 3))
                db.session.rollback()
                assert page["next"] >= cursor
                for change in page["changes"]:
                    seen.append((change["cursor"], change["ticket"]["code"], change["version"]))
                moved = page["next"] != cursor
                cursor = page["next"]
                return moved

            while any(t.is_alive() for t in writers):
                read_page()
            for thread in writers:
                thread.join(timeout=60)
            done.set()
            while read_page():
                pass
    finally:
        sa.event.remove(Session, "before_commit", _slow_commits)
    try:
        assert errors == []
        with pg_app.app_context():
            final = dict(
                db.session.execute(
                    sa.select(Hazard.code, Hazard.version).where(Hazard.id.in_(tickets))
                ).all()
            )
        assert all(version == 2 for version in final.values())
        pairs = [(code, version) for _, code, version in seen]
        # Repeats nothing, misses nothing: each ticket's edit exactly once …
        assert sorted(pairs) == sorted(final.items())
        # … in the order of the cursors.
        cursors = [c for c, _, _ in seen]
        assert cursors == sorted(cursors)
    finally:
        with pg_app.app_context():
            wipe_data()
