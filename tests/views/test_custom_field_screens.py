"""The custom-field screens: the admin's refusals, the register's filter, the transition form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from app.domain.lifecycle import Action
from app.models import CustomField
from app.services.transaction import session
from tests.factories import build_world, report

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
