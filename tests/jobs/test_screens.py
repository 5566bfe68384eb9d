"""The inbox and the background jobs screen, as a signed-in user sees them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask, g
from flask.testing import FlaskClient

from app.services.deadlines import sweep_deadlines
from tests.factories import World, report
from tests.jobs.conftest import Clock


def login(app: Flask, username: str) -> FlaskClient:
    """A client signed in as ``username``. Requests share the test's app context, hence its
    ``g``: forget the previous client's user first (do not interleave clients)."""
    for name in ("_login_user", "user"):
        g.pop(name, None)
    client = app.test_client()
    response = client.post("/login/", data={"username": username, "password": "safeloop123"})
    assert response.status_code == 302
    return client


def test_an_inspector_sees_the_unread_badge_reads_the_inbox_and_marks_it_read(
    ctx: Flask, world: World, frozen: Clock
) -> None:
    hazard = report(world)
    sweep_deadlines()  # the confirmation is due within 24 hours: a reminder
    frozen.move_to(frozen.now + timedelta(hours=30))
    sweep_deadlines()  # now it is overdue
    client = login(ctx, "inspector_a")

    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'id="inbox-badge"' in home
    assert '<span class="badge" style="background-color: #d9534f;">2</span>' in home

    page = client.get("/inbox/").get_data(as_text=True)
    assert hazard.code in page
    assert "确认已逾期" in page
    assert "确认期限为" in page

    response = client.post("/inbox/read", data={"all": "1"})
    assert response.status_code == 302
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'background-color: #d9534f;">' not in home
    assert "已读" in client.get("/inbox/").get_data(as_text=True)


def test_nobody_marks_someone_elses_notifications_read(ctx: Flask, world: World) -> None:
    report(world)
    sweep_deadlines()
    other = login(ctx, "inspector_b")
    other.post("/inbox/read", data={"all": "1"})
    mine = login(ctx, "inspector_a").get("/", follow_redirects=True).get_data(as_text=True)
    assert 'background-color: #d9534f;">1</span>' in mine


def test_the_jobs_screen_is_for_admin_and_says_when_redis_is_down(
    ctx: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Whatever Redis this run has (CI's PostgreSQL run has one), this test's is unreachable.
    monkeypatch.setitem(ctx.config, "SAFELOOP_REDIS_URL", "redis://127.0.0.1:9/0")
    monkeypatch.delitem(ctx.extensions, "safeloop_redis", raising=False)
    sweep_deadlines()
    assert login(ctx, "inspector_a").get("/jobs/").status_code in (302, 403)
    admin = login(ctx, "admin")
    page = admin.get("/jobs/").get_data(as_text=True)
    assert "后台任务" in page
    assert "无法连接" in page
    assert "最近的期限巡检" in page
    response = admin.post("/jobs/sweep", follow_redirects=True)
    assert "未排队" in response.get_data(as_text=True)
