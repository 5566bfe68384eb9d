"""The dashboard summary sums each figure over groups of tickets; every figure must still count
exactly the tickets its condition (the hazard list's filter) selects, whichever index the
period is read from."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.domain.oversight import Figure, Period
from app.domain.scope import Actor
from app.models import Hazard
from app.services import dashboard
from app.services.transaction import session
from tests.factories import local_now
from tests.oversight_data import build_tickets

pytestmark = pytest.mark.usefixtures("ctx")


def one_by_one(actor: Actor, period: Period) -> dict[Figure, int]:
    """Each figure counted on its own, as the hazard list counts it."""
    where = dashboard.cohort(actor, period, None)
    return {
        figure: session().scalar(
            sa.select(sa.func.count()).where(*where, dashboard.figure_clause(figure))
        )
        or 0
        for figure in Figure
    }


def test_each_summed_figure_equals_its_condition_counted_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Nine tickets in every situation a figure tells apart, with empty deadlines and
    # supervision levels among them; one reported 400 days ago.
    tickets = build_tickets()
    district = tickets.world["district"]
    today = local_now().date()
    month = Period(today - timedelta(days=30), today)
    sqlite = session().get_bind().dialect.name == "sqlite"
    short = dashboard.BY_PERIOD if sqlite else dashboard.BY_STATE
    assert dashboard._summary_index(month) == short
    assert dashboard._summary_index(Period()) == dashboard.BY_STATE
    for period in (Period(), month):
        found = dashboard.summary(district, period)
        assert found.counts == one_by_one(district, period)
        states = dict(
            session()
            .execute(
                sa.select(Hazard.state, sa.func.count())
                .where(*dashboard.cohort(district, period, None))
                .group_by(Hazard.state)
            )
            .all()
        )
        assert {s: n for s, n in found.by_state.items() if n} == states
    # The short period read by scanning the state-ordered index instead: the same figures.
    sought = dashboard.summary(district, month)
    monkeypatch.setattr(dashboard, "SEEK_SHARE", 0)
    assert dashboard._summary_index(month) == dashboard.BY_STATE
    assert dashboard.summary(district, month) == sought
    assert sought.counts[Figure.REPORTED] == 8 and sought.counts[Figure.CLOSED_ON_TIME] == 1
