"""Reading the files people upload for import: XLSX, XLS, CSV (UTF-8 or GB18030) and JSON Lines.

This module only turns bytes into rows with their line numbers (and refuses files it cannot read
safely); checking the rows and writing listings is `importer`'s job.
"""

import csv
import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

from flask import current_app
from flask_babel import gettext

from marketplace.common.errors import ValidationError
from marketplace.common.uploads import size_label

FORMATS = ("xlsx", "xls", "html", "csv", "jsonl")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary Excel (.xls) container


def detect_format(filename: str, head: bytes) -> str:
    """Decide the format from the content, using the name only to tell CSV from JSON Lines."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(OLE2_MAGIC):
        return "xls"
    suffix = Path(filename or "").suffix.lower()
    if suffix in (".jsonl", ".json", ".ndjson"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    if head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"{"):
        return "jsonl"
    if suffix in (".xlsx", ".xls") and head.lstrip(b"\xef\xbb\xbf \r\n\t").lower().startswith(b"<"):
        # Several patent databases export an HTML table under the name .xls; Excel opens it.
        return "html"
    if suffix in (".xlsx", ".xls"):
        raise ValidationError(
            gettext("文件扩展名是 Excel，但内容不是 Excel 文件；请用 Excel 另存为 .xlsx 后再上传")
        )
    return "csv"


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(gettext("文件编码无法识别，请保存为 UTF-8 编码"))


def read_rows(data: bytes, fmt: str) -> tuple[list[str], Iterator[tuple[int, dict | None, str]], int]:
    """Return (columns, rows as (line number, record or None, problem), row count)."""
    if fmt == "xlsx":
        return _read_xlsx(data)
    text = _decode(data)
    if fmt == "csv":
        return _read_csv(text)
    return _read_jsonl(text)


def read_grid(data: bytes, fmt: str) -> list[tuple[int, list]]:
    """Every non-empty row of the first sheet as (line number, cell values), header rows included.

    Patent database exports put title rows above the header, so finding the header row is
    left to the caller (`headers.find_header_row`). JSON Lines is not a grid: use `read_rows`.
    """
    if fmt == "xlsx":
        from openpyxl import load_workbook

        _check_unpacked_size(data)
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds for a damaged file
            raise ValidationError(gettext("无法读取该 Excel 文件，请确认是 .xlsx 格式且未加密")) from None
        grid = [
            (number, list(values))
            for number, values in enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1)
            if any(v not in (None, "") for v in values)
        ]
        workbook.close()
        return grid
    if fmt == "xls":
        return _read_xls(data)
    if fmt == "html":
        return _read_html_table(_decode(data))
    reader = csv.reader(io.StringIO(_decode(data)))
    grid = []
    try:
        for values in reader:
            if any(v.strip() for v in values):
                grid.append((reader.line_num, values))
    except csv.Error as exc:
        raise ValidationError(
            gettext("CSV 格式错误（第 %(line)s 行）：%(error)s", line=reader.line_num, error=exc)
        ) from None
    return grid


class _TableParser(HTMLParser):
    """The rows of the first <table> of an HTML page, cell texts with <br> as line breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._tables = 0

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._tables += 1
        elif tag == "tr" and self._tables == 1:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _read_html_table(text: str) -> list[tuple[int, list]]:
    parser = _TableParser()
    parser.feed(text)
    parser.close()
    if not parser.rows:
        raise ValidationError(
            gettext("该 .xls 文件是网页格式，但没有找到表格；请用 Excel 另存为 .xlsx 后再上传")
        )
    return [(number, row) for number, row in enumerate(parser.rows, start=1) if any(v.strip() for v in row)]


