"""Twenty people register at the same moment for five places: exactly five get them, fifteen wait.

Each racer is a thread with its own app context (its own session and connection), released
together by a barrier; on SQLite they queue on the database's write lock, on PostgreSQL on the
event row's lock (see marketplace/events/registration.py).
"""

import threading

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.events import registration
from marketplace.events.models import Registration
from marketplace.extensions import db
from tests.events.factories import make_event, with_phone
from tests.factories import make_org, make_user

pytestmark = pytest.mark.committing


def test_twenty_parallel_registrations_for_five_places(app):
    with app.app_context():
        bureau = make_user(org=make_org("bureau", name="市科技局"))
        event_id = make_event(bureau, capacity=5).id
        user_ids = [with_phone(make_user("enterprise"), f"1390000{n:04d}").id for n in range(20)]

    barrier = threading.Barrier(len(user_ids))
    outcomes: list = [None] * len(user_ids)

    def race(index, user_id):
        with app.app_context():
            try:
                user = db.session.get(User, user_id)
                # Give the connection back: twenty threads would otherwise outnumber the pool.
                db.session.close()
                barrier.wait(timeout=60)
                item = registration.register(user, event_id, consent=True)
                db.session.commit()
                outcomes[index] = item.status
            except BaseException as exc:  # reported by the assertion below
                db.session.rollback()
                outcomes[index] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=race, args=(i, uid)) for i, uid in enumerate(user_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(map(str, outcomes)) == ["registered"] * 5 + ["waiting"] * 15, outcomes
    with app.app_context():
        stored = dict(
            db.session.execute(
                select(Registration.status, func.count())
                .where(Registration.event_id == event_id)
                .group_by(Registration.status)
            ).all()
        )
        assert stored == {"registered": 5, "waiting": 15}
        codes = db.session.scalars(select(Registration.code).where(Registration.event_id == event_id)).all()
        assert len(set(codes)) == 20
