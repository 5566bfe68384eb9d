"""Reading an office's own hazard ledger (台账): headers, cell values, one row at a time.

Real sheets are messy: a title row or merged cells above the header, header variants
(隐患描述 / 隐患内容), dates as Excel dates or as text (2024-3-5, 2024/03/05, 2024年3月5日,
2024.3.5), full-width characters and stray spaces. This module turns such cells into clean
values or into row problems (column key plus message); it knows nothing of the database. The
service resolves names (enterprise, township, category) and the lifecycle decides the state.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from app.domain.codes import credit_code_problem, normalise_credit_code
from app.domain.messages import N_, Message
from app.domain.vocabulary import Grade, LabelledEnum, Nature, Source, State

# Header variants seen in township and enterprise ledgers, per column key. The template's own
# headers (the hazard list's, in every language) are added by the caller.
HEADER_VARIANTS: dict[str, tuple[str, ...]] = {
    "code": ("隐患编号", "系统编号", "ticketcode"),
    "ledger_no": ("台账编号", "登记编号", "原编号", "编号", "ledgerno", "ledgernumber"),
    "enterprise": ("企业", "企业名称", "单位名称", "生产经营单位", "被检查单位", "单位"),
    "credit_code": ("统一社会信用代码", "社会信用代码", "信用代码"),
    "region": ("所属区域", "所属镇街", "镇街", "镇(街道)", "乡镇(街道)", "区域", "所在地"),
    "address": ("地址", "隐患地点", "详细地址"),
    "category": ("隐患类别", "隐患类型", "类别", "类型"),
    "nature": ("隐患性质", "性质"),
    "grade": ("隐患级别", "隐患等级", "级别", "等级"),
    "source": ("隐患来源", "来源", "发现方式"),
    "discoverer": ("发现人", "排查人", "检查人"),
    "discovered_at": ("发现日期", "发现时间", "排查日期", "排查时间", "检查日期", "检查时间"),
    "title": ("隐患名称", "隐患标题", "标题"),
    "description": ("隐患描述", "隐患内容", "隐患情况", "存在问题", "问题描述", "隐患具体情况"),
    "control_measures": ("管控措施", "临时管控措施", "防范措施"),
    "supervision": ("挂牌督办", "督办"),
    "state": ("状态", "整改状态", "整改情况", "隐患状态"),
    "deadline": ("整改期限", "整改时限", "整改期限/时限", "限期整改日期", "要求整改日期"),
    "overdue_days": ("逾期天数",),
    "closed_on": ("销号日期", "销号时间", "整改完成日期", "完成整改日期", "验收日期"),
}

# Values ledgers use besides the labels of the vocabularies (compared after normalising).
VALUE_VARIANTS: dict[type[LabelledEnum], dict[str, str]] = {
    Grade: {
        "一般隐患": Grade.GENERAL,
        "一般事故隐患": Grade.GENERAL,
        "重大隐患": Grade.MAJOR,
        "重大事故隐患": Grade.MAJOR,
    },
    State: {
        "已整改": State.CLOSED,
        "已销号": State.CLOSED,
        "已闭环": State.CLOSED,
        "已完成": State.CLOSED,
        "整改中": State.RECTIFYING,
        "未整改": State.RECTIFYING,
        "正在整改": State.RECTIFYING,
        "待验收": State.PENDING_VERIFICATION,
        "待复查": State.PENDING_VERIFICATION,
        "已确认": State.CONFIRMED,
        "待确认": State.REPORTED,
    },
    Source: {"自查": Source.SELF_CHECK, "巡查": Source.GRID_PATROL, "举报": Source.PUBLIC_REPORT},
    Nature: {},
}

# States a ledger row may arrive in (a merge needs its original, which a ledger cannot say).
IMPORTABLE_STATES = tuple(s for s in State if s is not State.MERGED)

REQUIRED_KEYS = ("description", "discovered_at", "state")
# Columns a header row must show for a sheet to count as a hazard ledger.
HEADER_MIN_MATCHES = 3
HEADER_SEARCH_ROWS = 15
TITLE_LENGTH = 30
MEASURE_SEPARATORS = re.compile(r"[；;\n]+")

_SPACES = re.compile(r"\s+")
_NOTE = re.compile(r"\(.*?\)|\*")
_DAY = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
_COMPACT_DAY = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = date(1899, 12, 30)


def clean_text(value: Any) -> str:
    """A cell as text: stray and full-width spaces collapsed, ends stripped (wording kept)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _SPACES.sub(" ", str(value).replace("\u3000", " ")).strip()


def folded(value: Any) -> str:
    """A cell for comparison: full-width letters, digits and brackets made half-width (NFKC),
    spaces removed, letters lower-cased."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", clean_text(value))).lower()


def header_key(value: Any) -> str:
    """A header cell for matching: folded, without notes such as "(必填)" or "*"."""
    return _NOTE.sub("", folded(value))


def header_lookup(extra: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """Folded header text -> column key, from the variants plus ``extra`` (template headers)."""
    lookup: dict[str, str] = {}
    for key, names in (*HEADER_VARIANTS.items(), *extra.items()):
        for name in names:
            lookup.setdefault(header_key(name), key)
    return lookup


@dataclass(frozen=True)
class Header:
    """Where the header row is (1-based sheet row) and which column holds which key."""

    row: int
    columns: Mapping[int, str]  # 0-based cell index -> column key
    names: Mapping[str, str]  # column key -> the header text as the sheet wrote it
    cells: Sequence[Any] = ()  # the whole header row, unknown columns included


def find_header(rows: Iterable[Sequence[Any]], lookup: Mapping[str, str]) -> Header | None:
    """The first row (within the top rows) naming enough known columns; title rows and merged
    cells above it are skipped. Returns None when no row looks like a hazard list's header."""
    for number, cells in enumerate(rows, start=1):
        if number > HEADER_SEARCH_ROWS:
            return None
        columns: dict[int, str] = {}
        names: dict[str, str] = {}
        for index, cell in enumerate(cells):
            key = lookup.get(header_key(cell))
            if key is not None and key not in names:
                columns[index] = key
                names[key] = clean_text(cell)
        if len(columns) >= HEADER_MIN_MATCHES and "description" in names:
            return Header(number, columns, names, tuple(cells))
    return None


