"""Listing pages: ownership, hidden company names, take-down reasons, expiry, freshness, forms."""

import re
from datetime import timedelta

import pytest

from marketplace.common.timeutil import beijing_today, utcnow
from marketplace.extensions import db
from marketplace.listings.models import Demand, Patent
from tests.listings.conftest import signin as login
from tests.listings.factories import make_demand, make_patent, make_result

SECRET_NAME = "石家庄保密精工股份有限公司"


@pytest.fixture
def hidden(people):
    """A demand of a company that hides its name."""
    org = people["enterprise"].organisation
    org.name = SECRET_NAME
    db.session.commit()
    return make_demand(
        org, hide_name=True, title="隐藏名称的需求", private_details="联系人：老王 13800000000"
    )


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_hidden_company_name_never_reaches_the_public(client, people, hidden, token):
    org_id = hidden.organisation_id
    pages = [
        "/demands",
        f"/demands/{hidden.id}",
        "/",
        f"/demands?org={org_id}",
        f"/orgs/{org_id}",
    ]
    for viewer in (None, people["rival"], people["university"]):
        login(client, viewer)
        for url in pages:
            text = _page(client, url)
            if url == f"/orgs/{org_id}":
                assert "隐藏名称的需求" not in text  # the organisation page must not list it
                continue
            assert SECRET_NAME not in text, (viewer, url)
            assert f'/orgs/{org_id}"' not in text, (viewer, url)
        for url in ("/api/v1/demands", f"/api/v1/demands/{hidden.id}"):
            headers = token(viewer) if viewer else {}
            text = client.get(url, headers=headers).get_data(as_text=True)
            assert (
                SECRET_NAME not in text
                and str(org_id) not in re.findall(r'"organisation":\s*\{[^}]*\}', text)[0]
            )
    listed = _page(client, "/demands")
    assert "隐藏名称的需求" in listed and "某企业" in listed


def test_hidden_name_in_api_is_null_id_and_placeholder(client, people, hidden):
    body = client.get(f"/api/v1/demands/{hidden.id}").json
    assert body["organisation"] == {"id": None, "name": "某企业"}
    items = client.get("/api/v1/demands").json["items"]
    assert [i["organisation"] for i in items] == [{"id": None, "name": "某企业"}]


@pytest.mark.parametrize("viewer", ["enterprise", "colleague", "broker", "bureau"])
def test_owner_brokers_and_bureau_see_the_hidden_name(client, people, hidden, viewer):
    login(client, people[viewer])
    assert SECRET_NAME in _page(client, f"/demands/{hidden.id}")


def test_other_organisation_gets_403_on_edit_withdraw_and_private(client, people, hidden):
    login(client, people["rival"])
    assert client.get(f"/demands/{hidden.id}/edit").status_code == 403
    assert (
        client.post(f"/demands/{hidden.id}/edit", data={"title": "x", "deadline": "2099-01-01"}).status_code
        == 403
    )
    assert client.post(f"/demands/{hidden.id}/withdraw").status_code == 403
    response = client.get(f"/demands/{hidden.id}/private")
    assert response.status_code == 403 and "老王" not in response.get_data(as_text=True)
    assert "老王" not in _page(client, f"/demands/{hidden.id}")
    assert db.session.get(Demand, hidden.id).status == "published"


def test_any_member_of_the_owning_organisation_may_edit(client, people, hidden):
    login(client, people["colleague"])
    assert "老王" in _page(client, f"/demands/{hidden.id}/private")
    response = client.post(
        f"/demands/{hidden.id}/edit",
        data={"title": "同事改过的需求", "deadline": "2099-01-01", "budget_wan": "50", "hide_name": "y"},
    )
    assert response.status_code == 302
    demand = db.session.get(Demand, hidden.id)
    assert demand.title == "同事改过的需求" and demand.budget_fen == 50 * 1_000_000 and demand.hide_name


