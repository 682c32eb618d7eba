"""Inquiries: who may send, what each side sees before and after acceptance, caps and duplicates."""

from datetime import timedelta

from sqlalchemy import select

from marketplace.accounts.services import create_api_token
from marketplace.common.audit import AuditLog
from marketplace.deals import inquiries
from marketplace.deals.models import Deal, Inquiry
from marketplace.extensions import db
from marketplace.notices.models import Notice
from tests.deals.factories import accept, make_demand, make_result, offer, send
from tests.factories import login, make_org, make_user

SECRET = "核心工艺参数"


def _api_send(client, world, who="enterprise", **body):
    payload = {
        "result_id": world.result.id,
        "purpose": "license",
        "message": "希望许可",
        "wants_private_details": True,
    }
    payload.update(body)
    return client.post("/api/v1/inquiries", json=payload, headers=world.headers(who))


def test_private_details_and_contacts_only_after_acceptance(client, app, world):
    response = _api_send(client, world)
    assert response.status_code == 201
    inquiry_id = response.json["id"]
    assert response.json["contacts"] == [] and response.json["private_details"] == []

    # Before acceptance: neither the HTML page nor the JSON shows the secret or the phone numbers.
    with app.app_context():
        login(client, world.enterprise)
    page = client.get(f"/deals/inquiries/{inquiry_id}").get_data(as_text=True)
    assert SECRET not in page and "0311-2222" not in page and "成果联系人" not in page
    listed = client.get("/api/v1/inquiries?box=sent", headers=world.headers("enterprise")).get_data(
        as_text=True
    )
    assert SECRET not in listed and "0311-2222" not in listed
    received = client.get("/api/v1/inquiries", headers=world.headers("university")).json
    assert received["total"] == 1 and "0311-1111" not in str(received)
    with app.app_context():
        login(client, world.university)
    assert "0311-1111" not in client.get(f"/deals/inquiries/{inquiry_id}").get_data(as_text=True)

    accepted = client.post(f"/api/v1/inquiries/{inquiry_id}/accept", headers=world.headers("university"))
    assert accepted.status_code == 200
    deal_id = accepted.json["deal_id"]

    with app.app_context():
        login(client, world.enterprise)
    page = client.get(f"/deals/{deal_id}").get_data(as_text=True)
    assert SECRET in page and "0311-2222" in page
    data = client.get(f"/api/v1/deals/{deal_id}", headers=world.headers("enterprise")).json
    assert data["private_details"][0]["text"].startswith(SECRET)
    assert data["contacts"][0]["contact_phone"] == "0311-2222"
    # The owner sees the asker's contacts, but not its own secret echoed as "the other side's".
    data = client.get(f"/api/v1/deals/{deal_id}", headers=world.headers("university")).json
    assert data["contacts"][0]["contact_phone"] == "0311-1111" and data["private_details"] == []


def test_private_details_stay_hidden_when_not_asked(client, app, world):
    with app.app_context():
        inquiry = send(world.enterprise, world.result, wants_private_details=False)
        deal = accept(world.university, inquiry)
        deal_id = deal.id
    data = client.get(f"/api/v1/deals/{deal_id}", headers=world.headers("enterprise")).json
    assert data["private_details"] == [] and data["contacts"]


def test_hidden_demand_owner_stays_hidden_until_it_accepts(client, app, world):
    with app.app_context():
        hidden = make_user(org=make_org("enterprise", name="隐名制药股份公司", contact_phone="0311-9999"))
        demand = make_demand(hidden, hide_name=True, private_details="需求内部指标 XYZ")
        inquiry = offer(world.university, world.result, demand)
        inquiry_id = inquiry.id
        login(client, world.university)
    page = client.get(f"/deals/inquiries/{inquiry_id}").get_data(as_text=True)
    assert "隐名制药" not in page and "某企业" in page and "0311-9999" not in page
    for box in ("sent", "received"):
        data = client.get(f"/api/v1/inquiries?box={box}", headers=world.headers("university")).get_data(
            as_text=True
        )
        assert "隐名制药" not in data
    sent = client.get("/api/v1/inquiries?box=sent", headers=world.headers("university")).json["items"][0]
    assert sent["recipient"] == {"id": None, "name": "某企业"}
    assert "隐名制药" not in client.get("/deals/?tab=sent").get_data(as_text=True)

    # The owner sees itself; after it accepts, the university sees the name, contacts and details.
    with app.app_context():
        accept(db.session.get(type(hidden), hidden.id), db.session.get(Inquiry, inquiry_id))
    page = client.get(f"/deals/inquiries/{inquiry_id}").get_data(as_text=True)
    assert "隐名制药股份公司" in page and "0311-9999" in page and "需求内部指标 XYZ" in page


