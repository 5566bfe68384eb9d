"""Public reporting tests: a known captcha, a report helper and fresh rate-limit counters."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from app.views import public

CAPTCHA = "ACDE3"


@pytest.fixture(autouse=True)
def known_captcha(monkeypatch: pytest.MonkeyPatch, app: Flask) -> Iterator[None]:
    """The captcha shows CAPTCHA; every test starts with empty rate-limit counters."""
    monkeypatch.setattr(public, "captcha_text", lambda: CAPTCHA)
    reset_limits(app)
    yield
    reset_limits(app)


def reset_limits(app: Flask) -> None:
    limiter = app.appbuilder.sm.limiter  # type: ignore[attr-defined]
    # The storage is made on the first limited request.
    with contextlib.suppress(AssertionError):
        limiter.reset()


def photo_bytes(gps: bool = True) -> bytes:
    """A JPEG whose EXIF carries a GPS position and the phone's make and model."""
    image = Image.new("RGB", (40, 30), (30, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    if gps:
        gps_ifd = exif.get_ifd(0x8825)
        gps_ifd[1] = "N"
        gps_ifd[2] = (30.0, 15.0, 0.0)
        gps_ifd[3] = "E"
        gps_ifd[4] = (120.0, 10.0, 0.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def form_data(township_id: int, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "description": "河边仓库堆放大量液化气钢瓶，无人看管",
        "township_id": str(township_id),
        "address": "甲镇河滨路 18 号",
        "enterprise_name": "",
        "reporter_name": "王小明",
        "reporter_phone": "13800138000",
        "consent": "y",
        "captcha": CAPTCHA,
    }
    data.update(overrides)
    return data


def send_report(
    client: FlaskClient, township_id: int, photos: list[tuple[bytes, str]] | None = None, **kw: Any
) -> Any:
    """Fetch the captcha, then post the public form (one photo unless told otherwise)."""
    client.get("/public/captcha.png")
    data = form_data(township_id, **kw)
    files = photos if photos is not None else [(photo_bytes(), "现场.jpg")]
    data["photo_ids"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post("/public/report", data=data, content_type="multipart/form-data")


from tests.views.conftest import in_app, login, screens  # noqa: E402, F401 - shared fixtures