def _read_xls(data: bytes) -> list[tuple[int, list]]:
    """The first sheet of an old binary .xls workbook (xlrd reads only this format)."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
        sheet = book.sheet_by_index(0)
    except Exception:  # xlrd raises many kinds for a damaged or encrypted file
        raise ValidationError(
            gettext("无法读取该 .xls 文件，请确认未加密，或用 Excel 另存为 .xlsx 后再上传")
        ) from None
    grid = []
    for index in range(sheet.nrows):
        values = []
        for cell in sheet.row(index):
            if cell.ctype == xlrd.XL_CELL_DATE:
                values.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
            elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                values.append(None)
            else:
                values.append(cell.value)
        if any(v not in (None, "") for v in values):
            grid.append((index + 1, values))
    book.release_resources()
    return grid


def _read_csv(text: str):
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ValidationError(gettext("文件是空的")) from None
    except csv.Error as exc:
        raise ValidationError(gettext("CSV 格式错误：%(error)s", error=exc)) from None

    rows = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(header):
                rows.append(
                    (
                        line,
                        None,
                        gettext(
                            "该行有 %(n)s 列，多于表头的 %(header)s 列（是否有未加引号的逗号？）",
                            n=len(values),
                            header=len(header),
                        ),
                    )
                )
                continue
            rows.append((line, dict(zip(header, values, strict=False)), ""))
    except csv.Error as exc:
        rows.append((reader.line_num, None, gettext("CSV 格式错误：%(error)s", error=exc)))
    return header, iter(rows), len(rows)


def _read_jsonl(text: str):
    rows = []
    columns: dict[str, None] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            rows.append(
                (
                    number,
                    None,
                    gettext("不是有效的 JSON：%(error)s（第 %(n)s 个字符）", error=exc.msg, n=exc.colno),
                )
            )
            continue
        if not isinstance(record, dict):
            rows.append((number, None, gettext('每行须为一个 JSON 对象，如 {"title": "…"}')))
            continue
        columns.update(dict.fromkeys(record))
        rows.append((number, record, ""))
    return list(columns), iter(rows), len(rows)


def _check_unpacked_size(data: bytes) -> None:
    """Refuse a workbook that unpacks to far more than it weighs (a zip bomb) before parsing it.

    zipfile never reads past an entry's declared size, so the declared sizes can be trusted.
    """
    limit = current_app.config.get("IMPORT_MAX_UNPACKED_BYTES", 200 * 1024 * 1024)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise ValidationError(gettext("无法读取该 Excel 文件，请确认是 .xlsx 格式且未加密")) from None
    if unpacked > limit:
        raise ValidationError(
            gettext(
                "该 Excel 文件解压后超过 %(size)s，请拆分成几个文件或改用 CSV 导入", size=size_label(limit)
            )
        )


def _read_xlsx(data: bytes):
    from openpyxl import load_workbook

    _check_unpacked_size(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise ValidationError(gettext("无法读取该 Excel 文件，请确认是 .xlsx 格式且未加密")) from None
    sheet = workbook.worksheets[0]
    iterator = sheet.iter_rows(values_only=True)
    try:
        header = [str(h).strip() if h is not None else "" for h in next(iterator)]
    except StopIteration:
        workbook.close()
        raise ValidationError(gettext("文件是空的")) from None
    rows = []
    for number, values in enumerate(iterator, start=2):
        if not any(v not in (None, "") for v in values):
            continue
        record = {name: value for name, value in zip(header, values, strict=False) if name}
        rows.append((number, record, ""))
    workbook.close()
    return header, iter(rows), len(rows)


def store_import_file(storage, max_bytes: int) -> tuple[str, bytes]:
    """Save an uploaded import file under UPLOAD_DIR/imports; return its relative path and bytes."""
    if storage is None or not getattr(storage, "filename", ""):
        raise ValidationError(gettext("请选择要导入的文件"), fields={"file": gettext("请选择文件")})
    data = storage.read(max_bytes + 1)
    if not data:
        raise ValidationError(gettext("上传的文件是空的"), fields={"file": gettext("文件是空的")})
    if len(data) > max_bytes:
        raise ValidationError(f"文件过大，最大 {size_label(max_bytes)}", fields={"file": gettext("文件过大")})
    suffix = Path(storage.filename).suffix.lower()
    if suffix not in (".xlsx", ".xls", ".csv", ".jsonl", ".json", ".ndjson", ".txt"):
        raise ValidationError(
            gettext("只支持 .xlsx、.xls、.csv 和 .jsonl 文件"), fields={"file": gettext("文件类型不支持")}
        )
    relative = Path("imports") / f"{uuid.uuid4().hex}{suffix}"
    target = Path(current_app.config["UPLOAD_DIR"]) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return str(relative), data
