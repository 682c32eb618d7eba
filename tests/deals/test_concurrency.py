"""Two simultaneous sends from one organisation cannot both pass the daily cap or the duplicate check."""

import threading

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.common.errors import Conflict, RateLimited
from marketplace.deals import services
from marketplace.deals.models import Inquiry
from marketplace.extensions import db
from tests.conftest import PG_URL
from tests.deals.factories import make_result

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        not PG_URL, reason="needs PostgreSQL (TEST_DATABASE_URL); SQLite runs one writer at a time"
    ),
]


def _race(app, user_id, result_ids):
    barrier = threading.Barrier(len(result_ids))
    outcomes = []

    def worker(result_id):
        with app.app_context():
            user = db.session.get(User, user_id)
            barrier.wait()
            try:
                services.send_inquiry(
                    user, listing_kind="result", listing_id=result_id, purpose="license", message="同时发送"
                )
                db.session.commit()
                outcomes.append("sent")
            except (RateLimited, Conflict) as error:
                db.session.rollback()
                outcomes.append(type(error).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(rid,)) for rid in result_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(outcomes)


def test_cap_holds_under_concurrent_sends(app, world):
    app.config["DEALS_DAILY_INQUIRY_CAP"] = 1
    with app.app_context():
        ids = [make_result(world.university).id for _ in range(4)]
        user_id = world.enterprise.id
    assert _race(app, user_id, ids) == ["RateLimited"] * 3 + ["sent"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Inquiry.id))) == 1


def test_no_duplicate_under_concurrent_sends(app, world):
    with app.app_context():
        user_id, result_id = world.enterprise.id, world.result.id
    assert _race(app, user_id, [result_id] * 3) == ["Conflict", "Conflict", "sent"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Inquiry.id))) == 1
