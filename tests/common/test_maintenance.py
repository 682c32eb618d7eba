"""Daily maintenance: run once per Beijing day across workers, retried after a failure."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.common import maintenance
from marketplace.common.maintenance import MaintenanceRun, run_due
from marketplace.common.timeutil import beijing_today
from marketplace.extensions import db
from marketplace.listings.models import Demand
from tests.factories import make_org
from tests.listings.factories import make_demand


@pytest.fixture(autouse=True)
def _only_expiry(monkeypatch):
    """These tests are about claiming and retrying; the expiry job stands for every job."""
    monkeypatch.setattr(
        maintenance, "DAILY_JOBS", {"expire_demands": maintenance.DAILY_JOBS["expire_demands"]}
    )


def _status(demand_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Demand, demand_id).status


def test_demands_are_expired_once_per_day(app_ctx):
    today = beijing_today()
    org = make_org("enterprise")
    late = make_demand(org, deadline=today - timedelta(days=1)).id
    open_ = make_demand(org, deadline=today).id

    assert run_due(today) == {"expire_demands": "expired 1 demand(s)"}
    assert _status(late) == "expired"
    assert _status(open_) == "published"  # the deadline day itself is still open
    run = db.session.get(MaintenanceRun, "expire_demands")
    assert run.last_run_on == today and run.result == "expired 1 demand(s)"

    # A demand that became overdue meanwhile waits for tomorrow's run: today's is done.
    later = make_demand(org, deadline=today - timedelta(days=3)).id
    assert run_due(today) == {}
    assert _status(later) == "published"
    assert run_due(today + timedelta(days=1)) == {"expire_demands": "expired 2 demand(s)"}
    assert _status(later) == "expired" and _status(open_) == "expired"


@pytest.mark.committing
def test_workers_running_at_the_same_moment_do_the_day_once(app):
    with app.app_context():
        today = beijing_today()
        make_demand(make_org("enterprise"), deadline=today - timedelta(days=1))
    barrier = threading.Barrier(4)
    results, errors = [], []

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                results.append(run_due(today))
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results, key=len) == [{}, {}, {}, {"expire_demands": "expired 1 demand(s)"}]
    with app.app_context():
        assert db.session.scalars(select(MaintenanceRun.name)).all() == ["expire_demands"]


def test_a_failed_job_leaves_no_claim_and_runs_next_round(app_ctx, monkeypatch):
    today = beijing_today()
    demand = make_demand(make_org("enterprise"), deadline=today - timedelta(days=1)).id

    original = maintenance.DAILY_JOBS["expire_demands"]

    def broken(day):
        original(day)  # changes rows, then fails
        raise RuntimeError("database went away")

    monkeypatch.setitem(maintenance.DAILY_JOBS, "expire_demands", broken)
    with pytest.raises(RuntimeError):
        run_due(today)
    assert db.session.get(MaintenanceRun, "expire_demands") is None
    assert _status(demand) == "published"  # the job's changes were rolled back with the claim

    monkeypatch.setitem(maintenance.DAILY_JOBS, "expire_demands", original)
    assert run_due(today) == {"expire_demands": "expired 1 demand(s)"}
    assert _status(demand) == "expired"
