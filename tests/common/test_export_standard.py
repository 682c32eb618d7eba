"""The one export standard: 万元 beside the exact 元, Beijing time to the second, a code sheet."""

from datetime import datetime
from decimal import Decimal

from openpyxl import Workbook

from marketplace.common.exports import (
    amount_cells,
    amount_header,
    append_code_sheet,
    code_entries,
    csv_value,
    export_time,
)


def test_amounts_in_wan_then_exact_yuan():
    assert amount_header("参考价格") == ["参考价格（万元）", "参考价格（元）"]
    assert amount_cells(1_234_567) == [Decimal("1.23"), Decimal("12345.67")]
    assert amount_cells(None) == [None, None]


def test_times_are_beijing_without_microseconds():
    assert export_time(datetime(2026, 12, 3, 16, 30, 5, 123456)) == datetime(2026, 12, 4, 0, 30, 5)
    assert export_time(None) is None
    assert csv_value(datetime(2026, 12, 4, 0, 30, 5)) == "2026-12-04 00:30:05"


def test_code_sheet_lists_codes_and_labels():
    workbook = Workbook()
    append_code_sheet(workbook, code_entries("专利类型", {"utility_model": "实用新型"}))
    rows = list(workbook["代码说明"].iter_rows(values_only=True))
    assert rows == [("字段", "代码", "含义"), ("专利类型", "utility_model", "实用新型")]
