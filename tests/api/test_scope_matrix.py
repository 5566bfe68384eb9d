"""Who gets what from every API endpoint: the scope matrix, generated from the app's URL map.

Each route under /api/ must have a probe below (a new endpoint without one fails the test), and
each probe is called with a JWT of every role, plus users of another township and another
enterprise. Outside one's scope an object does not exist (404); a role that may not do
something gets 403; whoever may, gets through to the data checks (200, or 422 for the empty
bodies the probes send, so nothing is changed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from app.models import Attachment, Category, CustomField, DeterminationArticle
from app.services.transaction import session
from tests.api.conftest import USERNAMES, ApiUsers
from tests.factories import World, report

# Who may see ticket H (reported by grid_a at enterprise E1 in township A) and E1 itself.
SEES_TICKET = {
    "admin",
    "district",
    "auditor",
    "inspector_a",
    "inspector_a2",
    "grid_a",
    "officer_e1",
}
# grid A's region is also E2's: its officer may choose it.
SEES_GRID_A = SEES_TICKET | {"officer_e2"}
EVERYONE = set(USERNAMES)
SEES_REPORT = {"admin", "district", "auditor", "inspector_a", "inspector_a2"}
WORKERS = EVERYONE - {"admin", "auditor"}
# The lifecycle's editors of a reported ticket: inspectors, the district, the reporter.
EDITORS = {"district", "inspector_a", "inspector_a2", "grid_a"}
# Who works on tickets (may add attachments): inspectors, district, grid members, officers.
ATTACHERS = {"district", "inspector_a", "inspector_a2", "grid_a", "officer_e1"}


@dataclass
class Ids:
    hazard: int
    version: int
    attachment: int
    enterprise: int
    region: int
    category: int
    article: int
    report: int = 0
    ledger_import: int = 0
    custom_field: int = 0


@dataclass(frozen=True)
class Probe:
    """A request to send, and the status each user must get."""

    method: str
    url: Callable[[Ids], str]
    expect: Callable[[str], int]
    json: Callable[[Ids], Any] | None = None
    public: bool = False


def visible(who_sees: set[str]) -> Callable[[str], int]:
    return lambda user: 200 if user in who_sees else 404


def gated(sees: set[str], may: set[str], permitted: set[str] = WORKERS | {"admin"}) -> Any:
    """404 outside scope, 403 without the FAB permission or the lifecycle's role, else 422."""

    def expect(user: str) -> int:
        if user not in permitted:
            return 403
        if user not in sees:
            return 404
        return 422 if user in may else 403

    return expect


def listed(user: str) -> int:
    return 200


IMPORTERS = {"admin", "district", "inspector_a", "inspector_a2", "inspector_b"}


def importer_sees(user: str) -> int:
    if user not in IMPORTERS:
        return 403
    return 404 if user == "inspector_b" else 200


READS_RANKING = {"admin", "district", "auditor", "inspector_a", "inspector_a2", "inspector_b"}


def admin_422(user: str) -> int:
    return 422 if user == "admin" else 403


