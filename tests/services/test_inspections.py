"""Running a checklist: three failed items open three linked tickets; a failure opens none."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.domain.errors import InvalidError, NotFoundError
from app.domain.vocabulary import AttachmentKind, Grade, Source, State
from app.models import (
    Attachment,
    ChecklistItem,
    ChecklistTemplate,
    CustomField,
    DeterminationArticle,
    Hazard,
    Inspection,
    InspectionResult,
)
from app.services.attachments import NewFile
from app.services.inspections import (
    failures_by_item,
    inspection_of,
    opened_by_item,
    submit_inspection,
)
from app.services.transaction import atomic, session
from tests.factories import World, build_world, jpeg

pytestmark = pytest.mark.usefixtures("ctx")


def gas_checklist(world: World) -> ChecklistTemplate:
    article = session().query(DeterminationArticle).first()
    with atomic():
        template = ChecklistTemplate(code="GAS", version=1, name="燃气使用单位检查表")
        session().add(template)
        session().flush()
        texts = [
            ("报警装置", "可燃气体报警器安装并正常工作", True),
            ("管道", "燃气管道无锈蚀、无私接", False),
            ("管道", "阀门无泄漏", False),
            ("管理", "有燃气安全管理制度", False),
        ]
        for n, (section, text, major) in enumerate(texts):
            session().add(
                ChecklistItem(
                    template_id=template.id,
                    section=section,
                    text=text,
                    may_be_major=major,
                    category_id=world.category_id,
                    determination_article_id=article.id if major and article else None,
                    sort_order=n,
                )
            )
    session().refresh(template)
    return template


def answers(template: ChecklistTemplate, fail: int = 3) -> dict[int, tuple[str, str]]:
    items = template.items
    found = {item.id: ("fail", f"发现问题：{item.text}") for item in items[:fail]}
    found.update({item.id: ("pass", "") for item in items[fail:]})
    return found


def test_three_failed_items_open_three_tickets_linked_to_the_inspection() -> None:
    world = build_world()
    template = gas_checklist(world)
    photos = {template.items[1].id: [jpeg(name="管道锈蚀.jpg")]}
    inspection = submit_inspection(
        world["inspector_a"], template.id, world.e2.id, answers(template), photos
    )
    results = session().query(InspectionResult).filter_by(inspection_id=inspection.id).all()
    assert sorted(r.outcome for r in results) == ["fail", "fail", "fail", "pass"]
    tickets = [session().get(Hazard, r.hazard_id) for r in results if r.outcome == "fail"]
    assert len({t.id for t in tickets}) == 3
    assert {t.state for t in tickets} == {State.REPORTED.value}
    assert {t.enterprise_id for t in tickets} == {world.e2.id}
    assert {t.source for t in tickets} == {Source.ENFORCEMENT.value}
    first = next(t for t in tickets if "报警器" in t.title)
    assert first.grade == Grade.MAJOR.value and "发现问题" in first.description
    result = inspection_of(first)
    assert result is not None and result.inspection_id == inspection.id
    with_photo = next(t for t in tickets if "锈蚀" in t.title)
    assert session().query(Attachment).filter_by(hazard_id=with_photo.id).count() == 1
    counts = failures_by_item(world["district"])
    assert len(counts) == 3 and all(n == 1 for _id, _name, _text, n in counts)
    assert {name for _id, name, _text, _n in counts} == {"燃气使用单位检查表 v1"}
    assert failures_by_item(world["inspector_b"]) == []
    alarm = template.items[0].id
    opened = session().scalars(sa.select(Hazard.id).where(opened_by_item(alarm))).all()
    assert opened == [first.id]


def test_a_failure_mid_way_opens_no_ticket_at_all() -> None:
    world = build_world()
    template = gas_checklist(world)
    bad_photo = NewFile("不是照片.jpg", b"not an image", AttachmentKind.PHOTO)
    photos = {template.items[2].id: [bad_photo]}
    with pytest.raises(InvalidError) as refused:
        submit_inspection(world["inspector_a"], template.id, world.e2.id, answers(template), photos)
    # Named at the third item, whose ticket (after two were written) could not be opened.
    third = f"item-{template.items[2].id}"
    assert (
        third in refused.value.field_errors and f"{third}-photo_ids" in refused.value.field_errors
    )
    assert session().query(Hazard).count() == 0
    assert session().query(Inspection).count() == 0
    assert session().query(Attachment).count() == 0


def test_every_item_needs_an_answer_and_a_failure_a_description() -> None:
    world = build_world()
    template = gas_checklist(world)
    given = answers(template)
    given[template.items[0].id] = ("fail", "")
    del given[template.items[3].id]
    with pytest.raises(InvalidError) as refused:
        submit_inspection(world["inspector_a"], template.id, world.e2.id, given)
    assert set(refused.value.field_errors) == {
        f"item-{template.items[0].id}",
        f"item-{template.items[3].id}",
    }


def test_an_enterprise_checks_itself_but_not_its_neighbour() -> None:
    world = build_world()
    template = gas_checklist(world)
    own = submit_inspection(world["officer_e1"], template.id, world.e1.id, answers(template, 1))
    assert own.source == Source.SELF_CHECK.value
    with pytest.raises(NotFoundError):
        submit_inspection(world["officer_e1"], template.id, world.e2.id, answers(template, 1))


def required_field(world: World) -> None:
    """A field every ticket of the checklist's category must have from its report on."""
    with atomic():
        session().add(
            CustomField(
                name="pressure_class",
                label_zh="管道压力级制",
                field_type="choice",
                choices="低压\n中压",
                category_id=world.category_id,
                required_from="report",
            )
        )


def test_a_failure_s_ticket_takes_the_custom_fields_its_category_requires() -> None:
    world = build_world()
    required_field(world)
    template = gas_checklist(world)
    first = template.items[0].id
    with pytest.raises(InvalidError) as refused:
        submit_inspection(world["inspector_a"], template.id, world.e2.id, answers(template, 1))
    assert set(refused.value.field_errors) == {
        f"item-{first}",
        f"item-{first}-extra.pressure_class",
    }
    assert session().query(Inspection).count() == 0
    extra = {first: {"pressure_class": "中压"}}
    submit_inspection(
        world["inspector_a"], template.id, world.e2.id, answers(template, 1), extra=extra
    )
    assert session().query(Hazard).one().extra == {"pressure_class": "中压"}


def test_photos_go_with_a_failure_only() -> None:
    world = build_world()
    template = gas_checklist(world)
    passed = template.items[3].id
    photos = {passed: [jpeg(name="制度.jpg")]}
    with pytest.raises(InvalidError) as refused:
        submit_inspection(world["inspector_a"], template.id, world.e2.id, answers(template), photos)
    assert set(refused.value.field_errors) == {f"item-{passed}"}
    assert session().query(Hazard).count() == 0 and session().query(Attachment).count() == 0
