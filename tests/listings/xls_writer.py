"""A minimal writer of old binary Excel (.xls, BIFF8 in an OLE2 container), for import tests.

Only text cells, one sheet: enough to stand for a patent database's .xls export. No maintained
Python package writes .xls any more (xlwt is abandoned), so the tests build their own files.
"""

import struct

SECTOR = 512
FREE, END, FAT_SECTOR = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def _record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _bof(sheet_type: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, sheet_type, 0x0DBB, 0x07CC, 0, 0x06))


def _workbook_stream(rows: list[list[str]], sheet_name: str) -> bytes:
    name = sheet_name.encode("utf-16-le")
    sheet = [_bof(0x0010)]
    width = max((len(r) for r in rows), default=0)
    sheet.append(_record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0)))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value in (None, ""):
                continue
            text = str(value)
            sheet.append(
                _record(0x0204, struct.pack("<HHHHB", r, c, 0, len(text), 1) + text.encode("utf-16-le"))
            )
    sheet.append(_record(0x000A))
    head = [_bof(0x0005), _record(0x0042, struct.pack("<H", 1200))]
    boundsheet_len = 4 + 8 + len(name)
    eof_len = 4
    offset = sum(len(x) for x in head) + boundsheet_len + eof_len
    head.append(_record(0x0085, struct.pack("<IBBBB", offset, 0, 0, len(sheet_name), 1) + name))
    head.append(_record(0x000A))
    stream = b"".join(head) + b"".join(sheet)
    # Streams under 4096 bytes would live in the mini stream; padding keeps them in normal sectors.
    return stream + b"\0" * max(0, 4096 - len(stream))


def _dir_entry(name: str, kind: int, start: int, size: int, child: int = FREE) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBB", len(encoded), kind, 1)
        + struct.pack("<III", FREE, FREE, child)
        + b"\0" * 16
        + b"\0" * 4
        + b"\0" * 16
        + struct.pack("<III", start, size, 0)
    )


def write_xls(rows: list[list[str]], sheet_name: str = "Sheet1") -> bytes:
    """An .xls file whose first sheet holds `rows` as text cells."""
    stream = _workbook_stream(rows, sheet_name)
    stream += b"\0" * (-len(stream) % SECTOR)
    n = len(stream) // SECTOR
    fat = [FAT_SECTOR] + [i + 1 for i in range(1, n)] + [END, END]
    fat += [FREE] * (SECTOR // 4 - len(fat))
    directory = (
        _dir_entry("Root Entry", 5, END, 0, child=1)
        + _dir_entry("Workbook", 2, 1, len(stream))
        + _dir_entry("", 0, FREE, 0)
        + _dir_entry("", 0, FREE, 0)
    )
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, n + 1, 0, 4096, END, 0, END, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", FREE) * 108
    )
    return header + struct.pack(f"<{SECTOR // 4}I", *fat) + stream + directory
