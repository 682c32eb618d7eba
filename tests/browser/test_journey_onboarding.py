"""Journey: a university registers and uploads its licence, the bureau verifies it."""

import pytest

from marketplace.extensions import db
from marketplace.organisations.models import Organisation
from tests.browser.conftest import new_page
from tests.browser.helpers import follow, register_university
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.committing]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_university_registers_and_bureau_verifies(app, live_server, page, browser, tmp_path):
    with app.app_context():
        bureau = make_user("bureau", email="reviewer@kjj.example.cn")
        assert bureau.id
    licence = tmp_path / "法人证书.pdf"
    licence.write_bytes(PDF)

    page.goto(f"{live_server}/account/register")
    register_university(
        page,
        email="kyc@sjzlg.example.cn",
        name="科研处 王老师",
        phone="13900001111",
        password="Univ2026pass",
        org_name="石家庄理工示范学院",
        credit_serial=4242,
        licence=licence,
    )
    page.wait_for_url(f"{live_server}/dashboard")
    assert "认证通过前可以保存草稿" in page.content()
    assert page.js_errors == []

    reviewer = new_page(browser)
    reviewer.goto(f"{live_server}/account/login")
    reviewer.fill("#email", "reviewer@kjj.example.cn")
    reviewer.fill("#password", PASSWORD)
    reviewer.click("main button[type=submit]")
    reviewer.wait_for_url(f"{live_server}/dashboard")
    follow(reviewer, "text=单位认证")
    follow(reviewer, "text=石家庄理工示范学院")
    assert "查看 法人证书.pdf" in reviewer.content()
    reviewer.click("text=认证通过")
    reviewer.wait_for_selector("text=已认证：石家庄理工示范学院")
    reviewer.context.close()

    with app.app_context():
        org = db.session.scalar(db.select(Organisation).where(Organisation.name == "石家庄理工示范学院"))
        assert org.is_verified and org.evidence_filename == "法人证书.pdf"
    page.reload()
    assert "认证通过前可以保存草稿" not in page.content()


def test_mobile_layout_collapses_the_menu(app, live_server, browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    phone.goto(live_server + "/")
    toggler = phone.locator(".navbar-toggler")
    assert toggler.is_visible()
    toggler.click()
    phone.wait_for_selector("#mainNav.show")
    assert phone.locator("#mainNav >> text=登录").is_visible()
    context.close()