def test_form_rerenders_what_was_typed_with_chinese_errors(client, people):
    login(client, people["university"])
    response = client.post(
        "/patents/new",
        data={
            "title": "一种新型传感器",
            "application_number": "201710601862.4",
            "ipc_codes": "H01M 10/0525, X99",
            "price": "12.345",
        },
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "一种新型传感器" in text and "201710601862.4" in text  # what was typed is kept
    assert "校验位不正确" in text and "IPC 分类号" in text and "最多两位小数" in text
    assert db.session.query(Patent).count() == 0


def test_create_and_publish_from_the_form(client, people):
    login(client, people["university"])
    response = client.post(
        "/patents/new",
        data={
            "title": "一种新型传感器",
            "application_number": "CN 2017 1060 1862.3",
            "price": "8000",
            "price_unit": "yuan",
            "transfer_modes": ["license"],
            "action": "publish",
        },
    )
    assert response.status_code == 302
    patent = db.session.query(Patent).one()
    assert patent.status == "published" and patent.price_fen == 800_000 and patent.patent_type == "invention"
    assert "0.80 万元" in _page(client, response.headers["Location"])


def test_unverified_org_saves_a_draft_but_cannot_publish(client, people):
    login(client, people["unverified"])
    response = client.post(
        "/demands/new", data={"title": "草稿需求", "deadline": "2099-01-01", "action": "publish"}
    )
    assert response.status_code == 200 and "认证" in response.get_data(as_text=True)
    client.post("/demands/new", data={"title": "草稿需求", "deadline": "2099-01-01", "action": "save"})
    demand = db.session.query(Demand).one()
    assert demand.status == "draft"
    client.post(f"/demands/{demand.id}/publish")
    assert db.session.get(Demand, demand.id).status == "draft"


def test_drafts_are_not_public(client, people):
    draft = make_result(people["university"].organisation, status="draft", title="未发布的成果")
    assert client.get(f"/results/{draft.id}").status_code == 404
    assert "未发布的成果" not in _page(client, "/results")
    login(client, people["university"])
    assert "未发布的成果" in _page(client, f"/results/{draft.id}")


def test_take_down_shows_the_reason_to_the_owner_only(client, people):
    patent = make_patent(people["university"].organisation, title="被下架的专利")
    login(client, people["bureau"])
    assert client.post(f"/patents/{patent.id}/takedown", data={"reason": ""}).status_code == 302
    assert db.session.get(Patent, patent.id).status == "published"  # no reason, no take-down
    client.post(f"/patents/{patent.id}/takedown", data={"reason": "专利权已终止"})
    assert db.session.get(Patent, patent.id).status == "taken_down"
    login(client, None)
    assert client.get(f"/patents/{patent.id}").status_code == 404
    assert "被下架的专利" not in client.get("/patents").get_data(as_text=True)
    login(client, people["university"])
    assert "专利权已终止" in _page(client, f"/patents/{patent.id}")
    assert "专利权已终止" in _page(client, "/my/listings?kind=patent")


def test_expired_demands_show_as_expired(client, people):
    org = people["enterprise"].organisation
    make_demand(org, title="征集中的需求")
    old = make_demand(org, title="过期的需求", deadline=beijing_today() - timedelta(days=2))
    assert "过期的需求" not in _page(client, "/demands")
    expired_list = _page(client, "/demands?state=expired")
    assert "过期的需求" in expired_list and "已过期" in expired_list
    assert "已过截止日期" in _page(client, f"/demands/{old.id}")
    assert client.get(f"/api/v1/demands/{old.id}").json["status"] == "expired"


def test_stale_listing_shows_last_update_and_asks_the_owner(client, people):
    old = utcnow() - timedelta(days=500)
    patent = make_patent(people["university"].organisation, created_at=old, updated_at=old)
    public = _page(client, f"/patents/{patent.id}")
    assert "最近更新" in public and old.strftime("%Y-%m") in public and "超过一年未更新" in public
    assert "仍然有效" not in public
    login(client, people["university"])
    assert "仍然有效" in _page(client, f"/patents/{patent.id}")
    assert "超过 12 个月" in _page(client, "/dashboard")
    client.post(f"/patents/{patent.id}/confirm")
    assert not db.session.get(Patent, patent.id).is_stale


def test_result_detail_shows_its_public_patents(client, people):
    org = people["university"].organisation
    shown = make_patent(org, title="公开的关联专利")
    draft = make_patent(org, title="草稿关联专利", status="draft", application_number=None)
    result = make_result(org)
    result.patents = [shown, draft]
    db.session.commit()
    text = _page(client, f"/results/{result.id}")
    assert "公开的关联专利" in text and "草稿关联专利" not in text


def test_list_filters_and_pagination(client, people):
    org = people["university"].organisation
    for n in range(25):
        make_patent(org, title=f"实用新型{n}", patent_type="utility_model", application_number=None)
    make_patent(org, title="唯一的发明", patent_type="invention", application_number=None)
    first = _page(client, "/patents?type=utility_model")
    assert "共 25 条" in first and "唯一的发明" not in first
    assert "唯一的发明" in _page(client, "/patents?type=invention")
    assert client.get("/patents?page=abc&type=<script>").status_code == 200
    second = _page(client, "/patents?type=utility_model&page=2")
    assert "第 2/2 页" in second


def test_home_page_and_mine_show_listings(client, people):
    make_result(people["university"].organisation, title="首页展示的成果")
    make_demand(people["enterprise"].organisation, title="首页展示的需求")
    home = _page(client, "/")
    assert "首页展示的成果" in home and "首页展示的需求" in home and "科技成果" in home
    login(client, people["university"])
    assert "首页展示的成果" in _page(client, "/my/listings?kind=result")
    assert "首页展示的需求" not in _page(client, "/my/listings?kind=demand")


def test_export_contains_the_organisations_listings(client, people):
    import io
    from datetime import datetime, timedelta
    from decimal import Decimal

    from openpyxl import load_workbook

    patent = make_patent(
        people["university"].organisation,
        title="导出的专利",
        price_fen=1_234_567,
        patent_type="utility_model",
    )
    make_patent(people["enterprise"].organisation, title="别人的专利", application_number=None)
    login(client, people["university"])
    response = client.get("/my/listings/export.xlsx")
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["专利", "科技成果", "技术需求", "代码说明"]
    rows = list(workbook["专利"].iter_rows(values_only=True))
    header = rows[0]
    assert header[0] == "编号" and "参考价格（万元）" in header and "参考价格（元）" in header
    assert not any(h.isascii() for h in header), header
    assert [row[header.index("专利名称")] for row in rows[1:]] == ["导出的专利"]
    row = rows[1]
    assert row[header.index("专利类型")] == "实用新型"
    assert row[header.index("参考价格（万元）")] == 1.23
    assert Decimal(str(row[header.index("参考价格（元）")])) == Decimal("12345.67")
    updated = row[header.index("更新时间（北京时间）")]
    assert isinstance(updated, datetime) and updated.microsecond == 0
    assert updated == patent.fresh_at.replace(microsecond=0) + timedelta(hours=8)
    codes = list(workbook["代码说明"].iter_rows(values_only=True))
    assert codes[0] == ("字段", "代码", "含义")
    assert ("专利·专利类型", "utility_model", "实用新型") in codes
    assert ("专利·列", "price_fen", "参考价格（分）") in codes


@pytest.mark.parametrize(
    ("fen", "unit", "shown"),
    [(12_345_678, "yuan", "123456.78"), (125_000_000, "wan", "125"), (1_230_000, "wan", "1.23")],
)
def test_edit_form_shows_the_exact_price_and_saving_keeps_it(client, people, fen, unit, shown):
    patent = make_patent(people["university"].organisation, price_fen=fen)
    login(client, people["university"])
    text = _page(client, f"/patents/{patent.id}/edit")
    assert f'value="{shown}"' in text
    client.post(
        f"/patents/{patent.id}/edit",
        data={
            "title": patent.title,
            "price": shown,
            "price_unit": unit,
            "application_number": patent.application_number,
        },
    )
    assert db.session.get(Patent, patent.id).price_fen == fen


def test_bureau_lists_taken_down_listings_others_cannot(client, people):
    patent = make_patent(
        people["university"].organisation, title="违规专利", status="taken_down", takedown_reason="不实"
    )
    login(client, people["bureau"])
    assert "违规专利" in _page(client, "/patents?status=taken_down")
    assert "已下架专利 1" in _page(client, "/dashboard")
    login(client, people["rival"])
    assert "违规专利" not in _page(client, "/patents?status=taken_down")
    assert client.get(f"/patents/{patent.id}").status_code == 404


def test_detail_pages_show_the_number_a_contract_links_by(client, people):
    """Filing a contract asks for the listing numbers; the detail pages are where people find them."""
    org = people["university"].organisation
    result = make_result(org)
    patent = make_patent(org)
    demand = make_demand(people["enterprise"].organisation)
    for segment, item, label in (
        ("results", result, "科技成果"),
        ("patents", patent, "专利"),
        ("demands", demand, "技术需求"),
    ):
        text = _page(client, f"/{segment}/{item.id}")
        assert f'{label}编号 <span class="listing-number">{item.id}</span>' in text


def test_my_listings_opens_on_what_the_role_mostly_posts(client, people):
    make_demand(people["enterprise"].organisation, title="企业自己的需求")
    make_result(people["university"].organisation, title="高校自己的成果")
    login(client, people["enterprise"])
    assert "企业自己的需求" in _page(client, "/my/listings")
    client.post("/account/logout")
    login(client, people["university"])
    assert "高校自己的成果" in _page(client, "/my/listings")
