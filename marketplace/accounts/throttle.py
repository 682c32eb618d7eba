"""Login throttling shared by all worker processes (database, or Redis when configured)."""

import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from marketplace.accounts.models import LoginFailure
from marketplace.common.timeutil import utcnow
from marketplace.extensions import db


@dataclass
class Verdict:
    allowed: bool
    wait_seconds: int = 0
    message: str = ""


class DatabaseStore:
    """Failures as rows; the count is visible to every worker on the same database."""

    def stats(self, key: str, window: int) -> tuple[int, float | None]:
        now = utcnow()
        last = db.session.scalar(
            select(func.max(LoginFailure.created_at)).where(
                LoginFailure.key == key, LoginFailure.created_at >= now - timedelta(seconds=window)
            )
        )
        if last is None:
            return 0, None
        # Count the run of failures that ends with the latest one, so that a lock lasts a whole
        # window after the failure that caused it instead of lifting as the first ones age out.
        count = db.session.scalar(
            select(func.count(LoginFailure.id)).where(
                LoginFailure.key == key, LoginFailure.created_at >= last - timedelta(seconds=window)
            )
        )
        return count, (now - last).total_seconds()

    def record(self, key: str, window: int) -> None:
        db.session.add(LoginFailure(key=key))
        # Old rows are useless once outside the window; trimming here keeps the table small.
        db.session.execute(
            delete(LoginFailure).where(LoginFailure.created_at < utcnow() - timedelta(seconds=window * 4))
        )

    def clear(self, key: str) -> None:
        db.session.execute(delete(LoginFailure).where(LoginFailure.key == key))


class RedisStore:
    """Failures as a sorted set of timestamps per key."""

    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url)

    def stats(self, key: str, window: int) -> tuple[int, float | None]:
        now = time.time()
        name = f"login-fail:{key}"
        self.redis.zremrangebyscore(name, 0, now - 2 * window)
        last = self.redis.zrange(name, -1, -1, withscores=True)
        if not last or now - last[0][1] > window:
            return 0, None
        # The run of failures that ends with the latest one (see DatabaseStore.stats).
        count = self.redis.zcount(name, last[0][1] - window, "+inf")
        return count, now - last[0][1]

    def record(self, key: str, window: int) -> None:
        name = f"login-fail:{key}"
        now = time.time()
        self.redis.zadd(name, {uuid.uuid4().hex: now})
        self.redis.expire(name, 2 * window)

    def clear(self, key: str) -> None:
        self.redis.delete(f"login-fail:{key}")


def _store():
    url = current_app.config.get("REDIS_URL")
    return RedisStore(url) if url else DatabaseStore()


def _keys(email: str, ip: str | None) -> tuple[str, str]:
    return f"email:{email.strip().lower()}", f"ip:{ip or 'unknown'}"


def check_login_allowed(email: str, ip: str | None) -> Verdict:
    """Decide whether another attempt is allowed now for this account and address."""
    config = current_app.config
    window = config["LOGIN_WINDOW_SECONDS"]
    store = _store()
    email_key, ip_key = _keys(email, ip)
    count, age = store.stats(email_key, window)
    ip_count, ip_age = store.stats(ip_key, window)
    if count >= config["LOGIN_LOCK_AFTER"] or ip_count >= config["LOGIN_IP_LOCK_AFTER"]:
        last_age = min(a for a in (age, ip_age) if a is not None)
        wait = max(1, int(window - last_age))
        minutes = max(1, -(-wait // 60))
        return Verdict(False, wait, f"登录失败次数过多，账户已暂时锁定，请 {minutes} 分钟后再试")
    if count >= config["LOGIN_SLOW_AFTER"] and age is not None:
        delay = min(60, config["LOGIN_SLOW_SECONDS"] * 2 ** (count - config["LOGIN_SLOW_AFTER"]))
        if age < delay:
            wait = max(1, int(delay - age + 0.999))
            return Verdict(False, wait, f"登录失败次数较多，请 {wait} 秒后再试")
    return Verdict(True)


def record_login_failure(email: str, ip: str | None) -> None:
    window = current_app.config["LOGIN_WINDOW_SECONDS"]
    store = _store()
    for key in _keys(email, ip):
        store.record(key, window)


def clear_login_failures(email: str) -> None:
    _store().clear(_keys(email, None)[0])
