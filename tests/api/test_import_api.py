"""Ledger import through the API: template, dry run in the user's language, 202 and status."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from app.jobs import import_ledger_job
from tests.api.conftest import ApiUsers
from tests.factories import World
from tests.imports.sheets import ledger_row, workbook_bytes

URL = "/api/v1/import/"


def upload(api: ApiUsers, user: str, content: bytes, **form: str) -> object:
    return api.client.post(
        URL,
        headers=api.headers(user),
        data={"file": (io.BytesIO(content), "甲镇台账.xlsx"), **form},
        content_type="multipart/form-data",
    )


def test_the_template_has_the_hazard_list_columns_and_drop_downs(api: ApiUsers) -> None:
    response = api.get("inspector_a", f"{URL}template")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.get_data()))
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:3] == ["隐患编号", "企业", "所属区域"] and "销号日期" in headers
    validated = {str(v.sqref).split(":")[0] for v in sheet.data_validations.dataValidation}
    letters = {header: f"{chr(ord('A') + i)}2" for i, header in enumerate(headers) if i < 26}
    assert {letters[h] for h in ("隐患类别", "隐患级别", "隐患来源", "状态")} <= validated
    assert len(book.sheetnames) == 3  # the list, the hidden drop-down values, the instructions


def test_a_dry_run_then_a_real_import_with_its_status(api: ApiUsers, world: World) -> None:
    sheet = workbook_bytes([ledger_row(), ledger_row(台账编号="JZ-002", 发现日期="明天")])
    checked = upload(api, "inspector_a", sheet, dry_run="true")
    assert checked.status_code == 200
    body = checked.get_json()
    assert (body["rows"], body["new"], body["existing"]) == (2, 1, 0)
    assert body["errors"] == [
        {"row": 4, "column": "发现日期", "message": body["errors"][0]["message"]}
    ]
    assert "明天" in body["errors"][0]["message"]

    queued = upload(api, "inspector_a", sheet, dry_run="false", mode="valid")
    assert queued.status_code == 202
    import_id = queued.get_json()["id"]
    assert queued.get_json()["status"] == "queued"
    import_ledger_job(import_id)
    status = api.get("inspector_a", f"{URL}{import_id}").get_json()
    assert status["status"] == "finished" and status["progress"] == 100
    assert (status["imported"], len(status["errors"])) == (1, 1)
    errors = api.get("inspector_a", f"{URL}{import_id}/errors")
    book = load_workbook(io.BytesIO(errors.get_data()))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][-1] == "错误" and rows[2][-1] and "明天" in rows[2][-1]
    for outsider in ("inspector_b", "officer_e1", "grid_a"):
        assert api.get(outsider, f"{URL}{import_id}").status_code in (403, 404)
    assert api.get("district", f"{URL}{import_id}").status_code == 200


def test_an_old_xls_file_is_refused_with_what_to_do(api: ApiUsers) -> None:
    old = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    refused = upload(api, "inspector_a", old)
    assert refused.status_code == 422
    assert ".xlsx" in refused.get_json()["fields"]["file"]
    assert upload(api, "auditor", old).status_code == 403
