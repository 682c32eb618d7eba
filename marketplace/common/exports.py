"""Rows for the CSV and XLSX files the platform writes: text never becomes a formula.

A buyer named `=HYPERLINK("http://evil.example/","click")` must reach the bureau's spreadsheet as
that text, not as a live formula. Every writer passes its rows through `csv_row` or `xlsx_row`:

- text stays text: in XLSX an explicit string cell (openpyxl would otherwise store a leading "="
  as a formula), in CSV prefixed with "'" when it begins with =, +, -, @, a tab or a carriage
  return (the characters spreadsheet programs start a formula with);
- numbers (int, Decimal) and dates keep their type, so money, counts and dates stay numeric and
  sortable; a negative amount is a number, never text with a leading "-".
"""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
AMOUNT_FORMAT = "0.00"


def starts_like_formula(text: str) -> bool:
    """Tell whether a spreadsheet program would read this text as the start of a formula."""
    return text.startswith(FORMULA_STARTS)


def csv_value(value) -> str:
    """One CSV field: dates in ISO form, numbers as written, text defused with a leading "'"."""
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
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
