"""Journey of issue #8: from a university's registration to a registered contract on the dashboard.

1. A university registers a new organisation; the bureau verifies it; the university posts a
   research result by the form and patents by uploading the site's Excel template.
2. An enterprise posts a demand with its name hidden and finds the result among its matches, the
   matched words marked; an anonymous visitor never sees the company's name.
3. A broker files the contract (result + demand, one deduction, the signed scan); the bureau asks
   for a correction; the broker fixes it and resubmits; the bureau approves and a number appears.
4. The bureau's dashboard total rises by exactly the contract's 技术交易额, and the export has it.

Background work runs as in production (TASKS_EAGER off): the import job and the search outbox
drain run in threads after the commits, and the test waits for what a user would wait for.
"""

import csv
import io
import os
import re
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

import marketplace.common.tasks as tasks
from marketplace.extensions import db
from tests.browser.helpers import (
    PDF,
    BackgroundTasks,
    fill_workbook,
    follow,
    horizontal_overflow,
    login,
    register_university,
    wait_until,
)
from tests.contracts.factories import make_point, make_reviewer, outside_party, payload, registered_contract
from tests.factories import PASSWORD, make_org, make_user

pytestmark = [pytest.mark.browser, pytest.mark.committing]
# Set JOURNEY_SCREENSHOTS=/some/dir to keep a screenshot of each phone page for a visual check.
SHOTS = os.environ.get("JOURNEY_SCREENSHOTS")

UNIVERSITY = "石家庄示范工业大学"
ENTERPRISE = "石家庄隐名制药有限公司"
RESULT_TITLE = "制药废水膜生物反应器深度处理技术"
DEMAND_TITLE = "原料药生产废水深度处理技术需求"
# 成交额 865,000.00 元, deductions of 8,000.00 + 4,300.00 元: 技术交易额 852,700.00 元 = 85.27 万元.
CONTRACT_YUAN = "865000.00"
TECHNICAL_FEN = 852_700_00
EARLIER_TECHNICAL_FEN = 123_456_78  # an earlier registration, so the total does not start at 0


@pytest.fixture
def app(app):
    """The suite's app, with background work in threads as a deployment runs it."""
    app.config["TASKS_EAGER"] = False
    return app


@pytest.fixture
def background(app, monkeypatch):
    counter = BackgroundTasks()
    monkeypatch.setattr(tasks, "_run", counter.wrap(tasks._run))
    yield counter
    # The database is emptied after the test: let imports and drains finish first.
    counter.settle()


@pytest.fixture
def cast(app):
    """The people who exist before the journey: the bureau's reviewer, an enterprise, a broker."""
    with app.app_context():
        point = make_point("130104", "01", "桥西区技术合同登记点")
        reviewer = make_reviewer(point, email="reviewer@kjj.example.cn", name="审核员 李")
        enterprise = make_user(org=make_org("enterprise", name=ENTERPRISE), email="rd@yinming.example.cn")
        make_user(org=make_org("broker", name="石家庄示范技术转移中心"), email="agent@jishu.example.cn")
        seller = make_user("university", email="old-seller@example.cn")
        earlier = payload(
            seller={"org_id": seller.organisation_id},
            buyer=outside_party("110000"),
            contract_amount_fen=EARLIER_TECHNICAL_FEN,
        )
        registered_contract(seller, reviewer, earlier)
        return {"enterprise_org": enterprise.organisation_id}


def _wan(fen: int) -> str:
    return f"{Decimal(fen) / 1_000_000:,.2f} 万元"


def _register_university(page, base, tmp_path) -> None:
    licence = tmp_path / "事业单位法人证书.pdf"
    licence.write_bytes(PDF)
    page.goto(base + "/")
    follow(page, "text=注册")
    register_university(
        page,
        email="kjc@sfgy.example.cn",
        name="科技处 赵老师",
        phone="13900002222",
        password="Univ2026pass",
        org_name=UNIVERSITY,
        credit_serial=7788,
        licence=licence,
    )
    page.wait_for_url(f"{base}/dashboard")
    assert "认证通过前可以保存草稿" in page.content()


def _bureau_verifies(bureau, base) -> None:
    follow(bureau, "text=单位认证")
    follow(bureau, f"text={UNIVERSITY}")
    bureau.click("text=认证通过")
    bureau.wait_for_selector(f"text=已认证：{UNIVERSITY}")


