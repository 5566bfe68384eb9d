"""An inspector brings in a messy ledger in a real browser: errors first, then the rest."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app.jobs import import_ledger_job
from tests.e2e.conftest import Screens
from tests.e2e.test_browser_loop import User
from tests.factories import build_world
from tests.imports.sheets import ledger_row, workbook_bytes

pytestmark = pytest.mark.slow


def test_an_inspector_fixes_nothing_yet_imports_the_valid_rows(
    app: Flask, browser: Any, live_server: str, screens: Screens, tmp_path: Path
) -> None:
    with app.app_context():
        build_world()
    ledger = tmp_path / "甲镇台账.xlsx"
    ledger.write_bytes(
        workbook_bytes(
            [
                ledger_row(),
                ledger_row(台账编号="JZ-002", 发现日期="2024-02-30"),
                ledger_row(台账编号="JZ-003", 企业名称="乙食品厂"),
                ledger_row(台账编号="JZ-004", 状态="已整改", 销号日期="2024年3月19日"),
            ]
        )
    )
    inspector = User(browser, live_server, "inspector_a", screens)
    page = inspector.page
    page.goto(f"{live_server}/imports/")
    screens.shot(page, "import-screen")
    page.set_input_files("#file", str(ledger))
    with page.expect_navigation():
        page.click("#import-form button[type=submit]")
    screens.shot(page, "checked")
    errors = [row.split("\t") for row in page.locator("#import-errors tr").all_inner_texts()]
    assert [row[:2] for row in errors[1:]] == [["4", "发现日期"], ["5", "企业名称"]]
    assert "2024-02-30" in errors[1][2] and "乙食品厂" in errors[2][2]
    assert page.locator(".sl-new").inner_text() == "2"
    with page.expect_navigation():
        page.click("#import-valid")
    import_id = int(re.search(r"/imports/(\d+)", page.url)[1])  # type: ignore[index]
    with app.app_context():
        import_ledger_job(import_id)  # what the worker does (no Redis in the tests)
    page.reload()
    screens.shot(page, "imported")
    assert page.locator(".sl-imported").inner_text() == "2"
    assert page.locator("#error-sheet").count() == 1
    inspector.context.close()
