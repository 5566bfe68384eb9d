"""Running a checklist on the screens: a phone form, the tickets it opens, the printed record."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from pypdf import PdfReader

from app.models import Hazard, Inspection
from app.services.transaction import session
from tests.factories import build_world
from tests.services.test_inspections import gas_checklist


def test_an_inspector_runs_a_checklist_and_three_tickets_appear(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        world = build_world()
        template = gas_checklist(world)
        template_id, enterprise_id = template.id, world.e2.id
        items = [item.id for item in template.items]
    inspector = login("inspector_a")
    chooser = inspector.get("/inspection/run").get_data(as_text=True)
    assert "燃气使用单位检查表" in chooser and "甲化工厂" in chooser
    url = f"/inspection/run?enterprise_id={enterprise_id}&template_id={template_id}"
    page = inspector.get(url).get_data(as_text=True)
    assert page.count('class="form-group sl-item') == 4

    form: dict[str, Any] = {"enterprise_id": enterprise_id, "template_id": template_id}
    for n, item_id in enumerate(items):
        form[f"item-{item_id}"] = "fail" if n < 3 else "pass"
        form[f"item-{item_id}-note"] = f"问题{n}" if n < 3 else ""
    form[f"item-{items[0]}-note"] = ""
    refused = inspector.post("/inspection/run", data=form).get_data(as_text=True)
    assert "描述" in refused or "Describe" in refused
    with in_app():
        assert session().query(Hazard).count() == 0
    form[f"item-{items[0]}-note"] = "报警器损坏"
    done = inspector.post("/inspection/run", data=form)
    assert done.status_code == 302
    shown = inspector.get(done.headers["Location"]).get_data(as_text=True)
    tickets = re.findall(r'href="/hazard/show/(\d+)"', shown)
    assert len(tickets) == 3
    ticket_page = inspector.get(f"/hazard/show/{tickets[0]}").get_data(as_text=True)
    assert "sl-opened-by" in ticket_page and "燃气使用单位检查表" in ticket_page

    with in_app():
        inspection_id = session().query(Inspection).one().id
    record = inspector.get(f"/inspection/record/{inspection_id}")
    assert record.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(record.data)).pages)
    assert "现场检查记录" in text and "报警器损坏" in text and "甲化工厂" in text
    enterprise_page = inspector.get(f"/enterpriseview/show/{enterprise_id}").get_data(as_text=True)
    assert "燃气使用单位检查表" in enterprise_page
    listing = inspector.get("/inspection/list/").get_data(as_text=True)
    assert "sl-failures" in listing and "可燃气体报警器安装并正常工作" in listing
    # Each count links to the register of the tickets that item's failures opened.
    links = re.findall(r'href="(/hazard/list/\?checklist_item=\d+)"', listing)
    assert len(links) == 3
    register = inspector.get(links[0]).get_data(as_text=True)
    assert len(set(re.findall(r"/hazard/show/(\d+)", register))) == 1

    # Another township's inspector sees none of it.
    other = login("inspector_b")
    assert other.get(f"/inspection/show/{inspection_id}").status_code == 404
    assert other.get(f"/inspection/record/{inspection_id}").status_code == 404


def test_a_used_version_is_frozen_and_a_new_version_takes_the_changes(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    from app.models import ChecklistItem, ChecklistTemplate
    from app.services.inspections import submit_inspection
    from tests.services.test_inspections import answers

    with in_app():
        world = build_world()
        template = gas_checklist(world)
        v1, item_id = template.id, template.items[0].id
        inspection = submit_inspection(world["inspector_a"], v1, world.e2.id, answers(template, 1))
        inspection_id = inspection.id
    admin = login("admin")
    item = {"template": v1, "section": "管理", "text": "新项", "sort_order": "9"}
    refused = admin.post("/checklistitemview/add", data=item, follow_redirects=True)
    assert "请新建版本" in refused.get_data(as_text=True)
    renamed = {"name": "改名的检查表", "industry": "", "active": "y"}
    refused = admin.post(f"/checklisttemplateview/edit/{v1}", data=renamed, follow_redirects=True)
    assert "请新建版本" in refused.get_data(as_text=True)
    moved = {**item, "text": "阀门无泄漏（改）"}
    admin.post(f"/checklistitemview/edit/{item_id}", data=moved, follow_redirects=True)
    with in_app():
        assert session().query(ChecklistItem).filter_by(template_id=v1).count() == 4
        assert session().get(ChecklistTemplate, v1).name == "燃气使用单位检查表"
        assert session().get(ChecklistItem, item_id).text == "可燃气体报警器安装并正常工作"
    # A new version copies the items; it changes freely, and the inspection keeps version 1.
    admin.post(f"/checklisttemplateview/new_version/{v1}")
    with in_app():
        v2 = session().query(ChecklistTemplate).filter_by(code="GAS", version=2).one()
        v2_id = v2.id
        assert len(v2.items) == 4 and not session().get(ChecklistTemplate, v1).active
    admin.post("/checklistitemview/add", data={**item, "template": v2_id})
    admin.post(f"/checklisttemplateview/edit/{v2_id}", data=renamed)
    with in_app():
        assert session().query(ChecklistItem).filter_by(template_id=v2_id).count() == 5
        assert session().get(ChecklistTemplate, v2_id).name == "改名的检查表"
        assert session().get(Inspection, inspection_id).template_id == v1


def test_the_run_page_asks_a_failure_for_the_fields_its_ticket_requires(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    from app.models import Attachment
    from tests.factories import jpeg
    from tests.services.test_inspections import required_field

    with in_app():
        world = build_world()
        required_field(world)
        template = gas_checklist(world)
        template_id, enterprise_id = template.id, world.e2.id
        items = [item.id for item in template.items]
    inspector = login("inspector_a")
    url = f"/inspection/run?enterprise_id={enterprise_id}&template_id={template_id}"
    page = inspector.get(url).get_data(as_text=True)
    field = f"item-{items[0]}-extra.pressure_class"
    assert f'name="{field}"' in page and "管道压力级制" in page
    form: dict[str, Any] = {"enterprise_id": enterprise_id, "template_id": template_id}
    for n, item_id in enumerate(items):
        form[f"item-{item_id}"] = "fail" if n == 0 else "pass"
    form[f"item-{items[0]}-note"] = "报警器损坏"
    refused = inspector.post("/inspection/run", data=form).get_data(as_text=True)
    assert re.search(rf'data-field="{re.escape(field)}">.*?为必填项', refused, re.S)
    with in_app():
        assert session().query(Hazard).count() == 0
    photo = jpeg(name="报警器.jpg")
    upload = {f"item-{items[0]}-photo_ids": (io.BytesIO(photo.content), photo.name)}
    done = inspector.post("/inspection/run", data={**form, field: "中压", **upload})
    assert done.status_code == 302
    with in_app():
        opened = session().query(Hazard).one()
        assert opened.extra == {"pressure_class": "中压"}
        assert session().query(Attachment).filter_by(hazard_id=opened.id).count() == 1


def test_the_printed_record_keeps_the_photos_taken_at_the_inspection_only(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    from app.domain.lifecycle import Action
    from app.services.inspections import submit_inspection
    from tests.factories import fire, jpeg
    from tests.services.test_inspections import answers

    with in_app():
        world = build_world()
        template = gas_checklist(world)
        failed = template.items[1].id
        photos = {failed: [jpeg(name="管道锈蚀.jpg")]}
        inspection = submit_inspection(
            world["inspector_a"], template.id, world.e2.id, answers(template), photos
        )
        inspection_id = inspection.id
        opened = next(r.hazard_id for r in inspection.results if r.item_id == failed)

    def images() -> int:
        pdf = login("inspector_a").get(f"/inspection/record/{inspection_id}").data
        return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)

    assert images() == 1
    with in_app():
        later = session().get(Hazard, opened)
        fire(world, "inspector_a", later, Action.ADD_ATTACHMENT, files=[jpeg(name="整改后.jpg")])
    assert images() == 1


def test_confirming_a_ticket_a_checklist_opened_starts_from_the_clause_it_checks(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    from app.services.inspections import submit_inspection
    from tests.services.test_inspections import answers

    with in_app():
        world = build_world()
        template = gas_checklist(world)
        alarm = template.items[0]  # may be major; checks a clause
        article_id = alarm.determination_article_id
        inspection = submit_inspection(
            world["inspector_a"], template.id, world.e2.id, answers(template, 1)
        )
        opened = inspection.results[0].hazard_id
    assert article_id is not None
    page = login("inspector_a").get(f"/hazard/{opened}/transition/confirm").get_data(True)
    assert re.search(
        rf'<option selected value="{article_id}"|<option value="{article_id}" selected', page
    )