def _publish(page, kind: str) -> int:
    """Press 发布 on a listing form; return the id of the listing page it lands on."""
    page.click("button[value=publish]")
    page.wait_for_selector("text=已发布")
    match = re.search(rf"/{kind}/(\d+)$", page.url)
    assert match, page.url
    return int(match.group(1))


def _post_result(page, base) -> int:
    follow(page, "nav >> text=我的发布")
    follow(page, "text=发布科技成果")
    page.fill("#title", RESULT_TITLE)
    page.fill(
        "#abstract",
        "采用膜生物反应器与臭氧催化氧化组合工艺处理原料药生产废水，COD 去除率达到 95%，出水稳定达标，"
        "已在两家制药企业完成中试。",
    )
    page.fill("#keywords", "膜生物反应器，制药废水，臭氧催化氧化")
    page.fill("#completers", "赵一，钱二")
    page.select_option("#technology_field", "环境保护与资源综合利用")
    page.select_option("#industry", "生物医药")
    page.select_option("#form", "new_process")
    page.select_option("#maturity", "6")
    page.check("input[name=transfer_modes][value=license]")
    page.fill("#price", "80")
    return _publish(page, "results")


def _import_patents(page, base, tmp_path) -> None:
    follow(page, "nav >> text=我的发布")
    follow(page, "text=批量导入")
    page.select_option("#kind", "patent")
    with page.expect_download() as download:
        page.locator("div.mb-2", has_text="专利：").locator("a", has_text="XLSX").click()
    template = download.value.path().read_bytes()
    rows = [
        {
            "申请号": number,
            "专利类型": "发明",
            "专利名称": title,
            "摘要": abstract,
            "IPC 分类号": "C02F 9/00",
            "申请（专利权）人": UNIVERSITY,
            "发明人": "赵一|钱二",
            "申请日": filed,
            "法律状态": "有效",
            "转化方式": "转让|许可",
            "参考价格（万元）": 30,
        }
        for number, title, abstract, filed in (
            (
                "201910234567",
                "一种制药废水的膜生物反应器处理方法",
                "膜生物反应器处理制药废水。",
                "2019-03-08",
            ),
            ("202010345678", "一种臭氧催化氧化深度处理装置", "臭氧催化氧化深度处理装置。", "2020-05-20"),
        )
    ]
    from marketplace.common.validators import patent_check_char

    for row in rows:
        row["申请号"] += "." + patent_check_char(row["申请号"])
    upload = tmp_path / "专利清单.xlsx"
    upload.write_bytes(fill_workbook(template, rows))
    page.set_input_files("#file", str(upload))
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/my/listings/import/\d+/preview$"))
    assert "本平台导入模板" in page.inner_text("#detected-layout")
    page.click("#do-import")
    page.wait_for_url(re.compile(r".*/my/listings/import/\d+$"))
    page.wait_for_selector("#import-job[data-finished=true]", timeout=60_000)
    assert page.get_attribute(".progress", "aria-valuenow") == "100"
    assert page.locator("[data-field=bar]").evaluate("el => el.style.width") == "100%"
    assert "已导入 2 条，已发布" in page.inner_text("#import-job")


def _link_patents(page, base, result_id: int) -> None:
    """The university edits its result to link the two imported patents."""
    page.goto(f"{base}/results/{result_id}")
    follow(page, "main a:has-text('修改')")
    for title in ("一种制药废水的膜生物反应器处理方法", "一种臭氧催化氧化深度处理装置"):
        page.locator(".listing-patent-picker .form-check", has_text=title).locator("input").check()
    page.click("button:has-text('保存修改')")
    page.wait_for_selector("text=修改已保存")
    linked = page.locator(".card", has_text="关联专利（2）")
    assert "一种臭氧催化氧化深度处理装置" in linked.inner_text()


def _listings_show_up(visitor, base) -> None:
    visitor.goto(base + "/")
    follow(visitor, "nav >> text=科技成果")
    assert RESULT_TITLE in visitor.content()
    follow(visitor, "nav >> text=专利")
    for title in ("一种制药废水的膜生物反应器处理方法", "一种臭氧催化氧化深度处理装置"):
        assert title in visitor.content()
    # and the search finds them once the outbox drain has indexed the import
    follow(visitor, "nav >> text=检索")

    def found():
        visitor.fill("#q", "臭氧催化氧化 深度处理装置")
        follow(visitor, "main button[type=submit]:has-text('检索')")
        return "一种臭氧催化氧化深度处理装置" in visitor.inner_text("main")

    wait_until(found, timeout=20, interval=0.5, message="the imported patents in the search")


