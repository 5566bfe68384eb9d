"""The reporter's name and phone reach only the township's inspectors and the district: not
the reported enterprise's officer, grid members, auditors or admins, through any screen, API
answer, export or file. The URLs come from the app's own URL map, so a new endpoint is tried
as soon as it exists. Public photos reach them only as copies without EXIF."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from app.models import Attachment
from app.services.reports import produce_report, request_report
from app.services.transaction import session
from tests.api.conftest import bearer, isolated_client
from tests.api.conftest import login as api_login
from tests.factories import build_world
from tests.public.conftest import send_report
from tests.public.test_public_path import ticket_of, tracking_code

NAME, PHONE = "王小明", "13800138000"
OUTSIDERS = ["officer_e1", "grid_a", "auditor", "admin"]
# Endpoints that cannot show any row (FAB's own static files and the login/logout dance).
SKIPPED = ("static", "appbuilder.static", "AuthDBView.logout", "UtilView.back")


def readable(response: Any) -> str:
    """The text of a response as its reader sees it (inside XLSX and PDF files too)."""
    data = response.get_data()
    if data.startswith(b"PK"):
        book = load_workbook(io.BytesIO(data), read_only=True)
        return " ".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
    if data.startswith(b"%PDF"):
        return " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return data.decode("utf-8", errors="ignore")


def build_url(rule: Any, ids: dict[str, Any]) -> str:
    values = {}
    for argument in rule.arguments:
        if argument == "pk":
            values["pk"] = ids["report"] if rule.endpoint.startswith("Report") else ids["hazard"]
        else:
            values[argument] = ids.get(argument, "x")
    try:
        return rule.build(values)[1]
    except ValueError:  # an <int:…> argument the ids do not name: any number will do
        return rule.build({k: (0 if v == "x" else v) for k, v in values.items()})[1]


@pytest.fixture
def reported(screens: Flask, in_app: Any) -> dict[str, Any]:
    """A public report naming enterprise E1, with the reporter's name and phone and a GPS photo."""
    with in_app():
        world = build_world()
        township, e1 = world.township_a.id, world.e1.id
    code = tracking_code(send_report(screens.test_client(), township, enterprise_name="甲机械厂"))
    with in_app():
        hazard = ticket_of(code)
        assert hazard.enterprise_id == e1  # the officer of E1 sees the ticket
        photo = session().query(Attachment).filter_by(hazard_id=hazard.id).one()
        reports = {}
        for username in OUTSIDERS:
            for fmt in ("csv", "xlsx", "pdf"):
                made = request_report(world[username], "hazard", fmt)
                produce_report(made.id)
                reports[(username, fmt)] = made.id
        return {"hazard": hazard.id, "attachment_id": photo.id, "code": code, "reports": reports}


@pytest.mark.slow
@pytest.mark.parametrize("username", OUTSIDERS)
def test_no_endpoint_shows_the_reporter_to_an_outsider(
    screens: Flask, reported: dict[str, Any], login: Callable[[str], FlaskClient], username: str
) -> None:
    screen = login(username)
    api = isolated_client(screens)
    headers = bearer(api_login(api, username)["access"])
    assert "河边仓库" in screen.get(f"/hazard/show/{reported['hazard']}").get_data(as_text=True)
    leaks, tried = [], 0
    for fmt in ("csv", "xlsx", "pdf"):
        ids = {
            **reported,
            "report_id": reported["reports"][(username, fmt)],
            "report": reported["reports"][(username, fmt)],
            "name": "confirm",
            "version": "v1",
            "group_by": "0",
        }
        for rule in screens.url_map.iter_rules():
            # FAB's generic download/<filename> serves stored files by their generated name
            # (Admin only); the reporter's identity is never in a file.
            if (
                "GET" not in rule.methods
                or rule.endpoint.startswith(SKIPPED)
                or "filename" in rule.arguments
            ):
                continue
            if fmt != "csv" and not rule.endpoint.startswith("Report"):
                continue  # only the registers differ between the three passes
            url = build_url(rule, ids)
            if rule.rule.startswith("/api/"):
                response = api.get(url, headers=headers)
            else:
                response = screen.get(url)
            tried += 1
            text = readable(response)
            if NAME in text or PHONE in text:
                leaks.append(f"{username} GET {url}")
    assert tried > 100
    assert leaks == []


def test_the_township_and_the_district_see_the_reporter(
    reported: dict[str, Any], login: Callable[[str], FlaskClient]
) -> None:
    for username in ("inspector_a", "inspector_a2", "district"):
        page = login(username).get(f"/hazard/show/{reported['hazard']}").get_data(as_text=True)
        assert NAME in page and PHONE in page
    page = login("officer_e1").get(f"/hazard/show/{reported['hazard']}").get_data(as_text=True)
    assert "举报人信息受保护" in page and NAME not in page


def exif_of(data: bytes) -> dict[int, Any]:
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return {**dict(exif), **{("gps", k): v for k, v in exif.get_ifd(0x8825).items()}}


def test_outsiders_get_the_photo_without_location_or_device(
    screens: Flask, reported: dict[str, Any], login: Callable[[str], FlaskClient]
) -> None:
    url = f"/hazard/attachment/{reported['attachment_id']}"
    original = exif_of(login("inspector_a").get(url).get_data())
    assert original[0x010F] == "PhoneMaker" and ("gps", 2) in original
    api = isolated_client(screens)
    api_url = f"/api/v1/hazard/{reported['hazard']}/attachments/{reported['attachment_id']}"
    for username in ("officer_e1", "auditor", "admin"):
        response = login(username).get(url)
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert exif_of(response.get_data()) == {}
        assert exif_of(login(username).get(url, query_string={"thumb": 1}).get_data()) == {}
        from_api = api.get(api_url, headers=bearer(api_login(api, username)["access"]))
        assert from_api.status_code == 200 and exif_of(from_api.get_data()) == {}