def test_declined_hidden_demand_owner_never_revealed(client, app, world):
    with app.app_context():
        hidden = make_user(org=make_org("enterprise", name="隐名化工有限公司"))
        demand = make_demand(hidden, hide_name=True)
        inquiry = offer(world.university, world.result, demand)
        login(client, hidden)
    response = client.post(f"/deals/inquiries/{inquiry.id}/decline", data={"reason": "mismatch"})
    assert response.status_code == 302
    with app.app_context():
        login(client, world.university)
    page = client.get(f"/deals/inquiries/{inquiry.id}").get_data(as_text=True)
    assert "已婉拒" in page and "技术方向不匹配" in page and "隐名化工" not in page


def test_unverified_organisations_cannot_send(client, app, world):
    with app.app_context():
        unverified = make_user("enterprise", verified=False)
        token = create_api_token(unverified, "t")
        db.session.commit()
        login(client, unverified)
    response = client.post(
        "/api/v1/inquiries",
        json={"result_id": world.result.id, "purpose": "license", "message": "你好"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    assert "尚未通过认证" in client.get(f"/deals/inquire/result/{world.result.id}").get_data(as_text=True)
    page = client.post(
        f"/deals/inquire/result/{world.result.id}", data={"purpose": "license", "message": "你好"}
    )
    assert page.status_code == 403 and "认证" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Inquiry.id)) is None


def test_daily_cap_holds_for_api_and_page(client, app, world, monkeypatch):
    app.config["DEALS_DAILY_INQUIRY_CAP"] = 2
    with app.app_context():
        results = [make_result(world.university) for _ in range(3)]
        ids = [r.id for r in results]
    assert _api_send(client, world, result_id=ids[0]).status_code == 201
    assert _api_send(client, world, result_id=ids[1]).status_code == 201
    response = _api_send(client, world, result_id=ids[2])
    assert response.status_code == 429 and response.json["error"]["code"] == "rate_limited"
    with app.app_context():
        login(client, world.enterprise)
    page = client.post(f"/deals/inquire/result/{ids[2]}", data={"purpose": "license", "message": "第三条"})
    text = page.get_data(as_text=True)
    assert page.status_code == 429 and "每日上限" in text and "第三条" in text  # what was typed is kept
    with app.app_context():
        assert len(db.session.scalars(select(Inquiry)).all()) == 2
    # Yesterday's inquiries do not count against today.
    tomorrow = inquiries.beijing_today() + timedelta(days=1)
    monkeypatch.setattr(inquiries, "beijing_today", lambda: tomorrow)
    assert _api_send(client, world, result_id=ids[2]).status_code == 201


def test_broker_cap_counts_what_the_broker_sent(client, app, world):
    app.config["DEALS_DAILY_INQUIRY_CAP"] = 1
    with app.app_context():
        other = make_result(world.university)
        other_id = other.id
        send(world.broker, world.result, on_behalf_of_org_id=world.enterprise.organisation_id)
    response = _api_send(
        client, world, who="broker", result_id=other_id, on_behalf_of_org_id=world.enterprise.organisation_id
    )
    assert response.status_code == 429


