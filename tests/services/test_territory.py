"""Regions and enterprises: codes checked, places copied down the tree, scope applied."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.domain.errors import InvalidError
from app.domain.vocabulary import RegionLevel
from app.models import Enterprise
from app.services.scoping import enterprises_for, regions_for
from app.services.territory import add_region, register_enterprise
from app.services.transaction import atomic, session
from tests.factories import CREDIT_CODES, build_world

pytestmark = pytest.mark.usefixtures("ctx")


def test_an_enterprise_with_an_invalid_credit_code_is_refused() -> None:
    world = build_world()
    with pytest.raises(InvalidError) as refused, atomic():
        register_enterprise({"name": "坏代码厂", "credit_code": "91330199MA2B00001X"}, world.grid_a)
    assert "credit_code" in refused.value.field_errors
    assert (
        session().scalars(sa.select(Enterprise).where(Enterprise.name == "坏代码厂")).first()
        is None
    )


def test_a_credit_code_cannot_be_registered_twice() -> None:
    world = build_world()
    with pytest.raises(InvalidError) as refused, atomic():
        register_enterprise(
            {"name": "重复厂", "credit_code": CREDIT_CODES[0].lower()}, world.grid_a
        )
    assert "already registered" in str(refused.value.field_errors["credit_code"])


def test_region_codes_are_unique_and_levels_nest() -> None:
    world = build_world()
    with pytest.raises(InvalidError), atomic():
        add_region(world.township_a, RegionLevel.VILLAGE, "重名村", "339901001001")
    with pytest.raises(InvalidError), atomic():
        add_region(world.township_a, RegionLevel.GRID, "跳级网格", "339901001-G9")


def test_places_are_copied_down_the_tree() -> None:
    world = build_world()
    assert (world.grid_a.district_id, world.grid_a.township_id, world.grid_a.grid_id) == (
        world.district.id,
        world.township_a.id,
        world.grid_a.id,
    )
    assert (world.e1.township_id, world.e1.village_id, world.e1.grid_id) == (
        world.township_a.id,
        world.village_a.id,
        world.grid_a.id,
    )


def test_an_officer_chooses_only_their_enterprise_and_its_places() -> None:
    world = build_world()
    officer = world["officer_e1"]
    assert [e.name for e in session().scalars(enterprises_for(officer))] == ["甲机械厂"]
    regions = {r.name for r in session().scalars(regions_for(officer))}
    assert regions == {"测试区", "甲镇", "甲村", "甲村一网格"}
    inspector_b = {e.name for e in session().scalars(enterprises_for(world["inspector_b"]))}
    assert inspector_b == {"乙食品厂"}
    assert len(session().scalars(enterprises_for(world["district"])).all()) == 3
    assert {r.name for r in session().scalars(regions_for(world["grid_a"]))} == {"甲村一网格"}
