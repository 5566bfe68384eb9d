"""Logging in (JWT, refresh, browser session) and the one JSON shape of every API error."""

from __future__ import annotations

import pytest
from flask import Flask

from app.api import hazards
from app.api.hazards import HazardApi
from app.domain.vocabulary import AttachmentKind
from app.services.attachments import NewFile
from tests.api.conftest import ApiUsers, bearer, login
from tests.factories import World, report

H = "/api/v1/hazard"


def test_a_jwt_login_and_its_refresh_token_both_open_the_api(api: ApiUsers) -> None:
    tokens = login(api.client, "inspector_a")
    refreshed = api.client.post("/api/v1/security/refresh", headers=bearer(tokens["refresh"]))
    assert refreshed.status_code == 200
    new_access = refreshed.get_json()["access_token"]
    assert api.client.get(f"{H}/", headers=bearer(new_access)).status_code == 200


def test_a_wrong_password_is_a_json_401(api: ApiUsers) -> None:
    response = api.client.post(
        "/api/v1/security/login",
        json={"username": "inspector_a", "password": "wrong", "provider": "db"},
    )
    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthorized"


def test_a_browser_session_works_on_the_api_too(api: ApiUsers) -> None:
    page = api.client.post("/login/", data={"username": "officer_e1", "password": "safeloop123"})
    assert page.status_code == 302
    assert api.client.get(f"{H}/").status_code == 200
    assert api.client.get("/api/v1/region/").status_code == 200


def test_refusals_speak_chinese_by_default_and_english_on_request(
    api: ApiUsers, world: World
) -> None:
    hazard = report(world)
    url = f"{H}/{hazard.id}/transition/confirm"
    zh = api.post("inspector_a", url, json={"version": 1}).get_json()
    en = api.post("inspector_a", url + "?_l_=en", json={"version": 1}).get_json()
    assert zh["code"] == en["code"] == "invalid"
    assert zh["message"] == "部分数据缺失或有误。"
    assert en["message"] == "Some data is missing or invalid."
    assert en["fields"]["grade"] == "Grade is required."
    assert set(zh["fields"]) == {"grade", "category_id", "responsible_unit", "responsible_person"}


