"""Small factories: a district with two townships, enterprises, users of every role, photos."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image

from app.domain import roles
from app.domain.lifecycle import Action
from app.domain.scope import Actor
from app.domain.vocabulary import AttachmentKind, Grade, RegionLevel
from app.models import Category, Enterprise, Hazard, Region
from app.services.actors import actor_for
from app.services.attachments import NewFile
from app.services.lifecycle import fire_transition, report_hazard
from app.services.territory import add_region, register_enterprise
from app.services.transaction import atomic, session
from app.services.users import ensure_user

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Real-format, valid unified social credit codes (GB 32100-2015 check characters).
CREDIT_CODES = ["91330199MA2B00001M", "91330199MA2B00002Q", "91330199MA2B00003U"]


def jpeg(
    kind: AttachmentKind = AttachmentKind.PHOTO,
    name: str = "现场照片.jpg",
    taken: str | None = None,
    colour: tuple[int, int, int] = (200, 40, 40),
) -> NewFile:
    """A real JPEG, optionally with EXIF DateTimeOriginal (``"2026:11:20 09:30:00"``)."""
    image = Image.new("RGB", (32, 24), colour)
    buffer = io.BytesIO()
    exif = Image.Exif()
    if taken:
        exif.get_ifd(0x8769)[36867] = taken
    image.save(buffer, format="JPEG", exif=exif)
    return NewFile(name, buffer.getvalue(), kind)


@dataclass
class World:
    """A small district: townships A and B, enterprises E1, E2 (in A) and B1 (in B)."""

    district: Region
    township_a: Region
    village_a: Region
    grid_a: Region
    township_b: Region
    grid_b: Region
    e1: Enterprise
    e2: Enterprise
    b1: Enterprise
    actors: dict[str, Actor]
    category_id: int

    def __getitem__(self, name: str) -> Actor:
        return self.actors[name]


USERS: list[tuple[str, str, str]] = [
    ("admin", roles.ADMIN, ""),
    ("district", roles.DISTRICT_SUPERVISOR, "district"),
    ("auditor", roles.AUDITOR, "district"),
    ("inspector_a", roles.TOWNSHIP_INSPECTOR, "township_a"),
    ("inspector_a2", roles.TOWNSHIP_INSPECTOR, "township_a"),
    ("inspector_b", roles.TOWNSHIP_INSPECTOR, "township_b"),
    ("grid_a", roles.GRID_MEMBER, "grid_a"),
    ("grid_b", roles.GRID_MEMBER, "grid_b"),
    ("officer_e1", roles.ENTERPRISE_OFFICER, "e1"),
    ("officer_e2", roles.ENTERPRISE_OFFICER, "e2"),
    ("officer_b1", roles.ENTERPRISE_OFFICER, "b1"),
]


def _enterprise(name: str, code: str, region: Region) -> Enterprise:
    return register_enterprise(
        {
            "name": name,
            "credit_code": code,
            "industry": "机械",
            "principal_name": "赵总",
            "phone": "0571-88000000",
        },
        region,
    )


def build_world() -> World:
    """Create the district, its enterprises and one user per role (password safeloop123)."""
    with atomic():
        district = add_region(None, RegionLevel.DISTRICT, "测试区", "339901")
        township_a = add_region(district, RegionLevel.TOWNSHIP, "甲镇", "339901001")
        village_a = add_region(township_a, RegionLevel.VILLAGE, "甲村", "339901001001")
        grid_a = add_region(village_a, RegionLevel.GRID, "甲村一网格", "339901001001-G1")
        township_b = add_region(district, RegionLevel.TOWNSHIP, "乙镇", "339901002")
        village_b = add_region(township_b, RegionLevel.VILLAGE, "乙村", "339901002001")
        grid_b = add_region(village_b, RegionLevel.GRID, "乙村一网格", "339901002001-G1")
        e1 = _enterprise("甲机械厂", CREDIT_CODES[0], grid_a)
        e2 = _enterprise("甲化工厂", CREDIT_CODES[1], grid_a)
        b1 = _enterprise("乙食品厂", CREDIT_CODES[2], grid_b)
    places: dict[str, Any] = {
        "district": district,
        "township_a": township_a,
        "grid_a": grid_a,
        "township_b": township_b,
        "grid_b": grid_b,
        "e1": e1,
        "e2": e2,
        "b1": b1,
    }
    actors = {}
    for username, role, where in USERS:
        place = places.get(where)
        user = ensure_user(
            username,
            first_name=username,
            last_name="测",
            email=f"{username}@test.example",
            role_names=[role],
            password="safeloop123",
            region_id=place.id if isinstance(place, Region) else None,
            enterprise_id=place.id if isinstance(place, Enterprise) else None,
        )
        actors[username] = actor_for(user)
    category = session().query(Category).filter(Category.code == "XC05").one()
    return World(
        district, township_a, village_a, grid_a, township_b, grid_b, e1, e2, b1, actors, category.id
    )


def report(
    world: World, who: str = "grid_a", enterprise: Enterprise | None = None, **data: Any
) -> Hazard:
    """Report a hazard at enterprise E1 (by default) with one photo."""
    values = {
        "title": "消防通道堵塞",
        "description": "二号仓库消防通道堆放纸箱",
        "enterprise_id": (enterprise or world.e1).id,
        **data,
    }
    return report_hazard(world[who], values, [jpeg()])


def fire(
    world: World,
    who: str,
    hazard: Hazard,
    action: Action | str,
    files: list[NewFile] | None = None,
    **data: Any,
) -> Hazard:
    """Fire ``action`` as user ``who`` with the ticket's current version."""
    return fire_transition(world[who], hazard.id, action, data, hazard.version, files or [])


def confirm(world: World, hazard: Hazard, grade: Grade = Grade.GENERAL, **data: Any) -> Hazard:
    values: dict[str, Any] = {
        "grade": grade.value,
        "category_id": world.category_id,
        "responsible_unit": "甲机械厂",
        "responsible_person": "赵总",
        **data,
    }
    if grade is Grade.MAJOR:
        values.setdefault("determination_basis_text", "专家论证判定为重大事故隐患")
    return fire(world, "inspector_a", hazard, Action.CONFIRM, **values)


def to_rectifying(world: World, hazard: Hazard) -> Hazard:
    """Confirm a general hazard and file its plan."""
    hazard = confirm(world, hazard)
    assert hazard.deadline is not None
    return fire(
        world,
        "officer_e1",
        hazard,
        Action.PLAN,
        measures="清理通道，设置禁止堆放标志",
        responsible_person="钱主任",
        deadline=hazard.deadline.astimezone(SHANGHAI).date().isoformat(),
    )


def to_pending_verification(world: World, hazard: Hazard) -> Hazard:
    hazard = to_rectifying(world, hazard)
    return fire(
        world,
        "officer_e1",
        hazard,
        Action.SUBMIT,
        files=[jpeg(AttachmentKind.AFTER_PHOTO, "整改后.jpg", colour=(40, 160, 60))],
        completion_description="通道已清理",
    )


def local_now() -> datetime:
    return datetime.now(SHANGHAI)
