"""Simultaneous decisions on contracts: one wins, the other gets 409; serials never repeat or skip.

Runs on SQLite (each thread its own connection; the claim takes the write lock before the state is
read) and on PostgreSQL (the claim takes the row lock).
"""

import threading

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.common.audit import AuditLog
from marketplace.common.errors import Conflict
from marketplace.common.timeutil import beijing_today
from marketplace.contracts import services
from marketplace.contracts.models import RegistrationCounter, TechContract
from marketplace.extensions import db
from marketplace.notices.models import Notice
from tests.contracts.factories import make_contract, make_point, make_reviewer
from tests.factories import make_user

pytestmark = pytest.mark.committing


def _race(app, jobs):
    """Run (user_id, contract_id, action) jobs in threads released together; return outcomes."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list = []

    def work(user_id, contract_id, action):
        with app.app_context():
            try:
                user = db.session.get(User, user_id)
                contract = db.session.get(TechContract, contract_id)
                _ = user.org, contract.pending_revision, contract.registered_revision
                barrier.wait(timeout=30)
                action(user, contract)
                db.session.commit()
                outcomes.append(("ok", contract.registration_number))
            except Exception as exc:  # collected and asserted on below
                db.session.rollback()
                outcomes.append(("error", exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return outcomes


def _approve(user, contract):
    services.approve_contract(user, contract)


def _audits(contract_id, action):
    return db.session.scalar(
        select(func.count(AuditLog.id)).where(
            AuditLog.object_type == "tech_contracts",
            AuditLog.object_id == contract_id,
            AuditLog.action == action,
        )
    )


def test_the_same_reviewer_approving_twice_at_once_registers_once(app):
    with app.app_context():
        point = make_point("130104", "21")
        reviewer = make_reviewer(point).id
        contract_id = make_contract(make_user("broker"), submit=True).id
    outcomes = _race(app, [(reviewer, contract_id, _approve)] * 2)
    oks = [o for o in outcomes if o[0] == "ok"]
    errors = [o[1] for o in outcomes if o[0] == "error"]
    assert len(oks) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict), outcomes
    year = beijing_today().year
    assert oks[0][1] == f"{year}130104210001"
    with app.app_context():
        assert _audits(contract_id, "contract.approved") == 1
        counter = db.session.scalar(select(RegistrationCounter))
        assert counter.last_serial == 1  # no serial burnt by the loser
        assert (
            db.session.scalar(select(func.count(Notice.id)).where(Notice.title.contains("已准予登记"))) == 1
        )


def test_two_different_decisions_at_once_one_wins(app):
    with app.app_context():
        point = make_point("130104", "22")
        reviewer = make_reviewer(point)
        contract = make_contract(make_user("broker"), submit=True)
        services.start_review(reviewer, contract)
        db.session.commit()
        reviewer_id, contract_id = reviewer.id, contract.id

    def send_back(user, contract):
        services.request_changes(user, contract, "请补充附件")

    outcomes = _race(app, [(reviewer_id, contract_id, _approve), (reviewer_id, contract_id, send_back)])
    assert sorted(o[0] for o in outcomes) == ["error", "ok"], outcomes
    assert all(isinstance(o[1], Conflict) for o in outcomes if o[0] == "error")


def test_eight_reviewers_approving_eight_contracts_get_consecutive_serials(app):
    """Eight reviewers approve eight contracts at once, four of them twice: 8 wins, 4 conflicts.

    (Twelve threads stay within the connection pool's fifteen.)
    """
    with app.app_context():
        point = make_point("130104", "23")
        reviewers = [make_reviewer(point).id for _ in range(8)]
        broker = make_user("broker")
        contracts = [make_contract(broker, submit=True).id for _ in range(8)]
    jobs = [(r, c, _approve) for r, c in zip(reviewers, contracts, strict=True)]
    jobs += [(r, c, _approve) for r, c in zip(reviewers[4:], contracts[:4], strict=True)]
    outcomes = _race(app, jobs)
    wins = sorted(o[1] for o in outcomes if o[0] == "ok")
    losses = [o[1] for o in outcomes if o[0] == "error"]
    year = beijing_today().year
    assert wins == [f"{year}13010423{n:04d}" for n in range(1, 9)], outcomes
    assert len(losses) == 4 and all(isinstance(e, Conflict) for e in losses), losses
    with app.app_context():
        stored = db.session.scalars(
            select(TechContract.registration_number).where(TechContract.id.in_(contracts))
        )
        assert sorted(stored) == wins
        assert db.session.scalar(select(RegistrationCounter.last_serial)) == 8


def test_cancel_twice_at_once_cancels_once(app):
    with app.app_context():
        point = make_point("130104", "24")
        reviewer = make_reviewer(point)
        contract = make_contract(make_user("broker"), submit=True)
        services.approve_contract(reviewer, contract)
        db.session.commit()
        reviewer_id, contract_id = reviewer.id, contract.id

    def cancel(user, contract):
        services.cancel_contract(user, contract, "双方解除合同")

    outcomes = _race(app, [(reviewer_id, contract_id, cancel)] * 2)
    assert sorted(o[0] for o in outcomes) == ["error", "ok"], outcomes
    with app.app_context():
        assert _audits(contract_id, "contract.cancelled") == 1


def test_web_loser_gets_409_with_a_clear_message(app, client):
    from tests.factories import login

    with app.app_context():
        point = make_point("130104", "25")
        reviewer = make_reviewer(point)
        contract = make_contract(make_user("broker"), submit=True)
        services.approve_contract(reviewer, contract)
        db.session.commit()
        login(client, reviewer)
        contract_id = contract.id
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post(f"/contracts/{contract_id}/review", data={"action": "approve"})
    assert response.status_code == 409
    assert "操作未执行" in response.get_data(as_text=True)