class CellProblem(Exception):
    """A cell that cannot be read; carries the message for the error report."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.msgid)
        self.message = message


def parse_day(value: Any) -> date | None:
    """A date from an Excel date, an Excel serial number or text in the usual Chinese forms."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # Excel's serial day numbers (1900 … 9999)
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise CellProblem(_not_a_date(value))
    text = unicodedata.normalize("NFKC", clean_text(value))
    if not text:
        return None
    match = _DAY.match(text) or _COMPACT_DAY.match(text)
    if match is None:
        raise CellProblem(_not_a_date(value))
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise CellProblem(_not_a_date(value)) from None


def _not_a_date(value: Any) -> Message:
    return Message(
        N_("%(value)s is not a date; write it as 2024-03-05 or 2024年3月5日."),
        {"value": clean_text(value)},
    )


def vocabulary_lookup(
    vocabulary: type[LabelledEnum], translations: Iterable[Mapping[str, str]]
) -> dict[str, str]:
    """Folded value, label (in each language given) or ledger variant -> stored value."""
    lookup = {folded(name): value for name, value in VALUE_VARIANTS[vocabulary].items()}
    for member in vocabulary:
        lookup[folded(member.value)] = member.value
        lookup[folded(member.label)] = member.value
        for language in translations:
            lookup[folded(language.get(member.label, member.label))] = member.value
    return lookup


@dataclass
class LedgerRow:
    """One ledger row as clean values (names still unresolved), or the problems it has."""

    number: int  # the sheet's own row number
    values: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, Message] = field(default_factory=dict)

    def problem(self, key: str, message: Message) -> None:
        """Note a problem with column ``key`` (the first one per column is kept)."""
        self.problems.setdefault(key, message)

    @property
    def match_key(self) -> str:
        """What recognises the row again: the ticket code, else the ledger number."""
        return str(self.values.get("code") or self.values.get("ledger_no") or "")


def _required() -> Message:
    return Message(N_("This cell must not be empty."))


def read_row(
    number: int,
    cells: Mapping[str, Any],
    vocabularies: Mapping[str, Mapping[str, str]],
) -> LedgerRow:
    """Read one row's cells (column key -> raw cell) into clean values and problems."""
    row = LedgerRow(number)
    text = {key: clean_text(value) for key, value in cells.items()}
    for key in ("address", "discoverer", "title", "description", "enterprise", "category"):
        row.values[key] = text.get(key) or None
    row.values["code"] = unicodedata.normalize("NFKC", text.get("code", "")).upper() or None
    row.values["ledger_no"] = unicodedata.normalize("NFKC", text.get("ledger_no", "")) or None
    region = unicodedata.normalize("NFKC", text.get("region", "")).split()
    row.values["township"] = region[0] if region else None
    row.values["village"] = region[1] if len(region) > 1 else None
    credit = normalise_credit_code(unicodedata.normalize("NFKC", text.get("credit_code", "")))
    row.values["credit_code"] = credit or None
    if credit:
        problem = credit_code_problem(credit)
        if problem is not None:
            row.problem("credit_code", problem)
    measures = MEASURE_SEPARATORS.split(text.get("control_measures", ""))
    row.values["control_measures"] = [m.strip() for m in measures if m.strip()]
    for key in ("discovered_at", "deadline", "closed_on"):
        try:
            row.values[key] = parse_day(cells.get(key))
        except CellProblem as problem:
            row.problem(key, problem.message)
    for key, lookup in vocabularies.items():
        raw = text.get(key, "")
        row.values[key] = lookup.get(folded(raw)) if raw else None
        if raw and row.values[key] is None:
            row.problem(
                key, Message(N_("%(value)s is not one of the listed values."), {"value": raw})
            )
    if row.values.get("state") == State.MERGED:
        row.problem("state", Message(N_("A merged duplicate cannot be imported.")))
    for key in REQUIRED_KEYS:
        if row.values.get(key) in (None, "") and key not in row.problems:
            row.problem(key, _required())
    if not row.values.get("enterprise") and not row.values.get("township"):
        row.problem(
            "enterprise",
            Message(N_("Give the enterprise, or the township for a hazard in a public place.")),
        )
    if not row.match_key:
        row.problem(
            "ledger_no",
            Message(
                N_("Give the ledger number or the ticket code, so a re-import recognises the row.")
            ),
        )
    if row.values.get("description") and not row.values.get("title"):
        row.values["title"] = row.values["description"][:TITLE_LENGTH]
    return row


def is_blank(cells: Iterable[Any]) -> bool:
    """Whether a sheet row has nothing in it (trailing empty rows of a sheet)."""
    return all(clean_text(cell) == "" for cell in cells)
