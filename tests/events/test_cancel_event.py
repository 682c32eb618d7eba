"""Calling an event off: the organiser or the bureau, with a reason and a confirmation page."""

from datetime import timedelta

import pytest

from marketplace.common.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.events import publishing, registration
from marketplace.events.models import Event, Registration
from marketplace.extensions import db
from marketplace.notices.models import Notice
from tests.events.factories import make_event
from tests.factories import login


def test_the_organiser_cancels_with_a_reason_and_registrants_are_told(app, client, world):
    with app.app_context():
        registration.register(world.enterprise, world.event.id, consent=True)
        registration.register(world.other, world.event.id, consent=True)  # capacity 1: waiting
        db.session.commit()
        login(client, world.bureau)
    page = client.get(f"/events/{world.event.id}/cancel-event").get_data(as_text=True)
    assert "确认取消活动" in page and "取消原因" in page
    refused = client.post(f"/events/{world.event.id}/cancel-event", data={"reason": ""})
    assert refused.status_code == 422 and "请填写原因" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Event, world.event.id).status == "published"
    done = client.post(f"/events/{world.event.id}/cancel-event", data={"reason": "场地维修"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/events/{world.event.id}")
    page = client.get(f"/events/{world.event.id}").get_data(as_text=True)
    assert "此活动已取消：场地维修" in page and "活动已取消，不再接受报名" in page
    assert f"/events/{world.event.id}/register" not in page
    ics = client.get(f"/events/{world.event.id}/event.ics").get_data(as_text=True)
    assert "STATUS:CANCELLED" in ics
    with app.app_context():
        event = db.session.get(Event, world.event.id)
        assert (
            event.status == "cancelled" and event.review_reason == "场地维修" and not event.registration_open
        )
        assert set(db.session.scalars(db.select(Registration.status))) == {"cancelled"}
        notices = db.session.scalars(
            db.select(Notice).where(Notice.subject_key.like("event-cancelled:%"))
        ).all()
        assert {n.user_id for n in notices} == {world.enterprise.id, world.other.id}
        assert notices[0].title == "活动《新材料成果路演》已取消"
        assert notices[0].body == "主办方取消了本次活动，您的报名随之取消。原因：场地维修"
        with pytest.raises(NotFound) as refused_registration:
            registration.register(world.enterprise, world.event.id, consent=True)
        assert "尚未发布" in str(refused_registration.value)
        db.session.rollback()


def test_only_who_runs_a_coming_event_may_cancel_it(app, world):
    with app.app_context():
        event = db.session.get(Event, world.event.id)
        with pytest.raises(PermissionDenied):
            publishing.cancel_event(world.enterprise, event, "不想办了")
        with pytest.raises(ValidationError):
            publishing.cancel_event(world.bureau, event, "  ")
        past = make_event(world.bureau, starts_in=timedelta(days=-2))
        with pytest.raises(Conflict):
            publishing.cancel_event(world.bureau, past, "已结束")
        pending = make_event(world.university, title="单位路演")
        publishing.cancel_event(world.university, pending, "改期")
        db.session.commit()
        with pytest.raises(Conflict):
            publishing.cancel_event(world.university, pending, "再取消一次")
        assert db.session.get(Event, pending.id).status == "cancelled"


def test_the_cancel_page_is_english_with_english_chosen(app, client, world):
    from tests.english import choose_english as english

    with app.app_context():
        event = make_event(world.bureau, title="Spring Roadshow", place="Hall 3", organiser_name="Bureau")
        login(client, world.bureau)
    english(client)
    page = client.get(f"/events/{event.id}/cancel-event").get_data(as_text=True)
    assert "Cancel event: Spring Roadshow" in page and "Confirm cancellation" in page
    client.post(f"/events/{event.id}/cancel-event", data={"reason": "The hall is closed"})
    shown = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "This event is cancelled: The hall is closed" in shown
