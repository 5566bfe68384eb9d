"""Plain rules of the oversight screens: rates, percentiles, periods, map geometry."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.errors import InvalidError
from app.domain.geo import check_boundary, parse_bbox, wgs84_to_gcj02
from app.domain.oversight import (
    last_months,
    month_period,
    parse_period,
    percentile_of_histogram,
    rate,
    show_rate,
)


def test_a_rate_without_a_denominator_is_a_slash_not_zero_or_a_hundred() -> None:
    assert rate(0, 0) is None and show_rate(rate(0, 0)) == "/"
    assert rate(0, 4) == 0.0 and rate(4, 4) == 100.0 and show_rate(rate(1, 3)) == "33.3 %"


def test_the_90th_percentile_is_the_nearest_rank_of_the_histogram() -> None:
    assert percentile_of_histogram({}, 0.9) is None
    # 10 values: 1 h ×5, 2 h ×4, 30 h ×1 -> the 9th value is 2 h.
    assert percentile_of_histogram({1: 5, 2: 4, 30: 1}, 0.9) == 2
    assert percentile_of_histogram({1: 5, 2: 3, 30: 2}, 0.9) == 30


def test_periods_months_and_their_refusals() -> None:
    assert month_period(2026, 12).first == date(2026, 12, 1)
    assert month_period(2026, 2).last == date(2026, 2, 28)
    assert last_months(date(2026, 2, 10), 3) == [(2025, 12), (2026, 1), (2026, 2)]
    assert parse_period("", None).all_time
    with pytest.raises(InvalidError) as refused:
        parse_period("2026-03-02", "2026-03-01")
    assert "to" in refused.value.field_errors
    with pytest.raises(InvalidError):
        parse_period("2026-13-01", None)


def test_gcj02_shifts_points_in_china_by_a_few_hundred_metres_and_nowhere_else() -> None:
    lon, lat = 120.101340, 30.231520
    shifted_lon, shifted_lat = wgs84_to_gcj02(lon, lat)
    metres = ((shifted_lon - lon) * 96_000) ** 2 + ((shifted_lat - lat) * 111_000) ** 2
    assert 100**2 < metres < 700**2
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)


def test_an_outline_must_be_a_polygon_with_closed_rings_in_range() -> None:
    square = [[[120.0, 30.0], [120.1, 30.0], [120.1, 30.1], [120.0, 30.0]]]
    assert check_boundary({"type": "Polygon", "coordinates": square})["type"] == "Polygon"
    feature = {"type": "Feature", "geometry": {"type": "MultiPolygon", "coordinates": [square]}}
    assert check_boundary(feature)["type"] == "MultiPolygon"
    for bad in (
        {"type": "Point", "coordinates": [120, 30]},
        {"type": "Polygon", "coordinates": [[[120, 30], [121, 30], [120, 30]]]},
        {"type": "Polygon", "coordinates": [[[200, 30], [121, 30], [121, 31], [200, 30]]]},
        {"type": "Polygon"},
    ):
        with pytest.raises(InvalidError):
            check_boundary(bad)


def test_a_bounding_box_is_west_south_east_north() -> None:
    assert parse_bbox(None) is None
    assert parse_bbox("120,30,121,31").east == 121
    for bad in ("120,30,121", "121,30,120,31", "a,b,c,d"):
        with pytest.raises(InvalidError):
            parse_bbox(bad)
