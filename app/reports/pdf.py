"""PDF registers with ReportLab: A4 landscape, an embedded Chinese font, streamed rows.

- The font is a TrueType CJK font embedded as a subset (``SAFELOOP_PDF_FONT`` or a well-known
  path). ReportLab's ``STSong-Light`` is a last resort: it is not embedded and shows as empty
  boxes where the reader has no Chinese font, so the report says so.
- Rows arrive as an iterator and are cut into small tables that flow from page to page; the
  column header is drawn by the page template, so it is on every page without repeating it
  inside the flow, and nothing holds more than one chunk of rows.
- "第 x 页 / 共 y 页" uses a form XObject for y, filled in once the last page is known, so no
  page has to be kept in memory or rendered twice.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from flask import current_app, has_app_context
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

FONT_NAME = "SafeLoopCJK"
FALLBACK_FONT = "STSong-Light"
# TrueType-outline Chinese fonts in their usual places (Debian, Windows, macOS).
WELL_KNOWN_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
    "/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf",
    "C:/Windows/Fonts/simsun.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "/System/Library/Fonts/Supplemental/Songti.ttc",
    "/Library/Fonts/Songti.ttc",
    "/System/Library/Fonts/PingFang.ttc",
)
ROWS_PER_TABLE = 40
FONT_SIZE = 7.5
LEADING = FONT_SIZE * 1.25
PADDING = 2.0
PAGE = landscape(A4)
MARGIN = 10 * mm
HEADER_HEIGHT = 26 * mm


def _candidates() -> list[str]:
    configured = ""
    if has_app_context():
        configured = current_app.config.get("SAFELOOP_PDF_FONT") or ""
    configured = configured or os.environ.get("SAFELOOP_PDF_FONT", "")
    return [path for path in (configured, *WELL_KNOWN_FONTS) if path]


def register_font() -> tuple[str, str | None]:
    """Register the first usable embeddable font; return its name and a note if none was."""
    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME, None
    for path in _candidates():
        if not Path(path).exists():
            continue
        try:
            pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=0))
        except (TTFError, OSError, ValueError):
            continue  # e.g. a CFF-outline OpenType font, which ReportLab cannot embed
        return FONT_NAME, None
    if FALLBACK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT, (
        "No embeddable Chinese TrueType font found (set SAFELOOP_PDF_FONT or install "
        "fonts-wqy-zenhei); the PDF uses STSong-Light, which readers without a Chinese font "
        "show as empty boxes."
    )


class _Flow(list[Any]):
    """A flowable list that refills itself from a generator as platypus consumes it."""

    def __init__(self, source: Iterator[Any]) -> None:
        super().__init__()
        self.source = source

    def __len__(self) -> int:
        if super().__len__() < 2:
            for flowable in self.source:
                self.append(flowable)
                if super().__len__() >= 2:
                    break
        return super().__len__()


class PdfRegister:
    """One register document: heading, header on every page, row tables, summary."""

    def __init__(self, heading: Any, headers: Sequence[str], widths: Sequence[float]) -> None:
        self.heading = heading
        self.headers = list(headers)
        usable = PAGE[0] - 2 * MARGIN
        total = sum(widths)
        self.widths = [usable * w / total for w in widths]

    def write(self, out: BinaryIO, rows: Iterable[list[str]], summary: Any) -> str | None:
        font, note = register_font()
        self.font = font
        self._widths: dict[str, float] = {}
        self.cell = ParagraphStyle(
            "cell", fontName=font, fontSize=FONT_SIZE, leading=FONT_SIZE * 1.25, wordWrap="CJK"
        )
        self.style = TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), FONT_SIZE),
                ("LEADING", (0, 0), (-1, -1), FONT_SIZE * 1.25),
                ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ]
        )
        doc = BaseDocTemplate(
            out,
            pagesize=PAGE,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN + HEADER_HEIGHT,
            bottomMargin=MARGIN + 6 * mm,
            title=self.heading.title,
            author="SafeLoop",
        )
        frame = Frame(
            doc.leftMargin,
            doc.bottomMargin,
            doc.width,
            doc.height,
            id="rows",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        doc.addPageTemplates([PageTemplate(id="register", frames=[frame], onPage=self._decorate)])
        self.summary = summary
        seal = getattr(self.heading, "seal", None)
        doc.build(
            _Flow(self._flowables(rows)),
            canvasmaker=functools.partial(_TotalPagesCanvas, seal=seal),
        )
        return note

    def _flowables(self, rows: Iterable[list[str]]) -> Iterator[Any]:
        chunk: list[list[list[str]]] = []
        for row in rows:
            chunk.append(
                [self._cell(text, width) for text, width in zip(row, self.widths, strict=True)]
            )
            if len(chunk) >= ROWS_PER_TABLE:
                yield self._table(chunk)
                chunk = []
        if chunk:
            yield self._table(chunk)
        yield Spacer(1, 4 * mm)
        yield Paragraph(
            self._summary_text(),
            ParagraphStyle("summary", fontName=self.font, fontSize=9, leading=12),
        )

    def _cell(self, text: str, width: float) -> list[str]:
        """The cell's text broken into lines that fit ``width`` (character by character, with
        cached widths: CJK text has no spaces to break at)."""
        limit = width - 2 * PADDING
        if "\n" not in text and pdfmetrics.stringWidth(text, self.font, FONT_SIZE) <= limit:
            return [text]
        lines: list[str] = []
        for part in text.split("\n"):
            line: list[str] = []
            used = 0.0
            for char in part:
                char_width = self._widths.get(char)
                if char_width is None:
                    char_width = self._widths[char] = pdfmetrics.stringWidth(
                        char, self.font, FONT_SIZE
                    )
                if used + char_width > limit and line:
                    lines.append("".join(line))
                    line, used = [], 0.0
                line.append(char)
                used += char_width
            lines.append("".join(line))
        return lines

    def _table(self, rows: list[list[list[str]]]) -> _RowBlock:
        return _RowBlock(rows, self.widths, self.font)

    def _summary_text(self) -> str:
        labels = self.heading.labels
        s = self.summary
        return (
            f"{labels.get('total', 'Total')}: {s.total}　{labels.get('open', 'Open')}: {s.open}　"
            f"{labels.get('overdue', 'Overdue')}: {s.overdue}　"
            f"{labels.get('on_time_rate', 'On-time rectification rate')}: {s.on_time_rate}"
        )

    def _decorate(self, canvas: Canvas, doc: Any) -> None:
        """Title, scope, period, generated at/by and the column header (one form, drawn on
        every page) and the page number."""
        if doc.page == 1:
            canvas.beginForm("safeloop_page_head")
            self._draw_head(canvas)
            canvas.endForm()
        canvas.saveState()
        canvas.doForm("safeloop_page_head")
        canvas.setFont(self.font, 8)
        page_label = self.heading.labels.get("page", "Page %(page)s / %(total)s")
        before, _, after = page_label.partition("%(total)s")
        text = before.replace("%(page)s", str(doc.page))
        x = PAGE[0] / 2 - 15 * mm
        canvas.drawString(x, MARGIN, text)
        canvas.translate(x + pdfmetrics.stringWidth(text, self.font, 8), MARGIN)
        canvas.doForm("safeloop_total_pages")
        canvas.translate(12 * mm, 0)
        canvas.drawString(0, 0, after)
        canvas.restoreState()
        canvas.saveState()
        canvas.translate(MARGIN, MARGIN - 5 * mm)
        canvas.doForm("safeloop_seal")
        canvas.restoreState()

    def _draw_head(self, canvas: Canvas) -> None:
        heading = self.heading
        top = PAGE[1] - MARGIN
        canvas.setFont(self.font, 14)
        canvas.drawCentredString(PAGE[0] / 2, top - 6 * mm, heading.title)
        canvas.setFont(self.font, 8)
        canvas.drawString(MARGIN, top - 12 * mm, heading.scope)
        canvas.drawString(MARGIN, top - 16 * mm, heading.period)
        canvas.drawRightString(PAGE[0] - MARGIN, top - 12 * mm, heading.generated_at)
        canvas.drawRightString(PAGE[0] - MARGIN, top - 16 * mm, heading.generated_by)
        header = Table([[Paragraph(h, self.cell) for h in self.headers]], colWidths=self.widths)
        header.setStyle(self.style)
        header.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#e8e8e8"))]))
        header.wrapOn(canvas, PAGE[0], HEADER_HEIGHT)
        header.drawOn(canvas, MARGIN, PAGE[1] - MARGIN - HEADER_HEIGHT)


class _RowBlock(Flowable):
    """A run of register rows drawn straight onto the canvas: one text object and one set
    of grid lines per block. Splits between rows, so a block flows over pages.

    (A platypus Table measures and draws cell by cell and was most of the time on large
    registers; the rows here are plain lines of text, so this is all a table needs.)
    """

    def __init__(self, rows: list[list[list[str]]], widths: Sequence[float], font: str) -> None:
        super().__init__()
        self.rows = rows
        self.widths = list(widths)
        self.font = font
        self.heights = [max(len(cell) for cell in row) * LEADING + 2 * PADDING for row in rows]

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = sum(self.widths)
        self.height = sum(self.heights)
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        used, count = 0.0, 0
        for height in self.heights:
            if used + height > available_height:
                break
            used += height
            count += 1
        if count == 0:
            if available_height < PAGE[1] / 2:
                return []  # try again at the top of the next page
            # A single row taller than a page: keep what fits, the rest is cut.
            lines = max(1, int((available_height - 2 * PADDING) // LEADING))
            first = [cell[:lines] for cell in self.rows[0]]
            return [
                _RowBlock([first], self.widths, self.font),
                *([_RowBlock(self.rows[1:], self.widths, self.font)] if len(self.rows) > 1 else []),
            ]
        if count == len(self.rows):
            return [self]
        return [
            _RowBlock(self.rows[:count], self.widths, self.font),
            _RowBlock(self.rows[count:], self.widths, self.font),
        ]

    def draw(self) -> None:
        canvas = self.canv
        xs = [0.0]
        for width in self.widths:
            xs.append(xs[-1] + width)
        text = canvas.beginText()
        text.setFont(self.font, FONT_SIZE, LEADING)
        lines = [(0.0, self.height, self.width, self.height)]
        top = self.height
        for row, height in zip(self.rows, self.heights, strict=True):
            for x, cell in zip(xs, row, strict=False):
                text.setTextOrigin(x + PADDING, top - PADDING - FONT_SIZE)
                for line in cell:
                    text.textLine(line)
            top -= height
            lines.append((0.0, top, self.width, top))
        lines.extend((x, 0.0, x, self.height) for x in xs)
        canvas.setLineWidth(0.3)
        canvas.setStrokeColor(colors.grey)
        canvas.lines(lines)
        canvas.drawText(text)


class _TotalPagesCanvas(Canvas):
    """Defines the "total pages" and the seal forms once the last page is done (the rows'
    digest is only known then)."""

    def __init__(self, *args: Any, seal: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._seal = seal

    def save(self) -> None:
        total = self.getPageNumber() - 1 if self._code == [] else self.getPageNumber()
        self.beginForm("safeloop_total_pages")
        font = FONT_NAME if FONT_NAME in pdfmetrics.getRegisteredFontNames() else FALLBACK_FONT
        self.setFont(font, 8)
        self.drawString(0, 0, str(max(total, 1)))
        self.endForm()
        self.beginForm("safeloop_seal")
        if self._seal is not None:
            self.setFont(font, 6)
            self.drawString(0, 0, self._seal.footer())
            self.setSubject(self._seal.footer())
            self.setKeywords(self._seal.trailer())
        self.endForm()
        super().save()
