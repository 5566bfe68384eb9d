"""The custom-field screens: the admin's refusals, the register's filter, the transition form."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from flask.testing import FlaskClient

from app.domain.lifecycle import Action
from app.models import Attachment, CustomField, Hazard
from app.services.transaction import session
from tests.factories import build_world, jpeg, report

FIELD = {
    "name": "pressure",
    "label_zh": "压力级制",
    "label_en": "Pressure class",
    "field_type": "choice",
    "choices": "低压\n中压",
    "required_from": "",
    "sort_order": "0",
    "filterable": "y",
}


def test_the_admin_cannot_change_the_type_of_a_field_tickets_use(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        values = {k: v for k, v in FIELD.items() if k not in ("required_from", "sort_order")}
        session().add(CustomField(**{**values, "filterable": True}))
        session().commit()
        report(build_world(), extra={"pressure": "低压"})
        field_id = session().query(CustomField).filter_by(name="pressure").one().id
    admin = login("admin")
    page = admin.post(
        f"/customfieldview/edit/{field_id}",
        data={**FIELD, "field_type": "text"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "类型不可更改" in page
    with in_app():
        assert session().get(CustomField, field_id).field_type == "choice"


def test_the_register_filters_on_a_filterable_field_and_confirm_asks_for_it(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        session().add(
            CustomField(
                name="pressure",
                label_zh="压力级制",
                field_type="choice",
                choices="低压\n中压",
                required_from="confirm",
                filterable=True,
            )
        )
        session().commit()
        world = build_world()
        low = report(world, title="低压管道腐蚀", extra={"pressure": "低压"})
        report(world, title="中压阀门渗漏", extra={"pressure": "中压"})
        unset = report(world, title="调压箱门锁损坏")
        unset_id, version, category = unset.id, unset.version, world.category_id
        assert low.code
    inspector = login("inspector_a")
    listing = inspector.get("/hazard/list/?extra.pressure=低压").get_data(as_text=True)
    assert "低压管道腐蚀" in listing and "中压阀门渗漏" not in listing
    assert 'name="extra.pressure"' in listing

    form = {
        "version": str(version),
        "grade": "general",
        "category_id": str(category),
        "responsible_unit": "甲机械厂",
        "responsible_person": "赵总",
    }
    url = f"/hazard/{unset_id}/transition/{Action.CONFIRM.value}"
    assert 'name="extra.pressure"' in inspector.get(url).get_data(as_text=True)
    refused = inspector.post(url, data=form).get_data(as_text=True)
    assert "压力级制 为必填项" in refused
    inspector.post(url, data={**form, "extra.pressure": "中压"})
    with in_app():
        from app.models import Hazard

        confirmed = session().get(Hazard, unset_id)
        assert confirmed.state == "confirmed" and confirmed.extra == {"pressure": "中压"}


def test_a_report_with_a_photo_field_takes_images_only_and_shows_thumbnails(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        session().add(
            CustomField(
                name="gauge",
                label_zh="压力表照片",
                field_type="photo",
                required_from="report",
            )
        )
        session().commit()
        world = build_world()
        e1 = world.e1.id
    client = login("grid_a")
    form = client.get("/hazard/report").get_data(as_text=True)
    assert re.search(
        r'<input[^>]*multiple[^>]*name="extra.gauge"|name="extra.gauge"[^>]*multiple', form
    )

    def post(**files: Any) -> Any:
        data = {
            "title": "压力表失效",
            "description": "表盘破损",
            "enterprise_id": str(e1),
            "photo_ids": [(io.BytesIO(jpeg().content), "现场.jpg")],
            **files,
        }
        return client.post("/hazard/report", data=data, content_type="multipart/form-data")

    missing = post().get_data(as_text=True)
    assert "至少需要一张照片。" in missing
    not_image = post(**{"extra.gauge": [(io.BytesIO(b"%PDF-1.4 text"), "表.jpg")]})
    assert not_image.status_code == 200 and "表.jpg" in not_image.get_data(as_text=True)
    with in_app():
        assert session().query(Hazard).count() == 0
        assert session().query(Attachment).count() == 0
    accepted = post(**{"extra.gauge": [(io.BytesIO(jpeg().content), "表盘.jpg")]})
    assert accepted.status_code == 302
    with in_app():
        hazard = session().query(Hazard).one()
        gauge = session().query(Attachment).filter_by(original_name="表盘.jpg").one()
        assert hazard.extra == {"gauge": [gauge.id]}
    shown = client.get(accepted.headers["Location"]).get_data(as_text=True)
    assert f"/hazard/attachment/{gauge.id}?thumb=1" in shown
    # A retired field keeps its photos on the page.
    with in_app():
        session().query(CustomField).one().active_until = date.today() - timedelta(days=1)
        session().commit()
    shown = client.get(accepted.headers["Location"]).get_data(as_text=True)
    assert f"/hazard/attachment/{gauge.id}?thumb=1" in shown


def test_the_period_of_use_is_a_date_input_and_an_edit_saves_it(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        build_world()
        session().add(CustomField(name="un_number", label_zh="联合国编号", field_type="text"))
        session().commit()
        field_id = session().query(CustomField).one().id
    admin = login("admin")
    page = admin.get(f"/customfieldview/edit/{field_id}").get_data(as_text=True)
    # The browser's own date input, not FAB's datepicker (which wrote its stale date back).
    assert re.search(r'<input[^>]*id="active_until"[^>]*type="date"', page)
    assert 'data-provide="datepicker"' not in page
    form = {**FIELD, "field_type": "text", "choices": "", "filterable": ""}
    form.update(name="un_number", label_zh="联合国编号", active_from="2026-01-05")
    admin.post(f"/customfieldview/edit/{field_id}", data={**form, "active_until": "2026-11-20"})
    with in_app():
        row = session().get(CustomField, field_id)
        assert (str(row.active_from), str(row.active_until)) == ("2026-01-05", "2026-11-20")
    admin.post(f"/customfieldview/edit/{field_id}", data={**form, "active_until": ""})
    with in_app():
        assert session().get(CustomField, field_id).active_until is None
