"""The one unauthenticated write path: rate limits, captcha, honeypot, CSRF, file checks, and
tracking codes that cannot be guessed."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from app.domain.public import new_tracking_code
from app.models import Hazard, PublicReport
from app.services.transaction import session
from tests.factories import build_world
from tests.public.conftest import CAPTCHA, form_data, photo_bytes, send_report
from tests.public.test_public_path import tracking_code


@pytest.fixture
def township(screens: Flask, in_app: Any) -> Iterator[int]:
    with in_app():
        yield build_world().township_a.id


def ticket_count(in_app: Any) -> int:
    with in_app():
        return session().query(Hazard).count()


def test_too_many_reports_from_one_address_are_refused_with_a_clear_message(
    screens: Flask, in_app: Any, township: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(screens.config, "SAFELOOP_PUBLIC_REPORT_LIMIT", "2/hour")
    client = screens.test_client()
    assert send_report(client, township).status_code == 200
    assert send_report(client, township).status_code == 200
    refused = send_report(client, township)
    assert refused.status_code == 429
    assert "请求过于频繁" in refused.get_data(as_text=True)
    assert ticket_count(in_app) == 2
    # Another address is not held back by the first one's reports.
    other = screens.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.9.8.7"
    assert send_report(other, township).status_code == 200


def test_one_tracking_code_is_looked_up_only_so_often_from_any_address(
    screens: Flask, in_app: Any, township: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = tracking_code(send_report(screens.test_client(), township))
    monkeypatch.setitem(screens.config, "SAFELOOP_PUBLIC_TRACK_CODE_LIMIT", "3/hour")
    for n in range(3):
        client = screens.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        assert client.get(f"/public/track/{code}").status_code == 200
    client = screens.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.99"
    refused = client.get(f"/public/track/{code}")
    assert refused.status_code == 429 and "请求过于频繁" in refused.get_data(as_text=True)


def test_guessing_codes_from_one_address_is_cut_off(
    screens: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(screens.config, "SAFELOOP_PUBLIC_TRACK_LIMIT", "5/minute")
    client = screens.test_client()
    answers = [client.get(f"/public/track/{new_tracking_code()}").status_code for _ in range(6)]
    assert answers == [404] * 5 + [429]


def test_a_thousand_random_codes_find_nothing(
    screens: Flask, township: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tracking_code(send_report(screens.test_client(), township))
    monkeypatch.setitem(screens.config, "SAFELOOP_PUBLIC_TRACK_LIMIT", "5000/minute")
    client = screens.test_client()
    found = [
        code
        for code in (new_tracking_code() for _ in range(1000))
        if client.get(f"/public/track/{code}").status_code != 404
    ]
    assert found == []
    assert client.get(f"/public/track/{real}").status_code == 200


def test_unknown_and_malformed_codes_get_the_same_answer(screens: Flask) -> None:
    client = screens.test_client()
    unknown = client.get(f"/public/track/{new_tracking_code()}")
    for malformed in ("x", "0000-0000-0000", "'; DROP TABLE hazard; --", "A" * 300):
        answer = client.get(f"/public/track/{malformed}")
        assert (answer.status_code, answer.get_data()) == (unknown.status_code, unknown.get_data())
    assert unknown.status_code == 404
    assert "没有与此查询码对应的举报" in unknown.get_data(as_text=True)


def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_saved(
    screens: Flask, in_app: Any, township: int
) -> None:
    fake = (b"#!/bin/sh\necho not a photo\n", "现场.jpg")
    page = send_report(screens.test_client(), township, photos=[fake])
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "不是JPEG、PNG或WebP格式的照片" in text
    assert ticket_count(in_app) == 0


def test_too_many_photos_or_none_are_refused(screens: Flask, in_app: Any, township: int) -> None:
    client = screens.test_client()
    four = [(photo_bytes(), f"{n}.jpg") for n in range(4)]
    assert "最多只能上传 3 张照片" in send_report(client, township, photos=four).get_data(
        as_text=True
    )
    assert "至少" in send_report(client, township, photos=[]).get_data(as_text=True)
    assert ticket_count(in_app) == 0


def test_a_wrong_or_reused_captcha_is_refused(screens: Flask, in_app: Any, township: int) -> None:
    client = screens.test_client()
    wrong = send_report(client, township, captcha="XXXXX").get_data(as_text=True)
    assert "验证码不正确" in wrong
    assert ticket_count(in_app) == 0
    assert send_report(client, township).status_code == 200
    # The same answer again, without fetching a new picture: refused.
    data = form_data(township)
    data["photo_ids"] = [(io.BytesIO(photo_bytes()), "a.jpg")]
    again = client.post("/public/report", data=data, content_type="multipart/form-data")
    assert "验证码不正确" in again.get_data(as_text=True)
    assert ticket_count(in_app) == 1


def test_a_robot_filling_the_honeypot_gets_a_code_that_tracks_nothing(
    screens: Flask, in_app: Any, township: int
) -> None:
    client = screens.test_client()
    code = tracking_code(send_report(client, township, website="http://spam.example"))
    assert client.get(f"/public/track/{code}").status_code == 404
    assert ticket_count(in_app) == 0


def test_a_post_without_the_csrf_token_is_refused(
    screens: Flask, in_app: Any, township: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(screens.config, "WTF_CSRF_ENABLED", True)
    refused = send_report(screens.test_client(), township)
    assert refused.status_code == 400
    assert "表单已过期" in refused.get_data(as_text=True)
    assert ticket_count(in_app) == 0


def test_consent_and_a_plausible_phone_are_required(
    screens: Flask, in_app: Any, township: int
) -> None:
    client = screens.test_client()
    page = send_report(client, township, consent="", reporter_phone="call me").get_data(
        as_text=True
    )
    assert "请阅读并同意声明" in page or "我同意 为必填项" in page
    with in_app():
        assert session().query(PublicReport).count() == 0


def test_the_captcha_is_an_image_drawn_here(screens: Flask) -> None:
    response = screens.test_client().get("/public/captcha.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data.startswith(b"\x89PNG") and CAPTCHA.encode() not in response.data


def test_behind_a_proxy_each_client_is_counted_by_its_forwarded_address(
    screens: Flask, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import build_app

    proxied = build_app(
        screens.config["SQLALCHEMY_DATABASE_URI"],
        tmp_path,
        SAFELOOP_TRUSTED_PROXIES=1,
        SAFELOOP_PUBLIC_TRACK_LIMIT="2/minute",
    )

    def lookups(app: Flask, *addresses: str) -> list[int]:
        client = app.test_client()
        return [
            client.get(
                f"/public/track/{new_tracking_code()}", headers={"X-Forwarded-For": address}
            ).status_code
            for address in addresses
        ]

    assert lookups(proxied, *["203.0.113.7"] * 3, "198.51.100.2") == [404, 404, 429, 404]
    # Served directly, the header is ignored: it cannot be forged to dodge the limit.
    monkeypatch.setitem(screens.config, "SAFELOOP_PUBLIC_TRACK_LIMIT", "2/minute")
    assert lookups(screens, "10.1.1.1", "10.1.1.2", "10.1.1.3") == [404, 404, 429]
