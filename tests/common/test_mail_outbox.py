"""E-mail leaves from the outbox after the commit: rollbacks mail no one, a bad server delays nothing.

A fake SMTP class replaces smtplib.SMTP, so the tests see exactly what reached "the server" and
can make it refuse or hang.
"""

import smtplib
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from marketplace.common import mail_outbox
from marketplace.common.mail_outbox import OutgoingMail, drain_mail, queue_mail
from marketplace.contracts import services as contract_services
from marketplace.extensions import db
from marketplace.notices.models import Notice
from marketplace.search.tasks import sync_forever
from tests.contracts.factories import make_contract, make_reviewer
from tests.deals.conftest import World
from tests.deals.factories import send
from tests.factories import make_user


class FakeSMTP:
    """Stands in for smtplib.SMTP; `mode` is "ok", "refuse" or "hang" (for `hang_seconds`)."""

    sent: list = []
    mode = "ok"
    hang_seconds = 3.0

    def __init__(self, host, port, timeout=None):
        if FakeSMTP.mode == "refuse":
            raise ConnectionRefusedError(111, "Connection refused")
        if FakeSMTP.mode == "hang":
            time.sleep(FakeSMTP.hang_seconds)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, user, password):
        pass

    def send_message(self, message):
        FakeSMTP.sent.append((message["To"], str(message["Subject"])))


@pytest.fixture
def world(app):
    with app.app_context():
        return World()


@pytest.fixture
def smtp(app, monkeypatch):
    FakeSMTP.sent, FakeSMTP.mode = [], "ok"
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    app.config["MAIL_SERVER"] = "smtp.example.cn"
    return FakeSMTP


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_rolled_back_contract_approval_tells_no_one(app, smtp):
    with app.app_context():
        filer = make_user("university")
        reviewer = make_reviewer()
        contract = make_contract(filer, submit=True)
        contract_services.approve_contract(reviewer, contract)
        assert contract.registration_number
        # Something after the approval fails, so the request rolls back.
        db.session.rollback()
        assert _count(Notice) == 0
        assert _count(OutgoingMail) == 0
        drain_mail()
    assert smtp.sent == []


def test_a_rolled_back_answer_tells_no_one(app, world, smtp):
    from marketplace.deals import services

    with app.app_context():
        inquiry = send(world.enterprise, world.result)
        smtp.sent.clear()
        services.accept_inquiry(world.university, inquiry)
        db.session.rollback()
        assert _count(Notice, Notice.subject_key == f"inquiry-answer:{inquiry.id}") == 0
        drain_mail()
    assert smtp.sent == []


def test_a_committed_answer_mails_after_the_commit(app, world, smtp):
    from marketplace.deals import services

    with app.app_context():
        inquiry = send(world.enterprise, world.result)
        smtp.sent.clear()
        services.accept_inquiry(world.university, inquiry)
        db.session.flush()
        assert smtp.sent == []  # nothing leaves before the commit
        db.session.commit()  # the test configuration drains inline right after it
    assert [to for to, _ in smtp.sent] == [world.enterprise.email]
    assert "已接受" in smtp.sent[0][1]


@pytest.mark.committing
def test_a_hanging_mail_server_does_not_delay_an_answer(app, world, smtp):
    with app.app_context():
        inquiry_id = send(world.enterprise, world.result).id
    smtp.sent.clear()
    app.config["TASKS_EAGER"] = False  # as in production: the drain runs beside the request
    smtp.mode, smtp.hang_seconds = "hang", 3.0
    started = time.monotonic()
    response = app.test_client().post(
        f"/api/v1/inquiries/{inquiry_id}/accept", headers=world.headers("university")
    )
    assert response.status_code == 200
    assert time.monotonic() - started < 2.0
    # The mail still leaves, once the slow server answers.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with app.app_context():
            if _count(
                OutgoingMail,
                OutgoingMail.to_address == world.enterprise.email,
                OutgoingMail.sent_at.is_not(None),
            ):
                break
        time.sleep(0.2)
    assert [to for to, _ in smtp.sent] == [world.enterprise.email]


