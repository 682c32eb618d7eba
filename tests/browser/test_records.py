"""The audit register and the exports, in a real browser: the bureau reads the register, filters
it, downloads it; a university downloads its listings; both files have Chinese headers."""

import io

import pytest
from openpyxl import load_workbook

from marketplace.common.audit import record_audit
from marketplace.extensions import db
from tests.browser.helpers import follow, login
from tests.deals.factories import make_patent
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.committing]


def _download(page, link) -> bytes:
    with page.expect_download() as download:
        page.click(link)
    return download.value.path().read_bytes()


def test_bureau_reads_filters_and_exports_the_audit_register(app, live_server, page):
    with app.app_context():
        make_user("bureau", email="audit@kjj.example.cn", name="审核员王芳")
        seller = make_user("university", email="tto@uni.example.cn", name="李老师")
        patent = make_patent(seller, title="一种锂电池隔膜", price_fen=1_000_000_00, patent_type="invention")
        record_audit(
            seller,
            "patent.update",
            patent,
            before={"price_fen": 100_000_000},
            after={"price_fen": 123_000_000},
        )
        record_audit(seller, "user.login", seller)
        db.session.commit()

    login(page, live_server, "audit@kjj.example.cn")
    follow(page, "nav >> text=审计日志")
    register = page.locator(".audit-register")
    assert "李老师" in register.inner_text() and "修改专利" in register.inner_text()
    assert "123.00 万元（1,230,000.00 元）" in register.inner_text()
    assert "price_fen" not in page.content()
    # Choosing an action applies the filter at once.
    with page.expect_navigation():
        page.select_option("#f-action", "patent.update")
    assert "action=patent.update" in page.url
    assert "登录" not in page.locator(".audit-register").inner_text()
    follow(page, "text=一种锂电池隔膜")
    assert "一种锂电池隔膜" in page.locator("h1").inner_text()
    page.go_back()

    data = _download(page, "[data-testid=audit-export]")
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["审计日志", "代码说明"]
    header = [cell.value for cell in workbook["审计日志"][1]]
    assert header[:4] == ["时间（北京时间）", "操作人", "操作人单位", "操作"]
    rows = list(workbook["审计日志"].iter_rows(min_row=2, values_only=True))
    assert [row[3] for row in rows] == ["修改专利"]
    assert page.js_errors == []


def test_university_downloads_its_listings_with_chinese_headers(app, live_server, page):
    with app.app_context():
        seller = make_user("university", email="export@uni.example.cn")
        make_patent(seller, title="一种光伏清洗装置", patent_type="utility_model", price_fen=5_000_000)
        db.session.commit()
    login(page, live_server, "export@uni.example.cn")
    follow(page, "nav >> text=我的发布")
    data = _download(page, "text=导出全部（Excel）")
    workbook = load_workbook(io.BytesIO(data))
    header = [cell.value for cell in workbook["专利"][1]]
    assert header[0] == "编号" and "专利名称" in header and "参考价格（万元）" in header
    assert all(not str(name).isascii() for name in header)
    row = [cell.value for cell in workbook["专利"][2]]
    assert row[header.index("专利类型")] == "实用新型" and row[header.index("参考价格（万元）")] == 5
    assert "代码说明" in workbook.sheetnames
