"""Login throttling shared by all worker processes (database, or Redis when configured).

Every attempt is recorded (and committed) BEFORE its password is checked, and then judged by the
attempts recorded before it. Checking first and recording the failure afterwards let 17 wrong
passwords sent in parallel all be checked, since each saw none of the others; now the n-th
attempt of a burst sees at least n-1 earlier ones, so at most LOGIN_SLOW_AFTER are checked at
once and never more than LOGIN_LOCK_AFTER in a window. An attempt refused unchecked still
counts (a burst of guesses locks the account even if none was checked); one that turns out right
is taken back and clears the account's failures, so successful logins never add up against an
address shared by many people.
"""

import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, select

from marketplace.accounts.models import LoginFailure
from marketplace.common.rows import prune
from marketplace.common.timeutil import utcnow
from marketplace.extensions import db


@dataclass
class Verdict:
    allowed: bool
    wait_seconds: int = 0
    message: str = ""


@dataclass
class Attempt:
    """One login attempt as recorded under its account key and its address key."""

    email: str
    ip: str | None
    marks: dict[str, str] = field(default_factory=dict)  # key -> this attempt's mark in the store


class DatabaseStore:
    """Attempts as rows; the count is visible to every worker on the same database."""

    def stats(self, key: str, window: int, exclude: str | None = None) -> tuple[int, float | None]:
        now = utcnow()
        others = [LoginFailure.key == key]
        if exclude is not None:
            others.append(LoginFailure.id != int(exclude))
        last = db.session.scalar(
            select(func.max(LoginFailure.created_at)).where(
                *others, LoginFailure.created_at >= now - timedelta(seconds=window)
            )
        )
        if last is None:
            return 0, None
        # Count the run of failures that ends with the latest one, so that a lock lasts a whole
        # window after the failure that caused it instead of lifting as the first ones age out.
        count = db.session.scalar(
            select(func.count(LoginFailure.id)).where(
                *others, LoginFailure.created_at >= last - timedelta(seconds=window)
            )
        )
        return count, max(0.0, (now - last).total_seconds())

    def record(self, key: str, window: int) -> str:
        row = LoginFailure(key=key, created_at=utcnow())
        db.session.add(row)
        # Old rows are useless once outside the window; trimming here keeps the table small.
        prune(LoginFailure, LoginFailure.created_at < utcnow() - timedelta(seconds=window * 4))
        db.session.flush()
        return str(row.id)

    # Skip rows other logins hold (see prune): a shared account logging in twice at once
    # deadlocked when each took back its own rows and then cleared the other's.
    def forget(self, key: str, mark: str) -> None:
        prune(LoginFailure, LoginFailure.id == int(mark), batch=None)

    def clear(self, key: str) -> None:
        prune(LoginFailure, LoginFailure.key == key, batch=None)


class RedisStore:
    """Attempts as a sorted set of timestamps per key (ZADD is atomic across workers)."""

    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url)

    def stats(self, key: str, window: int, exclude: str | None = None) -> tuple[int, float | None]:
        now = time.time()
        name = f"login-fail:{key}"
        self.redis.zremrangebyscore(name, 0, now - 2 * window)
        entries = self.redis.zrange(name, 0, -1, withscores=True)
        own = self.redis.zscore(name, exclude) if exclude is not None else None
        # Only the attempts recorded before this one (see DatabaseStore.stats).
        stamps = [
            score for member, score in entries if member.decode() != exclude and (own is None or score < own)
        ]
        if not stamps or now - stamps[-1] > window:
            return 0, None
        # The run of failures that ends with the latest one (see DatabaseStore.stats).
        last = stamps[-1]
        count = sum(1 for stamp in stamps if stamp >= last - window)
        return count, max(0.0, now - last)

    def record(self, key: str, window: int) -> str:
        name = f"login-fail:{key}"
        mark = uuid.uuid4().hex
        self.redis.zadd(name, {mark: time.time()})
        self.redis.expire(name, 2 * window)
        return mark

    def forget(self, key: str, mark: str) -> None:
        self.redis.zrem(f"login-fail:{key}", mark)

    def clear(self, key: str) -> None:
        self.redis.delete(f"login-fail:{key}")


def _store():
    url = current_app.config.get("REDIS_URL")
    return RedisStore(url) if url else DatabaseStore()


def _keys(email: str, ip: str | None) -> tuple[str, str]:
    return f"email:{email.strip().lower()}", f"ip:{ip or 'unknown'}"


def record_attempt(email: str, ip: str | None) -> Attempt:
    """Count an attempt before its password is checked; the caller commits it, then judges it."""
    window = current_app.config["LOGIN_WINDOW_SECONDS"]
    store = _store()
    attempt = Attempt(email, ip)
    for key in _keys(email, ip):
        attempt.marks[key] = store.record(key, window)
    return attempt


def check_login_allowed(email: str, ip: str | None, attempt: Attempt | None = None) -> Verdict:
    """Decide whether this attempt may be checked, judged by the attempts recorded before it."""
    config = current_app.config
    window = config["LOGIN_WINDOW_SECONDS"]
    store = _store()
    email_key, ip_key = _keys(email, ip)
    marks = attempt.marks if attempt is not None else {}
    count, age = store.stats(email_key, window, marks.get(email_key))
    ip_count, ip_age = store.stats(ip_key, window, marks.get(ip_key))
    if count >= config["LOGIN_LOCK_AFTER"] or ip_count >= config["LOGIN_IP_LOCK_AFTER"]:
        last_age = min(a for a in (age, ip_age) if a is not None)
        wait = max(1, int(window - last_age))
        minutes = max(1, -(-wait // 60))
        return Verdict(
            False, wait, gettext("登录失败次数过多，账户已暂时锁定，请 %(n)s 分钟后再试", n=minutes)
        )
    if count >= config["LOGIN_SLOW_AFTER"] and age is not None:
        delay = min(60, config["LOGIN_SLOW_SECONDS"] * 2 ** (count - config["LOGIN_SLOW_AFTER"]))
        if age < delay:
            wait = max(1, int(delay - age + 0.999))
            return Verdict(False, wait, gettext("登录失败次数较多，请 %(n)s 秒后再试", n=wait))
    return Verdict(True)


def forget_attempt(attempt: Attempt) -> None:
    """Take back an attempt whose password was right (it was no guess)."""
    store = _store()
    for key, mark in attempt.marks.items():
        store.forget(key, mark)


def record_login_failure(email: str, ip: str | None) -> None:
    """Record a failure after the fact (for callers that do not record attempts first)."""
    record_attempt(email, ip)


def clear_login_failures(email: str) -> None:
    _store().clear(_keys(email, None)[0])
