"""Commands for the region tree and enterprises (used by the admin screens and the seed)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from app.domain.codes import validate_credit_code
from app.domain.fields import field_error
from app.domain.messages import N_, Message
from app.domain.scope import region_column
from app.domain.vocabulary import REGION_LEVEL_ORDER, RegionLevel
from app.models import Enterprise, Region
from app.services.transaction import session


def place_region(region: Region, parent: Region | None) -> None:
    """Set ``region``'s ancestor columns from its parent (a region is its own level's id)."""
    level = RegionLevel(region.level)
    expected_parent = REGION_LEVEL_ORDER.index(level) - 1
    if (parent is None) != (expected_parent < 0) or (
        parent is not None
        and REGION_LEVEL_ORDER.index(RegionLevel(parent.level)) != expected_parent
    ):
        raise field_error(
            "parent_id", Message(N_("A region must sit directly below the level above it."))
        )
    for ancestor_level in REGION_LEVEL_ORDER:
        column = region_column(ancestor_level)
        setattr(region, column, getattr(parent, column) if parent is not None else None)
    region.parent_id = parent.id if parent is not None else None
    session().flush()
    setattr(region, region_column(level), region.id)


def add_region(parent: Region | None, level: RegionLevel, name: str, code: str) -> Region:
    """Create a region below ``parent`` (inside the caller's transaction)."""
    if session().execute(sa.select(Region.id).where(Region.code == code)).first():
        raise field_error("code", Message(N_("The code %(code)s is already used."), {"code": code}))
    region = Region(level=level.value, name=name, code=code)
    session().add(region)
    session().flush()
    place_region(region, parent)
    return region


def place_enterprise(enterprise: Enterprise, region: Region) -> None:
    """Locate ``enterprise`` in ``region`` (a village or grid) and every level above it."""
    if region.level not in (RegionLevel.VILLAGE, RegionLevel.GRID):
        raise field_error(
            "village", Message(N_("An enterprise lies in a village/community or a grid."))
        )
    for level in REGION_LEVEL_ORDER:
        column = region_column(level)
        setattr(enterprise, column, getattr(region, column))


def register_enterprise(values: Mapping[str, Any], region: Region) -> Enterprise:
    """Create an enterprise in ``region`` (a village or grid), refusing a bad or duplicate code."""
    credit_code = validate_credit_code(str(values.get("credit_code", "")))
    taken = (
        session()
        .execute(sa.select(Enterprise.id).where(Enterprise.credit_code == credit_code))
        .first()
    )
    if taken:
        raise field_error(
            "credit_code",
            Message(
                N_("An enterprise with credit code %(code)s is already registered."),
                {"code": credit_code},
            ),
        )
    enterprise = Enterprise(**{**values, "credit_code": credit_code})
    place_enterprise(enterprise, region)
    session().add(enterprise)
    session().flush()
    return enterprise
