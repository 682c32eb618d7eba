"""The audit register as an XLSX file, to the export standard of common.exports."""

import io

from flask_babel import force_locale
from openpyxl import Workbook

from marketplace.admin import register
from marketplace.common.exports import append_code_sheet, code_entries, export_time, xlsx_row
from marketplace.extensions import db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = [
    "时间（北京时间）",
    "操作人",
    "操作人单位",
    "操作",
    "对象类型",
    "对象",
    "变更内容",
    "说明",
    "IP 地址",
    "操作代码",
]
MAX_ROWS = 100_000
BATCH = 500


def audit_export_workbook(filters: register.AuditFilters) -> bytes:
    """Every entry matching the filters (newest first, at most MAX_ROWS), then the action codes.

    The file is Chinese whatever the interface language: the register's labels are read in Chinese.
    """
    with force_locale("zh_CN"):
        return _workbook(filters)


def _workbook(filters: register.AuditFilters) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="审计日志")
    sheet.append(xlsx_row(sheet, HEADER))
    logs = db.session.scalars(register.query(filters).limit(MAX_ROWS)).all()
    for start in range(0, len(logs), BATCH):
        for entry in register.describe(logs[start : start + BATCH]):
            changed = "\n".join(
                f"{c.label}：{c.before or '（无）'} → {c.after or '（无）'}" for c in entry.changes
            )
            sheet.append(
                xlsx_row(
                    sheet,
                    [
                        export_time(entry.log.created_at),
                        entry.operator,
                        entry.organisation,
                        entry.action,
                        entry.object_label,
                        entry.object_title,
                        changed,
                        entry.log.summary or "",
                        entry.log.ip or "",
                        entry.log.action,
                    ],
                )
            )
    append_code_sheet(workbook, code_entries("操作", register.ACTION_LABELS))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
