"""The deals pages in English: lists, an inquiry, the inquiry form, a deal, the funnel and notices.

Test data has English names and titles, so any Han character left in <main> is interface text.
"""

import json
import re
from html import unescape

import pytest
from flask import g
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.accounts.services import create_api_token
from marketplace.extensions import db
from marketplace.notices.models import Notice
from tests.deals.factories import accept, make_demand, make_result, send
from tests.english import chinese_left, choose_english
from tests.factories import login, make_org, make_user


class Cast:
    def __init__(self):
        self.enterprise = make_user(
            org=make_org("enterprise", name="Acme Steel Co.", contact_name="Li Lei"), name="Alice"
        )
        self.university = make_user(
            org=make_org("university", name="North China Tech University", contact_name="Han Mei"),
            name="Bob",
        )
        self.bureau = make_user(org=make_org("bureau", name="City Bureau"), name="Carol")
        self.result = make_result(
            self.university,
            title="Low-carbon sintering process",
            contact_name="Wang Fang",
            private_details="Sintering at 1350 C",
        )
        self.demand = make_demand(self.enterprise, title="Cleaner sintering line")


@pytest.fixture
def cast(app, app_ctx):
    @app.before_request
    def forget_user():
        # The tests share one app context, so `g` would keep the previous request's user.
        g.pop("_login_user", None)

    return Cast()


def _inquiry(cast):
    return send(
        cast.enterprise,
        cast.result,
        message="We would like to license it",
        demand_id=cast.demand.id,
    )


def _english_page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page
    return page


def test_my_deals_and_the_inquiry_page_are_english(client, cast):
    inquiry = _inquiry(cast)
    login(client, cast.university)
    choose_english(client)
    for url in (
        "/deals/?tab=received",
        "/deals/?tab=sent",
        "/deals/?tab=deals",
        f"/deals/inquiries/{inquiry.id}",
    ):
        page = _english_page(client, url)
        assert chinese_left(page) == [], url
    page = _english_page(client, f"/deals/inquiries/{inquiry.id}")
    assert "Accept and share contact details" in page and "Licence" in page
    assert "Low-carbon sintering process" in page and "Awaiting reply" in page


def test_the_new_inquiry_form_is_english_and_keeps_what_was_typed(client, cast):
    login(client, cast.enterprise)
    choose_english(client)
    url = f"/deals/inquire/result/{cast.result.id}"
    page = _english_page(client, url)
    assert chinese_left(page) == [] and "Preferred form of cooperation" in page
    response = client.post(url, data={"message": "Our plant needs a cleaner process"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Please choose a form of cooperation" in page
    assert "Our plant needs a cleaner process" in page
    assert chinese_left(page) == []


def test_a_service_error_is_flashed_in_english(client, cast):
    _inquiry(cast)
    login(client, cast.enterprise)
    choose_english(client)
    response = client.post(
        f"/deals/inquire/result/{cast.result.id}",
        data={"purpose": "license", "message": "Asking again"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "You have already sent an inquiry about this" in page
    assert chinese_left(page) == []


def test_the_deal_page_is_english(client, cast):
    deal = accept(cast.university, _inquiry(cast))
    login(client, cast.enterprise)
    choose_english(client)
    changed = client.post(f"/deals/{deal.id}/stage", data={"stage": "negotiating"}, follow_redirects=True)
    assert 'Stage updated to "Negotiating"' in unescape(changed.get_data(as_text=True))
    page = _english_page(client, f"/deals/{deal.id}")
    assert chinese_left(page) == []
    assert (
        "Contact details" in page and "Han Mei" in page and 'Stage changed to "Negotiating"' in unescape(page)
    )


def test_the_funnel_is_english(client, cast):
    accept(cast.university, _inquiry(cast))
    login(client, cast.bureau)
    choose_english(client)
    page = _english_page(client, "/bureau/funnel")
    # The events area adds its own card (templates/events/_funnel.html); its owner translates it.
    ours = re.sub(
        r'<div class="card mb-3" id="event-funnel">.*?(?=<div class="card mb-3"><div)', "", page, flags=re.S
    )
    assert ours != page and chinese_left(ours) == []
    assert "Technology transfer funnel" in page and "Inquiries accepted" in page


def test_a_notice_is_stored_in_chinese_and_read_in_english(client, cast):
    cast.university.language = "en"
    db.session.commit()
    inquiry = _inquiry(cast)
    notice = db.session.scalar(
        select(Notice).where(Notice.organisation_id == cast.university.organisation_id)
    )
    assert notice.title == "有单位就《Low-carbon sintering process》发来对接意向"
    assert notice.body == "合作方式：许可。请在 7 天内答复。"
    assert notice.url == f"/deals/inquiries/{inquiry.id}"
    login(client, db.session.get(User, cast.university.id))
    page = unescape(client.get("/notices/").get_data(as_text=True))
    assert 'An organisation sent an inquiry about "Low-carbon sintering process"' in page
    assert "Cooperation: licence. Please reply within 7 days." in page


def test_the_same_pages_stay_chinese_by_default(client, cast):
    inquiry = _inquiry(cast)
    login(client, cast.university)
    page = client.get(f"/deals/inquiries/{inquiry.id}").get_data(as_text=True)
    assert "接受并公开联系方式" in page and "待答复" in page and "许可" in page
    assert "对接意向：Low-carbon sintering process" in page and chinese_left(page)


def test_the_api_stays_chinese_with_english_chosen(client, cast):
    cast.enterprise.language = "en"
    token = create_api_token(cast.enterprise, "test")
    db.session.commit()
    response = client.post(
        "/api/v1/inquiries",
        json={"result_id": cast.result.id, "purpose": "license", "message": ""},
        headers={"Authorization": f"Bearer {token}", "Cookie": "lang=en"},
    )
    assert response.status_code == 422
    answer = json.dumps(response.get_json(), ensure_ascii=False)
    assert "对接意向填写有误" in answer and "请填写留言，说明您的需求或来意" in answer
    assert "Please" not in answer


def test_the_other_deals_pages_are_english(client, cast):
    broker = make_user(org=make_org("broker", name="Hebei Transfer Centre"), name="Dave")
    inquiry = send(
        broker, cast.result, on_behalf_of_org_id=cast.enterprise.organisation_id, message="For Acme"
    )
    login(client, broker)
    choose_english(client)
    assert chinese_left(_english_page(client, "/deals/brokered")) == []
    login(client, cast.university)
    assert chinese_left(_english_page(client, f"/deals/offer/{cast.demand.id}")) == []
    login(client, cast.enterprise)
    client.post(f"/deals/inquiries/{inquiry.id}/report", data={"reason": "spam", "text": "Not ours"})
    login(client, cast.bureau)
    page = _english_page(client, "/bureau/deal-reports")
    assert chinese_left(page) == [] and "Spam or advertising" in page
