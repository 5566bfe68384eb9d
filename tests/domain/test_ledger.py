"""Reading ledger cells without a database: dates, headers, full-width text."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.domain.ledger import CellProblem, find_header, folded, header_lookup, parse_day


@pytest.mark.parametrize(
    "cell",
    [
        "2024-3-5",
        "2024/03/05",
        "2024年3月5日",
        "2024.3.5",
        "２０２４－０３－０５",
        " 2024 年 3 月 5 日 ",
        "20240305",
        "2024-03-05 08:30",
        datetime(2024, 3, 5, 8, 30),
        date(2024, 3, 5),
        45356,  # Excel's serial day number
    ],
)
def test_a_date_is_read_in_every_usual_form(cell: object) -> None:
    assert parse_day(cell) == date(2024, 3, 5)


@pytest.mark.parametrize("cell", ["2024-02-30", "去年", "3月5日", "2024-13-01", -3])
def test_what_is_not_a_date_says_so(cell: object) -> None:
    with pytest.raises(CellProblem):
        parse_day(cell)


def test_empty_cells_are_no_date() -> None:
    assert parse_day(None) is None and parse_day("  ") is None


def test_the_header_is_found_below_title_rows_with_its_variants() -> None:
    lookup = header_lookup({"deadline": ["Deadline", "整改期限"]})
    rows = [
        ["某镇安全隐患排查治理台账", None, None, None],
        ["填报单位：某镇", None, None, None],
        ["序号", " 隐患内容 ", "整改时限（必填）", "单位名称*", "备注"],
        [1, "x", "2024-3-5", "甲厂", ""],
    ]
    header = find_header(rows, lookup)
    assert header is not None and header.row == 3
    assert header.columns == {1: "description", 2: "deadline", 3: "enterprise"}
    assert header.names["description"] == "隐患内容"


def test_a_sheet_without_the_description_column_is_not_a_ledger() -> None:
    rows = [["企业名称", "发现日期", "整改期限", "状态"]]
    assert find_header(rows, header_lookup({})) is None


def test_full_width_letters_and_spaces_fold_away() -> None:
    assert folded("ＪＺ－００１　") == folded(" jz-001") == "jz-001"
