"""Events for tests: published (the bureau's) or pending (an organisation's), with places and projects."""

from datetime import timedelta

from marketplace.common.timeutil import utcnow
from marketplace.events import publishing
from marketplace.extensions import db


def make_event(user, *, starts_in=timedelta(days=7), capacity=5, event_type="roadshow", **kw):
    """An event created by `user` through the service (the bureau's is published at once)."""
    starts = (utcnow() + starts_in).replace(microsecond=0)
    data = publishing.EventInput(
        title=kw.pop("title", "新材料成果路演"),
        event_type=event_type,
        starts_at=starts,
        ends_at=kw.pop("ends_at", starts + timedelta(hours=3)),
        place=kw.pop("place", "石家庄市科技大厦 3 楼报告厅"),
        organiser_name=kw.pop("organiser_name", "石家庄市科学技术局"),
        capacity=capacity,
        registration_deadline=kw.pop("registration_deadline", starts - timedelta(hours=1)),
        agenda=kw.pop("agenda", "14:00 开场\n14:10 项目路演"),
        training_hours=kw.pop("training_hours", 4.0 if event_type == "training" else None),
    )
    event = publishing.create_event(user, data)
    for name, value in kw.items():
        setattr(event, name, value)
    db.session.commit()
    return event


def with_phone(user, phone="13800000000"):
    user.phone = phone
    db.session.commit()
    return user
