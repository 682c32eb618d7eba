"""Rows for the CSV and XLSX files the platform writes: text never becomes a formula.

A buyer named `=HYPERLINK("http://evil.example/","click")` must reach the bureau's spreadsheet as
that text, not as a live formula. Every writer passes its rows through `csv_row` or `xlsx_row`:

- text stays text: in XLSX an explicit string cell (openpyxl would otherwise store a leading "="
  as a formula), in CSV prefixed with "'" when it begins with =, +, -, @, a tab or a carriage
  return (the characters spreadsheet programs start a formula with);
- numbers (int, Decimal) and dates keep their type, so money, counts and dates stay numeric and
  sortable; a negative amount is a number, never text with a leading "-".

It also holds the one standard every export follows (the bureau's contract export set it): Chinese
headers, labels instead of codes, money as 万元 with the exact 元 beside it (`amount_header`,
`amount_cells`), times in Beijing time to the second (`export_time`), and in XLSX a last sheet
"代码说明" listing the codes behind the labels for machine use (`append_code_sheet`).
"""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from functools import wraps

from flask_babel import force_locale
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

from marketplace.common.money import fen_to_yuan_text, format_wan_number
from marketplace.common.timeutil import to_beijing

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
AMOUNT_FORMAT = "0.00"
CODE_SHEET_TITLE = "代码说明"
CODE_SHEET_HEADER = ["字段", "代码", "含义"]


def chinese_file(view):
    """Build a download in Chinese whatever the interface language: exports are a data format.

    Put it just above the view function (below the route and permission decorators), so that a
    refusal is still a page in the visitor's language.
    """

    @wraps(view)
    def build(*args, **kwargs):
        with force_locale("zh_CN"):
            return view(*args, **kwargs)

    return build


def starts_like_formula(text: str) -> bool:
    """Tell whether a spreadsheet program would read this text as the start of a formula."""
    return text.startswith(FORMULA_STARTS)


def csv_value(value) -> str:
    """One CSV field: dates in ISO form, numbers as written, text defused with a leading "'"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (bool, int, Decimal)):
        return str(value)
    text = str(value)
    return "'" + text if starts_like_formula(text) else text


def csv_row(values: Iterable) -> list[str]:
    """A CSV record whose text cannot run as a formula."""
    return [csv_value(value) for value in values]


def xlsx_cell(sheet, value) -> Cell:
    """One XLSX cell: text as a string cell, numbers as numbers, dates as dates."""
    if isinstance(value, str):
        # Characters XML cannot carry (control characters) would make openpyxl refuse the file.
        cell = Cell(sheet, row=1, column=1, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"  # set after the value: openpyxl reads a leading "=" as a formula
        return cell
    cell = Cell(sheet, row=1, column=1, value=value)  # append() places it
    if isinstance(value, datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    elif isinstance(value, Decimal):
        cell.number_format = AMOUNT_FORMAT
    return cell


def xlsx_row(sheet, values: Iterable) -> list[Cell]:
    """An XLSX row (for sheet.append, normal or write-only) whose text cannot run as a formula."""
    return [xlsx_cell(sheet, value) for value in values]


def export_time(value: datetime | None) -> datetime | None:
    """A stored UTC time as Beijing wall-clock time to the second (no zone, no microseconds)."""
    local = to_beijing(value)
    return local.replace(tzinfo=None, microsecond=0) if local else None


def yuan_cell(fen: int | None) -> Decimal | None:
    """The exact amount in 元, two places (from 分 through text, never a float)."""
    return None if fen is None else Decimal(fen_to_yuan_text(fen))


def wan_cell(fen: int | None) -> Decimal | None:
    """The amount in 万元 rounded half-up to two places, for reading beside the exact 元."""
    return None if fen is None else Decimal(format_wan_number(fen).replace(",", ""))


def amount_header(label: str) -> list[str]:
    """The two headers of one amount: 万元 for reading, then the exact 元."""
    return [f"{label}（万元）", f"{label}（元）"]


def amount_cells(fen: int | None) -> list[Decimal | None]:
    """The two cells of one amount, in the order of `amount_header`."""
    return [wan_cell(fen), yuan_cell(fen)]


def append_code_sheet(workbook, entries: Iterable[tuple[str, str, str]]) -> None:
    """Add the "代码说明" sheet: for each coded column, each code and the label the export shows."""
    sheet = workbook.create_sheet(title=CODE_SHEET_TITLE)
    sheet.append(xlsx_row(sheet, CODE_SHEET_HEADER))
    for entry in entries:
        sheet.append(xlsx_row(sheet, entry))


def code_entries(column: str, labels: dict) -> list[tuple[str, str, str]]:
    """Rows for the code sheet from one label table (code -> label)."""
    return [(column, str(code), str(label)) for code, label in labels.items()]
