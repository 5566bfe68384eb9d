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
