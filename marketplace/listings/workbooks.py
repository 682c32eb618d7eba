"""Files people download: the import templates (XLSX, CSV, JSON Lines) and the export of one's listings.

The templates use the import column names; the export follows the standard of every export
(common.exports): Chinese headers and labels, amounts in 万元 and exact 元, Beijing time, and a
"代码说明" sheet giving the field names and codes behind the headers and labels.
"""

import csv
import io
import json
import re

from sqlalchemy import select

from marketplace.common.exports import (
    amount_cells,
    amount_header,
    append_code_sheet,
    code_entries,
    csv_row,
    export_time,
    xlsx_row,
)
from marketplace.common.kinds import KIND_LABELS
from marketplace.extensions import db
from marketplace.listings.fields import FIELDS
from marketplace.listings.models import LISTING_MODELS, STATUSES, result_patents


def template_columns(kind: str) -> list[str]:
    return [f.name for f in FIELDS[kind]]


def template_header(spec) -> str:
    """The Chinese column header of a field in the templates; amounts are in 万元."""
    if spec.type == "fen":
        return spec.label.replace("（分）", "（万元）")
    return spec.label


def _template_example(spec) -> str:
    """The example value as a person would type it: Chinese labels, 万元, 是/否."""
    value = spec.example
    if spec.type == "choice" and spec.choices and value in spec.choices:
        return str(spec.choices[value])
    if spec.type == "choices" and spec.choices:
        return "|".join(str(spec.choices.get(v, v)) for v in value.split("|") if v)
    if spec.type == "bool":
        return "是" if value == "true" else "否"
    if spec.type == "fen":
        return "80" if spec.name == "price_fen" else "120"
    return value


def template_file(kind: str, fmt: str) -> bytes:
    """A template with Chinese column names (amounts in 万元) and one example row.

    The English field names and the 分 columns of earlier templates are still read on import.
    """
    specs = FIELDS[kind]
    if fmt == "jsonl":
        columns = [f.name for f in specs]
        example = {f.name: f.example for f in specs}
    else:
        columns = [template_header(f) for f in specs]
        example = {template_header(f): _template_example(f) for f in specs}
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(csv_row(columns))
        writer.writerow(csv_row(example[c] for c in columns))
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    if fmt == "jsonl":
        record = {}
        for spec in specs:
            value = spec.example
            if spec.type in ("list", "choices", "ipc"):
                value = [v for v in value.split("|") if v]
            elif spec.type == "ids":
                value = []
            elif spec.type == "bool":
                value = value == "true"
            elif spec.type in ("int",) and value:
                value = int(value)
            elif spec.type == "fen" or value == "":
                value = None
            record[spec.name] = value
        return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    from openpyxl import Workbook
    from openpyxl.comments import Comment

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = KIND_LABELS[kind]
    sheet.append(xlsx_row(sheet, columns))
    for cell, spec in zip(sheet[1], specs, strict=True):
        hint = spec.name + ("（必填）" if spec.required else "")
        if spec.choices and spec.type in ("choice", "choices"):
            hint += "；可选：" + "、".join(str(v) for v in spec.choices.values())
        if spec.type in ("list", "choices", "ipc", "ids"):
            hint += "；多个用 | 分隔"
        cell.comment = Comment(hint, "平台")
    sheet.append(xlsx_row(sheet, (example[c] for c in columns)))
    help_sheet = workbook.create_sheet("填写说明")
    help_sheet.append(xlsx_row(help_sheet, ["列名", "英文列名（也可用）", "说明"]))
    for spec in specs:
        aliases = "、".join(a for a, _u in spec.aliases)
        note = "必填" if spec.required else ""
        if spec.type == "fen":
            note += f"；单位万元，留空为面议；英文列 {aliases} 为万元、{spec.name} 为分"
        elif aliases:
            note += f"；也可用列 {aliases}"
        if spec.choices and spec.type in ("choice", "choices"):
            note += "；可选：" + "、".join(f"{k}={v}" for k, v in spec.choices.items())
        help_sheet.append(xlsx_row(help_sheet, [template_header(spec), spec.name, note.strip("；")]))
    help_sheet.append(
        xlsx_row(
            help_sheet,
            [
                "",
                "",
                "删除示例行后填写；金额以万元为单位，不到 1 万元或超过 100 亿元的会要求确认；"
                "也可使用英文列名（第二列）；专利也可直接导入专利数据库导出的表格。",
            ],
        )
    )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _base_label(label: str) -> str:
    # "参考价格（分）" -> "参考价格": the export gives the amount in 万元 and 元 instead.
    return re.sub(r"（(?:分|元|万元)）$", "", label)


def export_header(kind: str) -> list[str]:
    """The Chinese column headers of one kind's export sheet."""
    header = ["编号"]
    for spec in FIELDS[kind]:
        header += amount_header(_base_label(spec.label)) if spec.type == "fen" else [spec.label]
    return [*header, "状态", "更新时间（北京时间）"]


def _export_cells(spec, value) -> list:
    if spec.type == "fen":
        return amount_cells(value)
    if spec.type == "bool":
        return ["是" if value else "否"]
    if isinstance(value, list):
        labels = spec.choices or {}
        return ["；".join(str(labels.get(v, v)) for v in value)]
    if spec.type == "choice" and spec.choices and value is not None:
        return [spec.choices.get(value, value)]
    return [value]


def _code_entries(kind: str) -> list[tuple[str, str, str]]:
    sheet = KIND_LABELS[kind]
    # The field name behind each header first, so a program can map the columns back.
    entries = [(f"{sheet}·列", spec.name, spec.label) for spec in FIELDS[kind]]
    for spec in FIELDS[kind]:
        if spec.choices and any(str(code) != str(label) for code, label in spec.choices.items()):
            entries += code_entries(f"{sheet}·{spec.label}", spec.choices)
    return entries


def export_workbook(org_id: int) -> bytes:
    """All of an organisation's listings, one sheet per kind, in Chinese; the codes on the last sheet."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    codes: list[tuple[str, str, str]] = []
    for kind, model in LISTING_MODELS.items():
        sheet = workbook.create_sheet(KIND_LABELS[kind])
        sheet.append(xlsx_row(sheet, export_header(kind)))
        listings = db.session.scalars(
            select(model).where(model.organisation_id == org_id).order_by(model.id)
        ).all()
        links = {}
        if kind == "result":
            for rid, pid in db.session.execute(
                select(result_patents.c.result_id, result_patents.c.patent_id)
                .join(model, model.id == result_patents.c.result_id)
                .where(model.organisation_id == org_id)
            ):
                links.setdefault(rid, []).append(str(pid))
        for listing in listings:
            row = [listing.id]
            for spec in FIELDS[kind]:
                if spec.name == "patent_ids":
                    value = links.get(listing.id, [])
                else:
                    value = getattr(listing, spec.name)
                row += _export_cells(spec, value)
            status = listing.effective_status
            row += [STATUSES.get(status, status), export_time(listing.fresh_at)]
            # Titles and names are people's text: string cells, never formulas (common.exports).
            sheet.append(xlsx_row(sheet, row))
        codes += _code_entries(kind)
    codes += code_entries("状态", STATUSES)
    append_code_sheet(workbook, codes)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
