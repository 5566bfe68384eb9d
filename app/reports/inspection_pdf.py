"""The record of an inspection (现场检查记录) as a PDF: items, findings, photos, signature lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.domain.messages import N_, Translate
from app.reports.pdf import register_font


@dataclass(frozen=True)
class RecordLine:
    """One checked item as the record prints it."""

    section: str
    text: str
    clause: str
    outcome: str
    note: str
    ticket: str
    photos: Sequence[Path] = field(default_factory=tuple)


@dataclass(frozen=True)
class InspectionRecord:
    title: str
    facts: Sequence[tuple[str, str]]
    lines: Sequence[RecordLine]


def write_record(out: BinaryIO, record: InspectionRecord, translate: Translate) -> None:
    """A4 portrait: the facts, one row per item, the failed items' photos, two signatures."""
    font, _note = register_font()
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=16, leading=22, alignment=1)
    story: list[object] = [Paragraph(record.title, head), Spacer(1, 4 * mm)]
    facts = [[Paragraph(k, body), Paragraph(v, body)] for k, v in record.facts]
    story.append(Table(facts, colWidths=[35 * mm, 145 * mm], style=_grid()))
    story.append(Spacer(1, 4 * mm))
    header = [
        translate(label)
        for label in (
            N_("Section"),
            N_("Item"),
            N_("Clause"),
            N_("Result"),
            N_("Finding"),
            N_("Ticket"),
        )
    ]
    rows = [[Paragraph(h, body) for h in header]]
    for line in record.lines:
        cells = (line.section, line.text, line.clause, line.outcome, line.note, line.ticket)
        rows.append([Paragraph(_escape(c), body) for c in cells])
    widths = [22 * mm, 50 * mm, 30 * mm, 16 * mm, 40 * mm, 22 * mm]
    story.append(Table(rows, colWidths=widths, repeatRows=1, style=_grid()))
    for line in record.lines:
        for photo in line.photos:
            story.append(Spacer(1, 3 * mm))
            story.append(Paragraph(_escape(f"{line.ticket} {line.text}"), body))
            story.append(Image(str(photo), width=60 * mm, height=45 * mm, kind="proportional"))
    story.append(Spacer(1, 12 * mm))
    signatures = [
        [
            Paragraph(translate(N_("Inspector (signature):")), body),
            Paragraph(translate(N_("Enterprise representative (signature):")), body),
        ],
        [Paragraph(translate(N_("Date:")), body), Paragraph(translate(N_("Date:")), body)],
    ]
    story.append(Table(signatures, colWidths=[90 * mm, 90 * mm], rowHeights=[14 * mm, 8 * mm]))
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=record.title,
    )
    document.build(story)


def _grid() -> TableStyle:
    return TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")
    )
