"""Which column is which: the header names of the platform templates and of patent database exports.

Transfer offices keep their patent lists as exports of the Chinese patent databases (the CNIPA
专利检索及分析系统, incoPat, PatSnap/智慧芽, SooPAT), whose headers differ in wording, brackets,
spaces and suffixes such as 「(全部)」. Every header is normalised (`header_key`) and looked up in one
table of normalised names per field, so a variant not listed is still found when it differs only in
those ways. The platform's own English column names and its Chinese template headers are in the
same table, so old files keep working.
"""

import re
import unicodedata

from marketplace.common.i18n import N_

# Target columns a header may map to, per kind; `price_wan` and `budget_wan` are the 万元 aliases.
# Names as the databases and the platform templates write them; normalised when the table is built.
PATENT_HEADERS = {
    "publication_number": [
        "公开（公告）号",
        "公开号",
        "公告号",
        "公开公告号",
        "授权公告号",
        "公开(公告)号",
        "文献号",
        "publication_number",
        "publication number",
    ],
    "application_number": ["申请号", "专利号", "申请号/专利号", "application_number", "application number"],
    "filing_date": ["申请日", "申请日期", "filing_date", "application date"],
    "publication_date": ["公开（公告）日", "公开日", "公告日", "公开日期", "publication_date"],
    "grant_date": ["授权公告日", "授权日", "授权日期", "授权公告日期", "grant_date"],
    "title": ["名称", "发明名称", "标题", "专利名称", "中文标题", "发明名称（中文）", "title"],
    "abstract": ["摘要", "中文摘要", "摘要（中文）", "abstract"],
    "applicants": [
        "申请（专利权）人",
        "申请人",
        "专利权人",
        "当前权利人",
        "当前申请（专利权）人",
        "原始申请（专利权）人",
        "申请人名称",
        "applicants",
    ],
    "inventors": ["发明（设计）人", "发明人", "设计人", "inventors"],
    "ipc_codes": [
        "IPC分类号",
        "IPC",
        "主分类号",
        "分类号",
        "IPC主分类",
        "IPC主分类号",
        "国际分类号",
        "ipc_codes",
        "ipc_subclasses",
    ],
    "legal_status": ["法律状态", "当前法律状态", "简单法律状态", "有效性", "专利有效性", "legal_status"],
    "legal_status_detail": [
        "法律状态（原文）",
        "详细法律状态",
        "法律状态/事件",
        "法律事件",
        "legal_status_detail",
    ],
    "legal_status_date": ["法律状态日", "法律状态公告日", "法律状态日期", "legal_status_date"],
    "patent_type": ["专利类型", "类型", "专利种类", "文献类型", "patent_type"],
    "transfer_modes": ["转化方式", "transfer_modes"],
    "price_wan": ["参考价格（万元）", "参考价格", "价格（万元）", "price_wan"],
    "price_fen": ["参考价格（分）", "price_fen"],
}
RESULT_HEADERS = {
    "title": ["成果名称", "名称", "项目名称", "title"],
    "abstract": ["成果简介", "简介", "成果介绍", "abstract"],
    "keywords": ["关键词", "keywords"],
    "technology_field": ["技术领域", "所属领域", "technology_field"],
    "industry": ["产业方向", "所属产业", "industry"],
    "form": ["成果体现形式", "体现形式", "form"],
    "maturity": ["技术成熟度", "成熟度", "技术成熟度（TRL 1–9）", "maturity"],
    "transfer_modes": ["转化方式", "拟采取的转化方式", "transfer_modes"],
    "price_wan": ["参考价格（万元）", "参考价格", "价格（万元）", "price_wan"],
    "price_fen": ["参考价格（分）", "price_fen"],
    "patent_ids": ["关联专利编号", "关联专利", "patent_ids"],
    "completers": ["完成人", "成果完成人", "completers"],
}
DEMAND_HEADERS = {
    "title": ["需求名称", "名称", "title"],
    "description": ["主要问题", "需求描述", "问题描述", "description"],
    "technical_indicators": ["技术关键/指标", "技术关键", "技术指标", "technical_indicators"],
    "expected_outcome": ["预期目标", "expected_outcome"],
    "keywords": ["关键词", "关键词（1–5 个）", "keywords"],
    "technology_field": ["技术领域", "所属领域", "technology_field"],
    "budget_wan": ["拟投入资金（万元）", "拟投入资金", "投入资金（万元）", "budget_wan"],
    "budget_fen": ["拟投入资金（分）", "budget_fen"],
    "start_date": ["开始日期", "需求开始日期", "start_date"],
    "deadline": ["截止日期", "需求截止日期", "需求时限", "deadline"],
    "solution_mode": ["解决方式", "solution_mode"],
    "hide_name": ["隐藏企业名称", "隐藏名称", "hide_name"],
}
HEADERS = {"patent": PATENT_HEADERS, "result": RESULT_HEADERS, "demand": DEMAND_HEADERS}

