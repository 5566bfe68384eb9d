"""Reference data seeded into a new SafeLoop database: plain Python data, no database access.

* ``CATEGORIES`` — the widely used national scheme of 24 hazard categories in two groups
  (基础管理类 13 / 现场管理类 11), each group a parent node.
* ``DOMAIN_TAGS`` — domain tags (燃气, 危化品 …) under a parent node an administrator extends.
* ``DETERMINATION_STANDARDS`` — major-hazard determination standards with the identifiers and
  short titles of their articles and items. Titles and one-sentence paraphrases are seed
  values for administrators to check against the official texts and complete; they are not
  quotations.
* ``SLA_POLICIES`` — the default deadlines per grade (DOMAIN.md, "Deadlines").

Every category dict has the keys ``code``, ``name``, ``name_en``, ``kind``, ``parent`` and
``sort_order``; every (doc_number, article, item) triple of the standards is unique.
"""

from __future__ import annotations

from typing import Any

# ---------------------------------------------------------------------------------------------
# Categories (the national scheme of 24) and domain tags
# ---------------------------------------------------------------------------------------------

_BASIC = [
    ("资质证照", "Qualifications and licences"),
    ("安全生产管理机构及人员", "Safety management organisation and personnel"),
    ("安全生产责任制", "Work-safety responsibility system"),
    ("安全生产管理制度", "Work-safety management rules"),
    ("安全操作规程", "Safe operating procedures"),
    ("教育培训", "Education and training"),
    ("安全生产管理档案", "Work-safety records"),
    ("安全生产投入", "Work-safety investment"),
    ("应急管理", "Emergency management"),
    ("特种设备基础管理", "Special equipment: basic management"),
    ("职业卫生基础管理", "Occupational health: basic management"),
    ("相关方基础管理", "Contractors and other related parties: basic management"),
    ("其他基础管理", "Other basic management"),
]

_SITE = [
    ("特种设备现场管理", "Special equipment on site"),
    ("生产设备设施及工艺", "Production equipment, facilities and processes"),
    ("场所环境", "Workplace and environment"),
    ("从业人员操作行为", "Worker behaviour"),
    ("消防安全", "Fire safety"),
    ("用电安全", "Electrical safety"),
    ("职业卫生现场安全", "Occupational health on site"),
    ("有限空间现场安全", "Confined spaces on site"),
    ("辅助动力系统", "Auxiliary power systems"),
    ("相关方现场管理", "Contractors and other related parties on site"),
    ("其他现场管理", "Other site management"),
]


