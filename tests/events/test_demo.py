"""The demo events: every kind, past and upcoming, a pending one; once only."""

from sqlalchemy import func, select

from marketplace.events.demo import seed_demo_events
from marketplace.events.models import Event, Registration
from marketplace.events.queries import training_hours_by_year
from marketplace.extensions import db
from tests.deals.factories import make_demand, make_result
from tests.factories import make_org, make_user


def test_demo_events_are_seeded_once(app):
    with app.app_context():
        make_user(org=make_org("bureau"), email="bureau@demo.sjz.cn")
        university = make_user(org=make_org("university"), email="university@demo.sjz.cn")
        enterprise = make_user(org=make_org("enterprise"), email="enterprise@demo.sjz.cn")
        for _ in range(6):
            make_result(university)
        make_demand(enterprise, hide_name=True)
        assert seed_demo_events(progress=lambda _m: None) == 7
        assert seed_demo_events(progress=lambda _m: None) == 0
        events = db.session.scalars(select(Event)).all()
        assert {e.event_type for e in events} == {
            "roadshow",
            "matchmaking",
            "competition",
            "forum",
            "training",
        }
        assert any(e.is_past for e in events) and any(not e.is_past for e in events)
        assert any(e.status == "pending" for e in events)
        checked = db.session.scalar(select(func.count()).where(Registration.checked_in_at.is_not(None)))
        assert checked > 0
        assert sum(training_hours_by_year(enterprise.id).values()) == 6.0
