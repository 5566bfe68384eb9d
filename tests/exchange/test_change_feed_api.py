"""The change feed over HTTP, as an integration account (JWT) reads it."""

from __future__ import annotations

from app.domain import roles
from app.domain.exchange import decode_cursor
from app.services.exchange import EXCHANGE_COLUMNS
from tests.api.conftest import ApiUsers
from tests.exchange.conftest import integration_account
from tests.factories import World, confirm, fire, report

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
    assert decode_cursor(second["next"]) > decode_cursor(first["next"])
    # The cursor is passed back as it is; an old plain entry id still reads on from there.
    entry_id = decode_cursor(first["changes"][0]["cursor"])[1]
    old = api.get("township_a_platform", f"{URL}?since={entry_id}").get_json()
    assert [(c["ticket"]["code"], c["version"]) for c in old["changes"]] == [(hazard.code, 2)]


def test_an_integration_account_may_read_the_feed_and_nothing_else(
    api: ApiUsers, world: World
) -> None:
    account = integration_account(world.district)
    assert roles.INTEGRATION in account.roles
    assert api.get("province", URL).status_code == 200
    assert api.get("province", "/api/v1/hazard/").status_code == 403
    assert api.post("province", "/api/v1/hazard/", json={}).status_code == 403


def test_a_cursor_that_is_not_one_is_refused_with_a_message(api: ApiUsers) -> None:
    for raw in ("abc", "1-2-3", "-5"):
        response = api.get("district", f"{URL}?since={raw}")
        assert response.status_code == 422
        body = response.get_json()
        assert body["fields"]["since"] == "游标必须是上一次应答给出的 next 或 cursor 的值。"


def test_a_period_exports_as_json_csv_and_xlsx_in_the_exchange_field_set(
    api: ApiUsers, world: World
) -> None:
    import csv
    import io
    from datetime import date, timedelta

    from openpyxl import load_workbook

    integration_account(world.township_a, "township_a_platform")
    in_a = confirm(world, report(world))
    report(world, who="grid_b", enterprise=world.b1)
    # Periods are local (Shanghai) dates: a day ahead of the machine's date covers today.
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    url = f"/api/v1/exchange/export?from=2020-01-01&to={tomorrow}"
    body = api.get("township_a_platform", f"{url}&format=json").get_json()
    assert [(t["code"], t["version"], t["state"]) for t in body["tickets"]] == [
        (in_a.code, 2, "02")
    ]
    text = api.get("township_a_platform", f"{url}&format=csv").get_data()
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert rows[0][:2] == ["外部编号", "隐患编号"]
    assert [r[1] for r in rows[1:]] == [in_a.code]
    sheet = load_workbook(
        io.BytesIO(api.get("township_a_platform", f"{url}&format=xlsx").get_data())
    ).active
    assert sheet is not None and sheet.cell(2, 2).value == in_a.code
    # A period before anything happened is empty.
    empty = api.get("township_a_platform", "/api/v1/exchange/export?from=2020-01-01&to=2020-12-31")
    assert empty.get_json()["tickets"] == []


def test_a_ticket_deleted_in_the_period_is_marked_deleted_in_every_file(
    api: ApiUsers, world: World
) -> None:
    import csv
    import io
    from datetime import date, timedelta

    from openpyxl import load_workbook

    from app.domain.lifecycle import Action

    integration_account(world.township_a, "township_a_platform")
    kept = report(world)
    deleted = fire(
        world, "inspector_a", report(world, title="重复录入"), Action.DELETE, reason="误报"
    )
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    url = f"/api/v1/exchange/export?from=2020-01-01&to={tomorrow}"
    body = api.get("township_a_platform", f"{url}&format=json").get_json()
    marks = {t["code"]: (t["deleted"], t["deleted_at"]) for t in body["tickets"]}
    assert marks[kept.code] == (False, None)
    assert marks[deleted.code][0] is True and marks[deleted.code][1]
    deleted_at = marks[deleted.code][1]
    text = api.get("township_a_platform", f"{url}&format=csv").get_data()
    # Found by its key: the header's translation is the catalog's business.
    column = [c.key for c in EXCHANGE_COLUMNS].index("deleted_at")
    _header, *rows = csv.reader(io.StringIO(text.decode("utf-8-sig")))
    assert {r[1]: r[column] for r in rows} == {kept.code: "", deleted.code: deleted_at}
    sheet = load_workbook(
        io.BytesIO(api.get("township_a_platform", f"{url}&format=xlsx").get_data())
    ).active
    assert sheet is not None
    cells = list(sheet.iter_rows(values_only=True))
    assert {r[1]: r[column] for r in cells[1:]} == {kept.code: None, deleted.code: deleted_at}


def test_a_bad_period_is_refused_with_a_message(api: ApiUsers) -> None:
    response = api.get("district", "/api/v1/exchange/export?from=2026-05-01&to=2026-04-01")
    assert response.status_code == 422
    assert response.get_json()["fields"]["to"] == "期间的结束日期早于开始日期。"
