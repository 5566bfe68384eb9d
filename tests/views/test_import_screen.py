"""The import screen: an inspector uploads a messy ledger, sees the errors, imports the rest."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient

from app.jobs import import_ledger_job
from app.models import Hazard
from app.services.transaction import session
from tests.factories import build_world
from tests.imports.sheets import ledger_row, workbook_bytes


def test_an_inspector_checks_a_ledger_then_imports_the_valid_rows(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        build_world()
    client = login("inspector_a")
    assert "台账" in client.get("/imports/").get_data(as_text=True)
    sheet = workbook_bytes([ledger_row(), ledger_row(台账编号="JZ-002", 隐患类别="不存在的类别")])
    checked = client.post(
        "/imports/",
        data={"file": (io.BytesIO(sheet), "甲镇台账.xlsx")},
        content_type="multipart/form-data",
    )
    assert checked.status_code == 302
    page = client.get(checked.headers["Location"]).get_data(as_text=True)
    assert "不存在的类别" in page and "隐患类别" in page
    assert 'id="import-valid"' in page
    import_id = int(re.search(r"/imports/(\d+)", checked.headers["Location"])[1])  # type: ignore[index]
    queued = client.post(f"/imports/{import_id}/run", data={"mode": "valid"})
    assert queued.status_code == 302
    # No job service in the tests: the import waits, and can be queued again from its page.
    waiting = client.get(f"/imports/{import_id}").get_data(as_text=True)
    assert 'id="requeue-form"' in waiting and 'id="import-valid"' not in waiting
    assert client.post(f"/imports/{import_id}/run", data={"mode": "valid"}).status_code == 302
    with in_app():
        import_ledger_job(import_id)
        codes = list(session().scalars(sa.select(Hazard.ledger_no)))
    assert codes == ["JZ-001"]
    done = client.get(f"/imports/{import_id}").get_data(as_text=True)
    assert 'class="sl-imported">1<' in done
    sheet_with_errors = client.get(f"/imports/{import_id}/errors")
    assert sheet_with_errors.status_code == 200
    assert sheet_with_errors.mimetype.endswith("spreadsheetml.sheet")
    again = client.post(f"/imports/{import_id}/run", data={"mode": "valid"})
    assert again.status_code == 302  # already imported: refused with a message, nothing runs
    assert client.get("/imports/").status_code == 200
    assert login("grid_a").get("/imports/").status_code == 403


def test_an_old_xls_file_is_refused_on_the_screen(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    with in_app():
        build_world()
    client = login("inspector_a")
    refused = client.post(
        "/imports/",
        data={"file": (io.BytesIO(b"\xd0\xcf\x11\xe0" + b"\0" * 100), "old.xls")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert ".xlsx" in refused.get_data(as_text=True)