def _post_hidden_demand(page, base) -> int:
    follow(page, "nav >> text=我的发布")
    follow(page, ".nav-tabs >> text=技术需求")
    follow(page, "text=发布技术需求")
    page.fill("#title", DEMAND_TITLE)
    page.fill("#description", "原料药生产废水 COD 高、可生化性差，现有工艺出水不稳定。")
    page.fill("#technical_indicators", "出水 COD ≤ 100 mg/L，吨水处理成本 ≤ 8 元。")
    page.fill("#expected_outcome", "建成示范工程并稳定运行。")
    page.fill("#keywords", "制药废水，膜生物反应器，臭氧催化氧化")
    page.select_option("#technology_field", "环境保护与资源综合利用")
    page.fill("#budget_wan", "90")
    page.fill("#deadline", "2027-12-31")
    page.check("#hide_name")
    return _publish(page, "demands")


def _matches_with_marks(page, result_id: int):
    """Reload the demand page until the drain has stored its matches; return the result's entry."""

    def entry():
        page.reload()
        item = page.locator("#demand-matches-title + * li, section[aria-labelledby=demand-matches-title] li")
        item = item.filter(has=page.locator(f"a[href$='/results/{result_id}']"))
        return item if item.count() else None

    return wait_until(entry, timeout=30, interval=0.5, message="the demand's stored matches")


def _owner_sees_the_demand_but_not_its_company(app, university, base, result_id: int) -> None:
    """The result's owner is told of the matching demand, and still cannot tell whose it is."""
    university.goto(f"{base}/results/{result_id}")
    section = university.locator("section[aria-labelledby=listing-matches-title]")

    def listed():
        university.reload()
        return DEMAND_TITLE in section.inner_text()

    wait_until(listed, timeout=30, interval=0.5, message="the result's matching demands")
    assert "某企业" in section.inner_text()
    # New matches reach people in the morning digest (one notice a day), not one notice each.
    from marketplace.search.digest import send_digests

    with app.app_context():
        send_digests(date.today())
        db.session.commit()
    follow(university, "nav >> text=通知")
    assert "新匹配" in university.inner_text("main")
    assert ENTERPRISE not in university.content()
    university.goto(f"{base}/results/{result_id}")
    assert ENTERPRISE not in university.content()


def _anonymous_cannot_see_the_company(visitor, base, demand_id: int, org_id: int) -> None:
    visitor.context.clear_cookies()
    pages = [
        f"/demands/{demand_id}",
        "/demands",
        "/search/?q=制药废水",
        "/search/?q=原料药&kind=demand",
        "/",
    ]
    for path in pages:
        visitor.goto(base + path)
        html = visitor.content()
        assert DEMAND_TITLE in visitor.inner_text("main"), f"{path} does not show the demand"
        assert ENTERPRISE not in html and "隐名制药" not in html, f"{path} shows the hidden company name"
    visitor.goto(f"{base}/demands/{demand_id}")
    assert "某企业" in visitor.inner_text("main")
    # Nor can the name be used to find the demand: that would tell whose it is just the same.
    for query in ("隐名", "石家庄隐名"):
        visitor.goto(f"{base}/search/?q={query}")
        assert DEMAND_TITLE not in visitor.inner_text("main"), f"searching {query} finds the hidden demand"
    visitor.goto(f"{base}/demands?q=隐名")
    assert DEMAND_TITLE not in visitor.inner_text("main")
    # The company's own page and its filtered list do not own up to the demand either.
    for path in (f"/orgs/{org_id}", f"/demands?org={org_id}"):
        visitor.goto(base + path)
        assert DEMAND_TITLE not in visitor.inner_text("main"), path


def _choose(page, select: str, text: str) -> None:
    """Pick the option of a select whose label contains `text`, as a person reading the list."""
    option = page.locator(f"{select} option", has_text=text)
    assert option.count() == 1, f"{text} is not (once) in {select}"
    page.select_option(select, option.get_attribute("value"))


