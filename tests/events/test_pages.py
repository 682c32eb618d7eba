"""The events pages through the client: lists, the event page, registration, ticket, files, check-in, review."""

import io
from datetime import timedelta

from openpyxl import load_workbook

from marketplace.common.timeutil import utcnow
from marketplace.deals.models import Inquiry
from marketplace.events import publishing, registration
from marketplace.events.models import Event, Registration
from marketplace.extensions import db
from tests.events.factories import make_event
from tests.factories import login


def _present(world, event_id):
    event = db.session.get(Event, event_id)
    publishing.add_project(world.bureau, event, "result", world.result.id, event.starts_at)
    publishing.add_project(world.bureau, event, "demand", world.hidden_demand.id, event.starts_at)
    db.session.commit()
    return event


def test_list_filters_and_empty_state(app, client, world):
    with app.app_context():
        _present(world, world.event.id)
        make_event(world.bureau, title="专利培训班", event_type="training")
    page = client.get("/events/").get_data(as_text=True)
    assert "新材料成果路演" in page and "专利培训班" in page
    page = client.get("/events/?type=training").get_data(as_text=True)
    assert "专利培训班" in page and "新材料成果路演" not in page
    page = client.get("/events/?field=新材料及其应用").get_data(as_text=True)
    assert "新材料成果路演" in page and "专利培训班" not in page
    page = client.get("/events/?month=2001-01").get_data(as_text=True)
    assert "没有符合筛选条件的活动" in page
    assert "还没有往期活动" in client.get("/events/?when=past").get_data(as_text=True)


def test_event_page_hides_a_hidden_demand_name_but_not_from_the_bureau(app, client, world):
    with app.app_context():
        _present(world, world.event.id)
    page = client.get(f"/events/{world.event.id}").get_data(as_text=True)
    assert "耐高温陶瓷膜制备技术" in page and "乙理工大学" in page
    assert "某企业" in page and "丁科技有限公司" not in page
    api = client.get(f"/api/v1/events/{world.event.id}").get_json()
    assert {p["organisation"] for p in api["projects"]} == {"乙理工大学", "某企业"}
    with app.app_context():
        login(client, world.bureau)
    assert "丁科技有限公司" in client.get(f"/events/{world.event.id}").get_data(as_text=True)


def test_a_pending_event_is_not_public(app, client, world):
    with app.app_context():
        pending = make_event(world.university, title="待审核路演")
    assert client.get(f"/events/{pending.id}").status_code == 404
    assert "待审核路演" not in client.get("/events/").get_data(as_text=True)
    with app.app_context():
        login(client, world.bureau)
    assert "待审核路演" in client.get("/bureau/events").get_data(as_text=True)
    client.post(f"/bureau/events/{pending.id}/approve")
    with app.app_context():
        assert db.session.get(Event, pending.id).status == "published"


