"""The change feed over HTTP, as an integration account (JWT) reads it."""

from __future__ import annotations

from app.domain import roles
from tests.api.conftest import ApiUsers
from tests.exchange.conftest import integration_account
from tests.factories import World, confirm, report

URL = "/api/v1/exchange/changes"


def test_an_integration_account_follows_the_feed_of_its_region(api: ApiUsers, world: World) -> None:
    integration_account(world.township_a, "township_a_platform")
    hazard = report(world)
    report(world, who="grid_b", enterprise=world.b1)
    first = api.get("township_a_platform", f"{URL}?since=0&limit=50").get_json()
    assert [c["ticket"]["code"] for c in first["changes"]] == [hazard.code]
    confirm(world, hazard)
    second = api.get("township_a_platform", f"{URL}?since={first['next']}").get_json()
    assert [(c["ticket"]["code"], c["version"]) for c in second["changes"]] == [(hazard.code, 2)]
    assert second["next"] > first["next"]


def test_an_integration_account_may_read_the_feed_and_nothing_else(
    api: ApiUsers, world: World
) -> None:
    account = integration_account(world.district)
    assert roles.INTEGRATION in account.roles
    assert api.get("province", URL).status_code == 200
    assert api.get("province", "/api/v1/hazard/").status_code == 403
    assert api.post("province", "/api/v1/hazard/", json={}).status_code == 403


def test_a_cursor_that_is_not_a_number_is_refused_with_a_message(api: ApiUsers) -> None:
    response = api.get("district", f"{URL}?since=abc")
    assert response.status_code == 422
    body = response.get_json()
    assert body["fields"]["since"] == "游标必须是上一次应答给出的整数。"