def _numbers_from_the_pages(broker) -> tuple[str, str]:
    """The broker finds the demand, then the result among its matches, and notes their numbers."""
    follow(broker, "nav >> text=技术需求")
    follow(broker, f"text={DEMAND_TITLE}")
    assert ENTERPRISE in broker.inner_text("main"), "a broker should see who posted a hidden demand"
    demand_number = broker.inner_text(".listing-number")
    follow(
        broker,
        broker.locator("section[aria-labelledby=demand-matches-title]").locator("a", has_text=RESULT_TITLE),
    )
    broker.wait_for_selector(f"h1:has-text('{RESULT_TITLE}')")
    return broker.inner_text(".listing-number"), demand_number


def _file_contract(broker, base, tmp_path) -> int:
    result_number, demand_number = _numbers_from_the_pages(broker)
    follow(broker, "nav >> text=合同登记")
    follow(broker, "text=填报技术合同")
    broker.fill("#project_name", "制药废水深度处理技术许可")
    broker.select_option("#type_subtype", "license:patent_license")
    broker.select_option("#technology_field", "环境保护与资源综合利用")
    broker.fill("#signed_on", "2026-11-02")
    broker.fill("#valid_from", "2026-11-02")
    broker.select_option("#ip_type", "invention_patent")
    broker.check("#seller-kind-0")
    _choose(broker, "#seller-org_id", UNIVERSITY)
    broker.check("#buyer-kind-0")
    _choose(broker, "#buyer-org_id", ENTERPRISE)
    broker.check("#unit-0")
    broker.fill("#contract_amount", CONTRACT_YUAN)
    # Two purchases to deduct: one in the first row, one in a row the page adds (rows 2-3 stay blank).
    broker.select_option("#deductions-0-category", "equipment")
    broker.fill("#deductions-0-description", "膜组件")
    broker.fill("#deductions-0-amount", "8000.00")
    broker.click("button:has-text('再加一行扣除项')")
    broker.select_option("#deductions-3-category", "equipment")
    broker.fill("#deductions-3-description", "臭氧发生器")
    broker.fill("#deductions-3-amount", "4300.00")
    broker.fill("#result_ids", result_number)
    broker.fill("#demand_id", demand_number)
    # Forgetting the end date costs nothing of what was typed.
    broker.click("main button[type=submit]:has-text('保存草稿')")
    broker.wait_for_selector("text=请填写有效期截止日")
    assert broker.input_value("#project_name") == "制药废水深度处理技术许可"
    assert broker.input_value("#deductions-3-amount") == "4300.00"
    assert broker.input_value("#contract_amount") == CONTRACT_YUAN
    assert broker.locator("#buyer-org_id option:checked").inner_text().startswith(ENTERPRISE)
    assert (broker.input_value("#result_ids"), broker.input_value("#demand_id")) == (
        result_number,
        demand_number,
    )
    broker.fill("#valid_to", "2029-11-01")
    broker.click("main button[type=submit]:has-text('保存草稿')")
    broker.wait_for_selector("text=合同草稿已保存")
    linked = broker.inner_text("main")
    assert f"{RESULT_TITLE}（#{result_number}）" in linked and f"{DEMAND_TITLE}（#{demand_number}）" in linked
    money = broker.inner_text(".card:has(.card-header:text-is('金额'))")
    assert "非技术性扣除合计\n1.23 万元（12,300.00 元）" in money, money
    assert "85.27 万元（852,700.00 元）" in money, money
    scan = tmp_path / "合同扫描件.pdf"
    scan.write_bytes(PDF)
    broker.set_input_files("input[name=file]", str(scan))
    broker.click("button:has-text('上传')")
    broker.wait_for_selector("text=已上传：合同扫描件.pdf")
    broker.click("button:has-text('提交登记')")
    broker.wait_for_selector("text=已提交登记")
    match = re.search(r"/contracts/(\d+)$", broker.url)
    assert match, broker.url
    return int(match.group(1))


def _dashboard_figures(page, link: str = "数据看板") -> dict[str, str]:
    """The figures of the progress card (the bureau's dashboard, or the public page), as displayed."""
    follow(page, f"nav >> text={link}")
    page.wait_for_selector("#progress-figure")
    card = page.locator(".card", has=page.locator("#progress-figure"))
    return {
        label: card.locator(f"text={label}：").locator("strong").inner_text()
        for label in ("合同成交额", "技术交易额", "登记合同")
    }


def _wan_value(text: str) -> Decimal:
    assert text.endswith(" 万元"), text
    return Decimal(text.removesuffix(" 万元").replace(",", ""))


