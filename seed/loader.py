"""Load reference data and the demo district. Idempotent: a second run changes nothing.

Demo tickets are created through the lifecycle service with the clock set back, so every
seeded ticket has a real timeline (reported three weeks ago means its events say so).
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from PIL import Image, ImageDraw

from app.domain import roles
from app.domain.exchange import DEFAULT_CODES
from app.domain.lifecycle import Action
from app.domain.oversight import last_months, month_key
from app.domain.scope import Actor
from app.domain.vocabulary import AttachmentKind, Grade, RegionLevel
from app.models import (
    Category,
    ChecklistItem,
    ChecklistTemplate,
    DeterminationArticle,
    DeterminationStandard,
    Enterprise,
    Hazard,
    Region,
    Responsibility,
    SlaPolicy,
)
from app.services import clock
from app.services.actors import actor_for
from app.services.attachments import NewFile
from app.services.exchange import seed_codes
from app.services.inspections import submit_inspection
from app.services.lifecycle import fire_transition, report_hazard
from app.services.risk_index import compute_month, ensure_default_weights, latest_run
from app.services.sla import terms_for
from app.services.territory import add_region, register_enterprise
from app.services.transaction import atomic, session
from app.services.users import ensure_user
from seed import demo_data, reference_data

DEMO_PASSWORD = "safeloop123"
DEMO_HAZARD_COUNT = 206


# --------------------------------------------------------------------------- reference data


def load_reference() -> str:
    """Categories, domain tags, determination standards and default SLA policies."""
    added = {"categories": 0, "articles": 0, "policies": 0, "exchange codes": 0}
    with atomic() as current:
        by_code = {c.code: c for c in current.execute(sa.select(Category)).scalars()}
        for row in [*reference_data.CATEGORIES, *reference_data.DOMAIN_TAGS]:
            if row["code"] in by_code:
                continue
            parent = by_code.get(row["parent"]) if row.get("parent") else None
            category = Category(
                code=row["code"],
                name=row["name"],
                name_en=row.get("name_en"),
                kind=row["kind"],
                sort_order=row.get("sort_order", 0),
                parent_id=parent.id if parent else None,
            )
            current.add(category)
            current.flush()
            by_code[category.code] = category
            added["categories"] += 1
        for row in reference_data.DETERMINATION_STANDARDS:
            added["articles"] += _load_standard(row)
        for row in reference_data.SLA_POLICIES:
            exists = current.execute(
                sa.select(SlaPolicy.id).where(
                    SlaPolicy.grade == row["grade"], SlaPolicy.category_id.is_(None)
                )
            ).first()
            if not exists:
                current.add(SlaPolicy(**row))
                added["policies"] += 1
        added["exchange codes"] = seed_codes(DEFAULT_CODES)
    ensure_default_weights()
    return (
        f"Reference data: {added['categories']} categories, {added['articles']} standard "
        f"articles, {added['policies']} SLA policies, {added['exchange codes']} exchange codes "
        "added."
    )


def _box(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def outline_demo_regions(district_id: int, margin: float = 0.006) -> None:
    """Invented outlines for the demo: a box around each township's enterprises and one around
    the district (an admin replaces them with real GeoJSON on the region's edit page)."""
    with atomic() as db:
        boxes = db.execute(
            sa.select(
                Enterprise.township_id,
                sa.func.min(Enterprise.longitude),
                sa.func.min(Enterprise.latitude),
                sa.func.max(Enterprise.longitude),
                sa.func.max(Enterprise.latitude),
            )
            .where(Enterprise.district_id == district_id, Enterprise.latitude.is_not(None))
            .group_by(Enterprise.township_id)
        ).all()
        edges = [[float(v or 0) for v in row[1:]] for row in boxes]
        for row, (west, south, east, north) in zip(boxes, edges, strict=True):
            township = db.get(Region, row[0])
            if township is not None and township.boundary is None:
                township.boundary = _box(
                    west - margin, south - margin, east + margin, north + margin
                )
        district = db.get(Region, district_id)
        if district is not None and district.boundary is None and edges:
            wide = 3 * margin
            district.boundary = _box(
                min(e[0] for e in edges) - wide,
                min(e[1] for e in edges) - wide,
                max(e[2] for e in edges) + wide,
                max(e[3] for e in edges) + wide,
            )


# The demo's closed tickets go back about six months: publish the rankings of those months.
DEMO_RANKING_MONTHS = 6


def publish_demo_rankings(district_id: int) -> list[str]:
    """The risk-control index of the last finished months that have tickets, as the monthly
    job would have published them."""
    zone = clock.zone()
    today = clock.now().astimezone(zone).date()
    first = session().scalar(
        sa.select(sa.func.min(Hazard.reported_at)).where(Hazard.district_id == district_id)
    )
    if first is None:
        return []
    start = first.astimezone(zone)
    months = [
        month_key(y, m)
        for y, m in last_months(today, DEMO_RANKING_MONTHS + 1)[:-1]
        if (y, m) >= (start.year, start.month)
    ]
    published = []
    for month in months:
        if latest_run(district_id, month) is None:
            compute_month(None, district_id, month)
            published.append(month)
    return published


def _load_standard(row: dict[str, Any]) -> int:
    current = session()
    standard = current.execute(
        sa.select(DeterminationStandard).where(
            DeterminationStandard.doc_number == row["doc_number"]
        )
    ).scalar_one_or_none()
    if standard is None:
        standard = DeterminationStandard(
            name=row["name"],
            doc_number=row["doc_number"],
            industries=row.get("industries"),
            effective_on=_date(row.get("effective_on")),
            repealed_on=_date(row.get("repealed_on")),
        )
        current.add(standard)
        current.flush()
    known = {
        (a.article, a.item)
        for a in current.execute(
            sa.select(DeterminationArticle).where(DeterminationArticle.standard_id == standard.id)
        ).scalars()
    }
    added = 0
    for article in row["articles"]:
        key = (article["article"], article.get("item") or "")
        if key in known:
            continue
        current.add(
            DeterminationArticle(
                standard_id=standard.id,
                article=key[0],
                item=key[1],
                title=article["title"],
                text=article.get("text"),
                industries=article.get("industries"),
                effective_on=standard.effective_on,
                sort_order=article.get("sort_order", 0),
            )
        )
        known.add(key)
        added += 1
    return added


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


# --------------------------------------------------------------------------- demo district


def load_demo() -> str:
    """The invented district, its enterprises, demo users and about 200 hazards."""
    with atomic():
        regions = _load_regions()
        enterprises = _load_enterprises(regions)
    users = _load_users(regions, enterprises)
    with atomic():
        _load_responsibilities(regions, enterprises, users)
    district = regions[demo_data.DISTRICT["code"]]
    already = (
        session()
        .execute(
            sa.select(sa.func.count()).select_from(Hazard).where(Hazard.district_id == district.id)
        )
        .scalar_one()
    )
    outline_demo_regions(district.id)
    if already:
        return f"Demo data already loaded ({already} hazards); nothing changed."
    DemoHazards(regions, enterprises, users).create(DEMO_HAZARD_COUNT)
    publish_demo_rankings(district.id)
    run_demo_inspection(load_demo_checklist(), enterprises, users)
    count = (
        session()
        .execute(
            sa.select(sa.func.count()).select_from(Hazard).where(Hazard.district_id == district.id)
        )
        .scalar_one()
    )
    return (
        f"Demo district loaded: {len(regions)} regions, {len(enterprises)} enterprises,"
        f" {count} hazards."
    )


def load_demo_checklist() -> ChecklistTemplate:
    """The demo checklist, version 1 (kept as it is if an admin already changed it)."""
    spec = demo_data.DEMO_CHECKLIST
    found = (
        session()
        .scalars(sa.select(ChecklistTemplate).where(ChecklistTemplate.code == spec["code"]))
        .first()
    )
    if found is not None:
        return found
    categories = dict(session().execute(sa.select(Category.code, Category.id)).all())
    with atomic() as current:
        template = ChecklistTemplate(
            code=spec["code"], version=1, name=spec["name"], industry=spec["industry"]
        )
        current.add(template)
        current.flush()
        for order, (section, text, category, may_be_major) in enumerate(spec["items"]):
            current.add(
                ChecklistItem(
                    template_id=template.id,
                    section=section,
                    text=text,
                    category_id=categories.get(category),
                    may_be_major=may_be_major,
                    sort_order=order,
                )
            )
    session().refresh(template)
    return template


def run_demo_inspection(
    template: ChecklistTemplate, enterprises: dict[str, Enterprise], users: DemoUsers
) -> None:
    """The first enterprise inspected by its township's inspector; each failure opens a ticket."""
    enterprise = enterprises[demo_data.ENTERPRISES[0]["credit_code"]]
    assert enterprise.township_id is not None
    failures = demo_data.DEMO_INSPECTION_FAILURES
    answers = {
        item.id: ("fail", failures[n]) if n in failures else ("pass", "")
        for n, item in enumerate(template.items)
    }
    submit_inspection(users.inspectors[enterprise.township_id], template.id, enterprise.id, answers)


def _load_regions() -> dict[str, Region]:
    current = session()
    regions = {r.code: r for r in current.execute(sa.select(Region)).scalars()}

    def ensure(parent: Region | None, level: RegionLevel, name: str, code: str) -> Region:
        if code not in regions:
            regions[code] = add_region(parent, level, name, code)
        return regions[code]

    district = ensure(
        None, RegionLevel.DISTRICT, demo_data.DISTRICT["name"], demo_data.DISTRICT["code"]
    )
    for t_order, township in enumerate(demo_data.TOWNSHIPS):
        t = ensure(district, RegionLevel.TOWNSHIP, township["name"], township["code"])
        t.sort_order = t_order
        for village in township["villages"]:
            v = ensure(t, RegionLevel.VILLAGE, village["name"], village["code"])
            for grid in village["grids"]:
                ensure(v, RegionLevel.GRID, grid["name"], grid["code"])
    return regions


def _load_enterprises(regions: dict[str, Region]) -> dict[str, Enterprise]:
    current = session()
    enterprises = {e.credit_code: e for e in current.execute(sa.select(Enterprise)).scalars()}
    for row in demo_data.ENTERPRISES:
        if row["credit_code"] in enterprises:
            continue
        values = {
            key: row.get(key)
            for key in (
                "name",
                "credit_code",
                "industry",
                "address",
                "principal_name",
                "principal_phone",
                "safety_officer_name",
                "phone",
            )
        }
        values["latitude"] = row.get("latitude")
        values["longitude"] = row.get("longitude")
        region = regions[row.get("grid") or row.get("village") or row["township"]]
        enterprises[row["credit_code"]] = register_enterprise(values, region)
    return enterprises


def _load_responsibilities(
    regions: dict[str, Region], enterprises: dict[str, Enterprise], users: DemoUsers
) -> None:
    """The responsibility list of the demo district (属地, 部门监管, 企业主体, 岗位)."""
    if session().execute(sa.select(Responsibility.id).limit(1)).first():
        return
    district = regions[demo_data.DISTRICT["code"]]

    def line(
        place: Region | Enterprise,
        level: str,
        kind: str,
        organisation: str,
        post: str,
        person: str,
        phone: str | None,
        duties: str,
        user: Actor | None = None,
    ) -> None:
        values = {
            column: getattr(place, column)
            for column in ("district_id", "township_id", "village_id", "grid_id")
        }
        session().add(
            Responsibility(
                level=level,
                responsibility_type=kind,
                organisation=organisation,
                post=post,
                person=person,
                phone=phone,
                duties=duties,
                scope_covered=getattr(place, "name", ""),
                region_id=place.id if isinstance(place, Region) else None,
                enterprise_id=place.id if isinstance(place, Enterprise) else None,
                user_id=user.user_id if user else None,
                **values,
            )
        )

    line(
        district,
        "district",
        "departmental",
        f"{district.name}应急管理局",
        "局长",
        users.district.name,
        "0571-88100000",
        "统筹全区隐患排查治理，挂牌督办重大隐患。",
        users.district,
    )
    for township in (r for r in regions.values() if r.level == RegionLevel.TOWNSHIP):
        inspector = users.inspectors.get(township.id)
        line(
            township,
            "township",
            "territorial",
            f"{township.name}安全生产办公室",
            "安监站站长",
            inspector.name if inspector else "站长",
            None,
            "负责辖区隐患确认、督促整改、复查核销。",
            inspector,
        )
    for village in (r for r in regions.values() if r.level == RegionLevel.VILLAGE):
        line(
            village,
            "village",
            "territorial",
            f"{village.name}村（居）委会",
            "安全员",
            "村安全员",
            None,
            "组织网格巡查，报告辖区隐患。",
        )
    for grid_id, member in users.grid_members.items():
        grid = session().get(Region, grid_id)
        if grid is not None:
            line(
                grid,
                "grid",
                "post",
                grid.name,
                "专职网格员",
                member.name,
                None,
                "日常巡查，发现并上报隐患，跟踪整改。",
                member,
            )
    for enterprise in enterprises.values():
        officer = users.officers.get(enterprise.id)
        line(
            enterprise,
            "enterprise",
            "enterprise",
            enterprise.name,
            "主要负责人",
            enterprise.principal_name or "主要负责人",
            enterprise.principal_phone,
            "对本单位事故隐患排查治理工作全面负责。",
        )
        line(
            enterprise,
            "enterprise",
            "post",
            enterprise.name,
            "安全管理员",
            enterprise.safety_officer_name or (officer.name if officer else "安全员"),
            enterprise.phone,
            "组织日常排查，落实整改措施，报送整改情况。",
            officer,
        )


@dataclass
class DemoUsers:
    """The demo accounts by role, plus the helpers that walk tickets through their lives."""

    district: Actor
    auditor: Actor
    inspectors: dict[int, Actor]  # township id -> inspector
    officers: dict[int, Actor]  # enterprise id -> officer
    grid_members: dict[int, Actor]  # grid id -> grid member
    named: dict[str, Actor] = field(default_factory=dict)


def _load_users(regions: dict[str, Region], enterprises: dict[str, Enterprise]) -> DemoUsers:
    accounts = list(demo_data.DEMO_USERS)
    named_regions = {u.get("region") for u in accounts}
    named_enterprises = {u.get("enterprise") for u in accounts}
    # Extra accounts so that every township has an inspector and every enterprise an officer.
    for n, township in enumerate(demo_data.TOWNSHIPS, start=1):
        if township["code"] not in named_regions:
            accounts.append(
                _extra(
                    "inspector",
                    n,
                    township["name"],
                    roles.TOWNSHIP_INSPECTOR,
                    region=township["code"],
                )
            )
    for n, row in enumerate(demo_data.ENTERPRISES, start=1):
        if row["credit_code"] not in named_enterprises:
            accounts.append(
                _extra(
                    "officer",
                    n,
                    row["name"],
                    roles.ENTERPRISE_OFFICER,
                    enterprise=row["credit_code"],
                )
            )
    actors: dict[str, Actor] = {}
    for account in accounts:
        region = regions.get(account.get("region") or "")
        enterprise = enterprises.get(account.get("enterprise") or "")
        user = ensure_user(
            account["username"],
            first_name=account["first_name"],
            last_name=account["last_name"],
            email=account["email"],
            role_names=[account["role"]],
            password=DEMO_PASSWORD,
            region_id=region.id if region else None,
            enterprise_id=enterprise.id if enterprise else None,
        )
        actors[account["username"]] = actor_for(user)
    users = DemoUsers(
        district=actors["district"],
        auditor=actors["auditor"],
        inspectors={},
        officers={},
        grid_members={},
        named=actors,
    )
    for actor in actors.values():
        if actor.has_role(roles.TOWNSHIP_INSPECTOR) and actor.region_id:
            users.inspectors.setdefault(actor.region_id, actor)
        if actor.has_role(roles.ENTERPRISE_OFFICER) and actor.enterprise_id:
            users.officers.setdefault(actor.enterprise_id, actor)
        if actor.has_role(roles.GRID_MEMBER) and actor.region_id:
            users.grid_members.setdefault(actor.region_id, actor)
    return users


def _extra(prefix: str, n: int, place: str, role: str, **scope: str) -> dict[str, str]:
    return {
        "username": f"{prefix}_{n:02d}",
        "first_name": place[:20],
        "last_name": "",
        "email": f"{prefix}_{n:02d}@safeloop.example",
        "role": role,
        **scope,
    }


# --------------------------------------------------------------------------- demo hazards


def demo_photo(label: str, taken: datetime, colour: tuple[int, int, int]) -> bytes:
    """A small JPEG with the capture time in its EXIF, standing in for a phone photo."""
    image = Image.new("RGB", (160, 120), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 150, 110), outline=(255, 255, 255), width=3)
    draw.text((20, 50), label, fill=(255, 255, 255))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = taken.astimezone(clock.zone()).strftime("%Y:%m:%d %H:%M:%S")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70, exif=exif)
    return buffer.getvalue()


