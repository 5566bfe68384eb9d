"""The township risk-control index: every component and the index equal figures worked out by
hand for a small month built here, ties and empty townships ranked as the README says, and a
published month never silently rewritten."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.domain.errors import ConflictError, InvalidError
from app.domain.oversight import month_key
from app.domain.risk_index import Component, rank
from app.services.risk_index import (
    add_weight_set,
    compute_month,
    ensure_default_weights,
    publish_previous_month,
    ranking_for,
)
from tests.factories import SHANGHAI, build_world
from tests.oversight_data import build_month

pytestmark = pytest.mark.usefixtures("ctx")


def test_each_component_and_the_index_equal_the_figures_worked_out_by_hand() -> None:
    world, month, _t0 = build_month()
    run = compute_month(None, world.district.id, month)
    assert (run.version, run.weight_set.version) == (1, 1)
    a, b = run.scores
    assert (a.township_id, a.rank, b.township_id, b.rank) == (
        world.township_a.id,
        1,
        world.township_b.id,
        2,
    )
    values = {name: c["value"] for name, c in a.components.items()}
    scores = {name: c["score"] for name, c in a.components.items()}
    # closed 2, on time 1: 50 %. Mean close (2 d + 10 d) / 2 = 6 d (≤ 7 d: 100).
    # Confirmed (6 h + 18 h) / 2 = 12 h (≤ 24 h: 100). Self-found 1 of 4 reported: 25 %.
    # Decisions 3 (verify, send back, verify), one send-back: 33.33 %, score 66.67.
    assert values == {
        "on_time": 50.0,
        "overdue_major": 0.0,
        "close_time": 6.0,
        "confirm_time": 12.0,
        "self_found": 25.0,
        "send_back": 33.33,
    }
    assert scores == {
        "on_time": 50.0,
        "overdue_major": 100.0,
        "close_time": 100.0,
        "confirm_time": 100.0,
        "self_found": 25.0,
        "send_back": 66.67,
    }
    # Weights 30/20/15/10/15/10: (1500 + 2000 + 1500 + 1000 + 375 + 666.7) / 100.
    assert a.score == 70.42
    # Township B has no hazards: every component "/", no index, ranked after every scored one.
    assert b.score is None and all(c["score"] is None for c in b.components.values())


def test_ties_share_a_rank_and_townships_without_a_score_come_last() -> None:
    ranks = rank([(1, "a", 80.0), (2, "b", 90.0), (3, "c", 80.0), (4, "d", None), (5, "e", None)])
    assert ranks == {2: 1, 1: 2, 3: 2, 4: 4, 5: 4}


def test_a_published_month_is_corrected_only_as_a_new_version_with_a_reason() -> None:
    world, month, _t0 = build_month()
    first = compute_month(None, world.district.id, month)
    with pytest.raises(ConflictError):
        compute_month(None, world.district.id, month)
    again = compute_month(None, world.district.id, month, reason="核对数据")
    assert (again.version, again.reason) == (2, "核对数据")
    assert [(s.township_id, s.score, s.rank, s.components) for s in again.scores] == [
        (s.township_id, s.score, s.rank, s.components) for s in first.scores
    ]
    assert ranking_for(world["district"], month).version == 2
    assert ranking_for(world["district"], month, version=1).id == first.id


def test_a_month_uses_the_weight_set_in_force_for_it_and_shows_the_change() -> None:
    world, month, _t0 = build_month()
    year, number = (int(p) for p in month.split("-"))
    following = date(year + number // 12, number % 12 + 1, 1)
    add_weight_set(
        None, following, {c: (1.0 if c is Component.ON_TIME else 0.0) for c in Component}
    )
    run = compute_month(None, world.district.id, month)
    assert (run.weight_set.version, run.scores[0].score) == (1, 70.42)
    later = compute_month(None, world.district.id, month_key(following.year, following.month))
    # Nothing closed in the next month: the only weighted component is "/", so no index.
    assert later.weight_set.version == 2 and later.scores[0].score is None
    assert later.scores[0].change is None


def test_only_a_finished_month_can_be_computed_and_the_monthly_job_skips_published_ones() -> None:
    ensure_default_weights()
    world = build_world()
    today = datetime.now(SHANGHAI).date()
    with pytest.raises(InvalidError):
        compute_month(None, world.district.id, month_key(today.year, today.month))
    published = publish_previous_month()
    assert len(published) == 1
    assert publish_previous_month() == []


def test_the_change_is_against_the_month_before() -> None:
    world, month, _t0 = build_month()
    year, number = (int(p) for p in month.split("-"))
    following = month_key(year + number // 12, number % 12 + 1)
    compute_month(None, world.district.id, month)
    later = compute_month(None, world.district.id, following)
    # The next month only measures overdue majors (none: 100); every other component is "/".
    line = next(s for s in later.scores if s.township_id == world.township_a.id)
    assert (line.score, line.change) == (100.0, 29.58)


def test_a_stored_snapshot_cannot_be_edited_or_deleted() -> None:
    from app.models.oversight import SnapshotImmutableError
    from app.services.transaction import session

    world, month, _t0 = build_month()
    run = compute_month(None, world.district.id, month)
    score = run.scores[0]
    score.score = 99.0
    with pytest.raises(SnapshotImmutableError):
        session().flush()
    session().rollback()
    session().delete(session().get(type(run), run.id))
    with pytest.raises(SnapshotImmutableError):
        session().flush()
    session().rollback()
    assert ranking_for(world["district"], month).scores[0].score == 70.42