H = "/api/v1/hazard"
PROBES: dict[tuple[str, str], Probe] = {
    ("HazardApi.get_list", "GET"): Probe("GET", lambda i: f"{H}/", listed),
    ("HazardApi.get", "GET"): Probe("GET", lambda i: f"{H}/{i.hazard}", visible(SEES_TICKET)),
    ("HazardApi.events", "GET"): Probe(
        "GET", lambda i: f"{H}/{i.hazard}/events", visible(SEES_TICKET)
    ),
    ("HazardApi.attachments", "GET"): Probe(
        "GET", lambda i: f"{H}/{i.hazard}/attachments", visible(SEES_TICKET)
    ),
    ("HazardApi.attachment", "GET"): Probe(
        "GET", lambda i: f"{H}/{i.hazard}/attachments/{i.attachment}", visible(SEES_TICKET)
    ),
    ("HazardApi.post", "POST"): Probe(
        "POST", lambda i: f"{H}/", lambda u: 403 if u == "auditor" else 422, json=lambda i: {}
    ),
    ("HazardApi.transition", "POST"): Probe(
        "POST",
        lambda i: f"{H}/{i.hazard}/transition/edit",
        gated(SEES_TICKET, EDITORS),
        json=lambda i: {"version": i.version},
    ),
    ("HazardApi.add_attachments", "POST"): Probe(
        "POST",
        lambda i: f"{H}/{i.hazard}/attachments",
        gated(SEES_TICKET, ATTACHERS),
        json=lambda i: {"version": i.version},
    ),
    ("EnterpriseApi.get_list", "GET"): Probe("GET", lambda i: "/api/v1/enterprise/", listed),
    ("EnterpriseApi.get", "GET"): Probe(
        "GET", lambda i: f"/api/v1/enterprise/{i.enterprise}", visible(SEES_TICKET)
    ),
    ("RegionApi.get_list", "GET"): Probe("GET", lambda i: "/api/v1/region/", listed),
    ("RegionApi.get", "GET"): Probe(
        "GET", lambda i: f"/api/v1/region/{i.region}", visible(SEES_GRID_A)
    ),
    ("CategoryApi.get_list", "GET"): Probe("GET", lambda i: "/api/v1/category/", listed),
    ("CategoryApi.get", "GET"): Probe(
        "GET", lambda i: f"/api/v1/category/{i.category}", visible(EVERYONE)
    ),
    ("DeterminationArticleApi.get_list", "GET"): Probe(
        "GET", lambda i: "/api/v1/determination_article/", listed
    ),
    ("DeterminationArticleApi.get", "GET"): Probe(
        "GET", lambda i: f"/api/v1/determination_article/{i.article}", visible(EVERYONE)
    ),
    ("CustomFieldApi.get_list", "GET"): Probe("GET", lambda i: "/api/v1/customfield/", listed),
    ("CustomFieldApi.get", "GET"): Probe(
        "GET", lambda i: f"/api/v1/customfield/{i.custom_field}", visible(EVERYONE)
    ),
    # Only Admin manages custom fields; the probes' bodies are refused (nothing changes).
    ("CustomFieldApi.post", "POST"): Probe(
        "POST", lambda i: "/api/v1/customfield/", admin_422, json=lambda i: {}
    ),
    ("CustomFieldApi.put", "PUT"): Probe(
        "PUT",
        lambda i: f"/api/v1/customfield/{i.custom_field}",
        admin_422,
        json=lambda i: {"field_type": "bogus"},
    ),
    ("OpenApi.get", "GET"): Probe("GET", lambda i: "/api/v1/_openapi", listed),
    # FAB's menu is for its own pages; API clients have no use for it.
    ("MenuApi.get_menu_data", "GET"): Probe(
        "GET", lambda i: "/api/v1/menu/", lambda u: 200 if u == "admin" else 403
    ),
    # Logging in is public; its own tests are in test_auth.py.
    # A township report (inspector_a's): seen by the township, the district, auditors, admin.
    ("ReportApi.get", "GET"): Probe(
        "GET", lambda i: f"/api/v1/report/{i.report}", visible(SEES_REPORT)
    ),
    ("ReportApi.download", "GET"): Probe(
        "GET", lambda i: f"/api/v1/report/{i.report}/download", visible(SEES_REPORT)
    ),
    # Everyone may ask for a register (within their own scope); the empty body is refused.
    ("ReportApi.post", "POST"): Probe("POST", lambda i: "/api/v1/report/", lambda user: 422),
    # Ledger import: township inspectors and the district (and Admin); an import made by
    # inspector_a is seen in township A and above. A body without a file is refused (422).
    ("LedgerImportApi.template", "GET"): Probe(
        "GET", lambda i: "/api/v1/import/template", lambda user: 200 if user in IMPORTERS else 403
    ),
    ("LedgerImportApi.post", "POST"): Probe(
        "POST", lambda i: "/api/v1/import/", lambda user: 422 if user in IMPORTERS else 403
    ),
    ("LedgerImportApi.get", "GET"): Probe(
        "GET", lambda i: f"/api/v1/import/{i.ledger_import}", importer_sees
    ),
    ("LedgerImportApi.errors", "GET"): Probe(
        "GET", lambda i: f"/api/v1/import/{i.ledger_import}/errors", importer_sees
    ),
    # Everyone reads the dashboard of their own scope; a region outside it does not exist.
    ("DashboardApi.summary", "GET"): Probe(
        "GET", lambda i: f"/api/v1/dashboard/summary?region={i.region}", visible(SEES_GRID_A)
    ),
    ("DashboardApi.trend", "GET"): Probe(
        "GET", lambda i: f"/api/v1/dashboard/trend?region={i.region}", visible(SEES_GRID_A)
    ),
    ("DashboardApi.breakdowns", "GET"): Probe(
        "GET", lambda i: f"/api/v1/dashboard/breakdowns?region={i.region}", visible(SEES_GRID_A)
    ),
    # The published ranking (none in this district yet): readers get 404, others 403.
    ("RankingApi.latest", "GET"): Probe(
        "GET", lambda i: "/api/v1/ranking/latest", lambda u: 404 if u in READS_RANKING else 403
    ),
    ("RankingApi.month", "GET"): Probe(
        "GET", lambda i: "/api/v1/ranking/2026-01", lambda u: 404 if u in READS_RANKING else 403
    ),
    # The hazard map: everyone, within scope; a region outside it does not exist.
    ("MapApi.hazards", "GET"): Probe(
        "GET", lambda i: f"/api/v1/map/hazards?region={i.region}", visible(SEES_GRID_A)
    ),
    ("MapApi.enterprises", "GET"): Probe("GET", lambda i: "/api/v1/map/enterprises", listed),
    ("MapApi.regions", "GET"): Probe("GET", lambda i: "/api/v1/map/regions", listed),
    # A coordinate conversion: no data of anyone's.
    ("MapApi.point", "GET"): Probe(
        "GET", lambda i: "/api/v1/map/point?lon=120.1&lat=30.2&display=gcj02", listed
    ),
    # The change feed: integration accounts and those who read their whole region anyway.
    ("ExchangeApi.changes", "GET"): Probe(
        "GET",
        lambda i: "/api/v1/exchange/changes",
        lambda u: 200 if u in {"admin", "district", "auditor"} else 403,
    ),
    ("ExchangeApi.export", "GET"): Probe(
        "GET",
        lambda i: "/api/v1/exchange/export?from=2026-01-01&to=2026-12-31&format=csv",
        lambda u: 200 if u in {"admin", "district", "auditor"} else 403,
    ),
    ("SecurityApi.login", "POST"): Probe("POST", lambda i: "", listed, public=True),
    ("SecurityApi.refresh", "POST"): Probe("POST", lambda i: "", listed, public=True),
}

