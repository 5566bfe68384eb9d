"""The dashboard summary reads a period in one of two ways (seeking a short period's rows, or
scanning the state-ordered index); both give the same figures."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.domain.oversight import Figure, Period
from app.services import dashboard
from tests.factories import local_now
from tests.oversight_data import build_tickets

pytestmark = pytest.mark.usefixtures("ctx")


def test_a_short_period_seeks_its_rows_and_counts_what_a_scan_counts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tickets = build_tickets()  # eight tickets now, one 400 days ago
    district = tickets.world["district"]
    today = local_now().date()
    month = Period(today - timedelta(days=30), today)
    assert dashboard._summary_index(month) == dashboard.BY_PERIOD
    assert dashboard._summary_index(Period()) == dashboard.BY_STATE
    sought = dashboard.summary(district, month)
    monkeypatch.setattr(dashboard, "SEEK_SHARE", 0)
    assert dashboard._summary_index(month) == dashboard.BY_STATE
    scanned = dashboard.summary(district, month)
    assert sought == scanned
    assert sought.counts[Figure.REPORTED] == 8 and sought.counts[Figure.CLOSED_ON_TIME] == 1
    assert sought.mean_hours_to_close is not None and sought.p90_hours_to_close is not None
