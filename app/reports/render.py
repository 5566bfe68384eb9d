"""Write a list's rows as CSV (UTF-8 with BOM), XLSX (write-only) or PDF (A4 landscape).

Each renderer consumes the row iterator once and keeps only what one page or one batch needs,
so a million-row register streams through in flat memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import xlsxwriter

from app.reports.columns import Column
from app.reports.pdf import PdfRegister
from app.reports.seal import Seal

Translate = Callable[[str], str]
Progress = Callable[[int], None]


@dataclass
class Summary:
    """Totals printed at the end of a register."""

    total: int = 0
    open: int = 0
    overdue: int = 0
    closed: int = 0
    closed_on_time: int = 0

    def add(self, row: dict[str, Any]) -> None:
        self.total += 1
        self.open += bool(row.get("_open"))
        self.overdue += bool(row.get("_overdue"))
        if row.get("_on_time") is not None:
            self.closed += 1
            self.closed_on_time += bool(row["_on_time"])

    @property
    def on_time_rate(self) -> str:
        """The on-time rectification rate; "/" when nothing was closed (never 0 % or 100 %)."""
        if not self.closed:
            return "/"
        return f"{100 * self.closed_on_time / self.closed:.1f}%"


@dataclass
class Heading:
    """What the top of a register says: title, scope, period, when and by whom."""

    title: str
    scope: str
    period: str
    generated_at: str
    generated_by: str
    labels: dict[str, str] = field(default_factory=dict)
    # Report id, rows digest and anchor, written into the file (issue 13).
    seal: Seal | None = None


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def counted(
    rows: Iterable[dict[str, Any]], summary: Summary, progress: Progress | None
) -> Iterator[dict[str, Any]]:
    for row in rows:
        summary.add(row)
        if progress is not None and summary.total % 500 == 0:
            progress(summary.total)
        yield row


def write_csv(
    out: BinaryIO,
    columns: Sequence[Column],
    rows: Iterable[dict[str, Any]],
    heading: Heading,
    translate: Translate,
) -> None:
    """CSV in UTF-8 with a BOM, so Chinese Windows Excel opens it as UTF-8."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    csv.writer(text).writerow([translate(c.header) for c in columns])
    writer = csv.writer(heading.seal.lines(text) if heading.seal else text)
    for row in rows:
        writer.writerow([text_of(row.get(c.key)) for c in columns])
    if heading.seal:
        text.write(heading.seal.trailer() + "\r\n")
    text.flush()
    text.detach()


def write_xlsx(
    out: BinaryIO,
    columns: Sequence[Column],
    rows: Iterable[dict[str, Any]],
    heading: Heading,
    translate: Translate,
) -> None:
    """One sheet, frozen header, column widths, dates as real dates.

    XlsxWriter in constant-memory mode writes each row to disk as it comes (flat memory, and
    about twice as fast as openpyxl's write-only mode on a million rows).
    """
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": False})
    sheet = book.add_worksheet(heading.title[:31])
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    for index, column in enumerate(columns):
        sheet.set_column(index, index, max(10, round(column.width * 14)))
    sheet.freeze_panes(1, 0)
    sheet.write_row(0, 0, [translate(column.header) for column in columns], bold)
    # The writer of each column is chosen once from its kind, not by testing every cell.
    cells = [
        (index, column.key, _cell_writer(sheet, column.kind, day))
        for index, column in enumerate(columns)
    ]
    keys = [column.key for column in columns]
    seal = heading.seal
    for number, row in enumerate(rows, start=1):
        if seal:
            seal.values([row.get(key) for key in keys])
        for index, key, write in cells:
            value = row.get(key)
            if value is not None and value != "":
                write(number, index, value)
    if seal:
        book.set_properties({"title": heading.title, "comments": seal.trailer()})
        for name, value in seal.properties().items():
            book.set_custom_property(name, value)
    book.close()


def _cell_writer(sheet: Any, kind: str, day: Any) -> Callable[[int, int, Any], Any]:
    """How one column's values go into the sheet: dates as real dates, figures as numbers."""
    if kind == "date":
        return lambda row, col, value: sheet.write_datetime(row, col, value, day)
    if kind in ("int", "decimal"):
        return lambda row, col, value: sheet.write_number(row, col, float(value))
    return lambda row, col, value: sheet.write_string(row, col, str(value))


def write_pdf(
    out: BinaryIO,
    columns: Sequence[Column],
    rows: Iterable[dict[str, Any]],
    heading: Heading,
    translate: Translate,
    summary: Summary,
) -> str | None:
    """The register as a PDF; returns a note when no embeddable Chinese font was found."""
    register = PdfRegister(
        heading, [translate(c.header) for c in columns], [c.width for c in columns]
    )
    cells = ([text_of(row.get(c.key)) for c in columns] for row in rows)
    return register.write(out, heading.seal.cells(cells) if heading.seal else cells, summary)


def render(
    fmt: str,
    target: Path,
    columns: Sequence[Column],
    rows: Iterable[dict[str, Any]],
    heading: Heading,
    translate: Translate,
    progress: Progress | None = None,
) -> tuple[Summary, str | None]:
    """Write ``rows`` to ``target`` in ``fmt``; return the summary and any font note."""
    summary = Summary()
    stream = counted(rows, summary, progress)
    note = None
    with target.open("wb") as out:
        if fmt == "csv":
            write_csv(out, columns, stream, heading, translate)
        elif fmt == "xlsx":
            write_xlsx(out, columns, stream, heading, translate)
        elif fmt == "pdf":
            note = write_pdf(out, columns, stream, heading, translate, summary)
        else:
            raise ValueError(f"unknown format {fmt}")
    return summary, note