def test_result_to_registered_contract_on_the_dashboard(
    app, live_server, sessions, cast, background, tmp_path
):
    base = live_server
    university, bureau, enterprise, broker, visitor = (
        sessions(name) for name in ("university", "bureau", "enterprise", "broker", "visitor")
    )
    # 1. registration, verification, a result by form, patents by Excel.
    _register_university(university, base, tmp_path)
    login(bureau, base, "reviewer@kjj.example.cn")
    _bureau_verifies(bureau, base)
    university.reload()
    assert "认证通过前可以保存草稿" not in university.content()
    result_id = _post_result(university, base)
    _import_patents(university, base, tmp_path)
    _link_patents(university, base, result_id)
    _listings_show_up(visitor, base)

    # 2. a hidden demand, its matches, and what the public sees.
    login(enterprise, base, "rd@yinming.example.cn")
    demand_id = _post_hidden_demand(enterprise, base)
    entry = _matches_with_marks(enterprise, result_id)
    marked = entry.locator("mark").all_inner_texts()
    assert {"反应器", "臭氧", "制药"} <= set(marked), marked
    _owner_sees_the_demand_but_not_its_company(app, university, base, result_id)
    _anonymous_cannot_see_the_company(visitor, base, demand_id, cast["enterprise_org"])

    # 3. the broker files; the bureau asks for a correction; resubmitted; approved.
    before = _dashboard_figures(bureau)
    login(broker, base, "agent@jishu.example.cn")
    contract_id = _file_contract(broker, base, tmp_path)
    bureau.goto(base + "/dashboard")
    bureau.click("nav >> text=登记审核")
    follow(bureau, "text=合同审核队列")
    follow(bureau, "text=制药废水深度处理技术许可")
    bureau.click("button:has-text('开始审核')")
    bureau.wait_for_selector("text=已开始审核")
    bureau.fill(
        "#changes-comment",
        "请写明签订地点，并将项目名称改为与合同文本一致的“制药废水深度处理专利实施许可”。",
    )
    bureau.click("button:has-text('退回补正')")
    bureau.wait_for_selector("text=已退回补正")

    broker.goto(base + "/dashboard")
    assert broker.inner_text("#unread-count") == "1"
    follow(broker, "nav >> text=通知")
    notice = broker.locator(".list-group-item", has_text="须补正后重新提交")
    assert "签订地点" in notice.inner_text()
    notice.locator("button:has-text('查看')").click()
    broker.wait_for_url(f"{base}/contracts/{contract_id}")
    assert "制药废水深度处理专利实施许可" in broker.inner_text(".alert-warning")
    follow(broker, "a:has-text('修改')")
    broker.fill("#project_name", "制药废水深度处理专利实施许可")
    broker.click("main button[type=submit]:has-text('保存草稿')")
    broker.wait_for_selector("text=合同信息已保存")
    broker.click("button:has-text('提交登记')")
    broker.wait_for_selector("text=已提交登记")

    bureau.goto(f"{base}/contracts/{contract_id}")
    bureau.click("button:has-text('准予登记')")
    bureau.wait_for_selector("text=已准予登记")
    number = bureau.locator("text=登记号").locator("code").inner_text()
    assert re.fullmatch(r"2026130104010\d{3}", number), number
    broker.reload()
    assert number in broker.content() and "已登记" in broker.content()
    follow(broker, "text=登记证明")
    certificate = broker.inner_text("main")
    assert f"登记号：{number}" in certificate and "85.27 万元（852,700.00 元）" in certificate
    # the university, for which the broker filed, is told as well
    follow(university, "nav >> text=通知")
    assert f"登记号 {number}" in university.locator(".list-group-item", has_text="已准予登记").inner_text()

    # 4. the dashboard rises by exactly this contract's 技术交易额, and the export has it.
    after = _dashboard_figures(bureau)
    assert before["技术交易额"] == _wan(EARLIER_TECHNICAL_FEN)
    assert _wan_value(after["技术交易额"]) - _wan_value(before["技术交易额"]) == Decimal("85.27")
    assert after["技术交易额"] == _wan(EARLIER_TECHNICAL_FEN + TECHNICAL_FEN)
    assert _wan_value(after["合同成交额"]) - _wan_value(before["合同成交额"]) == Decimal("86.50")
    assert (before["登记合同"], after["登记合同"]) == ("1", "2")
    assert _dashboard_figures(visitor, "成果转化动态") == after  # the public page agrees
    with bureau.expect_download() as download:
        bureau.click("text=导出登记合同（CSV）")
    assert download.value.suggested_filename.endswith(".csv")
    text = download.value.path().read_text(encoding="utf-8-sig")
    rows = [row for row in csv.DictReader(io.StringIO(text)) if row["登记号"] == number]
    assert len(rows) == 1, text
    assert (rows[0]["合同成交额（元）"], rows[0]["技术交易额（元）"]) == (CONTRACT_YUAN, "852700.00")
    with bureau.expect_download() as download:
        bureau.click("text=导出登记合同（Excel）")
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes()), read_only=True).worksheets[0]
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    header, ours = table[0], [row for row in table[1:] if row[0] == number]
    assert len(ours) == 1, table
    amount = ours[0][header.index("技术交易额（元）")]
    assert Decimal(str(amount)) == Decimal("852700.00"), amount
    for page in (university, bureau, enterprise, broker, visitor):
        assert page.js_errors == [], page.js_errors


