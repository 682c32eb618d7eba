"""The events hall with English chosen: pages, forms, flashes and notices in English; files stay Chinese.

The test data is written in English (titles, names, places), so any Han character left inside
<main id="main"> is interface text that was not translated.
"""

import io

from flask_babel import force_locale
from openpyxl import load_workbook

from marketplace.events import registration
from marketplace.events.models import Event
from marketplace.extensions import db
from marketplace.notices.models import Notice
from tests.english import HAN, assert_english
from tests.english import choose_english as english
from tests.events.factories import make_event, with_phone
from tests.factories import login, make_org, make_user


class EnglishWorld:
    """The bureau, a verified university that organises, an attendee and a published event, all in English."""

    def __init__(self):
        self.bureau = with_phone(
            make_user(org=make_org("bureau", name="Municipal Bureau"), name="Bureau Officer")
        )
        self.university = with_phone(
            make_user(org=make_org("university", name="North Polytechnic"), name="Uni Organiser")
        )
        self.attendee = with_phone(
            make_user(org=make_org("enterprise", name="Acme Steel"), name="Alice Attendee"), "13900000001"
        )
        self.waiting = with_phone(
            make_user(org=make_org("enterprise", name="Beta Tools"), name="Bob Waiting"), "13900000002"
        )
        self.event = make_event(
            self.bureau,
            capacity=1,
            title="New Materials Roadshow",
            place="Science Tower, Hall 3",
            organiser_name="Municipal Bureau",
            agenda="14:00 Welcome\n14:10 Pitches",
        )
        self.event_id = self.event.id


def test_public_pages_are_english(app, client):
    with app.app_context():
        world = EnglishWorld()
    english(client)
    listing = client.get("/events/").get_data(as_text=True)
    assert "New Materials Roadshow" in listing and "Registration open" in listing
    assert "(Beijing time)" in listing and "Roadshow" in listing
    assert_english(listing)
    assert_english(client.get("/events/?when=past").get_data(as_text=True))
    assert_english(client.get("/events/?type=forum").get_data(as_text=True))
    page = client.get(f"/events/{world.event_id}").get_data(as_text=True)
    assert "Registration closes" in page and "Add to calendar (.ics)" in page
    assert_english(page)


