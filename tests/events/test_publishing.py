"""Creating, reviewing and featuring events; presented projects; the demo data."""

from datetime import timedelta

import pytest

from marketplace.common.errors import Conflict, PermissionDenied, ValidationError
from marketplace.events import publishing, registration
from marketplace.events.models import Event
from marketplace.extensions import db
from tests.events.factories import make_event
from tests.factories import login, make_user


def test_bureau_publishes_at_once_an_organisation_waits_for_review(app, world):
    with app.app_context():
        assert make_event(world.bureau).status == "published"
        pending = make_event(world.university)
        assert pending.status == "pending"
        with pytest.raises(PermissionDenied):
            publishing.approve_event(world.university, pending)
        with pytest.raises(ValidationError):
            publishing.reject_event(world.bureau, pending, "")
        publishing.reject_event(world.bureau, pending, "请补充议程")
        assert pending.status == "rejected"
        publishing.update_event(
            world.university,
            pending,
            publishing.EventInput(
                **{
                    name: getattr(pending, name)
                    for name in publishing.EventInput.__dataclass_fields__
                    if name != "agenda"
                },
                agenda="09:00 路演",
            ),
        )
        assert pending.status == "pending"
        publishing.approve_event(world.bureau, pending)
        assert pending.status == "published"


def test_an_unverified_organisation_cannot_create_events(app):
    with app.app_context():
        user = make_user("enterprise", verified=False)
        with pytest.raises(PermissionDenied):
            make_event(user)


def test_event_input_is_checked_with_chinese_messages(app, world):
    with app.app_context():
        with pytest.raises(ValidationError) as refused:
            publishing.create_event(world.bureau, publishing.EventInput(event_type="training"))
        assert {"title", "starts_at", "ends_at", "place", "capacity", "training_hours"} <= set(
            refused.value.fields
        )


def test_featured_events_show_on_the_home_page(app, client, world):
    with app.app_context():
        event = db.session.get(Event, world.event.id)
        assert "推荐活动" not in client.get("/").get_data(as_text=True)
        publishing.set_featured(world.bureau, event, True)
        db.session.commit()
        with pytest.raises(PermissionDenied):
            publishing.set_featured(world.university, event, False)
    assert "新材料成果路演" in client.get("/").get_data(as_text=True)


def test_projects_must_be_published_and_within_the_event(app, world):
    with app.app_context():
        event = db.session.get(Event, world.event.id)
        with pytest.raises(ValidationError):
            publishing.add_project(
                world.bureau, event, "result", world.result.id, event.starts_at - timedelta(hours=1)
            )
        publishing.add_project(world.bureau, event, "result", world.result.id, event.starts_at)
        with pytest.raises(Conflict):
            publishing.add_project(world.bureau, event, "result", world.result.id, event.starts_at)
        with pytest.raises(PermissionDenied):
            publishing.add_project(world.university, event, "demand", world.hidden_demand.id, event.starts_at)


def test_raising_the_capacity_moves_waiting_people_up(app, world):
    with app.app_context():
        registration.register(world.enterprise, world.event.id, consent=True)
        waiting = registration.register(world.other, world.event.id, consent=True)
        db.session.commit()
        event = db.session.get(Event, world.event.id)
        data = publishing.EventInput(
            **{name: getattr(event, name) for name in publishing.EventInput.__dataclass_fields__}
        )
        data.capacity = 2
        publishing.update_event(world.bureau, event, data)
        db.session.commit()
        db.session.refresh(waiting)
        assert waiting.status == "registered"


def test_the_bureau_review_page_approves(app, client, world):
    with app.app_context():
        pending = make_event(world.university, title="高校开放日")
        login(client, world.bureau)
    client.post(f"/bureau/events/{pending.id}/reject", data={"reason": ""})
    with app.app_context():
        assert db.session.get(Event, pending.id).status == "pending"
    client.post(f"/bureau/events/{pending.id}/reject", data={"reason": "时间冲突"})
    with app.app_context():
        assert db.session.get(Event, pending.id).status == "rejected"
