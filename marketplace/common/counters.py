"""Counted limits (so many per day) that hold when many requests arrive at the same moment.

Counting the rows already made and then adding one lets every parallel request see the same old
count: 30 simultaneous sends passed a cap of 20. Here a use is taken with one conditional UPDATE
on a counter row (`count = count + 1 WHERE count < limit`): PostgreSQL's row lock and SQLite's
write lock make concurrent takers wait for each other, and the one that finds the limit reached
matches nothing. The counter is written in the caller's transaction, so a request that fails
afterwards gives its use back when it rolls back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import String, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.common.rows import prune
from marketplace.common.timeutil import utcnow
from marketplace.extensions import db

# Counter rows older than this are of no use to any limit and are pruned as new ones are made.
KEEP_DAYS = 3


class RateCounter(db.Model):
    """How often one subject did one limited thing in one period (e.g. inquiries an org sent today)."""

    __tablename__ = "rate_counters"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    subject: Mapped[str] = mapped_column(String(250), primary_key=True)
    period: Mapped[str] = mapped_column(String(30), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def take(
    scope: str, subject: str, period: str, limit: int, *, already: Callable[[], int] | None = None
) -> bool:
    """Count one use of `scope` by `subject` in `period` if fewer than `limit` are counted.

    `already` tells how many uses happened before this period's counter existed (e.g. rows made
    before an upgrade); it is asked once, when the counter row is created.
    """
    key = (
        RateCounter.scope == scope,
        RateCounter.subject == subject,
        RateCounter.period == period,
    )
    for _ in range(2):
        taken = db.session.execute(
            update(RateCounter).where(*key, RateCounter.count < limit).values(count=RateCounter.count + 1),
            execution_options={"synchronize_session": False},
        )
        if taken.rowcount == 1:
            return True
        if db.session.scalar(select(RateCounter.count).where(*key)) is not None:
            return False
        start = already() if already is not None else 0
        try:
            with db.session.begin_nested():
                db.session.execute(
                    insert(RateCounter).values(
                        scope=scope,
                        subject=subject,
                        period=period,
                        count=start + 1 if start < limit else start,
                        created_at=utcnow(),
                    )
                )
        except IntegrityError:
            continue  # a concurrent request made the row first: take from it with the UPDATE
        _prune()
        return start < limit
    return False


def _prune() -> None:
    prune(RateCounter, RateCounter.created_at < utcnow() - timedelta(days=KEEP_DAYS))
