"""Exports never carry formulas: people's text is plain text, money, counts and dates keep their type.

A buyer named `=HYPERLINK(...)` must not become a live formula in the bureau's spreadsheet, nor a
listing title starting with "=" in "我的发布" export. XLSX text is an explicit string cell; CSV text
starting with =, +, -, @, a tab or a carriage return is prefixed with "'".
"""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from marketplace.extensions import db
from tests.factories import login, make_user
from tests.listings.factories import make_demand, make_patent, make_result
from tests.stats.factories import make_fact

PERIOD = {"from": "2025-01-01", "to": "2025-12-31"}
EVIL = [
    '=HYPERLINK("http://evil.example/","click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.fixture
def bureau_client(app, client):
    with app.app_context():
        for n, name in enumerate(EVIL):
            make_fact(
                registration_number=f"20251301000{n:05d}",
                registered_on=date(2025, 5, n + 1),
                seller_name=f"卖方{n}",
                buyer_name=name,
                broker_name=name,
                contract_amount_fen=1_234_567_89,
                technical_amount_fen=1_000_000_00,
            )
        db.session.commit()
        login(client, make_user("bureau"))
    return client


def _csv(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def test_contract_csv_export_defuses_formulas_and_keeps_numbers(bureau_client):
    response = bureau_client.get("/bureau/stats/export/contracts.csv", query_string=PERIOD)
    assert response.status_code == 200
    header, *rows = _csv(response)
    buyer, broker = header.index("买方"), header.index("技术转移机构（经纪）")
    assert sorted(row[buyer] for row in rows) == sorted("'" + name for name in EVIL)
    assert all(row[broker] == row[buyer] for row in rows)
    for row in rows:
        assert row[1].startswith("2025-05-0")  # a date, as written
        assert row[-4:] == ["1234567.89", "1000000.00", "123.46", "100.00"]  # amounts, no "'"


def test_contract_xlsx_export_holds_text_cells_and_typed_numbers(bureau_client):
    response = bureau_client.get("/bureau/stats/export/contracts.xlsx", query_string=PERIOD)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [cell.value for cell in sheet[1]]
    buyer, broker = header.index("买方"), header.index("技术转移机构（经纪）")
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == len(EVIL)
    names = []
    for row in rows:
        for cell in (row[buyer], row[broker]):
            assert cell.data_type == "s", (cell.value, cell.data_type)
        names.append(row[buyer].value)
        assert row[1].data_type == "d" and isinstance(row[1].value, datetime)  # the registration date
        for cell in row[-4:]:
            assert cell.data_type == "n" and isinstance(cell.value, (int, float)), cell.value
        assert Decimal(str(row[-4].value)) == Decimal("1234567.89")
    # The summary beside it, written by the same helper, keeps its counts and amounts numeric.
    xlsx = bureau_client.get("/bureau/stats/export/summary.xlsx", query_string=PERIOD)
    total = list(load_workbook(io.BytesIO(xlsx.data))["汇总"].iter_rows(min_row=2))[0]
    assert [cell.data_type for cell in total] == ["s", "s", "n", "n", "n", "n", "n"]
    assert total[2].value == len(EVIL)
    _header, row, *_rest = _csv(bureau_client.get("/bureau/stats/export/summary.csv", query_string=PERIOD))
    assert row[2] == str(len(EVIL)) and row[3] == str(Decimal("1234567.89") * len(EVIL))
    # \r reads back as \n (XML line ends); every other name comes back exactly as typed.
    assert sorted(n.replace("\n", "\r") for n in names) == sorted(EVIL)


def test_my_listings_export_holds_titles_as_text(app, client):
    with app.app_context():
        university = make_user("university")
        org = university.organisation
        for n, title in enumerate(EVIL):
            make_patent(org, title=title, price_fen=1_000_000 + n, inventors=[title, "张三"])
            make_result(org, title=title, keywords=[title])
        db.session.commit()
        login(client, university)
    response = client.get("/my/listings/export.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    for sheet_name in ("专利", "科技成果"):
        sheet = workbook[sheet_name]
        header = [cell.value for cell in sheet[1]]
        rows = list(sheet.iter_rows(min_row=2))
        assert len(rows) == len(EVIL)
        for row in rows:
            title = row[header.index("专利名称" if sheet_name == "专利" else "成果名称")]
            assert title.data_type == "s" and title.value.replace("\n", "\r") in EVIL
            assert row[header.index("编号")].data_type == "n"
            updated = row[header.index("更新时间（北京时间）")]
            assert updated.data_type == "d" and isinstance(updated.value, datetime)
        if sheet_name == "专利":
            prices = [row[header.index("参考价格（元）")] for row in rows]
            assert all(cell.data_type == "n" for cell in prices)
            assert sorted(round(cell.value * 100) for cell in prices) == [
                1_000_000 + n for n in range(len(EVIL))
            ]
            inventors = [row[header.index("发明人")] for row in rows]
            assert all(cell.data_type == "s" for cell in inventors)


def test_demand_export_keeps_the_deadline_a_date(app, client):
    with app.app_context():
        enterprise = make_user("enterprise")
        make_demand(enterprise.organisation, title="=1+1", deadline=date(2099, 12, 31), budget_fen=5_000_00)
        # A control character (pasted from a PDF) cannot go into XLSX: it is dropped, not a 500.
        make_demand(enterprise.organisation, title="控制\x01字符")
        db.session.commit()
        login(client, enterprise)
    response = client.get("/my/listings/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data))["技术需求"]
    header = [cell.value for cell in sheet[1]]
    row, second = list(sheet.iter_rows(min_row=2))
    assert second[header.index("需求名称")].value == "控制字符"
    assert row[header.index("需求名称")].data_type == "s" and row[header.index("需求名称")].value == "=1+1"
    assert row[header.index("截止日期")].data_type == "d"
    assert row[header.index("截止日期")].value == datetime(2099, 12, 31)
    budget = row[header.index("拟投入资金（元）")]
    assert budget.value == 5_000 and budget.data_type == "n"
    assert row[header.index("拟投入资金（万元）")].value == 0.5