# The final state of each demo ticket and how many: every state, both grades.
SCENARIOS: list[tuple[str, int]] = [
    ("reported", 22),
    ("reported_overdue", 6),
    # Their confirmation falls due a few minutes after seeding: `make run` shows the deadline
    # sweep filling the inbox as they pass.
    ("reported_due_soon", 6),
    ("rejected", 10),
    ("merged", 5),
    ("confirmed", 14),
    ("controlled_major", 12),
    ("rectifying", 26),
    ("rectifying_overdue", 16),
    ("rectifying_extension_pending", 6),
    ("rectifying_extended", 6),
    ("rectifying_major", 8),
    ("pending_verification", 16),
    ("fixed_on_spot", 7),
    ("closed", 18),
    ("closed_late", 8),
    ("closed_after_send_back", 8),
    ("closed_major", 6),
    ("closed_major_supervised", 4),
    ("deleted", 2),
]


class DemoHazards:
    """Walks demo tickets through the lifecycle service with the clock set back."""

    def __init__(
        self, regions: dict[str, Region], enterprises: dict[str, Enterprise], users: DemoUsers
    ) -> None:
        self.random = random.Random(20261123)
        self.regions = regions
        self.enterprises = list(enterprises.values())
        self.users = users
        self.now = clock.now()
        self.categories = {c.code: c.id for c in session().execute(sa.select(Category)).scalars()}
        self.articles = {
            (a.standard.doc_number, a.article, a.item): a.id
            for a in session().execute(sa.select(DeterminationArticle)).scalars()
        }
        self.t = self.now
        self.merge_targets: dict[int, int] = {}  # township id -> a live ticket to merge into

    @contextmanager
    def at(self, hours: float) -> Iterator[None]:
        """Move the demo clock ``hours`` on and run the block then."""
        self.t = min(self.t + timedelta(hours=hours), self.now - timedelta(minutes=1))
        with clock.travel_to(self.t):
            yield

    def create(self, scenarios: int) -> None:
        """Play ``scenarios`` scenarios (a merge scenario creates two tickets)."""
        plan = [name for name, count in SCENARIOS for _ in range(count)]
        while len(plan) < scenarios:
            plan.append("rectifying")
        self.random.shuffle(plan)
        for name in plan[:scenarios]:
            getattr(self, f"_{name}")()

    # ---------------------------------------------------------------- helpers

    def _template(self, major: bool = False) -> dict[str, Any]:
        pool = [t for t in demo_data.HAZARD_TEMPLATES if bool(t.get("major")) == major]
        return self.random.choice(pool)

    def _photo(self, kind: AttachmentKind, label: str) -> NewFile:
        colour = {
            AttachmentKind.PHOTO: (170, 60, 50),
            AttachmentKind.BEFORE_PHOTO: (170, 60, 50),
            AttachmentKind.AFTER_PHOTO: (40, 130, 70),
        }.get(kind, (90, 90, 90))
        return NewFile(f"{label}.jpg", demo_photo(label, self.t, colour), kind)

    def _report(
        self,
        days_ago: float,
        *,
        major: bool = False,
        fixed: bool = False,
        public_place: bool = False,
        enterprise: Enterprise | None = None,
        template: dict[str, Any] | None = None,
    ) -> tuple[Hazard, dict[str, Any]]:
        self.t = self.now - timedelta(days=days_ago)
        template = template or self._template(major)
        if public_place and self.users.grid_members:
            return self._report_public_place(template), template
        enterprise = enterprise or self.random.choice(self.enterprises)
        officer = self.users.officers.get(enterprise.id)
        inspector = self.users.inspectors[enterprise.township_id or 0]
        grid_member = (
            self.users.grid_members.get(enterprise.grid_id or -1) if enterprise.grid_id else None
        )
        reporter = self.random.choice(
            [r for r in (officer, inspector, grid_member) if r is not None]
        )
        data: dict[str, Any] = {
            "title": template["title"],
            "description": template["description"],
            "enterprise_id": enterprise.id,
            "location_part": template.get("location_part"),
            "nature": template.get("nature"),
            "category_id": self.categories.get(template.get("category", "")),
        }
        if major:
            data["grade"] = Grade.MAJOR.value
        with self.at(0):
            if fixed:
                data["what_was_done"] = template.get("measures") or "现场立即整改完毕。"
                files = [
                    self._photo(AttachmentKind.BEFORE_PHOTO, "before"),
                    self._photo(AttachmentKind.AFTER_PHOTO, "after"),
                ]
                hazard = report_hazard(reporter, data, files, fixed_on_spot=True)
            else:
                photos = [self._photo(AttachmentKind.PHOTO, "photo")]
                hazard = report_hazard(reporter, data, photos)
        return hazard, template

    def _report_public_place(self, template: dict[str, Any]) -> Hazard:
        """A grid member's report of a hazard in a public place (no enterprise)."""
        grid_id, member = self.random.choice(sorted(self.users.grid_members.items()))
        grid = session().get(Region, grid_id)
        data = {
            "title": template["title"],
            "description": template["description"],
            "region_id": grid_id,
            "address": f"{grid.name if grid else ''}公共区域",
            "category_id": self.categories.get(template.get("category", "")),
        }
        with self.at(0):
            return report_hazard(member, data, [self._photo(AttachmentKind.PHOTO, "photo")])

    def _fire(
        self,
        actor: Actor,
        hazard: Hazard,
        action: Action,
        data: dict[str, Any],
        files: list[NewFile] | None = None,
        hours: float = 1,
    ) -> Hazard:
        with self.at(hours):
            return fire_transition(actor, hazard.id, action, data, hazard.version, files or [])

    def _inspector(self, hazard: Hazard) -> Actor:
        return self.users.inspectors[hazard.township_id or 0]

    def _officer(self, hazard: Hazard) -> Actor:
        return self.users.officers[hazard.enterprise_id or 0]

    def _confirm(
        self,
        hazard: Hazard,
        template: dict[str, Any],
        *,
        hours: float = 3,
        deadline_days: int | None = None,
    ) -> Hazard:
        enterprise = hazard.enterprise
        data: dict[str, Any] = {
            "grade": hazard.grade,
            "category_id": self.categories.get(template.get("category", ""))
            or self._any_category(),
            "nature": template.get("nature"),
            "responsible_unit": enterprise.name if enterprise else "属地村（社区）",
            "responsible_person": (enterprise.principal_name if enterprise else None) or "负责人",
            "responsible_phone": enterprise.principal_phone if enterprise else None,
        }
        if hazard.grade == Grade.MAJOR:
            article = template.get("article")
            data["determination_article_id"] = (
                self.articles.get(tuple(article)) if article else None
            )
            if not data["determination_article_id"]:
                data["determination_basis_text"] = "经专家论证，判定为重大事故隐患。"
            data["status_and_cause"] = template["description"]
            data["harm_analysis"] = "可能导致群死群伤事故，整改需停产并投入专项资金。"
            data["production_stop"] = "partial"
        if deadline_days is not None:
            day = (self.t + timedelta(hours=hours)).astimezone(clock.zone()).date() + timedelta(
                days=deadline_days
            )
            data["deadline"] = day.isoformat()
        return self._fire(self._inspector(hazard), hazard, Action.CONFIRM, data, hours=hours)

    def _any_category(self) -> int:
        return next(v for k, v in self.categories.items() if k.startswith("XC") and len(k) > 2)

    def _control(self, hazard: Hazard, template: dict[str, Any], hours: float = 6) -> Hazard:
        actor = self.users.officers.get(hazard.enterprise_id or 0) or self._inspector(hazard)
        measures = [
            {
                "kind": "cordon",
                "description": template.get("control") or "设置警戒区域，专人看守。",
            },
            {"kind": "monitoring", "description": "安排专人每班巡查监测。"},
        ]
        return self._fire(actor, hazard, Action.CONTROL, {"measures": measures}, hours=hours)

    def _plan(
        self, hazard: Hazard, template: dict[str, Any], hours: float = 12, days: int | None = None
    ) -> Hazard:
        officer = self._officer(hazard)
        if days is not None:
            deadline = (self.t + timedelta(hours=hours)).astimezone(
                clock.zone()
            ).date() + timedelta(days=days)
        else:
            assert hazard.deadline is not None
            deadline = hazard.deadline.astimezone(clock.zone()).date()
        data: dict[str, Any] = {
            "measures": template.get("measures") or "按规范整改到位。",
            "responsible_person": officer.name,
            "deadline": deadline.isoformat(),
        }
        if hazard.grade == Grade.MAJOR:
            enterprise_name = hazard.enterprise.name if hazard.enterprise else ""
            data.update(
                target_task="彻底消除重大事故隐患，恢复安全生产条件。",
                funds_materials="企业自筹专项资金，采购所需设备材料。",
                funds_amount="12.5",
                responsible_org=f"{enterprise_name}安全生产领导小组",
                responsible_leader=hazard.enterprise.principal_name
                if hazard.enterprise
                else "主要负责人",
                time_limit_requirements="按计划节点完成整改，每周报告进度。",
                safety_emergency_plan="整改期间落实警戒、监测措施，制定专项应急预案。",
                target_done_on=self.t.astimezone(clock.zone()).date().isoformat(),
                funds_done_on=self.t.astimezone(clock.zone()).date().isoformat(),
            )
        return self._fire(officer, hazard, Action.PLAN, data, hours=hours)

    def _submit(self, hazard: Hazard, hours: float = 48) -> Hazard:
        return self._fire(
            self._officer(hazard),
            hazard,
            Action.SUBMIT,
            {"completion_description": "已按整改方案完成整改，现场复查符合要求。"},
            files=[self._photo(AttachmentKind.AFTER_PHOTO, "after")],
            hours=hours,
        )

    def _verify(self, hazard: Hazard, verifier: Actor | None = None, hours: float = 24) -> Hazard:
        verifier = verifier or self._inspector(hazard)
        with self.at(hours):
            data = {
                "review_opinion": "整改到位，同意销号。",
                "review_date": self.t.astimezone(clock.zone()).date().isoformat(),
                "reviewer_name": verifier.name,
            }
            if hazard.grade == Grade.MAJOR:
                data["evaluation_mode"] = "expert"
            return fire_transition(verifier, hazard.id, Action.VERIFY, data, hazard.version)

    def _rectifying_general(
        self, days_ago: float, deadline_days: int = 7
    ) -> tuple[Hazard, dict[str, Any]]:
        hazard, template = self._report(days_ago)
        hazard = self._confirm(hazard, template, deadline_days=deadline_days)
        hazard = self._plan(hazard, template)
        return hazard, template

    # ---------------------------------------------------------------- scenarios

    def _reported(self) -> None:
        self._report(self.random.uniform(0.05, 0.8), public_place=self.random.random() < 0.3)

    def _reported_due_soon(self) -> None:
        confirm_within = timedelta(hours=terms_for(Grade.GENERAL.value).confirm_hours)
        due_in = timedelta(minutes=2 + 2 * self.random.randint(1, 6))
        self._report((confirm_within - due_in) / timedelta(days=1))

    def _reported_overdue(self) -> None:
        self._report(self.random.uniform(1.5, 4))

    def _rejected(self) -> None:
        hazard, _ = self._report(self.random.uniform(3, 40))
        self._fire(
            self._inspector(hazard),
            hazard,
            Action.REJECT,
            {"reason": "经现场核实，不属于安全生产隐患。"},
            hours=5,
        )

    def _merged(self) -> None:
        original, template = self._report(self.random.uniform(5, 12))
        # Someone else reports the same thing at the same enterprise a few days later.
        duplicate, _ = self._report(
            self.random.uniform(1, 4), enterprise=original.enterprise, template=template
        )
        self._fire(
            self._inspector(duplicate),
            duplicate,
            Action.MERGE,
            {"original_id": original.id, "comment": "与已上报隐患重复，合并处理。"},
            hours=2,
        )

    def _confirmed(self) -> None:
        hazard, template = self._report(
            self.random.uniform(0.5, 3), public_place=self.random.random() < 0.3
        )
        self._confirm(hazard, template, hours=2)

    def _controlled_major(self) -> None:
        hazard, template = self._report(self.random.uniform(1, 6), major=True)
        hazard = self._confirm(hazard, template, hours=1)
        self._control(hazard, template, hours=4)

    def _rectifying(self) -> None:
        hazard, _template = self._rectifying_general(self.random.uniform(0.5, 4))
        if self.random.random() < 0.5:
            self._fire(
                self._officer(hazard),
                hazard,
                Action.PROGRESS,
                {"note": "整改材料已采购，正在施工。"},
                files=[self._photo(AttachmentKind.PHOTO, "progress")],
                hours=10,
            )

    def _rectifying_overdue(self) -> None:
        self._rectifying_general(self.random.uniform(9, 40))

    def _rectifying_extension_pending(self) -> None:
        hazard, _template = self._rectifying_general(self.random.uniform(3, 6), deadline_days=7)
        assert hazard.deadline is not None
        new_day = hazard.deadline.astimezone(clock.zone()).date() + timedelta(days=10)
        self._fire(
            self._officer(hazard),
            hazard,
            Action.REQUEST_EXTENSION,
            {
                "reason": "整改设备到货延迟。",
                "requested_deadline": new_day.isoformat(),
                "interim_measures": "落实临时警戒和专人监护措施。",
            },
            hours=12,
        )

    def _rectifying_extended(self) -> None:
        hazard, _template = self._rectifying_general(self.random.uniform(6, 9), deadline_days=7)
        assert hazard.deadline is not None
        new_day = hazard.deadline.astimezone(clock.zone()).date() + timedelta(days=14)
        hazard = self._fire(
            self._officer(hazard),
            hazard,
            Action.REQUEST_EXTENSION,
            {
                "reason": "需停产检修，原期限内无法完成。",
                "requested_deadline": new_day.isoformat(),
                "interim_measures": "停用相关设备，设置警示标志。",
            },
            hours=12,
        )
        self._fire(
            self._inspector(hazard),
            hazard,
            Action.DECIDE_EXTENSION,
            {"approve": True, "comment": "同意延期，落实临时管控措施。"},
            hours=6,
        )

    def _major_in_rectification(
        self, days_ago: float, supervised: bool = False
    ) -> tuple[Hazard, dict[str, Any]]:
        hazard, template = self._report(days_ago, major=True)
        hazard = self._confirm(hazard, template, hours=1)
        hazard = self._control(hazard, template, hours=4)
        if supervised:
            listed = self.t.astimezone(clock.zone()).date()
            hazard = self._fire(
                self.users.district,
                hazard,
                Action.SUPERVISE,
                {
                    "supervision_level": "county",
                    "supervising_org": "青溪区安全生产委员会办公室",
                    "supervision_doc_no": f"青安委办〔{listed.year}〕{hazard.id}号",
                    "supervision_listed_on": listed.isoformat(),
                    "supervision_deadline": (listed + timedelta(days=60)).isoformat(),
                },
                hours=6,
            )
        hazard = self._plan(hazard, template, hours=20, days=45)
        return hazard, template

    def _rectifying_major(self) -> None:
        self._major_in_rectification(
            self.random.uniform(5, 30), supervised=self.random.random() < 0.5
        )

    def _pending_verification(self) -> None:
        hazard, _ = self._rectifying_general(self.random.uniform(2, 8))
        self._submit(hazard, hours=24)

    def _fixed_on_spot(self) -> None:
        self._report(self.random.uniform(0.2, 3), fixed=True)

    def _closed(self) -> None:
        hazard, _ = self._rectifying_general(self.random.uniform(15, 185))
        hazard = self._submit(hazard, hours=self.random.uniform(24, 96))
        self._verify(hazard)

    def _closed_late(self) -> None:
        hazard, _ = self._rectifying_general(self.random.uniform(30, 185), deadline_days=5)
        hazard = self._submit(hazard, hours=24 * self.random.uniform(8, 14))
        self._verify(hazard, hours=30)

    def _closed_after_send_back(self) -> None:
        hazard, _ = self._rectifying_general(self.random.uniform(20, 90))
        hazard = self._submit(hazard)
        hazard = self._fire(
            self._inspector(hazard),
            hazard,
            Action.SEND_BACK,
            {
                "reason_code": self.random.choice(
                    ["not_rectified", "incomplete_records", "paper_only"]
                ),
                "opinion": "现场复查仍存在问题，请重新整改。",
            },
            hours=20,
        )
        hazard = self._submit(hazard, hours=30)
        self._verify(hazard)

    def _closed_major(self) -> None:
        hazard, _ = self._major_in_rectification(self.random.uniform(70, 200))
        hazard = self._submit(hazard, hours=24 * 20)
        self._verify(hazard, hours=48)

    def _closed_major_supervised(self) -> None:
        hazard, _ = self._major_in_rectification(self.random.uniform(70, 200), supervised=True)
        hazard = self._submit(hazard, hours=24 * 25)
        self._verify(hazard, verifier=self.users.district, hours=72)

    def _deleted(self) -> None:
        hazard, _ = self._report(self.random.uniform(1, 10))
        self._fire(
            self._inspector(hazard),
            hazard,
            Action.DELETE,
            {"reason": "测试数据，误报删除。"},
            hours=3,
        )


def demo_logins() -> list[tuple[str, str]]:
    """(username, role) of the demo users, one line per account to print at start."""
    return [(u["username"], u["role"]) for u in demo_data.DEMO_USERS]


__all__ = ["DEMO_PASSWORD", "demo_logins", "load_demo", "load_reference"]
