"""Simultaneous requests on one inquiry or deal: exactly one wins, the others get a clear 409.

Each racer is a thread with its own app context (so its own session and connection), released
together by a barrier. On SQLite the test database is a file with a busy timeout, so the racers
really wait for each other's write lock; on PostgreSQL (TEST_DATABASE_URL) for row locks.
"""

import threading

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.common.audit import AuditLog
from marketplace.common.errors import Conflict, RateLimited
from marketplace.deals import services
from marketplace.deals.models import Deal, DealReport, Inquiry
from marketplace.extensions import db
from marketplace.notices.models import Notice
from tests.deals.factories import accept, make_result, send
from tests.factories import login, make_org, make_user

pytestmark = pytest.mark.committing


def _together(actions, timeout=60):
    """Run the callables at the same moment, each in its own thread; return their results in order."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(index, action):
        barrier.wait(timeout=timeout)
        try:
            results[index] = action()
        except BaseException as exc:  # reported by the caller's assertions
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results


def _service_race(app, calls):
    """Each call is (user_id, fn(user)); run them at once and commit each; names of the outcomes."""

    def make(user_id, fn):
        def action():
            with app.app_context():
                try:
                    user = db.session.get(User, user_id)
                    fn(user)
                    db.session.commit()
                    return "ok"
                except (Conflict, RateLimited) as error:
                    db.session.rollback()
                    return type(error).__name__
                finally:
                    db.session.remove()

        return action

    return _together([make(user_id, fn) for user_id, fn in calls])


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _pending_inquiry(app, world) -> int:
    with app.app_context():
        return send(world.enterprise, world.result).id


def test_simultaneous_api_accepts_make_one_deal_and_409s(app, world):
    inquiry_id = _pending_inquiry(app, world)
    headers = world.headers("university")

    def accept_once():
        response = app.test_client().post(f"/api/v1/inquiries/{inquiry_id}/accept", headers=headers)
        return response.status_code, response.get_json()

    results = _together([accept_once] * 4)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409, 409, 409], results
    for status, body in results:
        if status == 409:
            assert body["error"]["code"] == "conflict"
            assert body["error"]["message"] in (
                "该意向刚刚已被处理（已接受），请刷新页面查看",
                "该意向已接受，不能再答复",
            )
    with app.app_context():
        assert _count(Deal, Deal.inquiry_id == inquiry_id) == 1
        assert _count(AuditLog, AuditLog.action == "inquiry.accepted") == 1
        assert _count(AuditLog, AuditLog.action == "deal.opened") == 1
        assert db.session.get(Inquiry, inquiry_id).status == "accepted"


def test_simultaneous_page_accepts_show_the_loser_a_message(app, world):
    inquiry_id = _pending_inquiry(app, world)
    clients = [app.test_client() for _ in range(3)]
    with app.app_context():
        for client in clients:
            login(client, world.university)

    def accept_with(client):
        return lambda: client.post(f"/deals/inquiries/{inquiry_id}/accept", data={})

    responses = _together([accept_with(c) for c in clients])
    assert all(r.status_code == 302 for r in responses), [r.status_code for r in responses]
    to_deal = [r for r in responses if "/deals/inquiries/" not in r.headers["Location"]]
    losers = [
        c for c, r in zip(clients, responses, strict=True) if "/deals/inquiries/" in r.headers["Location"]
    ]
    assert len(to_deal) == 1 and len(losers) == 2
    page = losers[0].get(f"/deals/inquiries/{inquiry_id}").get_data(as_text=True)
    assert "该意向刚刚已被处理（已接受），请刷新页面查看" in page or "该意向已接受，不能再答复" in page
    with app.app_context():
        assert _count(Deal) == 1


def test_accept_decline_and_withdraw_at_once_apply_one_answer(app, world):
    inquiry_id = _pending_inquiry(app, world)

    def answer(fn):
        return lambda user: fn(user, db.session.get(Inquiry, inquiry_id))

    outcomes = _service_race(
        app,
        [
            (world.university.id, answer(services.accept_inquiry)),
            (world.university.id, answer(lambda u, i: services.decline_inquiry(u, i, "mismatch"))),
            (world.enterprise.id, answer(services.withdraw_inquiry)),
            (world.university.id, answer(services.accept_inquiry)),
        ],
    )
    assert sorted(outcomes) == ["Conflict", "Conflict", "Conflict", "ok"], outcomes
    with app.app_context():
        inquiry = db.session.get(Inquiry, inquiry_id)
        answers = ("inquiry.accepted", "inquiry.declined", "inquiry.withdrawn")
        assert _count(AuditLog, AuditLog.action.in_(answers)) == 1
        assert _count(Deal) == (1 if inquiry.status == "accepted" else 0)
        # The one answer the sender is told about is the one that was stored.
        notices = db.session.scalars(
            select(Notice.title).where(Notice.subject_key == f"inquiry-answer:{inquiry_id}")
        ).all()
        assert len(notices) == (0 if inquiry.status == "withdrawn" else 1)


def _deal(app, world) -> int:
    with app.app_context():
        return accept(world.university, send(world.enterprise, world.result)).id


def test_simultaneous_stage_moves_apply_one(app, world):
    deal_id = _deal(app, world)

    # Every mover reads the deal before any of them writes: a mover that started late would see the
    # first move and make a legitimate second one, which is not the race this test is about.
    have_read = threading.Barrier(3)

    def move(stage, reason=None):
        def act(user):
            deal = db.session.get(Deal, deal_id)
            assert deal.stage == "contact"
            have_read.wait(timeout=60)
            return services.change_stage(user, deal, stage, reason)

        return act

    outcomes = _service_race(
        app,
        [
            (world.enterprise.id, move("negotiating")),
            (world.university.id, move("closed", "budget")),
            (world.university.id, move("negotiating")),
        ],
    )
    assert sorted(outcomes) == ["Conflict", "Conflict", "ok"], outcomes
    with app.app_context():
        assert _count(AuditLog, AuditLog.action == "deal.stage_changed") == 1
        deal = db.session.get(Deal, deal_id)
        assert deal.stage in ("negotiating", "closed")
        assert (deal.closed_at is not None) == (deal.stage == "closed")


def test_two_parties_inviting_brokers_at_once_get_one(app, world):
    deal_id = _deal(app, world)
    with app.app_context():
        other_broker_id = make_user(org=make_org("broker", name="戊技术转移中心")).organisation_id
        db.session.commit()

    def invite(broker_org_id):
        return lambda user: services.invite_broker(user, db.session.get(Deal, deal_id), broker_org_id)

    outcomes = _service_race(
        app,
        [
            (world.enterprise.id, invite(world.broker.organisation_id)),
            (world.university.id, invite(other_broker_id)),
        ],
    )
    assert sorted(outcomes) == ["Conflict", "ok"], outcomes
    with app.app_context():
        assert _count(AuditLog, AuditLog.action == "deal.broker_invited") == 1
        broker_id = db.session.get(Deal, deal_id).broker_org_id
        invited = db.session.scalars(
            select(Notice.organisation_id).where(Notice.title.like("您被邀请%"))
        ).all()
        assert invited == [broker_id]


def test_one_report_is_resolved_once(app, world):
    inquiry_id = _pending_inquiry(app, world)
    with app.app_context():
        second_reviewer = make_user(org=world.bureau.organisation)
        report = services.report_inquiry(world.university, db.session.get(Inquiry, inquiry_id), "spam")
        db.session.commit()
        report_id, reviewers = report.id, (world.bureau.id, second_reviewer.id)

    def resolve(text):
        return lambda user: services.resolve_report(user, db.session.get(DealReport, report_id), text)

    outcomes = _service_race(
        app, [(reviewers[0], resolve("已警告发送方")), (reviewers[1], resolve("已核实"))]
    )
    assert sorted(outcomes) == ["Conflict", "ok"], outcomes
    with app.app_context():
        assert _count(AuditLog, AuditLog.action == "deal_report.resolved") == 1


def test_cap_holds_under_concurrent_sends(app, world):
    app.config["DEALS_DAILY_INQUIRY_CAP"] = 5
    with app.app_context():
        ids = [make_result(world.university).id for _ in range(12)]

    def send_about(result_id):
        return lambda user: services.send_inquiry(
            user, listing_kind="result", listing_id=result_id, purpose="license", message="同时发送"
        )

    outcomes = _service_race(app, [(world.enterprise.id, send_about(rid)) for rid in ids])
    assert sorted(outcomes) == ["RateLimited"] * 7 + ["ok"] * 5, outcomes
    with app.app_context():
        assert _count(Inquiry) == 5


def test_no_duplicate_under_concurrent_sends(app, world):
    with app.app_context():
        user_id, result_id = world.enterprise.id, world.result.id

    def send_it(user):
        return services.send_inquiry(
            user, listing_kind="result", listing_id=result_id, purpose="license", message="同时发送"
        )

    assert sorted(_service_race(app, [(user_id, send_it)] * 3)) == ["Conflict", "Conflict", "ok"]
    with app.app_context():
        assert _count(Inquiry) == 1
