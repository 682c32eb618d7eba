"""What an import file would do, worked out before anything is written: the preview.

`analyse` reads the file, finds its header row and layout, maps each column to a field (or takes
the user's mapping), cleans every row and reports, by line: errors (nothing is imported while any
remains), rows flagged for confirmation (an amount under 1 万元 or over 100 亿元, the "80 typed as
万元 became 0.80 万元" mistake) and rows for listings already on the platform (skip, update or
error, as the user chooses). The web preview page and `flask import --preview` show the same.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from flask_babel import gettext
from sqlalchemy import or_, select

from marketplace.common.i18n import N_, tr
from marketplace.common.money import format_wan
from marketplace.extensions import db
from marketplace.listings import headers as header_table
from marketplace.listings.fields import COLUMNS, FIELD_BY_NAME, clean_record
from marketplace.listings.import_files import detect_format, read_grid, read_rows
from marketplace.listings.models import Patent, ResearchResult
from marketplace.listings.patent_values import prepare_patent, publication_stem

SAMPLE_ROWS = 10
DUPLICATE_CHOICES = {"error": N_("报错，不导入"), "skip": N_("跳过这些行"), "update": N_("更新已有的记录")}
# The money fields as the preview names them (the amounts are shown in 万元, not 分).
SHOWN_LABELS = {"price_fen": N_("参考价格"), "budget_fen": N_("拟投入资金")}
# An amount outside this range is most often a unit mistake (万元 typed in 分, or 元 in 万元).
LOW_FEN = 1_000_000  # 1 万元
HIGH_FEN = 1_000_000_000_000  # 100 亿元
MONEY_FIELDS = {"patent": "price_fen", "result": "price_fen", "demand": "budget_fen"}


@dataclass
class Preview:
    kind: str
    fmt: str = ""
    layout: str = "other"
    header_line: int = 1
    headers: list[str] = field(default_factory=list)
    mapping: list[str] = field(default_factory=list)
    total: int = 0
    records: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    flagged: list[dict] = field(default_factory=list)
    # {"line", "message", "existing_id", "own": bool}
    duplicates: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def layout_label(self) -> str:
        return header_table.LAYOUT_LABELS.get(self.layout, self.layout)

    @property
    def sample(self) -> list[dict]:
        return self.records[:SAMPLE_ROWS]

    @property
    def columns(self) -> list[dict]:
        """Each column of the file with the field it maps to, for the preview table."""
        labels = dict(header_table.target_choices(self.kind))
        return [
            {"index": i, "header": h, "target": t, "label": labels.get(t, "")}
            for i, (h, t) in enumerate(zip(self.headers, self.mapping, strict=True))
        ]

    @property
    def shown_fields(self) -> list[tuple[str, str]]:
        """(field, label) of the fields the mapping fills, in the field table's order."""
        mapped = {COLUMNS[self.kind][t][0] for t in self.mapping if t}
        return [
            (name, SHOWN_LABELS.get(name, spec.label))
            for name, spec in FIELD_BY_NAME[self.kind].items()
            if name in mapped
        ]

    def cells(self, record: dict) -> list[tuple[str, str]]:
        """(field, text) of a record as the preview shows it: labels for codes, 万元 for money."""
        return [
            (name, display_value(self.kind, name, record.get(name))) for name, _label in self.shown_fields
        ]


def display_value(kind: str, name: str, value) -> str:
    spec = FIELD_BY_NAME[kind][name]
    if value is None or value == "" or value == []:
        return ""
    if spec.type == "fen":
        return format_wan(value)
    if spec.type in ("choice", "int") and spec.choices:
        return tr(spec.choices.get(value, value))
    if spec.type == "choices" and spec.choices:
        return gettext("、").join(tr(spec.choices.get(v, v)) for v in value)
    if spec.type == "bool":
        return gettext("是") if value else gettext("否")
    if isinstance(value, list):
        return "；".join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _add(items: list, line: int, message: str, **extra) -> None:
    items.append({"line": line, "message": message, **extra})


def _table(kind: str, data: bytes, filename: str) -> tuple[str, int, list, list]:
    """(format, header line, headers, rows as (line, values or None, problem))."""
    fmt = detect_format(filename, data[:64])
    if fmt == "jsonl":
        columns, rows, _total = read_rows(data, fmt)
        grid = [
            (line, None if record is None else [record.get(c) for c in columns], problem)
            for line, record, problem in rows
        ]
        return fmt, 0, columns, grid
    grid = read_grid(data, fmt)
    if not grid:
        return fmt, 1, [], []
    index = header_table.find_header_row(kind, grid)
    line, values = grid[index]
    headers = [_header_text(v) for v in values]
    rows = []
    for row_line, row_values in grid[index + 1 :]:
        if len(row_values) > len(headers) and any(v not in (None, "") for v in row_values[len(headers) :]):
            message = gettext(
                "该行有 %(n)s 列，多于表头的 %(header)s 列（是否有未加引号的逗号？）",
                n=len(row_values),
                header=len(headers),
            )
            rows.append((row_line, None, message))
            continue
        values = [_cell(v) for v in row_values] + [None] * (len(headers) - len(row_values))
        rows.append((row_line, values[: len(headers)], ""))
    return fmt, line, headers, rows


