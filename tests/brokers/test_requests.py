"""Help requests: an enterprise asks a listed broker, the broker accepts, inquires for the demand as
its introducer, and the deal that follows credits the broker's organisation and the person."""

import pytest
from sqlalchemy import select

from marketplace.brokers import queries
from marketplace.brokers import requests as help_requests
from marketplace.brokers.models import BrokerRequest
from marketplace.common.errors import Conflict, PermissionDenied, ValidationError
from marketplace.deals import services as deal_services
from marketplace.deals.models import Inquiry
from marketplace.extensions import db
from marketplace.notices.models import Notice
from tests.brokers.factories import make_profile, make_request
from tests.deals.factories import make_demand
from tests.factories import login, make_user


def _ask(cast, profile, demand=None):
    request = help_requests.ask_for_help(
        cast.enterprise, profile, demand_id=(demand or cast.demand).id, message="请帮忙寻找热处理技术"
    )
    db.session.commit()
    return request


def _inquire(cast, request):
    inquiry = help_requests.send_inquiry_for_request(
        cast.broker,
        request,
        listing_kind="result",
        listing_id=cast.result.id,
        purpose="license",
        message="受甲装备制造委托，希望了解许可条件",
    )
    db.session.commit()
    return inquiry


def _notice_titles(org_id: int) -> list[str]:
    return db.session.scalars(select(Notice.title).where(Notice.organisation_id == org_id)).all()


def test_the_whole_mandate_credits_the_broker_and_the_person(cast):
    profile = make_profile(cast.broker)
    request = _ask(cast, profile)
    assert request.status == "pending"
    assert any("协助对接需求" in t for t in _notice_titles(cast.broker.organisation_id))
    with pytest.raises(PermissionDenied):
        _inquire(cast, request)  # not before the broker accepted

    help_requests.accept_request(cast.broker, request, "可以，先检索省内成果")
    db.session.commit()
    assert any("接受了" in t for t in _notice_titles(cast.enterprise.organisation_id))

    inquiry = _inquire(cast, request)
    assert inquiry.sender_org_id == cast.enterprise.organisation_id
    assert inquiry.introducer_org_id == cast.broker.organisation_id
    assert inquiry.sent_by_id == cast.broker.id and inquiry.demand_id == cast.demand.id
    assert [link.inquiry_id for link in request.inquiry_links] == [inquiry.id]

    deal = deal_services.accept_inquiry(cast.university, inquiry)
    db.session.commit()
    assert deal.broker_org_id == cast.broker.organisation_id and deal.broker_source == "introduced"

    total = queries.performance(cast.broker.id).total
    assert (total.introductions, total.deals, total.contracts) == (1, 1, 0)
    # Credited to the person who sent it, not to colleagues at the same organisation.
    colleague = make_user(org=cast.broker.organisation)
    assert queries.performance(colleague.id).total.introductions == 0


def test_a_second_open_request_for_the_same_demand_is_refused(cast):
    profile = make_profile(cast.broker)
    _ask(cast, profile)
    with pytest.raises(Conflict):
        _ask(cast, profile)
    other = _ask(cast, profile, make_demand(cast.enterprise))
    assert other.status == "pending"


def test_only_own_published_demands_and_a_message(cast):
    profile = make_profile(cast.broker)
    foreign = make_demand(make_user("enterprise"))
    with pytest.raises(ValidationError):
        _ask(cast, profile, foreign)
    with pytest.raises(ValidationError):
        help_requests.ask_for_help(cast.enterprise, profile, demand_id=cast.demand.id, message=" ")


def test_who_may_be_asked(cast):
    pending = make_profile(cast.broker, status="pending")
    with pytest.raises(PermissionDenied):
        _ask(cast, pending)
    pending.status = "verified"
    # A university's 技术经理人 is listed but sends no inquiries for enterprises.
    university_profile = make_profile(cast.university)
    with pytest.raises(PermissionDenied):
        _ask(cast, university_profile)
    # A university cannot ask (it has no inquiry to send through a broker).
    with pytest.raises(PermissionDenied):
        help_requests.ask_for_help(cast.university, pending, demand_id=cast.demand.id, message="x")


def test_declining_frees_the_pair_and_ending_stops_the_inquiries(cast):
    profile = make_profile(cast.broker)
    request = _ask(cast, profile)
    with pytest.raises(PermissionDenied):
        help_requests.accept_request(cast.enterprise, request)
    help_requests.decline_request(cast.broker, request, "近期排期已满")
    db.session.commit()
    assert request.status == "declined" and request.open_key is None
    with pytest.raises(Conflict):
        help_requests.accept_request(cast.broker, request)

    again = _ask(cast, profile)
    help_requests.accept_request(cast.broker, again)
    help_requests.withdraw_request(cast.enterprise, again)
    db.session.commit()
    assert again.status == "ended"
    with pytest.raises(PermissionDenied):
        _inquire(cast, again)


def test_pages_of_a_request(client, cast):
    profile = make_profile(cast.broker, name="张经纪")
    login(client, cast.enterprise)
    page = client.get(f"/brokers/{profile.id}").get_data(as_text=True)
    assert "请该经纪人协助对接" in page and cast.demand.title in page
    response = client.post(f"/brokers/{profile.id}/ask", data={"demand_id": cast.demand.id, "message": ""})
    assert response.status_code == 422 and "请填写留言" in response.get_data(as_text=True)
    response = client.post(
        f"/brokers/{profile.id}/ask", data={"demand_id": cast.demand.id, "message": "请协助"}
    )
    request = db.session.scalar(select(BrokerRequest))
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/brokers/requests/{request.id}"
    )

    login(client, cast.broker)
    assert client.post(f"/brokers/requests/{request.id}/accept", data={"text": "好的"}).status_code == 302
    form = client.get(f"/brokers/requests/{request.id}/inquire").get_data(as_text=True)
    assert f"result:{cast.result.id}" in form
    response = client.post(
        f"/brokers/requests/{request.id}/inquire",
        data={"listing": f"result:{cast.result.id}", "purpose": "license", "message": "受托联系"},
    )
    inquiry = db.session.scalar(select(Inquiry))
    assert response.status_code == 302 and inquiry.introducer_org_id == cast.broker.organisation_id
    listed = client.get("/my/broker-requests").get_data(as_text=True)
    assert cast.demand.title in listed and "已发送意向 1 条" in listed

    outsider = make_user("enterprise")
    login(client, outsider)
    assert client.get(f"/brokers/requests/{request.id}").status_code == 403


def test_a_request_stays_open_once(cast):
    profile = make_profile(cast.broker)
    make_request(profile, cast.enterprise, cast.demand)
    db.session.commit()
    with pytest.raises(Conflict):
        _ask(cast, profile)