def test_registration_error_ticket_and_my_registrations_are_english(app, client):
    with app.app_context():
        world = EnglishWorld()
        login(client, world.attendee)
    english(client)
    form = client.get(f"/events/{world.event_id}/register").get_data(as_text=True)
    assert "Confirm registration" in form
    assert_english(form)
    refused = client.post(f"/events/{world.event_id}/register", data={"note": "Bringing a colleague"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "To register, agree that the organiser may use your name and mobile number" in page
    assert "Bringing a colleague" in page  # what was typed is kept
    assert_english(page)
    done = client.post(
        f"/events/{world.event_id}/register", data={"note": "Bringing a colleague", "consent": "y"}
    )
    assert done.status_code == 302
    ticket = client.get(f"/events/{world.event_id}/ticket").get_data(as_text=True)
    assert "E-ticket" in ticket and "Check-in code" in ticket and "Cancel registration" in ticket
    assert_english(ticket)
    assert_english(client.get("/events/mine").get_data(as_text=True))
    cancelled = client.post(f"/events/{world.event_id}/cancel", follow_redirects=True)
    assert "Registration cancelled" in cancelled.get_data(as_text=True)
    assert_english(cancelled.get_data(as_text=True))


def test_organiser_pages_and_check_in_are_english(app, client):
    with app.app_context():
        world = EnglishWorld()
        item = registration.register(world.attendee, world.event_id, consent=True, note="Vegetarian")
        db.session.commit()
        code = item.code
        login(client, world.bureau)
    english(client)
    manage = client.get(f"/events/{world.event_id}/manage").get_data(as_text=True)
    assert "Manage event: New Materials Roadshow" in manage and "Alice Attendee" in manage
    assert "Registered" in manage
    assert_english(manage)
    checkin = client.get(f"/events/{world.event_id}/checkin").get_data(as_text=True)
    assert "Walk-in guests" in checkin and 'placeholder="Six-character code"' in checkin
    assert_english(checkin)
    done = client.post(f"/events/{world.event_id}/checkin", data={"code": code}, follow_redirects=True)
    assert "Alice Attendee is checked in" in done.get_data(as_text=True)
    assert_english(done.get_data(as_text=True))
    wrong = client.post(f"/events/{world.event_id}/checkin", data={"code": "ZZZZZZ"}, follow_redirects=True)
    assert "does not belong to this event" in wrong.get_data(as_text=True)
    assert_english(wrong.get_data(as_text=True))
    link = client.get(f"/events/{world.event_id}/checkin/{code}").get_data(as_text=True)
    assert "Confirm check-in" in link
    assert_english(link)
    walk_in = client.post(f"/events/{world.event_id}/walk-in", data={"walkin-name": "", "walkin-phone": ""})
    assert walk_in.status_code == 422
    assert "Please enter the name (at most 50 characters)" in walk_in.get_data(as_text=True)
    assert_english(walk_in.get_data(as_text=True))
    assert_english(client.get(f"/events/{world.event_id}/edit").get_data(as_text=True))
    assert_english(client.get("/events/new").get_data(as_text=True))
    assert_english(client.get("/events/organised").get_data(as_text=True))


def test_the_bureau_review_queue_is_english(app, client):
    with app.app_context():
        world = EnglishWorld()
        pending = make_event(
            world.university, title="Campus Demo Day", organiser_name="North Polytechnic", place="Main Campus"
        )
        pending_id = pending.id
        login(client, world.bureau)
    english(client)
    queue = client.get("/bureau/events").get_data(as_text=True)
    assert "Campus Demo Day" in queue and "Approve and publish" in queue
    assert 'placeholder="Reason for rejection"' in queue
    assert_english(queue)
    refused = client.post(f"/bureau/events/{pending_id}/reject", data={"reason": ""}, follow_redirects=True)
    assert "Give the reason for rejection" in refused.get_data(as_text=True)
    assert_english(refused.get_data(as_text=True))
    approved = client.post(f"/bureau/events/{pending_id}/approve", follow_redirects=True)
    assert "Event approved and published" in approved.get_data(as_text=True)


def test_the_calendar_file_and_the_attendee_list_stay_chinese_with_english_chosen(app, client):
    with app.app_context():
        world = EnglishWorld()
        registration.register(world.attendee, world.event_id, consent=True)
        db.session.commit()
        login(client, world.bureau)
    english(client)
    ics = client.get(f"/events/{world.event_id}/event.ics").get_data(as_text=True).replace("\r\n ", "")
    assert "DESCRIPTION:路演｜主办：Municipal Bureau" in ics
    sheet = load_workbook(
        io.BytesIO(client.get(f"/events/{world.event_id}/attendees.xlsx").get_data())
    ).active
    rows = list(sheet.values)
    assert sheet.title == "参会名单"
    assert rows[0][:4] == ("序号", "姓名", "手机号", "报名状态")
    assert rows[1][3] == "已报名" and rows[1][5] == "否"


def test_a_waiting_list_promotion_reads_english_for_an_english_user(app, client):
    with app.app_context():
        world = EnglishWorld()
        world.waiting.language = "en"
        registration.register(world.attendee, world.event_id, consent=True)
        registration.register(world.waiting, world.event_id, consent=True)
        db.session.commit()
        registration.cancel(world.attendee, world.event_id)
        db.session.commit()
        notice = db.session.scalar(db.select(Notice).where(Notice.user_id == world.waiting.id))
        # Stored as today, in Chinese; shown in the reader's language.
        assert notice.title == "候补成功：您已获得《New Materials Roadshow》的参会名额"
        assert notice.body == "请按时参加；不能参加时请在电子票页面取消，把名额留给其他人。"
        with force_locale("en"):
            assert notice.shown_title == "Off the waiting list: you have a place at ‘New Materials Roadshow’"
            assert not HAN.search(notice.shown_body)
        login(client, world.waiting)
    page = client.get("/notices/").get_data(as_text=True)
    assert "Off the waiting list: you have a place at ‘New Materials Roadshow’" in page
    assert "Please be there on time." in page


def test_a_reminder_and_a_review_notice_keep_their_chinese_text(app):
    from datetime import date, timedelta

    from marketplace.common.timeutil import to_beijing
    from marketplace.events import publishing
    from marketplace.events.reminders import send_reminders

    with app.app_context():
        world = EnglishWorld()
        item = registration.register(world.attendee, world.event_id, consent=True)
        pending = make_event(
            world.university, title="Campus Demo Day", organiser_name="North Polytechnic", place="Main Campus"
        )
        publishing.reject_event(world.bureau, pending, "Needs 50% more detail")
        db.session.commit()
        event = db.session.get(Event, world.event_id)
        day_before = to_beijing(event.starts_at).date() - timedelta(days=1)
        assert isinstance(day_before, date) and send_reminders(day_before) == 1
        db.session.commit()
        reminder = db.session.scalar(db.select(Notice).where(Notice.user_id == world.attendee.id))
        local = to_beijing(event.starts_at)
        assert reminder.title == f"活动提醒：《New Materials Roadshow》明天 {local:%H:%M} 开始"
        assert reminder.body == (
            f"地点：Science Tower, Hall 3。签到码 {item.code}，请在电子票页面出示二维码。"
        )
        rejected = db.session.scalar(
            db.select(Notice).where(Notice.organisation_id == world.university.org.id)
        )
        assert rejected.title == "活动《Campus Demo Day》未通过审核"
        assert rejected.body == "Needs 50% more detail"
        with force_locale("en"):
            assert (
                reminder.shown_title == f"Reminder: ‘New Materials Roadshow’ starts tomorrow at {local:%H:%M}"
            )
            assert rejected.shown_title == "Event ‘Campus Demo Day’ was not approved"
            assert rejected.shown_body == "Needs 50% more detail"
