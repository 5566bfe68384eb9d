"""The workbooks an import hands out: the template, and the user's sheet with its errors.

The template's columns are the hazard list's (plus what only a ledger brings), so the same
schema goes out (export) and comes back in (import).
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import xlsxwriter
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from app.domain.ledger import IMPORTABLE_STATES
from app.domain.messages import N_, Translate
from app.domain.vocabulary import CategoryKind, Grade, Nature, Source
from app.models import Category, LedgerImport
from app.reports.columns import LEDGER_COLUMNS, TITLES
from app.services.ledger_import import (
    Languages,
    import_folder,
    open_sheet,
)
from app.services.transaction import session

INSTRUCTIONS = (
    N_("How to fill in the hazard ledger"),
    N_("One hazard per row, below the header row; a title row above the header is allowed."),
    N_(
        "Required: the description, the date discovered, the state, and the enterprise (or the"
        " township, for a hazard in a public place)."
    ),
    N_(
        "Give every row its ledger number (or its ticket code): importing the ledger again"
        " recognises those rows and creates nothing twice."
    ),
    N_("Dates may be written 2024-03-05, 2024/3/5, 2024年3月5日 or 2024.3.5."),
    N_("A hazard past confirmation needs its category and rectification deadline."),
    N_("A closed hazard needs its close date; a major hazard under control its control measures."),
    N_("Separate several control measures with a semicolon (；)."),
    N_("Days overdue and supervision are worked out by SafeLoop and ignored on import."),
    N_("Check the sheet first (dry run): every problem is listed with its row and column."),
)


def template_workbook(translate: Translate) -> bytes:
    """The import template: the ledger columns, drop-down lists and an instructions sheet."""
    book = Workbook()
    sheet = book.active
    sheet.title = translate(TITLES["hazard"])[:31]
    headers = [translate(column.header) for column in LEDGER_COLUMNS]
    sheet.append(headers)
    sheet.freeze_panes = "A2"
    lists = book.create_sheet("lists")
    lists.sheet_state = "hidden"
    categories = session().scalars(
        sa.select(Category.name)
        .where(Category.active.is_(True), Category.kind != CategoryKind.DOMAIN.value)
        .order_by(Category.code)
    )
    choices: dict[str, list[str]] = {
        "category": list(categories),
        "grade": [translate(g.label) for g in Grade],
        "source": [translate(s.label) for s in Source],
        "state": [translate(s.label) for s in IMPORTABLE_STATES],
        "nature": [translate(n.label) for n in Nature],
    }
    for index, column in enumerate(LEDGER_COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(10, round(column.width * 14))
        values = choices.get(column.key)
        if not values:
            continue
        list_column = get_column_letter(list(choices).index(column.key) + 1)
        for row, value in enumerate(values, start=1):
            lists[f"{list_column}{row}"] = value
        validation = DataValidation(
            type="list",
            formula1=f"=lists!${list_column}$1:${list_column}${len(values)}",
            allow_blank=True,
        )
        sheet.add_data_validation(validation)
        validation.add(f"{letter}2:{letter}10000")
    notes = book.create_sheet(translate(N_("Instructions"))[:31])
    for line in INSTRUCTIONS:
        notes.append([translate(line)])
    notes.column_dimensions["A"].width = 110
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def error_sheet(record: LedgerImport, translators: Sequence[Translate]) -> Path:
    """The user's own sheet again with an added error column, to fix and upload once more."""
    translate = translators[0]
    messages: dict[int, list[str]] = defaultdict(list)
    for error in record.errors or []:
        messages[int(error["row"])].append(f"{error['column']}: {error['message']}")
    book, sheet = open_sheet(import_folder() / record.stored_name, Languages.of(translators))
    target = import_folder() / f"errors-{record.id}.xlsx"
    out = xlsxwriter.Workbook(str(target), {"constant_memory": True})
    try:
        page = out.add_worksheet(translate(TITLES["hazard"])[:31])
        bold = out.add_format({"bold": True})
        day = out.add_format({"num_format": "yyyy-mm-dd"})
        red = out.add_format({"font_color": "#C00000", "text_wrap": True})
        header_row = sheet.header.row - 1
        width = len(sheet.header.cells)
        # The header and the data rows as they were (a title above may be merged cells).
        _write_row(page, 0, sheet.header.cells, bold, day)
        page.write_string(0, width, translate(N_("Errors")), bold)
        page.set_column(width, width, 60)
        page.freeze_panes(1, 0)
        for number, cells in sheet.rows:
            line = number - header_row - 1
            _write_row(page, line, cells, None, day)
            if number in messages:
                page.write_string(line, width, "\n".join(messages[number]), red)
        out.close()
    finally:
        book.close()
    return target


def _write_row(page: Any, line: int, cells: Sequence[Any], style: Any, day: Any) -> None:
    for index, value in enumerate(cells):
        if value is None or value == "":
            continue
        if isinstance(value, datetime | date):
            if not isinstance(value, datetime):
                value = datetime.combine(value, datetime.min.time())
            page.write_datetime(line, index, value, day)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            page.write_number(line, index, value)
        else:
            page.write_string(line, index, str(value), style)