def test_no_duplicate_open_inquiry_but_resend_after_decline(client, app, world):
    assert _api_send(client, world).status_code == 201
    again = _api_send(client, world)
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"
    inquiry_id = client.get("/api/v1/inquiries", headers=world.headers("university")).json["items"][0]["id"]
    bad = client.post(
        f"/api/v1/inquiries/{inquiry_id}/decline",
        json={"reason": "other"},
        headers=world.headers("university"),
    )
    assert bad.status_code == 422 and "text" in bad.json["error"]["fields"]
    ok = client.post(
        f"/api/v1/inquiries/{inquiry_id}/decline",
        json={"reason": "other", "text": "近期无合作计划"},
        headers=world.headers("university"),
    )
    assert ok.status_code == 200 and ok.json["inquiry"]["decline_reason"] == "other"
    assert _api_send(client, world).status_code == 201


def test_sender_cannot_accept_and_outsider_cannot_see(client, app, world):
    inquiry_id = _api_send(client, world).json["id"]
    response = client.post(f"/api/v1/inquiries/{inquiry_id}/accept", headers=world.headers("enterprise"))
    assert response.status_code == 403
    response = client.post(f"/api/v1/inquiries/{inquiry_id}/accept", headers=world.headers("outsider"))
    assert response.status_code == 403
    with app.app_context():
        login(client, world.outsider)
    assert client.get(f"/deals/inquiries/{inquiry_id}").status_code == 403


def test_who_may_send_what(client, app, world):
    # A university asks nothing about others' results; an enterprise cannot ask about its own.
    response = client.post(
        "/api/v1/inquiries",
        json={"result_id": world.result.id, "purpose": "license", "message": "x"},
        headers=world.headers("university"),
    )
    assert response.status_code == 422
    with app.app_context():
        own = make_result(world.enterprise.organisation)
        draft = make_result(world.university, status="draft")
        own_id, draft_id = own.id, draft.id
    assert _api_send(client, world, result_id=own_id).status_code == 422
    assert _api_send(client, world, result_id=draft_id).status_code == 404
    assert _api_send(client, world, purpose="steal").json["error"]["fields"]["purpose"]
    assert _api_send(client, world, result_id="1").status_code == 422
    assert client.post("/api/v1/inquiries", data="[]", headers=world.headers("enterprise")).status_code == 400
    # A broker must name the enterprise it acts for.
    assert _api_send(client, world, who="broker").status_code == 422


def test_new_inquiry_is_announced_and_audited(client, app, world):
    with app.app_context():
        inquiry = send(world.broker, world.patent, on_behalf_of_org_id=world.enterprise.organisation_id)
        notice = db.session.scalar(
            select(Notice).where(Notice.organisation_id == world.university.organisation_id)
        )
        assert notice.kind == "inquiry" and notice.url == f"/deals/inquiries/{inquiry.id}"
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "inquiry.sent"))
        assert entry.object_id == inquiry.id and inquiry.introducer_org_id == world.broker.organisation_id
        deal = accept(world.university, inquiry)
        assert deal.broker_org_id == world.broker.organisation_id and deal.broker_source == "introduced"
        answered = db.session.scalars(select(Notice.organisation_id).where(Notice.kind == "answer")).all()
        assert set(answered) == {world.enterprise.organisation_id, world.broker.organisation_id}


