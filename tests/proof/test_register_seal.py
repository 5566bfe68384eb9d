"""A register carries its report id, the SHA-256 of its data rows and the day anchor."""

from __future__ import annotations

import hashlib
import io
from datetime import datetime, timedelta

import openpyxl
import pypdf
import pytest
import time_machine

from app.models import ChainAnchor, Report
from app.services.reports import (
    produce_report,
    report_file,
    request_monthly_registers,
    request_report,
)
from app.services.transaction import session
from tests.factories import SHANGHAI, build_world, confirm, report

pytestmark = pytest.mark.usefixtures("ctx")


def produced(fmt: str, monthly: bool = False) -> tuple[Report, bytes]:
    world = build_world()
    confirm(world, report(world))
    report(world)
    made = request_report(world["auditor"], "hazard", fmt)
    made = produce_report(made.id)
    _, path = report_file(world["auditor"], made.id)
    return made, path.read_bytes()


def test_a_csv_register_ends_with_its_seal_and_the_digest_covers_its_data_lines() -> None:
    with time_machine.travel(datetime(2026, 11, 2, 10, tzinfo=SHANGHAI), tick=False) as t:
        world = build_world()
        report(world)
        t.move_to(datetime(2026, 11, 3, 10, tzinfo=SHANGHAI))
        made = produce_report(request_report(world["auditor"], "hazard", "csv").id)
        _, path = report_file(world["auditor"], made.id)
    lines = path.read_bytes().split(b"\r\n")
    assert lines[-1] == b""
    header, data, trailer = lines[0], lines[1:-2], lines[-2]
    assert header.startswith("\ufeff隐患编号".encode())
    assert len(data) == 1
    assert hashlib.sha256(b"".join(line + b"\r\n" for line in data)).hexdigest() == (
        made.rows_sha256
    )
    anchor = session().query(ChainAnchor).filter_by(day=made.anchor_day).one()
    assert str(made.anchor_day) == "2026-11-02" and made.anchor_hash == anchor.hash
    assert trailer.decode() == (
        f"# SafeLoop register {made.id}; rows-sha256 {made.rows_sha256}; "
        f"anchor 2026-11-02 {anchor.hash}"
    )


def test_an_xlsx_register_carries_its_seal_in_the_document_properties() -> None:
    made, content = produced("xlsx")
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    properties = {p.name: p.value for p in book.custom_doc_props.props}
    assert properties["SafeLoop report"] == str(made.id)
    assert properties["Data rows SHA-256"] == made.rows_sha256
    assert len(made.rows_sha256 or "") == 64


def test_a_pdf_register_prints_its_seal_in_the_footer() -> None:
    made, content = produced("pdf")
    document = pypdf.PdfReader(io.BytesIO(content))
    footer = document.pages[-1].extract_text()
    assert made.rows_sha256 and made.rows_sha256 in footer.replace("\n", "")
    assert f"报表编号 {made.id}" in footer
    assert made.rows_sha256 in (document.metadata.subject or "")


def test_a_monthly_register_prints_the_anchor_of_its_cut_off_day() -> None:
    start = datetime(2026, 10, 30, 10, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False) as traveller:
        world = build_world()
        report(world)
        traveller.move_to(start + timedelta(days=3))  # 2 November
        report(world)
        ids = request_monthly_registers()
        made = produce_report(ids[0])
    cut_off = session().query(ChainAnchor).filter_by(day=made.anchor_day).one()
    assert (made.monthly_period, str(made.anchor_day)) == ("2026-10", "2026-10-31")
    assert made.anchor_hash == cut_off.hash