_FORMULA_TEXT = re.compile(r'^="(.*)"$', re.S)


def _cell(value):
    """A cell as written: exports guard numbers as text with ="CN110098765B" or a leading '."""
    if isinstance(value, str):
        match = _FORMULA_TEXT.match(value.strip())
        if match:
            return match.group(1)
        if value.startswith("'"):
            return value[1:]
    return value


def _header_text(value) -> str:
    return unicodedata.normalize("NFC", str(value)).strip() if value is not None else ""


def clean_mapping(kind: str, headers: list[str], chosen: dict | None) -> list[str]:
    """The detected mapping, overridden by the user's choices ({column index: target or ""})."""
    mapping = header_table.map_headers(kind, headers)
    if not chosen:
        return mapping
    valid = set(header_table.HEADERS[kind])
    for key, target in chosen.items():
        index = int(key)
        if 0 <= index < len(mapping) and (target in valid or target == ""):
            mapping[index] = target
    return mapping


def analyse(
    kind: str,
    org_id: int,
    data: bytes,
    filename: str,
    *,
    mapping: dict | None = None,
    on_total=None,
    progress=None,
) -> Preview:
    """Read and check a whole import file without writing anything."""
    preview = Preview(kind=kind)
    preview.fmt, preview.header_line, preview.headers, rows = _table(kind, data, filename)
    preview.mapping = clean_mapping(kind, preview.headers, mapping)
    preview.layout = header_table.detect_layout(kind, preview.headers)
    preview.total = len(rows)
    if on_total:
        on_total(preview.total)
    unknown = [h for h, t in zip(preview.headers, preview.mapping, strict=True) if h and not t]
    if unknown:
        preview.warnings.append(
            gettext("以下列不认识或未选择字段，已忽略：%(columns)s", columns="、".join(unknown))
        )
    targets = {COLUMNS[kind][t][0] for t in preview.mapping if t}
    if "title" not in targets:
        _add(
            preview.errors, preview.header_line or 1, gettext("缺少必需的列：名称（请在下方为名称选择一列）")
        )
    if kind == "demand" and "deadline" not in targets:
        _add(preview.errors, preview.header_line or 1, gettext("缺少必需的列：截止日期（deadline）"))
    seen_numbers: dict[str, int] = {}
    for index, (line, values, problem) in enumerate(rows, start=1):
        if problem:
            _add(preview.errors, line, problem)
            continue
        raw = {}
        for target, value in zip(preview.mapping, values, strict=True):
            # Several columns may feed one field (IPC分类号 and 主分类号): the first filled one wins.
            if target and (raw.get(target) in (None, "", []) or target not in raw):
                raw[target] = value
        if kind == "patent":
            raw = prepare_patent(raw)
        record, errors, _unknown = clean_record(kind, raw)
        if errors:
            _add(preview.errors, line, gettext("；").join(errors.values()))
            continue
        record["_line"] = line
        record["_given"] = {COLUMNS[kind][t][0] for t, v in raw.items() if v not in (None, "")}
        key = _patent_key(record) if kind == "patent" else None
        if key and key in seen_numbers:
            _add(
                preview.errors,
                line,
                gettext("与第 %(line)s 行是同一件专利（申请号或公开号重复）", line=seen_numbers[key]),
            )
            continue
        if key:
            seen_numbers[key] = line
        _flag_amount(kind, record, preview)
        preview.records.append(record)
        if progress and index % 200 == 0:
            progress(index)
    if kind == "patent":
        _find_existing_patents(org_id, preview)
    elif kind == "result":
        _find_existing_results(org_id, preview)
        _check_linked_patents(org_id, preview)
    for items in (preview.errors, preview.flagged, preview.duplicates):
        items.sort(key=lambda e: e["line"])
    if progress:
        progress(preview.total)
    return preview


def _patent_key(record: dict) -> str | None:
    if record.get("application_number"):
        return "app:" + record["application_number"]
    if record.get("publication_number"):
        return "pub:" + publication_stem(record["publication_number"])
    return None