def test_journey_pages_fit_a_phone(app, live_server, sessions, background):
    """At 375px every page of the journey can be used without scrolling sideways."""
    from tests.listings.factories import make_demand, make_result

    with app.app_context():
        point = make_point("130104", "02", "手机端登记点")
        reviewer = make_reviewer(point, email="phone-bureau@example.cn")
        make_user(org=make_org("broker", name="手机端技术转移中心"), email="phone-agent@example.cn")
        seller = make_user(org=make_org("university", name="手机端示范大学"), email="phone-univ@example.cn")
        buyer = make_user(org=make_org("enterprise", name="手机端示范企业"), email="phone-firm@example.cn")
        result = make_result(
            seller.organisation, title="一种很长名称的制药废水膜生物反应器深度处理与回用技术"
        )
        demand = make_demand(
            buyer.organisation, title="原料药生产废水深度处理与中水回用技术需求", hide_name=True
        )
        data = payload(
            seller={"org_id": seller.organisation_id},
            buyer={"org_id": buyer.organisation_id},
            result_ids=[result.id],
            demand_id=demand.id,
            contract_amount_fen=865_000_00,
            deductions=[
                {"category": "equipment", "description": "膜组件及臭氧发生器", "amount_fen": 12_300_00}
            ],
        )
        contract = registered_contract(seller, reviewer, data)
        ids = {"result": result.id, "demand": demand.id, "contract": contract.id}
    phone = sessions("phone", width=375, height=740, mobile=True)
    visits = {
        None: ("/", "/results", f"/results/{ids['result']}", f"/demands/{ids['demand']}", "/search/?q=废水"),
        "phone-univ@example.cn": ("/dashboard", "/results/new", "/my/listings", "/my/listings/import"),
        "phone-firm@example.cn": ("/demands/new", f"/demands/{ids['demand']}"),
        "phone-agent@example.cn": ("/contracts", "/contracts/new"),
        "phone-bureau@example.cn": (
            "/bureau/contracts?status=all",
            f"/contracts/{ids['contract']}",
            "/bureau/stats/",
            "/bureau/orgs",
        ),
    }
    wide = []
    for email, paths in visits.items():
        phone.context.clear_cookies()
        if email:
            login(phone, live_server, email, PASSWORD)
        for path in paths:
            response = phone.goto(live_server + path)
            assert response.status == 200, f"{path}: HTTP {response.status}"
            overflow = horizontal_overflow(phone)
            if SHOTS:
                name = re.sub(r"\W+", "_", path)
                phone.screenshot(path=f"{SHOTS}/phone{name}.png", full_page=True)
            if overflow > 0:
                wide.append(f"{path} ({email or '访客'}) by {overflow}px")
    assert not wide, "pages scroll sideways at 375px: " + "; ".join(wide)
    # On the contract form, a party from outside the platform opens its own fields, which fit too.
    phone.context.clear_cookies()
    login(phone, live_server, "phone-agent@example.cn", PASSWORD)
    phone.goto(live_server + "/contracts/new")
    assert not phone.is_visible("#buyer-name")
    phone.check("#buyer-kind-1")
    assert phone.is_visible("#buyer-name") and phone.is_visible("#buyer-credit_code")
    assert not phone.is_visible("#buyer-org_id")
    assert horizontal_overflow(phone) <= 0
    assert phone.js_errors == []
