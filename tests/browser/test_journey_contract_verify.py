"""Journey: from a deal, 登记技术合同; the bureau approves; the certificate's link opens /verify.

Screenshots of each page at desktop (1280) and phone (390) widths go to CONTRACT_SCREENSHOTS when set.
"""

import os

import pytest

from tests.browser.helpers import PDF, follow, horizontal_overflow, login, open_session
from tests.contracts.factories import make_point, make_reviewer
from tests.deals.factories import accept, make_result, send
from tests.factories import make_org, make_user

pytestmark = [pytest.mark.browser, pytest.mark.committing]
SHOTS = os.environ.get("CONTRACT_SCREENSHOTS")


def _shot(page, browser, name):
    """Screenshot the page at desktop width and again as a phone; the phone must not scroll sideways."""
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}-1280.png", full_page=True)
    phone = open_session(browser, width=390, height=844, mobile=True)
    phone.context.add_cookies(page.context.cookies())
    phone.goto(page.url)
    if SHOTS:
        phone.screenshot(path=f"{SHOTS}/{name}-390.png", full_page=True)
    overflow = horizontal_overflow(phone)
    phone.context.close()
    return overflow


def test_contract_from_deal_to_verify(app, live_server, browser, tmp_path):
    with app.app_context():
        seller = make_user(org=make_org("university", name="示范理工大学"), email="tto@example.cn")
        buyer = make_user(org=make_org("enterprise", name="石家庄示范制药有限公司"), email="buyer@example.cn")
        result = make_result(seller, title="耐高温陶瓷膜制备技术", price_fen=150_0000_00)
        deal = accept(seller, send(buyer, result))
        deal_id = deal.id
        make_reviewer(make_point("130104", "01", "桥西区技术合同登记点"), email="reviewer@example.cn")
    scan = tmp_path / "合同文本.pdf"
    scan.write_bytes(PDF)

    page = open_session(browser)
    login(page, live_server, "tto@example.cn")
    page.goto(f"{live_server}/deals/{deal_id}")
    assert _shot(page, browser, "1-deal") <= 0
    follow(page, "text=登记技术合同")
    assert page.input_value("#project_name") == "耐高温陶瓷膜制备技术"
    assert page.input_value("#contract_amount") == "150"
    assert page.input_value("#deal_id") == str(deal_id)
    page.select_option("#type_subtype", "transfer:technical_secret")
    page.fill("#signed_on", "2026-05-06")
    page.fill("#valid_from", "2026-05-06")
    page.fill("#valid_to", "2028-05-05")
    page.select_option("#ip_type", "technical_secret")
    page.select_option("#technology_field", "新材料及其应用")
    assert page.locator("[data-unit-label]").first.inner_text() == "万元"
    assert _shot(page, browser, "2-contract-form") <= 0
    follow(page, "main form button[type=submit]")
    page.wait_for_selector("text=合同草稿已保存")
    page.set_input_files("input[type=file]", str(scan))
    follow(page, "main form[enctype] button[type=submit]")
    page.wait_for_selector("text=已上传")
    follow(page, "button:has-text('提交登记')")
    page.wait_for_selector("text=已提交登记")
    contract_url = page.url

    bureau = open_session(browser)
    login(bureau, live_server, "reviewer@example.cn")
    bureau.goto(contract_url)
    assert "150.00 万元（1,500,000.00 元）" in bureau.content()
    assert _shot(bureau, browser, "3-review") <= 0
    follow(bureau, "button:has-text('准予登记')")
    bureau.wait_for_selector("text=已准予登记")
    bureau.context.close()

    page.goto(f"{live_server}/deals/{deal_id}")
    assert "已签合同并登记" in page.content()
    page.goto(contract_url)
    follow(page, "text=登记证明")
    certificate = page.content()
    assert "150.00 万元（1,500,000.00 元）" in certificate and "data:image/svg+xml" in certificate
    assert _shot(page, browser, "4-certificate") <= 0
    follow(page, "a[href*='/verify?number=']")
    assert "有效" in page.content() and "耐高温陶瓷膜制备技术" in page.content()
    assert "示范理工大学" in page.content() and "石家庄示范制药有限公司" in page.content()

    stranger = open_session(browser)  # anyone holding the certificate, not signed in
    stranger.goto(page.url)
    assert "该合同已在本平台认定登记" in stranger.content()
    assert _shot(stranger, browser, "5-verify") <= 0
    stranger.goto(f"{live_server}/verify?number=2026130104019999&code=WRONGCODE")
    assert "未找到该登记证明" in stranger.content()
    assert _shot(stranger, browser, "6-verify-not-found") <= 0
    # The not-found answer is a 404 by design; the browser logs that, nothing else may be logged.
    assert page.js_errors == [] and [e for e in stranger.js_errors if "status of 404" not in e] == []
    stranger.context.close()
    page.context.close()
