"""The demo data: complete enough to try every part of the loop, and idempotent."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask

from app.domain.vocabulary import State
from app.extensions import db
from app.models import (
    Attachment,
    ChecklistTemplate,
    Enterprise,
    Hazard,
    HazardEvent,
    Inspection,
    Region,
    Responsibility,
)
from seed.loader import DEMO_PASSWORD, load_demo, load_reference
from tests.conftest import build_app, prepare_database
from tests.support.databases import temporary_database

COUNTED = [
    Region,
    Enterprise,
    Hazard,
    HazardEvent,
    Attachment,
    Responsibility,
    ChecklistTemplate,
    Inspection,
]


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    instance = tmp_path_factory.mktemp("demo")
    with temporary_database(instance) as url:
        app = build_app(url, instance)
        prepare_database(app)
        with app.app_context():
            load_demo()
        yield app
        with app.app_context():
            db.engine.dispose()


def counts() -> dict[str, int]:
    result = {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in COUNTED
    }
    result["ab_user"] = db.session.scalar(sa.text("SELECT count(*) FROM ab_user"))
    return result


def test_running_the_seed_twice_changes_nothing(demo_app: Flask) -> None:
    with demo_app.app_context():
        before = counts()
        load_reference()
        message = load_demo()
        assert "nothing changed" in message
        assert counts() == before


def test_the_demo_district_is_large_enough(demo_app: Flask) -> None:
    with demo_app.app_context():
        townships = db.session.scalar(sa.select(sa.func.count()).where(Region.level == "township"))
        assert townships >= 4
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Enterprise)) >= 20
        assert 195 <= db.session.scalar(sa.select(sa.func.count()).select_from(Hazard)) <= 220


def test_demo_hazards_cover_every_state_both_grades_and_overdue(demo_app: Flask) -> None:
    with demo_app.app_context():
        states = set(db.session.scalars(sa.select(Hazard.state).distinct()))
        assert states == set(State)
        assert set(db.session.scalars(sa.select(Hazard.grade).distinct())) == {"general", "major"}
        now = datetime.now(UTC)
        open_states = [
            s.value for s in State if s not in (State.CLOSED, State.REJECTED, State.MERGED)
        ]
        past_due = db.session.scalar(
            sa.select(sa.func.count()).where(Hazard.state.in_(open_states), Hazard.deadline < now)
        )
        on_time = db.session.scalar(
            sa.select(sa.func.count()).where(Hazard.state.in_(open_states), Hazard.deadline >= now)
        )
        assert past_due >= 10 and on_time >= 10
        closed_late = db.session.scalar(
            sa.select(sa.func.count()).where(
                Hazard.state == "closed",
                Hazard.finished_on.is_not(None),
                Hazard.closed_at > Hazard.original_deadline,
            )
        )
        assert closed_late >= 1


def test_every_demo_ticket_has_a_real_timeline(demo_app: Flask) -> None:
    with demo_app.app_context():
        without_events = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Hazard)
            .where(~sa.exists().where(HazardEvent.hazard_id == Hazard.id))
        )
        assert without_events == 0
        mismatched = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Hazard)
            .where(
                Hazard.version
                != sa.select(sa.func.max(HazardEvent.seq))
                .where(HazardEvent.hazard_id == Hazard.id)
                .scalar_subquery()
            )
        )
        assert mismatched == 0
        first_events = db.session.scalars(sa.select(HazardEvent).where(HazardEvent.seq == 1)).all()
        assert {e.action for e in first_events} == {"report", "report_fixed"}
        # Seeded in the past: the oldest report is weeks old, as its events say.
        oldest = min(e.occurred_at for e in first_events)
        assert (datetime.now(UTC) - oldest).days > 30


@pytest.mark.parametrize(
    "username",
    ["admin", "district", "inspector1", "inspector2", "grid1", "officer1", "officer2", "auditor"],
)
def test_each_demo_user_logs_in_with_the_demo_password(demo_app: Flask, username: str) -> None:
    client = demo_app.test_client()
    page = client.get("/login/")
    assert page.status_code == 200
    assert "用户名" in page.get_data(as_text=True)
    response = client.post("/login/", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert "/login" not in response.headers["Location"]
    profile = client.get("/users/userinfo/")
    assert profile.status_code == 200
    assert username in profile.get_data(as_text=True)
    stranger = demo_app.test_client()
    wrong = stranger.post("/login/", data={"username": username, "password": "nope"})
    assert "/login/" in wrong.headers["Location"]
    assert stranger.get("/users/userinfo/").status_code in (302, 401, 403)


def test_demo_users_have_the_scope_the_brief_names(demo_app: Flask) -> None:
    from app.services.actors import actor_by_username

    with demo_app.app_context():
        inspector1 = actor_by_username("inspector1")
        inspector2 = actor_by_username("inspector2")
        grid1 = actor_by_username("grid1")
        officer1 = actor_by_username("officer1")
        officer2 = actor_by_username("officer2")
        assert inspector1.region_id != inspector2.region_id
        grid = db.session.get(Region, grid1.region_id)
        assert grid.level == "grid" and grid.township_id == inspector1.region_id
        for officer in (officer1, officer2):
            enterprise = db.session.get(Enterprise, officer.enterprise_id)
            assert enterprise.township_id == inspector1.region_id
        assert officer1.enterprise_id != officer2.enterprise_id


DEMO_USERS = ["admin", "district", "inspector1", "inspector2", "grid1", "officer1", "officer2"]


def _signed_in(app: Flask, username: str) -> object:
    client = app.test_client()
    client.post("/login/", data={"username": username, "password": DEMO_PASSWORD})
    return client


@pytest.mark.parametrize("username", [*DEMO_USERS, "auditor"])
def test_every_demo_role_opens_a_dashboard_with_figures(demo_app: Flask, username: str) -> None:
    client = _signed_in(demo_app, username)
    page = client.get("/").get_data(as_text=True)  # type: ignore[attr-defined]
    reported = re.search(r'data-figure="reported"[^>]*>\s*<span class="sl-count">(\d+)<', page)
    assert reported and int(reported.group(1)) > 0


def test_the_district_sees_a_ranking_of_the_demo_townships_for_several_months(
    demo_app: Flask,
) -> None:
    client = _signed_in(demo_app, "district")
    page = client.get("/ranking/").get_data(as_text=True)  # type: ignore[attr-defined]
    months = re.findall(r"<option value=\"(\d{4}-\d{2})\"", page)
    assert len(months) >= 5
    assert len(re.findall(r"data-township=", page)) >= 4
    # Every published month has tickets: some township has an index (not all "/").
    for month in set(months):
        shown = client.get(f"/ranking/{month}").get_data(as_text=True)  # type: ignore[attr-defined]
        assert re.search(r'class="sl-score"><b>\d+\.\d+</b>', shown), month


def test_the_district_map_has_points_and_outlines(demo_app: Flask) -> None:
    client = _signed_in(demo_app, "district")
    hazards = client.get("/api/v1/map/hazards").get_json()  # type: ignore[attr-defined]
    outlines = client.get("/api/v1/map/regions").get_json()  # type: ignore[attr-defined]
    assert hazards["total"] > 100
    assert len(outlines["features"]) >= 5  # the district and its townships


def test_the_demo_has_a_checklist_and_an_inspection_whose_failures_opened_tickets(
    demo_app: Flask,
) -> None:
    client = _signed_in(demo_app, "district")
    page = client.get("/").get_data(as_text=True)  # type: ignore[attr-defined]
    table = re.search(r'id="breakdown-checklist_item">(.*?)</table>', page, re.S)
    # Two items failed, each opening one ticket: two rows.
    assert table and table.group(1).count("<td>燃气使用单位安全检查表 v1 · ") == 2
    inspector = _signed_in(demo_app, "inspector1")
    run = inspector.get("/inspection/run").get_data(as_text=True)  # type: ignore[attr-defined]
    assert "燃气使用单位安全检查表" in run
