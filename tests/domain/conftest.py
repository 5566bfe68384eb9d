"""Plain-Python fixtures for the domain tests: no Flask, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.domain import roles
from app.domain.deadlines import DEFAULT_TERMS
from app.domain.lifecycle import AttachmentFacts, Facts
from app.domain.scope import Actor
from app.domain.vocabulary import AttachmentKind, RegionLevel

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
TODAY = date(2026, 11, 23)

DISTRICT, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A, GRID_A, GRID_A2 = 1, 10, 20, 100, 1000, 1001
ENTERPRISE_E1, ENTERPRISE_E2, ENTERPRISE_B1 = 501, 502, 601


@dataclass
class FakeTicket:
    """A ticket as the domain sees it: attributes only."""

    id: int | None = 7
    state: str = "reported"
    grade: str = "general"
    source: str = "grid_patrol"
    version: int = 3
    enterprise_id: int | None = ENTERPRISE_E1
    district_id: int | None = DISTRICT
    township_id: int | None = TOWNSHIP_A
    village_id: int | None = VILLAGE_A
    grid_id: int | None = GRID_A
    reported_by_id: int | None = 40
    submitted_by_id: int | None = None
    supervision_level: str | None = None
    deadline: datetime | None = None
    original_deadline: datetime | None = None
    extension_count: int = 0
    rework_count: int = 0
    deleted_at: datetime | None = None
    title: str = "配电箱未接地"
    extra: dict[str, Any] = field(default_factory=dict)


def actor(user_id: int, role: str, **scope: Any) -> Actor:
    return Actor(user_id=user_id, name=f"user{user_id}", roles=frozenset({role}), **scope)


ACTORS = {
    "inspector_a": actor(
        10, roles.TOWNSHIP_INSPECTOR, region_id=TOWNSHIP_A, region_level=RegionLevel.TOWNSHIP
    ),
    "inspector_a2": actor(
        11, roles.TOWNSHIP_INSPECTOR, region_id=TOWNSHIP_A, region_level=RegionLevel.TOWNSHIP
    ),
    "inspector_b": actor(
        12, roles.TOWNSHIP_INSPECTOR, region_id=TOWNSHIP_B, region_level=RegionLevel.TOWNSHIP
    ),
    "officer_e1": actor(20, roles.ENTERPRISE_OFFICER, enterprise_id=ENTERPRISE_E1),
    "officer_e2": actor(21, roles.ENTERPRISE_OFFICER, enterprise_id=ENTERPRISE_E2),
    "grid_a": actor(40, roles.GRID_MEMBER, region_id=GRID_A, region_level=RegionLevel.GRID),
    "grid_a2": actor(41, roles.GRID_MEMBER, region_id=GRID_A2, region_level=RegionLevel.GRID),
    "district": actor(
        50, roles.DISTRICT_SUPERVISOR, region_id=DISTRICT, region_level=RegionLevel.DISTRICT
    ),
    "auditor": actor(60, roles.AUDITOR, region_id=DISTRICT, region_level=RegionLevel.DISTRICT),
    "admin": actor(70, roles.ADMIN),
}


def make_facts(**overrides: Any) -> Facts:
    attachments = {
        1: AttachmentFacts(1, 7, AttachmentKind.PHOTO.value, uploaded_by_id=50),
        2: AttachmentFacts(2, 7, AttachmentKind.AFTER_PHOTO.value),
        3: AttachmentFacts(3, 99, AttachmentKind.AFTER_PHOTO.value),
        4: AttachmentFacts(4, 7, AttachmentKind.AFTER_PHOTO.value, deleted=True),
    }
    values: dict[str, Any] = {
        "now": NOW,
        "zone": SHANGHAI,
        "sla_for": lambda grade: DEFAULT_TERMS[grade],
        "attachments": attachments,
        "control_measure_count": 1,
    }
    values.update(overrides)
    return Facts(**values)


@pytest.fixture
def facts() -> Facts:
    return make_facts()


def in_days(days: int) -> str:
    return (TODAY + timedelta(days=days)).isoformat()
