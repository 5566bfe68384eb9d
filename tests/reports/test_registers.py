"""The three lists: same rows in every format, within scope, Chinese PDF with its font embedded."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader

from app.domain.errors import InvalidError, NotFoundError
from app.domain.lifecycle import Action
from app.models import Hazard, Report, Responsibility
from app.reports import pdf as pdf_module
from app.services.reports import produce_report, report_file, request_report
from app.services.scoping import hazards_for
from app.services.transaction import session
from tests.factories import (
    build_world,
    confirm,
    fire,
    local_now,
    report,
    to_pending_verification,
    to_rectifying,
)

pytestmark = pytest.mark.usefixtures("ctx")


def some_tickets(world: Any) -> list[Hazard]:
    open_one = report(world, title="配电箱未接地")
    confirmed = confirm(world, report(world, title="消防通道堵塞"))
    rectifying = to_rectifying(world, report(world, title="叉车超速"))
    pending = to_pending_verification(world, report(world, title="灭火器过期"))
    closed = fire(
        world,
        "inspector_a",
        pending,
        Action.VERIFY,
        review_opinion="合格",
        review_date=local_now().date().isoformat(),
        reviewer_name="甲",
    )
    other = report(world, who="grid_b", enterprise=world.b1, title="乙厂隐患")
    return [open_one, confirmed, rectifying, closed, other]


def produce(actor: Any, list_name: str, fmt: str, **filters: Any) -> tuple[Report, Path]:
    requested = request_report(actor, list_name, fmt, filters)
    produce_report(requested.id)
    return report_file(actor, requested.id)


def csv_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    # The last line is the register's seal (issue 13), a comment, not a data row.
    assert rows[-1][0].startswith("# SafeLoop register")
    return rows[:-1]


def test_the_hazard_list_has_the_same_rows_in_every_format_as_on_screen() -> None:
    world = build_world()
    some_tickets(world)
    inspector = world["inspector_a"]
    on_screen = sorted(session().scalars(hazards_for(inspector).with_only_columns(Hazard.code)))
    assert len(on_screen) == 4
    report_csv, path_csv = produce(inspector, "hazard", "csv")
    rows = csv_rows(path_csv)
    assert rows[0][:3] == ["隐患编号", "生产经营单位", "所属区域"] or rows[0][0] == "隐患编号"
    assert [r[0] for r in rows[1:]] == on_screen
    assert report_csv.row_count == 4 and len(report_csv.sha256 or "") == 64

    _, path_xlsx = produce(inspector, "hazard", "xlsx")
    sheet = load_workbook(path_xlsx).active
    values = list(sheet.iter_rows(values_only=True))
    assert [v[0] for v in values[1:]] == on_screen
    assert sheet.freeze_panes == "A2"
    discovered = values[1][9]
    assert isinstance(discovered, date)

    _, path_pdf = produce(inspector, "hazard", "pdf")
    reader = PdfReader(path_pdf)
    text = "".join(page.extract_text() for page in reader.pages)
    assert "隐患清单" in text and "隐患编号" in text
    for code in on_screen:
        assert code in text
    assert "第 1 页" in text and "共" in text
    fonts = [
        font.get_object() for page in reader.pages for font in page["/Resources"]["/Font"].values()
    ]
    assert any("/FontFile2" in (f.get("/FontDescriptor") or {}) for f in fonts) or any(
        "/FontFile2" in descendant.get_object().get("/FontDescriptor", {})
        for f in fonts
        for descendant in f.get("/DescendantFonts", [])
    ), "the Chinese font must be embedded"


def test_filters_narrow_the_rows_and_the_rectification_list_says_on_time() -> None:
    world = build_world()
    some_tickets(world)
    auditor = world["auditor"]
    _, path = produce(auditor, "hazard", "csv", state="closed")
    assert [r[0] for r in csv_rows(path)[1:]] == [
        code for code in session().scalars(sa.select(Hazard.code).where(Hazard.state == "closed"))
    ]
    _, path = produce(auditor, "hazard", "csv", region_id=world.township_b.id)
    assert len(csv_rows(path)) == 2
    _, path = produce(auditor, "rectification", "csv", state="closed")
    row = csv_rows(path)[1]
    assert "按期" in row and "合格" in row


def test_bad_filters_are_refused_by_name() -> None:
    world = build_world()
    with pytest.raises(InvalidError) as refused:
        request_report(
            world["auditor"], "hazard", "docx", {"grade": "huge", "discovered_from": "昨天"}
        )
    assert set(refused.value.field_errors) == {"format", "grade", "discovered_from"}


def test_a_report_is_downloaded_only_within_its_scope() -> None:
    world = build_world()
    some_tickets(world)
    township_report = request_report(world["inspector_a"], "hazard", "csv")
    produce_report(township_report.id)
    for allowed in ("inspector_a", "inspector_a2", "district", "auditor", "admin"):
        report_file(world[allowed], township_report.id)
    for refused in ("inspector_b", "officer_e1", "grid_b"):
        with pytest.raises(NotFoundError):
            report_file(world[refused], township_report.id)
    with pytest.raises(InvalidError) as outside:
        request_report(world["inspector_a"], "hazard", "csv", {"region_id": world.township_b.id})
    assert "region_id" in outside.value.field_errors
    officer_report = request_report(world["officer_e1"], "hazard", "csv")
    produce_report(officer_report.id)
    _, path = report_file(world["officer_e1"], officer_report.id)
    assert {r[1] for r in csv_rows(path)[1:]} == {"甲机械厂"}
    with pytest.raises(NotFoundError):
        report_file(world["officer_e2"], officer_report.id)


def test_a_failed_report_leaves_no_file(monkeypatch: pytest.MonkeyPatch) -> None:
    world = build_world()
    some_tickets(world)
    requested = request_report(world["auditor"], "hazard", "pdf")
    from app.services.reports import report_folder

    files_before = set(report_folder().iterdir())

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(pdf_module.PdfRegister, "write", broken)
    with pytest.raises(RuntimeError):
        produce_report(requested.id)
    session().expire_all()
    failed = session().get(Report, requested.id)
    assert failed.status == "failed" and "disk full" in failed.error
    assert failed.stored_name is None
    assert set(report_folder().iterdir()) == files_before


def test_the_responsibility_list_counts_live_tickets() -> None:
    world = build_world()
    some_tickets(world)
    session().add_all(
        [
            Responsibility(
                level="township",
                responsibility_type="territorial",
                organisation="甲镇人民政府",
                post="镇长",
                person="周镇长",
                region_id=world.township_a.id,
                district_id=world.district.id,
                township_id=world.township_a.id,
            ),
            Responsibility(
                level="enterprise",
                responsibility_type="enterprise",
                organisation="甲机械厂",
                post="主要负责人",
                person="赵总",
                enterprise_id=world.e1.id,
                district_id=world.district.id,
                township_id=world.township_a.id,
                village_id=world.village_a.id,
                grid_id=world.grid_a.id,
            ),
        ]
    )
    session().commit()
    _, path = produce(world["district"], "responsibility", "csv")
    rows = csv_rows(path)
    by_person = {r[4]: r for r in rows[1:]}
    assert by_person["周镇长"][-3:] == ["4", "3", "0"]
    assert by_person["赵总"][-3:] == ["4", "3", "0"]
    _, path = produce(world["inspector_b"], "responsibility", "csv")
    assert len(csv_rows(path)) == 1


def test_the_pdf_summary_prints_slash_for_a_rate_without_closed_tickets() -> None:
    world = build_world()
    report(world)
    _, path = produce(world["auditor"], "hazard", "pdf")
    text = "".join(page.extract_text() for page in PdfReader(path).pages)
    assert "按期整改率: /" in text or "按期整改率：/" in text


def test_monthly_registers_are_queued_once_per_region_and_month() -> None:
    from app.services.reports import request_monthly_registers

    world = build_world()
    some_tickets(world)
    created = request_monthly_registers()
    # district + two townships, three lists, PDF and XLSX
    assert len(created) == 3 * 3 * 2
    assert request_monthly_registers() == []
    township_pdf = (
        session()
        .scalars(
            sa.select(Report).where(
                Report.township_id == world.township_a.id,
                Report.format == "pdf",
                Report.list_name == "hazard",
            )
        )
        .one()
    )
    produce_report(township_pdf.id)
    report_file(world["inspector_a"], township_pdf.id)
    with pytest.raises(NotFoundError):
        report_file(world["inspector_b"], township_pdf.id)