def test_inquiry_form_page_sends_and_shows_state(client, app, world):
    with app.app_context():
        demand = make_demand(world.enterprise)
        login(client, world.enterprise)
    page = client.get(f"/deals/inquire/result/{world.result.id}").get_data(as_text=True)
    assert demand.title in page  # the enterprise may tie one of its demands
    empty = client.post(
        f"/deals/inquire/result/{world.result.id}", data={"purpose": "license", "message": ""}
    )
    assert empty.status_code == 422 and "请填写留言" in empty.get_data(as_text=True)
    response = client.post(
        f"/deals/inquire/result/{world.result.id}",
        data={
            "purpose": "transfer",
            "message": "想买断",
            "demand_id": demand.id,
            "wants_private_details": "y",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        inquiry = db.session.scalar(select(Inquiry))
        assert (
            inquiry.demand_id == demand.id and inquiry.purpose == "transfer" and inquiry.wants_private_details
        )
    assert "想买断" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_broker_form_needs_a_verified_enterprise_name(client, app, world):
    with app.app_context():
        login(client, world.broker)
    url = f"/deals/inquire/result/{world.result.id}"
    bad = client.post(
        url, data={"purpose": "license", "message": "代企业询问", "on_behalf_of": "不存在的公司"}
    )
    assert bad.status_code == 422 and "已认证企业的完整名称" in bad.get_data(as_text=True)
    ok = client.post(
        url, data={"purpose": "license", "message": "代企业询问", "on_behalf_of": "甲钢铁集团有限公司"}
    )
    assert ok.status_code == 302
    with app.app_context():
        inquiry = db.session.scalar(select(Inquiry))
        assert inquiry.sender_org_id == world.enterprise.organisation_id
        assert inquiry.introducer_org_id == world.broker.organisation_id


def test_withdraw_and_accept_through_pages(client, app, world):
    with app.app_context():
        first = send(world.enterprise, world.result)
        second = send(world.enterprise, world.patent)
        login(client, world.enterprise)
    client.post(f"/deals/inquiries/{first.id}/withdraw")
    with app.app_context():
        login(client, world.university)
    response = client.post(f"/deals/inquiries/{second.id}/accept")
    assert response.status_code == 302 and "/deals/" in response.headers["Location"]
    again = client.post(f"/deals/inquiries/{first.id}/accept", follow_redirects=True)
    assert "已撤回" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Inquiry, first.id).status == "withdrawn"
        assert db.session.scalar(select(Deal.inquiry_id)) == second.id


def test_enterprise_tying_a_hidden_demand_stays_hidden_from_the_owner(client, app, world):
    with app.app_context():
        demand = make_demand(world.enterprise, hide_name=True, title="高盐废水零排放需求")
        inquiry = send(
            world.broker,
            world.result,
            demand_id=demand.id,
            on_behalf_of_org_id=world.enterprise.organisation_id,
        )
        login(client, world.university)
    page = client.get(f"/deals/inquiries/{inquiry.id}").get_data(as_text=True)
    assert "甲钢铁集团" not in page and "某企业" in page and "高盐废水零排放需求" in page
    data = client.get("/api/v1/inquiries", headers=world.headers("university")).json["items"][0]
    assert data["sender"] == {"id": None, "name": "某企业"}
    # The introducing broker acts for the enterprise and sees its name.
    broker_view = client.get("/api/v1/inquiries?box=sent", headers=world.headers("broker")).json["items"][0]
    assert broker_view["sender"]["name"] == "甲钢铁集团有限公司"
    client.post(f"/deals/inquiries/{inquiry.id}/accept")
    assert "甲钢铁集团有限公司" in client.get(f"/deals/inquiries/{inquiry.id}").get_data(as_text=True)


def test_junk_form_values_get_chinese_messages_not_errors(client, app, world):
    with app.app_context():
        login(client, world.enterprise)
    url = f"/deals/inquire/result/{world.result.id}"
    response = client.post(url, data={"purpose": "steal", "message": "你好", "demand_id": "abc"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "请选择合作方式" in text and "Not a valid" not in text
    with app.app_context():
        inquiry = send(world.enterprise, world.patent)
        login(client, world.university)
    page = client.post(
        f"/deals/inquiries/{inquiry.id}/decline", data={"reason": "nonsense"}, follow_redirects=True
    )
    assert "请从列表中选择原因" in page.get_data(as_text=True) or "请选择婉拒原因" in page.get_data(
        as_text=True
    )
    client.post(f"/deals/inquiries/{inquiry.id}/accept")
    with app.app_context():
        deal_id = db.session.scalar(select(Deal.id))
    for data in ({"stage": "contracted"}, {"stage": "bogus"}, {"stage": "closed", "reason": "bogus"}):
        response = client.post(f"/deals/{deal_id}/stage", data=data)
        assert response.status_code in (409, 422) and "Not a valid" not in response.get_data(as_text=True), (
            data
        )
    response = client.post(f"/deals/{deal_id}/broker", data={"broker_org_id": "x"}, follow_redirects=True)
    assert response.status_code == 200 and "请选择" in response.get_data(as_text=True)