@pytest.mark.parametrize(
    ("body", "field"),
    [({"reason": "x"}, "version"), ({"reason": "x", "version": "二"}, "version")],
)
def test_a_transition_needs_a_whole_version_number(
    api: ApiUsers, world: World, body: dict[str, str], field: str
) -> None:
    hazard = report(world)
    response = api.post("inspector_a", f"{H}/{hazard.id}/transition/reject", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["fields"]


def test_a_body_that_is_not_a_json_object_is_refused(api: ApiUsers, world: World) -> None:
    hazard = report(world)
    url = f"{H}/{hazard.id}/transition/reject"
    for payload in ([1, 2], "text"):
        response = api.post("inspector_a", url, json=payload)
        assert response.status_code == 422 and "body" in response.get_json()["fields"]
    garbage = api.client.post(
        url, data="{not json", content_type="application/json", headers=api.headers("inspector_a")
    )
    assert garbage.status_code == 422


@pytest.mark.parametrize(
    ("method", "url", "status", "code"),
    [
        ("GET", "/api/v1/nothing-here", 404, "not_found"),
        ("DELETE", f"{H}/1", 405, "method_not_allowed"),
        ("PUT", f"{H}/1", 405, "method_not_allowed"),
        ("POST", f"{H}/1/transition/fly", 404, "not_found"),
        ("GET", f"{H}/?q=(((", 400, "bad_request"),
    ],
)
def test_unknown_routes_and_methods_answer_in_json(
    api: ApiUsers, method: str, url: str, status: int, code: str
) -> None:
    response = api.client.open(url, method=method, headers=api.headers("admin"))
    assert response.status_code == status
    assert response.is_json and response.get_json()["code"] == code
    assert response.get_json()["message"]


def test_a_crash_is_a_json_500_without_a_stack_trace(
    ctx: Flask, api: ApiUsers, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_args: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setitem(ctx.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(hazards, "hazard_for", explode)
    hazard = report(world)
    response = api.get("inspector_a", f"{H}/{hazard.id}/events")
    assert response.status_code == 500
    body = response.get_json()
    assert body["code"] == "server_error" and body["message"] == "服务器出错，请稍后重试。"
    assert "secret" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_html_pages_outside_the_api_keep_their_html_errors(api: ApiUsers) -> None:
    response = api.client.get("/no-such-page")
    assert response.status_code == 404 and not response.is_json


def test_there_is_no_generic_edit_or_delete_of_a_ticket(app: Flask) -> None:
    methods = {
        method
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("HazardApi.")
        for method in rule.methods or ()
    }
    assert methods.isdisjoint({"PUT", "PATCH", "DELETE"})


def test_the_session_language_of_a_browser_applies_to_the_api(api: ApiUsers, world: World) -> None:
    hazard = report(world)
    api.client.post("/login/", data={"username": "inspector_a", "password": "safeloop123"})
    api.client.get("/lang/en")
    response = api.client.post(f"{H}/{hazard.id}/transition/reject", json={"version": 1})
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"reason": "Reason is required."}


def test_an_upload_beyond_the_limit_is_a_json_413(
    ctx: Flask, api: ApiUsers, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(ctx.config, "MAX_CONTENT_LENGTH", 1024)
    hazard = report(world)
    response = api.post_files(
        "officer_e1",
        f"{H}/{hazard.id}/attachments",
        {"version": 1},
        {"photos": [NewFile("大照片.jpg", b"\xff" * 4096, AttachmentKind.PHOTO)]},
    )
    assert response.status_code == 413
    assert response.get_json()["code"] == "too_large"


def test_lists_obey_filters_order_and_the_page_size_limit(
    api: ApiUsers, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(3):
        report(world, title=f"隐患{number}")
    rejected = report(world, title="误报")
    api.post(
        "inspector_a", f"{H}/{rejected.id}/transition/reject", json={"version": 1, "reason": "误报"}
    )
    reported = api.get(
        "inspector_a", f"{H}/?q=(filters:!((col:state,opr:eq,value:reported)),order_column:id)"
    ).get_json()
    assert reported["count"] == 3 and rejected.id not in reported["ids"]
    page = api.get("inspector_a", f"{H}/?q=(page_size:2,page:0)").get_json()
    assert page["count"] == 4 and len(page["ids"]) == 2
    assert HazardApi.max_page_size == 100
    monkeypatch.setattr(HazardApi, "max_page_size", 3)
    capped = api.get("inspector_a", f"{H}/?q=(page_size:100000)").get_json()
    assert len(capped["ids"]) == 3
    refused = api.get("inspector_a", f"{H}/?q=(order_column:description)")
    assert refused.status_code == 400 and refused.get_json()["code"] == "bad_request"


def test_a_form_posted_with_a_browser_cookie_needs_the_csrf_token(
    ctx: Flask, api: ApiUsers, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Any web page can make a browser post a form with its cookies; JSON and tokens it cannot.
    hazard = report(world)
    api.client.post("/login/", data={"username": "officer_e1", "password": "safeloop123"})
    monkeypatch.setitem(ctx.config, "WTF_CSRF_ENABLED", True)
    url = f"{H}/{hazard.id}/transition/progress"
    forged = api.client.post(url, data={"version": "1", "note": "伪造"})
    assert forged.status_code == 400 and forged.get_json()["code"] == "bad_request"
    from_a_page = api.client.post(url, json={"version": 1, "note": "页面脚本"})
    assert from_a_page.status_code == 409  # past the gate: the ticket is not confirmed yet
    with_token = api.client.post(
        url, data={"version": "1", "note": "手机"}, headers=api.headers("officer_e1")
    )
    assert with_token.status_code == 409


@pytest.mark.parametrize("username", ["grid_a", "auditor"])
def test_every_role_may_read_the_swagger_ui_and_its_document(api: ApiUsers, username: str) -> None:
    assert api.get(username, "/api/v1/_openapi").status_code == 200
    api.client.post("/login/", data={"username": username, "password": "safeloop123"})
    page = api.client.get("/swagger/v1")
    assert page.status_code == 200 and b"swagger" in page.data.lower()


def test_a_bad_or_misused_token_means_log_in_again(api: ApiUsers) -> None:
    refresh = login(api.client, "grid_a")["refresh"]
    for token in ("garbage", "a.b.c", refresh):
        response = api.client.get(f"{H}/", headers=bearer(token))
        assert response.status_code == 401, token
        assert response.get_json()["code"] == "unauthorized"
