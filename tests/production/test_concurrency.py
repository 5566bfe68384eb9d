"""Two people act on the same ticket at the same moment: one wins, the other is told to refresh."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm.exc import StaleDataError

import app.services.lifecycle as lifecycle_service
from app.domain.errors import ConflictError
from app.domain.lifecycle import Action
from app.domain.vocabulary import Grade, State
from app.extensions import db
from app.models import Hazard, HazardEvent
from tests.conftest import wipe_data
from tests.factories import build_world, report

pytestmark = pytest.mark.postgres

# Two inspectors of the same township decide the same fresh report differently.
CONFIRM = (
    "inspector_a",
    Action.CONFIRM,
    {"grade": Grade.GENERAL.value, "responsible_unit": "甲机械厂", "responsible_person": "赵总"},
)
REJECT = ("inspector_a2", Action.REJECT, {"reason": "重复上报"})


def race(app: Flask, moves: list[tuple[str, Action, dict[str, Any]]]) -> tuple[int, list[Any]]:
    """Fire ``moves`` on one new ticket from separate threads and sessions, all at once.

    Returns the ticket id and each thread's outcome: the new version, or the exception.
    """
    with app.app_context():
        world = build_world()
        hazard = report(world)
        hazard_id, version = hazard.id, hazard.version
        actors = {who: world[who] for who, _, _ in moves}
        category_id = world.category_id
    start = threading.Barrier(len(moves))
    outcomes: list[Any] = [None] * len(moves)

    def one(n: int, who: str, action: Action, data: dict[str, Any]) -> None:
        with app.app_context():
            try:
                start.wait(timeout=10)
                values = {**data, "category_id": category_id}
                fired = lifecycle_service.fire_transition(
                    actors[who], hazard_id, action, values, version
                )
                outcomes[n] = fired.version
            except Exception as exc:
                outcomes[n] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one, args=(n, *move)) for n, move in enumerate(moves)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return hazard_id, outcomes


def assert_one_winner(app: Flask, hazard_id: int, outcomes: list[Any]) -> None:
    winners = [o for o in outcomes if isinstance(o, int)]
    losers = [o for o in outcomes if isinstance(o, ConflictError)]
    assert len(winners) == 1 and len(losers) == len(outcomes) - 1, outcomes
    with app.app_context():
        hazard = db.session.get(Hazard, hazard_id)
        assert hazard is not None
        assert hazard.version == winners[0] == 2
        assert hazard.state in {State.CONFIRMED.value, State.REJECTED.value}
        events = db.session.scalars(
            sa.select(HazardEvent).where(HazardEvent.hazard_id == hazard_id).order_by("seq")
        ).all()
        # The report and exactly one decision; the loser left no trace.
        assert [e.seq for e in events] == [1, 2]
        assert events[1].to_state == hazard.state


def wait_for_each_other(original: Callable[..., Any], parties: int) -> Callable[..., Any]:
    """``apply_decision`` that waits until every thread has passed the checks on one version."""
    checked = threading.Barrier(parties)

    def waiting(*args: Any, **kwargs: Any) -> Any:
        checked.wait(timeout=10)
        return original(*args, **kwargs)

    return waiting


def test_two_inspectors_deciding_at_once_one_wins_the_other_gets_a_conflict(
    pg_app: Flask,
) -> None:
    try:
        hazard_id, outcomes = race(pg_app, [CONFIRM, REJECT])
        assert_one_winner(pg_app, hazard_id, outcomes)
    finally:
        with pg_app.app_context():
            wipe_data()


def test_when_both_passed_the_checks_the_database_lock_refuses_the_second(
    pg_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both threads have read version 1 and passed every rule before either writes; only the
    # UPDATE … WHERE version = 1 can tell them apart.
    monkeypatch.setattr(
        lifecycle_service,
        "apply_decision",
        wait_for_each_other(lifecycle_service.apply_decision, 2),
    )
    try:
        hazard_id, outcomes = race(pg_app, [CONFIRM, REJECT])
        assert_one_winner(pg_app, hazard_id, outcomes)
        loser = next(o for o in outcomes if isinstance(o, ConflictError))
        # Refused by the optimistic lock (0 rows updated), not by the version check before it.
        assert isinstance(loser.__cause__, StaleDataError)
    finally:
        with pg_app.app_context():
            wipe_data()


def test_the_same_transition_fired_twice_at_once_happens_once(pg_app: Flask) -> None:
    # A double click or a retried request: the second copy must not write a second event.
    try:
        hazard_id, outcomes = race(pg_app, [CONFIRM, ("inspector_a", *CONFIRM[1:])])
        assert_one_winner(pg_app, hazard_id, outcomes)
    finally:
        with pg_app.app_context():
            wipe_data()
