"""The dashboard: every role's own scope in figures, each figure equal to the list behind it."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.domain.oversight import Figure
from tests.factories import build_world, local_now
from tests.oversight_data import build_tickets

LINK = re.compile(
    r'<a class="sl-(?:n|figure)[^"]*"[^>]*href="(/hazard/list/[^"]*)"[^>]*>(.*?)</a>', re.S
)
RECORDS = re.compile(r"(?:记录数目|Record Count)\D*(\d+)")


def list_count(client: FlaskClient, url: str) -> int:
    page = client.get(url).get_data(as_text=True)
    found = RECORDS.search(page)
    return int(found.group(1)) if found else 0


def dashboard_links(page: str) -> list[tuple[str, int]]:
    links = []
    for href, text in LINK.findall(page):
        numbers = re.findall(r"\d+", re.sub(r"<[^>]+>", " ", text))
        links.append((html.unescape(href), int(numbers[-1])))
    return links


def figure_count(page: str, figure: Figure) -> int:
    found = re.search(
        rf'data-figure="{figure.value}"[^>]*>\s*<span class="sl-count">(\d+)</span>', page
    )
    assert found, figure
    return int(found.group(1))


@pytest.mark.parametrize(
    ("user", "query"),
    [
        ("district", ""),
        ("inspector_a", ""),
        ("officer_e1", ""),
        ("grid_b", ""),
        ("district", "?from={month_ago}&to={today}"),
        ("district", "?region={township_b}"),
    ],
)
def test_every_figure_links_to_a_list_of_exactly_its_count(
    in_app: Any, login: Callable[[str], FlaskClient], user: str, query: str
) -> None:
    with in_app():
        tickets = build_tickets()
        today = local_now().date()
        url = "/dashboard/" + query.format(
            today=today.isoformat(),
            month_ago=(today - timedelta(days=30)).isoformat(),
            township_b=tickets.world.township_b.id,
        )
    client = login(user)
    page = client.get(url).get_data(as_text=True)
    links = dashboard_links(page)
    linked_figures = {f.value for f in Figure} - {Figure.REPORTED.value}
    assert all(any(f"_flt_2_state={f}" in href for href, _ in links) for f in linked_figures)
    assert len(links) > 20
    wrong = [
        (href, shown, list_count(client, href))
        for href, shown in links
        if list_count(client, href) != shown
    ]
    assert wrong == []


def test_the_district_sees_the_figures_worked_out_by_hand(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        build_tickets()
    page = login("district").get("/dashboard/").get_data(as_text=True)
    expected = {
        Figure.REPORTED: 9,
        Figure.CONFIRMED: 5,  # on time, overdue, sent back, major, late
        Figure.OPEN: 6,
        Figure.CLOSED: 2,
        Figure.REJECTED: 1,
        Figure.CLOSED_ON_TIME: 1,
        Figure.OVERDUE_OPEN: 2,
        Figure.OVERDUE_OPEN_GENERAL: 1,
        Figure.OVERDUE_OPEN_MAJOR: 1,
        Figure.SUPERVISED: 1,
        Figure.EXTENDED: 1,
        Figure.SENT_BACK: 1,
    }
    assert {f: figure_count(page, f) for f in expected} == expected
    # 整改率 2 closed ÷ 5 confirmed; 按期 1 ÷ 2 (the late one was closed after its first deadline).
    assert re.search(r'id="rectification-rate">40.0 %<', page)
    assert re.search(r'id="on-time-rate">50.0 %<', page)
    assert "重大隐患" in page and ">20<" in page  # under supervision, 20 days left


def test_scope_and_period_narrow_the_figures(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        build_tickets()
        today = local_now().date().isoformat()
    assert (
        figure_count(login("inspector_b").get("/dashboard/").get_data(True), Figure.REPORTED) == 1
    )
    officer = login("officer_e1").get("/dashboard/").get_data(True)
    assert figure_count(officer, Figure.REPORTED) == 8  # E1's tickets, the old one included
    recent = login("district").get(f"/dashboard/?from={today}&to={today}").get_data(True)
    assert figure_count(recent, Figure.REPORTED) == 8


def test_the_list_behind_a_figure_says_which_figure_it_is(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        build_tickets()
    client = login("district")
    page = client.get("/hazard/list/?_flt_2_state=closed_on_time").get_data(as_text=True)
    assert 'id="sl-figure-filter"' in page and "按期销号" in page
    # An emptied figure box filters nothing.
    assert list_count(client, "/hazard/list/?_flt_2_state=") == 9


def test_a_rate_without_a_denominator_shows_a_slash(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        build_world()
    page = login("inspector_a").get("/dashboard/").get_data(as_text=True)
    assert 'id="rectification-rate">/<' in page and 'id="on-time-rate">/<' in page
    assert figure_count(page, Figure.REPORTED) == 0


def test_after_login_every_role_lands_on_the_dashboard(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        build_world()
    for user in ("admin", "district", "auditor", "inspector_a", "grid_a", "officer_e1"):
        client = login(user)
        home = client.get("/")
        assert home.status_code == 200 and 'data-figure="reported"' in home.get_data(True)
        assert client.get("/dashboard/").status_code == 200


def test_a_bad_period_is_explained_and_nothing_breaks(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        build_world()
    page = login("district").get("/dashboard/?from=2026-13-01").get_data(as_text=True)
    assert "YYYY-MM-DD" in page and 'id="rectification-rate">/<' in page


def checklist_rows(page: str) -> list[tuple[str, str, int]]:
    """(item label, list URL, count) of the dashboard's "by checklist item" table."""
    table = re.search(r'id="breakdown-checklist_item">(.*?)</table>', page, re.S)
    assert table, "no checklist breakdown"
    rows = re.findall(
        r"<tr>\s*<td>([^<]*)</td>\s*<td><a class=\"sl-n\" href=\"([^\"]*)\">(\d+)</a>",
        table.group(1),
    )
    return [(html.unescape(label), html.unescape(href), int(n)) for label, href, n in rows]


def test_hazards_are_counted_by_the_checklist_item_that_opened_them(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    from app.services.inspections import submit_inspection
    from tests.services.test_inspections import answers, gas_checklist

    with in_app():
        tickets = build_tickets()
        world = tickets.world
        template = gas_checklist(world)
        # Two inspections: the first item fails twice, the next two once each.
        submit_inspection(world["inspector_a"], template.id, world.e1.id, answers(template, 3))
        submit_inspection(world["inspector_a"], template.id, world.e2.id, answers(template, 1))
        first_item = template.items[0].text
        township_b = world.township_b.id
    district = login("district")
    page = district.get("/dashboard/").get_data(as_text=True)
    rows = checklist_rows(page)
    assert [n for _, _, n in rows] == [2, 1, 1]
    assert first_item in rows[0][0] and "燃气使用单位检查表 v1" in rows[0][0]
    # Each count is the hazard list behind it, for the whole scope and for a region.
    assert [list_count(district, href) for _, href, _ in rows] == [2, 1, 1]
    behind = district.get(rows[0][1]).get_data(as_text=True)
    assert "由检查项开出" in behind and first_item in behind
    in_b = district.get(f"/dashboard/?region={township_b}").get_data(as_text=True)
    assert checklist_rows(in_b) == [] and "No ticket in this view was opened" not in in_b
    assert "没有从检查表开出的隐患" in in_b
    # Another township's inspector counts none of them, and is not told the item's name.
    other = login("inspector_b")
    assert checklist_rows(other.get("/dashboard/").get_data(True)) == []
    assert "由检查项开出" not in other.get(rows[0][1]).get_data(as_text=True)
