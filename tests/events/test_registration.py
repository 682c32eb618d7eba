"""Registration, the waiting list, cancellation, check-in and training hours, through the services."""

from datetime import date, timedelta

import pytest

from marketplace.common.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.common.timeutil import utcnow
from marketplace.events import queries, registration
from marketplace.events.models import CODE_ALPHABET, Registration
from marketplace.events.signals import training_attended
from marketplace.extensions import db
from marketplace.notices.models import Notice
from tests.events.factories import make_event
from tests.factories import make_user


def _register(user, event, **kw):
    item = registration.register(user, event.id, consent=True, **kw)
    db.session.commit()
    return item


def test_capacity_fills_then_waits_and_cancellation_moves_the_next_up(app, world):
    with app.app_context():
        first = _register(world.enterprise, world.event, note="两人参加")
        second = _register(world.other, world.event)
        assert (first.status, second.status) == ("registered", "waiting")
        assert first.name == world.enterprise.name and first.phone == "13800000000"
        assert first.consent_at is not None and first.note == "两人参加"
        assert len(first.code) == 6 and set(first.code) <= set(CODE_ALPHABET)
        registration.cancel(world.enterprise, world.event.id)
        db.session.commit()
        db.session.refresh(second)
        assert second.status == "registered"
        assert registration.counts(world.event.id) == {"registered": 1, "waiting": 0, "checked_in": 0}
        told = db.session.scalars(db.select(Notice).where(Notice.user_id == world.other.id)).all()
        assert any("候补成功" in n.title for n in told)


def test_consent_is_required_and_a_second_registration_conflicts(app, world):
    with app.app_context():
        with pytest.raises(ValidationError) as refused:
            registration.register(world.enterprise, world.event.id, consent=False)
        assert "consent" in refused.value.fields
        _register(world.enterprise, world.event)
        with pytest.raises(Conflict):
            registration.register(world.enterprise, world.event.id, consent=True)


def test_registration_closes_at_the_deadline(app, world):
    with app.app_context():
        event = db.session.merge(world.event)
        event.registration_deadline = utcnow() - timedelta(minutes=1)
        db.session.commit()
        with pytest.raises(ValidationError, match="报名已截止"):
            registration.register(world.enterprise, world.event.id, consent=True)


def test_registration_closes_when_the_event_starts(app, world):
    with app.app_context():
        event = db.session.merge(world.event)
        event.starts_at = utcnow() - timedelta(minutes=1)
        event.registration_deadline = utcnow() + timedelta(days=1)  # a deadline set too late
        db.session.commit()
        assert not event.registration_open
        with pytest.raises(ValidationError):
            registration.register(world.enterprise, world.event.id, consent=True)


def test_a_pending_event_takes_no_registrations(app, world):
    with app.app_context():
        pending = make_event(world.university)
        assert pending.status == "pending"
        with pytest.raises(NotFound):
            registration.register(world.enterprise, pending.id, consent=True)


def test_cancel_then_register_again_joins_the_end_of_the_queue(app, world):
    with app.app_context():
        _register(world.enterprise, world.event)
        registration.cancel(world.enterprise, world.event.id)
        db.session.commit()
        again = _register(world.enterprise, world.event)
        assert again.status == "registered"
        assert db.session.scalar(db.select(db.func.count()).select_from(Registration)) == 1


def test_check_in_is_idempotent_and_only_for_the_organiser(app, world):
    with app.app_context():
        item = _register(world.enterprise, world.event)
        with pytest.raises(PermissionDenied):
            registration.check_in(world.other, world.event, item.code)
        done, new = registration.check_in(world.bureau, world.event, item.code.lower())
        assert new and done.checked_in_at is not None
        first_time = done.checked_in_at
        again, new_again = registration.check_in(world.bureau, world.event, item.code)
        assert not new_again and again.checked_in_at == first_time
        with pytest.raises(NotFound):
            registration.check_in(world.bureau, world.event, "AAAAAA" if item.code != "AAAAAA" else "CCCCCC")
        with pytest.raises(Conflict):
            registration.cancel(world.enterprise, world.event.id)


def test_a_waiting_registrant_cannot_be_checked_in(app, world):
    with app.app_context():
        _register(world.enterprise, world.event)
        waiting = _register(world.other, world.event)
        with pytest.raises(Conflict):
            registration.check_in(world.bureau, world.event, waiting.code)


def test_walk_in_guest_is_checked_in_at_once(app, world):
    with app.app_context():
        guest = registration.add_walk_in(world.bureau, world.event, "王来宾", "13700000000")
        db.session.commit()
        assert guest.walk_in and guest.checked_in_at is not None
        assert registration.counts(world.event.id)["checked_in"] == 1
        with pytest.raises(ValidationError):
            registration.add_walk_in(world.bureau, world.event, "", "")


def test_training_check_in_sends_the_signal_and_counts_hours(app, world):
    with app.app_context():
        training = make_event(world.bureau, event_type="training", training_hours=6.5)
        item = _register(world.enterprise, training)
        received = []

        def listener(sender, **kw):
            received.append((sender, kw))

        training_attended.connect(listener)
        try:
            registration.check_in(world.bureau, training, item.code)
            registration.check_in(world.bureau, training, item.code)  # idempotent: no second signal
        finally:
            training_attended.disconnect(listener)
        assert len(received) == 1
        sender, kw = received[0]
        assert sender is training
        assert kw == {
            "user_id": world.enterprise.id,
            "event_id": training.id,
            "hours": 6.5,
            "attended_on": registration.attended_on(training),
        }
        assert isinstance(kw["attended_on"], date)
        db.session.commit()
        year = registration.attended_on(training).year
        assert queries.training_hours_by_year(world.enterprise.id) == {year: 6.5}
        assert queries.training_hours_by_year(world.other.id) == {}


def test_roadshow_check_in_sends_no_training_signal(app, world):
    with app.app_context():
        item = _register(world.enterprise, world.event)
        received = []

        def listener(sender, **kw):
            received.append(kw)

        # Only this listener goes: clearing every receiver would cut the brokers' subscriber too.
        training_attended.connect(listener)
        try:
            registration.check_in(world.bureau, world.event, item.code)
        finally:
            training_attended.disconnect(listener)
        assert received == []


def test_codes_are_unique_within_an_event(app, world):
    with app.app_context():
        big = make_event(world.bureau, capacity=50)
        codes = set()
        for n in range(30):
            user = make_user("enterprise", phone=f"1360000{n:04d}")
            codes.add(_register(user, big).code)
        assert len(codes) == 30


def test_reminders_go_to_each_registrant_of_tomorrows_events_once(app, world):
    from marketplace.events.reminders import send_reminders

    with app.app_context():
        today = registration.attended_on(world.event) - timedelta(days=1)
        _register(world.enterprise, world.event)
        _register(world.other, world.event)  # waiting: no reminder
        assert send_reminders(today) == 1
        assert send_reminders(today) == 0
        db.session.commit()
        notices = db.session.scalars(db.select(Notice).where(Notice.user_id == world.enterprise.id)).all()
        assert len([n for n in notices if "活动提醒" in n.title]) == 1


def test_the_daily_job_is_registered():
    from marketplace.common.maintenance import DAILY_JOBS

    assert "event_reminders" in DAILY_JOBS
