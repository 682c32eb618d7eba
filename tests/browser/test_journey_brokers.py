"""Journey: a broker files a profile, the bureau verifies it, it is listed, an enterprise asks it
for help with a demand, the broker accepts and inquires for that demand, the university accepts,
and the broker's profile counts one introduction and one deal."""

import os

import pytest

from tests.browser.helpers import PDF, horizontal_overflow, login
from tests.deals.factories import make_demand, make_result
from tests.factories import make_org, make_user

pytestmark = [pytest.mark.browser, pytest.mark.committing]

# Set BROKERS_SCREENSHOTS=/some/dir to keep desktop and phone screenshots of each page.
SHOTS = os.environ.get("BROKERS_SCREENSHOTS")


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_broker_profile_to_credited_deal(app, live_server, sessions, tmp_path):
    with app.app_context():
        make_user(org=make_org("broker", name="冀中技术转移中心"), email="jjr@example.cn", name="周经纪")
        enterprise = make_user(
            org=make_org("enterprise", name="石家庄示范装备有限公司"), email="ent@example.cn"
        )
        university = make_user(org=make_org("university", name="示范工业大学"), email="tto@example.cn")
        make_user("bureau", email="bureau@example.cn")
        make_demand(enterprise, title="大型齿轮热处理变形控制", technology_field="先进制造")
        result = make_result(university, title="齿轮渗碳淬火变形控制技术", technology_field="先进制造")
        result_id = result.id
    scan = tmp_path / "证书.pdf"
    scan.write_bytes(PDF)

    broker = sessions("broker")
    login(broker, live_server, "jjr@example.cn")
    broker.goto(f"{live_server}/my/broker-profile")
    broker.select_option("#level", "senior")
    broker.fill("#certificate_number", "JJR-2024-0815")
    broker.fill("#certificate_issuer", "河北省技术市场协会")
    broker.fill("#certificate_date", "2024-08-15")
    broker.set_input_files("#evidence", str(scan))
    broker.check("input[name=fields][value=先进制造]")
    broker.check("input[name=regions][value='130104']")
    broker.fill("#introduction", "专注装备制造企业的技术需求对接。")
    _shot(broker, "1-profile-form")
    broker.click("main form button[type=submit]")
    broker.wait_for_selector("text=等待科技局审核资质")
    broker.goto(f"{live_server}/brokers/")
    assert "周经纪" not in broker.inner_text("main")

    bureau = sessions("bureau")
    login(bureau, live_server, "bureau@example.cn")
    bureau.goto(f"{live_server}/bureau/brokers")
    _shot(bureau, "2-bureau-queue")
    bureau.click("text=周经纪")
    assert "JJR-2024-0815" in bureau.content()
    _shot(bureau, "3-bureau-review")
    bureau.click("text=审核通过")
    bureau.wait_for_selector("text=已认证：周经纪")

    company = sessions("enterprise")
    login(company, live_server, "ent@example.cn")
    company.goto(f"{live_server}/brokers/?field=先进制造&district=130104")
    _shot(company, "4-directory")
    company.click("text=周经纪")
    company.select_option("#demand_id", label="大型齿轮热处理变形控制")
    company.fill("#message", "希望协助寻找可许可的热处理变形控制技术。")
    _shot(company, "5-profile-ask")
    company.click("text=发送请求")
    company.wait_for_selector("text=已向周经纪发出协助请求")

    broker.goto(f"{live_server}/my/broker-requests")
    broker.click("text=大型齿轮热处理变形控制")
    broker.fill("#text", "可以，先检索省内高校成果。")
    _shot(broker, "6-request")
    broker.click("text=接受委托")
    broker.wait_for_selector("text=已接受委托")
    broker.click("text=为此需求发送对接意向")
    broker.select_option("#listing", f"result:{result_id}")
    broker.check("input[name=purpose][value=license]")
    broker.fill("#message", "受石家庄示范装备有限公司委托，希望了解该技术的许可条件。")
    _shot(broker, "7-inquire")
    broker.click("main form button[type=submit]")
    broker.wait_for_selector("text=对接意向已代表企业发送")

    owner = sessions("university")
    login(owner, live_server, "tto@example.cn")
    owner.click("text=去答复")
    owner.click("text=齿轮渗碳淬火变形控制技术")
    owner.click("text=接受并公开联系方式")
    owner.wait_for_selector("text=沟通记录")

    company.goto(f"{live_server}/brokers/")
    company.click("text=周经纪")
    assert company.inner_text("[data-figure=introductions]") == "1"
    assert company.inner_text("[data-figure=deals]") == "1"
    _shot(company, "8-profile-credited")
    for page in (broker, bureau, company, owner):
        assert page.js_errors == []


def test_directory_pages_fit_a_phone(app, live_server, sessions):
    from tests.brokers.factories import make_profile

    with app.app_context():
        for n in range(3):
            make_profile(
                make_user(org=make_org("broker", name=f"手机端技术转移中心{n}")),
                name=f"手机经纪{n}",
                fields=["先进制造", "生物、医药和医疗器械", "新材料及其应用"],
                regions=["130102", "130104", "130105", "130108", "130109", "130110", "130111"],
            )
        from marketplace.extensions import db

        db.session.commit()
        user = make_user(org=make_org("broker", name="手机端登记机构"), email="phone@example.cn")
        assert user.id
    phone = sessions("phone", width=390, height=844, mobile=True)
    phone.goto(f"{live_server}/brokers/")
    assert horizontal_overflow(phone) <= 0
    _shot(phone, "phone-1-directory")
    phone.click("text=手机经纪0")
    assert horizontal_overflow(phone) <= 0
    _shot(phone, "phone-2-profile")
    login(phone, live_server, "phone@example.cn")
    phone.goto(f"{live_server}/my/broker-profile")
    assert horizontal_overflow(phone) <= 0
    _shot(phone, "phone-3-form")
    assert phone.js_errors == []
