"""Journey: an enterprise sends an inquiry, the university accepts, both talk in the deal thread."""

import os

import pytest

from tests.browser.conftest import new_page
from tests.browser.helpers import follow, login
from tests.deals.factories import make_result
from tests.factories import make_org, make_user

pytestmark = [pytest.mark.browser, pytest.mark.committing]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Set DEALS_SCREENSHOTS=/some/dir to keep screenshots of each step for a visual check.
SHOTS = os.environ.get("DEALS_SCREENSHOTS")


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_inquiry_to_deal(app, live_server, page, browser, tmp_path):
    with app.app_context():
        make_user(
            org=make_org("enterprise", name="石家庄示范制药有限公司", contact_phone="0311-6666"),
            email="buyer@example.cn",
        )
        university = make_user(
            org=make_org("university", name="示范理工大学", contact_phone="0311-7777"), email="tto@example.cn"
        )
        result = make_result(university, title="耐高温陶瓷膜制备技术", private_details="烧结温度曲线见附件二")
        result_id = result.id
    scan = tmp_path / "技术要求.pdf"
    scan.write_bytes(PDF)

    login(page, live_server, "buyer@example.cn")
    page.goto(f"{live_server}/deals/inquire/result/{result_id}")
    page.check("input[name=purpose][value=license]")
    page.fill("#message", "我公司希望获得该技术的普通许可，用于原料药废水处理。")
    page.check("#wants_private_details")
    _shot(page, "1-inquiry-form")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=等待对方答复")
    assert "0311-7777" not in page.content() and "烧结温度曲线" not in page.content()

    owner = new_page(browser)
    login(owner, live_server, "tto@example.cn")
    assert "等待本单位答复" in owner.content()
    owner.click("text=去答复")
    owner.click("text=耐高温陶瓷膜制备技术")
    _shot(owner, "2-inquiry-received")
    owner.click("text=接受并公开联系方式")
    owner.wait_for_selector("text=沟通记录")
    assert "0311-6666" in owner.content()
    owner.fill("#body", "欢迎联系，技术要求请见附件。")
    owner.set_input_files("#attachment", str(scan))
    owner.click("main form[enctype] button[type=submit]")
    owner.wait_for_selector("text=技术要求.pdf")
    owner.select_option("#stage", "negotiating")
    owner.click("form[action$='/stage'] button[type=submit]")
    owner.wait_for_selector("text=进展已更新为“洽谈中”")
    _shot(owner, "3-deal-owner")
    owner.context.close()

    page.goto(f"{live_server}/deals/?tab=deals")
    follow(page, "text=耐高温陶瓷膜制备技术")  # then read the page it opens, not the list
    content = page.content()
    assert "欢迎联系" in content and "0311-7777" in content and "烧结温度曲线见附件二" in content
    _shot(page, "4-deal-buyer")
    assert page.js_errors == []


def test_deal_and_funnel_pages_fit_a_phone(app, live_server, browser):
    from tests.deals.factories import accept, send

    with app.app_context():
        buyer = make_user(org=make_org("enterprise", name="手机端示范企业"), email="phone-buyer@example.cn")
        owner = make_user(org=make_org("university", name="手机端示范大学"))
        make_user(org=make_org("bureau", name="手机端科技局"), email="phone-bureau@example.cn")
        deal = accept(
            owner,
            send(
                buyer,
                make_result(owner, title="一种很长名称的高性能复合材料制备方法及其在新能源汽车中的应用"),
            ),
        )
        deal_id = deal.id
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    phone.set_default_timeout(15_000)
    for email, path, name in (
        ("phone-buyer@example.cn", f"/deals/{deal_id}", "5-phone-deal"),
        ("phone-bureau@example.cn", "/bureau/funnel", "6-phone-funnel"),
    ):
        phone.context.clear_cookies()
        login(phone, live_server, email)
        phone.goto(live_server + path)
        _shot(phone, name)
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
    context.close()
