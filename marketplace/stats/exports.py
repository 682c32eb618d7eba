"""Exports for the bureau: registered contracts and the summary tables, as CSV and XLSX.

Amounts are exact 元 with two decimals (from integer 分, never through a float) plus a 万元
column for reading. CSV starts with a UTF-8 BOM so that Excel opens the Chinese correctly. Rows
hold typed values (Decimal amounts, int counts, dates) and are written through common.exports,
so names typed by people never become formulas and numbers stay numbers.
"""

import csv
import io
from collections.abc import Iterator
from decimal import Decimal

from openpyxl import Workbook

from marketplace.common.domain import NATURE_CODES, region_label
from marketplace.common.exports import append_code_sheet, code_entries, csv_row, wan_cell, xlsx_row, yuan_cell
from marketplace.contracts.models import CONTRACT_TYPES, SUBTYPE_LABELS
from marketplace.extensions import db
from marketplace.stats import queries
from marketplace.stats.facts import ContractFact

BOM = "\ufeff"
CONTRACT_HEADER = [
    "登记号",
    "登记日期",
    "合同类别",
    "子类",
    "技术领域",
    "卖方",
    "卖方主体性质",
    "买方",
    "买方所在地",
    "登记方所在区县",
    "技术转移机构（经纪）",
    "合同成交额（元）",
    "技术交易额（元）",
    "合同成交额（万元）",
    "技术交易额（万元）",
]
SUMMARY_HEADER = [
    "分类",
    "项目",
    "件数",
    "合同成交额（元）",
    "技术交易额（元）",
    "合同成交额（万元）",
    "技术交易额（万元）",
]


def _buyer_place(fact: ContractFact) -> str:
    if fact.buyer_country and fact.buyer_country.upper() != "CHN":
        return f"境外（{fact.buyer_country}）"
    return region_label(fact.buyer_region_code) or ""


def _amounts(contract_fen: int, technical_fen: int) -> list[Decimal]:
    # Decimals built from the exact text keep their two places: 39500000.00, not 39500000.
    return [
        yuan_cell(contract_fen),
        yuan_cell(technical_fen),
        wan_cell(contract_fen),
        wan_cell(technical_fen),
    ]


def code_sheet_entries() -> list[tuple[str, str, str]]:
    """The codes behind the labels the contract and summary exports show."""
    entries = []
    for _name, (_dim, title, labels) in queries.BREAKDOWNS.items():
        if any(code != label for code, label in labels.items()):
            entries += code_entries(title, labels)
    entries += code_entries("子类", SUBTYPE_LABELS)
    entries += code_entries("主体性质", NATURE_CODES)
    return entries


def contract_records(filters) -> Iterator[list]:
    """Yield one row per registered contract in the period (text, a date, Decimal amounts)."""
    stmt = queries.contract_rows(filters.start, filters.end, filters.district).execution_options(
        yield_per=2000
    )
    for fact in db.session.scalars(stmt):
        nature = fact.seller_nature_code
        yield [
            fact.registration_number,
            fact.registered_on,
            CONTRACT_TYPES.get(fact.contract_type, fact.contract_type),
            SUBTYPE_LABELS.get(fact.subtype, fact.subtype),
            fact.technology_field,
            fact.seller_name,
            f"{nature} {NATURE_CODES.get(nature, '')}".strip(),
            fact.buyer_name,
            _buyer_place(fact),
            region_label(fact.district),
            fact.broker_name or "",
            *_amounts(fact.contract_amount_fen, fact.technical_amount_fen),
        ]


def summary_records(filters, basis: str) -> list[list]:
    """The summary tables (total, then each breakdown and the districts) as rows."""
    summary = queries.summarize(filters.start, filters.end, filters.district, basis=basis, parties=False)
    total = summary.total
    rows = [
        [
            "合计",
            "全部登记合同",
            total.count,
            *_amounts(total.contract_amount_fen, total.technical_amount_fen),
        ]
    ]
    sections = [
        (title, summary.breakdowns[name]) for name, (_dim, title, _labels) in queries.BREAKDOWNS.items()
    ]
    sections.append(("区县", summary.by_district))
    for title, section in sections:
        for row in section:
            rows.append(
                [title, row.label, row.count, *_amounts(row.contract_amount_fen, row.technical_amount_fen)]
            )
    return rows


def csv_stream(header: list[str], records) -> Iterator[str]:
    """Yield CSV text, BOM first, a row at a time so big exports do not fill memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield BOM
    writer.writerow(csv_row(header))
    for record in records:
        writer.writerow(csv_row(record))
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _sheet_rows(sheet, header: list[str], records) -> None:
    sheet.append(xlsx_row(sheet, header))
    for record in records:
        sheet.append(xlsx_row(sheet, record))


def xlsx_bytes(sheets: list[tuple[str, list[str], object]]) -> bytes:
    """Build a workbook (write-only, so 100,000 rows stay cheap) from (title, header, rows), codes last."""
    workbook = Workbook(write_only=True)
    for title, header, records in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        _sheet_rows(sheet, header, records)
    append_code_sheet(workbook, code_sheet_entries())
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def filename(kind: str, filters, ext: str) -> str:
    district = f"-{filters.district}" if filters.district else ""
    return f"{kind}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}{district}.{ext}"
