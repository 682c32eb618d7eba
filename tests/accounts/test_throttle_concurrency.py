"""Login throttling holds when guesses arrive in parallel (database store and Redis store).

Each guess is a thread with its own test client (so its own app context, session and
connection); a barrier releases them together. The attempt is counted before the password is
checked, so a burst can have at most LOGIN_SLOW_AFTER passwords checked: the others wait.
"""

import threading
import uuid

import pytest

from marketplace.accounts import throttle
from tests.accounts.test_throttle_redis import REDIS_URL
from tests.conftest import PG_URL
from tests.factories import PASSWORD, login_via_form, make_user

pytestmark = pytest.mark.committing

WRONG = "Wrong-pass-123"


def _burst(app, email, passwords):
    """POST the login form once per password, all at the same moment; return the responses."""
    barrier = threading.Barrier(len(passwords))
    responses: list = [None] * len(passwords)

    def guess(index, password):
        client = app.test_client()
        barrier.wait(timeout=30)
        responses[index] = login_via_form(client, email, password)

    threads = [threading.Thread(target=guess, args=(i, p)) for i, p in enumerate(passwords)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return responses


def _checked(responses) -> list:
    """The responses whose password was actually checked (answered "wrong password")."""
    return [r for r in responses if r.status_code == 200 and "邮箱或密码不正确" in r.get_data(as_text=True)]


def _assert_burst_is_throttled(app, email):
    # The burst must land within one slow-down wait, or a late guess is rightly checked: on a busy
    # machine (tests in parallel) the 17 threads can spread over more than the default 5 s.
    app.config["LOGIN_SLOW_SECONDS"] = 60
    slow_after = app.config["LOGIN_SLOW_AFTER"]
    responses = _burst(app, email, [WRONG] * 17)
    assert all(r.status_code in (200, 429) for r in responses), [r.status_code for r in responses]
    checked = _checked(responses)
    # At most the first few guesses of the burst reach the password check; the rest must wait.
    assert len(checked) <= slow_after, [r.status_code for r in responses]
    refused = [r for r in responses if r.status_code == 429]
    assert len(refused) == len(responses) - len(checked)
    assert all("后再试" in r.get_data(as_text=True) for r in refused)
    # The right password right after the burst is refused: every guess was counted.
    after = login_via_form(app.test_client(), email, PASSWORD)
    assert after.status_code == 429 and "暂时锁定" in after.get_data(as_text=True)


def test_parallel_wrong_passwords_are_not_all_checked(app):
    with app.app_context():
        make_user(email="burst@example.cn")
    _assert_burst_is_throttled(app, "burst@example.cn")


def test_parallel_wrong_passwords_through_redis(app):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    app.config["REDIS_URL"] = REDIS_URL
    email = f"{uuid.uuid4().hex}@example.cn"
    with app.app_context():
        make_user(email=email)
    try:
        _assert_burst_is_throttled(app, email)
    finally:
        with app.app_context():
            throttle.clear_login_failures(email)
            redis.Redis.from_url(REDIS_URL).delete("login-fail:ip:127.0.0.1")


@pytest.mark.parametrize("same_account", [True, False], ids=["one-account", "eight-accounts"])
def test_logging_in_at_once_is_never_refused_by_bookkeeping(app, same_account):
    """Logins from one address at the same moment all succeed, on one shared account or several.

    A right password takes back its own attempt rows and clears the account's failures. Two logins
    of one account deleted each other's rows in opposite orders and PostgreSQL killed one as a
    deadlock (a 503 on login, seen when eight clients of the soak benchmark logged in together).
    """
    from datetime import timedelta

    from marketplace.accounts.models import LoginFailure
    from marketplace.common.timeutil import utcnow
    from marketplace.extensions import db

    people = 8
    with app.app_context():
        if same_account:
            emails = [make_user(email="shared@example.cn").email] * people
        else:
            emails = [make_user(email=f"office{i}@example.cn").email for i in range(people)]
        old = utcnow() - timedelta(days=1)
        db.session.add_all(LoginFailure(key=f"ip:10.0.0.{i % 50}", created_at=old) for i in range(1000))
        db.session.commit()
    rounds = 1 if same_account else 4
    for _round in range(rounds):
        codes = _login_together(app, emails)
        if same_account:
            # Eight logins of one account at once look like a burst of guesses: each may be asked
            # to wait (429, counted strictly so that guesses cannot slip through), but none fails.
            assert set(codes) <= {302, 429}, codes
        else:
            assert codes == [302] * people, codes


def _login_together(app, emails) -> list:
    barrier = threading.Barrier(len(emails))
    codes: list = [None] * len(emails)

    def log_in(index):
        client = app.test_client()
        barrier.wait(timeout=30)
        codes[index] = login_via_form(client, emails[index], PASSWORD).status_code

    threads = [threading.Thread(target=log_in, args=(i,)) for i in range(len(emails))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return codes


@pytest.mark.skipif(
    not PG_URL, reason="needs PostgreSQL (TEST_DATABASE_URL): SQLite has one writer, no row locks"
)
def test_right_passwords_of_one_account_at_once_take_back_their_attempts_without_deadlock(app):
    """Each right password takes back its own attempt rows, then clears the account's failures.

    With plain DELETEs, login A held its own row and waited for B's, while B held its own and
    waited for A's: PostgreSQL killed one as a deadlock (a 503 on login in the soak benchmark).
    """
    from sqlalchemy import func, select

    from marketplace.accounts.models import LoginFailure
    from marketplace.extensions import db

    people = 6
    recorded, cleared = threading.Barrier(people), threading.Barrier(people)
    errors: list = []

    def right_password():
        with app.app_context():
            try:
                attempt = throttle.record_attempt("shared@example.cn", "10.1.1.1")
                db.session.commit()
                recorded.wait(timeout=30)
                throttle.forget_attempt(attempt)
                cleared.wait(timeout=30)  # every login holds its own rows before any clears
                throttle.clear_login_failures("shared@example.cn")
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=right_password) for _ in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 0
