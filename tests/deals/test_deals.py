"""Deals: who sees them, messages and attachments, stages, brokers, contracts, reminders, reports."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.common.audit import AuditLog
from marketplace.common.errors import NotFound
from marketplace.common.timeutil import utcnow
from marketplace.deals import services
from marketplace.deals.models import Deal, DealMessage, DealReport, Inquiry
from marketplace.extensions import db
from marketplace.notices.models import Notice
from tests.deals.factories import accept, make_patent, make_result, send
from tests.factories import login

PDF = b"%PDF-1.4\n% test document\n"


@pytest.fixture
def deal_id(app, world):
    with app.app_context():
        inquiry = send(world.broker, world.result, on_behalf_of_org_id=world.enterprise.organisation_id)
        return accept(world.university, inquiry).id


def test_only_the_parties_and_their_broker_see_a_deal(client, app, world, deal_id):
    for who, expected in (
        ("enterprise", 200),
        ("university", 200),
        ("broker", 200),
        ("outsider", 403),
        ("bureau", 403),
    ):
        assert client.get(f"/api/v1/deals/{deal_id}", headers=world.headers(who)).status_code == expected, who
        with app.app_context():
            login(client, getattr(world, who))
        page = client.get(f"/deals/{deal_id}")
        assert page.status_code == expected, who
        if expected == 403:
            assert "核心工艺参数" not in page.get_data(as_text=True)
        message = client.post(
            f"/api/v1/deals/{deal_id}/messages", json={"body": f"{who} 你好"}, headers=world.headers(who)
        )
        assert message.status_code == (201 if expected == 200 else 403), who
    assert client.get("/api/v1/deals/999999", headers=world.headers("enterprise")).status_code == 404


def test_messages_with_attachments_and_notices(client, app, world, deal_id):
    with app.app_context():
        login(client, world.enterprise)
    response = client.post(
        f"/deals/{deal_id}/messages",
        data={"body": "附上我方技术要求", "attachment": (io.BytesIO(PDF), "要求.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with app.app_context():
        message = db.session.scalar(select(DealMessage))
        assert message.attachment_filename == "要求.pdf" and message.attachment_mimetype == "application/pdf"
        notified = set(db.session.scalars(select(Notice.organisation_id).where(Notice.kind == "message")))
        assert notified == {world.university.organisation_id, world.broker.organisation_id}
        message_id = message.id
    download = client.get(f"/deals/{deal_id}/messages/{message_id}/attachment")
    assert download.status_code == 200 and download.data == PDF
    with app.app_context():
        login(client, world.outsider)
    assert client.get(f"/deals/{deal_id}/messages/{message_id}/attachment").status_code == 403

    # A renamed executable is refused and what was typed is kept.
    with app.app_context():
        login(client, world.university)
    bad = client.post(
        f"/deals/{deal_id}/messages",
        data={"body": "请查收", "attachment": (io.BytesIO(b"MZ\x90\x00binary"), "合同.pdf")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "请查收" in bad.get_data(as_text=True)
    empty = client.post(f"/deals/{deal_id}/messages", data={"body": "  "})
    assert empty.status_code == 422
    # The API takes a multipart attachment too.
    api = client.post(
        f"/api/v1/deals/{deal_id}/messages",
        data={"body": "扫描件", "attachment": (io.BytesIO(PDF), "scan.pdf")},
        content_type="multipart/form-data",
        headers=world.headers("university"),
    )
    assert api.status_code == 201 and api.json["attachment"]["filename"] == "scan.pdf"
    with app.app_context():
        assert db.session.scalar(select(func.count(DealMessage.id))) == 2


def test_stages_are_audited_notified_and_checked(client, app, world, deal_id):
    with app.app_context():
        login(client, world.enterprise)
    assert (
        client.post(f"/deals/{deal_id}/stage", data={"stage": "agreed"}).status_code == 409
    )  # not from contact
    assert client.post(f"/deals/{deal_id}/stage", data={"stage": "negotiating"}).status_code == 302
    assert client.post(f"/deals/{deal_id}/stage", data={"stage": "agreed"}).status_code == 302
    closing = client.post(f"/deals/{deal_id}/stage", data={"stage": "closed"})
    assert closing.status_code == 422 and "终止原因" in closing.get_data(as_text=True)
    with app.app_context():
        deal = db.session.get(Deal, deal_id)
        assert deal.stage == "agreed" and deal.agreed_at is not None
        changes = db.session.scalars(select(AuditLog).where(AuditLog.action == "deal.stage_changed")).all()
        assert [c.after_data["stage"] for c in changes] == ["negotiating", "agreed"]
        assert changes[0].before_data == {"stage": "contact"}
        stage_notices = db.session.scalars(select(Notice.organisation_id).where(Notice.kind == "stage")).all()
        assert world.enterprise.organisation_id not in stage_notices
        assert stage_notices.count(world.university.organisation_id) == 2
        login(client, world.broker)
    # The broker follows the deal but does not move it.
    assert (
        client.post(f"/deals/{deal_id}/stage", data={"stage": "closed", "reason": "budget"}).status_code
        == 403
    )
    with app.app_context():
        login(client, world.university)
    response = client.post(
        f"/deals/{deal_id}/stage", data={"stage": "closed", "reason": "budget", "text": "预算未获批"}
    )
    assert response.status_code == 302
    page = client.get(f"/deals/{deal_id}").get_data(as_text=True)
    assert "已终止" in page and "预算或资金原因" in page and "预算未获批" in page


def test_on_contract_registered_moves_to_contracted_and_credits_broker(client, app, world, deal_id):
    with app.app_context():
        deal = services.on_contract_registered(deal_id, 4242)
        db.session.commit()
        assert deal.stage == "contracted" and deal.contract_id == 4242 and deal.broker_credited
        assert deal.contracted_at is not None
        # Calling it again for the same contract changes nothing.
        first_time = deal.contracted_at
        services.on_contract_registered(deal_id, 4242)
        assert db.session.get(Deal, deal_id).contracted_at == first_time
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "deal.contracted"))
        assert entry.after_data["contract_id"] == 4242
        with pytest.raises(NotFound):
            services.on_contract_registered(999999, 1)
        login(client, world.broker)
    page = client.get("/deals/brokered").get_data(as_text=True)
    assert "已签合同并登记" in page and "已计入促成业绩" in client.get(f"/deals/{deal_id}").get_data(
        as_text=True
    )
    assert (
        client.get(f"/api/v1/deals/{deal_id}", headers=world.headers("broker")).json["broker_credited"]
        is True
    )
    # A contracted deal cannot be moved by hand any more.
    with app.app_context():
        login(client, world.enterprise)
    assert (
        client.post(f"/deals/{deal_id}/stage", data={"stage": "closed", "reason": "budget"}).status_code
        == 409
    )


def test_deal_without_broker_is_contracted_without_credit(app, world):
    with app.app_context():
        deal = accept(world.university, send(world.enterprise, world.patent))
        services.on_contract_registered(deal.id, 7)
        assert deal.stage == "contracted" and not deal.broker_credited


def test_a_party_invites_a_broker(client, app, world):
    with app.app_context():
        deal = accept(world.university, send(world.enterprise, world.patent))
        deal_id = deal.id
        login(client, world.broker)
    assert client.get(f"/deals/{deal_id}").status_code == 403
    with app.app_context():
        login(client, world.enterprise)
    assert "邀请技术经纪机构" in client.get(f"/deals/{deal_id}").get_data(as_text=True)
    client.post(f"/deals/{deal_id}/broker", data={"broker_org_id": world.broker.organisation_id})
    with app.app_context():
        deal = db.session.get(Deal, deal_id)
        assert deal.broker_org_id == world.broker.organisation_id and deal.broker_source == "invited"
        assert db.session.scalar(
            select(Notice.id).where(Notice.organisation_id == world.broker.organisation_id)
        )
        login(client, world.broker)
    assert client.get(f"/deals/{deal_id}").status_code == 200
    assert "受邀参与" in client.get("/deals/brokered").get_data(as_text=True)
    with app.app_context():
        login(client, world.university)
    # One broker per deal.
    client.post(f"/deals/{deal_id}/broker", data={"broker_org_id": world.outsider.organisation_id})
    with app.app_context():
        assert db.session.get(Deal, deal_id).broker_org_id == world.broker.organisation_id


def test_overdue_inquiries_are_flagged_and_reminded_once(client, app, world, runner):
    with app.app_context():
        old = send(world.enterprise, world.result)
        fresh = send(world.enterprise, world.patent)
        old.created_at = utcnow() - timedelta(days=8)
        db.session.commit()
        old_id, fresh_id = old.id, fresh.id
        login(client, world.university)
    listing = client.get("/deals/?tab=received").get_data(as_text=True)
    assert listing.count("超过7天未答复") == 1 and "1 条对接意向超过 7 天未答复" in listing
    assert "超过 7 天未答复" in client.get("/dashboard").get_data(as_text=True)
    result = runner.invoke(args=["deals", "remind"])
    assert result.exit_code == 0 and "已提醒 1 条" in result.output
    assert "已提醒 0 条" in runner.invoke(args=["deals", "remind"]).output
    with app.app_context():
        reminders = db.session.scalars(
            select(Notice).where(Notice.subject_key.like("inquiry-overdue:%"))
        ).all()
        assert [n.subject_key for n in reminders] == [f"inquiry-overdue:{old_id}"]
        assert reminders[0].organisation_id == world.university.organisation_id
        assert db.session.get(Inquiry, fresh_id).reminded_at is None


def test_report_reaches_the_bureau(client, app, world):
    with app.app_context():
        inquiry = send(world.enterprise, world.result, message="加微信领取优惠")
        login(client, world.university)
    client.post(f"/deals/inquiries/{inquiry.id}/report", data={"reason": "spam", "text": "广告"})
    with app.app_context():
        report = db.session.scalar(select(DealReport))
        assert report.reason == "spam" and report.reporter_org_id == world.university.organisation_id
        assert db.session.scalar(
            select(Notice.id).where(Notice.organisation_id == world.bureau.organisation_id)
        )
        login(client, world.outsider)
    assert client.post(f"/deals/inquiries/{inquiry.id}/report", data={"reason": "spam"}).status_code == 403
    with app.app_context():
        login(client, world.bureau)
    assert "1 条待处理" in client.get("/dashboard").get_data(as_text=True)
    page = client.get("/bureau/deal-reports").get_data(as_text=True)
    assert "加微信领取优惠" in page and "垃圾或广告信息" in page
    client.post(f"/bureau/deal-reports/{report.id}/resolve", data={"resolution": "已警告发送单位"})
    with app.app_context():
        assert db.session.get(DealReport, report.id).status == "resolved"
    assert "没有待处理的举报" in client.get("/bureau/deal-reports").get_data(as_text=True)
    assert "条待处理" not in client.get("/dashboard").get_data(as_text=True)


def test_my_deals_pages_paginate_and_show_empty_states(client, app, world):
    with app.app_context():
        login(client, world.outsider)
    assert "还没有收到对接意向" in client.get("/deals/").get_data(as_text=True)
    assert "还没有发出对接意向" in client.get("/deals/?tab=sent").get_data(as_text=True)
    assert "还没有进行中的对接" in client.get("/deals/?tab=deals").get_data(as_text=True)
    with app.app_context():
        for _ in range(3):
            send(world.enterprise, make_patent(world.university))
        login(client, world.enterprise)
    first = client.get("/deals/?tab=sent&per_page=2").get_data(as_text=True)
    assert "共 3 条" in first and "下一页" in first
    assert (
        client.get("/api/v1/inquiries?box=sent&per_page=2", headers=world.headers("enterprise")).json["total"]
        == 3
    )
    assert (
        client.get("/api/v1/inquiries?box=nonsense", headers=world.headers("enterprise")).status_code == 422
    )


def test_listing_partials_show_the_right_action(app, world):
    from flask import render_template_string

    from marketplace.listings.models import ResearchResult

    template = '{% include "deals/_listing_actions.html" %}'
    with app.app_context():
        other = make_result(world.university)
        inquiry = send(world.enterprise, world.result)
    for who, expected in (
        ("enterprise", "待答复"),
        ("broker", "发送对接意向"),
        ("university", "本单位发布"),
        ("bureau", "由企业或受托的技术经纪机构发送"),
    ):
        with app.test_request_context("/"):
            from flask_login import login_user

            login_user(db.session.get(type(world.enterprise), getattr(world, who).id))
            listing = db.session.get(ResearchResult, world.result.id)
            html = render_template_string(template, listing=listing)
            assert expected in html, who
            if who == "enterprise":
                assert f"/deals/inquiries/{inquiry.id}" in html
                fresh = render_template_string(template, listing=db.session.get(ResearchResult, other.id))
                assert f"/deals/inquire/result/{other.id}" in fresh
    with app.test_request_context("/"):
        from marketplace.listings.models import Demand
        from tests.deals.factories import make_demand

        demand = make_demand(world.enterprise)
        login_user(db.session.get(type(world.university), world.university.id))
        for name in ("_demand_offer.html", "_listing_actions.html"):
            html = render_template_string(
                f'{{% include "deals/{name}" %}}', listing=db.session.get(Demand, demand.id)
            )
            assert f"/deals/offer/{demand.id}" in html, name


def test_messages_are_escaped_and_keep_their_lines(client, app, world, deal_id):
    with app.app_context():
        login(client, world.enterprise)
    client.post(f"/deals/{deal_id}/messages", data={"body": "<script>alert(1)</script>\n第二行"})
    page = client.get(f"/deals/{deal_id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>第二行" in page


def test_a_contract_wins_over_a_closed_deal(app, world, deal_id):
    with app.app_context():
        deal = db.session.get(Deal, deal_id)
        services.change_stage(world.university, deal, "closed", "other_partner")
        services.on_contract_registered(deal_id, 9)
        db.session.commit()
        deal = db.session.get(Deal, deal_id)
        assert deal.stage == "contracted" and deal.contract_id == 9 and deal.broker_credited


def test_listing_links_point_at_the_listing_pages(app, world, client):
    from marketplace.deals.views import listing_url

    with app.app_context():
        result = db.session.get(type(world.result), world.result.id)
    with app.test_request_context("/"):
        assert listing_url(result) == f"/results/{result.id}"
    assert client.get(f"/results/{result.id}").status_code == 200