def test_a_dead_mail_server_keeps_the_mail_queued_and_retries(app, world, smtp):
    with app.app_context():
        inquiry_id = send(world.enterprise, world.result).id
    smtp.sent.clear()
    app.config["MAIL_AUTO_DRAIN"] = False  # only the worker drains
    smtp.mode = "refuse"
    response = app.test_client().post(
        f"/api/v1/inquiries/{inquiry_id}/accept", headers=world.headers("university")
    )
    assert response.status_code == 200
    with app.app_context():
        assert drain_mail() == {"sent": 0, "failed": 1}
        mail = db.session.scalar(select(OutgoingMail).where(OutgoingMail.status == "queued"))
        assert (mail.status, mail.attempts) == ("queued", 1)
        assert "Connection refused" in mail.last_error
        assert mail.next_attempt_at > mail.created_at  # backed off, not retried at once
        assert drain_mail() == {"sent": 0, "failed": 0}  # not due yet
        smtp.mode = "ok"
        db.session.execute(
            update(OutgoingMail).where(OutgoingMail.id == mail.id).values(next_attempt_at=mail.created_at)
        )
        db.session.commit()
        sync_forever(rounds=1, echo=lambda _line: None, sleep=lambda _s: None)  # the worker's round
        mail = db.session.get(OutgoingMail, mail.id, populate_existing=True)
        assert (mail.status, mail.attempts, mail.last_error) == ("sent", 2, "")
    assert [to for to, _ in smtp.sent] == [world.enterprise.email]


def test_a_mail_is_given_up_after_the_last_attempt(app, smtp):
    app.config.update(MAIL_AUTO_DRAIN=False, MAIL_MAX_ATTEMPTS=2)
    smtp.mode = "refuse"
    with app.app_context():
        queue_mail("a@example.cn", "主题", "正文")
        db.session.commit()
        for _ in range(2):
            db.session.execute(update(OutgoingMail).values(next_attempt_at=OutgoingMail.created_at))
            db.session.commit()
            drain_mail()
        mail = db.session.scalar(select(OutgoingMail))
        assert (mail.status, mail.attempts) == ("failed", 2)


@pytest.mark.committing
def test_parallel_drains_send_each_mail_once(app, smtp):
    app.config["MAIL_AUTO_DRAIN"] = False
    with app.app_context():
        for n in range(6):
            queue_mail(f"user{n}@example.cn", f"通知{n}", "正文")
        db.session.commit()
    barrier = threading.Barrier(3)

    def drain():
        with app.app_context():
            barrier.wait(timeout=10)
            drain_mail()
            db.session.remove()

    threads = [threading.Thread(target=drain) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(to for to, _ in smtp.sent) == [f"user{n}@example.cn" for n in range(6)]


@pytest.mark.committing
def test_forgot_password_requests_in_parallel_mail_at_most_the_limit(app, client):
    from pathlib import Path

    app.config["PASSWORD_RESET_DAILY_LIMIT"] = 2
    with app.app_context():
        make_user(email="flood@example.cn")
    barrier = threading.Barrier(6)

    def ask():
        other = app.test_client()
        barrier.wait(timeout=10)
        assert other.post("/account/forgot", data={"email": "flood@example.cn"}).status_code == 302

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(list(Path(app.config["MAIL_DIR"]).glob("*.eml"))) == 2


def test_old_sent_mail_is_pruned(app, smtp):
    with app.app_context():
        queue_mail("old@example.cn", "旧", "正文")
        db.session.commit()  # sent at once (inline drain)
        db.session.execute(
            update(OutgoingMail).values(
                sent_at=OutgoingMail.sent_at - mail_outbox.KEEP_SENT - timedelta(days=1)
            )
        )
        queue_mail("new@example.cn", "新", "正文")
        db.session.commit()
        assert db.session.scalars(select(OutgoingMail.to_address)).all() == ["new@example.cn"]