# Which list shows which object, to check that lists obey the same scope as items.
LIST_MEMBERS: dict[str, tuple[Callable[[Ids], int], set[str]]] = {
    "HazardApi.get_list": (lambda i: i.hazard, SEES_TICKET),
    "EnterpriseApi.get_list": (lambda i: i.enterprise, SEES_TICKET),
    "RegionApi.get_list": (lambda i: i.region, SEES_GRID_A),
}


def api_routes(app: Flask) -> list[tuple[str, str]]:
    """Every (endpoint, method) the URL map serves under /api/."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                routes.append((rule.endpoint, method))
    return sorted(routes)


def make_ids(world: World) -> Ids:
    hazard = report(world)
    attachment = (
        session().scalars(sa.select(Attachment.id).where(Attachment.hazard_id == hazard.id)).first()
    )
    assert attachment is not None
    ids = Ids(
        hazard=hazard.id,
        version=hazard.version,
        attachment=attachment,
        enterprise=world.e1.id,
        region=world.grid_a.id,
        category=session().scalars(sa.select(Category.id)).first() or 0,
        article=session().scalars(sa.select(DeterminationArticle.id)).first() or 0,
    )
    from app.services.reports import produce_report, request_report

    requested = request_report(world["inspector_a"], "hazard", "csv")
    produce_report(requested.id)
    ids.report = requested.id
    from app.services.ledger_import import check_ledger, store_ledger, translators
    from tests.imports.sheets import ledger_row, workbook_bytes

    ledger = store_ledger(world["inspector_a"], "台账.xlsx", workbook_bytes([ledger_row()]), "zh")
    check_ledger(world["inspector_a"], ledger, translators("zh"))
    ids.ledger_import = ledger.id
    field = CustomField(name="un_number", label_zh="联合国编号", field_type="text")
    session().add(field)
    session().flush()
    ids.custom_field = field.id
    session().commit()  # end the test's read transaction: the API writes in its own sessions
    return ids


def test_every_api_route_has_a_probe(app: Flask) -> None:
    assert sorted(set(api_routes(app)) - set(PROBES)) == []
    assert sorted(set(PROBES) - set(api_routes(app))) == []


def test_the_scope_matrix_of_every_api_endpoint(app: Flask, api: ApiUsers, world: World) -> None:
    ids = make_ids(world)
    seen: dict[tuple[str, str, str], int] = {}
    wrong = []
    for route in api_routes(app):
        probe = PROBES[route]
        if probe.public:
            continue
        for user in USERNAMES:
            url = probe.url(ids)
            if probe.method == "GET":
                response = api.get(user, url)
            elif probe.method == "PUT":
                json = probe.json(ids) if probe.json else None
                response = api.client.put(url, headers=api.headers(user), json=json)
            else:
                response = api.post(user, url, json=probe.json(ids) if probe.json else None)
            seen[(route[0], route[1], user)] = response.status_code
            if response.status_code != probe.expect(user):
                wrong.append((route, user, response.status_code, response.get_data(True)[:200]))
            if response.status_code >= 400:
                body = response.get_json()
                assert body["code"] and body["message"], (route, user, body)
            if route[0] in LIST_MEMBERS and response.status_code == 200:
                member, who_sees = LIST_MEMBERS[route[0]]
                assert (member(ids) in response.get_json()["ids"]) == (user in who_sees), (
                    route,
                    user,
                )
    assert wrong == []
    # Nothing the probes sent changed the ticket.
    assert api.get("admin", f"{H}/{ids.hazard}").get_json()["result"]["version"] == ids.version
    assert len(seen) >= 18 * len(USERNAMES)


@pytest.mark.parametrize("url", ["/api/v1/hazard/", "/api/v1/region/", "/api/v1/_openapi"])
def test_without_a_token_the_api_answers_401_in_json(api: ApiUsers, url: str) -> None:
    response = api.client.get(url)
    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthorized"


def test_a_download_names_the_file_in_chinese(api: ApiUsers, world: World) -> None:
    ids = make_ids(world)
    response = api.get("inspector_a", f"{H}/{ids.hazard}/attachments/{ids.attachment}")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    disposition = response.headers["Content-Disposition"]
    assert "attachment" in disposition
    assert "filename*=UTF-8''%E7%8E%B0%E5%9C%BA%E7%85%A7%E7%89%87.jpg" in disposition
    assert f'filename="attachment-{ids.attachment}.jpg"' in disposition


def test_an_attachment_is_only_found_under_its_own_ticket(api: ApiUsers, world: World) -> None:
    ids = make_ids(world)
    other = report(world, title="另一个隐患")
    response = api.get("admin", f"{H}/{other.id}/attachments/{ids.attachment}")
    assert response.status_code == 404


def test_a_retired_category_is_no_longer_offered(api: ApiUsers) -> None:
    category = session().scalars(sa.select(Category).order_by(Category.id.desc())).first()
    assert category is not None
    category.active = False
    session().commit()
    try:
        assert api.get("grid_a", f"/api/v1/category/{category.id}").status_code == 404
        listed_ids = api.get("grid_a", "/api/v1/category/?q=(page_size:100)").get_json()["ids"]
        assert category.id not in listed_ids
    finally:
        category.active = True  # reference data outlives the test
        session().commit()