def _flag_amount(kind: str, record: dict, preview: Preview) -> None:
    name = MONEY_FIELDS[kind]
    fen = record.get(name)
    if fen is None or LOW_FEN <= fen <= HIGH_FEN:
        return
    label = tr(SHOWN_LABELS[name])
    hint = (
        gettext("不到 1 万元，是否把万元填成了元或分？")
        if fen < LOW_FEN
        else gettext("超过 100 亿元，是否多写了零或单位？")
    )
    _add(
        preview.flagged,
        record["_line"],
        gettext("%(label)s %(amount)s：%(hint)s", label=label, amount=format_wan(fen), hint=hint),
    )


def _find_existing_patents(org_id: int, preview: Preview) -> None:
    """Rows for a patent already on the platform: same application number, else same publication."""
    by_app = {r["application_number"]: r for r in preview.records if r.get("application_number")}
    by_stem = {
        publication_stem(r["publication_number"]): r for r in preview.records if r.get("publication_number")
    }
    found: dict[int, tuple[dict, Patent]] = {}
    apps, stems = list(by_app), list(by_stem)
    for start in range(0, max(len(apps), len(stems)), 300):
        numbers = [f"{s}{k}" for s in stems[start : start + 300] for k in "ABCUYS"]
        clauses = []
        if apps[start : start + 300]:
            clauses.append(Patent.application_number.in_(apps[start : start + 300]))
        if numbers:
            clauses.append(Patent.publication_number.in_(numbers))
        for patent in db.session.scalars(select(Patent).where(or_(*clauses))):
            record = by_app.get(patent.application_number or "")
            if record is None:
                candidate = by_stem.get(publication_stem(patent.publication_number))
                # Different application numbers on both sides are different patents.
                if candidate and not (candidate.get("application_number") and patent.application_number):
                    record = candidate
            if record is not None:
                previous = found.get(record["_line"])
                if previous is None or (
                    patent.organisation_id == org_id and previous[1].organisation_id != org_id
                ):
                    found[record["_line"]] = (record, patent)
    for line, (record, patent) in found.items():
        number = record.get("application_number") or record.get("publication_number")
        own = patent.organisation_id == org_id
        if own:
            message = gettext("%(number)s 的专利本单位已发布过（编号 %(id)s）", number=number, id=patent.id)
        else:
            message = gettext(
                "%(number)s 的专利已由%(org)s发布（编号 %(id)s），不能更新他人的信息",
                number=number,
                org=patent.organisation.name,
                id=patent.id,
            )
        _add(preview.duplicates, line, message, existing_id=patent.id, own=own)


def _title_key(title: str) -> str:
    return re.sub(r"[\s\u3000]+", "", unicodedata.normalize("NFKC", title or "")).lower()


def _find_existing_results(org_id: int, preview: Preview) -> None:
    """Rows for a result with the same title from the same organisation."""
    existing = {
        _title_key(title): rid
        for rid, title in db.session.execute(
            select(ResearchResult.id, ResearchResult.title).where(ResearchResult.organisation_id == org_id)
        )
    }
    seen: dict[str, int] = {}
    for record in preview.records:
        key = _title_key(record["title"])
        if key in existing:
            _add(
                preview.duplicates,
                record["_line"],
                gettext(
                    "本单位已发布过同名成果“%(title)s”（编号 %(id)s）",
                    title=record["title"],
                    id=existing[key],
                ),
                existing_id=existing[key],
                own=True,
            )
        elif key in seen:
            _add(preview.errors, record["_line"], gettext("与第 %(line)s 行成果名称相同", line=seen[key]))
        seen.setdefault(key, record["_line"])


def _check_linked_patents(org_id: int, preview: Preview) -> None:
    wanted = {pid for r in preview.records for pid in r.get("patent_ids") or []}
    if not wanted:
        return
    own = set(
        db.session.scalars(select(Patent.id).where(Patent.id.in_(wanted), Patent.organisation_id == org_id))
    )
    for record in preview.records:
        missing = [pid for pid in record.get("patent_ids") or [] if pid not in own]
        if missing:
            _add(
                preview.errors,
                record["_line"],
                gettext("关联专利编号 %(ids)s 不存在或不属于本单位", ids=", ".join(map(str, missing))),
            )


def blocking_problems(preview: Preview, *, on_duplicate: str, accepted: set[int] | bool) -> list[dict]:
    """Errors, plus flagged rows not accepted and duplicates when the choice is 'error'."""
    problems = list(preview.errors)
    for item in preview.flagged:
        if accepted is not True and item["line"] not in (accepted or set()):
            _add(
                problems,
                item["line"],
                item["message"] + gettext("（未确认；确认无误请勾选接受，或用 --yes）"),
            )
    if on_duplicate == "error":
        for item in preview.duplicates:
            _add(problems, item["line"], item["message"] + gettext("；请选择跳过或更新"))
    problems.sort(key=lambda e: e["line"])
    return problems
