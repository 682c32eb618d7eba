"""Time a 10,000-row listings import (target: under a minute) and print the figures.

    .venv/bin/python bench/listings_import.py [--rows 10000] [--database-url postgresql+psycopg://...]

Generates patents (with valid application numbers and IPC codes) in CSV, XLSX and JSON Lines,
then imports each file into a fresh database through the same code the web job and CLI use.
"""

import argparse
import csv
import io
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from marketplace.common.validators import patent_check_char  # noqa: E402

IPC = ["G01D", "H01M 10/0525", "B65G", "C02F 1/44", "A61K 36/00", "F16K", "E04B 1/38", "H04L 9/32"]


def make_rows(count: int, year: int = 2019) -> list[dict]:
    rows = []
    for n in range(count):
        digits = f"{year}{1 + n % 2}{n:07d}"
        rows.append(
            {
                "application_number": f"{digits}.{patent_check_char(digits)}",
                "title": f"一种用于测试批量导入的装置及其方法（第{n}号）",
                "abstract": "本发明公开了一种装置，包括机架、传动机构和控制单元，可提高生产效率。" * 3,
                "ipc_codes": f"{IPC[n % len(IPC)]}|{IPC[(n + 3) % len(IPC)]}",
                "inventors": "张三|李四",
                "filing_date": f"2019-{1 + n % 12:02d}-{1 + n % 28:02d}",
                "legal_status": "valid",
                "transfer_modes": "transfer|license",
                "price_wan": str(5 + n % 50),
            }
        )
    return rows


def to_csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def to_jsonl(rows) -> bytes:
    lines = []
    for row in rows:
        record = dict(row)
        for key in ("ipc_codes", "inventors", "transfer_modes"):
            record[key] = record[key].split("|")
        lines.append(json.dumps(record, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode("utf-8")


def to_xlsx(rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    from sqlalchemy import text

    from config import TestConfig
    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.listings import importer
    from tests.factories import make_org

    # Each file has its own application numbers: a patent already on the platform is a duplicate.
    files = {
        "csv": to_csv(make_rows(args.rows, 2019)),
        "jsonl": to_jsonl(make_rows(args.rows, 2020)),
        "xlsx": to_xlsx(make_rows(args.rows, 2021)),
    }
    print(
        f"{args.rows} 行专利；文件大小：" + "，".join(f"{k} {len(v) / 1e6:.1f} MB" for k, v in files.items())
    )
    with tempfile.TemporaryDirectory() as tmp:
        config = TestConfig(Path(tmp))
        if args.database_url:
            config.SQLALCHEMY_DATABASE_URI = args.database_url
        app = create_app(config)
        with app.app_context():
            backend = db.engine.dialect.name
            if backend == "postgresql":
                with db.engine.begin() as conn:
                    conn.execute(text("DROP SCHEMA public CASCADE"))
                    conn.execute(text("CREATE SCHEMA public"))
            db.create_all()
            for fmt, data in files.items():
                org = make_org("university", name=f"基准测试大学-{fmt}")
                db.session.commit()
                start = time.perf_counter()
                report = importer.import_file("patent", org, None, data, f"bench.{fmt}")
                db.session.commit()
                elapsed = time.perf_counter() - start
                assert report.ok, report.errors[:3]
                print(
                    f"[{backend}] {fmt:5s}: 导入 {report.imported} 条，用时 {elapsed:.1f} 秒"
                    f"（{report.imported / elapsed:.0f} 条/秒）{'  ✓ < 60 秒' if elapsed < 60 else '  ✗ 超过 60 秒'}"
                )
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
