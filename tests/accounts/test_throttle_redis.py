"""The same throttling through Redis, shared by worker processes when REDIS_URL is set."""

import os
import uuid

import pytest

from marketplace.accounts import throttle

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_app(app):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    app.config["REDIS_URL"] = REDIS_URL
    with app.app_context():
        yield app


def test_redis_store_slows_then_locks(redis_app):
    email = f"{uuid.uuid4().hex}@example.cn"
    ip = f"10.9.{uuid.uuid4().int % 250}.1"
    assert throttle.check_login_allowed(email, ip).allowed
    for _ in range(3):
        throttle.record_login_failure(email, ip)
    verdict = throttle.check_login_allowed(email, ip)
    assert not verdict.allowed and "秒后再试" in verdict.message
    for _ in range(5):
        throttle.record_login_failure(email, ip)
    verdict = throttle.check_login_allowed(email, ip)
    assert not verdict.allowed and "暂时锁定" in verdict.message
    throttle.clear_login_failures(email)
    # The address keeps its own count: eight failures are far below the per-address lock.
    assert throttle.check_login_allowed(email, ip).allowed
