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
from tests.factories import PASSWORD, login_via_form, make_user

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
