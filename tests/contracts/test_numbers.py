"""Registration numbers: year + point region + point code + serial, unique and without gaps."""

import threading

import pytest
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.common.timeutil import beijing_today
from marketplace.contracts import services
from marketplace.contracts.models import TechContract
from marketplace.extensions import db
from tests.conftest import PG_URL
from tests.contracts.factories import make_contract, make_point, make_reviewer
from tests.factories import make_user


def test_numbers_count_per_point_and_year(app_ctx):
    broker = make_user("broker")
    qiaoxi = make_point("130104", "01")
    zhengding = make_point("130123", "03")
    first, second = make_reviewer(qiaoxi), make_reviewer(zhengding)
    year = beijing_today().year
    numbers = []
    for reviewer in (first, first, second, first):
        contract = make_contract(broker, submit=True)
        services.approve_contract(reviewer, contract)
        db.session.commit()
        numbers.append(contract.registration_number)
    assert numbers == [
        f"{year}130104010001",
        f"{year}130104010002",
        f"{year}130123030001",
        f"{year}130104010003",
    ]
    assert all(len(n) == 16 for n in numbers)
    # A new year starts again at 0001 for the point.
    assert services.issue_registration_number(qiaoxi, year + 1) == f"{year + 1}130104010001"


def test_serial_is_limited_to_four_digits(app_ctx):
    from marketplace.common.errors import Conflict
    from marketplace.contracts.models import RegistrationCounter

    point = make_point()
    db.session.add(RegistrationCounter(point_id=point.id, year=2026, last_serial=9999))
    db.session.commit()
    with pytest.raises(Conflict, match="已用完"):
        services.issue_registration_number(point, 2026)


def test_registration_number_is_unique_in_the_database(app_ctx):
    from sqlalchemy.exc import IntegrityError

    broker = make_user("broker")
    one, two = make_contract(broker), make_contract(broker)
    one.registration_number = two.registration_number = "2026130104019999"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def _approve_all_at_once(app, jobs: list[tuple[int, int]]) -> tuple[list[str], list[Exception]]:
    """Approve (reviewer_id, contract_id) pairs in threads released together; return outcomes."""
    barrier = threading.Barrier(len(jobs))
    errors: list[Exception] = []
    done: list[str] = []

    def work(reviewer_id: int, contract_id: int) -> None:
        with app.app_context():
            try:
                reviewer = db.session.get(User, reviewer_id)
                contract = db.session.get(TechContract, contract_id)
                _ = reviewer.org, contract.pending_revision  # load before the race starts
                barrier.wait(timeout=30)
                services.approve_contract(reviewer, contract)
                db.session.commit()
                done.append(contract.registration_number)
            except Exception as exc:  # collected and asserted on below
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return done, errors


@pytest.mark.committing
@pytest.mark.skipif(
    not PG_URL,
    reason="needs PostgreSQL (TEST_DATABASE_URL): SQLite serialises writers, so only PG shows the row lock at work",
)
def test_concurrent_approvals_get_distinct_consecutive_numbers(app):
    with app.app_context():
        point = make_point("130104", "07")
        reviewers = [make_reviewer(point).id for _ in range(4)]
        broker = make_user("broker")
        contracts = [make_contract(broker, submit=True).id for _ in range(12)]
    jobs = [(reviewers[i % len(reviewers)], cid) for i, cid in enumerate(contracts)]
    done, errors = _approve_all_at_once(app, jobs)
    assert errors == []
    year = beijing_today().year
    assert sorted(done) == [f"{year}13010407{n:04d}" for n in range(1, 13)]
    with app.app_context():
        stored = db.session.scalars(
            select(TechContract.registration_number).where(TechContract.id.in_(contracts))
        ).all()
        assert sorted(stored) == sorted(done)


@pytest.mark.committing
@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TEST_DATABASE_URL): SQLite serialises writers")
def test_two_reviewers_approving_the_same_contract_issue_one_number(app):
    from marketplace.common.errors import Conflict

    with app.app_context():
        point = make_point("130104", "08")
        first, second = make_reviewer(point).id, make_reviewer(point).id
        contract_id = make_contract(make_user("broker"), submit=True).id
    done, errors = _approve_all_at_once(app, [(first, contract_id), (second, contract_id)])
    assert len(done) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict)
    year = beijing_today().year
    assert done == [f"{year}130104080001"]
