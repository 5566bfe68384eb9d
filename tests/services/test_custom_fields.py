"""Fields an administrator adds to a category, as the lifecycle service asks for and keeps them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from app.domain.errors import InvalidError
from app.domain.lifecycle import Action
from app.domain.messages import LocalText
from app.domain.vocabulary import AttachmentKind
from app.models import Attachment, Category, CustomField, Hazard, HazardEvent
from app.services import custom_fields
from app.services.attachments import NewFile
from app.services.lifecycle import fire_transition, report_hazard
from app.services.scoping import hazards_for
from app.services.transaction import atomic, session
from tests.factories import World, build_world, confirm, fire, jpeg, report
from tests.reports.test_registers import csv_rows, produce

pytestmark = pytest.mark.usefixtures("ctx")


def category_id(code: str) -> int:
    return session().query(Category).filter(Category.code == code).one().id


def add_field(**values: Any) -> CustomField:
    defaults: dict[str, Any] = {
        "name": "un_number",
        "label_zh": "联合国编号",
        "label_en": "UN number",
        "field_type": "text",
    }
    with atomic():
        row = CustomField(**{**defaults, **values})
        custom_fields.check_saved_definition(row)
        session().add(row)
    return row


def zh(msgid: str) -> str:
    return "zh" if msgid.startswith("language of") else msgid


def test_a_field_required_from_report_on_refuses_a_report_without_it() -> None:
    world = build_world()
    add_field(category_id=category_id("XC"), required_from="report")
    with pytest.raises(InvalidError) as refused:
        report(world, category_id=world.category_id)
    message = refused.value.field_errors["extra.un_number"]
    assert message.render(zh) == "联合国编号 is required."
    assert message.render() == "UN number is required."
    assert session().query(Hazard).count() == 0

    hazard = report(world, category_id=world.category_id, extra={"un_number": "UN1075"})
    assert hazard.extra == {"un_number": "UN1075"}
    first = session().query(HazardEvent).filter(HazardEvent.hazard_id == hazard.id).one()
    assert first.data["extra"] == {"un_number": "UN1075"}


def test_a_field_of_another_category_is_neither_asked_nor_stored() -> None:
    world = build_world()
    add_field(category_id=category_id("JC"), required_from="report")
    hazard = report(world, category_id=world.category_id, extra={"un_number": "UN1075"})
    assert hazard.extra == {}


def test_a_field_required_from_confirm_on_is_asked_at_confirmation() -> None:
    world = build_world()
    add_field(
        name="pressure",
        label_zh="压力级制",
        label_en="Pressure",
        field_type="choice",
        choices="低压\n中压\n次高压",
        required_from="confirm",
    )
    hazard = report(world)
    with pytest.raises(InvalidError) as refused:
        confirm(world, hazard)
    assert set(refused.value.field_errors) == {"extra.pressure"}
    with pytest.raises(InvalidError) as refused:
        confirm(world, hazard, extra={"pressure": "超高压"})
    assert "超高压" in refused.value.field_errors["extra.pressure"].render()
    hazard = confirm(world, hazard, extra={"pressure": "中压"})
    assert hazard.extra == {"pressure": "中压"}
    # Later stages find it filled: nothing more to ask.
    assert fire(
        world,
        "officer_e1",
        hazard,
        Action.CONTROL,
        measures=[{"kind": "cordon", "description": "警戒"}],
    ).extra == {"pressure": "中压"}


def test_numbers_dates_and_yes_no_are_checked_and_kept_as_json() -> None:
    world = build_world()
    add_field(name="quantity", label_zh="储存量", field_type="number", unit="t")
    add_field(name="permit_on", label_zh="许可日期", field_type="date")
    add_field(name="licensed", label_zh="是否持证", field_type="bool")
    with pytest.raises(InvalidError) as refused:
        report(world, extra={"quantity": "很多", "permit_on": "昨天"})
    assert set(refused.value.field_errors) == {"extra.quantity", "extra.permit_on"}
    hazard = report(world, extra={"quantity": "12.5", "permit_on": "2026-01-02", "licensed": "no"})
    assert hazard.extra == {"quantity": "12.5", "permit_on": "2026-01-02", "licensed": False}


def test_a_retired_field_is_no_longer_asked_but_its_values_stay() -> None:
    world = build_world()
    row = add_field(required_from="report")
    hazard = report(world, extra={"un_number": "UN1075"})
    with atomic():
        session().get(CustomField, row.id).active_until = date.today() - timedelta(days=1)
    later = report(world)
    assert later.extra == {}
    session().refresh(hazard)
    shown = custom_fields.display_values(hazard.extra, custom_fields.definitions())
    assert [(d.label if d else None, value) for d, _name, value in shown] == [
        (LocalText("联合国编号", "UN number"), "UN1075")
    ]


def test_a_fields_type_and_name_cannot_change_once_tickets_hold_values() -> None:
    world = build_world()
    row = add_field()
    with atomic():
        editing = session().get(CustomField, row.id)
        editing.field_type = "number"
        custom_fields.check_saved_definition(editing)  # no values yet: allowed
        editing.field_type = "text"
    report(world, extra={"un_number": "UN1075"})
    for change in ({"field_type": "number"}, {"name": "un_no"}):
        editing = session().get(CustomField, row.id)
        for name, value in change.items():
            setattr(editing, name, value)
        with pytest.raises(InvalidError) as refused:
            custom_fields.check_saved_definition(editing)
        assert set(refused.value.field_errors) == set(change)
        session().rollback()


def test_a_removed_choice_keeps_its_old_values_and_a_filter_finds_them() -> None:
    world = build_world()
    row = add_field(
        name="pressure",
        label_zh="压力级制",
        field_type="choice",
        choices="低压\n中压",
        filterable=True,
    )
    old = report(world, extra={"pressure": "低压"})
    report(world, extra={"pressure": "中压"})
    with atomic():
        session().get(CustomField, row.id).choices = "中压\n次高压"
    with pytest.raises(InvalidError):
        report(world, extra={"pressure": "低压"})
    session().refresh(old)
    assert old.extra == {"pressure": "低压"}
    found = _filtered(world, {"extra.pressure": "低压"})
    assert [h.id for h in found] == [old.id]


def test_a_filter_on_a_field_not_marked_filterable_is_ignored() -> None:
    world = build_world()
    add_field()
    report(world, extra={"un_number": "UN1075"})
    report(world)
    assert len(_filtered(world, {"extra.un_number": "UN9999"})) == 2


def test_a_yes_no_filter_matches_stored_booleans() -> None:
    world = build_world()
    add_field(name="licensed", label_zh="是否持证", field_type="bool", filterable=True)
    yes = report(world, extra={"licensed": "yes"})
    report(world, extra={"licensed": "no"})
    assert [h.id for h in _filtered(world, {"extra.licensed": "yes"})] == [yes.id]


def _filtered(world: World, args: dict[str, str]) -> list[Hazard]:
    query = hazards_for(world["district"])
    condition = custom_fields.extra_filters(args)
    if condition is not None:
        query = query.where(condition)
    return list(session().scalars(query.order_by(Hazard.id)))


def test_the_hazard_and_rectification_lists_carry_each_field_as_a_column() -> None:
    world = build_world()
    add_field(
        name="quantity", label_zh="储存量", label_en="Quantity", field_type="number", unit="t"
    )
    retired = add_field()
    hazard = report(world, extra={"quantity": "12.5", "un_number": "UN1075"})
    with atomic():  # retired after the report: its column and value stay in the lists
        session().get(CustomField, retired.id).active_until = date.today() - timedelta(days=1)
    inspector = world["inspector_a"]
    _, path = produce(inspector, "hazard", "csv")
    header, row = csv_rows(path)
    assert header[-2:] == ["储存量 (t)", "联合国编号"]
    assert row[0] == hazard.code and row[-2:] == ["12.5", "UN1075"]
    _, path = produce(inspector, "rectification", "xlsx")
    values = list(load_workbook(path).active.iter_rows(values_only=True))
    assert values[0][-2:] == ("储存量 (t)", "联合国编号")
    assert values[1][-2:] == (12.5, "UN1075")


def test_a_photo_field_holds_the_ids_of_photos_uploaded_for_it() -> None:
    world = build_world()
    add_field(name="gauge", label_zh="压力表照片", label_en="Gauge photo", field_type="photo")
    values = {"title": "压力表失效", "description": "表盘破损", "enterprise_id": world.e1.id}
    gauge = replace(jpeg(name="表盘.jpg"), field="gauge")
    hazard = report_hazard(world["grid_a"], values, [jpeg(), gauge])
    stored = {a.original_name: a.id for a in hazard_attachments(hazard.id)}
    assert hazard.extra == {"gauge": [stored["表盘.jpg"]]}
    first = session().query(HazardEvent).filter(HazardEvent.hazard_id == hazard.id).one()
    assert first.data["extra"] == {"gauge": [stored["表盘.jpg"]]}
    # A later transition may add one more photo, by upload; the earlier one stays.
    hazard = confirm_with(world, hazard, [replace(jpeg(name="二.jpg"), field="gauge")])
    stored = {a.original_name: a.id for a in hazard_attachments(hazard.id)}
    assert hazard.extra == {"gauge": [stored["表盘.jpg"], stored["二.jpg"]]}
    # The list counts the photos.
    _, path = produce(world["inspector_a"], "hazard", "csv")
    header, row = csv_rows(path)
    assert header[-1] == "压力表照片" and row[-1] == "2"


def test_a_photo_field_required_from_confirm_needs_a_photo_of_the_ticket() -> None:
    world = build_world()
    add_field(name="gauge", label_zh="压力表照片", field_type="photo", required_from="confirm")
    hazard = report(world)
    other = report(world)
    with pytest.raises(InvalidError) as refused:
        confirm(world, hazard)
    assert refused.value.field_errors["extra.gauge"].render() == "At least one photo is required."
    foreign = hazard_attachments(other.id)[0].id
    with pytest.raises(InvalidError) as refused:
        confirm(world, hazard, extra={"gauge": [foreign]})
    assert "does not belong" in refused.value.field_errors["extra.gauge"].render()
    with pytest.raises(InvalidError) as refused:
        confirm_with(
            world, hazard, [NewFile("x.jpg", b"not an image", AttachmentKind.PHOTO, "gauge")]
        )
    assert set(refused.value.field_errors) == {"extra.gauge"}
    own = hazard_attachments(hazard.id)[0].id
    assert confirm(world, hazard, extra={"gauge": [own]}).extra == {"gauge": [own]}


def hazard_attachments(hazard_id: int) -> list[Attachment]:
    return (
        session()
        .query(Attachment)
        .filter(Attachment.hazard_id == hazard_id)
        .order_by(Attachment.id)
        .all()
    )


def confirm_with(world: World, hazard: Hazard, files: list[NewFile]) -> Hazard:
    values = {
        "grade": "general",
        "category_id": world.category_id,
        "responsible_unit": "甲机械厂",
        "responsible_person": "赵总",
    }
    return fire_transition(
        world["inspector_a"], hazard.id, Action.CONFIRM, values, hazard.version, files
    )
