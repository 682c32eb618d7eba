"""The broker pages in English: the directory, a profile, the profile form and a help request.

Test data has English names and titles, so any Han character left in <main> is interface text.
"""

import json
from html import unescape

import pytest
from sqlalchemy import select

from marketplace.accounts.services import create_api_token
from marketplace.extensions import db
from marketplace.notices.models import Notice
from tests.brokers.factories import make_profile, make_request
from tests.deals.factories import make_demand
from tests.english import chinese_left, choose_english
from tests.factories import login, make_org, make_user


class Cast:
    def __init__(self):
        self.broker = make_user(org=make_org("broker", name="Hebei Transfer Centre"), name="Zhang Wei")
        self.enterprise = make_user(org=make_org("enterprise", name="Acme Gears Ltd."), name="Alice")
        self.profile = make_profile(
            self.broker,
            name="Zhang Wei",
            level="senior",
            certificate_issuer="Hebei Technology Market Association",
            introduction="Brokering in advanced manufacturing",
        )
        self.demand = make_demand(self.enterprise, title="Gear heat treatment")
        db.session.commit()


@pytest.fixture
def cast(app_ctx):
    return Cast()


def _english_page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page
    return page


def test_the_directory_and_a_profile_are_english(client, cast):
    login(client, cast.enterprise)
    choose_english(client)
    page = _english_page(client, "/brokers/")
    assert chinese_left(page) == []
    assert "Technology broker directory" in page and "Zhang Wei" in page and "Senior" in page
    page = _english_page(client, f"/brokers/{cast.profile.id}")
    assert chinese_left(page) == []
    assert "Senior technology broker, certificate no." in page and "Ask this broker for help" in page


def test_the_profile_form_is_english_with_its_errors(client, cast):
    login(client, cast.broker)
    choose_english(client)
    page = _english_page(client, "/my/broker-profile")
    assert chinese_left(page) == [] and "Qualification level" in page
    response = client.post(
        "/my/broker-profile", data={"name": "Zhang Wei", "introduction": "Ten years in gears"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Please choose at least one technology field" in page and "Ten years in gears" in page
    assert chinese_left(page) == []


def test_a_help_request_is_english_and_its_notice_too(client, cast):
    cast.broker.language = "en"
    db.session.commit()
    login(client, cast.enterprise)
    choose_english(client)
    response = client.post(
        f"/brokers/{cast.profile.id}/ask",
        data={"demand_id": cast.demand.id, "message": "Please find us a partner"},
    )
    assert response.status_code == 302
    page = _english_page(client, response.headers["Location"])
    assert chinese_left(page) == []
    assert "Request for matchmaking help" in page and "Please find us a partner" in page
    notice = db.session.scalar(select(Notice).where(Notice.organisation_id == cast.broker.organisation_id))
    assert notice.title == "有企业请Zhang Wei协助对接需求《Gear heat treatment》"
    login(client, cast.broker)
    page = unescape(client.get("/notices/").get_data(as_text=True))
    assert 'An enterprise asks Zhang Wei to help with the demand "Gear heat treatment"' in page


def test_the_requests_list_is_english(client, cast):
    make_request(cast.profile, cast.enterprise, cast.demand)
    db.session.commit()
    login(client, cast.broker)
    choose_english(client)
    page = _english_page(client, "/my/broker-requests")
    assert chinese_left(page) == [] and "Broker mandates" in page


def test_the_broker_pages_stay_chinese_by_default(client, cast):
    page = client.get(f"/brokers/{cast.profile.id}").get_data(as_text=True)
    assert "高级技术经纪人，证书编号" in page and "平台业绩" in page
    assert chinese_left(page)


def test_the_broker_api_stays_chinese_with_english_chosen(client, cast):
    cast.enterprise.language = "en"
    token = create_api_token(cast.enterprise, "test")
    db.session.commit()
    response = client.get(
        "/api/v1/brokers", headers={"Authorization": f"Bearer {token}", "Cookie": "lang=en"}
    )
    assert response.status_code == 200
    answer = json.dumps(response.get_json(), ensure_ascii=False)
    assert "高级" in answer and "Senior" not in answer


def test_the_bureau_review_and_the_inquiry_for_a_request_are_english(client, cast):
    bureau = make_user(org=make_org("bureau", name="City Bureau"), name="Carol")
    pending = make_profile(
        make_user(org=make_org("enterprise", name="Beta Ltd."), name="Eve"),
        status="pending",
        name="Eve",
        certificate_issuer="Hebei Technology Market Association",
        introduction="Gears",
    )
    accepted = make_request(cast.profile, cast.enterprise, cast.demand, status="accepted")
    db.session.commit()
    login(client, bureau)
    choose_english(client)
    assert chinese_left(_english_page(client, "/bureau/brokers")) == []
    assert chinese_left(_english_page(client, f"/bureau/brokers/{pending.id}")) == []
    login(client, cast.broker)
    assert chinese_left(_english_page(client, f"/brokers/requests/{accepted.id}/inquire")) == []
