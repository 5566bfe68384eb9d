"""Ledgers built in the tests: real .xlsx workbooks, as messy as offices make them."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

# A township's own ledger headers (variants of the template's), in its own order.
LEDGER_HEADERS = [
    "台账编号",
    "企业名称",
    "统一社会信用代码",
    "隐患内容",
    "隐患类别",
    "隐患级别",
    "发现日期",
    "整改时限",
    "状态",
    "销号日期",
    "管控措施",
]


def ledger_row(**values: Any) -> dict[str, Any]:
    """A good row for enterprise 甲机械厂 (township 甲镇), overridable per header."""
    row: dict[str, Any] = {
        "台账编号": "JZ-001",
        "企业名称": "甲机械厂",
        "统一社会信用代码": "",
        "隐患内容": "二号车间配电箱未接地",
        "隐患类别": "用电安全",
        "隐患级别": "一般",
        "发现日期": "2024-3-5",
        "整改时限": "2024/03/20",
        "状态": "整改中",
        "销号日期": None,
        "管控措施": "",
    }
    row.update(values)
    return row


def workbook_bytes(
    rows: Sequence[dict[str, Any]],
    headers: Sequence[str] = LEDGER_HEADERS,
    title: str | None = "甲镇安全隐患排查治理台账（2024年）",
) -> bytes:
    """A workbook with an optional merged title row above the header, then the rows."""
    book = Workbook()
    sheet = book.active
    sheet.title = "台账"
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.append(list(headers))
    for row in rows:
        sheet.append([row.get(header) for header in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
