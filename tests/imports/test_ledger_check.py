"""The dry run: every row checked, every problem named by the sheet's row and column header."""

from __future__ import annotations

from tests.factories import World
from tests.imports.conftest import dry_run, errors_by_row
from tests.imports.sheets import ledger_row, workbook_bytes


def test_a_clean_ledger_below_a_title_row_is_all_new(world: World) -> None:
    sheet = workbook_bytes(
        [
            ledger_row(),
            ledger_row(台账编号="JZ-002", 状态="已整改", 销号日期="2024年3月18日"),
            ledger_row(台账编号="JZ-003", 发现日期="2024.3.6", 整改时限=None, 状态="待确认"),
        ]
    )
    result = dry_run(world["inspector_a"], sheet)
    assert result.errors == []
    assert (result.rows, result.new, result.existing) == (3, 3, 0)


def test_each_kind_of_bad_row_is_reported_at_its_row_and_column(world: World) -> None:
    sheet = workbook_bytes(
        [
            ledger_row(),  # row 3: good
            ledger_row(台账编号="JZ-002", 企业名称="不存在的厂"),
            ledger_row(台账编号="JZ-003", 统一社会信用代码="91330199MA2B00001X"),
            ledger_row(台账编号="JZ-004", 企业名称="乙食品厂"),
            ledger_row(台账编号="JZ-005", 发现日期="2024-13-45"),
            ledger_row(台账编号="JZ-006", 隐患内容=None),
            ledger_row(台账编号="JZ-007", 状态="已整改", 销号日期=None),
            ledger_row(台账编号="JZ-001", 隐患内容="另一条"),  # same number as row 3
            ledger_row(台账编号="JZ-009", 隐患级别="特别重大"),
            ledger_row(台账编号="JZ-010", 企业名称=None),
        ]
    )
    result = dry_run(world["inspector_a"], sheet)
    errors = errors_by_row(result)
    assert 3 not in errors
    assert "不存在的厂" in errors[4]["企业名称"]
    assert "GB 32100" in errors[5]["统一社会信用代码"]
    assert "乙食品厂" in errors[6]["企业名称"]  # an enterprise of township B: not in A's area
    assert "2024-13-45" in errors[7]["发现日期"]
    assert errors[8] == {"隐患内容": "此项不能为空。"}
    assert errors[9] == {"销号日期": "已销号的隐患须填写销号日期。"}
    assert errors[10] == {"台账编号": "与第 3 行是同一条隐患。"}
    assert "特别重大" in errors[11]["隐患级别"]
    assert list(errors[12]) == ["企业名称"]  # neither enterprise nor township: said once
    assert (result.rows, result.new) == (10, 1)


def test_an_inspector_cannot_import_into_another_township(world: World) -> None:
    sheet = workbook_bytes(
        [ledger_row(企业名称=None, 所属区域="乙镇")],
        headers=["台账编号", "所属区域", "隐患内容", "发现日期", "状态", "整改时限", "隐患类别"],
    )
    result = dry_run(world["inspector_a"], sheet)
    assert "乙镇" in errors_by_row(result)[3]["所属区域"]
    assert dry_run(world["district"], sheet).errors == []


def test_problems_read_in_the_users_language(world: World) -> None:
    sheet = workbook_bytes([ledger_row(发现日期="明天")])
    english = errors_by_row(dry_run(world["inspector_a"], sheet, locale="en"))
    assert english[3]["发现日期"].startswith("明天 is not a date")
    chinese = errors_by_row(dry_run(world["inspector_a"], sheet))
    assert chinese[3]["发现日期"].startswith("明天 不是日期")


def test_header_variants_full_width_text_and_excel_dates_are_understood(world: World) -> None:
    from datetime import datetime

    headers = ["　台账编号 ", "单位名称", "隐患情况", "排查日期", "整改期限*", "整改状态", "类别"]
    sheet = workbook_bytes(
        [
            {
                "　台账编号 ": "ＪＺ－０１",
                "单位名称": " 甲机械厂　",
                "隐患情况": "消防通道  堵塞",
                "排查日期": datetime(2024, 3, 5),
                "整改期限*": 45390,  # an Excel serial day: 2024-04-08
                "整改状态": "整改中",
                "类别": "消防安全",
            }
        ],
        headers=headers,
        title=None,
    )
    result = dry_run(world["inspector_a"], sheet)
    assert (result.errors, result.new) == ([], 1)
