"""Custom fields through the API: Admin defines them, a phone reports with them, all read them."""

from __future__ import annotations

from typing import Any

from app.domain.custom_fields import FieldType
from app.models import Attachment, Category
from app.services.transaction import session
from tests.api.conftest import ApiUsers
from tests.factories import World, jpeg

H = "/api/v1/hazard"
F = "/api/v1/customfield/"


def body(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    answer: dict[str, Any] = response.get_json()
    return answer


def un_number(api: ApiUsers, world: World, **values: Any) -> int:
    parent = session().get(Category, world.category_id).parent_id
    definition = {
        "name": "un_number",
        "label_zh": "联合国编号",
        "label_en": "UN number",
        "field_type": "text",
        "category_id": parent,
        "required_from": "report",
        "filterable": True,
        **values,
    }
    # A key left out means "none" (every category, never required).
    sent = {key: value for key, value in definition.items() if value is not None}
    return int(body(api.post("admin", F, json=sent), 201)["id"])


def test_admin_defines_a_field_and_a_report_must_carry_it(api: ApiUsers, world: World) -> None:
    un_number(api, world)
    report = {"title": "储罐区泄漏", "description": "阀门渗漏", "enterprise_id": world.e2.id}
    report["category_id"] = world.category_id
    refused = body(api.post("officer_e2", H + "/", json=report), 422)
    assert refused["fields"] == {"extra.un_number": "联合国编号 为必填项。"}

    created = body(
        api.post("officer_e2", H + "/", json={**report, "extra": {"un_number": "UN1005"}}), 201
    )
    read = body(api.get("officer_e2", f"{H}/{created['id']}"), 200)["result"]
    assert read["extra"] == {"un_number": "UN1005"}
    listed = body(api.get("inspector_a", f"{H}/?extra.un_number=UN1005"), 200)
    assert listed["ids"] == [created["id"]]
    assert body(api.get("inspector_a", f"{H}/?extra.un_number=UN9999"), 200)["ids"] == []


def test_only_admin_manages_fields_and_everyone_reads_them(api: ApiUsers, world: World) -> None:
    field_id = un_number(api, world)
    assert (
        api.post(
            "inspector_a", F, json={"name": "x", "label_zh": "x", "field_type": "text"}
        ).status_code
        == 403
    )
    listed = body(api.get("grid_a", F), 200)["result"]
    assert [(f["name"], f["required_from"]) for f in listed] == [("un_number", "report")]
    refused = body(
        api.client.put(
            f"{F}{field_id}", headers=api.headers("admin"), json={"field_type": "date2"}
        ),
        422,
    )
    assert "field_type" in refused["fields"]


def test_a_fields_type_cannot_change_once_a_ticket_holds_a_value(
    api: ApiUsers, world: World
) -> None:
    field_id = un_number(api, world, required_from=None, category_id=None)
    report = {"title": "储罐区泄漏", "description": "阀门渗漏", "enterprise_id": world.e2.id}
    body(api.post("officer_e2", H + "/", json={**report, "extra": {"un_number": "UN1005"}}), 201)
    put = api.client.put(
        f"{F}{field_id}", headers=api.headers("admin"), json={"field_type": "number"}
    )
    refused = body(put, 422)
    assert (
        "add a new field" in refused["fields"]["field_type"]
        or "新字段" in refused["fields"]["field_type"]
    )
    renamed = api.client.put(
        f"{F}{field_id}", headers=api.headers("admin"), json={"label_zh": "UN编号"}
    )
    assert body(renamed, 200)["result"]["label_zh"] == "UN编号"


def test_a_photo_field_takes_files_or_the_tickets_photo_ids(api: ApiUsers, world: World) -> None:
    un_number(api, world, name="gauge", label_zh="压力表照片", field_type="photo", filterable=None)
    report = {"title": "压力表失效", "description": "表盘破损", "enterprise_id": world.e2.id}
    report["category_id"] = world.category_id
    refused = body(api.post_files("officer_e2", H + "/", report, {"photos": [jpeg()]}), 422)
    assert refused["fields"] == {"extra.gauge": "至少需要一张照片。"}

    files = {"photos": [jpeg(name="现场.jpg")], "extra.gauge": [jpeg(name="表盘.jpg")]}
    created = body(api.post_files("officer_e2", H + "/", report, files), 201)
    read = body(api.get("officer_e2", f"{H}/{created['id']}"), 200)["result"]
    names = {a.original_name: a.id for a in session().query(Attachment)}
    assert read["extra"] == {"gauge": [names["表盘.jpg"]]}
    # JSON names photos the ticket already holds.
    body(
        api.fire(
            "inspector_a",
            read,
            "confirm",
            grade="general",
            category_id=world.category_id,
            responsible_unit="乙化工",
            responsible_person="钱总",
            extra={"gauge": [names["现场.jpg"]]},
        ),
        200,
    )
    read = body(api.get("officer_e2", f"{H}/{created['id']}"), 200)["result"]
    assert read["extra"] == {"gauge": [names["表盘.jpg"], names["现场.jpg"]]}


def test_the_openapi_lists_the_field_types(api: ApiUsers, world: World) -> None:
    spec = body(api.get("admin", "/api/v1/_openapi"), 200)
    schema = spec["components"]["schemas"]["CustomFieldApi.post"]
    assert schema["properties"]["field_type"]["enum"] == [t.value for t in FieldType]
    assert "photo" in schema["properties"]["field_type"]["enum"]


def test_a_second_field_of_the_same_name_is_refused_with_a_message(
    api: ApiUsers, world: World
) -> None:
    first = un_number(api, world)
    again = {"name": "un_number", "label_zh": "联合国编号二", "field_type": "text"}
    refused = body(api.post("admin", F, json=again), 422)
    assert refused["fields"] == {"name": "已有名为 un_number 的字段。"}
    other = un_number(api, world, name="un_class", label_zh="类别号")
    put = api.client.put(f"{F}{other}", headers=api.headers("admin"), json={"name": "un_number"})
    renamed = body(put, 422)
    assert renamed["fields"] == {"name": "已有名为 un_number 的字段。"}
    assert body(api.get("admin", f"{F}{first}"), 200)["result"]["name"] == "un_number"
