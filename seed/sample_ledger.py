"""A messy sample ledger (台账) of 枫林街道 to try the import with ``make run``.

``python -m seed.sample_ledger`` rewrites ``seed/sample_ledger.xlsx``. It is written the way
township offices keep theirs: a merged title row, its own header names (隐患内容, 整改时限,
单位名称 …), dates as Excel dates and as text in every usual form, full-width characters and
stray spaces — and a few rows with the mistakes real ledgers have, so the dry run has
something to report. Sign in as ``inspector1`` (枫林街道) to import it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

PATH = Path(__file__).with_name("sample_ledger.xlsx")

HEADERS = [
    "序号",
    "台账编号",
    "单位名称",
    "统一社会信用代码",
    "所属区域",
    "隐患内容",
    "隐患类别",
    "隐患级别",
    "隐患来源",
    "排查日期",
    "整改时限",
    "整改状态",
    "销号日期",
    "管控措施",
    "备注",
]

# (台账编号, 单位名称, 信用代码, 所属区域, 隐患内容, 类别, 级别, 来源, 排查日期, 整改时限, 状态,
#  销号日期, 管控措施, 备注)
ROWS: list[tuple[Any, ...]] = [
    (
        "FL-2025-001",
        "青溪枫林精密机械有限公司",
        "91330199MA27FL0A1A",
        "",
        "冲压车间光电保护装置失效",
        "生产设备设施及工艺",
        "一般",
        "执法检查",
        datetime(2025, 3, 4),
        "2025-3-20",
        "已整改",
        "2025年3月18日",
        "停用该冲床",
        "",
    ),
    (
        "FL-2025-002",
        "青溪恒丰食品有限公司",
        "",
        "",
        "液氨制冷机房氨气浓度报警器未与风机联锁",
        "特种设备现场管理",
        "重大",
        "执法检查",
        "2025/03/06",
        "2025/05/31",
        "整改中",
        None,
        "设置警戒区；24小时专人监测",
        "挂牌督办",
    ),
    (
        "ＦＬ－２０２５－００３",
        " 青溪枫林纺织印染有限公司 ",
        "",
        "",
        "定型机  排风管道积聚油垢",
        "消防安全",
        "一般",
        "企业自查",
        "2025.3.10",
        "2025.3.25",
        "整改中",
        None,
        "",
        "全角编号",
    ),
    (
        "FL-2025-004",
        "青溪江南木业有限公司",
        "",
        "",
        "除尘系统未采用防爆泄爆装置",
        "生产设备设施及工艺",
        "重大",
        "部门抽查",
        "2025-03-12",
        "2025-06-30",
        "整改中",
        None,
        "",
        "缺管控措施",
    ),
    (
        "FL-2025-005",
        "青溪望江商贸有限公司",
        "",
        "",
        "仓库货物堵塞疏散通道",
        "消防安全",
        "一般",
        "网格巡查",
        "2025-02-30",
        "2025-03-05",
        "整改中",
        None,
        "",
        "日期写错",
    ),
    (
        "FL-2025-006",
        "青溪红枫建材有限公司",
        "",
        "",
        "叉车司机无证驾驶",
        "从业人员操作行为",
        "一般",
        "执法检查",
        "2025年3月15日",
        None,
        "已整改",
        None,
        "",
        "缺销号日期",
    ),
    (
        "FL-2025-007",
        "青溪枫林五金厂",
        "",
        "",
        "砂轮机防护罩缺失",
        "生产设备设施及工艺",
        "一般",
        "网格巡查",
        "2025-03-16",
        "2025-03-23",
        "整改中",
        None,
        "",
        "企业未登记",
    ),
    (
        "FL-2025-008",
        "青溪湖滨物流有限公司",
        "",
        "",
        "月台边缘无防坠落措施",
        "场所环境",
        "一般",
        "执法检查",
        "2025-03-17",
        "2025-03-31",
        "整改中",
        None,
        "",
        "属望湖街道",
    ),
    (
        "FL-2025-009",
        "",
        "",
        "枫林街道 枫林社区",
        "小区地下车库消防栓无水",
        "消防安全",
        "一般",
        "群众举报",
        "2025-03-18",
        "2025-04-01",
        "待确认",
        None,
        "",
        "公共场所",
    ),
    (
        "FL-2025-001",
        "青溪枫林精密机械有限公司",
        "",
        "",
        "冲压车间光电保护装置失效（复核）",
        "生产设备设施及工艺",
        "一般",
        "执法检查",
        "2025-03-19",
        "2025-03-30",
        "整改中",
        None,
        "",
        "编号重复",
    ),
    (
        "FL-2025-011",
        "青溪枫林精密机械有限公司",
        "91330199MA27FL0A1B",
        "",
        "配电柜前无绝缘垫",
        "用电安全",
        "一般",
        "企业自查",
        "2025-03-20",
        "2025-03-27",
        "整改中",
        None,
        "",
        "信用代码有误",
    ),
    (
        "FL-2025-012",
        "青溪恒丰食品有限公司",
        "",
        "",
        "有限空间作业未审批",
        "有限空间现场安全",
        "一般",
        "执法检查",
        "2025-03-21",
        "2025-04-10",
        "整改中",
        None,
        "",
        "",
    ),
]


def build(path: Path = PATH) -> Path:
    """Write the sample ledger to ``path``."""
    book = Workbook()
    sheet = book.active
    sheet.title = "隐患台账"
    sheet.append(["枫林街道安全生产隐患排查治理台账（2025年第一季度）"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(["填报单位：枫林街道应急管理办公室"])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(HEADERS))
    sheet.append(HEADERS)
    for number, row in enumerate(ROWS, start=1):
        sheet.append([number, *row])
        if isinstance(row[8], datetime):
            sheet.cell(row=sheet.max_row, column=10).number_format = "yyyy-mm-dd"
    for letter, width in zip(
        "ABCDEFGHIJKLMNO", (5, 14, 26, 22, 18, 34, 18, 8, 10, 14, 12, 10, 14, 26, 12), strict=True
    ):
        sheet.column_dimensions[letter].width = width
    book.save(path)
    return path


if __name__ == "__main__":
    print(build())
