"""Files people download: the import templates (XLSX, CSV, JSON Lines) and the export of one's listings.

Both use the import column names, so an exported workbook can be edited and imported again.
"""

import csv
import io
import json

from sqlalchemy import select

from marketplace.common.exports import csv_row, xlsx_row
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


def export_workbook(org_id: int) -> bytes:
    """All of an organisation's listings, one sheet per kind, with the import column names."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for kind, model in LISTING_MODELS.items():
        sheet = workbook.create_sheet(KIND_LABELS[kind])
        columns = [f.name for f in FIELDS[kind]]
        sheet.append(xlsx_row(sheet, ["id", *columns, "status", "status_label", "updated_at"]))
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
            for name in columns:
                if name == "patent_ids":
                    value = "|".join(links.get(listing.id, []))
                else:
                    value = getattr(listing, name)
                if isinstance(value, list):
                    value = "|".join(str(v) for v in value)
                row.append(value)
            status = listing.effective_status
            row += [status, STATUSES.get(status, status), listing.fresh_at]
            # Titles and names are people's text: string cells, never formulas (common.exports).
            sheet.append(xlsx_row(sheet, row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