def _group(
    code: str, name: str, name_en: str, kind: str, sort_order: int, children: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    """A parent node followed by its children ``<code>01``, ``<code>02`` …"""
    nodes: list[dict[str, Any]] = [
        {
            "code": code,
            "name": name,
            "name_en": name_en,
            "kind": kind,
            "parent": None,
            "sort_order": sort_order,
        }
    ]
    for index, (child_name, child_name_en) in enumerate(children, start=1):
        nodes.append(
            {
                "code": f"{code}{index:02d}",
                "name": child_name,
                "name_en": child_name_en,
                "kind": kind,
                "parent": code,
                "sort_order": index,
            }
        )
    return nodes


CATEGORIES: list[dict[str, Any]] = [
    *_group("JC", "基础管理类", "Basic management", "basic", 1, _BASIC),
    *_group("XC", "现场管理类", "Site management", "site", 2, _SITE),
]

DOMAIN_TAGS: list[dict[str, Any]] = [
    {
        "code": "TAG",
        "name": "领域标签",
        "name_en": "Domain tags",
        "kind": "domain",
        "parent": None,
        "sort_order": 3,
    },
    *(
        {
            "code": code,
            "name": name,
            "name_en": name_en,
            "kind": "domain",
            "parent": "TAG",
            "sort_order": index,
        }
        for index, (code, name, name_en) in enumerate(
            [
                ("TAG-GAS", "燃气", "Gas"),
                ("TAG-HAZCHEM", "危化品", "Hazardous chemicals"),
                ("TAG-DUST", "粉尘涉爆", "Combustible dust"),
                ("TAG-AMMONIA", "液氨制冷", "Ammonia refrigeration"),
                ("TAG-FLOOD", "防汛防台", "Flood and typhoon prevention"),
                ("TAG-GEO", "地质灾害", "Geological hazards"),
                ("TAG-CONSTRUCTION", "建筑施工", "Building construction"),
            ],
            start=1,
        )
    ),
]

# ---------------------------------------------------------------------------------------------
# Determination standards (重大事故隐患判定标准)
# ---------------------------------------------------------------------------------------------

_CN_DIGITS = "零一二三四五六七八九"


def _cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 14 → 十四, 20 → 二十 (enough for article and item numbers)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def _art(n: int) -> str:
    """第十一条"""
    return f"第{_cn_number(n)}条"


def _item(n: int) -> str:
    """（三）"""
    return f"（{_cn_number(n)}）"


def _articles(
    rows: list[tuple[str, str, str, str | None, str | None]],
) -> list[dict[str, Any]]:
    """(article, item, title, text, industries) rows as article dicts, in order."""
    return [
        {
            "article": article,
            "item": item,
            "title": title,
            "text": text,
            "industries": industries,
            "sort_order": index,
        }
        for index, (article, item, title, text, industries) in enumerate(rows, start=1)
    ]


_GONGMAO_DOC = "应急管理部令第10号"
_GONGMAO_INDUSTRIES = "冶金、有色、建材、机械、轻工、纺织、烟草、商贸"

_GONGMAO_ROWS: list[tuple[str, str, str, str | None, str | None]] = [
    (
        _art(3),
        _item(1),
        "未对承包、承租单位统一协调管理或定期安全检查",
        "未对承包单位、承租单位的安全生产工作统一协调、管理，或者未定期进行安全检查。",
        None,
    ),
    (
        _art(3),
        _item(2),
        "特种作业人员未持证上岗",
        "特种作业人员未按照规定经专门的安全作业培训并取得相应资格即上岗作业。",
        None,
    ),
    (
        _art(3),
        _item(3),
        "金属冶炼企业负责人及安全管理人员未经考核合格",
        "金属冶炼企业主要负责人、安全生产管理人员未按照规定经考核合格。",
        "冶金、有色",
    ),
    (_art(4), "", "冶金企业重大事故隐患", "冶金企业存在本条所列情形之一的。", "冶金"),
    (_art(5), "", "有色企业重大事故隐患", "有色企业存在本条所列情形之一的。", "有色"),
    (_art(6), "", "建材企业重大事故隐患", "建材企业存在本条所列情形之一的。", "建材"),
    (_art(7), "", "机械企业重大事故隐患", "机械企业存在本条所列情形之一的。", "机械"),
    (_art(8), "", "轻工企业重大事故隐患", "轻工企业存在本条所列情形之一的。", "轻工"),
    (_art(9), "", "纺织企业重大事故隐患", "纺织企业存在本条所列情形之一的。", "纺织"),
    (_art(10), "", "烟草企业重大事故隐患", "烟草企业存在本条所列情形之一的。", "烟草"),
    (
        _art(11),
        _item(1),
        "粉尘爆炸危险场所设置不当或内设人员聚集场所",
        "粉尘爆炸危险场所设在非框架结构的多层建构筑物内，或场所内设有宿舍、办公室等人员聚集场所。",
        "存在粉尘爆炸危险的工贸企业",
    ),
    (
        _art(11),
        _item(2),
        "除尘系统违规共用或互联互通",
        "不同类别可燃性粉尘或粉尘与可燃气体共用一套除尘系统，或不同建筑、防火分区除尘系统互联互通。",
        "存在粉尘爆炸危险的工贸企业",
    ),
    (
        _art(11),
        _item(3),
        "干式除尘系统未采取爆炸防控措施",
        "干式除尘系统未采取泄爆、惰化、抑爆等任一种爆炸防控措施。",
        "存在粉尘爆炸危险的工贸企业",
    ),
    (
        _art(11),
        _item(4),
        "正压除尘或正压吹送未采取防点燃源措施",
        "铝镁等金属粉尘采用正压除尘，或其他可燃性粉尘正压吹送时未采取火花探测消除等措施。",
        "存在粉尘爆炸危险的工贸企业",
    ),
    (
        _art(11),
        _item(5),
        "采用重力沉降室或干式巷道式构筑物除尘",
        "除尘系统采用重力沉降室除尘，或采用干式巷道式构筑物作为除尘风道。",
        "存在粉尘爆炸危险的工贸企业",
    ),
    (
        _art(11),
        _item(6),
        "金属及木质粉尘干式除尘系统未设锁气卸灰装置",
        "铝镁等金属粉尘、木质粉尘的干式除尘系统未设置锁气卸灰装置。",
        "存在粉尘爆炸危险的工贸企业",
    ),
    (
        _art(11),
        _item(7),
        "20区电气设备不符合防爆要求",
        "除尘器、收尘仓等划分为20区的粉尘爆炸危险场所电气设备不符合防爆要求。",
        "存在粉尘爆炸危险的工贸企业",
    ),
    (
        _art(11),
        _item(8),
        "未设杂物去除或火花探测消除装置",
        "粉碎、研磨等工艺设备前未设置除铁、除石装置，或木制品砂光机风管未设置火花探测消除装置。",
        "存在粉尘爆炸危险的工贸企业",
    ),
    (
        _art(11),
        _item(9),
        "遇湿自燃金属粉尘场所未防氢气积聚或防水防潮",
        "遇湿自燃金属粉尘收集、堆放、储存场所未采取通风等防止氢气积聚措施或防水防潮措施。",
        "存在粉尘爆炸危险的工贸企业",
    ),
    (
        _art(11),
        _item(10),
        "未落实粉尘清理制度，现场积尘严重",
        "未落实粉尘清理制度，造成作业现场积尘严重。",
        "存在粉尘爆炸危险的工贸企业",
    ),
    (
        _art(12),
        _item(1),
        "人员较多场所空调系统采用氨直接蒸发制冷",
        "包装间、分割间、产品整理间等人员较多的生产场所空调系统采用氨直接蒸发制冷。",
        "使用液氨制冷的工贸企业",
    ),
    (
        _art(12),
        _item(2),
        "快速冻结装置未单独设间或作业人员超过9人",
        "快速冻结装置未设置在单独的作业间内，或其作业间内作业人员超过9人。",
        "使用液氨制冷的工贸企业",
    ),
    (
        _art(13),
        _item(1),
        "有限空间未辨识、未建台账且无警示标志",
        "未对有限空间进行辨识、建立安全管理台账，并且未设置明显的安全警示标志。",
        "存在有限空间作业的工贸企业",
    ),
    (
        _art(13),
        _item(2),
        "有限空间作业未审批、未先通风检测或无监护",
        "未落实有限空间作业审批，或未执行“先通风、再检测、后作业”，或作业现场未设监护人员。",
        "存在有限空间作业的工贸企业",
    ),
    (
        _art(14),
        "",
        "监控、报警、防护等安全设施失效或被拆除",
        "本标准所列情形中直接关系生产安全的监控、报警、防护等设施、设备、装置失效或者无效。",
        None,
    ),
]

_HUAGONG_DOC = "安监总管三〔2017〕121号"
_HUAGONG_TITLES = [
    "主要负责人和安全管理人员未依法经考核合格",
    "特种作业人员未持证上岗",
    "“两重点一重大”装置设施外部安全防护距离不符合国家标准",
    "重点监管危险化工工艺装置未实现自动化控制或紧急停车",
    "一、二级重大危险源罐区未实现紧急切断或未配独立安全仪表系统",
    "全压力式液化烃储罐未按国家标准设置注水措施",
    "液化烃、液氨、液氯等充装未使用万向管道充装系统",
    "剧毒气体及硫化氢管道穿越厂区外公共区域",
    "地区架空电力线路穿越生产区且不符合国家标准",
    "在役化工装置未经正规设计且未进行安全设计诊断",
    "使用淘汰落后安全技术工艺、设备",
    "未按国家标准设置可燃有毒气体检测报警或防爆电气设备",
    "控制室或机柜间面向危险装置一侧不满足防火防爆要求",
    "化工装置未设双重电源或自动化控制系统未设不间断电源",
    "安全阀、爆破片等安全附件未正常投用",
    "未建立全员安全生产责任制或隐患排查治理制度",
    "未制定操作规程和工艺控制指标",
    "未制定或未有效执行动火、受限空间等特殊作业管理制度",
    "新工艺未经试验论证、新装置无试生产方案或未开展反应安全风险评估",
    "危险化学品未分区分类储存、超量超品种储存或禁配物质混存",
]
_HUAGONG_ROWS: list[tuple[str, str, str, str | None, str | None]] = [
    (_art(n), "", title, None, None) for n, title in enumerate(_HUAGONG_TITLES, start=1)
]

_FIRE_DOC = "GB 35181-2025"
# Clause numbers of chapter 5 (direct determination elements), chapter 6 (composite
# determination) and annex A; titles are generic seed values to be checked against the
# published text.
_FIRE_ROWS: list[tuple[str, str, str, str | None, str | None]] = [
    ("5.1", "", "易燃易爆危险品场所选址或防火间距不符合要求", None, None),
    ("5.2", "", "易燃易爆危险品场所与人员密集场所、居住场所设在同一建筑", None, None),
    ("5.3", "", "甲、乙类生产场所和仓库设置在地下或半地下", None, None),
    ("5.4", "", "人员密集场所安全出口数量或疏散宽度严重不足", None, None),
    ("5.5", "", "人员密集场所未按规定设置自动喷水灭火或火灾自动报警系统", None, None),
    ("5.6", "", "人员密集场所违规使用、储存易燃易爆危险品", None, None),
    ("6", "", "重大火灾隐患综合判定要素", None, None),
    ("附录A", "", "火灾自动报警系统和固定灭火设施不能正常运行的判定", None, None),
]

_GAS_DOC = "建城规〔2023〕4号"
# Effective on publication (2023); the exact date is left for an administrator to fill in.
_GAS_ROWS: list[tuple[str, str, str, str | None, str | None]] = [
    (_art(4), _item(1), "未取得燃气经营许可证从事燃气经营活动", None, None),
    (_art(4), _item(2), "未建立安全风险分级管控制度", None, None),
    (_art(4), _item(3), "未建立事故隐患排查治理制度", None, None),
    (_art(4), _item(4), "未制定生产安全事故应急救援预案", None, None),
    (_art(4), _item(5), "未建立燃气用户设施定期安全检查制度", None, None),
    (
        _art(5),
        "",
        "燃气厂站安全管理重大隐患",
        "燃气经营者在燃气厂站安全管理中存在本条所列情形之一。",
        None,
    ),
    (
        _art(6),
        "",
        "燃气管道和调压设施安全管理重大隐患",
        "燃气经营者在燃气管道和调压设施安全管理中存在本条所列情形之一。",
        None,
    ),
    (_art(7), "", "气瓶安全管理重大隐患", "燃气经营者在气瓶安全管理中存在本条所列情形之一。", None),
]

_SPECIAL_EQUIPMENT_DOC = "GB 45067-2024"
# Chapter 5 clauses per equipment type (each with numbered sub-clauses an administrator adds).
_SPECIAL_EQUIPMENT_ROWS: list[tuple[str, str, str, str | None, str | None]] = [
    ("5.1", "", "锅炉重大事故隐患", None, "锅炉"),
    ("5.2", "", "压力容器重大事故隐患", None, "压力容器"),
    ("5.4", "", "压力管道重大事故隐患", None, "压力管道"),
    ("5.5", "", "移动式压力容器或气瓶充装重大事故隐患", None, "移动式压力容器、气瓶充装"),
    ("5.6", "", "电梯重大事故隐患", None, "电梯"),
    ("5.7", "", "起重机械重大事故隐患", None, "起重机械"),
    ("5.8", "", "客运索道重大事故隐患", None, "客运索道"),
    ("5.9", "", "大型游乐设施重大事故隐患", None, "大型游乐设施"),
    ("5.10", "", "场（厂）内专用机动车辆重大事故隐患", None, "场（厂）内专用机动车辆"),
]

DETERMINATION_STANDARDS: list[dict[str, Any]] = [
    {
        "name": "工贸企业重大事故隐患判定标准",
        "doc_number": _GONGMAO_DOC,
        "industries": _GONGMAO_INDUSTRIES,
        "effective_on": "2023-05-15",
        "repealed_on": None,
        "articles": _articles(_GONGMAO_ROWS),
    },
    {
        "name": "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）",
        "doc_number": _HUAGONG_DOC,
        "industries": "化工、危险化学品",
        "effective_on": "2017-11-13",
        "repealed_on": None,
        "articles": _articles(_HUAGONG_ROWS),
    },
    {
        "name": "重大火灾隐患判定规则",
        "doc_number": _FIRE_DOC,
        "industries": None,
        "effective_on": "2025-11-01",
        "repealed_on": None,
        "articles": _articles(_FIRE_ROWS),
    },
    {
        "name": "城镇燃气经营安全重大隐患判定标准",
        "doc_number": _GAS_DOC,
        "industries": "燃气经营",
        "effective_on": None,
        "repealed_on": None,
        "articles": _articles(_GAS_ROWS),
    },
    {
        "name": "特种设备重大事故隐患判定准则",
        "doc_number": _SPECIAL_EQUIPMENT_DOC,
        "industries": "特种设备",
        "effective_on": None,
        "repealed_on": None,
        "articles": _articles(_SPECIAL_EQUIPMENT_ROWS),
    },
]

# ---------------------------------------------------------------------------------------------
# SLA policies (DOMAIN.md "Deadlines"; an administrator edits them)
# ---------------------------------------------------------------------------------------------

SLA_POLICIES: list[dict[str, Any]] = [
    {
        "name": "一般隐患默认时限",
        "grade": "general",
        "confirm_hours": 24,
        "control_hours": None,
        "rectify_days": 7,
        "review_days": 10,
        "max_extensions": 1,
        "extension_lead_working_days": 0,
        "progress_report_days": None,
        "reminder_offsets_hours": [72, 24],
        "escalation_offsets_hours": [0, 24, 72],
    },
    {
        "name": "重大隐患默认时限",
        "grade": "major",
        "confirm_hours": 4,
        "control_hours": 24,
        "rectify_days": 60,
        "review_days": 10,
        "max_extensions": 2,
        "extension_lead_working_days": 15,
        "progress_report_days": 90,
        "reminder_offsets_hours": [360, 168, 72, 24],
        "escalation_offsets_hours": [0, 24, 72],
    },
]