def test_register_through_the_page_needs_consent_then_shows_a_ticket(app, client, world):
    with app.app_context():
        login(client, world.enterprise)
    refused = client.post(f"/events/{world.event.id}/register", data={"note": "带一位同事"})
    assert refused.status_code == 422
    assert "带一位同事" in refused.get_data(as_text=True)  # what was typed is kept
    done = client.post(f"/events/{world.event.id}/register", data={"note": "带一位同事", "consent": "y"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/ticket")
    ticket = client.get(f"/events/{world.event.id}/ticket").get_data(as_text=True)
    with app.app_context():
        code = db.session.scalar(db.select(Registration.code))
    assert 'src="data:image/svg+xml' in ticket and code in ticket and "取消报名" in ticket
    client.post(f"/events/{world.event.id}/cancel")
    with app.app_context():
        assert db.session.scalar(db.select(Registration.status)) == "cancelled"


def test_ics_is_rfc5545(app, client, world):
    response = client.get(f"/events/{world.event.id}/event.ics")
    body = response.get_data()
    assert response.mimetype == "text/calendar"
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")
    text = body.decode()
    assert f"DTSTART:{world.event.starts_at:%Y%m%dT%H%M%S}Z" in text
    assert "DESCRIPTION:路演｜主办：石家庄市科学技术局\\n14:00 开场\\n14:10 项目路演" in text.replace(
        "\r\n ", ""
    )
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_attendee_export_has_chinese_headers_and_is_for_the_organiser_only(app, client, world):
    with app.app_context():
        registration.register(world.enterprise, world.event.id, consent=True, note="=HYPERLINK(1)")
        db.session.commit()
        login(client, world.enterprise)
    assert client.get(f"/events/{world.event.id}/attendees.xlsx").status_code == 403
    with app.app_context():
        login(client, world.bureau)
    response = client.get(f"/events/{world.event.id}/attendees.xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.values)
    assert rows[0][:4] == ("序号", "姓名", "手机号", "报名状态")
    assert rows[1][2] == "13800000000" and rows[1][6] == "=HYPERLINK(1)"
    assert sheet["G2"].data_type == "s"


def test_check_in_by_typed_code_and_by_the_ticket_link(app, client, world):
    with app.app_context():
        event = db.session.get(Event, world.event.id)
        event.capacity = 2
        db.session.commit()
        first = registration.register(world.enterprise, event.id, consent=True)
        second = registration.register(world.other, event.id, consent=True)
        db.session.commit()
        codes = first.code, second.code
        login(client, world.bureau)
    client.post(f"/events/{world.event.id}/checkin", data={"code": codes[0].lower()})
    again = client.post(f"/events/{world.event.id}/checkin", data={"code": codes[0]}, follow_redirects=True)
    assert "此前已签到" in again.get_data(as_text=True)
    assert "确认签到" in client.get(f"/events/{world.event.id}/checkin/{codes[1]}").get_data(as_text=True)
    client.post(f"/events/{world.event.id}/checkin/{codes[1]}")
    assert client.get(f"/events/{world.event.id}/counts.json").get_json() == {
        "registered": 2,
        "waiting": 0,
        "checked_in": 2,
    }
    walk_in = client.post(f"/events/{world.event.id}/walk-in", data={"walkin-name": "", "walkin-phone": ""})
    assert walk_in.status_code == 422
    client.post(f"/events/{world.event.id}/walk-in", data={"walkin-name": "王来宾", "walkin-phone": "137"})
    assert client.get(f"/events/{world.event.id}/counts.json").get_json()["checked_in"] == 3


def test_create_event_form_keeps_input_and_converts_beijing_time(app, client, world):
    with app.app_context():
        login(client, world.university)
    bad = client.post("/events/new", data={"title": "高校成果对接会", "event_type": "matchmaking"})
    assert bad.status_code == 422 and "高校成果对接会" in bad.get_data(as_text=True)
    ok = client.post(
        "/events/new",
        data={
            "title": "高校成果对接会",
            "event_type": "matchmaking",
            "starts_at": "2030-05-10T14:00",
            "ends_at": "2030-05-10T17:00",
            "registration_deadline": "2030-05-09T18:00",
            "place": "乙理工大学报告厅",
            "organiser_name": "乙理工大学",
            "capacity": "80",
        },
    )
    assert ok.status_code == 302
    with app.app_context():
        event = db.session.scalar(db.select(Event).where(Event.title == "高校成果对接会"))
        assert event.status == "pending"
        assert event.starts_at.hour == 6  # 14:00 Beijing is 06:00 UTC


def test_inquiry_from_the_event_page_carries_the_event_and_is_counted(app, client, world):
    from marketplace.events.queries import event_funnel, inquiries_by_project

    with app.app_context():
        event = _present(world, world.event.id)
        login(client, world.enterprise)
    form = client.get(f"/deals/inquire/result/{world.result.id}?event={world.event.id}").get_data(
        as_text=True
    )
    assert f'value="{world.event.id}"' in form
    client.post(
        f"/deals/inquire/result/{world.result.id}",
        data={"purpose": "license", "message": "希望许可使用", "event_id": str(world.event.id)},
    )
    with app.app_context():
        inquiry = db.session.scalar(db.select(Inquiry))
        assert inquiry.event_id == world.event.id
        event = db.session.get(Event, world.event.id)
        assert sum(inquiries_by_project(event).values()) == 1
        year = (event.starts_at + timedelta(hours=8)).year
        assert event_funnel(year) == {"events": 1, "inquiries": 1, "deals": 0, "contracted": 0}


def test_an_unrelated_event_id_is_not_kept(app, client, world):
    with app.app_context():
        other = make_event(world.bureau, title="别的活动")
        login(client, world.enterprise)
    client.post(
        f"/deals/inquire/result/{world.result.id}",
        data={"purpose": "license", "message": "希望许可使用", "event_id": str(other.id)},
    )
    with app.app_context():
        assert db.session.scalar(db.select(Inquiry.event_id)) is None


def test_past_events_keep_their_record(app, client, world):
    with app.app_context():
        event = db.session.get(Event, world.event.id)
        event.starts_at = utcnow() - timedelta(days=3)
        event.ends_at = utcnow() - timedelta(days=3) + timedelta(hours=2)
        db.session.commit()
    page = client.get("/events/?when=past").get_data(as_text=True)
    assert "新材料成果路演" in page
    assert "已结束" in client.get(f"/events/{world.event.id}").get_data(as_text=True)


def test_a_ticket_link_opened_by_someone_else_leads_to_their_own_ticket(app, client, world):
    with app.app_context():
        item = registration.register(world.enterprise, world.event.id, consent=True)
        db.session.commit()
        code = item.code
        login(client, world.other)
    response = client.get(f"/events/{world.event.id}/checkin/{code}")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/events/{world.event.id}/ticket"
    )
    client.post(f"/events/{world.event.id}/checkin/{code}")
    with app.app_context():
        assert db.session.get(Registration, item.id).checked_in_at is None
