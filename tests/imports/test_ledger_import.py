"""The import job: tickets arrive in the ledger's state through the lifecycle, never twice."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.domain.lifecycle import Action
from app.models import Hazard, HazardEvent
from app.services.reports import produce_report, report_file, request_report
from app.services.transaction import session
from tests.factories import SHANGHAI, World, report
from tests.imports.conftest import dry_run, errors_by_row, import_ledger
from tests.imports.sheets import ledger_row, workbook_bytes


def tickets() -> list[Hazard]:
    return list(session().scalars(sa.select(Hazard).order_by(Hazard.id)))


def test_a_closed_hazard_arrives_closed_with_its_dates_and_where_it_came_from(
    world: World,
) -> None:
    sheet = workbook_bytes(
        [
            ledger_row(
                状态="已整改", 销号日期="2024年3月18日", 管控措施="设置警示标志；停用配电箱"
            ),
            ledger_row(台账编号="JZ-002", 隐患内容="叉车超速", 状态="整改中"),
        ]
    )
    done = import_ledger(world["inspector_a"], sheet, mode="all", name="甲镇台账2024.xlsx")
    assert (done.status, done.imported_count, done.errors) == ("finished", 2, [])
    closed, rectifying = tickets()
    assert closed.state == "closed" and closed.finished_on == date(2024, 3, 18)
    assert closed.ledger_no == "JZ-001" and closed.township_id == world.township_a.id
    assert closed.enterprise_id == world.e1.id
    assert [m.description for m in closed.control_measures] == ["设置警示标志", "停用配电箱"]
    assert rectifying.state == "rectifying" and rectifying.deadline is not None
    event = (
        session().scalars(sa.select(HazardEvent).where(HazardEvent.hazard_id == closed.id)).one()
    )
    assert event.action == Action.IMPORT and event.to_state == "closed"
    assert event.actor_name == world["inspector_a"].name
    assert event.data["file_name"] == "甲镇台账2024.xlsx" and event.data["row"] == 3
    assert event.data["sha256"] == done.sha256 and len(done.sha256) == 64
    assert "甲镇台账2024.xlsx" in (event.comment or "")


def test_all_mode_imports_nothing_when_one_row_is_bad(world: World) -> None:
    sheet = workbook_bytes([ledger_row(), ledger_row(台账编号="JZ-002", 发现日期="去年")])
    done = import_ledger(world["inspector_a"], sheet, mode="all")
    assert done.status == "finished" and done.imported_count in (0, None)
    assert list(errors_by_row({"errors": done.errors})) == [4]
    assert tickets() == []
    valid = import_ledger(world["inspector_a"], sheet, mode="valid")
    assert valid.imported_count == 1 and len(tickets()) == 1


def test_a_second_import_of_the_same_file_changes_nothing(world: World) -> None:
    sheet = workbook_bytes([ledger_row(), ledger_row(台账编号="JZ-002", 隐患内容="叉车超速")])
    import_ledger(world["inspector_a"], sheet)
    before = [(h.id, h.version) for h in tickets()]
    again = import_ledger(world["inspector_a"], sheet)
    assert (again.imported_count, again.existing_count) == (0, 2)
    assert [(h.id, h.version) for h in tickets()] == before
    # A later version of the ledger: one row added, the old ones recognised by their number.
    later = workbook_bytes(
        [
            ledger_row(状态="已整改", 销号日期="2024-03-19"),
            ledger_row(台账编号="JZ-002", 隐患内容="叉车超速"),
            ledger_row(台账编号="JZ-003", 隐患内容="灭火器过期"),
        ]
    )
    assert import_ledger(world["inspector_a"], later).imported_count == 1
    assert len(tickets()) == 3


def test_an_exported_hazard_list_imports_with_nothing_new(world: World) -> None:
    report(world)
    report(world, title="叉车超速", description="叉车在厂区超速行驶")
    import_ledger(world["inspector_a"], workbook_bytes([ledger_row()]))
    inspector = world["inspector_a"]
    requested = request_report(inspector, "hazard", "xlsx", {})
    produce_report(requested.id)
    _, path = report_file(inspector, requested.id)
    result = dry_run(inspector, path.read_bytes(), name=path.name)
    assert (result.rows, result.new, result.existing, result.errors) == (3, 0, 3, [])


def test_a_row_like_a_ticket_already_in_safeloop_is_flagged(world: World) -> None:
    reported = report(world, description="二号车间配电箱未接地")
    day = reported.discovered_at.astimezone(SHANGHAI).date().isoformat()
    sheet = workbook_bytes([ledger_row(发现日期=day, 状态="待确认", 整改时限=None)])
    errors = errors_by_row(dry_run(world["inspector_a"], sheet))
    assert reported.code in errors[3]["隐患内容"]