# What a target column is called on the preview page.
TARGET_LABELS = {
    "price_wan": N_("参考价格（万元）"),
    "price_fen": N_("参考价格（分）"),
    "budget_wan": N_("拟投入资金（万元）"),
    "budget_fen": N_("拟投入资金（分）"),
}

# Headers that only one database writes, to name the layout of a patent export.
LAYOUT_MARKS = [
    ("incopat", "incoPat", ("当前权利人", "ipc主分类", "incopat合享价值度", "合享价值度")),
    ("patsnap", N_("智慧芽 PatSnap"), ("简单法律状态", "当前申请专利权人", "专利价值", "标准化申请人")),
    ("soopat", N_("SooPAT 列表"), ("主分类号", "发明设计人", "地址", "国省代码")),
    (
        "cnipa",
        N_("国家知识产权局 专利检索及分析系统"),
        ("公开公告号", "申请专利权人", "公开公告日", "发明名称"),
    ),
]
LAYOUT_LABELS = {key: label for key, label, _marks in LAYOUT_MARKS} | {
    "platform": N_("本平台导入模板"),
    "other": N_("其他表格（按列名识别）"),
}

# Suffixes that say nothing about the column: 「(全部)」, 「[标]」, a leading number, a trailing `*`.
_NOISE_SUFFIX = re.compile(r"(\((全部|全|所有|合并|第一|标准化|中文|原文|原始|\d+)\)|\[[^\]]*\]|[*＊:：])$")
_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")"})


def header_key(text) -> str:
    """Normalise a header: full-width to half-width, no spaces, one kind of bracket, no noise suffix."""
    raw = unicodedata.normalize("NFKC", str(text or "")).translate(_BRACKETS).lower()
    raw = re.sub(r"[\s\u3000_\-]+", "", raw) if not raw.isascii() else re.sub(r"[\s\-]+", "_", raw.strip())
    raw = re.sub(r"^\d+[.、)]", "", raw)
    while True:
        shorter = _NOISE_SUFFIX.sub("", raw)
        if shorter == raw or not shorter:
            break
        raw = shorter
    return raw


def _keys(text) -> list[str]:
    """The normalised header, then with brackets dropped and with the bracketed words dropped."""
    key = header_key(text)
    keys = [key, key.replace("(", "").replace(")", ""), re.sub(r"\([^)]*\)", "", key)]
    return list(dict.fromkeys(k for k in keys if k))


def _lookup(kind: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for target, names in HEADERS[kind].items():
        for name in names:
            for key in _keys(name):
                table.setdefault(key, target)
    return table


_LOOKUP = {kind: _lookup(kind) for kind in HEADERS}


def target_for(kind: str, header) -> str:
    """The target column a header stands for, or "" when it is not known."""
    target = target_for_plain(kind, header)
    if target.endswith(("_wan", "_fen")):
        # A unit in the header decides between the two money columns; Chinese headers mean 万元.
        raw = unicodedata.normalize("NFKC", str(header or ""))
        base = target.rsplit("_", 1)[0]
        if "万元" in raw:
            return f"{base}_wan"
        if "(分)" in raw or raw.strip().endswith("_fen"):
            return f"{base}_fen"
    return target


def target_for_plain(kind: str, header) -> str:
    for key in _keys(header):
        if key in _LOOKUP[kind]:
            return _LOOKUP[kind][key]
    return ""


def map_headers(kind: str, headers: list) -> list[str]:
    """A target for each header ("" when unknown); several columns may feed one target."""
    return [target_for(kind, header) for header in headers]


# Headers only the platform's own templates have (the databases know nothing of offers or prices).
PLATFORM_MARKS = ("转化方式", "参考价格（万元）", "参考价格（分）", "参考价格")


def detect_layout(kind: str, headers: list) -> str:
    """Name the database an export came from by the headers only it writes."""
    keys = {k for h in headers for k in _keys(h)}
    english = set(HEADERS[kind])
    if keys & english or any(header_key(mark) in keys for mark in PLATFORM_MARKS) or kind != "patent":
        return "platform"
    for key, _label, marks in LAYOUT_MARKS:
        if any(header_key(mark) in keys for mark in marks):
            return key
    return "other"


def find_header_row(kind: str, grid: list[tuple[int, list]], scan: int = 15) -> int:
    """The index in `grid` of the header row: the first of the top rows naming two known columns.

    Exports often put a title ("检索结果", the query, the export time) above the header.
    """
    best, best_count = 0, 0
    for index, (_line, values) in enumerate(grid[:scan]):
        count = len({t for t in map_headers(kind, values) if t})
        if count >= 2 and count > best_count:
            best, best_count = index, count
            if count >= 4:
                break
    return best


def target_choices(kind: str) -> list[tuple[str, str]]:
    """(target, label) for the mapping select boxes on the preview page."""
    from marketplace.listings.fields import FIELD_BY_NAME

    choices = [("", N_("（不导入）"))]
    for target in HEADERS[kind]:
        spec = FIELD_BY_NAME[kind].get(target)
        choices.append((target, TARGET_LABELS.get(target) or (spec.label if spec else target)))
    return choices
